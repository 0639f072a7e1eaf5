"""Backtest of the default population against published facts after the 2020 census.

The default structure is projected from the census (2020) under the default assumptions and
compared with the NBS 65+ shares of 2021-2023 and the NHC life expectancy of 2023
(population_facts.csv). :func:`fit_famine_depth` refits the famine-trough depth of the
default structure to that 65+ path by least squares; ``structure.FAMINE_DEPTH`` is its
result (rounded). The 2021-2023 path alone does not pin the pre-1950 cohort factor as well
(a deeper trough with a smaller factor fits it about as well), so that factor is an
assumption.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from ..scenario.population_schema import PopulationConfig
from .mortality import life_expectancy, qx_by_year
from .projection import project_population, project_structure
from .structure import NBS_65_PLUS, OLD_FACTOR, census_2020_structure

#: Period life expectancy at birth in 2023, NHC (population_facts.csv).
LIFE_EXPECTANCY_2023 = 78.6


def model_life_expectancy(cfg: PopulationConfig, year: int) -> float:
    """Both-sexes period e0 of the model in ``year``: the mean of the male and female e0
    (the definition the level fit uses, see :func:`.mortality.sex_levels`)."""
    q = qx_by_year(cfg.mortality, np.array([year]))[0]
    return 0.5 * (life_expectancy(q[:, 0]) + life_expectancy(q[:, 1]))


def backtest_65_plus(cfg: PopulationConfig | None = None) -> dict[int, tuple[float, float]]:
    """``{year: (model, published)}`` 65+ shares, projecting ``cfg`` (default: the default
    population) from the census year 2020."""
    cfg = cfg or PopulationConfig()
    last = max(NBS_65_PLUS)
    proj = project_population(cfg, 2020, last - 2020 + 1)
    return {y: (float(proj.share_65_plus[y - 2020]), v) for y, v in NBS_65_PLUS.items()}


def _share_path(cfg: PopulationConfig, famine: float, old: float) -> np.ndarray:
    q2020 = qx_by_year(cfg.mortality, np.array([2020]))[0]
    proj = project_structure(cfg, census_2020_structure(q2020, famine, old), 2020,
                             max(NBS_65_PLUS) - 2020 + 1)
    return proj.share_65_plus


def fit_famine_depth(cfg: PopulationConfig | None = None, old: float = OLD_FACTOR) -> float:
    """Famine-trough depth of the default structure minimising the squared gaps between the
    projected and the NBS 65+ shares 2021-2023 (the census facts stay matched exactly)."""
    cfg = cfg or PopulationConfig()
    target = np.array(list(NBS_65_PLUS.values()))
    sol = optimize.least_squares(lambda p: _share_path(cfg, p[0], old)[1:] - target, [0.4],
                                 bounds=([0.0], [0.9]), xtol=1e-12)
    return float(sol.x[0])
