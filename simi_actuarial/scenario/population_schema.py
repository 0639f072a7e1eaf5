"""Population assumptions (scenario section ``population``)."""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field

from .base import YEAR_MAX, YEAR_MIN, StrictModel

P = "population_facts.csv"


class MortalityConfig(StrictModel):
    """Gompertz-Makeham mortality fitted to life expectancy, or a user table."""

    life_expectancy: Annotated[float, Field(gt=40.0, lt=100.0)] = Field(
        77.93, description=f"Period life expectancy at birth in base_year, both sexes: {P} "
        "life_expectancy_2020 (NHC).")
    base_year: Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)] = Field(2020, description=f"Year of life_expectancy ({P}).")
    improvement: Annotated[float, Field(ge=-0.05, le=0.1)] = Field(
        0.0216, description="Annual decline of the Gompertz level (and of q0): fitted so e0 "
        f"rises from 77.93 (2020) to 78.6 (2023), {P} (NHC); continued at the same pace "
        "(assumption). The 2010-2020 pace (74.8 to 77.93) would be 0.0302.")
    gompertz_slope: Annotated[float, Field(gt=0.03, lt=0.2)] = Field(
        0.095, description="Gompertz slope per year of age. Assumption (0.09-0.10 for China).")
    makeham: Annotated[float, Field(ge=0.0, lt=0.01)] = Field(
        0.0003, description="Age-independent hazard. Assumption.")
    infant_mortality: Annotated[float, Field(ge=0.0, lt=0.1)] = Field(
        0.0054, description="q0. Assumption: China's infant mortality 5.4 per 1,000 in 2020 "
        "(NHC; not in the bundled data).")
    female_advantage_years: Annotated[float, Field(ge=0.0, le=15.0)] = Field(
        5.5, description="Female minus male life expectancy. Assumption (about 5.5 years in "
        "the 2020 census-era life tables).")
    table: Optional[str] = Field(
        None, description="CSV with columns age,sex,qx (ages 0-100, sex male/female) "
        "replacing the law; improvement still applies.")


class PopulationConfig(StrictModel):
    """Insured residents by single age and sex, projected year by year."""

    insured: Annotated[int, Field(gt=0, le=2_000_000_000)] = Field(
        1_000_000, description="Insured persons in the first projection year. Assumption "
        "(set per scenario).")
    structure: str = Field(
        "census_2020", description="'census_2020' (default: cohort profile with the 1985-90 "
        "echo, 1962-75 boom, 1959-61 famine trough and smaller pre-1950 cohorts, matching the "
        f"7th census shares 0-14, 60+, 65+ and the sex ratio, {P}, and projecting to the NBS "
        "65+ shares 2021-2023; echo, boom and pre-1950 heights: assumptions; for a start year "
        "after 2020 carried forward from 2020 with the scenario's mortality and births) or a "
        "CSV path with age,sex,count (used as the start year's structure).")
    age_shift_years: Annotated[float, Field(ge=-30.0, le=30.0)] = Field(
        0.0, description="Shift the initial age structure older (+) or younger (-), for "
        "what-if analysis of ageing.")
    mortality: MortalityConfig = Field(default_factory=MortalityConfig)
    birth_rate: Annotated[float, Field(ge=0.0, le=0.1)] = Field(
        0.0085, description=f"Entries at age 0 per insured: births_2020 / population_2020 ({P}).")
    birth_rate_trend: Annotated[float, Field(ge=-0.2, le=0.2)] = Field(
        -0.03, description="Annual relative change of the birth rate. Assumption (births fell "
        "from 12.0 M in 2020 to ~9 M in 2023, NBS).")
    exit_rate: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.0, description="Annual non-death exits (lapse, migration) per insured. Assumption.")
    participation_trend: Annotated[float, Field(ge=-0.2, le=0.2)] = Field(
        -0.005, description="Annual relative change of the insured total beyond births, deaths "
        "and exits. Assumption: Baise insured fell 2.6 % and Chongzuo 0.0 % in 2021 "
        "(Jiang et al. (Guangxi 2017–2021) Table 3).")
    frozen_structure: bool = Field(
        False, description="Keep the initial age-sex structure (ageing switched off).")
