"""Scenario sections for the economy (income series), financing and the insurer contract."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Annotated

from pydantic import Field, model_validator

from .base import CrossFieldError, History, Money, Rate, StrictModel
from .financing_rules_schema import FinancingRule, rule_problems
from .rules_schema import Name, Source

IncomeSeries = dict[int, Annotated[float, Field(gt=0.0)]]


#: Bundled income files (simi_actuarial/data): every ``<series>_cny`` column is a series.
INCOME_FILES = ("disposable_income_per_capita.csv", "guangxi_disposable_income_per_capita.csv")


@lru_cache(maxsize=1)
def bundled_income_series() -> dict[str, dict[int, float]]:
    """Per-capita disposable income (CNY) by year and series: national, urban, rural (NBS
    2015-2023) and guangxi (all residents of Guangxi, Guangxi statistical communiques
    2015-2023). Sources: docs/sources.md."""
    import csv

    series: dict[str, dict[int, float]] = {}
    for name in INCOME_FILES:
        text = resources.files("simi_actuarial.data").joinpath(name)
        with text.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for column, value in row.items():
                    if column.endswith("_cny") and value:
                        key = column.removesuffix("_cny")
                        series.setdefault(key, {})[int(row["year"])] = float(value)
    return series


class EconomyConfig(StrictModel):
    """Income series that index starting lines and catastrophic-expenditure thresholds."""

    disposable_income: dict[Name, IncomeSeries] = Field(
        default_factory=dict,
        description="Extra or replacement per-capita disposable income series (CNY by year); "
        "the bundled series national/urban/rural (NBS) and guangxi (Guangxi statistical "
        "communiques), 2015-2023, are always available.",
    )
    income_growth: Annotated[float, Field(ge=-0.5, le=0.5)] = Field(
        0.05,
        description="Nominal growth used to extend every income series beyond its last year. "
        "Assumption: below the 6.8 %/yr national average of 2018-2023 (NBS) as growth slows.",
    )
    source: Source = ("NBS and Guangxi statistical communiques, per-capita disposable income "
                      "2015-2023; growth beyond: assumption")

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
    """Per-capita financing of the two funds (CNY per insured per year).

    BMI fund income in year t (fund/accounting.py): ``(bmi_per_capita * (1 +
    bmi_other_revenue_share)) * insured + interest_rate * reserve_{t-1}``; BMI fund
    expenditure: ``(modelled BMI payments + SIMI transfer) / (1 - bmi_unmodelled_share)``.
    """

    source: Source
    simi_per_capita: History[Money] = Field(
        description="SIMI financing standard transferred from the BMI fund per insured."
    )
    bmi_per_capita: History[Money] | None = Field(
        None,
        description="BMI financing standard per insured (fiscal subsidy + individual "
        "contribution); null: the BMI fund is not projected.",
    )
    bmi_other_revenue_share: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.0,
        description="BMI fund revenue other than the financing standard and interest (fiscal "
        "subsidies above the standard, arrears, other income), as a share of the financing "
        "income. 0 unless the scenario derives it from a published fund account.",
    )
    bmi_unmodelled_share: Annotated[float, Field(ge=0.0, le=0.9)] = Field(
        0.0,
        description="Share of BMI fund expenditure spent on benefits the model does not "
        "simulate (general outpatient pooling, maternity, ...). The model simulates inpatient "
        "care, outpatient special-disease care and the SIMI transfer: with inpatient care "
        "above 80 % of residents' fund expenditure (Jiang (2024), s2.2.8, citing Wei Yun 2020) "
        "the remainder is small; 0 unless the scenario sources it.",
    )
    # --- managed funds (issue 14): standards set each year by a rule -------------------
    simi_rule: FinancingRule | None = Field(
        None, description="Rule setting the SIMI standard from year 2 on (null: the history).")
    bmi_rule: FinancingRule | None = Field(
        None, description="Rule setting the BMI per-capita financing (null: the history).")

    @model_validator(mode="after")
    def _rules(self):
        has_bmi = self.bmi_per_capita is not None
        problems = (rule_problems(self.simi_rule, "simi_rule", has_bmi)
                    + rule_problems(self.bmi_rule, "bmi_rule", has_bmi))
        if self.bmi_rule is not None and not has_bmi:
            problems.append(("financing.bmi_per_capita", "required by financing.bmi_rule"))
        if problems:
            raise CrossFieldError(problems)
        return self
    # --- end managed funds --------------------------------------------------------------


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
    bmi_opening_balance: float = Field(
        0.0, description="BMI fund reserve at the start of the first year (CNY)."
    )
    bmi_opening_reserve_per_insured: Annotated[float, Field(ge=0.0, le=1e6)] | None = Field(
        None,
        description="BMI fund reserve at the start of the first year per insured of that "
        "year (CNY); scales with population.insured. Excludes bmi_opening_balance.",
    )
    insurer: InsurerContract | None = None

    @model_validator(mode="after")
    def _finite(self):
        import math

        for name in ("simi_opening_balance", "bmi_opening_balance"):
            value = getattr(self, name)
            if not math.isfinite(value) or abs(value) > OPENING_BALANCE_MAX:
                raise ValueError(f"{name} must be finite and at most {OPENING_BALANCE_MAX:g} "
                                 "CNY in absolute value")
        if self.bmi_opening_reserve_per_insured is not None and self.bmi_opening_balance != 0:
            raise ValueError("give either bmi_opening_balance (CNY) or "
                             "bmi_opening_reserve_per_insured (CNY per insured), not both")
        return self

    def bmi_opening(self, insured_first_year: float) -> float:
        """Opening BMI reserve in CNY for ``insured_first_year`` insured."""
        if self.bmi_opening_reserve_per_insured is not None:
            return self.bmi_opening_reserve_per_insured * insured_first_year
        return self.bmi_opening_balance
