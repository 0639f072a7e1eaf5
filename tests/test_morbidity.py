"""Morbidity: samplers against analytic moments, calibration of utilisation and costs."""

import math

import numba as nb
import numpy as np
import pytest
from scipy import stats
from v1_samplers import beta_cheng_bb, draw_extra_admissions, draw_poisson

from simi_actuarial.engine.rng import stream_key
from simi_actuarial.engine.samplers import (
    draw_beta_share,
    draw_categorical,
    draw_extra_admissions_table,
    draw_gamma,
    draw_spliced,
    invert_extra_admissions,
)
from simi_actuarial.errors import ScenarioError
from simi_actuarial.morbidity import MorbidityConfig, resolve_morbidity
from simi_actuarial.morbidity.resolve import hospitalisation_probability, level_mix
from simi_actuarial.morbidity.severity import (
    ADMISSIONS_TABLE_TAIL,
    extra_admissions_cdf,
    fit_mu_for_mean,
    spliced_cdf,
    spliced_mean,
    spliced_quantile,
)
from simi_actuarial.population import PopulationConfig, project_population


@nb.njit
def _spliced(key, n, mu, sigma, thr, alpha, p):
    out = np.empty(n)
    ctr = np.uint64(0)
    for i in range(n):
        out[i], ctr = draw_spliced(key, ctr, mu, sigma, thr, alpha, p)
    return out


@nb.njit
def _beta(key, n, mean, conc):
    out = np.empty(n)
    ctr = np.uint64(0)
    for i in range(n):
        out[i], ctr = draw_beta_share(key, ctr, mean, conc)
    return out


@nb.njit
def _poisson(key, n, lam):
    out = np.empty(n)
    ctr = np.uint64(0)
    for i in range(n):
        out[i], ctr = draw_poisson(key, ctr, lam)
    return out


@nb.njit
def _categorical(key, n, probs):
    out = np.zeros(probs.shape[0])
    ctr = np.uint64(0)
    for _ in range(n):
        k, ctr = draw_categorical(key, ctr, probs)
        out[k] += 1
    return out


KEY = np.uint64(stream_key(5, 1, 2021, 3))


def test_spliced_sampler_matches_analytic_mean_and_tail():
    mu, sigma, alpha, p = math.log(8000), 0.9, 2.5, 0.02
    thr = math.exp(mu + sigma * stats.norm.ppf(0.99))
    x = _spliced(KEY, 400_000, mu, sigma, thr, alpha, p)
    mean = spliced_mean(mu, sigma, thr, alpha, p)
    se = x.std() / math.sqrt(x.size)
    assert abs(x.mean() - mean) < 4 * se
    assert np.mean(x >= thr) == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / x.size))
    # distribution check against the analytic CDF
    assert stats.kstest(x, lambda v: spliced_cdf(v, mu, sigma, thr, alpha, p)).pvalue > 1e-4


def test_spliced_quantile_inverts_cdf():
    mu, sigma, thr, alpha, p = math.log(5000), 0.8, 40_000.0, 2.2, 0.01
    u = np.array([0.01, 0.3, 0.5, 0.9, 0.985, 0.995, 0.9999])
    np.testing.assert_allclose(spliced_cdf(spliced_quantile(u, mu, sigma, thr, alpha, p),
                                           mu, sigma, thr, alpha, p), u, rtol=1e-9)


def test_fit_mu_hits_target_mean():
    mu, thr = fit_mu_for_mean(13_942.0, 0.95, 0.99, 2.2, 0.01)
    assert spliced_mean(mu, 0.95, thr, 2.2, 0.01) == pytest.approx(13_942.0, rel=1e-9)


@nb.njit
def _gammas(key, n, shape):
    out = np.empty(n)
    ctr = np.uint64(0)
    for i in range(n):
        out[i], ctr = draw_gamma(key, ctr, shape)
    return out


