"""Counter-based random streams keyed by (seed, path, year, cell).

Results must not depend on thread count, batch size or executor, so no generator state is
shared between work units. A stream is identified by a 64-bit *key* derived from
``(seed, path, year, cell)`` and a *counter*; draw ``i`` of a stream is a pure function of
``(key, i)``::

    u64(key, i) = mix(key ^ mix(i + GOLDEN))

where ``mix`` is the SplitMix64 finaliser (a bijection of 64-bit words with full avalanche).
Two streams with different keys are unrelated sequences: a coincidence of one value does not
make the next values coincide, unlike two SplitMix64 sequences started at different points.

All functions are numba-compiled scalar functions that take and return the counter, so they
inline into kernels (CPU or CUDA) without allocating state::

    u, ctr = uniform(key, ctr)
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53
_TWO_PI = 2.0 * math.pi


@nb.njit(inline="always", cache=True)
def mix64(z):
    """SplitMix64 finaliser: a bijective 64-bit mixing function."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(cache=True)
def stream_key(seed, path, year, cell):
    """64-bit key of the stream for work unit ``(seed, path, year, cell)``."""
    # Python ints below 2**63 type as int64 in numba: force unsigned arithmetic throughout.
    k = mix64(np.uint64(seed) + _GOLDEN)
    k = mix64(k ^ (np.uint64(path) + _GOLDEN))
    k = mix64(k ^ (np.uint64(year) * _M1 + _GOLDEN))
    k = mix64(k ^ (np.uint64(cell) * _M2 + _GOLDEN))
    return k


@nb.njit(inline="always", cache=True)
def next_u64(key, ctr):
    """Draw ``ctr`` of stream ``key`` as a 64-bit word; returns ``(word, ctr + 1)``."""
    ctr = np.uint64(ctr)
    return mix64(np.uint64(key) ^ mix64(ctr + _GOLDEN)), ctr + _ONE


@nb.njit(inline="always", cache=True)
def uniform(key, ctr):
    """Uniform on the open interval (0, 1) with 53-bit resolution; returns ``(u, ctr)``."""
    w, ctr = next_u64(key, ctr)
    return ((w >> _S11) + 0.5) * _INV53, ctr


@nb.njit(inline="always", cache=True)
def normal(key, ctr):
    """Standard normal by the Box-Muller transform (two uniforms); returns ``(z, ctr)``."""
    u1, ctr = uniform(key, ctr)
    u2, ctr = uniform(key, ctr)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(_TWO_PI * u2), ctr


def fill_uniform(key, n):
    """``n`` uniforms of stream ``key`` from counter 0 (for tests and reference code)."""
    return _fill_uniform(np.uint64(key), n)


def fill_normal(key, n):
    """``n`` standard normals of stream ``key`` from counter 0."""
    return _fill_normal(np.uint64(key), n)


@nb.njit(cache=True)
def _fill_uniform(key, n):
    out = np.empty(n)
    ctr = np.uint64(0)
    for i in range(n):
        out[i], ctr = uniform(key, ctr)
    return out


@nb.njit(cache=True)
def _fill_normal(key, n):
    out = np.empty(n)
    ctr = np.uint64(0)
    for i in range(n):
        out[i], ctr = normal(key, ctr)
    return out
