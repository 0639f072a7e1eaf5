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


# Known miss (docs/backtest.md, "The default's tail"; docs/national.md, "The default's BMI
# fund"). Measured with this file's settings (default.yaml, 200,000 insured, 4 paths, seed 7,
# shocks off) on 2026-12-01: 2021 BMI income 948 and expenditure 1,079 CNY per insured, a
# balance rate of -13.8 % (the calibration sample, seed 20240101, gives -14.8 %); end-2022
# reserve 495 per insured. Published: national residents' fund 2021 +4.4 % (spending 922 per
# insured); Guangxi residents' fund 2020 +6.2 % (spending about 820 per insured, Jiang 2024
# Table 1). The joint Guangxi fit (incidence x1.27, cost x1.04, tertiary tail 4.1 %) takes its
# claims level from the region's SIMI figures, and the BMI rules under it are borrowed from
# Zhanjiang 2018 (no Guangxi resident-BMI inpatient rules found in any citable source), so BMI
# spending per insured runs about 17 % above national. Strict: the marker must go when fixed.
KNOWN_MISS = pytest.mark.xfail(
    strict=True, reason="default 2021 BMI balance rate -13.8 % vs published +4.4 % (national) / "
    "+6.2 % (Guangxi 2020); end-2022 reserve 495 vs 898 per insured: joint Guangxi fit on "
    "Zhanjiang-borrowed BMI rules spends ~1,079 per insured in 2021 (national 922)")


@KNOWN_MISS
def test_default_2021_balance_rate_near_published(default):
    # The seeds give the Guangxi residents' fund for 2018-2020 only (Jiang 2024, Table 1:
    # 2020 income 398.67, expenditure 373.85 x 100 M CNY, balance rate 6.23 %), so the
    # default's 2021 rate is held to the national residents' fund 2021 (+4.40 %), +-3 pp;
    # it is also within 3 pp of Guangxi's 2020 rate.
    b = _bulletin_2021()
    national_rate = (b["fund_income"] - b["fund_expenditure"]) / b["fund_income"]
    rate = statistic(default, "bmi_balance_rate", 2021)
    assert rate == pytest.approx(national_rate, abs=0.03)
    assert rate == pytest.approx((398.67 - 373.85) / 398.67, abs=0.03)


@KNOWN_MISS
def test_default_reserve_reaches_guangxi_2022_reserve(default):
    # Guangxi residents' fund reserve at the end of 2022: 40.713 bn (Jiang 2024, s2.1.3), per
    # resident insured of 2021 (45.345 M; 2022 residents are not given) = 897.9 CNY. The
    # opening reserve assumes 2021-2022 surpluses equal to 2020's, so this checks that the
    # model's surpluses in 2021-2022 are of that size.
    assert statistic(default, "bmi_reserve_per_insured", 2022) == pytest.approx(
        40.713e9 / 45.345e6, rel=0.05)


def test_national_inpatient_share_of_fund_spending(national, scenarios_dir):
    # Jiang (2024, s2.2.8, citing Wei Yun 2020): inpatient care is more than 80 % of the
    # residents' fund expenditure. Inpatient BMI payments: the same scenario without
    # outpatient special-disease patients (measured 786 of 919 per insured, 86 %); the rest
    # is outpatient special disease (~89) and the SIMI transfer (44.45).
    sc = load_scenario(scenarios_dir / "national_2021.yaml",
                       ["horizon.years=1", "morbidity.os_prevalence_at_70=0", *QUIET])
    inpatient = api.simulate(sc, paths=4, seed=7)
    n = inpatient.n_paths * inpatient.insured[0]
    inpatient_bmi = inpatient.tally("bmi_paid").sum() / n
    share = inpatient_bmi / statistic(national, "bmi_expenditure_per_insured", 2021)
    assert 0.80 < share < 0.95
