"""Scenario sections for systematic risk, catastrophic expenditure and simulation settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Rate, StrictModel
from .rules_schema import Name

Sd = Annotated[float, Field(ge=0.0, le=2.0)]


class UtilisationShock(StrictModel):
    """A named, dated shock: hospitalisation probabilities x ``factor`` in ``year``."""

    year: Annotated[int, Field(ge=1900, le=2200)]
    factor: Annotated[float, Field(gt=0.0, le=5.0, allow_inf_nan=False)]
    name: str
    source: str = ""


class RiskConfig(StrictModel):
    """Systematic (non-diversifiable) risk: what makes deficit probabilities meaningful.

    Cost level in year t relative to the morbidity base year:
    ``(1 + cost_trend_p)^(t - base) * c_p * exp(x_t)`` with ``x_t = phi * x_{t-1} + e_t``,
    ``e_t ~ N(0, cost_shock_sd)``. Utilisation in year t:
    ``(1 + util_trend_p)^(t - base) * incidence_p * S_t * exp(u_t - sd^2/2)``,
    ``u_t ~ N(0, utilisation_shock_sd)`` common to all cells, ``S_t`` the named shock of year
    t (the product of ``utilisation_shocks`` dated t, 1 in other years). ``cost_trend_p ~ N(cost_trend,
    trend_uncertainty_sd)``, ``util_trend_p ~ N(utilisation_trend,
    utilisation_trend_uncertainty_sd)``, ``incidence_p`` and ``c_p`` (mean-one lognormals
    with log-sds ``incidence_uncertainty_sd`` and ``cost_level_uncertainty_sd``) are drawn once
    per path (parameter uncertainty; a calibrated scenario sets the two level sds from its
    fit's covariance).

    Trend defaults are estimated by :mod:`simi_actuarial.calibration.trends` (log-linear OLS
    on the NHC statistical bulletins 2015-2021, docs/sources.md); a test checks they agree.
    """

    cost_trend: Annotated[float, Field(ge=-0.2, le=0.5)] = Field(
        0.0505,
        description="Mean nominal growth of cost per admission. Estimated: hospitals' cost "
        "per admission 2015-2021 (NHC statistical bulletins), log-linear OLS, +5.05 %/yr "
        "(SE 0.29 %).",
    )
    cost_shock_sd: Sd = Field(
        0.03, description="Sd of the annual shock to the log cost level. Assumption (the "
        "national series' residual sd about its trend is 0.015)."
    )
    cost_shock_ar: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.6, description="AR(1) persistence of cost shocks. Assumption."
    )
    utilisation_trend: Annotated[float, Field(ge=-0.2, le=0.5)] = Field(
        0.0250,
        description="Annual growth of hospitalisation probabilities. Estimated: residents' "
        "annual hospitalisation rate 2015-2021 (NHC statistical bulletins), log-linear OLS "
        "with a named 2020 shock, +2.50 %/yr (SE 1.30 %).",
    )
    utilisation_shocks: list[UtilisationShock] = Field(
        default_factory=lambda: [UtilisationShock(
            year=2020, factor=0.889, name="COVID-19",
            source="estimated: 2020 dummy of the log-linear regression of the residents' "
            "hospitalisation rate 2015-2021 (NHC statistical bulletins), SE 0.064")],
        description="Named utilisation shocks: multipliers on hospitalisation probabilities "
        "in given calendar years (default: COVID-19 in 2020, x0.889).",
    )
    utilisation_shock_sd: Sd = Field(
        0.05,
        description="Sd of the utilisation shock common to all insured in a year (epidemics, "
        "policy changes). Assumption (the national series' residual sd about its trend, "
        "2020 excluded by its dummy, is 0.061).",
    )
    trend_uncertainty_sd: Sd = Field(
        0.0029, description="Sd across paths of the cost trend (parameter uncertainty): the "
        "SE of the estimated cost trend."
    )
    utilisation_trend_uncertainty_sd: Sd = Field(
        0.013, description="Sd across paths of the utilisation trend (parameter uncertainty): "
        "the SE of the estimated utilisation trend."
    )
    incidence_uncertainty_sd: Sd = Field(
        0.05,
        description="Sd across paths of log incidence level (parameter uncertainty). "
        "Assumption; calibrated scenarios set it from their fit's covariance.",
    )
    cost_level_uncertainty_sd: Sd = Field(
        0.0,
        description="Sd across paths of the log cost level (parameter uncertainty). 0 by "
        "default; calibrated scenarios set it from their fit's covariance.",
    )


class CheConfig(StrictModel):
    """Catastrophic health expenditure: burden >= threshold x capacity to pay."""

    threshold: Rate = Field(
        0.40, description="Share of capacity to pay (WHO standard 40 %; Luo (2020) Ch.4)."
    )
    income_series: Name = Field("national", description="Income series in economy.")
    capacity_multiple: Annotated[float, Field(gt=0.0, le=20.0)] = Field(
        1.5,
        description="Household capacity to pay as a multiple of per-capita disposable income. "
        "Assumption: ~2.8 persons per household x ~55 % non-subsistence spending.",
    )
    income_dispersion_sd: Sd = Field(
        0.89,
        description="Sd of log household income across claimants. Assumption: lognormal with "
        "Gini 0.47 (NBS Gini of per-capita disposable income, ~0.47 in 2015-2021).",
    )


class SimulationConfig(StrictModel):
    """Monte Carlo settings (the CLI's --paths/--seed override them)."""

    paths: Annotated[int, Field(ge=1, le=10_000_000)] = 1000
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 20211231
    batch_paths: Annotated[int, Field(ge=1, le=100_000)] = Field(
        16, description="Paths per batch (progress and checkpoint granularity; no effect on results)."
    )
