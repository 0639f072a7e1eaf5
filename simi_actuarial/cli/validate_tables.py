"""Extra tables printed by ``simi validate``: the financing and every value history as
resolved (after ``extends`` and ``--set``), and the key assumptions with their provenance
(:mod:`simi_actuarial.scenario.provenance`), with a warning when morbidity and costs were
not fitted to the scenario's own place."""

from __future__ import annotations

from ..scenario.base import YEAR_MIN, is_history
from ..scenario.provenance import assumptions, morbidity_warning


def _histories(data, prefix: str = ""):
    """(dotted path, history) of every value history in the dumped scenario ``data``."""
    if is_history(data):
        yield prefix, data
        return
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _histories(v, f"{prefix}.{k}" if prefix else str(k))


def _short(v) -> str:
    if isinstance(v, float):
        return f"{v:,.6g}"
    if isinstance(v, dict) and set(v) == {"indexed"}:
        return "indexed(" + ", ".join(f"{k}={x}" for k, x in v["indexed"].items()
                                      if x is not None) + ")"
    if isinstance(v, list) and v and all(isinstance(b, dict) and {"lower", "rate"} <= set(b)
                                         for b in v):  # SIMI bands, as the rules summary
        return " ".join(f"{b['lower']:,.0f}+:{b['rate'] * 100:g}%" for b in v)
    return str(v)


def _year(y: int) -> str:
    return "start" if y == YEAR_MIN else str(y)


def histories_text(scenario) -> str:
    """Financing per year and every value history of the scenario, as resolved."""
    lines = []
    f = scenario.financing
    if f is None:
        lines.append("  financing: not set (simi run and simi solve need it)")
    else:
        d = f.model_dump()
        parts = [f"{k} {_short(v)}" for k, v in d.items()
                 if k != "source" and not is_history(v) and v is not None]
        lines.append("  financing: " + ", ".join(parts))
    hist = list(_histories(scenario.model_dump(exclude={"morbidity"})))
    if hist:
        lines.append("  value histories (year: value, as resolved):")
        for path, h in hist:
            lines.append(f"    {path}: " + ", ".join(f"{_year(y)}: {_short(v)}"
                                                    for y, v in sorted(h.items())))
    return "\n".join(lines)


def assumptions_text(rows: list[dict]) -> str:
    """Plain-text table of key assumptions (value and origin) and the morbidity warning."""
    w1 = max(len(r["assumption"]) for r in rows)
    w2 = min(max(len(r["value"]) for r in rows), 48)
    lines = ["  key assumptions (value; where it comes from):"]
    lines += [f"    {r['assumption']:<{w1}}  {r['value']:<{w2}}  {r['origin']}" for r in rows]
    warning = morbidity_warning(rows)
    if warning:
        lines.append(f"  {warning}")
    return "\n".join(lines)


def validate_extras(path, scenario, overrides) -> str:
    """Everything :mod:`simi_actuarial.cli.validate` prints after the rules summary."""
    return histories_text(scenario) + "\n" + assumptions_text(
        assumptions(path, scenario, overrides))
