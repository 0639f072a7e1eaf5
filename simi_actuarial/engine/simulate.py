"""Orchestration of a Monte Carlo run: resolve parameters once, then process batches of
paths through the compiled kernel and keep only per path-year tallies.

Results depend only on the scenario and the seed: paths are numbered 0..P-1 and every
random number is keyed by (seed, path, year, cell), so batch size, thread count and the
executor that runs a batch do not change a single bit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numba
import numpy as np

from ..interrupts import deferred, raise_if_requested
from ..scenario.schema import Scenario
from .counts import draw_counts
from .inputs import Batch, Cells, KernelInputs
from .kernel import simulate_claims
from .model import ResolvedModel, resolve_model
from .proxy.design import ProxyDesign
from .proxy.evaluate import evaluate_paths
from .proxy.moments import ProxyTables, build_tables
from .systematic import SystematicFactors, draw_systematic
from .tallies import N_HIST, N_TALLIES, TALLY_NAMES


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
    m = model.morbidity
    paths, fac = systematic_factors(model, seed, first_path, n_paths)
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
        claims=model.claim_laws(), che=model.che_inputs(), rules=model.rules.rule_arrays(),
    )
    return inputs, fac


def systematic_factors(model: ResolvedModel, seed: int, first_path: int,
                       n_paths: int) -> tuple[np.ndarray, SystematicFactors]:
    """Path numbers ``first_path .. first_path + n_paths - 1`` and their systematic factors
    (identical for both engines)."""
    sc = model.scenario
    paths = np.arange(first_path, first_path + n_paths, dtype=np.int64)
    return paths, draw_systematic(sc.risk, seed, paths, model.years, sc.morbidity.base_year)


def run_batch(model: ResolvedModel, seed: int, first_path: int, n_paths: int,
              kernel=None) -> BatchResult:
    """Simulate paths ``first_path .. first_path + n_paths - 1``.

    With ``model.proxy`` set (``engine="proxy"``) the paths' tallies come from the proxy's
    tables (:func:`~simi_actuarial.engine.proxy.evaluate.evaluate_paths`); otherwise from
    the claims kernel: ``kernel`` (default: the CPU :func:`simulate_claims`; the CUDA
    backend passes :func:`~simi_actuarial.engine.cuda_backend.simulate_claims_cuda`)."""
    t0 = time.perf_counter()
    if model.proxy is not None:
        paths, fac = systematic_factors(model, seed, first_path, n_paths)
        tallies, hist = evaluate_paths(model.proxy, seed, paths, model.years, fac)
    else:
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
    engine: str = "micro"
    #: the proxy's tables (``engine="proxy"``), for the manifest and ``--check-micro``
    proxy: ProxyTables | None = None


#: The engines of :func:`simulate_raw`.
ENGINES = ("micro", "proxy")
#: Paths per batch of the proxy when none is given (a proxy path takes microseconds: the
#: microsimulation's batches of a few paths would make checkpoints of ~8 KB per path).
PROXY_BATCH_PATHS = 5000


def default_batch_paths(scenario: Scenario, engine: str) -> int:
    """Paths per batch when none is given: the scenario's for the microsimulation,
    :data:`PROXY_BATCH_PATHS` for the proxy."""
    return PROXY_BATCH_PATHS if engine == "proxy" else scenario.simulation.batch_paths


def simulate_raw(scenario: Scenario, paths: int, seed: int, threads: int | None = None,
                 batch_paths: int | None = None, progress=None, executor=None,
                 engine: str = "micro", design: ProxyDesign | None = None,
                 build_progress=None) -> RawRun:
    """Run all batches (locally, or via ``executor(model, seed, batch_list)``).

    ``engine="micro"`` simulates every claimant; ``engine="proxy"`` first estimates the
    proxy's tables with the same kernel (``design``, default :class:`ProxyDesign`;
    ``build_progress(fraction)`` while it does), then evaluates every path from them."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    t0 = time.perf_counter()
    if threads is not None:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    model = resolve_model(scenario)
    if engine == "proxy":
        with deferred():  # the inner simulations run the kernel (see interrupts)
            tables = build_tables(model, seed, design or ProxyDesign(), progress=build_progress)
        model = replace(model, proxy=tables)
    Y = len(model.years)
    tallies = np.zeros((paths, Y, N_TALLIES))
    hist = np.zeros((Y, N_HIST))
    cost_index = np.zeros((paths, Y))
    util = np.zeros((paths, Y))
    plan = batches(paths, batch_paths or default_batch_paths(scenario, engine))
    results = (executor(model, seed, plan) if executor is not None
               else (run_batch(model, seed, s, n) for s, n in plan))
    with deferred():  # Ctrl-C takes effect between batches (see interrupts)
        _collect(model, results, tallies, hist, cost_index, util, progress)
    return RawRun(model=model, seed=seed, tallies=tallies, hist=hist, cost_index=cost_index,
                  utilisation=util, seconds=time.perf_counter() - t0,
                  threads=numba.get_num_threads(), engine=engine, proxy=model.proxy)


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
