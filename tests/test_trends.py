"""Trend estimation (calibration.trends): hand-computed cases, an independent OLS, and the
agreement of the scenario defaults with the estimates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simi_actuarial.calibration.trends import log_linear_trend, national_trends
from simi_actuarial.scenario.model_schema import RiskConfig


def test_exact_exponential_with_a_shock():
    """v_t = 100 * 1.05^(t - 2015), with 2020 at 0.9 of its trend value: growth 5 %, shock
    x0.9, no residual."""
    years = list(range(2015, 2022))
    values = [100 * 1.05 ** (t - 2015) * (0.9 if t == 2020 else 1.0) for t in years]
    tr = log_linear_trend(years, values, {2020: "test"})
    assert tr.growth == pytest.approx(0.05, abs=1e-12)
    assert tr.shocks[2020] == pytest.approx(0.9, abs=1e-12)
    assert tr.se == pytest.approx(0.0, abs=1e-9) and tr.residual_sd == pytest.approx(0, abs=1e-9)
    # without the dummy the shock bends the trend and shows up in the residuals
    plain = log_linear_trend(years, values)
    assert plain.growth < 0.05 and plain.se > 0.001


def test_agrees_with_numpy_polyfit():
    rng = np.random.default_rng(5)
    years = np.arange(2010, 2022)
    values = 50 * np.exp(0.03 * (years - 2010) + rng.normal(0, 0.02, years.size))
    tr = log_linear_trend(years, values)
    coef, cov = np.polyfit(years - years.max(), np.log(values), 1, cov=True)
    assert tr.growth == pytest.approx(math.exp(coef[0]) - 1, rel=1e-10)
    assert tr.se == pytest.approx(math.exp(coef[0]) * math.sqrt(cov[0, 0]), rel=1e-10)


def test_bad_series_are_rejected():
    with pytest.raises(ValueError, match="> 0"):
        log_linear_trend([2019, 2020, 2021], [1.0, 0.0, 2.0])
    with pytest.raises(ValueError, match="shock year"):
        log_linear_trend([2019, 2020, 2021, 2022], [1, 2, 3, 4], [2018])
    with pytest.raises(ValueError, match="degree of freedom"):
        log_linear_trend([2020, 2021], [1.0, 2.0])


def test_scenario_defaults_are_the_estimates():
    """RiskConfig's trend defaults are the national estimates (rounded as written)."""
    est = national_trends()
    risk = RiskConfig()
    assert risk.cost_trend == pytest.approx(round(est["cost"].growth, 4))
    assert risk.trend_uncertainty_sd == pytest.approx(round(est["cost"].se, 4))
    assert risk.utilisation_trend == pytest.approx(round(est["utilisation"].growth, 4))
    assert risk.utilisation_trend_uncertainty_sd == pytest.approx(
        round(est["utilisation"].se, 3))
    (shock,) = risk.utilisation_shocks
    assert shock.year == 2020
    assert shock.factor == pytest.approx(round(est["utilisation"].shocks[2020], 3))
    # the estimated trends are positive and measured to better than their size
    assert est["cost"].growth > 2 * est["cost"].se > 0


def test_named_shock_multiplies_its_year_only():
    from simi_actuarial.engine.systematic import draw_systematic

    years = np.arange(2019, 2023)
    base = RiskConfig(cost_shock_sd=0, utilisation_shock_sd=0, trend_uncertainty_sd=0,
                      incidence_uncertainty_sd=0, utilisation_trend_uncertainty_sd=0,
                      utilisation_shocks=[])
    shocked = base.model_copy(update={"utilisation_shocks": RiskConfig().utilisation_shocks})
    a = draw_systematic(base, 1, np.arange(2), years, 2021)
    b = draw_systematic(shocked, 1, np.arange(2), years, 2021)
    ratio = b.utilisation / a.utilisation
    np.testing.assert_allclose(ratio, np.tile([1.0, 0.889, 1.0, 1.0], (2, 1)), rtol=1e-14)
    np.testing.assert_array_equal(a.cost_index, b.cost_index)


def test_cost_level_uncertainty_is_mean_one_and_spreads_paths():
    from simi_actuarial.engine.systematic import draw_systematic

    risk = RiskConfig(cost_shock_sd=0, trend_uncertainty_sd=0, cost_level_uncertainty_sd=0.1)
    f = draw_systematic(risk, 9, np.arange(4000), np.array([2021]), 2021)
    level = f.cost_index[:, 0]
    assert np.std(np.log(level)) == pytest.approx(0.1, rel=0.05)
    assert level.mean() == pytest.approx(1.0, abs=4 * 0.1 / math.sqrt(4000))


def test_a_place_can_name_its_own_shocks_through_extends(tmp_path):
    """A child scenario's ``risk.utilisation_shocks`` replaces the parent's whole list (a list
    is atomic under ``extends``), so a place can carry its own dated factors, or none, while
    every other risk setting is inherited. The factor 0.95 here is a test value, not a
    published one."""
    from pathlib import Path

    from simi_actuarial.scenario.loader import load_scenario

    parent = Path(__file__).resolve().parent.parent / "scenarios" / "guangxi_2021.yaml"
    own = tmp_path / "own.yaml"
    own.write_text(f"extends: {parent}\nname: own\nrisk:\n  utilisation_shocks:\n"
                   "    - {year: 2022, factor: 0.95, name: test, source: test value}\n",
                   encoding="utf-8")
    none = tmp_path / "none.yaml"
    none.write_text(f"extends: {parent}\nname: none\nrisk:\n  utilisation_shocks: []\n",
                    encoding="utf-8")
    base = load_scenario(parent).risk
    mine = load_scenario(own).risk
    assert [(s.year, s.factor) for s in base.utilisation_shocks] == [(2020, 0.889)]
    assert [(s.year, s.factor) for s in mine.utilisation_shocks] == [(2022, 0.95)]
    assert load_scenario(none).risk.utilisation_shocks == []
    rest = {k: v for k, v in mine.model_dump().items() if k != "utilisation_shocks"}
    assert rest == {k: v for k, v in base.model_dump().items() if k != "utilisation_shocks"}
