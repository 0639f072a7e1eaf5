"""The proxy engine against the microsimulation on the same outer paths, and its numerics.

The two engines share the systematic factors of every path (same seed), so their results
differ only by process risk: the proxy's normal draw with the conditional covariance
estimated by the kernel against the microsimulation's claimant-by-claimant sums. Paired
comparisons (the same paths) are therefore the sharp test: P(deficit) by year and the
required standard must agree within their *paired* Monte Carlo error.

Scenarios exercise the rules the issue names: Zhanjiang 2019 (combined BMI + SIMI annual
cap, BMI annual cap, special groups with their own schedules), Guangxi 2021 (special group
with the medical-assistance linkage); both have outpatient special disease.
"""

import math

import numpy as np
import pytest
from conservation import assert_money_conserved

import simi_actuarial as sa
from simi_actuarial.engine.proxy.design import ProxyDesign, cost_grid, log_cost_moments
from simi_actuarial.engine.proxy.evaluate import (
    capped_correction,
    estimation_variance,
    lagrange4,
    semidefinite_cholesky,
)
from simi_actuarial.engine.proxy_check import check_against_micro
from simi_actuarial.engine.simulate import simulate_raw
from simi_actuarial.engine.systematic import SystematicFactors, draw_systematic
from simi_actuarial.engine.tallies import T
from simi_actuarial.results import SimulationResult
from simi_actuarial.solve import (
    _order_statistic,
    accumulated_break_even_by_year,
    break_even,
    proxy_error_of_standard,
    required_financing,
)

PATHS = 240
SEED = 31
#: a small inner sample for tests of bookkeeping (not of accuracy)
QUICK = ProxyDesign(min_inner=50_000)


def _scenario(repo_root, name):
    return sa.load_scenario(repo_root / "scenarios" / name, overrides=[
        "population.insured=300000", "horizon.years=5"])


@pytest.fixture(scope="module", params=["zhanjiang_2019.yaml", "guangxi_2021.yaml"])
def pair(request, repo_root):
    sc = _scenario(repo_root, request.param)
    micro = simulate_raw(sc, PATHS, SEED)
    proxy = simulate_raw(sc, PATHS, SEED, engine="proxy")
    return request.param, micro, proxy


def test_rules_under_test_are_in_force(repo_root):
    """The scenarios do exercise the features named above (guards against a scenario edit
    silently removing them)."""
    zj = _scenario(repo_root, "zhanjiang_2019.yaml")
    assert zj.simi.cap_scope == "bmi_plus_simi"
    assert zj.bmi.annual_cap is not None
    assert any(s.special for s in zj.simi.schedules.values())
    gx = _scenario(repo_root, "guangxi_2021.yaml")
    assert any(g.assistance is not None for g in gx.groups.values())
    for sc in (zj, gx):
        assert sc.morbidity.os_prevalence_at_70 > 0


def test_same_outer_paths(pair):
    _, micro, proxy = pair
    np.testing.assert_array_equal(micro.cost_index, proxy.cost_index)
    np.testing.assert_array_equal(micro.utilisation, proxy.utilisation)


def test_check_micro_passes(pair):
    """The built-in check (z of the summed differences per tally) on 30 paths."""
    name, _, proxy = pair
    chk = check_against_micro(proxy, 30)
    assert chk.ok, f"{name}: {chk.message()}"
    # the per path-year spread of the fund tallies matches the proxy's conditional variance
    rows = chk.table.set_index("tally")
    for tally in ("bmi_paid", "simi_paid", "assistance_paid", "simi_beneficiaries"):
        if rows.loc[tally, "micro_mean"] == 0:  # Zhanjiang has no assistance linkage
            assert rows.loc[tally, "proxy_mean"] == 0
            continue
        assert 0.75 < rows.loc[tally, "path_year_z_rms"] < 1.35, (name, tally)


def _paired_se(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.std(a.astype(float) - b.astype(float), ddof=1) / math.sqrt(len(a)))


def _proxy_claims_sd(proxy):
    """Per path-year sd of the proxy's estimated mean SIMI claims (common to all paths)."""
    fac = SystematicFactors(cost_index=proxy.cost_index, utilisation=proxy.utilisation,
                            trend=None, incidence=None)
    return np.sqrt(estimation_variance(proxy.proxy, fac, T["simi_paid"]))


