"""Scenario sections for systematic risk, catastrophic expenditure and simulation settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .base import Rate, StrictModel
from .rules_schema import Name

Sd = Annotated[float, Field(ge=0.0, le=2.0)]


class RiskConfig(StrictModel):
    """Systematic (non-diversifiable) risk: what makes deficit probabilities meaningful.

    Cost level in year t relative to the morbidity base year:
    ``(1 + cost_trend_p)^(t - base) * exp(x_t)`` with ``x_t = phi * x_{t-1} + e_t``,
    ``e_t ~ N(0, cost_shock_sd)``. Utilisation in year t:
    ``(1 + utilisation_trend)^(t - start) * incidence_p * exp(u_t - sd^2/2)``,
    ``u_t ~ N(0, utilisation_shock_sd)`` common to all cells. ``cost_trend_p`` and
    ``incidence_p`` are drawn once per path (parameter uncertainty).
    """

    cost_trend: Annotated[float, Field(ge=-0.2, le=0.5)] = Field(
        0.05,
        description="Mean nominal growth of cost per admission. Assumption: China's inpatient "
        "cost per admission grew about 4-6 %/yr nominal in 2015-2021 (NHC statistical "
        "bulletins; not in the bundled data).",
    )
    cost_shock_sd: Sd = Field(
        0.03, description="Sd of the annual shock to the log cost level. Assumption."
    )
    cost_shock_ar: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.6, description="AR(1) persistence of cost shocks. Assumption."
    )
    utilisation_trend: Annotated[float, Field(ge=-0.2, le=0.5)] = Field(
        0.02,
        description="Annual growth of hospitalisation probabilities (policy-induced demand). "
        "Assumption: national admissions per insured rose through the 2010s.",
    )
    utilisation_shock_sd: Sd = Field(
        0.05,
        description="Sd of the utilisation shock common to all insured in a year (epidemics, "
        "policy changes). Assumption: 2020 admissions fell ~10 % nationally, a 2-sd event.",
    )
    trend_uncertainty_sd: Sd = Field(
        0.01, description="Sd across paths of the cost trend (parameter uncertainty). Assumption."
    )
    incidence_uncertainty_sd: Sd = Field(
        0.05,
        description="Sd across paths of log incidence level (parameter uncertainty). Assumption.",
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
