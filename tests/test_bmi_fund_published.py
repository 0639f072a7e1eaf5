"""The BMI fund against the published residents' funds (national 2021 bulletin; Guangxi).

Published figures per insured are computed here from their sources; the model runs a
scaled-down population (per-insured figures do not depend on its size) with the systematic
shocks switched off, so the comparison is of expected values.
"""

import csv
from pathlib import Path

import pytest

from simi_actuarial import api
from simi_actuarial.calibration.statistics import statistic
from simi_actuarial.scenario.loader import load_scenario

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "national"
QUIET = ["risk.cost_shock_sd=0", "risk.utilisation_shock_sd=0", "risk.trend_uncertainty_sd=0",
         "risk.incidence_uncertainty_sd=0", "population.insured=200000"]


def _bulletin_2021() -> dict[str, float]:
    with open(SHARED / "urrbmi_2021.csv", encoding="utf-8") as fh:
        return {r["item"]: float(r["value"]) for r in csv.DictReader(fh)}


def _run(scenarios_dir, name, years):
    sc = load_scenario(scenarios_dir / name, [f"horizon.years={years}", *QUIET])
    return api.simulate(sc, paths=4, seed=7)


@pytest.fixture(scope="module")
def national(scenarios_dir):
    return _run(scenarios_dir, "national_2021.yaml", 1)


@pytest.fixture(scope="module")
def default(scenarios_dir):
    return _run(scenarios_dir, "default.yaml", 2)


def test_national_2021_income_and_expenditure_per_insured(national):
    b = _bulletin_2021()
    income = b["fund_income"] / b["insured"]            # 964.10
    expenditure = b["fund_expenditure"] / b["insured"]  # 921.66
    assert statistic(national, "bmi_income_per_insured", 2021) == pytest.approx(income, rel=0.05)
    assert statistic(national, "bmi_expenditure_per_insured", 2021) == pytest.approx(
        expenditure, rel=0.05)
    # balance rate 4.40 % and year-end reserve 665.9 per insured
    rate = (b["fund_income"] - b["fund_expenditure"]) / b["fund_income"]
    assert statistic(national, "bmi_balance_rate", 2021) == pytest.approx(rate, abs=0.03)
    assert statistic(national, "bmi_reserve_per_insured", 2021) == pytest.approx(
        b["accumulated_balance"] / b["insured"], rel=0.05)


# The default's BMI fund (measured with this file's settings, 2026-12-01): 2021 income 948
# and expenditure 883 CNY per insured, a balance rate of +6.8 %; end-2022 reserve 913 per
# insured. The 2021 rate is FITTED (calibrated/targets/guangxi_2021.yaml: the Guangxi
# residents' fund's 2020 rate stands for 2021, and with the region's SIMI payments per insured
# it fixes admissions and the tertiary tail); the end-2022 reserve is not fitted. Until
# 2026-12-01 the fit took its payment size from Jiang et al. Table 2 instead (4 % tail, 0.19
# admissions per insured) and both tests below failed: -13.8 % and 495 per insured.


def test_default_2021_balance_rate_near_published(default):
    # The seeds give the Guangxi residents' fund for 2018-2020 only (Jiang 2024, Table 1:
    # 2020 income 398.67, expenditure 373.85 x 100 M CNY, balance rate 6.23 %). The default's
    # 2021 rate is fitted to Guangxi's 2020 rate (+-3 pp) and checked against the national
    # residents' fund 2021 (+4.40 %), +-3 pp.
    b = _bulletin_2021()
    national_rate = (b["fund_income"] - b["fund_expenditure"]) / b["fund_income"]
    rate = statistic(default, "bmi_balance_rate", 2021)
    assert rate == pytest.approx(national_rate, abs=0.03)
    assert rate == pytest.approx((398.67 - 373.85) / 398.67, abs=0.03)


def test_default_reserve_reaches_guangxi_2022_reserve(default):
    # Guangxi residents' fund reserve at the end of 2022: 40.713 bn (Jiang 2024, s2.1.3), per
    # resident insured of 2021 (45.345 M; 2022 residents are not given) = 897.9 CNY. The
    # opening reserve assumes 2021-2022 surpluses equal to 2020's, so this checks that the
    # model's surpluses in 2021-2022 are of that size.
    assert statistic(default, "bmi_reserve_per_insured", 2022) == pytest.approx(
        40.713e9 / 45.345e6, rel=0.05)


@pytest.mark.parametrize("name, fixture", [("national_2021.yaml", "national"),
                                           ("default.yaml", "default")])
def test_inpatient_share_of_fund_spending(name, fixture, scenarios_dir, request):
    # Jiang (2024, s2.2.8, citing Wei Yun 2020), on Guangxi: inpatient costs are about 90 % of
    # the residents' BMI medical spending, and in 2019 more than 80 % of the fund's
    # expenditure. Inpatient BMI payments: the same scenario without outpatient
    # special-disease patients (national: 786 of 875 medical, 919 in all, per insured). The
    # 80 % holds for the national fund (SIMI transfer 44 per insured); the default's 2021
    # transfer is 108 (12 % of its spending, against 32-69 CNY of SIMI financing in Guangxi
    # in 2017-2019), so there inpatient care is 77 % of the expenditure and only the 90 % is
    # checked.
    sc = load_scenario(scenarios_dir / name,
                       ["horizon.years=1", "morbidity.os_prevalence_at_70=0", *QUIET])
    inpatient = api.simulate(sc, paths=4, seed=7)
    full = request.getfixturevalue(fixture)
    inpatient_bmi = inpatient.tally("bmi_paid").sum() / inpatient.n_paths
    medical_bmi = full.tally("bmi_paid")[:, 0].sum() / full.n_paths
    assert 0.85 < inpatient_bmi / medical_bmi < 0.95
    if fixture == "national":
        share = inpatient_bmi / inpatient.insured[0] / statistic(
            full, "bmi_expenditure_per_insured", 2021)
        assert share > 0.80