def test_deficit_probability_by_year_agrees(pair):
    """P(accumulated deficit by year t) at a standard near the micro median, paired; the
    proxy's own estimation error (±2 sd of its mean claims, all paths together) widens the
    band."""
    name, micro, proxy = pair
    res_p = SimulationResult(proxy)
    be_m = accumulated_break_even_by_year(SimulationResult(micro))
    be_p = accumulated_break_even_by_year(res_p)
    sd = _proxy_claims_sd(proxy)
    claims = res_p.tally("simi_paid")
    lo = accumulated_break_even_by_year(res_p, claims=claims - 2 * sd)
    hi = accumulated_break_even_by_year(res_p, claims=claims + 2 * sd)
    f = float(np.median(be_m[:, -1]))
    for t in range(be_m.shape[1]):
        im, ip = be_m[:, t] > f, be_p[:, t] > f
        tol = 4 * _paired_se(im, ip) + 1.0 / PATHS
        assert (lo[:, t] > f).mean() - tol <= im.mean() <= (hi[:, t] > f).mean() + tol, \
            (name, t, im.mean(), ip.mean())
    # the test has teeth: the probabilities are not all 0 or 1
    assert 0.2 < (be_m[:, -1] > f).mean() < 0.8


@pytest.mark.parametrize("alpha", [0.1, 0.25])
def test_required_standard_agrees(pair, alpha):
    """The required standard (α-quantile of the per-path break-even): paired bootstrap error
    and the proxy's estimation error (:func:`proxy_error_of_standard`) in quadrature."""
    name, micro, proxy = pair
    res_m, res_p = SimulationResult(micro), SimulationResult(proxy)
    be_m = break_even(res_m, "accumulated")
    be_p = break_even(res_p, "accumulated")
    q = lambda x: _order_statistic(x, alpha)  # noqa: E731
    rng = np.random.default_rng(0)
    boots = [q(be_m[i]) - q(be_p[i]) for i in (rng.integers(0, PATHS, PATHS) for _ in range(400))]
    se = float(np.std(boots, ddof=1))
    err = proxy_error_of_standard(res_p, "accumulated", alpha)
    assert err is not None and err > 0
    assert proxy_error_of_standard(res_m, "accumulated", alpha) is None
    assert abs(q(be_m) - q(be_p)) <= 4 * math.hypot(se, err), (name, q(be_m), q(be_p), se, err)
    # and the solver's CI for the proxy run includes its estimation error
    rf = required_financing(res_p, "accumulated", alpha=alpha, bootstrap=200)
    assert rf.proxy_error_sd == pytest.approx(err)
    assert rf.ci_high - rf.ci_low >= 2 * 1.95 * err


def test_mean_tallies_agree_paired(pair):
    """Every fund tally's mean over paths agrees within 4 paired standard errors (plus the
    proxy's own estimation error)."""
    name, micro, proxy = pair
    est = proxy.proxy.est0.sum()  # the estimation variance is small against the process
    assert est >= 0
    fac = SystematicFactors(cost_index=proxy.cost_index, utilisation=proxy.utilisation,
                            trend=None, incidence=None)
    for tally in ("bmi_paid", "simi_paid", "assistance_paid", "simi_paid_special",
                  "in_scope_cost", "che_cases"):
        a, b = micro.tallies[..., T[tally]], proxy.tallies[..., T[tally]]
        # sd of the estimated mean at each path's (ci, u), common to all paths: its mean
        est_sd_py = np.sqrt(estimation_variance(proxy.proxy, fac, T[tally]))
        for t in range(a.shape[1]):
            d = a[:, t] - b[:, t]
            se = d.std(ddof=1) / math.sqrt(PATHS)
            est_sd = float(est_sd_py[:, t].mean())
            assert abs(d.mean()) <= 4 * math.hypot(se, est_sd) + 1e-9, (name, tally, t)


