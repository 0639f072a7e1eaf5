"""The inputs of the claims kernel, by name: one definition shared by the CPU kernel
(:mod:`~simi_actuarial.engine.kernel`), the CUDA kernel (:mod:`~simi_actuarial.engine.
cuda_kernel`), :func:`~simi_actuarial.engine.simulate.kernel_inputs` and the benchmarks.

numba compiles named tuples of arrays and scalars (CPU and CUDA alike): a field is read as
``inputs.claims.cost_mu[level]`` with no cost at run time. Shapes: ``P`` paths of the batch,
``Y`` years, ``C`` cells (age x sex x group), ``A = 101`` single ages, ``L`` hospital levels,
``G`` groups, ``K`` entries of an extra-admissions CDF table.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..rules.kernel import RuleArrays


class Batch(NamedTuple):
    """What differs between batches: the paths, their systematic cost index and the claimant
    counts drawn for them."""

    seed: np.uint64          # run seed (stream keys)
    paths: np.ndarray        # (P,) int64 path numbers (stream keys)
    years: np.ndarray        # (Y,) int64 calendar years (stream keys)
    both: np.ndarray         # (P, Y, C) int64 claimants hospitalised and with outpatient special disease
    hosp_only: np.ndarray    # (P, Y, C) int64 claimants hospitalised only
    os_only: np.ndarray      # (P, Y, C) int64 claimants with outpatient special disease only
    cost_index: np.ndarray   # (P, Y) cost level factor of each path-year


class Cells(NamedTuple):
    """The population cells (processed in this order within a path-year)."""

    age: np.ndarray            # (C,) int64 single age
    group: np.ndarray          # (C,) int64 group index
    group_special: np.ndarray  # (G,) bool: the group's SIMI schedule is a special one


class ClaimLaws(NamedTuple):
    """Distributions of a claimant's admissions, their levels and costs, and of outpatient
    special-disease costs (from :class:`~simi_actuarial.morbidity.resolve.MorbidityArrays`)."""

    adm_lambda: np.ndarray     # (A,) mean extra admissions of a hospitalised person by age
    adm_shape: float           # gamma-mixing shape of the extra admissions (inf: Poisson)
    adm_cdf: np.ndarray        # (A, K) CDF table of the extra admissions by age
    level_prob: np.ndarray     # (A, L) hospital level of an admission by age
    cost_mu: np.ndarray        # (L,) lognormal body mu of the cost of an admission
    cost_sigma: np.ndarray     # (L,) lognormal body sigma
    cost_threshold: np.ndarray  # (L,) Pareto tail threshold (inf: no tail)
    cost_alpha: np.ndarray     # (L,) Pareto tail index
    cost_ptail: np.ndarray     # (L,) probability of the tail
    inscope_mean: np.ndarray   # (L,) mean in-scope share of an admission's cost (Beta)
    inscope_conc: np.ndarray   # (L,) Beta concentration of the in-scope share
    os_mu: float               # lognormal mu of annual outpatient special-disease cost
    os_sigma: float            # lognormal sigma
    os_inscope: float          # in-scope share of it
    os_bmi_rate: float         # BMI rate on outpatient special disease above its deductible
    os_bmi_deductible: float   # annual BMI deductible of outpatient special disease


class Che(NamedTuple):
    """Catastrophic health expenditure: burden >= ``threshold`` x capacity to pay, capacity
    lognormal around ``capacity[t]`` with log-sd ``sd``."""

    capacity: np.ndarray  # (Y,) mean household capacity to pay
    threshold: float      # share of capacity
    sd: float             # log-sd of capacity between households


class KernelInputs(NamedTuple):
    """Everything :func:`~simi_actuarial.engine.kernel.simulate_claims` takes."""

    batch: Batch
    cells: Cells
    claims: ClaimLaws
    che: Che
    rules: RuleArrays


def slice_batch(inputs: KernelInputs, n_paths: int, n_years: int) -> KernelInputs:
    """``inputs`` for the first ``n_paths`` paths and ``n_years`` years (contiguous copies)."""
    b = inputs.batch
    cut = {k: np.ascontiguousarray(getattr(b, k)[:n_paths, :n_years])
           for k in ("both", "hosp_only", "os_only", "cost_index")}
    return inputs._replace(batch=b._replace(paths=b.paths[:n_paths], years=b.years[:n_years],
                                            **cut))
