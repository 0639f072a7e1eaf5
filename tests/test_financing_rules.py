"""Financing rules (managed standards): hand-computed recursions, bit-for-bit fixed history,
refused parameters."""

import numpy as np
import pytest

import simi_actuarial as sa
from simi_actuarial.cli import main
from simi_actuarial.errors import ScenarioError
from simi_actuarial.fund.accounting import project_funds
from simi_actuarial.fund.financing_rules import managed_funds
from simi_actuarial.scenario.loader import load_scenario

FIN = "financing={source: t, simi_per_capita: 100, bmi_per_capita: {2019: 1000, 2020: 1100}"


def _load(scenarios_dir, rule, *more):
    return load_scenario(scenarios_dir / "zhanjiang_2019.yaml", [
        "horizon.years=3", f"{FIN}, simi_rule: {rule}}}", "fund.interest_rate=0.10", *more])


def test_loss_ratio_rule_by_hand(scenarios_dir):
    sc = _load(scenarios_dir, "{kind: loss_ratio, band: [0.8, 0.9], max_step_up: 0.2, "
                              "max_step_down: 0.1}")
    insured = np.full(3, 1000.0)
    claims = np.array([[95_000.0, 80_000.0, 85_000.0], [150_000.0, 100_000.0, 0.0]])
    f = managed_funds(sc, insured, claims, np.zeros((2, 3)))
    # path 0: LR 0.95 > 0.9 -> 100 x 0.95 / 0.85 = 111.76 -> 112; then 80k / 112k = 0.714 < 0.8
    #   -> 112 x 0.714 / 0.85 = 94.1, limited to 112 x 0.9 = 100.8 -> 101
    # path 1: LR 1.5 -> 176.5, limited to 120; then 100k / 120k = 0.833 inside the band -> 120
    np.testing.assert_allclose(f.simi_income / insured, [[100, 112, 101], [100, 120, 120]])
    # accounts follow the managed income: balance = income - claims
    np.testing.assert_allclose(f.simi_balance[0], [5_000, 32_000, 16_000])


def test_from_year_keeps_the_history_before_it(scenarios_dir):
    sc = _load(scenarios_dir, "{kind: loss_ratio, band: [0.8, 0.9], from_year: 2021}")
    f = managed_funds(sc, np.full(3, 1000.0), np.array([[95_000.0, 95_000.0, 0.0]]),
                      np.zeros((1, 3)))
    # 2020 from the history (100); 2021 from 2020's loss ratio 0.95: 100 x 0.95 / 0.85 -> 112
    np.testing.assert_allclose(f.simi_income[0] / 1000.0, [100, 100, 112])


def test_balance_rule_by_hand(scenarios_dir):
    sc = _load(scenarios_dir, "{kind: balance, band: [0.1, 0.3], recovery_years: 2}")
    insured = np.full(3, 1000.0)
    f = managed_funds(sc, insured, np.array([[120_000.0, 100_000.0, 0.0]]), np.zeros((1, 3)))
    # A0 = -20k, rate -0.2 < 0.1: 100 + (0.2 x 100k + 20k) / (2 x 1000) = 120
    # A1 = -20k x 1.1 + (120k - 100k) = -2k: 120 + (0.2 x 120k + 2k) / 2000 = 133
    np.testing.assert_allclose(f.simi_income[0] / insured, [100, 120, 133])
    np.testing.assert_allclose(f.simi_accumulated[0, :2], [-20_000, -2_000])


def test_bmi_share_rule_follows_the_bmi_standard(scenarios_dir):
    sc = _load(scenarios_dir, "{kind: bmi_share, share: 0.105}")
    f = managed_funds(sc, np.full(3, 10.0), np.zeros((1, 3)), np.zeros((1, 3)))
    # 0.105 x 1100 = 115.5 -> 116 (halves up); the history gives year 1 its 100
    np.testing.assert_allclose(f.simi_income[0] / 10.0, [100, 116, 116])


def test_bmi_rule_then_simi_share(scenarios_dir):
    sc = _load(scenarios_dir, "{kind: bmi_share, share: 0.1}",
               "financing.bmi_rule={kind: loss_ratio, band: [0.9, 1.0], max_step_up: 0.05}")
    insured = np.full(3, 1000.0)
    bmi_paid = np.full((1, 3), 1_200_000.0)  # BMI LR (1.2M + 100k transfer) / 1M = 1.3
    f = managed_funds(sc, insured, np.zeros((1, 3)), bmi_paid)
    # BMI: 1000 -> +5 % cap = 1050; year 2: (1.2M + 105k) / 1.05M = 1.24 -> limited to
    # 1102.5, which rounds to 1103 above the limit: stepped back to 1102
    np.testing.assert_allclose(f.bmi_standard[0], [1000, 1050, 1102])
    np.testing.assert_allclose(f.simi_income[0] / insured, [100, 105, 110])


def test_fixed_rule_and_no_rule_give_identical_accounts(scenarios_dir):
    insured = np.array([1000.0, 1200.0, 900.0])
    claims = np.random.default_rng(1).uniform(50_000, 150_000, (5, 3))
    plain = load_scenario(scenarios_dir / "zhanjiang_2019.yaml", [
        "horizon.years=3", f"{FIN}}}"])
    fixed = _load(scenarios_dir, "{kind: fixed}", "fund.interest_rate=0.015")
    a = project_funds(plain, insured, claims, claims)
    b = managed_funds(fixed, insured, claims, claims)
    for name, arr in a.as_columns().items():
        np.testing.assert_array_equal(arr, getattr(b, name), err_msg=name)


