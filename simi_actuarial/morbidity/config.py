"""Morbidity and claim-cost assumptions (scenario section ``morbidity``).

Costs are in prices of ``base_year``; the engine inflates them with the cost index.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from ..scenario.base import StrictModel
from ..scenario.rules_schema import LevelName

Pos = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Prob = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
U = "urrbmi_2021.csv (national medical security statistical bulletin 2021)"


PER_LEVEL_FIELDS = ("cost_mean", "cost_sigma", "inscope_mean")


class MorbidityConfig(StrictModel):
    """Who is hospitalised, how often, where, and at what cost.

    Per-level parameters (``cost_mean``, ``cost_sigma``, ``inscope_mean``) given for some
    levels keep the defaults of the others; ``level_mix`` is replaced whole (its shares are
    renormalised over the scenario's levels).
    """

    @model_validator(mode="before")
    @classmethod
    def _merge_per_level_defaults(cls, data):
        if isinstance(data, dict):
            for name in PER_LEVEL_FIELDS:
                given = data.get(name)
                if isinstance(given, dict):
                    default = cls.model_fields[name].default_factory()
                    data = {**data, name: {**default, **given}}
        return data

    base_year: int = Field(2021, description=f"Price and calibration year: {U}.")
    admissions_per_insured: Pos = Field(
        0.152, description=f"Admissions per insured per year, all ages: {U}, hospitalisation_rate.")
    older_adult_hospitalisation_rate: Prob = Field(
        0.249, description="Share of adults 60+ hospitalised in a year: utilisation_facts.csv "
        "(NHSS 2018, older adults; 60+ is the survey's definition of older adults).")
    infant_rate: Prob = Field(
        0.12, description="Excess hospitalisation probability at age 0, decaying with a 3-year "
        "scale. Assumption (neonatal and infant admissions).")
    young_adult_rate: Prob = Field(
        0.035, description="Baseline hospitalisation probability at ages 10-40. Assumption; "
        "the curve's level is rescaled to admissions_per_insured.")
    maternity_rate: Prob = Field(
        0.05, description="Extra probability for women aged 20-39 (childbirth). Assumption.")
    ageing_slope: Annotated[float, Field(ge=0.0, le=0.3)] = Field(
        0.05, description="Exponential slope of the hospitalisation rate above age 40 "
        "(fitted level so that the 60+ rate matches older_adult_hospitalisation_rate). "
        "Assumption: ~5 %/year of age, typical of Chinese utilisation surveys.")
    male_excess_old: Annotated[float, Field(ge=0.5, le=2.0)] = Field(
        1.10, description="Male/female ratio of rates above age 50. Assumption "
        "(seed001 s4.2.2.2: 56 % of Nanning SIMI episodes were men's).")
    extra_admissions_young: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.15, description="Poisson mean of admissions beyond the first, under 60. Assumption.")
    extra_admissions_old: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.35, description="Poisson mean of admissions beyond the first, 60+. Assumption: "
        "readmissions concentrate in older patients.")
    level_mix: dict[LevelName, Prob] = Field(
        default_factory=lambda: {"township": 0.13, "primary": 0.195, "secondary": 0.35,
                                 "tertiary": 0.325},
        description=f"Share of admissions by hospital level. Tertiary 32.5 % and primary-and-"
        f"below 32.5 % solve the national mean cost 8,023 = mix x cost by level ({U}) given an "
        "assumed 35 % secondary share; primary-and-below split 40/60 township/primary "
        "(assumption).")
    cost_mean: dict[LevelName, Pos] = Field(
        default_factory=lambda: {"township": 3623.0, "primary": 3623.0, "secondary": 6626.0,
                                 "tertiary": 13942.0},
        description=f"Mean total cost per admission by level, base-year CNY: {U} "
        "(primary and below 3,623 for township and primary).")
    cost_sigma: dict[LevelName, Pos] = Field(
        default_factory=lambda: {"township": 0.7, "primary": 0.75, "secondary": 0.85,
                                 "tertiary": 0.95},
        description="Log-sd of the lognormal body. Assumption (coefficients of variation "
        "0.8-1.2 typical of inpatient costs).")
    tail_probability: Prob = Field(
        0.01, description="Share of admissions in the Pareto tail. Assumption.")
    tail_threshold_quantile: Annotated[float, Field(gt=0.5, lt=1.0)] = Field(
        0.99, description="Tail threshold as a quantile of the lognormal body. Assumption.")
    tail_alpha: Annotated[float, Field(gt=1.05, le=10.0)] = Field(
        2.2, description="Pareto tail index. Assumption (2-3 is usual for hospital costs; "
        "checked against Nanning 2022 episodes above 60,000 CNY, seed001 Table 8).")
    inscope_mean: dict[LevelName, Prob] = Field(
        default_factory=lambda: {"township": 0.95, "primary": 0.94, "secondary": 0.92,
                                 "tertiary": 0.89},
        description="Mean in-scope (catalogue) share of cost by level. Assumption informed "
        "by Baise/Chongzuo 2020 self-pay 8.2-8.6 % of total cost (seed000 Table 4).")
    inscope_concentration: Annotated[float, Field(gt=0.5, le=1e12)] = Field(
        30.0, description="Beta concentration of the in-scope share. Assumption.")
    os_prevalence_at_70: Prob = Field(
        0.08, description="Share of 70-year-olds with outpatient special-disease (门诊特殊病) "
        "costs in a year. Assumption.")
    os_prevalence_slope: Annotated[float, Field(ge=0.0, le=0.3)] = Field(
        0.06, description="Exponential age slope of that prevalence. Assumption.")
    os_mean_cost: Pos = Field(6000.0, description="Mean annual outpatient special-disease "
                              "cost per patient, base-year CNY. Assumption.")
    os_sigma: Pos = Field(1.0, description="Log-sd of that cost. Assumption.")
    os_inscope: Prob = Field(0.9, description="In-scope share of that cost. Assumption.")
    os_bmi_rate: Prob = Field(0.6, description="BMI rate on it. Assumption.")
    os_bmi_deductible: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="Annual BMI deductible on it. Assumption.")
    incidence_multiplier: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        1.0, description="Multiplier on all hospitalisation probabilities.")
    cost_multiplier: Annotated[float, Field(gt=0.0, le=100.0)] = Field(
        1.0, description="Multiplier on all costs per admission.")
