"""Counter-based random streams: distribution, independence, keying; the ziggurat normal
against the exact normal law."""

import math

import numba as nb
import numpy as np
from scipy import stats
from v1_samplers import normal_box_muller

from simi_actuarial.engine.rng import (
    _ZIG_F,
    _ZIG_R,
    _ZIG_X,
    fill_normal,
    fill_uniform,
    stream_key,
)


def test_uniform_is_uniform_and_open_interval():
    u = fill_uniform(stream_key(1, 0, 2021, 5), 200_000)
    assert 0.0 < u.min() and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-4


def test_normal_moments():
    z = fill_normal(stream_key(3, 7, 2030, 11), 200_000)
    assert abs(z.mean()) < 0.01
    assert abs(z.std() - 1.0) < 0.01
    assert abs(stats.skew(z)) < 0.02
    assert abs(stats.kurtosis(z)) < 0.05
    assert stats.kstest(z, "norm").pvalue > 1e-4


def test_ziggurat_layers_have_equal_area():
    # Exactness of the ziggurat rests on its layers having one common area V: the base
    # (rectangle up to R plus the tail beyond it) and every layer above it, the top included.
    v = (_ZIG_R * math.exp(-0.5 * _ZIG_R**2)
         + math.sqrt(math.pi / 2) * math.erfc(_ZIG_R / math.sqrt(2)))
    layers = _ZIG_X[1:-1] * (_ZIG_F[2:] - _ZIG_F[1:-1])
    np.testing.assert_allclose(layers, v, rtol=1e-11)
    assert abs(_ZIG_X[0] * _ZIG_F[1] / v - 1) < 1e-14  # base: pseudo-width x[0] = V / f(R)
    assert _ZIG_X[-1] == 0.0 and _ZIG_F[-1] == 1.0
    assert abs(_ZIG_R - 3.6541528853610088) < 1e-12  # Marsaglia and Tsang's 256-layer R


def test_ziggurat_normal_matches_the_normal_law_in_body_wedges_and_tail():
    # 2 million draws: the chi-square over 60 equiprobable bins tests the body; the counts
    # beyond 3 and beyond R (the tail sampler) test the rare branches.
    z = fill_normal(stream_key(4, 7, 2030, 11), 2_000_000)
    edges = stats.norm.ppf(np.linspace(0, 1, 61))
    counts, _ = np.histogram(z, edges)
    assert stats.chisquare(counts).pvalue > 1e-4
    for t in (3.0, _ZIG_R, 4.2):
        p = 2 * stats.norm.sf(t)
        n = np.sum(np.abs(z) > t)
        assert abs(n - p * z.size) < 5 * math.sqrt(p * z.size) + 1
    assert abs(np.mean(z > 0) - 0.5) < 0.002  # the sign bit


@nb.njit
def _box_muller(key, n):
    out = np.empty(n)
    ctr = np.uint64(0)
    for i in range(n):
        out[i], ctr = normal_box_muller(key, ctr)
    return out


def test_ziggurat_agrees_with_box_muller_reference():
    a = fill_normal(stream_key(5, 1, 2021, 0), 200_000)
    b = _box_muller(np.uint64(stream_key(5, 2, 2021, 0)), 200_000)
    assert stats.ks_2samp(a, b).pvalue > 1e-4


def test_streams_are_keyed_and_reproducible():
    a = fill_uniform(stream_key(1, 2, 3, 4), 1000)
    b = fill_uniform(stream_key(1, 2, 3, 4), 1000)
    np.testing.assert_array_equal(a, b)
    keys = {stream_key(s, p, y, c) for s in (0, 1) for p in range(20) for y in (2020, 2021)
            for c in range(20)}
    assert len(keys) == 2 * 20 * 2 * 20


def test_neighbouring_streams_are_uncorrelated():
    a = fill_uniform(stream_key(1, 0, 2021, 0), 50_000)
    for other in (stream_key(1, 1, 2021, 0), stream_key(1, 0, 2022, 0), stream_key(1, 0, 2021, 1),
                  stream_key(2, 0, 2021, 0)):
        b = fill_uniform(other, 50_000)
        assert abs(np.corrcoef(a, b)[0, 1]) < 0.02
        # a shifted copy would show up as correlation at some lag
        assert abs(np.corrcoef(a[1:], b[:-1])[0, 1]) < 0.02
    # successive ziggurat normals of one stream are uncorrelated
    z = fill_normal(stream_key(1, 0, 2021, 0), 50_000)
    assert abs(np.corrcoef(z[1:], z[:-1])[0, 1]) < 0.02


def test_uniform_never_returns_one():
    from simi_actuarial.engine.rng import word_to_uniform

    top = word_to_uniform(np.uint64(2**64 - 1))
    assert top < 1.0 and top == 1.0 - 2.0**-53
    assert word_to_uniform(np.uint64(0)) == 0.5 * 2.0**-53
    assert word_to_uniform(np.uint64(2**63)) == 0.5 + 0.5 * 2.0**-53