def test_proxy_is_reproducible_for_any_batch_size(repo_root):
    sc = _scenario(repo_root, "guangxi_2021.yaml").model_copy()
    a = simulate_raw(sc, 12, 5, engine="proxy", batch_paths=5, threads=1, design=QUICK)
    b = simulate_raw(sc, 12, 5, engine="proxy", batch_paths=12, design=QUICK)
    np.testing.assert_array_equal(a.tallies, b.tallies)
    np.testing.assert_array_equal(a.hist, b.hist)
    # a prefix of a longer run, as for the microsimulation
    c = simulate_raw(sc, 7, 5, engine="proxy", design=QUICK)
    np.testing.assert_array_equal(a.tallies[:7], c.tallies)


def test_noise_free_proxy_is_the_conditional_mean(repo_root):
    sc = _scenario(repo_root, "guangxi_2021.yaml")
    quiet = simulate_raw(sc, 6, 5, engine="proxy",
                         design=ProxyDesign(min_inner=50_000, process_noise=False))
    noisy = simulate_raw(sc, 6, 5, engine="proxy", design=QUICK)
    # same tables (the design's noise flag does not change the inner simulations)
    np.testing.assert_array_equal(quiet.proxy.mean0, noisy.proxy.mean0)
    # conservation holds exactly for the mean: total = every payer + the patient
    assert_money_conserved(quiet.tallies, rtol=1e-9)
    # and to rounding for the noisy draws (the covariance carries the linear relation)
    assert_money_conserved(noisy.tallies, rtol=1e-6, simi_part_bounds=False)


def test_lagrange_weights_reproduce_cubics_exactly():
    grid = np.linspace(-0.3, 0.5, 11)
    f = lambda x: 2.0 - x + 3 * x ** 2 - 5 * x ** 3  # noqa: E731
    for x in (-0.3, -0.29, 0.0, 0.123, 0.44, 0.5):
        k0, w0, w1, w2, w3, out = lagrange4(grid, x)
        assert not out
        got = sum(w * f(grid[k0 + j]) for j, w in enumerate((w0, w1, w2, w3)))
        assert got == pytest.approx(f(x), abs=1e-12)
    assert lagrange4(grid, 0.51)[-1] and lagrange4(grid, -0.31)[-1]


def test_semidefinite_cholesky_handles_exact_linear_relations():
    rng = np.random.default_rng(1)
    b = rng.normal(size=(6, 4))
    b = np.column_stack([b, b[:, 0] + b[:, 1], np.zeros(6)])  # rank 4 of 6, one zero tally
    a = b.T @ b
    low = np.empty_like(a)
    semidefinite_cholesky(a, low)
    np.testing.assert_allclose(low @ low.T, a, atol=1e-9 * np.abs(a).max())
    assert np.all(low[-1] == 0)


def test_grid_covers_the_outer_paths(repo_root):
    """The analytic sd of log cost index matches the drawn factors; the ±6.5 sd grid holds
    every path of a large draw."""
    sc = sa.load_scenario(repo_root / "scenarios" / "default.yaml")
    years = np.array(sc.years)
    fac = draw_systematic(sc.risk, 3, np.arange(20000), years, sc.morbidity.base_year)
    mean, sd = log_cost_moments(sc.risk, years, sc.morbidity.base_year)
    lc = np.log(fac.cost_index)
    np.testing.assert_allclose(lc.std(axis=0), sd, rtol=0.05)
    np.testing.assert_allclose(lc.mean(axis=0), mean, atol=0.1 * sd.max())
    grid = cost_grid(ProxyDesign(), sc.risk, years, sc.morbidity.base_year)
    assert np.all(lc >= grid[None, :, 0]) and np.all(lc <= grid[None, :, -1])


def test_design_refuses_bad_settings():
    with pytest.raises(ValueError, match="grid_points"):
        ProxyDesign(grid_points=3)
    with pytest.raises(ValueError, match="replicates"):
        ProxyDesign(replicates=1)


