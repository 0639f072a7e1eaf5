"""Systematic risk factors per path and year: cost level and utilisation multipliers.

All draws for path ``p`` come from the stream ``stream_key(seed, p, 0, SYSTEMATIC_CELL)``
in a fixed order (trend, incidence, then per year cost shock and utilisation shock, then
utilisation trend and cost level), so a path's factors depend only on ``(seed, p)`` and the
risk settings; the last two draws come after the others, so adding them left every earlier
draw unchanged. Named utilisation shocks (``risk.utilisation_shocks``) multiply their year's
column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from ..scenario.model_schema import RiskConfig
from .rng import normal, stream_key
from .streams import SYSTEMATIC_CELL


@dataclass(frozen=True)
class SystematicFactors:
    """Per path (rows) and year (columns) multipliers.

    ``cost_index``: cost per admission relative to the morbidity base year.
    ``utilisation``: multiplier on hospitalisation probabilities.
    """

    cost_index: np.ndarray
    utilisation: np.ndarray
    trend: np.ndarray
    incidence: np.ndarray


@nb.njit(cache=True)
def _draw(seed, paths, years_from_base, trend, trend_sd, shock_sd, ar, util_trend, util_sd,
          inc_sd, util_trend_sd, level_sd):
    P = paths.shape[0]
    Y = years_from_base.shape[0]
    cost = np.empty((P, Y))
    util = np.empty((P, Y))
    trends = np.empty(P)
    incs = np.empty(P)
    for i in range(P):
        key = stream_key(seed, paths[i], 0, SYSTEMATIC_CELL)
        ctr = np.uint64(0)
        z, ctr = normal(key, ctr)
        tr = trend + trend_sd * z
        z, ctr = normal(key, ctr)
        inc = np.exp(inc_sd * z - 0.5 * inc_sd * inc_sd)
        trends[i] = tr
        incs[i] = inc
        x = 0.0
        for t in range(Y):
            z, ctr = normal(key, ctr)
            x = ar * x + shock_sd * z
            cost[i, t] = (1.0 + tr) ** years_from_base[t] * np.exp(x)
            z, ctr = normal(key, ctr)
            util[i, t] = ((1.0 + util_trend) ** years_from_base[t] * inc
                          * np.exp(util_sd * z - 0.5 * util_sd * util_sd))
        z, ctr = normal(key, ctr)
        ratio = (1.0 + util_trend + util_trend_sd * z) / (1.0 + util_trend)
        z, ctr = normal(key, ctr)
        level = np.exp(level_sd * z - 0.5 * level_sd * level_sd)
        for t in range(Y):
            util[i, t] *= ratio ** years_from_base[t]
            cost[i, t] *= level
    return cost, util, trends, incs


def draw_systematic(risk: RiskConfig, seed: int, paths: np.ndarray, years: np.ndarray,
                    base_year: int) -> SystematicFactors:
    """Factors for the given path numbers and calendar years (costs relative to ``base_year``)."""
    cost, util, trend, inc = _draw(
        np.uint64(seed), np.asarray(paths, dtype=np.int64),
        np.asarray(years, dtype=np.float64) - float(base_year),
        risk.cost_trend, risk.trend_uncertainty_sd, risk.cost_shock_sd, risk.cost_shock_ar,
        risk.utilisation_trend, risk.utilisation_shock_sd, risk.incidence_uncertainty_sd,
        risk.utilisation_trend_uncertainty_sd, risk.cost_level_uncertainty_sd,
    )
    years = np.asarray(years)
    for shock in risk.utilisation_shocks:
        util[:, years == shock.year] *= shock.factor
    return SystematicFactors(cost_index=cost, utilisation=util, trend=trend, incidence=inc)
