"""The root scenario model and its whole-scenario consistency checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from .base import YEAR_MAX, YEAR_MIN, CrossFieldError, StrictModel, is_history, value_at
from .financing_rules_schema import rule_year_problems
from .fund_schema import EconomyConfig, FinancingConfig, FundConfig
from .lines import starting_line
from .model_schema import CheConfig, RiskConfig, SimulationConfig
from .morbidity_schema import MorbidityConfig
from .population_schema import PopulationConfig
from .rules_schema import AssistanceScheme, BmiRules, Group, LevelName, Name, SimiRules


class Horizon(StrictModel):
    """Projection years: ``start_year`` .. ``start_year + years - 1``."""

    start_year: Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
    years: Annotated[int, Field(ge=1, le=100)] = 1

    @property
    def year_list(self) -> list[int]:
        return list(range(self.start_year, self.start_year + self.years))


class Scenario(StrictModel):
    """A complete, validated scenario. Build one with :func:`simi_actuarial.load_scenario`."""

    name: Name
    description: str = ""
    horizon: Horizon
    hospital_levels: list[LevelName] = Field(min_length=1)
    bmi: BmiRules
    simi: SimiRules
    groups: dict[Name, Group] = Field(min_length=1)
    assistance: dict[Name, AssistanceScheme] = Field(default_factory=dict)
    economy: EconomyConfig = Field(default_factory=EconomyConfig)
    financing: FinancingConfig | None = None
    fund: FundConfig = Field(default_factory=FundConfig)
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    morbidity: MorbidityConfig = Field(default_factory=MorbidityConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    che: CheConfig = Field(default_factory=CheConfig)
    simulation: SimulationConfig = Field(default_factory=SimulationConfig)

    @property
    def years(self) -> list[int]:
        return self.horizon.year_list

    @model_validator(mode="after")
    def _cross_checks(self):
        problems = list(_cross_field_problems(self))
        if problems:
            raise CrossFieldError(problems)
        return self


def _walk_histories(obj, path: str) -> Iterator[tuple[str, dict]]:
    """Every year-keyed history inside a model, with its dotted path."""
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _walk_histories(getattr(obj, name), f"{path}.{name}" if path else name)
    elif isinstance(obj, dict):
        if is_history(obj):
            yield path, obj
            for year, v in obj.items():
                yield from _walk_histories(v, f"{path}.{year}")
        else:
            for k, v in obj.items():
                yield from _walk_histories(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk_histories(v, f"{path}[{i}]")


def _cross_field_problems(s: Scenario) -> Iterator[tuple[str, str]]:
    levels = list(dict.fromkeys(s.hospital_levels))
    if len(levels) != len(s.hospital_levels):
        yield "hospital_levels", "levels must be unique"
    start, end = s.horizon.start_year, s.years[-1]

    for path, hist in _walk_histories(s, ""):
        for year in hist:
            if not YEAR_MIN <= year <= YEAR_MAX:
                yield path, f"year {year} outside {YEAR_MIN}..{YEAR_MAX}"
        if min(hist) > start:
            yield path, f"history starts in {min(hist)}, after the horizon start {start}"

    for field in ("deductible", "rate"):
        table = getattr(s.bmi, field)
        for lvl in levels:
            if lvl not in table:
                yield f"bmi.{field}", f"no value for hospital level '{lvl}'"
        for lvl in table:
            if lvl not in levels:
                yield f"bmi.{field}.{lvl}", f"level not in hospital_levels {levels}"
    for cname, cat in s.bmi.categories.items():
        for field in ("deductible", "rate"):
            for lvl in getattr(cat, field) or {}:
                if lvl not in levels:
                    yield f"bmi.categories.{cname}.{field}.{lvl}", "level not in hospital_levels"

    for gname, g in s.groups.items():
        if g.simi_schedule not in s.simi.schedules:
            yield f"groups.{gname}.simi_schedule", (
                f"unknown schedule '{g.simi_schedule}' (defined: {sorted(s.simi.schedules)})"
            )
        if g.bmi_category is not None and g.bmi_category not in s.bmi.categories:
            yield f"groups.{gname}.bmi_category", (
                f"unknown category '{g.bmi_category}' (defined: {sorted(s.bmi.categories)})"
            )
        if g.assistance is not None and g.assistance not in s.assistance:
            yield f"groups.{gname}.assistance", (
                f"unknown assistance scheme '{g.assistance}' (defined: {sorted(s.assistance)})"
            )

    series = s.economy.income_series()
    for sname, sched in s.simi.schedules.items():
        lines = sched.starting_line
        items = lines.items() if is_history(lines) else [(None, lines)]
        for _, line in items:
            if hasattr(line, "indexed") and line.indexed.series not in series:
                yield f"simi.schedules.{sname}.starting_line.indexed.series", (
                    f"unknown income series '{line.indexed.series}' (available: {sorted(series)})"
                )

    yield from rule_year_problems(s.financing, start, end)  # financing rules (issue 14)

    yearly: dict[str, list[str]] = {}
    for year in range(start, end + 1):
        try:
            total = sum(value_at(g.share, year) for g in s.groups.values())
        except KeyError:
            continue  # reported above as a history starting after the horizon start
        if abs(total - 1.0) > 1e-6:
            yearly.setdefault("groups", []).append(f"shares sum to {total:.6g} in {year}, expected 1")
        for path, msg in _special_line_problems(s, year):
            yearly.setdefault(path, []).append(msg)
    for path, msgs in yearly.items():
        more = f" (and in {len(msgs) - 1} later year(s))" if len(msgs) > 1 else ""
        yield path, msgs[0] + more


def _special_line_problems(s: Scenario, year: int) -> Iterator[tuple[str, str]]:
    """A special-group starting line must not exceed any general line in force."""
    try:
        lines = {n: starting_line(sc, year, s.economy) for n, sc in s.simi.schedules.items()}
    except (KeyError, ValueError):
        return
    general = {n: v for n, v in lines.items() if not s.simi.schedules[n].special}
    if not general:
        return
    lowest = min(general.values())
    for name, line in lines.items():
        if s.simi.schedules[name].special and line > lowest:
            yield f"simi.schedules.{name}.starting_line", (
                f"special-group line {line:g} exceeds the general line {lowest:g} in {year}"
            )
