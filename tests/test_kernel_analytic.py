"""The compiled claims kernel against hand computation and an analytic expectation.

The kernel is called directly with hand-built arrays (one cell, chosen claimant counts), so
these tests do not depend on the default morbidity calibration.
"""

import math

import numpy as np
import pytest
from scipy.stats import norm

from simi_actuarial.engine.inputs import Batch, Cells, Che, ClaimLaws, KernelInputs
from simi_actuarial.engine.kernel import simulate_claims
from simi_actuarial.engine.tallies import T
from simi_actuarial.rules.arrays import resolve_rules
from simi_actuarial.scenario.loader import load_scenario

TERTIARY = 3  # zhanjiang levels: township, primary, secondary, tertiary


def _run(table, n_claimants, mu, sigma, inscope=0.9, cost_index=1.0, group=0, seed=1):
    L = len(table.level_names)
    level_prob = np.zeros((101, L))
    level_prob[:, TERTIARY] = 1.0
    zeros_l = np.zeros(L)
    inputs = KernelInputs(
        batch=Batch(seed=np.uint64(seed), paths=np.array([0]), years=table.years[:1],
                    both=np.zeros((1, 1, 1), np.int64),
                    hosp_only=np.full((1, 1, 1), n_claimants, np.int64),
                    os_only=np.zeros((1, 1, 1), np.int64), cost_index=np.full((1, 1), cost_index)),
        cells=Cells(age=np.array([50]), group=np.array([group]),
                    group_special=np.array([False, True, True])),
        claims=ClaimLaws(
            adm_lambda=np.zeros(101), adm_shape=math.inf, adm_cdf=np.ones((101, 1)),
            level_prob=level_prob, cost_mu=np.full(L, mu), cost_sigma=np.full(L, sigma),
            cost_threshold=np.full(L, 1e12), cost_alpha=np.full(L, 2.0), cost_ptail=zeros_l,
            inscope_mean=np.full(L, inscope), inscope_conc=np.full(L, 1e12),
            os_mu=0.0, os_sigma=0.1, os_inscope=0.9, os_bmi_rate=0.5, os_bmi_deductible=0.0),
        che=Che(capacity=np.array([1e9]), threshold=0.4, sd=0.0),
        rules=table.rule_arrays(),
    )
    tallies, hist = simulate_claims(inputs)
    return tallies[0, 0], hist[0, 0]


@pytest.fixture(scope="module")
def zhanjiang(scenarios_dir):
    sc = load_scenario(scenarios_dir / "zhanjiang_2019.yaml", ["horizon.years=1"])
    return resolve_rules(sc)


@pytest.mark.parametrize("cost_index", [1.0, 1.1])
def test_degenerate_costs_match_hand_computation(zhanjiang, cost_index):
    # Three claimants, one tertiary admission of 100,000 x index, 90 % in scope.
    # Index 1.0: in-scope 90,000; BMI 0.5 x (90,000 - 500) = 44,750; OOP 45,250;
    #   SIMI 0.5 x (45,250 - 20,000) = 12,625.
    # Index 1.1: in-scope 99,000; BMI 49,250; OOP 49,750; SIMI 0.5 x 29,750 = 14,875.
    row, hist = _run(zhanjiang, 3, math.log(100_000), 1e-9, cost_index=cost_index)
    expected_simi = {1.0: 12_625.0, 1.1: 14_875.0}[cost_index]
    expected_bmi = {1.0: 44_750.0, 1.1: 49_250.0}[cost_index]
    assert row[T["claimants"]] == 3
    assert row[T["admissions"]] == 3
    assert row[T["simi_beneficiaries"]] == 3
    assert row[T["total_cost"]] == pytest.approx(3 * 100_000 * cost_index, rel=1e-6)
    assert row[T["bmi_paid"]] == pytest.approx(3 * expected_bmi, rel=1e-6)
    assert row[T["simi_paid"]] == pytest.approx(3 * expected_simi, rel=1e-6)
    assert row[T["self_pay"]] == pytest.approx(3 * 10_000 * cost_index, rel=1e-5)
    assert hist.sum() == 3


def test_special_group_rules_apply(zhanjiang):
    # dire_poverty: line 4,000, 85 %, no cap. In-scope 90,000, BMI 44,750, OOP 45,250:
    # SIMI 0.85 x 41,250 = 35,062.5; special-group SIMI is tallied separately.
    row, _ = _run(zhanjiang, 2, math.log(100_000), 1e-9, group=1)
    assert row[T["simi_paid"]] == pytest.approx(2 * 35_062.5, rel=1e-6)
    assert row[T["simi_paid_special"]] == row[T["simi_paid"]]


def _expected_call(a, k, mu, sigma):
    """E[max(a X - k, 0)] for X ~ lognormal(mu, sigma)."""
    d1 = (mu + sigma**2 - math.log(k / a)) / sigma
    d2 = d1 - sigma
    return a * math.exp(mu + sigma**2 / 2) * norm.cdf(d1) - k * norm.cdf(d2)


def _second_moment(a, k, mu, sigma):
    """E[max(a X - k, 0)^2] for X ~ lognormal(mu, sigma)."""
    d1 = (mu + sigma**2 - math.log(k / a)) / sigma
    d2 = d1 - sigma
    return (a**2 * math.exp(2 * mu + 2 * sigma**2) * norm.cdf(d1 + sigma)
            - 2 * a * k * math.exp(mu + sigma**2 / 2) * norm.cdf(d1) + k**2 * norm.cdf(d2))


def test_mean_simi_matches_analytic_expectation(zhanjiang):
    """One tertiary admission with lognormal cost X, in-scope share s, BMI rate r,
    deductible D: OOP = s X (1 - r) + r D (when s X > D), so with one 50 % band above the
    line K and no binding cap, E[SIMI] = 0.5 E[max(s (1 - r) X - (K - r D), 0)]."""
    mu, sigma, s, r, D, K = math.log(25_000), 0.9, 0.9, 0.5, 500.0, 20_000.0
    n = 200_000
    # keep the first band only (rate 50 % up to 30,000 above the line): make it open
    table = zhanjiang
    lower = table.band_lower.copy()
    rate = table.band_rate.copy()
    lower[:, 0, 1:] = np.inf
    rate[:, 0, 1:] = 0.0
    bmi_cap = np.full_like(table.bmi_cap, np.inf)
    simi_cap = np.full_like(table.simi_cap, np.inf)
    from dataclasses import replace

    table = replace(table, band_lower=lower, band_rate=rate, bmi_cap=bmi_cap, simi_cap=simi_cap)
    row, _ = _run(table, n, mu, sigma, inscope=s, seed=7)
    # P(s X <= D) is ~1e-12 here, so the formula's condition holds almost surely
    expected = 0.5 * _expected_call(s * (1 - r), K - r * D, mu, sigma)
    mean = row[T["simi_paid"]] / n
    second = 0.25 * _second_moment(s * (1 - r), K - r * D, mu, sigma)
    se = math.sqrt((second - expected**2) / n)
    assert abs(mean - expected) < 4 * se, (mean, expected)
