"""Financing rules: how a bureau sets next year's per-capita standard from what it saw.

A rule lives in ``financing.simi_rule`` (the SIMI standard) or ``financing.bmi_rule`` (the
BMI per-capita financing). The first horizon year (and every year before ``from_year``)
takes the standard from the fixed history (``financing.simi_per_capita`` /
``bmi_per_capita``); later years follow the rule path by path
(:mod:`simi_actuarial.fund.financing_rules` gives the formulas).

Kinds:

* ``fixed`` — the history as given (the same as no rule);
* ``loss_ratio`` — last year's loss ratio (SIMI: claims / income; BMI: expenditure / income)
  against ``band``;
* ``balance`` — the accumulated balance rate (accumulated balance / income, the published
  累计结余率) against ``band``;
* ``bmi_share`` — SIMI only: a share of the BMI per-capita financing of the same year.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import Rate, StrictModel
from .rules_schema import Source

RULE_KINDS = ("fixed", "loss_ratio", "balance", "bmi_share")
BandEdge = Annotated[float, Field(ge=-10.0, le=10.0, allow_inf_nan=False)]
Step = Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)]


class FinancingRule(StrictModel):
    """A standard-setting rule (see the module docstring for the kinds)."""

    kind: Literal["fixed", "loss_ratio", "balance", "bmi_share"]
    source: Source = Field(
        "ASSUMPTION: an illustrative management rule; the sources record decisions, not "
        "rules (Nanning's standard rose from 54.74 CNY in 2020 to 69.74 in 2021: Jiang "
        "2024, Table 3, premium / insured).",
        description="Where the rule comes from.")
    band: Annotated[list[BandEdge], Field(min_length=2, max_length=2)] | None = Field(
        None, description="[lower, upper] target band of the indicator (loss ratio or "
        "accumulated balance rate); inside it the standard is kept.")
    target: BandEdge | None = Field(
        None, description="Indicator value the standard aims at when outside the band "
        "(default: the band's midpoint).")
    max_step_up: Step = Field(
        1.0, description="Largest rise in one year, as a share of the current standard. "
        "ASSUMPTION (default 1: up to doubling; Nanning's 2021 rise was +27 %, Jiang (2024)).")
    max_step_down: Step = Field(
        1.0, description="Largest cut in one year, as a share of the current standard "
        "(at most 1). ASSUMPTION (default 1: no limit).")
    rounding: Annotated[float, Field(ge=0.0, le=1000.0)] = Field(
        1.0, description="Standards are rounded to a multiple of this (CNY; 0: no rounding). "
        "ASSUMPTION: whole CNY, as published standards (e.g. 108 CNY in Guangxi 2021).")
    recovery_years: Annotated[int, Field(ge=1, le=50)] = Field(
        3, description="balance: years over which the gap to the target is closed. "
        "ASSUMPTION: the insurer cooperation cycle of at least 3 years in Guangxi and "
        "Nanning (Jiang (2024), s2.1.6).")
    share: Rate | None = Field(
        None, description="bmi_share: SIMI standard = share x BMI per-capita financing.")
    from_year: int | None = Field(
        None, description="First year set by the rule (default: the second horizon year); "
        "earlier years follow the fixed history.")

    def target_value(self) -> float:
        assert self.band is not None
        return self.target if self.target is not None else 0.5 * (self.band[0] + self.band[1])


def describe(rule: FinancingRule) -> str:
    """One line: the rule's kind and parameters (``simi validate``, the report)."""
    parts: list[str] = [rule.kind]
    if rule.band is not None:
        parts.append(f"band {rule.band[0]:g}–{rule.band[1]:g}, target {rule.target_value():g}")
    if rule.share is not None:
        parts.append(f"share {rule.share:g}")
    if rule.kind == "balance":
        parts.append(f"recovery over {rule.recovery_years} years")
    if rule.kind != "fixed":
        parts.append(f"max step up {rule.max_step_up:.0%}, down {rule.max_step_down:.0%}, "
                     f"rounded to {rule.rounding:g} CNY")
    if rule.from_year is not None:
        parts.append(f"from {rule.from_year}")
    return ", ".join(parts)


def rule_problems(rule: FinancingRule | None, field: str,
                  has_bmi: bool) -> list[tuple[str, str]]:
    """Inconsistent rule parameters as ``(dotted path, message)`` (empty when fine)."""
    if rule is None:
        return []
    at = f"financing.{field}"
    out: list[tuple[str, str]] = []
    if rule.kind in ("loss_ratio", "balance"):
        if rule.band is None:
            out.append((f"{at}.band", f"required for kind {rule.kind} ([lower, upper])"))
        else:
            lo, hi = rule.band
            if lo > hi:
                out.append((f"{at}.band", f"lower {lo:g} is above upper {hi:g}"))
            elif rule.target is not None and not lo <= rule.target <= hi:
                out.append((f"{at}.target", f"{rule.target:g} is outside the band "
                            f"[{lo:g}, {hi:g}]"))
            elif rule.kind == "loss_ratio" and lo <= 0:
                out.append((f"{at}.band", "a loss-ratio band must be above 0"))
    if rule.kind == "bmi_share":
        if field != "simi_rule":
            out.append((f"{at}.kind", "bmi_share sets the SIMI standard only"))
        if rule.share is None:
            out.append((f"{at}.share", "required for kind bmi_share"))
        if not has_bmi:
            out.append(("financing.bmi_per_capita", f"required by {at} (kind bmi_share)"))
    if rule.max_step_down > 1.0:
        out.append((f"{at}.max_step_down", f"{rule.max_step_down:g} would cut the standard "
                    "below zero; at most 1"))
    return out


def rule_year_problems(financing, start: int, end: int) -> list[tuple[str, str]]:
    """A rule's ``from_year`` must be a year it can set: inside the horizon, after its
    first year (which always comes from the history)."""
    out: list[tuple[str, str]] = []
    for field in ("simi_rule", "bmi_rule"):
        rule = getattr(financing, field, None) if financing is not None else None
        if rule is not None and rule.from_year is not None and not start < rule.from_year <= end:
            out.append((f"financing.{field}.from_year",
                        f"{rule.from_year} is not a year the rule can set: the horizon is "
                        f"{start}-{end} and {start} comes from the fixed history"))
    return out
