"""Scenario sections for the reimbursement rules: basic insurance (BMI), SIMI, groups,
medical assistance.

Money amounts are CNY. Any field typed ``History[...]`` accepts a single value or a history
``{year_from: value}``. Cross-field checks that need the whole scenario (group references,
special-group starting lines) live in :mod:`simi_actuarial.scenario.schema`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field, field_validator, model_validator

from .base import History, Money, PositiveMoney, Rate, StrictModel, is_history

LevelName = Literal["township", "primary", "secondary", "tertiary"]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Source = Annotated[str, Field(min_length=1, max_length=2000)]

#: Caps: a non-negative amount, or ``null`` for "no cap".
Cap = Optional[Money]


class BmiCategoryRules(StrictModel):
    """Basic-insurance inpatient rules for one contribution category.

    Fields left out fall back to the scenario's default BMI rules.
    """

    deductible: dict[LevelName, History[Money]] | None = Field(
        None, description="Deductible per admission by hospital level (CNY)."
    )
    rate: dict[LevelName, History[Rate]] | None = Field(
        None, description="Share of in-scope cost above the deductible paid by BMI, by level."
    )
    annual_cap: History[Cap] | None = Field(
        None, description="Annual cap on BMI inpatient payments per person (null: none)."
    )
    source: Source | None = None


class BmiRules(StrictModel):
    """Basic medical insurance (BMI/URRBMI) inpatient rules, applied per admission."""

    source: Source
    deductible: dict[LevelName, History[Money]]
    rate: dict[LevelName, History[Rate]]
    annual_cap: History[Cap] = Field(
        description="Annual cap on BMI inpatient payments per person (null: no cap)."
    )
    categories: dict[Name, BmiCategoryRules] = Field(
        default_factory=dict,
        description="Contribution categories with their own rules (e.g. Chongqing Cat. 2).",
    )


class Band(StrictModel):
    """One SIMI band: ``rate`` applies to the slice of the amount above the starting line
    between ``lower`` and ``upper`` (``upper`` null or omitted: open-ended)."""

    lower: Money
    upper: PositiveMoney | None = None
    rate: Rate


Bands = list[Band]


class IndexedLine(StrictModel):
    """Starting line indexed to prior-year per-capita disposable income.

    line(Y) = round(factor × income(Y − lag)), then bounded by ``floor`` and ``cap``.
    """

    factor: Annotated[float, Field(gt=0.0, le=5.0)]
    series: Name = Field(
        "national",
        description="Income series in economy.disposable_income (bundled: national, urban, rural).",
    )
    lag: Annotated[int, Field(ge=0, le=5)] = 1
    floor: Money = 0.0
    cap: Cap = None
    round_to: Annotated[float, Field(ge=0.0)] = Field(
        0.0, description="Round to the nearest multiple of this amount (0: no rounding)."
    )

    @model_validator(mode="after")
    def _floor_below_cap(self):
        if self.cap is not None and self.floor > self.cap:
            raise ValueError(f"floor ({self.floor}) exceeds cap ({self.cap})")
        return self


class IndexedLineSpec(StrictModel):
    indexed: IndexedLine


StartingLine = Union[
    Money, IndexedLineSpec,
    Annotated[dict[int, Money | IndexedLineSpec], Field(min_length=1)],
]


class SimiSchedule(StrictModel):
    """A SIMI benefit schedule: starting line, progressive bands, annual cap."""

    source: Source
    special: bool = Field(
        False, description="Special-group schedule (poor, subsistence allowance, ...)."
    )
    starting_line: StartingLine
    bands: History[Bands]
    annual_cap: History[Cap] = Field(
        description="Annual cap (null: none); on the SIMI payment or on BMI+SIMI, see simi.cap_scope."
    )

    @field_validator("bands")
    @classmethod
    def _check_bands(cls, value):
        histories = value.items() if is_history(value) else [(None, value)]
        for year, bands in histories:
            where = f"(from {year}) " if year is not None else ""
            _check_band_list(bands, where)
        return value


def _check_band_list(bands: list[Band], where: str) -> None:
    if not bands:
        raise ValueError(f"{where}at least one band is required")
    if bands[0].lower != 0:
        raise ValueError(f"{where}the first band must start at 0 (got {bands[0].lower})")
    for i, band in enumerate(bands):
        if band.upper is not None and band.upper <= band.lower:
            raise ValueError(f"{where}band {i}: upper ({band.upper}) must exceed lower ({band.lower})")
        if i + 1 < len(bands):
            nxt = bands[i + 1]
            if nxt.lower <= band.lower:
                raise ValueError(f"{where}band edges must be strictly increasing (band {i + 1})")
            if band.upper is None:
                raise ValueError(f"{where}band {i} is open-ended but is not the last band")
            if band.upper != nxt.lower:
                raise ValueError(
                    f"{where}band {i} ends at {band.upper} but band {i + 1} starts at {nxt.lower}"
                )


class SimiRules(StrictModel):
    """How SIMI applies on top of BMI."""

    source: Source
    cap_scope: History[Literal["simi", "bmi_plus_simi"]] = Field(
        "simi",
        description="Whether annual_cap limits the SIMI payment alone or BMI+SIMI together "
        "(Zhanjiang: together, Luo (2020)).",
    )
    deductible_counts_toward_line: History[bool] = Field(
        True,
        description="Whether BMI deductibles paid by the patient count in the annual in-scope "
        "out-of-pocket amount that SIMI applies to.",
    )
    outpatient_special_counts_toward_line: History[bool] = Field(
        False,
        description="Whether out-of-pocket outpatient special-disease costs count toward the "
        "SIMI line (Nanning: yes, Jiang (2024) s4.1.5).",
    )
    self_pay_counted_share: History[Rate] = Field(
        0.0,
        description="Share of the out-of-scope (self-pay) cost that counts toward the SIMI "
        "line and that SIMI's bands pay on, beside the in-scope out-of-pocket (0: in-scope "
        "only). Guangxi from 2021 counts the category B/C parts paid first by the patient "
        "and the price above the catalogue limit (Jiang (2024) s2.1.6.3).",
    )
    schedules: dict[Name, SimiSchedule]


class AssistanceScheme(StrictModel):
    """Medical assistance: pays ``rate`` of the in-scope burden left after BMI and SIMI above
    ``deductible``, up to ``annual_limit`` per person."""

    source: Source
    rate: History[Rate]
    deductible: History[Money] = 0.0
    annual_limit: History[Cap] = None


class Group(StrictModel):
    """An insured group: which rules apply to its members and its share of the insured."""

    simi_schedule: Name
    bmi_category: Name | None = Field(None, description="BMI contribution category (null: default).")
    assistance: Name | None = None
    share: History[Rate] = Field(
        description="Share of the insured population in this group (shares sum to 1)."
    )
    source: Source | None = None
