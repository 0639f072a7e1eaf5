"""Population: mortality fit, census structure, projection accounting, ageing."""

import numpy as np
import pytest

from simi_actuarial.errors import ScenarioError
from simi_actuarial.population import PopulationConfig, project_population
from simi_actuarial.population.mortality import (
    fit_level,
    gompertz_makeham_qx,
    improvement_rate,
    life_expectancy,
    qx_by_year,
)
from simi_actuarial.population.structure import CENSUS_2020, age_facts, age_structure_shift

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


def test_default_improvement_reproduces_2010_to_2020_gain():
    cfg = PopulationConfig().mortality
    rate = improvement_rate(74.8, 2010, 77.93, 2020, cfg.makeham, cfg.gompertz_slope,
                            cfg.infant_mortality)
    assert cfg.improvement == pytest.approx(rate, abs=5e-4)


def test_mortality_improves_over_time():
    q = qx_by_year(PopulationConfig().mortality, np.array([2020, 2030]))
    assert np.all(q[1, 1:] < q[0, 1:])
    assert np.all(q[:, 60:, 0] > q[:, 60:, 1])  # men die earlier


def test_default_structure_matches_census_facts():
    proj = project_population(PopulationConfig(), 2020, 1)
    facts = age_facts(proj.insured[0])
    for key in ("share_0_14", "share_60_plus", "share_65_plus"):
        assert facts[key] == pytest.approx(CENSUS_2020[key], abs=0.001)
    assert facts["sex_ratio"] == pytest.approx(CENSUS_2020["sex_ratio"], abs=1e-6)
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
    rows = ["age,sex,qx"] + [f"{a},{s},{min(0.001 * 1.09 ** a, 1):.6f}"
                             for a in range(101) for s in ("male", "female")]
    path = tmp_path / "lt.csv"
    path.write_text("\n".join(rows))
    cfg = PopulationConfig(mortality={"table": str(path), "improvement": 0.0})
    p = project_population(cfg, 2021, 2)
    assert p.qx[0, 50, 0] == pytest.approx(0.001 * 1.09**50, rel=1e-5)


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
