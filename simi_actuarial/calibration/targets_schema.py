"""Pydantic schema of a targets file (validation only; :mod:`.targets` builds the
:class:`~.targets.TargetsFile` from it). Strict like the scenario schema: unknown keys are
errors, no silent type coercion; every problem is reported with its dotted field path."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, field_validator

from ..errors import SimiInputError
from ..scenario.base import StrictModel
from ..scenario.overrides import parse_assignment
from .statistics import STATISTICS

Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Year = Annotated[int, Field(ge=1900, le=2200)]


def _assignments(values: list[str]) -> list[str]:
    for i, text in enumerate(values):
        try:
            parse_assignment(text)
        except SimiInputError as exc:
            raise ValueError(f"[{i}] " + "; ".join(m for _, m in exc.problems)) from None
    return values


class ParameterIn(StrictModel):
    """A fitted scenario field: dotted path, bounds, start value inside them."""

    path: str
    lower: Finite
    upper: Finite
    start: Finite
    source: str = ""
    identified_by: list[str] = Field(default_factory=list)

    @field_validator("identified_by")
    @classmethod
    def _known_statistics(cls, v):
        unknown = [s for s in v if s not in STATISTICS]
        if unknown:
            raise ValueError(f"unknown statistic(s) {unknown} (known: {sorted(STATISTICS)})")
        return v

    @field_validator("upper")
    @classmethod
    def _above_lower(cls, v, info):
        lower = info.data.get("lower")
        if lower is not None and not lower < v:
            raise ValueError(f"lower ({lower}) must be below upper ({v})")
        return v

    @field_validator("start")
    @classmethod
    def _inside(cls, v, info):
        lo, hi = info.data.get("lower"), info.data.get("upper")
        if lo is not None and hi is not None and not lo <= v <= hi:
            raise ValueError(f"{v} is outside [{lo}, {hi}]")
        return v


class TargetIn(StrictModel):
    """A published figure, the statistic compared with it and how it enters the fit."""

    statistic: str
    year: Year
    value: Finite
    source: str
    fit: bool = True
    weight: Positive = 1.0
    tolerance: Positive | None = None
    sd: Positive | None = None
    note: str = ""
    name: str = ""
    overrides: list[str] = Field(default_factory=list)

    @field_validator("statistic")
    @classmethod
    def _known(cls, v):
        if v not in STATISTICS:
            raise ValueError(f"unknown statistic {v!r} (known: {sorted(STATISTICS)})")
        return v

    @field_validator("value")
    @classmethod
    def _non_zero(cls, v):
        if v == 0 or not math.isfinite(v):
            raise ValueError("must be non-zero (errors are relative)")
        return v

    _overrides = field_validator("overrides")(classmethod(lambda cls, v: _assignments(v)))


class SampleIn(StrictModel):
    """Settings of the fitting run (not written to the calibrated scenario)."""

    insured: Annotated[int, Field(ge=1)] | None = 200_000
    paths: Annotated[int, Field(ge=1)] = 4
    seed: Annotated[int, Field(ge=0)] = 20240101
    overrides: list[str] = Field(default_factory=list)

    _overrides = field_validator("overrides")(classmethod(lambda cls, v: _assignments(v)))


class TargetsIn(StrictModel):
    """A targets file (see :mod:`.targets` for the format)."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    scenario: str
    output: str | None = None
    description: str = ""
    scenario_overrides: list[str] = Field(default_factory=list)
    sample: SampleIn = Field(default_factory=SampleIn)
    tolerance: Positive = 0.05
    max_evaluations: Annotated[int, Field(ge=1)] = 60
    rolling_origin: bool = False
    parameters: list[ParameterIn]
    targets: list[TargetIn]
    conflicts: str = ""

    @field_validator("targets")
    @classmethod
    def _some(cls, v):
        if not v:
            raise ValueError("must be a non-empty list")
        return v

    _overrides = field_validator("scenario_overrides")(
        classmethod(lambda cls, v: _assignments(v)))
