"""Gompertz-Makeham mortality fitted to life expectancy.

Hazard ``mu(x) = A + B exp(c x)``; one-year death probability
``q_x = 1 - exp(-A - B exp(c x) (exp(c) - 1) / c)`` for ages 1..100 (100 = 100+, whose
annual q is the hazard integrated over one year), ``q_0`` given. ``B`` is fitted so that the
period life expectancy at birth equals a target; improvement lowers ``B`` geometrically.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

AGES = np.arange(101, dtype=float)


def gompertz_makeham_qx(A: float, B: float, c: float, q0: float) -> np.ndarray:
    """One-year death probabilities for ages 0..100 (101,)."""
    q = 1.0 - np.exp(-A - B * np.exp(c * AGES) * (math.exp(c) - 1.0) / c)
    q[0] = q0
    return np.clip(q, 0.0, 1.0)


def life_expectancy(qx: np.ndarray, open_hazard: float | None = None) -> float:
    """Period life expectancy at birth from q_0..q_100 (the last group is open-ended;
    its person-years are ``l_100 / hazard`` with hazard ``-log(1 - q_100)`` by default)."""
    lx = np.concatenate([[1.0], np.cumprod(1.0 - qx[:-1])])
    person_years = 0.5 * (lx[:-1] + lx[1:])
    hazard = open_hazard if open_hazard is not None else -math.log(max(1.0 - qx[-1], 1e-12))
    return float(person_years.sum() + lx[-1] / hazard)


def fit_level(e0: float, A: float, c: float, q0: float) -> float:
    """Gompertz level ``B`` giving period life expectancy ``e0``."""

    def gap(log_b):
        return life_expectancy(gompertz_makeham_qx(A, math.exp(log_b), c, q0)) - e0

    return math.exp(optimize.brentq(gap, -30.0, 0.0, xtol=1e-12))


def improvement_rate(e0_from: float, year_from: int, e0_to: float, year_to: int, A: float,
                     c: float, q0: float) -> float:
    """Annual rate of decline of ``B`` that moves life expectancy between two years."""
    b0 = fit_level(e0_from, A, c, q0)
    b1 = fit_level(e0_to, A, c, q0)
    return 1.0 - (b1 / b0) ** (1.0 / (year_to - year_from))


def sex_levels(cfg) -> tuple[float, float]:
    """Gompertz levels (male, female) for ``cfg.life_expectancy`` in ``cfg.base_year``."""
    half = 0.5 * cfg.female_advantage_years
    return (fit_level(cfg.life_expectancy - half, cfg.makeham, cfg.gompertz_slope,
                      cfg.infant_mortality * 1.1),
            fit_level(cfg.life_expectancy + half, cfg.makeham, cfg.gompertz_slope,
                      cfg.infant_mortality * 0.9))


def qx_by_year(cfg, years: np.ndarray, table: np.ndarray | None = None) -> np.ndarray:
    """q_x by year, age and sex (Y, 101, 2) with improvement from ``cfg.base_year``."""
    factors = (1.0 - cfg.improvement) ** (np.asarray(years) - cfg.base_year)
    out = np.empty((len(years), 101, 2))
    if table is not None:
        # improvement applied to the hazard of the user table
        hazard = -np.log(np.clip(1.0 - table, 1e-12, 1.0))
        for t, f in enumerate(factors):
            out[t] = 1.0 - np.exp(-hazard * f)
        return out
    bm, bf = sex_levels(cfg)
    for t, f in enumerate(factors):
        for s, b in enumerate((bm, bf)):
            q0 = cfg.infant_mortality * (1.1 if s == 0 else 0.9) * f
            out[t, :, s] = gompertz_makeham_qx(cfg.makeham, b * f, cfg.gompertz_slope, q0)
    return out