@nb.njit
def _cheng(key, n, a, b):
    out = np.empty(n)
    ctr = np.uint64(0)
    for i in range(n):
        out[i], ctr = beta_cheng_bb(key, ctr, a, b)
    return out


@pytest.mark.parametrize("shape", [0.25, 1.0, 3.3, 26.7, 1e6])
def test_gamma_sampler_matches_scipy(shape):
    # Marsaglia-Tsang with the squeeze and ziggurat normals (shape < 1 boosted)
    x = _gammas(KEY, 200_000, shape)
    assert x.mean() == pytest.approx(shape, abs=4 * math.sqrt(shape / x.size))
    assert x.var() == pytest.approx(shape, rel=0.03)
    assert stats.kstest(x, stats.gamma(shape).cdf).pvalue > 1e-4


@pytest.mark.parametrize("m, k", [(0.9, 30.0), (0.5, 4.0), (0.97, 20.0), (0.3, 2.0),
                                  (0.89, 30.0)])
def test_beta_share_distribution(m, k):
    # ratio of two gammas: both shapes > 1 (0.9, 30), (0.5, 4), (0.89, 30: the default),
    # one shape < 1 (0.97, 20), (0.3, 2)
    x = _beta(KEY, 200_000, m, k)
    assert x.mean() == pytest.approx(m, abs=4 * math.sqrt(m * (1 - m) / (k + 1) / x.size))
    assert x.var() == pytest.approx(m * (1 - m) / (k + 1), rel=0.03)
    assert 0 < x.min() and x.max() < 1
    assert stats.kstest(x, stats.beta(m * k, (1 - m) * k).cdf).pvalue > 1e-4


def test_beta_share_agrees_with_chengs_bb_reference():
    # the sampler of stream version 1, kept as an independent reference
    x = _beta(KEY, 200_000, 0.89, 30.0)
    y = _cheng(np.uint64(stream_key(6, 1, 2021, 3)), 200_000, 0.89 * 30.0, 0.11 * 30.0)
    assert stats.kstest(y, stats.beta(0.89 * 30.0, 0.11 * 30.0).cdf).pvalue > 1e-4
    assert stats.ks_2samp(x, y).pvalue > 1e-4


def test_poisson_and_categorical():
    x = _poisson(KEY, 200_000, 0.35)
    assert x.mean() == pytest.approx(0.35, abs=4 * math.sqrt(0.35 / x.size))
    assert x.var() == pytest.approx(0.35, rel=0.03)
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    counts = _categorical(KEY, 200_000, probs)
    assert stats.chisquare(counts, probs * 200_000).pvalue > 1e-4


def test_same_key_same_draws():
    np.testing.assert_array_equal(_spliced(KEY, 100, 8.0, 0.9, 1e5, 2.0, 0.01),
                                  _spliced(KEY, 100, 8.0, 0.9, 1e5, 2.0, 0.01))


@pytest.fixture(scope="module")
def national():
    return project_population(PopulationConfig(), 2021, 1).insured[0]


def test_hospitalisation_calibrated_to_national_figures(national):
    cfg = MorbidityConfig()
    p = hospitalisation_probability(cfg, national)
    lam = np.where(np.arange(101) >= 60, cfg.extra_admissions_old, cfg.extra_admissions_young)
    admissions = np.sum(national * p * (1 + lam[:, None])) / national.sum()
    assert admissions == pytest.approx(0.152, rel=1e-9)
    # default basis 'admissions': admissions per person aged 60+ (the NHSS definition)
    old = np.sum((national * p * (1 + lam[:, None]))[60:]) / national[60:].sum()
    assert old == pytest.approx(0.249, rel=1e-6)
    both = p.mean(axis=1)
    assert both[80] > both[40] > both[15] < both[0]  # J-shaped


def test_hospitalisation_persons_basis(national):
    cfg = MorbidityConfig(older_adult_rate_basis="persons")
    p = hospitalisation_probability(cfg, national)
    old = np.sum((national * p)[60:]) / national[60:].sum()
    assert old == pytest.approx(0.249, rel=1e-6)
    # more older persons hospitalised than on the admissions basis, same total admissions
    p_adm = hospitalisation_probability(MorbidityConfig(), national)
    assert np.sum((national * p)[60:]) > np.sum((national * p_adm)[60:])


