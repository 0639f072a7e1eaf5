"""Population: mortality fit, census structure, projection accounting, ageing, backtest."""

import numpy as np
import pytest

from simi_actuarial.errors import ScenarioError
from simi_actuarial.population import PopulationConfig, project_population
from simi_actuarial.population.backtest import (
    LIFE_EXPECTANCY_2023,
    backtest_65_plus,
    fit_famine_depth,
    model_life_expectancy,
)
from simi_actuarial.population.mortality import (
    fit_level,
    gompertz_makeham_qx,
    improvement_rate,
    life_expectancy,
    qx_by_year,
)
from simi_actuarial.population.projection import project_structure
from simi_actuarial.population.structure import (
    CENSUS_2020,
    FAMINE_DEPTH,
    NBS_65_PLUS,
    age_facts,
    age_structure_shift,
)

A, C, Q0 = 0.0003, 0.095, 0.0054


@pytest.mark.parametrize("e0", [70.0, 74.8, 77.93, 82.0])
def test_fitted_level_reproduces_life_expectancy(e0):
    q = gompertz_makeham_qx(A, fit_level(e0, A, C, Q0), C, Q0)
    assert life_expectancy(q) == pytest.approx(e0, abs=0.01)
    assert np.all(np.diff(q[30:]) > 0)  # mortality rises with age in adulthood


def test_life_expectancy_of_a_constant_hazard():
    # constant hazard h: e0 = 1/h exactly (person-years of an exponential), up to the
    # trapezoid rule on whole years: sum of (l_x + l_{x+1})/2 = (1+e^-h)/(2(1-e^-h)) ~ 1/h
    h = 0.05
    q = np.full(101, 1 - np.exp(-h))
    assert life_expectancy(q) == pytest.approx(1 / h, rel=3e-4)


def test_default_improvement_reproduces_2020_to_2023_gain():
    # NHC e0: 77.93 (2020) -> 78.6 (2023), population_facts.csv
    cfg = PopulationConfig().mortality
    rate = improvement_rate(77.93, 2020, 78.6, 2023, cfg.makeham, cfg.gompertz_slope,
                            cfg.infant_mortality)
    assert cfg.improvement == pytest.approx(rate, abs=5e-4)
    # the 2010-2020 pace is faster (the default no longer continues it)
    assert improvement_rate(74.8, 2010, 77.93, 2020, cfg.makeham, cfg.gompertz_slope,
                            cfg.infant_mortality) > rate + 0.005


def test_backtest_life_expectancy_2020_and_2023():
    cfg = PopulationConfig()
    assert model_life_expectancy(cfg, 2020) == pytest.approx(77.93, abs=1e-6)
    assert LIFE_EXPECTANCY_2023 == 78.6
    assert model_life_expectancy(cfg, 2023) == pytest.approx(78.6, abs=0.2)


def test_backtest_reproduces_nbs_65_plus_shares_2021_2023():
    # NBS year-end 65+ shares, population_facts.csv; the projection starts at the census
    published = {2021: 0.142, 2022: 0.149, 2023: 0.154}
    assert NBS_65_PLUS == published
    result = backtest_65_plus()
    assert sorted(result) == [2021, 2022, 2023]
    for year, (model, fact) in result.items():
        assert fact == published[year]
        assert model == pytest.approx(fact, abs=0.003), year
    # the same from the public projection
    p = project_population(PopulationConfig(), 2020, 4)
    np.testing.assert_allclose(p.share_65_plus[1:], [m for m, _ in result.values()])


def test_famine_depth_is_the_least_squares_fit_to_the_2021_2023_path():
    assert fit_famine_depth() == pytest.approx(FAMINE_DEPTH, abs=0.002)


def test_cohort_features_of_the_default_structure():
    by_age = project_population(PopulationConfig(), 2020, 1).insured[0].sum(axis=1)
    famine, pre_famine = by_age[59:62].mean(), by_age[62:65].mean()
    assert famine < 0.75 * pre_famine           # 1959-61 births (ages 59-61 in 2020)
    assert famine < 0.75 * by_age[56:59].mean()  # the boom starts in 1962
    assert by_age[45:59].mean() > 1.15 * by_age[36:45].mean()  # 1962-75 boom
    assert by_age[30:36].mean() > 1.1 * by_age[36:45].mean()   # 1985-90 echo


def test_famine_cohorts_pause_the_ageing_then_the_boom_speeds_it():
    s = project_population(PopulationConfig(), 2020, 16).share_65_plus
    step = np.diff(s)  # step[i]: year 2020 + i -> 2021 + i
    early, famine, boom = step[0:3].mean(), step[4:6].mean(), step[7:15].mean()
    assert famine < 0.3 * early  # 2024-2026: the small famine cohorts turn 65
    assert boom > 2 * famine


def test_mortality_improves_over_time():
    q = qx_by_year(PopulationConfig().mortality, np.array([2020, 2030]))
    assert np.all(q[1, 1:] < q[0, 1:])
    assert np.all(q[:, 60:, 0] > q[:, 60:, 1])  # men die earlier


def test_default_structure_matches_census_facts():
    proj = project_population(PopulationConfig(), 2020, 1)
    facts = age_facts(proj.insured[0])
    for key in ("share_0_14", "share_60_plus", "share_65_plus", "sex_ratio"):
        assert facts[key] == pytest.approx(CENSUS_2020[key], abs=1e-9)
    assert proj.total[0] == pytest.approx(1_000_000)


