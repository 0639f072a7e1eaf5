"""Scenario sections for the economy (income series), financing and the insurer contract."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Annotated

from pydantic import Field, model_validator

from .base import History, Money, Rate, StrictModel
from .rules_schema import Name, Source

IncomeSeries = dict[int, Annotated[float, Field(gt=0.0, allow_inf_nan=False)]]


@lru_cache(maxsize=1)
def bundled_income_series() -> dict[str, dict[int, float]]:
    """Per-capita disposable income (CNY) by year: national, urban, rural (NBS 2015-2023)."""
    import csv

    text = resources.files("simi_actuarial.data").joinpath("disposable_income_per_capita.csv")
    series: dict[str, dict[int, float]] = {"national": {}, "urban": {}, "rural": {}}
    with text.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for name in series:
                value = row[f"{name}_cny"]
                if value:
                    series[name][int(row["year"])] = float(value)
    return series


class EconomyConfig(StrictModel):
    """Income series that index starting lines and catastrophic-expenditure thresholds."""

    disposable_income: dict[Name, IncomeSeries] = Field(
        default_factory=dict,
        description="Extra or replacement per-capita disposable income series (CNY by year); "
        "the bundled NBS series national/urban/rural 2015-2023 are always available.",
    )
    income_growth: Annotated[float, Field(ge=-0.5, le=0.5)] = Field(
        0.05,
        description="Nominal growth used to extend every income series beyond its last year. "
        "Assumption: below the 6.8 %/yr national average of 2018-2023 (NBS) as growth slows.",
    )
    source: Source = "NBS per-capita disposable income 2015-2023; growth beyond: assumption"

    def income_series(self) -> dict[str, dict[int, float]]:
        merged = {k: dict(v) for k, v in bundled_income_series().items()}
        merged = {k: v for k, v in merged.items() if v}
        for name, values in self.disposable_income.items():
            merged[name] = dict(sorted(values.items()))
        return merged

    def income(self, series: str, year: int) -> float:
        """Income of ``series`` in ``year``: observed, or extrapolated at ``income_growth``
        from the nearest observed year."""
        values = self.income_series()[series]
        if year in values:
            return values[year]
        first, last = min(values), max(values)
        if year > last:
            return values[last] * (1.0 + self.income_growth) ** (year - last)
        if year < first:
            return values[first] / (1.0 + self.income_growth) ** (first - year)
        # a gap inside the series: interpolate geometrically
        lo = max(y for y in values if y < year)
        hi = min(y for y in values if y > year)
        w = (year - lo) / (hi - lo)
        return values[lo] ** (1 - w) * values[hi] ** w


class FinancingConfig(StrictModel):
    """Per-capita financing of the two funds (CNY per insured per year)."""

    source: Source
    simi_per_capita: History[Money] = Field(
        description="SIMI financing standard transferred from the BMI fund per insured."
    )
    bmi_per_capita: History[Money] | None = Field(
        None,
        description="BMI financing per insured (fiscal subsidy + individual contribution); "
        "null: the BMI fund is not projected.",
    )
    bmi_other_expenditure_share: Rate = Field(
        0.0,
        description="Share of BMI income spent on benefits not modelled here (outpatient, "
        "maternity, ...). Assumption when not calibrated.",
    )


class InsurerContract(StrictModel):
    """Commercial insurer running the SIMI layer (Jiang (2024) s2.1.6.3; Luo (2020) s2.9.4)."""

    source: Source
    management_fee: History[Rate] = Field(
        0.0, description="Share of premium kept by the insurer for administration."
    )
    profit_cap: History[Rate] = Field(
        description="Underwriting profit above this share of premium returns to the BMI fund."
    )
    loss_corridor: History[Rate] = Field(
        description="Losses up to this share of premium are shared with the fund."
    )
    loss_share_fund: Rate = Field(
        0.5, description="Share of losses within the corridor borne by the BMI fund."
    )


#: Largest opening balance accepted (CNY; a province's fund is below 1e12).
OPENING_BALANCE_MAX = 1e15


class FundConfig(StrictModel):
    """Opening balances and interest."""

    interest_rate: Annotated[float, Field(ge=-0.05, le=0.2)] = Field(
        0.015,
        description="Interest credited on fund balances. Assumption: close to the PBoC "
        "one-year deposit benchmark (1.5 %).",
    )
    simi_opening_balance: float = 0.0
    bmi_opening_balance: float = 0.0
    insurer: InsurerContract | None = None

    @model_validator(mode="after")
    def _finite(self):
        import math

        for name in ("simi_opening_balance", "bmi_opening_balance"):
            value = getattr(self, name)
            if not math.isfinite(value) or abs(value) > OPENING_BALANCE_MAX:
                raise ValueError(f"{name} must be finite and at most {OPENING_BALANCE_MAX:g} "
                                 "CNY in absolute value")
        return self
