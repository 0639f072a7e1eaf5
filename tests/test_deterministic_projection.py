"""With every source of volatility switched off, the projection equals a hand computation.

Settings: systematic shocks and parameter uncertainty 0; one tertiary admission per patient
costing exactly 100,000 CNY x 1.05^(year - 2021) (lognormal sigma ~0, no tail), 89 % in
scope; no outpatient special disease. Only the number of patients stays random, so every
payment is (number of patients) x (hand-computed payment per patient).
"""

import numpy as np
import pytest

import simi_actuarial as sa
from simi_actuarial.engine.tallies import T

OVERRIDES = [
    "risk.cost_trend=0.05", "risk.cost_shock_sd=0", "risk.utilisation_shock_sd=0",
    "risk.trend_uncertainty_sd=0", "risk.incidence_uncertainty_sd=0",
    "risk.utilisation_trend_uncertainty_sd=0",
    "risk.utilisation_trend=0.02",
    "morbidity.level_mix={tertiary: 1.0}", "morbidity.cost_mean.tertiary=100000",
    "morbidity.cost_sigma.tertiary=0.000001", "morbidity.tail_probability=0",
    "morbidity.inscope_mean.tertiary=0.89", "morbidity.inscope_concentration=1000000000000",
    "morbidity.extra_admissions_young=0", "morbidity.extra_admissions_old=0",
    "morbidity.os_prevalence_at_70=0",
]


def per_patient(year):
    """Guangxi 2021 rules (tertiary deductible 500, BMI 50 %; SIMI line 8,000 at 60 %
    for the general group, 4,000 at 70 % for the special group; 10 % of the out-of-scope
    cost counted toward the line), by hand."""
    cost = 100_000 * 1.05 ** (year - 2021)
    in_scope = 0.89 * cost
    bmi = 0.5 * (in_scope - 500)
    oop = in_scope - bmi + 0.1 * (cost - in_scope)
    general = 0.6 * min(oop - 8_000, 50_000) + 0.7 * max(oop - 8_000 - 50_000, 0)
    special = 0.7 * min(oop - 4_000, 50_000) + 0.8 * max(oop - 4_000 - 50_000, 0)
    return cost, bmi, general, special


@pytest.fixture(scope="module")
def run(repo_root):
    sc = sa.load_scenario(repo_root / "tests/data/small_guangxi.yaml", OVERRIDES)
    return sa.simulate(sc, paths=4, seed=1)


def test_systematic_factors_are_the_trends(run):
    years = run.years - 2021
    np.testing.assert_allclose(run.raw.cost_index, np.tile(1.05**years, (4, 1)), rtol=1e-14)
    np.testing.assert_allclose(run.raw.utilisation, np.tile(1.02**years, (4, 1)), rtol=1e-14)


def test_payments_equal_patients_times_hand_computed_amounts(run):
    for t, year in enumerate(run.years):
        cost, bmi, general, special = per_patient(int(year))
        tal = run.raw.tallies[:, t]
        patients = tal[:, T["hospitalised"]]
        assert np.all(tal[:, T["admissions"]] == patients)
        np.testing.assert_allclose(tal[:, T["total_cost"]], patients * cost, rtol=1e-5)
        np.testing.assert_allclose(tal[:, T["bmi_paid"]], patients * bmi, rtol=1e-5)
        n_special = tal[:, T["simi_paid_special"]] / special
        n_general = (tal[:, T["simi_paid"]] - tal[:, T["simi_paid_special"]]) / general
        np.testing.assert_allclose(n_special, np.round(n_special), atol=1e-3)
        np.testing.assert_allclose(n_general, np.round(n_general), atol=1e-3)
        np.testing.assert_allclose(n_general + n_special, patients, atol=1e-3)


def test_fund_income_and_balances_follow_by_hand(run):
    f = run.funds
    np.testing.assert_allclose(f.simi_income, np.tile(108.0 * run.insured, (4, 1)))
    fee = 0.03 * f.simi_income
    np.testing.assert_allclose(f.simi_balance, f.simi_income - fee - run.tally("simi_paid"))
    acc = np.zeros(4)
    for t in range(len(run.years)):
        acc = acc * 1.015 + f.simi_balance[:, t]  # default interest 1.5 %
        np.testing.assert_allclose(f.simi_accumulated[:, t], acc)
