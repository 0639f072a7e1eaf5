"""One-screen text summary of a scenario's resolved rules, collapsing unchanged years
(printed by ``simi validate``, shown in the run report)."""

from __future__ import annotations

import numpy as np

from ..scenario.schema import Scenario
from .arrays import RuleTable, resolve_rules
from .kernel import FLAG_CAP_COMBINED, FLAG_DEDUCTIBLE_COUNTS, FLAG_OUTPATIENT_SPECIAL_COUNTS


def _money(x: float) -> str:
    return "none" if not np.isfinite(x) else f"{x:,.0f}"


def _pct(x: float) -> str:
    return f"{100 * x:g}%"


def _year_signature(t: RuleTable, y: int) -> bytes:
    parts = [t.bmi_deductible[y], t.bmi_rate[y], t.bmi_cap[y], t.group_share[y], t.simi_line[y],
             t.band_lower[y], t.band_rate[y], t.simi_cap[y], t.assist_rate[y],
             t.assist_deductible[y], t.assist_limit[y], t.flags[y], t.self_pay_counted[y]]
    return b"".join(np.ascontiguousarray(p).tobytes() for p in parts)


def _periods(t: RuleTable) -> list[tuple[int, int]]:
    """(first, last) year-index ranges over which the resolved rules do not change."""
    periods = []
    start = 0
    for y in range(1, len(t.years)):
        if _year_signature(t, y) != _year_signature(t, start):
            periods.append((start, y - 1))
            start = y
    periods.append((start, len(t.years) - 1))
    return periods


def summarize(scenario: Scenario) -> str:
    """Resolved rules per period of unchanged rules, as printed by ``simi validate``."""
    t = resolve_rules(scenario)
    lines = [f"scenario {scenario.name}: {t.years[0]}-{t.years[-1]}, "
             f"levels {', '.join(t.level_names)}, groups {', '.join(t.group_names)}"]
    for first, last in _periods(t):
        y0, y1 = int(t.years[first]), int(t.years[last])
        f = t.flags[first]
        lines.append(f"  {y0}" + (f"-{y1}" if y1 != y0 else "") + ":")
        lines.append(f"    SIMI cap on {'BMI+SIMI' if f[FLAG_CAP_COMBINED] else 'SIMI'}; BMI deductibles "
                     f"{'count' if f[FLAG_DEDUCTIBLE_COUNTS] else 'do not count'} toward the line; "
                     "outpatient special "
                     f"{'counts' if f[FLAG_OUTPATIENT_SPECIAL_COUNTS] else 'does not count'}; "
                     f"out-of-scope cost counted: {_pct(t.self_pay_counted[first])}")
        for ci, cname in enumerate(t.category_names):
            cells = ", ".join(
                f"{lvl} {_money(t.bmi_deductible[first, ci, li])}/{_pct(t.bmi_rate[first, ci, li])}"
                for li, lvl in enumerate(t.level_names)
            )
            lines.append(f"    BMI[{cname}] deductible/rate: {cells}; cap {_money(t.bmi_cap[first, ci])}")
        for gi, g in enumerate(t.group_names):
            bands = [
                f"{_money(lo)}+:{_pct(r)}"
                for lo, r in zip(t.band_lower[first, gi], t.band_rate[first, gi], strict=True)
                if np.isfinite(lo)
            ]
            assist = ""
            if t.assist_rate[first, gi] > 0:
                assist = (f"; assistance {_pct(t.assist_rate[first, gi])} above "
                          f"{_money(t.assist_deductible[first, gi])} up to {_money(t.assist_limit[first, gi])}")
            lines.append(
                f"    SIMI[{g}] share {_pct(t.group_share[first, gi])}: line "
                f"{_money(t.simi_line[first, gi])}, bands {' '.join(bands)}, cap "
                f"{_money(t.simi_cap[first, gi])}{assist}"
            )
    lines += _financing_lines(scenario)  # financing rules (issue 14)
    return "\n".join(lines)


def _financing_lines(scenario: Scenario) -> list[str]:
    from ..scenario.financing_rules_schema import describe

    fin = scenario.financing
    rules = [(n, getattr(fin, f"{n}_rule")) for n in ("simi", "bmi")] if fin else []
    return [f"  financing rule ({n.upper()} standard): {describe(r)}" for n, r in rules if r]
