"""The answer first: the SIMI financing standard a run says is needed, flat and year by
year, with bootstrap confidence intervals, and a plain-language conclusion.

* flat: the standard, the same in every year, keeping P(accumulated deficit in any year of
  the horizon) <= alpha (:func:`~simi_actuarial.solve.required_financing`, ``accumulated``);
* year by year: for each year t the standard keeping P(deficit in year t) <= alpha
  (``current`` target of year t): the pay-as-you-go path, which shows a cliff that a flat
  standard averages away.

Works on a :class:`~simi_actuarial.results.SimulationResult` or on the files of a finished
run (:class:`~simi_actuarial.report.run_files.RunFiles`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .fund.financing_rules import active
from .scenario.base import value_at
from .scenario.financing_rules_schema import describe
from .solve import RequiredFinancing, required_financing

DEFAULT_ALPHA = 0.05


@dataclass(frozen=True)
class Headline:
    alpha: float
    flat: RequiredFinancing
    path: list            # RequiredFinancing per year (current target)
    current: float        # the scenario's standard in the first year (nan if none)
    p_deficit_now: float  # P(accumulated deficit in any year up to the last) as run
    rule: str = ""        # the SIMI financing rule the run applied ("" for a fixed history)
    p_end: float = math.nan  # P(accumulated balance < 0 at the end of the last year) as run
    n_paths: int = 0      # paths of the run (a caution below 10 paths beyond the alpha tail)


def _seed(result) -> int:
    return int(result.seed if hasattr(result, "seed") else result.raw.seed)


def headline(result, alpha: float = DEFAULT_ALPHA, bootstrap: int = 199) -> Headline:
    """Required standards of ``result`` for risk tolerance ``alpha``."""
    years = [int(y) for y in result.years]
    flat = required_financing(result, "accumulated", alpha, bootstrap=bootstrap,
                              seed=_seed(result))
    path = [required_financing(result, "current", alpha, year=y, bootstrap=bootstrap,
                               seed=_seed(result)) for y in years]
    f = result.scenario.financing
    now = float(value_at(f.simi_per_capita, years[0])) if f is not None else math.nan
    p = float(result.summary["p_accumulated_deficit_by_year"].iloc[-1])
    rule = f.simi_rule if f is not None else None
    return Headline(alpha, flat, path, now, p,
                    describe(rule) if rule is not None and active(rule) else "",
                    float(result.summary["p_accumulated_deficit"].iloc[-1]), int(result.n_paths))


def _money(x: float) -> str:
    return f"{x:,.2f}"


def headline_text(h: Headline, years) -> str:
    """The headline as printed at the end of ``simi run``."""
    y0, y1 = int(years[0]), int(years[-1])
    f = h.flat
    a = f"{h.alpha:.0%}".replace("%", " %")
    lines = [f"Required SIMI financing standard (P(deficit) <= {a}):",
             f"  flat {y0}-{y1}: {_money(f.per_capita)} CNY per insured "
             f"(95 % CI {_money(f.ci_low)}-{_money(f.ci_high)}) keeps P(accumulated deficit "
             f"in any year) <= {a}"]
    if h.rule:
        lines.append(f"  as run, under the financing rule ({h.rule}) from {_money(h.current)} "
                     f"CNY: P(accumulated balance < 0 at the end of {y1}) {h.p_end:.2f}, in "
                     f"some year up to {y1} {h.p_deficit_now:.2f}; the standards here are "
                     "fixed ones (no rule)")
    elif math.isfinite(h.current):
        lines.append(f"  now: {_money(h.current)} CNY; P(accumulated deficit by {y1}) "
                     f"{h.p_deficit_now:.2f}")
    lines.append(f"  year by year (P(deficit in that year) <= {a}), CNY per insured:")
    cells = [f"{r.year} {_money(r.per_capita)} ({_money(r.ci_low)}-{_money(r.ci_high)})"
             for r in h.path]
    for i in range(0, len(cells), 3):
        lines.append("    " + "   ".join(cells[i:i + 3]))
    if 0 < h.n_paths * h.alpha < 10:
        lines.append(f"  caution: {h.n_paths:,} paths leave fewer than 10 beyond the {a} tail: "
                     "these standards and intervals are rough (use at least 1,000 paths)")
    return "\n".join(lines)


def conclusion(h: Headline, years, name: str) -> str:
    """A short plain-language conclusion (for the top of the report)."""
    return " ".join(conclusion_sentences(h, years, name))


def conclusion_sentences(h: Headline, years, name: str) -> list[str]:
    """The conclusion's sentences (the report sets each apart, so each is translated)."""
    y0, y1 = int(years[0]), int(years[-1])
    first, last = h.path[0], h.path[-1]
    a = f"{h.alpha:.0%}".replace("%", " %")
    parts = []
    if h.rule:
        parts.append(f"{name}: under its financing rule ({h.rule}), starting from "
                     f"{_money(h.current)} CNY per insured in {y0}, the probability that the "
                     f"accumulated SIMI balance is negative at the end of {y1} is "
                     f"{h.p_end:.0%} (in some year up to {y1}: {h.p_deficit_now:.0%}); the "
                     "standards below are fixed ones, without the rule.".replace("%", " %"))
    elif math.isfinite(h.current):
        verdict = ("enough" if h.current >= h.flat.per_capita else "not enough")
        parts.append(f"{name}: at the {y0} standard of {_money(h.current)} CNY per insured "
                     f"the probability of an accumulated SIMI deficit by {y1} is "
                     f"{h.p_deficit_now:.0%}; that standard is {verdict}.".replace("%", " %"))
    parts.append(f"A flat standard of {_money(h.flat.per_capita)} CNY per insured (95 % CI "
                 f"{_money(h.flat.ci_low)}–{_money(h.flat.ci_high)}) keeps the probability of "
                 f"an accumulated deficit in any year of {y0}–{y1} at or below {a}.")
    parts.append(f"Paid year by year, the standard needed rises from {_money(first.per_capita)} "
                 f"CNY in {y0} to {_money(last.per_capita)} CNY in {y1}"
                 + (": a flat standard charges early years for later ones." if
                    last.per_capita > 1.25 * first.per_capita else "."))
    return parts
