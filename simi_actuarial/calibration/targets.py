"""Calibration targets files (YAML): what to fit, to which published figures, and how.

Format (every path is relative to the targets file)::

    name: nanning_2020                # name of the calibrated scenario written
    scenario: ../../nanning_2020.yaml # base scenario
    output: ../nanning_2020.yaml      # default --out of `simi calibrate`
    description: ...
    scenario_overrides: [population.insured=5846500]   # kept in the calibrated scenario
    sample:                           # fitting run only (not written to the scenario)
      insured: 200000                 # scaled-down population (per-insured figures and
      paths: 4                        #   shares do not depend on its size)
      seed: 20240101                  # one seed for every evaluation: common random numbers
      overrides: [risk.cost_shock_sd=0]   # e.g. systematic shocks off: fit the expectation
    tolerance: 0.05                   # default relative tolerance of a target
    max_evaluations: 60
    parameters:
      - {path: morbidity.incidence_multiplier, start: 1.0, lower: 0.2, upper: 3.0}
    targets:
      - {statistic: simi_per_insured, year: 2020, value: 70.48, source: "..."}
      - {statistic: simi_actual_payment_ratio, year: 2020, value: 0.55, fit: false,
         note: "definition differs", name: "Jiang (2024)"}  # reported, not fitted; name: label
      - {statistic: che_rate, year: 2016, value: 0.0314, name: "after BMI only",
         overrides: ["simi.schedules.general.starting_line=1000000000"]}  # own run, extra overrides
    out_of_sample: [...]              # see backtest.py
    conflicts: "text"                 # data conflicts and which source is used

Errors name the field and the problem (:class:`TargetsError`, exit 2 in the CLI).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SimiInputError
from ..scenario.overrides import parse_assignment
from ..scenario.yaml_io import load_yaml_file
from .statistics import STATISTICS


class TargetsError(SimiInputError):
    """A calibration targets file is invalid."""


@dataclass(frozen=True)
class Parameter:
    """A scenario field fitted by calibration (dotted path, start value, bounds)."""

    path: str
    start: float
    lower: float
    upper: float
    source: str = ""


@dataclass(frozen=True)
class Target:
    """A published figure and the model statistic compared with it."""

    statistic: str
    year: int
    value: float
    source: str
    fit: bool = True
    weight: float = 1.0
    tolerance: float = 0.05
    note: str = ""
    name: str = ""
    overrides: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.statistic} {self.year}" + (f" ({self.name})" if self.name else "")


@dataclass(frozen=True)
class OutOfSample:
    """A rule change applied to the calibrated scenario, compared with the next year's data.

    ``reform``: scenario with the new rules (its own file and overrides; the fitted
    parameters and ``scenario_overrides`` are applied on top). ``counterfactual``: the old
    rules projected into the new year (trend only). ``targets`` are figures of ``year``; the
    change is measured from ``base_year`` (the calibration year).
    """

    name: str
    reform: Path
    reform_overrides: tuple[str, ...]
    counterfactual: Path
    counterfactual_overrides: tuple[str, ...]
    base_year: int
    year: int
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Sample:
    insured: int | None = 200_000
    paths: int = 4
    seed: int = 20240101
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetsFile:
    """A parsed, validated targets file."""

    path: Path
    name: str
    scenario: Path
    output: Path | None
    description: str
    scenario_overrides: tuple[str, ...]
    sample: Sample
    tolerance: float
    max_evaluations: int
    parameters: tuple[Parameter, ...]
    targets: tuple[Target, ...]
    out_of_sample: tuple[OutOfSample, ...] = field(default_factory=tuple)
    conflicts: str = ""

    @property
    def fitted_targets(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.fit)

    def sample_overrides(self) -> list[str]:
        """Overrides of the fitting run (after ``scenario_overrides``)."""
        out = list(self.sample.overrides)
        if self.sample.insured is not None:
            out.append(f"population.insured={self.sample.insured}")
        return out


_TOP = {"name", "scenario", "output", "description", "scenario_overrides", "sample",
        "tolerance", "max_evaluations", "parameters", "targets", "out_of_sample", "conflicts"}


class _Checker:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[tuple[str, str]] = []

    def bad(self, where: str, msg: str) -> None:
        self.problems.append((where, msg))

    def keys(self, data, allowed: set[str], required: set[str], where: str) -> bool:
        if not isinstance(data, dict):
            self.bad(where, f"must be a mapping, got {type(data).__name__}")
            return False
        for k in data:
            if k not in allowed:
                self.bad(f"{where}.{k}".lstrip("."), f"unknown field (allowed: {sorted(allowed)})")
        for k in sorted(required - set(data)):
            self.bad(f"{where}.{k}".lstrip("."), "required field missing")
        return True

    def number(self, data: dict, key: str, where: str, default=None, positive=False):
        value = data.get(key, default)
        name = f"{where}.{key}".lstrip(".")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.bad(name, f"must be a finite number, got {value!r}")
            return float("nan") if default is None else float(default)
        if positive and value <= 0:
            self.bad(name, f"must be > 0, got {value!r}")
        return float(value)

    def integer(self, data: dict, key: str, where: str, default, minimum=0):
        value = data.get(key, default)
        name = f"{where}.{key}".lstrip(".")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.bad(name, f"must be an integer >= {minimum}, got {value!r}")
            return default
        return value

    def text(self, data: dict, key: str, where: str, default: str | None = "") -> str:
        value = data.get(key, default)
        if value is None or not isinstance(value, str):
            self.bad(f"{where}.{key}".lstrip("."), f"must be a string, got {value!r}")
            return ""
        return value.strip()

    def assignments(self, data: dict, key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        name = f"{where}.{key}".lstrip(".")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad(name, "must be a list of 'dotted.path=value' strings")
            return ()
        for i, text in enumerate(value):
            try:
                parse_assignment(text)
            except SimiInputError as exc:
                self.bad(f"{name}[{i}]", "; ".join(m for _, m in exc.problems))
        return tuple(value)

    def file(self, base: Path, data: dict, key: str, where: str, required=True) -> Path | None:
        value = data.get(key)
        name = f"{where}.{key}".lstrip(".")
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            self.bad(name, "must be a file path (relative to the targets file)")
            return None
        path = Path(os.path.normpath(base / value))
        if key != "output" and not path.is_file():
            self.bad(name, f"file not found: {path}")
        return path


def _targets(c: _Checker, items, where: str, tolerance: float) -> tuple[Target, ...]:
    out = []
    if not isinstance(items, list) or not items:
        c.bad(where, "must be a non-empty list of targets")
        return ()
    allowed = {"statistic", "year", "value", "source", "fit", "weight", "tolerance", "note",
               "name", "overrides"}
    for i, item in enumerate(items):
        w = f"{where}[{i}]"
        if not c.keys(item, allowed, {"statistic", "year", "value", "source"}, w):
            continue
        stat = item.get("statistic")
        if stat not in STATISTICS:
            c.bad(f"{w}.statistic", f"unknown statistic {stat!r} (known: {sorted(STATISTICS)})")
        value = c.number(item, "value", w)
        if value == 0:
            c.bad(f"{w}.value", "must be non-zero (errors are relative)")
        fit = item.get("fit", True)
        if not isinstance(fit, bool):
            c.bad(f"{w}.fit", f"must be true or false, got {fit!r}")
        out.append(Target(
            statistic=str(stat), year=c.integer(item, "year", w, 0, minimum=1900) or 0,
            value=value, source=c.text(item, "source", w), fit=bool(fit),
            weight=c.number(item, "weight", w, 1.0, positive=True),
            tolerance=c.number(item, "tolerance", w, tolerance, positive=True),
            note=c.text(item, "note", w), name=c.text(item, "name", w),
            overrides=c.assignments(item, "overrides", w)))
    return tuple(out)


def read_targets(path: str | Path) -> TargetsFile:
    """Read and validate a targets file; raises :class:`TargetsError` listing every problem."""
    from ..errors import ScenarioError

    path = Path(path)
    try:
        data = load_yaml_file(path)
    except ScenarioError as exc:
        raise TargetsError(str(path), exc.problems) from None
    c = _Checker(str(path))
    if not c.keys(data, _TOP, {"name", "scenario", "parameters", "targets"}, ""):
        raise TargetsError(str(path), c.problems)
    base = path.parent
    tol = c.number(data, "tolerance", "", 0.05, positive=True)
    sample_data = data.get("sample", {})
    sample = Sample()
    if c.keys(sample_data, {"insured", "paths", "seed", "overrides"}, set(), "sample"):
        sample = Sample(insured=c.integer(sample_data, "insured", "sample", 200_000, minimum=1),
                        paths=c.integer(sample_data, "paths", "sample", 4, minimum=1),
                        seed=c.integer(sample_data, "seed", "sample", 20240101),
                        overrides=c.assignments(sample_data, "overrides", "sample"))
    params = []
    items = data.get("parameters")
    if not isinstance(items, list):
        c.bad("parameters", "must be a list of {path, start, lower, upper}")
        items = []
    for i, item in enumerate(items):
        w = f"parameters[{i}]"
        if not c.keys(item, {"path", "start", "lower", "upper", "source"},
                      {"path", "start", "lower", "upper"}, w):
            continue
        p = Parameter(path=c.text(item, "path", w), start=c.number(item, "start", w),
                      lower=c.number(item, "lower", w), upper=c.number(item, "upper", w),
                      source=c.text(item, "source", w))
        if not p.lower < p.upper:
            c.bad(w, f"lower ({p.lower}) must be below upper ({p.upper})")
        elif not p.lower <= p.start <= p.upper:
            c.bad(f"{w}.start", f"{p.start} is outside [{p.lower}, {p.upper}]")
        params.append(p)
    if len({p.path for p in params}) != len(params):
        c.bad("parameters", "a path is listed twice")
    targets = _targets(c, data.get("targets"), "targets", tol)
    n_fit = sum(t.fit for t in targets)
    if params and n_fit < len(params):
        c.bad("targets", f"{n_fit} fitted target(s) for {len(params)} parameter(s): the fit "
              "is not identified (add targets or mark fewer as fit: false)")
    oos = []
    items = data.get("out_of_sample", [])
    if not isinstance(items, list):
        c.bad("out_of_sample", "must be a list")
        items = []
    for i, item in enumerate(items):
        w = f"out_of_sample[{i}]"
        allowed = {"name", "reform", "reform_overrides", "counterfactual",
                   "counterfactual_overrides", "base_year", "year", "targets"}
        if not c.keys(item, allowed, {"name", "reform", "counterfactual", "base_year", "year",
                                       "targets"}, w):
            continue
        oos.append(OutOfSample(
            name=c.text(item, "name", w), reform=c.file(base, item, "reform", w),
            reform_overrides=c.assignments(item, "reform_overrides", w),
            counterfactual=c.file(base, item, "counterfactual", w),
            counterfactual_overrides=c.assignments(item, "counterfactual_overrides", w),
            base_year=c.integer(item, "base_year", w, 0, minimum=1900) or 0,
            year=c.integer(item, "year", w, 0, minimum=1900) or 0,
            targets=_targets(c, item.get("targets"), f"{w}.targets", tol)))
        for j, t in enumerate(oos[-1].targets):
            if t.overrides:
                c.bad(f"{w}.targets[{j}].overrides", "not allowed out of sample (use "
                      "reform_overrides)")
    name = c.text(data, "name", "")
    if name and not name.replace("_", "a").isalnum():
        c.bad("name", f"must be a scenario name ([a-z][a-z0-9_]*), got {name!r}")
    result = TargetsFile(
        path=path, name=name, scenario=c.file(base, data, "scenario", ""),
        output=c.file(base, data, "output", "", required=False),
        description=c.text(data, "description", ""),
        scenario_overrides=c.assignments(data, "scenario_overrides", ""),
        sample=sample, tolerance=tol,
        max_evaluations=c.integer(data, "max_evaluations", "", 60, minimum=1),
        parameters=tuple(params), targets=targets, out_of_sample=tuple(oos),
        conflicts=c.text(data, "conflicts", ""))
    if c.problems:
        raise TargetsError(str(path), c.problems)
    return result
