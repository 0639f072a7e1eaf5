"""Initial age-sex structure of the insured.

The default is a smooth parametric structure fitted to the 7th census (2020): shares aged
0-14 (17.95 %), 60+ (18.70 %), 65+ (13.50 %) and the sex ratio (105.07), population_facts.csv.
Shape: survivorship of the fitted life table x a cohort-size profile
``exp(s (x - 40) / 100) (1 + h exp(-((x - 52) / 8)^2)) (k if x < 15)`` (the 1960s-70s
baby-boom cohorts around age 52 and the smaller recent cohorts).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import optimize

from ..errors import ScenarioError
from .age_sex_csv import read_age_sex_csv

AGES = np.arange(101, dtype=float)
CENSUS_2020 = {"share_0_14": 0.1795, "share_60_plus": 0.1870, "share_65_plus": 0.1350,
               "sex_ratio": 1.0507}


def survivorship(qx: np.ndarray) -> np.ndarray:
    """l_x (101,) from q_x (101,)."""
    return np.concatenate([[1.0], np.cumprod(1.0 - qx[:-1])])


def _profile(params) -> np.ndarray:
    s, h, k = params
    prof = np.exp(s * (AGES - 40) / 100) * (1 + h * np.exp(-(((AGES - 52) / 8.0) ** 2)))
    prof[AGES < 15] *= k
    return prof


def age_facts(shares: np.ndarray) -> dict[str, float]:
    """Census-comparable facts of a (101, 2) structure."""
    tot = shares.sum()
    by_age = shares.sum(axis=1) / tot
    return {"share_0_14": float(by_age[:15].sum()), "share_60_plus": float(by_age[60:].sum()),
            "share_65_plus": float(by_age[65:].sum()),
            "sex_ratio": float(shares[:, 0].sum() / shares[:, 1].sum())}


@lru_cache(maxsize=8)
def _fit(q_male: tuple, q_female: tuple) -> np.ndarray:
    lm, lf = survivorship(np.array(q_male)), survivorship(np.array(q_female))

    def build(params, male_share):
        prof = _profile(params)
        return np.stack([male_share * prof * lm, (1 - male_share) * prof * lf], axis=1)

    def gap(params):
        f = age_facts(build(params, 0.5))
        return [f["share_0_14"] - CENSUS_2020["share_0_14"],
                f["share_60_plus"] - CENSUS_2020["share_60_plus"],
                f["share_65_plus"] - CENSUS_2020["share_65_plus"]]

    params = optimize.fsolve(gap, [-0.5, 0.5, 0.8], xtol=1e-12)
    base = build(params, 0.5)
    r = CENSUS_2020["sex_ratio"] * base[:, 1].sum() / base[:, 0].sum()
    out = build(params, r / (1 + r))
    return out / out.sum()


def census_2020_structure(qx: np.ndarray) -> np.ndarray:
    """Default structure (101, 2) summing to 1; ``qx`` (101, 2) is the 2020 life table."""
    return _fit(tuple(qx[:, 0]), tuple(qx[:, 1])).copy()


def read_structure(path: str) -> np.ndarray:
    """A user structure from CSV ``age,sex,count`` (or ``share``); returns shares (101, 2)."""
    out = read_age_sex_csv(path, "population.structure", ("count", "share"), accumulate=True)
    with np.errstate(over="ignore"):
        total = out.sum()
    if total <= 0:
        raise ScenarioError(path, [("population.structure", "the structure is empty")])
    if not np.isfinite(total):
        raise ScenarioError(path, [("population.structure", "the counts overflow (sum is "
                                    "infinite)")])
    return out / out.sum()


def age_structure_shift(shares: np.ndarray, years_older: float) -> np.ndarray:
    """The structure moved ``years_older`` years older (negative: younger), renormalised.

    Ages left empty by the move are filled at the share of the youngest (oldest) age, so the
    mean age moves by less than ``years_older``."""
    if years_older == 0:
        return shares.copy()
    out = np.empty_like(shares)
    for s in range(2):
        out[:, s] = np.interp(AGES - years_older, AGES, shares[:, s], left=shares[0, s],
                              right=shares[100, s])
    return out / out.sum()


def national_reference_structure() -> np.ndarray:
    """The national structure (101, 2) that national utilisation rates refer to: the default
    census-2020 structure under the default mortality assumptions."""
    from .config import MortalityConfig
    from .mortality import qx_by_year

    return census_2020_structure(qx_by_year(MortalityConfig(), np.array([2020]))[0])
