"""Cohort-component projection of the insured population by single age and sex."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.population_schema import PopulationConfig
from .age_sex_csv import read_age_sex_csv
from .mortality import qx_by_year
from .structure import age_structure_shift, census_2020_structure, read_structure

CENSUS_YEAR = 2020
MALE_SHARE_OF_BIRTHS = 111.3 / 211.3  # sex ratio at birth 2020, population_facts.csv


@dataclass(frozen=True)
class PopulationProjection:
    """Expected insured persons by year, age (0..100+) and sex (0 male, 1 female)."""

    years: np.ndarray
    insured: np.ndarray  # (Y, 101, 2)
    qx: np.ndarray       # (Y, 101, 2)

    @property
    def total(self) -> np.ndarray:
        return self.insured.sum(axis=(1, 2))

    @property
    def share_65_plus(self) -> np.ndarray:
        return self.insured[:, 65:].sum(axis=(1, 2)) / self.total

    @property
    def mean_age(self) -> np.ndarray:
        ages = np.arange(101)
        return (self.insured.sum(axis=2) * ages).sum(axis=1) / self.total


def _read_table(path: str) -> np.ndarray:
    return read_age_sex_csv(path, "population.mortality.table", ("qx",), upper=1.0)


def project_population(cfg: PopulationConfig, start_year: int, n_years: int) -> PopulationProjection:
    """Project ``cfg`` from ``start_year`` for ``n_years`` years (year 0 = initial).

    The default ``census_2020`` structure describes 2020: for a later start year it is first
    projected forward from 2020 (so a 2024 scenario starts with 2024's older structure), then
    scaled to ``cfg.insured``."""
    table = _read_table(cfg.mortality.table) if cfg.mortality.table else None
    if cfg.structure == "census_2020":
        q2020 = qx_by_year(cfg.mortality, np.array([2020]), table)[0]
        shares = census_2020_structure(q2020)
        if start_year > CENSUS_YEAR:
            shares = _aged_from_census(cfg, shares, start_year, table)
    else:
        shares = read_structure(cfg.structure)
    return project_structure(cfg, shares, start_year, n_years, table)


def _aged_from_census(cfg: PopulationConfig, shares: np.ndarray, start_year: int,
                      table: np.ndarray | None) -> np.ndarray:
    """The census-2020 structure carried forward to ``start_year`` with the scenario's
    mortality and births (no age shift, no freezing), as shares summing to 1. A start year
    before 2020 uses the census structure as it is (no back-projection)."""
    plain = cfg.model_copy(update={"age_shift_years": 0.0, "frozen_structure": False})
    aged = project_structure(plain, shares, CENSUS_YEAR, start_year - CENSUS_YEAR + 1,
                             table).insured[-1]
    return aged / aged.sum()


def project_structure(cfg: PopulationConfig, shares: np.ndarray, start_year: int,
                      n_years: int, table: np.ndarray | None = None) -> PopulationProjection:
    """Project the initial structure ``shares`` (101, 2) under ``cfg`` (its structure field
    ignored; ``table`` the user life table read from ``cfg.mortality.table``, if any)."""
    years = np.arange(start_year, start_year + n_years)
    qx = qx_by_year(cfg.mortality, years, table)
    shares = age_structure_shift(shares, cfg.age_shift_years)
    pop = np.empty((n_years, 101, 2))
    pop[0] = shares * cfg.insured
    for t in range(1, n_years):
        prev = pop[t - 1]
        surv = prev * (1.0 - qx[t - 1]) * (1.0 - cfg.exit_rate)
        nxt = np.zeros_like(prev)
        nxt[1:] = surv[:-1]
        nxt[100] += surv[100]
        births = cfg.birth_rate * (1 + cfg.birth_rate_trend) ** (t - 1) * prev.sum()
        nxt[0, 0] = births * MALE_SHARE_OF_BIRTHS
        nxt[0, 1] = births * (1 - MALE_SHARE_OF_BIRTHS)
        nxt *= 1.0 + cfg.participation_trend
        if cfg.frozen_structure:
            nxt = pop[0] / pop[0].sum() * nxt.sum()
        pop[t] = nxt
    return PopulationProjection(years=years, insured=pop, qx=qx)