def test_unreachable_older_adult_rate_is_a_named_error(national):
    cfg = MorbidityConfig(older_adult_hospitalisation_rate=0.99, admissions_per_insured=0.05)
    with pytest.raises(ScenarioError) as err:
        hospitalisation_probability(cfg, national)
    assert "older_adult_hospitalisation_rate" in str(err.value.problems)


@pytest.mark.parametrize("levels", [["township", "primary", "secondary", "tertiary"],
                                    ["primary", "secondary", "tertiary"], ["tertiary"]])
def test_level_mix_rows_sum_to_one(levels):
    mix = level_mix(MorbidityConfig(), levels)
    assert mix.shape == (101, len(levels))
    np.testing.assert_allclose(mix.sum(axis=1), 1.0)


def test_resolved_costs_match_national_means(national):
    levels = ["township", "primary", "secondary", "tertiary"]
    m = resolve_morbidity(MorbidityConfig(), levels, national)
    np.testing.assert_allclose(m.expected_cost_per_admission, [3623, 3623, 6626, 13942],
                               rtol=1e-6)
    # the admission-weighted level mix equals level_mix and reproduces the national mean
    # cost per admission (8,023 CNY)
    lam = np.where(np.arange(101) >= 60, 0.45, 0.20)
    adm = np.sum(national * m.hosp_prob, axis=1) * (1 + lam)
    mix = adm @ m.level_prob / adm.sum()
    np.testing.assert_allclose(mix, [0.13, 0.195, 0.35, 0.325], atol=1e-9)
    assert float(mix @ m.expected_cost_per_admission) == pytest.approx(8023, rel=0.005)
    # the age tilt makes older patients use township centres more than young adults
    assert m.level_prob[85, 0] > m.level_prob[30, 0]


@nb.njit
def _extra(key, n, lam, shape):
    out = np.empty(n)
    ctr = np.uint64(0)
    for i in range(n):
        out[i], ctr = draw_extra_admissions(key, ctr, lam, shape)
    return out


@pytest.mark.parametrize("lam, shape", [(0.45, 0.25), (0.2, 2.0), (0.45, math.inf)])
def test_extra_admissions_negative_binomial_moments(lam, shape):
    x = _extra(KEY, 400_000, lam, shape)
    var = lam + (lam * lam / shape if math.isfinite(shape) else 0.0)
    assert x.mean() == pytest.approx(lam, abs=4 * math.sqrt(var / x.size))
    assert x.var() == pytest.approx(var, rel=0.05)
    # against scipy's negative binomial pmf (n = shape, p = shape / (shape + lam))
    if math.isfinite(shape):
        pmf = stats.nbinom(shape, shape / (shape + lam)).pmf(np.arange(3))
        np.testing.assert_allclose([np.mean(x == k) for k in range(3)], pmf, atol=0.004)


@nb.njit
def _extra_table(key, n, cdf, lam, shape):
    out = np.empty(n)
    ctr = np.uint64(0)
    for i in range(n):
        out[i], ctr = draw_extra_admissions_table(key, ctr, cdf, lam, shape)
    return out


def _nb_pmf(lam, shape, ks):
    if math.isinf(shape):
        return stats.poisson(lam).pmf(ks)
    return stats.nbinom(shape, shape / (shape + lam)).pmf(ks)


def test_extra_admissions_cdf_table():
    lam = np.array([0.0, 0.2, 0.45, 2.0])
    tab = extra_admissions_cdf(lam, 0.25)
    assert tab.shape[0] == 4 and np.all(np.diff(tab, axis=1) >= 0) and np.all(tab <= 1.0)
    assert np.all(tab[:, 0] == [1.0, *_nb_pmf(lam[1:], 0.25, 0)])
    assert np.all(1.0 - tab[:, -1] < ADMISSIONS_TABLE_TAIL)
    np.testing.assert_allclose(tab[2, :6], np.cumsum(_nb_pmf(0.45, 0.25, np.arange(6))),
                               rtol=1e-13)
    pois = extra_admissions_cdf([0.45], math.inf)
    np.testing.assert_allclose(pois[0, :4], stats.poisson(0.45).cdf(np.arange(4)), rtol=1e-13)


