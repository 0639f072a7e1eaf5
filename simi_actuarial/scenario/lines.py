"""Resolution of SIMI starting lines, fixed or indexed to disposable income."""

from __future__ import annotations

import math

from .base import value_at
from .fund_schema import EconomyConfig
from .rules_schema import IndexedLine, SimiSchedule


def round_to_multiple(x: float, step: float) -> float:
    """Round half up to the nearest multiple of ``step`` (no rounding when step is 0)."""
    if step <= 0:
        return x
    return math.floor(x / step + 0.5) * step


def indexed_line(spec: IndexedLine, year: int, economy: EconomyConfig) -> float:
    """factor × income(year − lag), rounded, then bounded by floor and cap."""
    line = round_to_multiple(spec.factor * economy.income(spec.series, year - spec.lag), spec.round_to)
    line = max(line, spec.floor)
    if spec.cap is not None:
        line = min(line, spec.cap)
    return line


def starting_line(schedule: SimiSchedule, year: int, economy: EconomyConfig) -> float:
    """The starting line (CNY of annual in-scope out-of-pocket) in force in ``year``."""
    line = value_at(schedule.starting_line, year)
    if hasattr(line, "indexed"):
        return indexed_line(line.indexed, year, economy)
    return float(line)
