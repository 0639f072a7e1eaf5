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
      - {path: morbidity.extra_admissions_shape, start: 0.25, lower: 0.005, upper: 2.0,
         identified_by: [simi_per_simi_episode]}   # held at start in fits without these
    targets:
      - {statistic: simi_per_insured, year: 2020, value: 70.48, source: "..."}
      - {statistic: simi_actual_payment_ratio, year: 2020, value: 0.55, fit: false,
         note: "definition differs", name: "Jiang (2024)"}  # reported, not fitted; name: label
      - {statistic: che_rate, year: 2016, value: 0.0314, name: "after BMI only",
         overrides: ["simi.schedules.general.starting_line=1000000000"]}  # own run, extra overrides
    rolling_origin: true              # backtest: refit on years <= t, predict t+1 (backtest.py)
    conflicts: "text"                 # data conflicts and which source is used

A target may state ``sd``, the relative uncertainty (1 sd) of the published figure (default
``tolerance / 2``); it weighs nothing in the fit but sets the fitted parameters' covariance
(fit.py), which calibrated scenarios carry as parameter uncertainty. Targets of several
years in one file make a joint fit: one parameter set, one run over all the years.

Validated by the pydantic schema in :mod:`.targets_schema`; errors name the field and the
problem (:class:`TargetsError`, exit 2 in the CLI).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..errors import SimiInputError
from ..scenario.yaml_io import load_yaml_file
from .targets_schema import TargetsIn


class TargetsError(SimiInputError):
    """A calibration targets file is invalid."""


@dataclass(frozen=True)
class Parameter:
    """A scenario field fitted by calibration (dotted path, start value, bounds).

    ``identified_by``: statistics that identify the parameter (empty: any). A fit whose
    fitted targets include none of them (a rolling-origin fit on early years) holds the
    parameter at its start value instead of letting it drift on figures that do not
    inform it."""

    path: str
    start: float
    lower: float
    upper: float
    source: str = ""
    identified_by: tuple[str, ...] = ()


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
    #: stated relative uncertainty (1 sd) of the published figure; default tolerance / 2
    sd: float = 0.025

    @property
    def label(self) -> str:
        return f"{self.statistic} {self.year}" + (f" ({self.name})" if self.name else "")


@dataclass(frozen=True)
class Sample:
    insured: int | None = 200_000
    paths: int = 4
    seed: int = 20240101
    overrides: tuple[str, ...] = ()
    #: engine of the fitting runs (``simi calibrate --engine``; not read from the file):
    #: "proxy" fits the proxy's conditional mean without process noise (fit.py)
    engine: str = "micro"


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
    conflicts: str = ""
    rolling_origin: bool = False

    @property
    def fitted_targets(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.fit)

    def sample_overrides(self) -> list[str]:
        """Overrides of the fitting run (after ``scenario_overrides``)."""
        out = list(self.sample.overrides)
        if self.sample.insured is not None:
            out.append(f"population.insured={self.sample.insured}")
        return out


def _path(base: Path, value: str) -> Path:
    return Path(os.path.normpath(base / value))


def read_targets(path: str | Path) -> TargetsFile:
    """Read and validate a targets file (:mod:`.targets_schema`); raises
    :class:`TargetsError` listing every problem with its dotted field path."""
    from ..errors import ScenarioError
    from ..scenario.loader import format_validation_errors

    path = Path(path)
    try:
        data = load_yaml_file(path)
    except ScenarioError as exc:
        raise TargetsError(str(path), exc.problems) from None
    if not isinstance(data, dict):
        raise TargetsError(str(path), [("", f"must be a mapping, got {type(data).__name__}")])
    problems: list[tuple[str, str]] = []
    try:
        doc = TargetsIn.model_validate(data)
    except ValidationError as exc:
        problems = format_validation_errors(exc, data)
        scenario = data.get("scenario")
        if isinstance(scenario, str) and not _path(path.parent, scenario).is_file():
            problems.append(("scenario", f"file not found: {_path(path.parent, scenario)}"))
        raise TargetsError(str(path), problems) from None
    base = path.parent
    scenario = _path(base, doc.scenario)
    if not scenario.is_file():
        problems.append(("scenario", f"file not found: {scenario}"))
    if len({p.path for p in doc.parameters}) != len(doc.parameters):
        problems.append(("parameters", "a path is listed twice"))
    n_fit = sum(t.fit for t in doc.targets)
    if doc.parameters and n_fit < len(doc.parameters):
        problems.append(("targets", f"{n_fit} fitted target(s) for {len(doc.parameters)} "
                         "parameter(s): the fit is not identified (add targets or mark fewer "
                         "as fit: false)"))
    if problems:
        raise TargetsError(str(path), problems)
    targets = []
    for t in doc.targets:
        tol = t.tolerance if t.tolerance is not None else doc.tolerance
        targets.append(Target(
            statistic=t.statistic, year=t.year, value=t.value, source=t.source.strip(),
            fit=t.fit, weight=t.weight, tolerance=tol,
            sd=t.sd if t.sd is not None else tol / 2, note=t.note.strip(), name=t.name.strip(),
            overrides=tuple(t.overrides)))
    s = doc.sample
    return TargetsFile(
        path=path, name=doc.name, scenario=scenario,
        output=_path(base, doc.output) if doc.output else None,
        description=doc.description.strip(), scenario_overrides=tuple(doc.scenario_overrides),
        sample=Sample(insured=s.insured, paths=s.paths, seed=s.seed,
                      overrides=tuple(s.overrides)),
        tolerance=doc.tolerance, max_evaluations=doc.max_evaluations,
        parameters=tuple(Parameter(path=q.path.strip(), start=q.start, lower=q.lower,
                                   upper=q.upper, source=q.source.strip(),
                                   identified_by=tuple(q.identified_by))
                         for q in doc.parameters),
        targets=tuple(targets), conflicts=doc.conflicts.strip(),
        rolling_origin=doc.rolling_origin)
