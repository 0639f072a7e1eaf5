"""Review of the proxy engine (issue 15): cases the first tests did not reach.

Each test runs a small scenario (100k insured, 2 years, a few paths): the proxy's tables
are built in a few seconds.
"""

import math

import numpy as np
import pytest

import simi_actuarial as sa
from simi_actuarial.engine.model import resolve_model
from simi_actuarial.engine.proxy.design import MIN_HALF_WIDTH, ProxyDesign
from simi_actuarial.engine.proxy.evaluate import estimation_variance, semidefinite_cholesky
from simi_actuarial.engine.proxy.moments import build_tables, reference_utilisation
from simi_actuarial.engine.proxy_check import check_against_micro
from simi_actuarial.engine.simulate import simulate_raw
from simi_actuarial.engine.systematic import SystematicFactors
from simi_actuarial.engine.tallies import T
from simi_actuarial.results import SimulationResult
from simi_actuarial.solve import Z95, required_financing


@pytest.fixture(scope="module")
def small_proxy(repo_root):
    sc = sa.load_scenario(repo_root / "scenarios" / "national_2021.yaml", overrides=[
        "population.insured=100000", "horizon.years=2"])
    return simulate_raw(sc, 60, 5, engine="proxy")


def test_loss_ratio_standard_carries_the_proxy_estimation_error(small_proxy):
    """The loss-ratio standard is the mean claims over paths divided by the income: the
    proxy's error of its estimated mean claims (common to every path of a year, independent
    between years) moves it one for one, so its sd is, hand-computed,
    ``sqrt(Σ_t (mean_p sd_pt)^2) / den`` with ``den = value Σ_t N_t``, and the CI holds it."""
    res = SimulationResult(small_proxy)
    fac = SystematicFactors(cost_index=small_proxy.cost_index,
                            utilisation=small_proxy.utilisation, trend=None, incidence=None)
    sd = np.sqrt(estimation_variance(small_proxy.proxy, fac, T["simi_paid"]))  # (P, Y)
    value = 0.9
    den = value * float(np.sum(res.insured))
    expected = math.sqrt(float(np.sum(sd.mean(axis=0) ** 2))) / den
    rf = required_financing(res, "loss_ratio", value=value, bootstrap=200)
    assert expected > 0
    assert rf.proxy_error_sd == pytest.approx(expected, rel=1e-9)
    assert rf.ci_high - rf.ci_low >= 2 * Z95 * expected * (1 - 1e-9)
    # one year only: that year's error alone
    y1 = int(res.years[1])
    rf1 = required_financing(res, "loss_ratio", value=value, year=y1, bootstrap=0)
    assert rf1.proxy_error_sd == pytest.approx(
        float(sd[:, 1].mean()) / (value * float(res.insured[1])), rel=1e-9)


def test_cholesky_keeps_a_small_variance_beside_a_large_one():
    """Pivots are dropped only for (near-)exact linear relations: a tally whose variance is
    small against another's, but independent of it, keeps it (tallies range from counts,
    variance ~10, to costs, variance ~10^13, in one matrix)."""
    a = np.diag([1e13, 5.0, 1e13])
    a[2, 0] = a[0, 2] = 1e13  # third = first: an exact relation, zero residual
    out = np.zeros_like(a)
    semidefinite_cholesky(a, out)
    np.testing.assert_allclose(out @ out.T, a, rtol=1e-12, atol=1e-3)
    assert out[1, 1] == pytest.approx(math.sqrt(5.0))
    assert out[2, 2] == 0.0


def test_process_noise_keeps_every_tally_variance(repo_root):
    """On the proxy's own covariance (national 2021: the episode-ratio sum, variance ~400,
    sits beside costs with variance ~10^13) the factor reproduces every tally's variance."""
    sc = sa.load_scenario(repo_root / "scenarios" / "national_2021.yaml", overrides=[
        "population.insured=200000", "horizon.years=1"])
    tb = build_tables(resolve_model(sc), 7, ProxyDesign(grid_points=4))
    cov = tb.cov0[0, 1] + tb.cov1[0, 1] + tb.cov2[0, 1]
    out = np.zeros_like(cov)
    semidefinite_cholesky(cov, out)
    got, want = np.diag(out @ out.T), np.diag(cov)
    assert want[T["ben_episode_ratio_sum"]] < 1e-9 * want.max()  # the case at stake
    np.testing.assert_allclose(got, want, rtol=1e-6)


_NO_RISK = ["risk.cost_shock_sd=0", "risk.utilisation_shock_sd=0", "risk.trend_uncertainty_sd=0",
            "risk.utilisation_trend_uncertainty_sd=0", "risk.incidence_uncertainty_sd=0",
            "risk.cost_level_uncertainty_sd=0"]


@pytest.mark.parametrize("extra", [
    _NO_RISK,                                                   # grid at ± MIN_HALF_WIDTH
    ["groups.special.share=0", "groups.general.share=1"],       # a group with no one in it
    ["horizon.years=1"],                                        # a single year
], ids=["no-systematic-risk", "zero-share-group", "one-year"])
def test_edge_settings_agree_with_micro(repo_root, extra):
    """Edge settings run and pass ``--check-micro`` on the same outer paths."""
    sc = sa.load_scenario(repo_root / "scenarios" / "national_2021.yaml", overrides=[
        "population.insured=100000", "horizon.years=2", *extra])
    raw = simulate_raw(sc, 20, 9, engine="proxy")
    assert raw.tallies.shape[1] == (1 if "horizon.years=1" in extra else 2)
    if extra is _NO_RISK:
        width = raw.proxy.log_grid[:, -1] - raw.proxy.log_grid[:, 0]
        np.testing.assert_allclose(width, 2 * MIN_HALF_WIDTH)
        assert np.ptp(raw.cost_index, axis=0).max() == 0.0
    chk = check_against_micro(raw, 20)
    assert chk.ok, chk.message()
    assert np.isfinite(chk.table["z"]).all()


def test_every_claim_type_that_can_occur_has_its_moments(repo_root):
    """Where the reference utilisation pushes ``u q`` above 1 on part of a class (a ×2.6
    shock: men of the oldest ages capped, women not), the class still has outpatient-only
    claimants on every path, more of them on paths with a lower ``u``: the tables must hold
    their per-claimant moments (each counts one outpatient special-disease claimant)."""
    sc = sa.load_scenario(repo_root / "scenarios" / "guangxi_2021.yaml", overrides=[
        "population.insured=300000", "horizon.years=2",
        "risk.utilisation_shocks=[{year: 2022, factor: 2.6, name: test, source: test}]"])
    model = resolve_model(sc)
    tb = build_tables(model, 3, ProxyDesign(grid_points=4))
    u = reference_utilisation(model)
    n, q, s, cls = tb.cell_insured, tb.cell_hosp_prob, tb.cell_os_prob, tb.cell_class
    for t in range(2):
        can = np.unique(cls[n[t] * s * (u[t] * q < 1.0) > 0])  # OS-only claimants at u_ref
        assert (u[t] * q > 1).any() or t == 0
        np.testing.assert_array_equal(tb.class_mean[t, 1, can, 2, T["os_claimants"]], 1.0)
