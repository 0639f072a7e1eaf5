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

Stream version. :data:`STREAM_VERSION` numbers the *layout* of the random streams: which
draws of a stream feed which sampler, and by which algorithm. Results are reproducible for
a given (seed, stream version); a new version changes every simulated figure (the samplers
stay exact, so results are statistically equivalent, not identical). The run manifest
records it (``versions.random_stream``).
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
_BELOW_ONE = 1.0 - _INV53  # largest double below 1

#: Layout of the random streams (see the module docstring). History:
#: 1 -- Box-Muller normals; extra admissions as gamma-mixed Poisson; Cheng's BB in-scope share.
#: 2 -- ziggurat normals (:func:`normal`); extra admissions by inversion of a tabulated
#:      negative-binomial CDF; in-scope share as a ratio of Marsaglia-Tsang gammas.
STREAM_VERSION = 2


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
    """Uniform on the open interval (0, 1) with 53-bit resolution; returns ``(u, ctr)``.

    ``(k + 0.5) / 2**53`` for the top 53 bits ``k``; the one word whose sum rounds up to
    ``2**53`` (probability 2**-53) is mapped to the largest double below 1, so 1.0 is never
    returned."""
    w, ctr = next_u64(key, ctr)
    return word_to_uniform(w), ctr


@nb.njit(inline="always", cache=True)
def word_to_uniform(w):
    """The uniform of :func:`uniform` for the 64-bit word ``w``."""
    u = ((w >> _S11) + 0.5) * _INV53
    return u if u < 1.0 else _BELOW_ONE


def _ziggurat_tables(n=256):
    """Ziggurat tables for the standard normal with ``n`` layers of equal area (Marsaglia and
    Tsang, J. Stat. Softw. 5(8), 2000; layout of Doornik, "An improved ziggurat method",
    2005). Returns ``(x, fx, ratio, r)``: layer edges ``x[0..n]`` (``x[0] = V / f(R)`` the
    base layer's pseudo-width, ``x[1] = R`` the tail start, ``x[n] = 0``), ``fx = f(x)``
    with ``f(x) = exp(-x**2 / 2)``, ``ratio[i] = x[i+1] / x[i]`` and ``R``.

    ``R`` is solved here to double precision (bisection) so that every layer, the top one
    included, has the same area ``V``: the sampler is then exact, not an approximation."""
    sqrt_half_pi = math.sqrt(0.5 * math.pi)

    def edges(r):
        v = r * math.exp(-0.5 * r * r) + sqrt_half_pi * math.erfc(r / math.sqrt(2.0))
        x = [v / math.exp(-0.5 * r * r), r]
        for _ in range(2, n):
            y = v / x[-1] + math.exp(-0.5 * x[-1] ** 2)
            if y >= 1.0:  # r too small: the layers reach the top before n
                return v, x, -1.0
            x.append(math.sqrt(-2.0 * math.log(y)))
        return v, x, x[-1] * (1.0 - math.exp(-0.5 * x[-1] ** 2)) - v

    lo, hi = 3.0, 4.5  # residual < 0 at lo (too small), > 0 at hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if edges(mid)[2] < 0.0:
            lo = mid
        else:
            hi = mid
    r = hi
    _, x, _ = edges(r)
    x = np.array(x + [0.0])
    fx = np.exp(-0.5 * x * x)
    ratio = x[1:] / x[:-1]
    return x, fx, ratio, r


_ZIG_X, _ZIG_F, _ZIG_RATIO, _ZIG_R = _ziggurat_tables()
_ZIG_INV_R = 1.0 / _ZIG_R
_M8 = np.uint64(0xFF)
_B8 = np.uint64(0x100)
_ZERO = np.uint64(0)


@nb.njit(inline="always", cache=True)
def normal(key, ctr):
    """Standard normal by the ziggurat method (256 layers; :func:`_ziggurat_tables`);
    returns ``(z, ctr)``.

    One 64-bit word per attempt: bits 0-7 pick the layer, bit 8 the sign and bits 11-63
    the position in the layer (disjoint bits, so layer and value are independent). About
    98.8 % of attempts return at once with one multiply; the rest test the wedge against
    ``exp`` (one more uniform) or draw from the tail beyond ``R`` by Marsaglia's method."""
    while True:
        w, ctr = next_u64(key, ctr)
        i = w & _M8
        neg = (w & _B8) != _ZERO
        u = ((w >> _S11) + 0.5) * _INV53
        x = u * _ZIG_X[i]
        if u < _ZIG_RATIO[i]:
            return (-x if neg else x), ctr
        if i == _ZERO:  # tail beyond R
            while True:
                u1, ctr = uniform(key, ctr)
                u2, ctr = uniform(key, ctr)
                a = -math.log(u1) * _ZIG_INV_R
                if -2.0 * math.log(u2) > a * a:
                    x = _ZIG_R + a
                    return (-x if neg else x), ctr
        v, ctr = uniform(key, ctr)
        if _ZIG_F[i] + v * (_ZIG_F[i + 1] - _ZIG_F[i]) < math.exp(-0.5 * x * x):
            return (-x if neg else x), ctr


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