def test_projection_accounts_for_every_person():
    cfg = PopulationConfig(insured=500_000, exit_rate=0.01, participation_trend=-0.004)
    p = project_population(cfg, 2021, 6)
    for t in range(1, 6):
        prev = p.insured[t - 1]
        deaths = (prev * p.qx[t - 1]).sum()
        survivors = (prev.sum() - deaths) * (1 - cfg.exit_rate)
        births = cfg.birth_rate * (1 + cfg.birth_rate_trend) ** (t - 1) * prev.sum()
        expected = (survivors + births) * (1 + cfg.participation_trend)
        assert p.total[t] == pytest.approx(expected, rel=1e-12)


def test_ageing_is_visible_and_can_be_frozen():
    cfg = PopulationConfig(birth_rate=0.0, exit_rate=0.0, participation_trend=0.0)
    p = project_population(cfg, 2021, 21)
    assert p.share_65_plus[20] > p.share_65_plus[0] + 0.05
    frozen = project_population(cfg.model_copy(update={"frozen_structure": True}), 2021, 21)
    shares = frozen.insured / frozen.total[:, None, None]
    np.testing.assert_allclose(shares[20], shares[0], atol=1e-12)


def test_age_shift_makes_the_population_older():
    p = project_population(PopulationConfig(), 2021, 1).insured[0]
    older = age_structure_shift(p / p.sum(), 10)
    assert older.sum() == pytest.approx(1.0)
    ages = np.arange(101)
    # ages below the shift are filled at the age-0 share, so the mean rises by less than 10
    assert (older.sum(axis=1) * ages).sum() > (p.sum(axis=1) * ages).sum() / p.sum() + 4
    assert older[65:].sum() > 1.4 * p[65:].sum() / p.sum()


def test_user_life_table(tmp_path):
    # e0 about 66 (a table with e0 near 35 cannot carry the census 65+ share, see below)
    rows = ["age,sex,qx"] + [f"{a},{s},{min(0.0001 * 1.1 ** a, 1):.8f}"
                             for a in range(101) for s in ("male", "female")]
    path = tmp_path / "lt.csv"
    path.write_text("\n".join(rows))
    cfg = PopulationConfig(mortality={"table": str(path), "improvement": 0.0})
    p = project_population(cfg, 2020, 2)
    assert p.qx[0, 50, 0] == pytest.approx(0.0001 * 1.1**50, rel=1e-5)
    # the census structure is refitted under the user's table and still matches the census
    assert age_facts(p.insured[0])["share_65_plus"] == pytest.approx(0.135, abs=1e-9)


def test_bad_life_table_names_the_field(tmp_path):
    path = tmp_path / "lt.csv"
    path.write_text("age,sex,qx\n0,male,0.5\n")
    with pytest.raises(ScenarioError) as err:
        project_population(PopulationConfig(mortality={"table": str(path)}), 2021, 2)
    assert "population.mortality.table" in err.value.format()


def test_user_structure_csv(tmp_path):
    path = tmp_path / "s.csv"
    rows = ["age,sex,count"] + [f"{a},{s},{100 if a < 50 else 50}" for a in range(101)
                                for s in ("male", "female")]
    path.write_text("\n".join(rows))
    p = project_population(PopulationConfig(structure=str(path), insured=1000), 2021, 1)
    assert p.total[0] == pytest.approx(1000)
    assert p.insured[0, 10, 0] == pytest.approx(2 * p.insured[0, 60, 1])
    path.write_text("age,sex,count\n3,other,5\n")
    with pytest.raises(ScenarioError) as err:
        project_population(PopulationConfig(structure=str(path)), 2021, 1)
    assert "population.structure (CSV row 2)" in err.value.format()


def test_structure_projection_agrees_with_population_projection():
    cfg = PopulationConfig(insured=1000, exit_rate=0.01)
    p = project_population(cfg, 2022, 5)
    q = project_structure(cfg, p.insured[0] / p.insured[0].sum(), 2022, 5)
    np.testing.assert_allclose(q.insured, p.insured, rtol=1e-12)


def test_census_structure_that_cannot_be_fitted_names_the_field():
    # a life expectancy of 41 cannot leave 13.5 % of the population aged 65+
    cfg = PopulationConfig(mortality={"life_expectancy": 41.0, "gompertz_slope": 0.15})
    with pytest.raises(ScenarioError) as err:
        project_population(cfg, 2021, 1)
    assert "population.structure" in err.value.format()


def test_census_structure_is_carried_forward_to_a_later_start_year():
    cfg = PopulationConfig()
    from_2020 = project_population(cfg, 2020, 5)
    from_2023 = project_population(cfg, 2023, 2)
    # the 2023 start is the 2020 census structure aged three years (NBS 65+ 2023: 15.4 %)
    assert from_2023.share_65_plus[0] == pytest.approx(from_2020.share_65_plus[3], rel=1e-12)
    # (the birth-rate trend restarts at the scenario's start year: only age 0 differs)
    assert from_2023.share_65_plus[1] == pytest.approx(from_2020.share_65_plus[4], abs=5e-4)
    assert from_2023.total[0] == pytest.approx(cfg.insured)
    assert from_2023.share_65_plus[0] == pytest.approx(0.154, abs=0.003)
