"""Sensitivity analysis: signs in constructed cases, common random numbers, bad input."""

import numpy as np
import pandas as pd
import pytest

import simi_actuarial as sa
from simi_actuarial.cli import main
from simi_actuarial.sensitivity import DEFAULT_ASSUMPTIONS, get_field, perturbed, sensitivity
from simi_actuarial.viz import save_figure, tornado


@pytest.fixture(scope="module")
def scenario(repo_root):
    return sa.load_scenario(repo_root / "tests/data/small_guangxi.yaml",
                            ["horizon.years=5", "population.insured=20000"])


@pytest.fixture(scope="module")
def sens(scenario):
    return sensitivity(scenario, [("risk.cost_trend", "cost trend"),
                                  ("morbidity.cost_multiplier", "cost level"),
                                  ("economy.income_growth", "income growth")],
                       delta=0.5, paths=30, seed=4, threads=1, alpha=0.1, bootstrap=40)


def _row(sens, path, side):
    t = sens.table
    return t[(t.assumption == path) & (t.side == side)].iloc[0]


def test_higher_cost_trend_needs_more_financing(sens, scenario):
    # Constructed case: +/-50 % on the cost trend (about 2.5 % vs 7.5 %/yr). On common random
    # numbers every claim is larger under the higher trend, so every path's break-even
    # standard and hence the required standard rise; the deficit probability cannot fall.
    base = sens.table.iloc[0]
    lo, hi = _row(sens, "risk.cost_trend", "low"), _row(sens, "risk.cost_trend", "high")
    trend = scenario.risk.cost_trend
    assert lo.value == pytest.approx(0.5 * trend) and hi.value == pytest.approx(1.5 * trend)
    assert lo.required < base.required < hi.required
    assert lo.p_deficit <= base.p_deficit <= hi.p_deficit
    assert hi.required_diff_ci95_low >= 0 and lo.required_diff_ci95_high <= 0
    # the cost level acts the same way, more strongly over a 5-year horizon
    assert (_row(sens, "morbidity.cost_multiplier", "high").required
            > base.required > _row(sens, "morbidity.cost_multiplier", "low").required)


def test_base_matches_a_direct_solve(scenario, sens):
    res = sa.simulate(scenario, paths=30, seed=4, threads=1)
    direct = sa.required_financing(res, "accumulated", 0.1, bootstrap=0)
    base = sens.table.iloc[0]
    assert base.required == direct.per_capita
    assert base.p_deficit == pytest.approx((res.funds.simi_accumulated < 0).any(axis=1).mean())


def test_common_random_numbers_give_exact_zero_for_an_inert_assumption(sens):
    # Guangxi 2021 lines are fixed amounts: income growth only moves the CHE capacity,
    # never SIMI claims. On common random numbers the difference is exactly zero (with
    # independent seeds it would be noise).
    for side in ("low", "high"):
        r = _row(sens, "economy.income_growth", side)
        assert r.required_diff == 0 and r.p_deficit_diff == 0 and r.p_deficit_diff_se == 0


def test_swings_are_sorted_and_tornado_renders(sens, tmp_path):
    sw = sens.swings()
    assert list(sw.required_swing) == sorted(sw.required_swing, reverse=True)
    assert sw.label.iloc[0] == "cost level"
    for metric, words in (("required", "CNY per insured"), ("p_deficit", "P(accumulated")):
        fig = tornado(sens, metric)
        ax = fig.axes[0]
        assert words in ax.get_xlabel() and "±50 %" in ax.get_title()
        assert [t.get_text() for t in ax.get_yticklabels()][-1].startswith("cost level")
        path = save_figure(fig, tmp_path / f"{metric}.png")
        assert path.stat().st_size > 5000


def test_perturbation_errors_name_the_field(scenario):
    with pytest.raises(sa.ScenarioError, match="population.exit_rate: is 0"):
        perturbed(scenario, "population.exit_rate", 1.1)
    with pytest.raises(sa.ScenarioError, match="population.frozen_structure: not a number"):
        perturbed(scenario, "population.frozen_structure", 1.1)
    with pytest.raises(sa.ScenarioError, match="risk.nope: no such field"):
        perturbed(scenario, "risk.nope", 1.1)
    with pytest.raises(sa.ScenarioError, match="risk.cost_shock_ar"):
        perturbed(scenario, "risk.cost_shock_ar", 1.9)  # 1.14: above its range
    sc, value = perturbed(scenario, "financing.simi_per_capita", 1.1)
    assert value == pytest.approx(118.8) and sc.financing.simi_per_capita == pytest.approx(118.8)


def _scaled_expected(base, factor):
    if isinstance(base, dict):
        return {y: v * factor for y, v in base.items()}
    return base * factor


def test_default_assumptions_all_vary_on_the_bundled_default(repo_root):
    """Each default assumption is numeric, non-zero and stays valid at ±10 %; the perturbed
    scenario carries exactly the scaled value there and nothing else changes."""
    sc = sa.load_scenario(repo_root / "scenarios/default.yaml")
    base_data = sc.model_dump()
    paths = [p for p, _ in DEFAULT_ASSUMPTIONS]
    for path in paths:
        base = get_field(base_data, path)
        for f in (0.9, 1.1):
            new, value = perturbed(sc, path, f)
            expected = _scaled_expected(base, f)
            assert value == pytest.approx(expected, rel=1e-12), path
            assert value != pytest.approx(base), path  # it really moved
            assert get_field(new.model_dump(), path) == pytest.approx(expected, rel=1e-12), path
            for other in paths:
                if other != path:
                    assert get_field(new.model_dump(), other) == get_field(base_data, other), \
                        (path, other)


def test_cli_writes_table_and_tornados(repo_root, tmp_path, capsys):
    rc = main(["sensitivity", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths", "12",
               "--threads", "1", "--quiet", "--vary", "risk.cost_trend", "--vary",
               "fund.interest_rate", "--bootstrap", "10", "--out", str(tmp_path),
               "--set", "horizon.years=4"])
    assert rc == 0
    table = pd.read_csv(tmp_path / "sensitivity.csv")
    assert list(table.side) == ["base", "low", "high", "low", "high"]
    assert np.isfinite(table.required).all()
    assert (tmp_path / "tornado_required.png").stat().st_size > 5000
    assert (tmp_path / "tornado_p_deficit.png").stat().st_size > 5000
    assert "risk.cost_trend" in capsys.readouterr().out


def test_cli_bad_input_exits_2(repo_root, capsys):
    sc = str(repo_root / "tests/data/small_guangxi.yaml")
    assert main(["sensitivity", sc, "--vary", "population.exit_rate", "--quiet"]) == 2
    assert "population.exit_rate" in capsys.readouterr().err
    assert main(["sensitivity", sc, "--delta", "1.5", "--quiet"]) == 2
    assert "--delta" in capsys.readouterr().err


def test_saturated_deficit_probability_is_stated(sens):
    """P(deficit) = 1 in every run: the tornado says so instead of drawing empty bars, and
    saturated() reports it (the CLI prints the same statement)."""
    from dataclasses import replace

    from simi_actuarial.sensitivity import _fmt, saturated

    assert saturated(sens.table) is None or sens.table.p_deficit.nunique() == 1
    t = sens.table.copy()
    t["p_deficit"] = 1.0
    assert saturated(t) == 1.0
    fig = tornado(replace(sens, table=t), "p_deficit")
    assert any("saturated" in x.get_text() for x in fig.axes[0].texts)
    t.loc[1, "p_deficit"] = 0.98
    assert saturated(t) is None
    assert _fmt(0.019440000000000002) == "0.01944"
