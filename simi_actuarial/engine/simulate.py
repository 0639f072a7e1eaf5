"""Orchestration of a Monte Carlo run: resolve parameters once, then process batches of
paths through the compiled kernel and keep only per path-year tallies.

Results depend only on the scenario and the seed: paths are numbered 0..P-1 and every
random number is keyed by (seed, path, year, cell), so batch size, thread count and the
executor that runs a batch do not change a single bit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numba
import numpy as np

from ..errors import ScenarioError
from ..interrupts import deferred, raise_if_requested
from ..morbidity.resolve import resolve_morbidity
from ..population.projection import project_population
from ..population.structure import national_reference_structure
from ..rules.arrays import resolve_rules
from ..scenario.schema import Scenario
from .cells import build_cells
from .counts import draw_counts
from .inputs import Batch, Cells, Che, ClaimLaws, KernelInputs
from .kernel import simulate_claims
from .systematic import SystematicFactors, draw_systematic
from .tallies import N_HIST, N_TALLIES, TALLY_NAMES


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


@dataclass
class BatchResult:
    """Tallies of a batch of consecutive paths."""

    first_path: int
    tallies: np.ndarray      # (P_b, Y, N_TALLIES)
    hist: np.ndarray         # (P_b, Y, N_HIST)
    cost_index: np.ndarray   # (P_b, Y)
    utilisation: np.ndarray  # (P_b, Y)
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def kernel_inputs(model: ResolvedModel, seed: int, first_path: int,
                  n_paths: int) -> tuple[KernelInputs, SystematicFactors]:
    """Inputs of :func:`simulate_claims` for paths ``first_path .. first_path + n_paths - 1``
    (systematic factors and claimant counts drawn), and the systematic factors."""
    sc = model.scenario
    m = model.morbidity
    paths = np.arange(first_path, first_path + n_paths, dtype=np.int64)
    fac = draw_systematic(sc.risk, seed, paths, model.years, sc.morbidity.base_year)
    cells = model.cells
    hosp = m.hosp_prob[cells.age, cells.sex]  # (C,)
    hosp_prob = np.minimum(fac.utilisation[:, :, None] * hosp[None, None, :], 1.0)
    os_prob = np.broadcast_to(m.os_prob[cells.age, cells.sex], cells.insured.shape)
    both, hosp_only, os_only = draw_counts(seed, paths, model.years, cells.insured,
                                           hosp_prob, os_prob)
    inputs = KernelInputs(
        batch=Batch(seed=np.uint64(seed), paths=paths, years=model.years, both=both,
                    hosp_only=hosp_only, os_only=os_only, cost_index=fac.cost_index),
        cells=Cells(age=cells.age, group=cells.group, group_special=model.group_special),
        claims=ClaimLaws(**{k: getattr(m, k) for k in ClaimLaws._fields}),
        che=Che(capacity=model.che_capacity, threshold=sc.che.threshold,
                sd=sc.che.income_dispersion_sd),
        rules=model.rules.rule_arrays(),
    )
    return inputs, fac


def run_batch(model: ResolvedModel, seed: int, first_path: int, n_paths: int,
              kernel=None) -> BatchResult:
    """Simulate paths ``first_path .. first_path + n_paths - 1``.

    ``kernel``: the claims kernel (default: the CPU :func:`simulate_claims`; the CUDA backend
    passes :func:`~simi_actuarial.engine.cuda_backend.simulate_claims_cuda`)."""
    t0 = time.perf_counter()
    inputs, fac = kernel_inputs(model, seed, first_path, n_paths)
    tallies, hist = (kernel or simulate_claims)(inputs)
    return BatchResult(first_path=first_path, tallies=tallies, hist=hist,
                       cost_index=fac.cost_index, utilisation=fac.utilisation,
                       seconds=time.perf_counter() - t0)


def batches(n_paths: int, batch_paths: int) -> list[tuple[int, int]]:
    """(first_path, n_paths) of each batch."""
    return [(s, min(batch_paths, n_paths - s)) for s in range(0, n_paths, batch_paths)]


@dataclass
class RawRun:
    """Per path-year tallies of a whole run, before fund accounting."""

    model: ResolvedModel
    seed: int
    tallies: np.ndarray
    hist: np.ndarray
    cost_index: np.ndarray
    utilisation: np.ndarray
    seconds: float
    threads: int


def simulate_raw(scenario: Scenario, paths: int, seed: int, threads: int | None = None,
                 batch_paths: int | None = None, progress=None, executor=None) -> RawRun:
    """Run all batches (locally, or via ``executor(model, seed, batch_list)``)."""
    t0 = time.perf_counter()
    if threads is not None:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    model = resolve_model(scenario)
    Y = len(model.years)
    tallies = np.zeros((paths, Y, N_TALLIES))
    hist = np.zeros((Y, N_HIST))
    cost_index = np.zeros((paths, Y))
    util = np.zeros((paths, Y))
    plan = batches(paths, batch_paths or scenario.simulation.batch_paths)
    results = (executor(model, seed, plan) if executor is not None
               else (run_batch(model, seed, s, n) for s, n in plan))
    with deferred():  # Ctrl-C takes effect between batches (see interrupts)
        _collect(model, results, tallies, hist, cost_index, util, progress)
    return RawRun(model=model, seed=seed, tallies=tallies, hist=hist, cost_index=cost_index,
                  utilisation=util, seconds=time.perf_counter() - t0,
                  threads=numba.get_num_threads())


def _collect(model, results, tallies, hist, cost_index, util, progress) -> None:
    """Copy each finished batch into the run's arrays (a SIGINT is raised between them)."""
    for res in results:
        raise_if_requested()
        if not np.isfinite(res.tallies).all():
            bad = np.argwhere(~np.isfinite(res.tallies))[0]
            raise FloatingPointError(
                f"non-finite tally {TALLY_NAMES[bad[2]]} in path {res.first_path + bad[0]}, "
                f"year {int(model.years[bad[1]])}: check extreme cost or trend settings")
        sl = slice(res.first_path, res.first_path + res.tallies.shape[0])
        tallies[sl] = res.tallies
        hist += res.hist.sum(axis=0)
        cost_index[sl] = res.cost_index
        util[sl] = res.utilisation
        if progress is not None:
            progress(res.tallies.shape[0])
