"""Fund accounting against hand computation."""

import numpy as np
import pytest

from simi_actuarial.errors import ScenarioError
from simi_actuarial.fund.accounting import accumulate, project_funds
from simi_actuarial.scenario.loader import load_scenario


@pytest.fixture
def base(scenarios_dir):
    return scenarios_dir / "zhanjiang_2019.yaml"


def _load(path, *overrides):
    # the bundled file's insurer contract, BMI financing and reserves are replaced: these
    # tests build their own fund
    return load_scenario(path, [
        "horizon.years=3", "financing={source: test, simi_per_capita: 100, bmi_per_capita: 1000}",
        "fund={interest_rate: 0.10}", *overrides])


def test_accumulate_with_interest():
    bal = np.array([[10.0, -30.0, 5.0]])
    # A0 = 100; A1 = 100*1.1+10 = 120; A2 = 120*1.1-30 = 102; A3 = 102*1.1+5 = 117.2
    np.testing.assert_allclose(accumulate(bal, 100.0, 0.10), [[120.0, 102.0, 117.2]])


def test_simi_fund_without_insurer(base):
    sc = _load(base)
    insured = np.array([1000.0, 1000.0, 2000.0])
    claims = np.array([[90_000.0, 120_000.0, 150_000.0]])
    f = project_funds(sc, insured, claims, bmi_paid=np.array([[500_000.0, 600_000.0, 0.0]]))
    # income 100 x insured = 100k, 100k, 200k; balances +10k, -20k, +50k
    np.testing.assert_allclose(f.simi_income, [[100_000, 100_000, 200_000]])
    np.testing.assert_allclose(f.simi_balance, [[10_000, -20_000, 50_000]])
    # accumulated with 10 % interest: 10k; 10k*1.1-20k = -9k; -9k*1.1+50k = 40.1k
    np.testing.assert_allclose(f.simi_accumulated, [[10_000, -9_000, 40_100]])
    # BMI: expenditure = BMI paid + SIMI transfer; income = 1000 x insured + 10 % interest on
    # the reserve (opening 0): 1,000k; 1,000k + 40k; 2,000k + 74k
    np.testing.assert_allclose(f.bmi_expenditure, [[600_000, 700_000, 200_000]])
    np.testing.assert_allclose(f.bmi_income, [[1_000_000, 1_040_000, 2_074_000]])
    np.testing.assert_allclose(f.bmi_balance, [[400_000, 340_000, 1_874_000]])
    np.testing.assert_allclose(f.bmi_accumulated, [[400_000, 740_000, 2_614_000]])
    assert np.all(f.insurer_result == 0)


def test_insurer_profit_cap_and_loss_corridor(base):
    sc = _load(base, "fund.insurer={source: test, management_fee: 0.03, profit_cap: 0.02, "
                     "loss_corridor: 0.05, loss_share_fund: 0.5}")
    insured = np.array([1000.0, 1000.0, 1000.0])  # income 100,000 each year
    claims = np.array([[80_000.0, 100_000.0, 110_000.0]])
    f = project_funds(sc, insured, claims, bmi_paid=np.zeros((1, 3)))
    # fee 3,000; results: 100k-3k-80k = 17k; -3k; -13k
    np.testing.assert_allclose(f.simi_balance, [[17_000, -3_000, -13_000]])
    # year 1: surplus above 2 % (2,000) returns: 15,000 returned, insurer keeps 2,000
    # year 2: loss 3,000 within the 5 % corridor (5,000): fund bears 1,500, insurer 1,500
    # year 3: loss 13,000: 5,000 shared (fund 2,500), beyond borne by insurer: -10,500
    np.testing.assert_allclose(f.returned_surplus, [[15_000, 0, 0]])
    np.testing.assert_allclose(f.fund_loss_share, [[0, 1_500, 2_500]])
    np.testing.assert_allclose(f.insurer_result, [[2_000, -1_500, -10_500]])
    # insurer + returned + fund share reproduce the underwriting result
    np.testing.assert_allclose(f.insurer_result + f.returned_surplus - f.fund_loss_share,
                               f.simi_balance)


def test_bmi_fund_revenue_reserve_and_unmodelled_benefits(base):
    sc = _load(base, "financing.bmi_other_revenue_share=0.05",
               "financing.bmi_unmodelled_share=0.2",
               "fund.bmi_opening_reserve_per_insured=200")
    insured = np.array([1000.0, 1000.0, 2000.0])
    claims = np.array([[90_000.0, 120_000.0, 150_000.0]])
    f = project_funds(sc, insured, claims, bmi_paid=np.array([[500_000.0, 600_000.0, 0.0]]))
    # expenditure (BMI paid + SIMI transfer 100 x insured) / (1 - 0.2)
    np.testing.assert_allclose(f.bmi_expenditure, [[750_000, 875_000, 250_000]])
    # opening reserve 200 x 1000 insured of the first year = 200k. Income = 1000 x 1.05 x
    # insured + 10 % of the reserve: 1,050k + 20k; 1,050k + 52k; 2,100k + 74.7k
    np.testing.assert_allclose(f.bmi_income, [[1_070_000, 1_102_000, 2_174_700]])
    np.testing.assert_allclose(f.bmi_balance, [[320_000, 227_000, 1_924_700]])
    np.testing.assert_allclose(f.bmi_accumulated, [[520_000, 747_000, 2_671_700]])
    # the same reserve as compounding the balance before interest at 10 %
    np.testing.assert_allclose(
        f.bmi_accumulated,
        accumulate(f.bmi_income - 0.10 * np.concatenate(
            [[[200_000]], f.bmi_accumulated[:, :-1]], axis=1) - f.bmi_expenditure, 200_000, 0.10))


def test_bmi_fund_not_projected_without_standard(base):
    sc = load_scenario(base, ["horizon.years=2", "fund={interest_rate: 0.0}"])
    f = project_funds(sc, np.array([10.0, 10.0]), np.zeros((2, 2)), bmi_paid=np.ones((2, 2)))
    assert np.isnan(f.bmi_income).all() and np.isnan(f.bmi_accumulated).all()


def test_two_opening_reserves_rejected(base):
    with pytest.raises(ScenarioError) as err:
        _load(base, "fund.bmi_opening_balance=1000", "fund.bmi_opening_reserve_per_insured=5")
    assert "bmi_opening_reserve_per_insured" in str(err.value)
    assert "not both" in str(err.value)
