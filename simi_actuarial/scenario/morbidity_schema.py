"""Morbidity and claim-cost assumptions (scenario section ``morbidity``).

Costs are in prices of ``base_year``; the engine inflates them with the cost index.
Every default cites a table of ``shared/data`` or a seed, or says "Assumption" with a reason.
Check figures against the Nanning 2022 SIMI episodes are in ``resolve.py``'s module docstring.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal, get_args

from pydantic import Field, model_validator

from .base import MONEY_MAX, YEAR_MAX, YEAR_MIN, Money, PositiveMoney, StrictModel
from .rules_schema import LevelName

Pos = Annotated[float, Field(gt=0.0)]
Prob = Annotated[float, Field(ge=0.0, le=1.0)]
TailProb = Annotated[float, Field(ge=0.0, lt=1.0)]
Alpha = Annotated[float, Field(gt=1.05, le=10.0)]
Tilt = Annotated[float, Field(ge=0.0, le=100.0)]

#: Hospital levels from lowest to highest (a scenario uses any subset, in any order).
LEVELS: tuple[str, ...] = get_args(LevelName)

U = "urrbmi_2021.csv (national medical security statistical bulletin 2021)"
NANNING = ("Checked against the Nanning 2022 SIMI episodes by cost band "
           "(nanning_2022_episodes_by_cost_band.csv; Jiang (2024) Table 9): see resolve.py.")

#: Fields given per hospital level: a partial mapping keeps the defaults of the other levels,
#: a single number applies to every level.
PER_LEVEL_FIELDS = ("cost_mean", "cost_sigma", "inscope_mean", "tail_probability", "tail_alpha")


class ClaimantTable(StrictModel):
    """Claimant probability by single age 0..100 (101 values per sex) and its source."""

    source: str = Field(..., min_length=1, description="Where the table comes from.")
    male: list[Prob] = Field(..., min_length=101, max_length=101)
    female: list[Prob] = Field(..., min_length=101, max_length=101)


class MorbidityConfig(StrictModel):
    """Who is hospitalised, how often, where, and at what cost.

    Per-level parameters (``cost_mean``, ``cost_sigma``, ``inscope_mean``,
    ``tail_probability``, ``tail_alpha``) given for some levels keep the defaults of the
    others; ``level_mix`` is replaced whole (its shares are renormalised over the scenario's
    levels, a missing level folding into the nearest one the scenario has).
    """

    @model_validator(mode="before")
    @classmethod
    def _merge_per_level_defaults(cls, data):
        if isinstance(data, dict):
            for name in PER_LEVEL_FIELDS:
                given = data.get(name)
                if isinstance(given, dict):
                    field = cls.model_fields[name]
                    default = (field.default_factory() if field.default_factory is not None  # type: ignore[call-arg]
                               else field.default)
                    if not isinstance(default, dict):
                        default = dict.fromkeys(LEVELS, default)
                    data = {**data, name: {**default, **given}}
        return data

    @model_validator(mode="after")
    def _check_age_bands(self):
        bands = self.level_mix_age_bands
        if bands[0] != 0 or any(b <= a for a, b in pairwise(bands)):
            raise ValueError("level_mix_age_bands must start at 0 and increase strictly")
        for lvl, tilt in self.level_mix_age_tilt.items():
            if len(tilt) != len(bands):
                raise ValueError(f"level_mix_age_tilt.{lvl} needs {len(bands)} values "
                                 "(one per age band)")
        return self

    base_year: Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)] = Field(2021, description=f"Price and calibration year: {U}.")

    # --- hospitalisation ---------------------------------------------------------------
    admissions_per_insured: Pos = Field(
        0.152, description=f"Admissions per insured per year, all ages: {U}, "
        "hospitalisation_rate (admissions / insured). Calibrated on the national structure.")
    older_adult_hospitalisation_rate: Prob = Field(
        0.249, description="Hospitalisation rate of older adults: utilisation_facts.csv, "
        "hospitalisation_rate_older_adults_2018 (NHSS 2018, Int J Equity Health 22:169).")
    older_adult_rate_basis: Literal["admissions", "persons"] = Field(
        "admissions", description="What older_adult_hospitalisation_rate counts. 'admissions' "
        "(default): admissions per older person, the NHSS definition of the hospitalisation "
        "rate (admissions in the past year per 100 persons), on the same basis as "
        "admissions_per_insured. 'persons': share of older persons with >= 1 admission. "
        "Check: with 'admissions' persons aged 60+ are ~39 % of modelled SIMI episodes "
        "(Nanning 2022: 31.7 %, nanning_2022_episode_statistics.csv; Nanning's population is "
        "younger than the national one); with 'persons' ~53 %.")
    older_adult_age: Literal[60, 65] = Field(
        60, description="Youngest age of 'older adults' in older_adult_hospitalisation_rate. "
        "60: China's statutory definition of older adults, used by the NHSS reports.")
    infant_rate: Prob = Field(
        0.06, description="Excess hospitalisation probability at age 0 (before scaling, which "
        "about doubles it), decaying with a 3-year scale. Assumption (neonatal and infant "
        "admissions): ~19 % at age 0 and ~12 % averaged over ages 0-4 after scaling.")
    young_adult_rate: Prob = Field(
        0.035, description="Baseline hospitalisation probability, flat over ages (before "
        "scaling): the minimum of the J in the teens. Assumption; the whole curve is rescaled "
        "to admissions_per_insured.")
    maternity_rate: Prob = Field(
        0.05, description="Extra probability for women aged 20-39 (childbirth), before "
        "scaling. Assumption.")
    ageing_slope: Annotated[float, Field(ge=0.0, le=0.3)] = Field(
        0.05, description="Exponential slope per year of age of the rising part of the J; its "
        "level is solved so that the older adults' rate matches. Assumption: ~5 %/year of age, "
        "a doubling every 14 years.")
    male_excess_old: Annotated[float, Field(ge=0.5, le=2.0)] = Field(
        1.10, description="Male/female ratio of rates from age 50. Assumption "
        "(Jiang (2024) s4.2.2.2: 56 % of Nanning SIMI episodes were men's).")

    claimant_probability: ClaimantTable | None = Field(
        None, description="Probability of >= 1 admission in a year by single age and sex, "
        "fitted to a place's own claims extract (`simi fit-claims`). When given it is used "
        "as is (times incidence_multiplier): the J-shaped curve, admissions_per_insured and "
        "the older adults' rate are not used, and level_mix_age_tilt gives each age band's "
        "level mix directly (no raking to level_mix). null: the J-shaped curve calibrated to "
        "the national figures above.")

    # --- admissions per hospitalised person: 1 + NegBin(mean, shape) --------------------
    extra_admissions_young: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.20, description="Mean number of admissions beyond the first per hospitalised person "
        "under 60. Assumption: with extra_admissions_old the national mean is ~1.3 admissions "
        "per patient, the admissions-to-patients ratio usually reported for residents' "
        "insurance (no such figure in shared/data).")
    extra_admissions_old: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.45, description="Same, ages 60+. Assumption: readmissions concentrate in older, "
        "chronically ill patients.")
    extra_admissions_shape: Annotated[float, Field(ge=1e-3, le=1e6)] | None = Field(
        0.25, description="Gamma shape r of the patient-level mixing of the extra admissions "
        "(negative binomial: variance mean + mean^2 / r); null = Poisson. Assumption: a few "
        "patients (chemotherapy cycles, dialysis, psychiatric stays) have many admissions. "
        "Nanning's figures reject it: SIMI paid 3,012 CNY per SIMI-paid admission (Jiang "
        "(2024) Table 10) and ~9,400 per beneficiary (Table 3, 2021), i.e. ~3 SIMI-paid "
        "admissions per beneficiary, where r = 0.25 gives 1.3; fitted jointly with Nanning's "
        "fund figures (calibrated/nanning_calibrated.yaml): extra admissions 0.485 under 60 "
        "and 0.519 at 60+, shape 0.053, which the Guangxi-region scenarios carry. At least "
        "0.001 (Assumption: smaller shapes are numerically degenerate; 5e-324 overflowed "
        "the incomplete beta function).")
    readmissions_source: str | None = Field(
        None, min_length=1, description="Where extra_admissions_young / _old / _shape come "
        "from, as text: printed beside them by `simi validate` and the report when the same "
        "file sets them. null: not stated (the defaults above are assumptions).")

    # --- hospital level ----------------------------------------------------------------
    level_mix: dict[LevelName, Prob] = Field(
        default_factory=lambda: {"township": 0.13, "primary": 0.195, "secondary": 0.35,  # type: ignore[arg-type]  # keys checked by pydantic
                                 "tertiary": 0.325},
        description=f"Share of admissions by hospital level, all ages (admission-weighted on "
        f"the national structure). Tertiary 32.5 % and primary-and-below 32.5 % solve the "
        f"national mean cost 8,023 = mix x cost by level ({U}) given an assumed 35 % "
        "secondary share; primary-and-below split 40/60 township/primary (assumption). "
        "Nanning's SIMI episodes (8.3/37.0/54.7 % level 1/2/3) are the costly end of this mix.")
    level_mix_age_bands: list[Annotated[int, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: [0, 15, 45, 65, 80],
        description="Lower ages of the bands of level_mix_age_tilt. Assumption.")
    level_mix_age_tilt: dict[LevelName, list[Tilt]] = Field(
        default_factory=lambda: {"township": [0.8, 0.6, 0.9, 1.3, 1.6],  # type: ignore[arg-type]  # keys checked by pydantic
                                 "primary": [0.9, 0.8, 1.0, 1.15, 1.3],
                                 "secondary": [1.2, 1.25, 1.0, 0.9, 0.85],
                                 "tertiary": [1.0, 1.0, 1.1, 0.95, 0.75]},
        description="Relative propensity of each level by age band (multiplies level_mix, then "
        "rows are renormalised and columns rescaled so the admission-weighted mix still equals "
        "level_mix). Assumption: childbirth and children's admissions concentrate in county "
        "(secondary) hospitals, tertiary use peaks in middle age (surgery, cancer), older and "
        "rural patients use township health centres more. A level left out has tilt 1.")

    # --- cost per admission: lognormal body + Pareto tail ----------------------------------
    cost_mean: dict[LevelName, PositiveMoney] = Field(
        default_factory=lambda: {"township": 3623.0, "primary": 3623.0, "secondary": 6626.0,  # type: ignore[arg-type]  # keys checked by pydantic
                                 "tertiary": 13942.0},
        description=f"Mean total cost per admission by level, base-year CNY: {U} "
        "(primary and below 3,623 for township and primary). The lognormal mu is solved so "
        "the spliced distribution has exactly this mean.")
    cost_sigma: dict[LevelName, Annotated[float, Field(gt=0.0, le=5.0)]] = Field(
        default_factory=lambda: {"township": 0.7, "primary": 0.75, "secondary": 0.8,  # type: ignore[arg-type]  # keys checked by pydantic
                                 "tertiary": 0.8},
        description="Log-sd of the lognormal body by level. Assumption (body CV 0.8-0.9; the "
        "tail adds the rest). " + NANNING)
    tail_threshold: Annotated[float, Field(ge=100.0, le=MONEY_MAX)] | None = Field(
        50000.0, description="Cost above which admissions follow the Pareto tail, base-year "
        "CNY (scaled by cost_multiplier); null = the tail_threshold_quantile of each level's "
        "body. Assumption: high-cost admissions (ICU, major surgery, cancer) as one tail "
        "above 50,000 CNY. " + NANNING)
    tail_threshold_quantile: Annotated[float, Field(gt=0.5, lt=1.0)] = Field(
        0.99, description="Tail threshold as a quantile of each level's lognormal body, used "
        "only when tail_threshold is null. Assumption.")
    tail_probability: TailProb | dict[LevelName, TailProb] = Field(  # type: ignore[assignment]
        default_factory=lambda: {"township": 0.001, "primary": 0.002, "secondary": 0.01,
                                 "tertiary": 0.04},
        description="Share of admissions in the Pareto tail (above the threshold), by level or "
        "one number for all; 0 = plain lognormal (no truncation). Assumption: high-cost "
        "admissions are mostly at tertiary hospitals; the tertiary 4 % reproduces the "
        "Nanning 2022 counts of SIMI episodes of 40-60k and 60k+ relative to 20-40k. "
        + NANNING)
    tail_alpha: Alpha | dict[LevelName, Alpha] = Field(
        2.5, description="Pareto tail index, by level or one number for all. Nanning 2022 "
        "SIMI episodes of 60,000+ CNY averaged 101,421 (Jiang (2024) Table 9): a Pareto above "
        "60k with that mean has alpha = 101.4 / (101.4 - 60) = 2.45 (range ~2.2-2.9 for the "
        "390 episodes).")

    # --- in-scope share --------------------------------------------------------------------
    inscope_mean: dict[LevelName, Prob] = Field(
        default_factory=lambda: {"township": 0.95, "primary": 0.94, "secondary": 0.92,  # type: ignore[arg-type]  # keys checked by pydantic
                                 "tertiary": 0.89},
        description="Mean in-scope (catalogue) share of cost by level (Beta distributed). "
        "Assumption informed by guangxi_west_cost_composition_2020_2021.csv: self-pay "
        "8.2-10.7 % of total cost in Baise/Chongzuo 2020-2021 (Jiang et al. (Guangxi 2017–2021) Table 4); more "
        "self-pay items (drugs, devices) at higher levels. Cost-weighted self-pay ~9.5 %.")
    inscope_concentration: Annotated[float, Field(gt=0.5, le=1e12)] = Field(
        30.0, description="Beta concentration (a + b) of the in-scope share; sd ~0.055 at "
        "mean 0.89. Assumption.")

    # --- outpatient special disease (门诊特殊病) -------------------------------------------
    os_prevalence_at_70: Prob = Field(
        0.08, description="Share of 70-year-olds with outpatient special-disease (门诊特殊病: "
        "dialysis, cancer therapy, diabetes, hypertension with complications...) costs in a "
        "year. Assumption.")
    os_prevalence_slope: Annotated[float, Field(ge=0.0, le=0.3)] = Field(
        0.06, description="Exponential age slope of that prevalence (capped at 50 %). "
        "Assumption.")
    os_mean_cost: PositiveMoney = Field(6000.0, description="Mean annual outpatient special-disease "
                              "cost per patient, base-year CNY. Assumption.")
    os_sigma: Annotated[float, Field(gt=0.0, le=5.0)] = Field(
        1.0, description="Log-sd of that annual cost (lognormal; at most 5, as cost_sigma: "
        "a larger one overflows the lognormal moments). Assumption.")
    os_inscope: Prob = Field(0.9, description="In-scope share of that cost. Assumption.")
    os_bmi_rate: Prob = Field(0.6, description="BMI rate on its in-scope part above the "
                              "annual deductible. Assumption.")
    os_bmi_deductible: Money = Field(
        0.0, description="Annual BMI deductible on it, CNY. Assumption.")

    # --- overrides -------------------------------------------------------------------------
    incidence_multiplier: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        1.0, description="Multiplier on all hospitalisation probabilities (after calibration; "
        "capped at 1).")
    cost_multiplier: Annotated[float, Field(ge=0.01, le=100.0)] = Field(
        1.0, description="Multiplier on all costs per admission (and the tail threshold) and "
        "on the outpatient special-disease cost. At least 0.01 (Assumption: a hundredth of "
        "the base-year costs is far below any scenario; 1e-12 made the spliced-cost fit "
        "degenerate and 5e-324 divided by zero).")
