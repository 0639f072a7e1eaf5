"""Managed funds: the financing standard of year t+1 set on each path from year t's accounts.

Fund accounting runs after the kernel on the per-path tallies, and claims do not depend on
the standard, so a rule is a recursion over years on those tallies (no re-simulation). With
``s_t`` the standard on a path in year t, ``N_t`` the insured, ``I_t = s_t N_t`` the income,
``C_t`` the indicator's numerator and ``A_t`` the accumulated balance, the proposal for
year t+1 is

* ``loss_ratio``: ``x_t = C_t / I_t`` (SIMI: claims; BMI: expenditure); ``s_t`` when
  ``lower <= x_t <= upper``, else ``s_t * x_t / target``;
* ``balance``: ``x_t = A_t / I_t``; ``s_t`` inside the band, else
  ``s_t + (target * I_t - A_t) / (recovery_years * N_{t+1})`` (the gap to the target
  accumulated balance closed over ``recovery_years``);
* ``bmi_share``: ``share * b_{t+1}`` (``b`` the BMI per-capita financing, itself fixed or
  set by ``bmi_rule``);

then limited to ``[s_t (1 - max_step_down), s_t (1 + max_step_up)]`` and rounded to the
nearest multiple of ``rounding`` (stepping back inside the limits if rounding left them).
The BMI rule is applied first, so a SIMI ``bmi_share`` rule sees the new BMI standard.
``fixed`` (or no rule) leaves the history: the accounts are then exactly
:func:`~.accounting.project_funds`.
"""

from __future__ import annotations

import numpy as np

from ..scenario.financing_rules_schema import FinancingRule
from ..scenario.schema import Scenario
from ..stats import mean_se, quantile_se
from .accounting import FundPaths, financing_schedule, project_funds


def active(rule: FinancingRule | None) -> bool:
    """True for a rule that changes the history."""
    return rule is not None and rule.kind != "fixed"


def managed(scenario: Scenario) -> bool:
    fin = scenario.financing
    return fin is not None and (active(fin.simi_rule) or active(fin.bmi_rule))


def round_to(x: np.ndarray, step: float) -> np.ndarray:
    """Nearest multiple of ``step`` (halves rounded up); ``step = 0``: unchanged."""
    if step <= 0:
        return x
    return np.floor(x / step + 0.5) * step


def next_standard(rule: FinancingRule, current: np.ndarray, numerator: np.ndarray,
                  accumulated: np.ndarray, income: np.ndarray, insured_next: float,
                  bmi_next: np.ndarray | None = None) -> np.ndarray:
    """Standard for year t+1 (per path) from year t's figures (see the module docstring)."""
    if rule.kind == "bmi_share":
        proposal = rule.share * bmi_next
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            if rule.kind == "loss_ratio":
                x = numerator / income
            else:
                x = accumulated / income
        lo, hi = rule.band
        target = rule.target_value()
        outside = ~((x >= lo) & (x <= hi))  # NaN (no income) counts as outside
        if rule.kind == "loss_ratio":
            moved = current * np.where(np.isfinite(x), x, 1.0) / target
        else:
            moved = current + (target * income - accumulated) / (rule.recovery_years
                                                                  * insured_next)
        proposal = np.where(outside, moved, current)
    low = current * (1.0 - rule.max_step_down)
    high = current * (1.0 + rule.max_step_up)
    out = round_to(np.clip(proposal, low, high), rule.rounding)
    if rule.rounding > 0:
        out = np.where(out > high + 1e-9, out - rule.rounding, out)
        out = np.where(out < low - 1e-9, out + rule.rounding, out)
    return np.maximum(out, 0.0)


def _applies(rule: FinancingRule | None, year: int) -> bool:
    return active(rule) and (rule.from_year is None or year >= rule.from_year)


def managed_funds(scenario: Scenario, insured: np.ndarray, simi_claims: np.ndarray,
                  bmi_paid: np.ndarray) -> FundPaths:
    """Fund flows with the scenario's financing rules applied path by path."""
    if not managed(scenario):
        return project_funds(scenario, insured, simi_claims, bmi_paid)
    fin = scenario.financing
    P, Y = simi_claims.shape
    years = scenario.years
    simi = np.tile(financing_schedule(scenario, "simi_per_capita"), (P, 1))
    bmi_hist = financing_schedule(scenario, "bmi_per_capita")
    bmi = None if bmi_hist is None else np.tile(bmi_hist, (P, 1))
    for t in range(Y - 1):
        f = project_funds(scenario, insured, simi_claims, bmi_paid, simi, bmi)
        if _applies(fin.bmi_rule, years[t + 1]):
            bmi[:, t + 1] = next_standard(
                fin.bmi_rule, bmi[:, t], f.bmi_expenditure[:, t], f.bmi_accumulated[:, t],
                f.bmi_income[:, t], insured[t + 1])
        if _applies(fin.simi_rule, years[t + 1]):
            simi[:, t + 1] = next_standard(
                fin.simi_rule, simi[:, t], f.simi_claims[:, t], f.simi_accumulated[:, t],
                f.simi_income[:, t], insured[t + 1],
                None if bmi is None else bmi[:, t + 1])
    return project_funds(scenario, insured, simi_claims, bmi_paid, simi, bmi)


def standard_summary(scenario: Scenario, standard: np.ndarray,
                     fund: str = "simi") -> dict[str, np.ndarray]:
    """Per-year distribution of a managed standard (``fund``: simi or bmi) from its paths
    ``(P, Y)`` (CNY per insured): ``{fund}_standard_mean/p05/p50/p95`` (with ``_se``) and
    ``{fund}_extra_financing_cumulative_mean`` (``sum_{u<=t} (s_u - h_u)``, CNY per insured,
    ``h`` the fixed history), with standard errors. Empty when the standard is not managed."""
    fin = scenario.financing
    rule = getattr(fin, f"{fund}_rule", None) if fin is not None else None
    if not active(rule):
        return {}
    history = financing_schedule(scenario, f"{fund}_per_capita")
    out: dict[str, np.ndarray] = {}
    out[f"{fund}_standard_mean"], out[f"{fund}_standard_mean_se"] = mean_se(standard)
    for q in (5, 50, 95):
        est, se = quantile_se(standard, q / 100)
        out[f"{fund}_standard_p{q:02d}"], out[f"{fund}_standard_p{q:02d}_se"] = est, se
    extra = np.cumsum(standard - history, axis=1)
    m, se = mean_se(extra)
    out[f"{fund}_extra_financing_cumulative_mean"] = m
    out[f"{fund}_extra_financing_cumulative_mean_se"] = se
    return out