def test_capped_hospitalisation_probability_matches_micro(repo_root):
    """Under a utilisation factor that pushes u q above 1 on the oldest ages, the
    microsimulation caps the probability at 1; the proxy corrects its linear counts there
    (:func:`capped_correction`). Claimant counts and payments agree, paired."""
    sc = sa.load_scenario(repo_root / "scenarios" / "guangxi_2021.yaml", overrides=[
        "population.insured=300000", "horizon.years=2",
        "risk.utilisation_shocks=[{year: 2022, factor: 2.6, name: test, source: test}]"])
    micro = simulate_raw(sc, 60, 3)
    proxy = simulate_raw(sc, 60, 3, engine="proxy")
    tables = proxy.proxy
    assert (proxy.utilisation[:, 1] * tables.cell_hosp_prob.max() > 1).all()  # the cap binds
    corr = capped_correction(tables, proxy.cost_index, proxy.utilisation)
    # and is applied: hospitalised persons n min(u q, 1) against the linear n u q (the
    # outpatient special-disease count, n s whatever u, is exactly linear: no correction)
    assert (corr[:, 1, T["hospitalised"]] < 0).all()
    np.testing.assert_allclose(corr[:, 1, T["os_claimants"]], 0.0, atol=1e-6)
    for tally in ("hospitalised", "os_claimants", "claimants", "simi_paid", "bmi_paid"):
        d = micro.tallies[:, 1, T[tally]] - proxy.tallies[:, 1, T[tally]]
        se = d.std(ddof=1) / math.sqrt(len(d))
        est = math.sqrt(estimation_variance(tables, SystematicFactors(
            proxy.cost_index, proxy.utilisation, None, None), T[tally])[:, 1].mean())
        assert abs(d.mean()) <= 4 * math.hypot(se, est) + 1e-9, (tally, d.mean(), se, est)


def test_run_read_back_from_files_keeps_the_proxy_error(repo_root, tmp_path):
    """paths.parquet carries the proxy's estimation sd of SIMI paid, so a report rebuilt from
    the files solves with the same interval as the run in memory."""
    from simi_actuarial.report.run_files import RunFiles

    sc = sa.load_scenario(repo_root / "tests" / "data" / "small_guangxi.yaml")
    res = sa.simulate(sc, paths=30, seed=4, engine="proxy")
    sa.write_results(res, tmp_path)
    back = RunFiles.load(tmp_path)
    a = required_financing(res, "accumulated", alpha=0.1, bootstrap=50)
    b = required_financing(back, "accumulated", alpha=0.1, bootstrap=50)
    assert a.proxy_error_sd is not None and a.proxy_error_sd > 0
    assert b.proxy_error_sd == pytest.approx(a.proxy_error_sd)
    assert (b.ci_low, b.ci_high) == pytest.approx((a.ci_low, a.ci_high))
    micro = sa.simulate(sc, paths=5, seed=4)
    assert "simi_paid_proxy_sd" not in micro.paths.columns


def test_design_bounds_refuse_unbuildable_sizes():
    with pytest.raises(ValueError, match="grid_points must be between 4"):
        ProxyDesign(grid_points=1_000_000)
    with pytest.raises(ValueError, match="replicates must be between 2"):
        ProxyDesign(replicates=100_000)
    with pytest.raises(ValueError, match="inner_multiple must be finite"):
        ProxyDesign(inner_multiple=float("inf"))


@pytest.mark.parametrize("points", [4, 11])
def test_too_coarse_a_grid_is_refused_not_published(repo_root, points):
    """Under extreme systematic cost risk the cubic interpolation on a coarse grid overshoots
    (with 4 points below 0): the proxy refuses (exit 2 in the CLI) instead of publishing
    clipped tallies; 41 points are fine (new-user trial, 2026-12-01)."""
    from simi_actuarial.engine.proxy.design import ProxyDesignError

    sc = sa.load_scenario(repo_root / "tests" / "data" / "small_guangxi.yaml", overrides=[
        "horizon.years=3", "risk.cost_shock_sd=0.6", "risk.trend_uncertainty_sd=0.2"])
    with pytest.raises(ProxyDesignError, match="--proxy-grid-points"):
        simulate_raw(sc, 50, 5, engine="proxy", design=ProxyDesign(grid_points=points,
                                                                   min_inner=20_000))
    fine = simulate_raw(sc, 50, 5, engine="proxy",
                        design=ProxyDesign(grid_points=41, min_inner=20_000))
    assert np.median(fine.tallies[..., T["total_cost"]]) > 0
