"""Initial age-sex structure of the insured.

The default is a parametric structure of the 7th census (2020): survivorship of the fitted
2020 life table x a cohort-size profile by age x in 2020 (birth year about 2020 - x),

``exp(s (x - 40) / 100) (1 + 0.25 echo) (1 + 0.30 boom) (1 - f famine) (1 + g fifties)
(1 - (1 - w) old) (k if x < 15)``

with the cohorts of China's demographic history (indicators of single ages in 2020):
the 1985-90 echo (ages 30-35), the 1962-75 baby boom (45-58), the 1959-61 famine trough
(59-61), the large 1950-58 cohorts (62-70) and a ramp from age 66 to 76 (1 at 66, w from 76)
for the cohorts born before about 1950, smaller at birth (war years) and thinned by mortality
higher than the 2020 period life table implies. The echo and boom heights and ``w`` are
assumptions; ``s``, ``g``, ``k`` and the male share are solved so that the shares aged 0-14
(17.95 %), 60+ (18.70 %), 65+ (13.50 %) and the sex ratio (105.07) equal the census
(population_facts.csv); the famine depth ``f`` is fitted
(:func:`simi_actuarial.population.backtest.fit_famine_depth`) so that the default
projection reproduces the NBS 65+ shares of 2021-2023 (14.2, 14.9, 15.4 %).
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
#: 65+ share of the total population at year end, NBS (population_facts.csv).
NBS_65_PLUS = {2021: 0.142, 2022: 0.149, 2023: 0.154}


def _ages(lo: int, hi: int) -> np.ndarray:
    return ((AGES >= lo) & (AGES <= hi)).astype(float)


ECHO = _ages(30, 35)      # born 1985-1990
BOOM = _ages(45, 58)      # born 1962-1975
FAMINE = _ages(59, 61)    # born 1959-1961
FIFTIES = _ages(62, 70)   # born 1950-1958
OLD = np.clip((AGES - 66.0) / 10.0, 0.0, 1.0)  # born before about 1954, full from 1944
#: Assumption: births of 1985-90 about a quarter above the neighbouring cohorts (NBS birth
#: series, not bundled).
ECHO_HEIGHT = 0.25
#: Assumption: births of 1962-75 (25-30 M a year) about 30 % above the trend (NBS birth
#: series, not bundled).
BOOM_HEIGHT = 0.30
#: Deficit of the 1959-61 famine cohorts: fitted so that the default projection reproduces
#: the NBS 65+ shares 2021-2023 (backtest.fit_famine_depth; population_facts.csv).
FAMINE_DEPTH = 0.396
#: Assumption: cohorts born before about 1944 at 45 % of the trend (war-time births, higher
#: past mortality), chosen so that the 5-year age groups resemble the census tables (not
#: bundled); the 2021-2023 path alone does not pin it.
OLD_FACTOR = 0.45


def survivorship(qx: np.ndarray) -> np.ndarray:
    """l_x (101,) from q_x (101,)."""
    return np.concatenate([[1.0], np.cumprod(1.0 - qx[:-1])])


def cohort_profile(slope: float, fifties: float, k: float, famine: float = FAMINE_DEPTH,
                   old: float = OLD_FACTOR) -> np.ndarray:
    """Relative cohort size by age in 2020 (101,), before survivorship."""
    prof = (np.exp(slope * (AGES - 40) / 100) * (1 + ECHO_HEIGHT * ECHO)
            * (1 + BOOM_HEIGHT * BOOM) * (1 - famine * FAMINE) * (1 + fifties * FIFTIES)
            * (1 - (1 - old) * OLD))
    prof[AGES < 15] *= k
    return prof


def age_facts(shares: np.ndarray) -> dict[str, float]:
    """Census-comparable facts of a (101, 2) structure."""
    tot = shares.sum()
    by_age = shares.sum(axis=1) / tot
    return {"share_0_14": float(by_age[:15].sum()), "share_60_plus": float(by_age[60:].sum()),
            "share_65_plus": float(by_age[65:].sum()),
            "sex_ratio": float(shares[:, 0].sum() / shares[:, 1].sum())}


@lru_cache(maxsize=32)
def _fit(q_male: tuple, q_female: tuple, famine: float, old: float) -> np.ndarray:
    lm, lf = survivorship(np.array(q_male)), survivorship(np.array(q_female))
    keys = ("share_0_14", "share_60_plus", "share_65_plus", "sex_ratio")

    def build(x):
        slope, fifties, log_k, logit_male = x
        prof = cohort_profile(slope, fifties, np.exp(log_k), famine, old)
        male = 1.0 / (1.0 + np.exp(-logit_male))
        return np.stack([male * prof * lm, (1 - male) * prof * lf], axis=1)

    def gap(x):
        f = age_facts(build(x))
        return [f[key] - CENSUS_2020[key] for key in keys]

    for start in ([0.0, 0.1, 0.0, 0.0], [-2.0, 0.5, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0],
                  [4.0, -0.3, -1.0, 0.0], [-4.0, 1.0, 1.0, 0.0]):
        with np.errstate(all="ignore"):
            sol = optimize.root(gap, start, tol=1e-13)
            out = build(sol.x)
            ok = np.all(np.isfinite(out)) and max(abs(g) for g in gap(sol.x)) < 1e-9
        if ok and np.all(out >= 0):
            return out / out.sum()
    raise ScenarioError("population", [(
        "population.structure", "the census_2020 structure cannot be fitted to the census "
        "shares 0-14, 60+, 65+ under this mortality; supply a structure CSV")])


def census_2020_structure(qx: np.ndarray, famine: float = FAMINE_DEPTH,
                          old: float = OLD_FACTOR) -> np.ndarray:
    """Default structure (101, 2) summing to 1; ``qx`` (101, 2) is the 2020 life table.
    ``famine`` and ``old`` override the fitted cohort features (used when refitting them)."""
    return _fit(tuple(qx[:, 0]), tuple(qx[:, 1]), float(famine), float(old)).copy()


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
    from ..scenario.population_schema import MortalityConfig
    from .mortality import qx_by_year

    return census_2020_structure(qx_by_year(MortalityConfig(), np.array([2020]))[0])
