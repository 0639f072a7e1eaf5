"""Throughput of the compiled claims kernel alone (inputs prepared beforehand).

The kernel's inputs (systematic factors, claimant counts) are drawn once by
:func:`simi_actuarial.engine.simulate.kernel_inputs`; only
:func:`~simi_actuarial.engine.kernel.simulate_claims` is timed (best of ``repeats``), so the
figure is the hot loop's, without population projection, counts or fund accounting.

Units: *claims* = admissions + outpatient special-disease cases (one cost variate each);
*claimants* = person-years with any claim; *person-years* = insured person-years simulated
(persons without a claim cost nothing, so this is claimants / claim rate).
"""

from __future__ import annotations

import time

import numba
import numpy as np

from simi_actuarial.engine.kernel import simulate_claims
from simi_actuarial.engine.model import resolve_model
from simi_actuarial.engine.simulate import kernel_inputs
from simi_actuarial.engine.tallies import T
from simi_actuarial.scenario.loader import load_scenario


def claims_of(tallies) -> float:
    """Claims in tallies (..., N_TALLIES): admissions plus outpatient special-disease cases
    (the suite's unit of ``claims_per_s``)."""
    return float(tallies[..., T["admissions"]].sum() + tallies[..., T["os_claimants"]].sum())


def prepare(scenario_path, insured: int, years: int, paths: int, seed: int = 1):
    """(model, kernel arguments) for a scenario at a population size."""
    sc = load_scenario(scenario_path, [f"population.insured={insured}", f"horizon.years={years}"])
    model = resolve_model(sc)
    inputs, _ = kernel_inputs(model, seed, 0, paths)
    return model, inputs


def time_kernel(inputs, threads: int | None = None, repeats: int = 3) -> dict:
    """Best-of-``repeats`` time of the kernel on ``inputs`` (``KernelInputs``) with
    ``threads`` numba threads."""
    if threads is not None:
        numba.set_num_threads(threads)
    best = np.inf
    tallies = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        tallies, _ = simulate_claims(inputs)
        best = min(best, time.perf_counter() - t0)
    claims = claims_of(tallies)
    claimants = float(tallies[..., T["claimants"]].sum())
    return {
        "threads": numba.get_num_threads(), "seconds": best, "claims": claims,
        "claimants": claimants, "paths": len(inputs.batch.paths), "years": len(inputs.batch.years),
        "claims_per_s": claims / best, "claimants_per_s": claimants / best,
        "tallies": tallies,
    }


def measure(scenario_path, insured: int, years: int, paths: int, threads: int | None = None,
            repeats: int = 3, seed: int = 1) -> dict:
    """Kernel throughput at one size, with insured person-years per second."""
    model, inputs = prepare(scenario_path, insured, years, paths, seed)
    simulate_claims(kernel_inputs(model, seed, 0, 1)[0])  # load the compiled kernel
    r = time_kernel(inputs, threads, repeats)
    person_years = float(model.cells.insured.sum()) * paths
    r.update(insured=insured, person_years=person_years,
             person_years_per_s=person_years / r["seconds"])
    r["model"], r["inputs"] = model, inputs
    return r
