"""A scenario resolved into the arrays every engine takes: population cells, morbidity,
rules, catastrophic-expenditure capacity (built once per run)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ScenarioError
from ..morbidity.resolve import resolve_morbidity
from ..population.projection import project_population
from ..population.structure import national_reference_structure
from ..rules.arrays import resolve_rules
from ..scenario.schema import Scenario
from .cells import build_cells
from .inputs import Che, ClaimLaws


@dataclass(frozen=True)
class ResolvedModel:
    """Everything a batch needs, as arrays (built once per run)."""

    scenario: Scenario
    years: np.ndarray
    cells: object
    rules: object
    morbidity: object
    population: object
    che_capacity: np.ndarray
    group_special: np.ndarray
    #: the proxy engine's tables (:class:`~simi_actuarial.engine.proxy.moments.ProxyTables`)
    #: when the run uses ``engine="proxy"``; None for the microsimulation
    proxy: object = None

    def claim_laws(self) -> ClaimLaws:
        """The claim distributions as the kernel takes them."""
        return ClaimLaws(**{k: getattr(self.morbidity, k) for k in ClaimLaws._fields})

    def che_inputs(self) -> Che:
        """Catastrophic-expenditure inputs as the kernel takes them."""
        che = self.scenario.che
        return Che(capacity=self.che_capacity, threshold=che.threshold,
                   sd=che.income_dispersion_sd)


def resolve_model(scenario: Scenario) -> ResolvedModel:
    """Resolve population, morbidity, rules and economy into arrays."""
    years = np.array(scenario.years, dtype=np.int64)
    pop = project_population(scenario.population, int(years[0]), len(years))
    rules = resolve_rules(scenario)
    # National utilisation (admissions per insured, 60+ rate) refers to the national age
    # structure: calibrate there, so that an older scenario population costs more.
    morb = resolve_morbidity(scenario.morbidity, list(scenario.hospital_levels),
                             national_reference_structure())
    cells = build_cells(pop.insured, rules.group_share)
    _check_cell_rounding(pop.insured.sum(axis=(1, 2)), cells.insured.sum(axis=1), years)
    che = scenario.che
    if che.income_series not in scenario.economy.income_series():
        raise ScenarioError("scenario", [("che.income_series", f"unknown series '{che.income_series}'")])
    capacity = np.array([che.capacity_multiple * scenario.economy.income(che.income_series, int(y))
                         for y in years])
    special = np.array([scenario.simi.schedules[g.simi_schedule].special
                        for g in scenario.groups.values()], dtype=np.bool_)
    return ResolvedModel(scenario=scenario, years=years, cells=cells, rules=rules,
                         morbidity=morb, population=pop, che_capacity=capacity,
                         group_special=special)


#: Largest accepted change of the insured total from rounding cells to whole persons.
MAX_CELL_ROUNDING = 0.01


def _check_cell_rounding(expected: np.ndarray, rounded: np.ndarray, years: np.ndarray) -> None:
    """Refuse a population too small to spread over the age x sex x group cells: rounding
    each cell to whole persons would silently simulate a different population (7 insured
    round to 0 persons, 500 to about 465)."""
    dev = np.abs(rounded - expected) / np.maximum(expected, 1.0)
    if (dev > MAX_CELL_ROUNDING).any():
        i = int(np.argmax(dev))
        raise ScenarioError("scenario", [("population.insured", (
            f"too small for the model's cells: in {int(years[i])} the {expected[i]:,.1f} "
            f"insured spread over single ages x sexes x groups round to {int(rounded[i]):,} "
            f"whole persons ({dev[i]:.1%} off; at most {MAX_CELL_ROUNDING:.0%} accepted); "
            "use at least a few thousand insured"))])