@pytest.mark.parametrize("lam, shape", [(0.45, 0.25), (0.2, 2.0), (0.45, math.inf),
                                        (3.0, 0.25)])
@pytest.mark.parametrize("table_len", [None, 2])
def test_extra_admissions_table_matches_negative_binomial(lam, shape, table_len):
    # inversion of the tabulated CDF; table_len=2 cuts the table short so that most draws
    # above 1 go through the exact continuation beyond the table's end
    cdf = extra_admissions_cdf([lam], shape)[0]
    if table_len is not None:
        cdf = cdf[:table_len].copy()
    x = _extra_table(KEY, 400_000, cdf, lam, shape)
    var = lam + (lam * lam / shape if math.isfinite(shape) else 0.0)
    assert x.mean() == pytest.approx(lam, abs=5 * math.sqrt(var / x.size))
    top = 12
    counts = np.bincount(np.minimum(x.astype(np.int64), top), minlength=top + 1)
    pmf = _nb_pmf(lam, shape, np.arange(top))
    expected = np.append(pmf, 1.0 - pmf.sum()) * x.size
    keep = expected > 5
    obs = np.append(counts[keep], counts[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    obs, exp = (obs, exp) if exp[-1] > 0 else (obs[:-1], exp[:-1])
    assert stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue > 1e-4


def test_extra_admissions_table_agrees_with_gamma_poisson():
    # stream version 1's sampler (gamma-mixed Poisson) against the table inversion
    cdf = extra_admissions_cdf([0.45], 0.25)[0]
    a = _extra_table(KEY, 200_000, cdf, 0.45, 0.25)
    b = _extra(np.uint64(stream_key(6, 1, 2021, 3)), 200_000, 0.45, 0.25)
    ca, cb = (np.bincount(np.minimum(v.astype(np.int64), 6), minlength=7) for v in (a, b))
    assert stats.chi2_contingency(np.array([ca, cb])).pvalue > 1e-4


@pytest.mark.parametrize("lam, shape", [(0.45, 0.25), (5.0, 0.25), (5.0, 0.01), (0.45, math.inf)])
def test_extra_admissions_inversion_at_the_top_of_the_unit_interval(lam, shape):
    # u next to 1: the continued cumulative sum stalls below 1 in double precision; the
    # inversion must stop there (a tail of ~1e-16), not run to its step limit

    cdf = extra_admissions_cdf([lam], shape)[0]
    top = 1.0 - 2.0**-53
    k = invert_extra_admissions(top, cdf, lam, shape)
    sf = (stats.poisson(lam) if math.isinf(shape)
          else stats.nbinom(shape, shape / (shape + lam))).sf(k)
    assert k < 100_000 and sf < 1e-12  # (the old loop ran to its 1,000,000-step limit)
    # and at an ordinary u the inversion equals scipy's quantile function
    for u in (0.1, 0.5, 0.9, 0.999):
        ppf = (stats.poisson(lam) if math.isinf(shape)
               else stats.nbinom(shape, shape / (shape + lam))).ppf(u)
        assert invert_extra_admissions(u, cdf, lam, shape) == ppf


def test_tail_threshold_below_the_body_median_is_refused():
    with pytest.raises(ValueError, match="tail_threshold"):
        fit_mu_for_mean(13_942.0, 0.8, 15_000.0, 2.5, 0.04)
    mu, thr = fit_mu_for_mean(13_942.0, 0.8, 50_000.0, 2.5, 0.04)
    assert stats.norm.cdf((math.log(thr) - mu) / 0.8) > 0.98
