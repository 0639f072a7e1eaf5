"""Counter-based random streams: distribution, independence, keying."""

import numpy as np
from scipy import stats

from simi_actuarial.engine.rng import fill_normal, fill_uniform, stream_key


def test_uniform_is_uniform_and_open_interval():
    u = fill_uniform(stream_key(1, 0, 2021, 5), 200_000)
    assert 0.0 < u.min() and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-4


def test_normal_moments():
    z = fill_normal(stream_key(3, 7, 2030, 11), 200_000)
    assert abs(z.mean()) < 0.01
    assert abs(z.std() - 1.0) < 0.01
    assert stats.kstest(z, "norm").pvalue > 1e-4


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