def test_fixed_history_run_is_bit_for_bit_today(small_guangxi):
    base = sa.load_scenario(small_guangxi)
    fin = ("financing.simi_rule={kind: fixed}",)
    a = sa.simulate(base, paths=6, seed=3)
    b = sa.simulate(sa.load_scenario(small_guangxi, list(fin)), paths=6, seed=3)
    pd_a, pd_b = a.summary, b.summary
    assert list(pd_a.columns) == list(pd_b.columns)
    np.testing.assert_array_equal(pd_a.to_numpy(), pd_b.to_numpy())
    np.testing.assert_array_equal(a.paths.to_numpy(), b.paths.to_numpy())


def test_wide_band_rule_equals_flat_history_bit_for_bit(small_guangxi):
    # a band no loss ratio leaves: every path keeps the (flat) first-year standard, through
    # the path-by-path (P, Y) accounts
    sc = sa.load_scenario(small_guangxi, [
        "financing.simi_per_capita=108",
        "financing.simi_rule={kind: loss_ratio, band: [0.001, 9]}"])
    a = sa.simulate(sa.load_scenario(small_guangxi, ["financing.simi_per_capita=108"]),
                    paths=4, seed=2)
    b = sa.simulate(sc, paths=4, seed=2)
    for name, arr in a.funds.as_columns().items():
        np.testing.assert_array_equal(arr, getattr(b.funds, name), err_msg=name)
    np.testing.assert_array_equal(b.summary["simi_standard_p50"], 108.0)
    np.testing.assert_array_equal(b.summary["simi_extra_financing_cumulative_mean"], 0.0)


def test_loss_ratio_rule_on_a_deterministic_run(small_guangxi):
    from test_deterministic_projection import OVERRIDES

    rule = "{kind: loss_ratio, band: [0.85, 0.95], max_step_up: 0.15, max_step_down: 0.05}"
    sc = sa.load_scenario(small_guangxi, [*OVERRIDES, "financing.simi_per_capita=60",
                                          f"financing.simi_rule={rule}"])
    run = sa.simulate(sc, paths=3, seed=5)
    claims = run.tally("simi_paid")
    n = run.insured
    s = np.empty_like(claims)
    s[:, 0] = 60.0
    for t in range(claims.shape[1] - 1):  # the rule by hand on the run's claims
        for p in range(claims.shape[0]):
            lr = claims[p, t] / (s[p, t] * n[t])
            new = s[p, t] if 0.85 <= lr <= 0.95 else s[p, t] * lr / 0.9
            new = min(max(new, 0.95 * s[p, t]), 1.15 * s[p, t])
            r = float(np.floor(new + 0.5))
            s[p, t + 1] = r - 1 if r > 1.15 * s[p, t] else (r + 1 if r < 0.95 * s[p, t] else r)
    np.testing.assert_allclose(run.funds.simi_income / n, s, rtol=0, atol=1e-9)
    assert not np.all(s == 60.0)  # the rule acted
    summ = run.summary
    np.testing.assert_allclose(summ["simi_extra_financing_cumulative_mean"],
                               np.cumsum(s - 60.0, axis=1).mean(axis=0))
    np.testing.assert_allclose(summ["simi_standard_p50"], np.median(s, axis=0))


@pytest.mark.parametrize("rule, field", [
    ("{kind: loss_ratio, band: [0.95, 0.85]}", "financing.simi_rule.band"),
    ("{kind: loss_ratio, band: [0.85, 0.95], max_step_up: -0.1}",
     "financing.simi_rule.max_step_up"),
    ("{kind: balance, band: [0.1, 0.3], max_step_down: -1}", "financing.simi_rule.max_step_down"),
    ("{kind: balance}", "financing.simi_rule.band"),
    ("{kind: loss_ratio, band: [0.8, 0.9], target: 1.2}", "financing.simi_rule.target"),
    ("{kind: bmi_share}", "financing.simi_rule.share"),
    ("{kind: loss_ratio, band: [0.8, 0.9], from_year: 2021}", "financing.simi_rule.from_year"),
    ("{kind: loss_ratio, band: [0.8, 0.9], from_year: 2040}", "financing.simi_rule.from_year"),
])
def test_bad_rule_parameters_are_refused_naming_the_field(small_guangxi, rule, field, capsys):
    with pytest.raises(ScenarioError) as err:
        sa.load_scenario(small_guangxi, [f"financing.simi_rule={rule}"])
    assert field in [p for p, _ in err.value.problems]
    assert main(["validate", small_guangxi, "--set", f"financing.simi_rule={rule}"]) == 2
    assert field in capsys.readouterr().err


def test_validate_prints_the_rule(small_guangxi, capsys):
    rule = "{kind: loss_ratio, band: [0.85, 0.95], max_step_up: 0.15, from_year: 2023}"
    assert main(["validate", small_guangxi, "--set", f"financing.simi_rule={rule}"]) == 0
    assert ("financing rule (SIMI standard): loss_ratio, band 0.85–0.95, target 0.9, max step "
            "up 15%, down 100%, rounded to 1 CNY, from 2023") in capsys.readouterr().out
