"""Where each key assumption of a scenario comes from: a ``--set`` override, the scenario
file itself, a file it ``extends`` (named, with what wrote it: ``simi calibrate`` or
``simi fit-claims``), or a model default (with the place and figures it was calibrated to).

A dotted path is *set* by a document when the document has that path, a key below it, or an
atomic value at a prefix of it; the nearest document in the ``extends`` chain that sets it
(the scenario file first) is its origin. Used by ``simi validate`` and, through the run's
manifest (``assumptions``), by the report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from .base import value_at
from .overrides import parse_assignment
from .yaml_io import load_yaml_file

#: (label, dotted paths whose origin is reported, origin when no file sets them)
NATIONAL = ("model default: national residents' insurance 2021 (National Healthcare Security "
            "Administration, statistical bulletin 2021), not this place")
KEY_ASSUMPTIONS = (
    ("SIMI financing (CNY per insured)", ("financing.simi_per_capita",),
     "not set (run and solve need it)"),
    ("BMI financing (CNY per insured)", ("financing.bmi_per_capita",),
     "not set (the BMI fund is not projected)"),
    ("insured persons", ("population.insured",), "model default: ASSUMPTION 1,000,000"),
    ("age-sex structure", ("population.structure", "population.age_shift_years"),
     "model default: 7th census 2020 national structure (National Bureau of Statistics)"),
    ("hospitalisation (incidence)", ("morbidity.claimant_probability",
                                     "morbidity.admissions_per_insured",
                                     "morbidity.incidence_multiplier"), NATIONAL),
    ("cost per admission", ("morbidity.cost_mean", "morbidity.cost_sigma",
                            "morbidity.cost_multiplier"), NATIONAL),
    ("high-cost tail", ("morbidity.tail_threshold", "morbidity.tail_probability",
                        "morbidity.tail_alpha"),
     "model default: ASSUMPTION checked against Nanning 2022 SIMI episodes by cost band"),
    ("readmissions", ("morbidity.extra_admissions_young", "morbidity.extra_admissions_old",
                      "morbidity.extra_admissions_shape"),
     "model default: ASSUMPTION (about 1.3 admissions per hospitalised person)"),
    ("level mix", ("morbidity.level_mix", "morbidity.level_mix_age_tilt"), NATIONAL),
    ("cost trend", ("risk.cost_trend",),
     "model default: estimated from the NHC statistical bulletins 2015-2021 (national)"),
    ("utilisation trend", ("risk.utilisation_trend",),
     "model default: estimated from the NHC statistical bulletins 2015-2021 (national)"),
    ("SIMI rules", ("simi.schedules",), "not set"),
    ("out-of-scope cost counted toward the SIMI line", ("simi.self_pay_counted_share",),
     "model default: none (policy-scope cost only)"),
)
MORBIDITY_ROWS = ("hospitalisation (incidence)", "cost per admission")


@dataclass(frozen=True)
class Origin:
    kind: str        # "--set", "this file", "inherited", "default"
    text: str        # for the table


def extends_chain(path) -> list[tuple[Path, dict]]:
    """The scenario documents from ``path`` up its ``extends`` chain (raw YAML)."""
    out: list[tuple[Path, dict]] = []
    seen: set[Path] = set()
    p: Path | None = Path(path)
    while p is not None and p.resolve() not in seen and len(out) < 32:
        seen.add(p.resolve())
        data = load_yaml_file(p)
        data = data if isinstance(data, dict) else {}
        out.append((p, data))
        parent = data.get("extends")
        p = p.parent / parent if isinstance(parent, str) and parent else None
    return out


def _sets(data, keys) -> bool:
    node = data
    for k in keys:
        if not isinstance(node, dict):
            return True  # an atomic value at a prefix replaces everything below it
        if k not in node:
            return False
        node = node[k]
    return True


def _writer(path: Path) -> str:
    try:
        head = path.read_text(encoding="utf-8").split("\n", 2)[:2]
    except OSError:
        return ""
    text = " ".join(head)
    for tool in ("simi calibrate", "simi fit-claims"):
        if tool in text:
            return f", fitted by {tool}"
    return ""


def origin(paths, chain, overrides=(), default: str = "model default") -> Origin:
    """Origin of the parameters at ``paths`` (dotted) for the documents ``chain``."""
    keys = [p.split(".") for p in paths]
    for text in overrides:
        set_keys = [str(k) for k in parse_assignment(text)[0]]
        for k in keys:
            n = min(len(k), len(set_keys))
            if k[:n] == set_keys[:n]:
                return Origin("--set", f"--set {text}")
    for i, (p, data) in enumerate(chain):
        if any(_sets(data, k) for k in keys):
            if i == 0:
                return Origin("this file", f"this file ({p.name}{_writer(p)})")
            return Origin("inherited", f"inherited from {os.path.normpath(p)}{_writer(p)}")
    return Origin("default", default)


def _shares(v, y0: int, y1: int) -> str:
    a, b = value_at(v, y0), value_at(v, y1)
    return f"{a:.0%}" if a == b else f"{a:.0%} ({y0}) → {b:.0%} ({y1})"


def _value(scenario, label: str) -> str:
    y0, y1 = scenario.years[0], scenario.years[-1]
    m = scenario.morbidity

    def hist(v):
        if v is None:
            return "–"
        a, b = value_at(v, y0), value_at(v, y1)
        return f"{a:,.2f}" if a == b else f"{a:,.2f} ({y0}) → {b:,.2f} ({y1})"

    f = scenario.financing
    lv = scenario.hospital_levels
    top = lv[-1]
    values = {
        "SIMI financing (CNY per insured)": hist(f.simi_per_capita) if f else "–",
        "BMI financing (CNY per insured)": hist(f.bmi_per_capita) if f else "–",
        "insured persons": f"{scenario.population.insured:,}",
        "age-sex structure": str(scenario.population.structure),
        "hospitalisation (incidence)": (
            "fitted table by age and sex" if m.claimant_probability is not None else
            f"{m.admissions_per_insured:g} admissions per insured (national structure)")
        + (f" × {m.incidence_multiplier:g}" if m.incidence_multiplier != 1 else ""),
        "cost per admission": f"{top} {m.cost_mean[top]:,.0f} CNY ({m.base_year} prices)"
        + (f" × {m.cost_multiplier:g}" if m.cost_multiplier != 1 else ""),
        "high-cost tail": f"above {m.tail_threshold or 0:,.0f} CNY",
        "readmissions": (
            f"extra admissions per hospitalised person {m.extra_admissions_young:.3g} (under "
            f"60), {m.extra_admissions_old:.3g} (60+); "
            + (f"mixing shape {m.extra_admissions_shape:.3g}"
               if m.extra_admissions_shape is not None else "no mixing (Poisson)")),
        "level mix": ", ".join(f"{x} {m.level_mix.get(x, 0):.0%}" for x in lv),
        "cost trend": f"{scenario.risk.cost_trend:.1%}/yr",
        "utilisation trend": f"{scenario.risk.utilisation_trend:.1%}/yr",
        "SIMI rules": ", ".join(scenario.simi.schedules),
        "out-of-scope cost counted toward the SIMI line": _shares(
            scenario.simi.self_pay_counted_share, y0, y1),
    }
    return values[label]


def assumptions(path, scenario, overrides=()) -> list[dict]:
    """Rows ``{assumption, value, origin, kind}`` of :data:`KEY_ASSUMPTIONS` for the
    scenario file ``path`` (loaded as ``scenario`` with ``overrides``)."""
    chain = extends_chain(path)
    rows = []
    for label, paths, default in KEY_ASSUMPTIONS:
        o = origin(paths, chain, overrides, default)
        text = o.text
        stated = _STATED_SOURCE.get(label)
        if stated is not None:  # the source the document that sets the values gives them
            note = attrgetter(stated)(scenario)
            if note and origin((stated,), chain, overrides) == o:
                text = f"{text}: {note}"
        rows.append({"assumption": label, "value": _value(scenario, label), "origin": text,
                     "kind": o.kind})
    return rows


#: Key assumptions whose scenario states their source in a field of its own.
_STATED_SOURCE = {"readmissions": "morbidity.readmissions_source"}


def morbidity_warning(rows: list[dict]) -> str | None:
    """A warning when morbidity and costs were not fitted in this scenario file."""
    kinds = {r["assumption"]: r for r in rows if r["assumption"] in MORBIDITY_ROWS}
    if all(r["kind"] in ("this file", "--set") for r in kinds.values()):
        return None
    if all(r["kind"] == "default" for r in kinds.values()):
        return ("WARNING: morbidity and costs are the model's national defaults, not fitted "
                "to this place: fit them to its claims extract and accounts (simi fit-claims, "
                "simi calibrate; docs/new-city.md)")
    where = "; ".join(f"{r['assumption']}: {r['origin']}" for r in kinds.values())
    return ("WARNING: morbidity and costs were not fitted in this file (" + where + "): valid "
            "only if that is the same place and data (docs/new-city.md)")
