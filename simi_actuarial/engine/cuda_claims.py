"""The CUDA kernel itself; imports ``numba.cuda`` at import time, so import it only through
:func:`simi_actuarial.engine.cuda_kernel.claims_kernel` (which checks for a GPU and applies
the numpy shim first). The kernel refers to ``cuda`` as a module global so that numba's CUDA
simulator can substitute its own.
"""

from __future__ import annotations

from numba import cuda

from .cuda_kernel import simulator_enabled
from .kernel import simulate_unit


def _as_host(a):
    """Simulator only: the numpy array behind a simulated device array (the compiled CPU
    function cannot take the simulator's wrapper objects); scalars pass through."""
    item = getattr(a, "_item", None)
    return getattr(item, "_ary", a) if item is not None else a


def _sim_unit(*args):
    return simulate_unit(*(_as_host(a) for a in args))


# In the simulator the kernel body runs as Python and calls the compiled CPU function on
# the arrays behind the simulated ones; on a GPU numba compiles simulate_unit for the
# device. Either way it is the same function as the CPU kernel's.
unit = _sim_unit if simulator_enabled() else simulate_unit


@cuda.jit
def claims_kernel(
    tallies, hist,
    seed, paths, years, both, hosp_only, os_only, cell_age, cell_group, group_special,
    cost_index,
    adm_lambda, adm_shape, adm_cdf, level_prob, cost_mu, cost_sigma, cost_threshold, cost_alpha,
    cost_ptail, inscope_mean, inscope_conc, os_mu, os_sigma, os_inscope, os_bmi_rate,
    os_bmi_deductible, che_capacity, che_threshold, che_sd,
    bmi_deductible, bmi_rate, bmi_cap, group_category, simi_line, band_lower, band_rate,
    simi_cap, assist_rate, assist_deductible, assist_limit, flags,
):
    n_units = tallies.shape[0] * tallies.shape[1]
    u = cuda.grid(1)
    if u < n_units:
        Y = tallies.shape[1]
        i = u // Y
        t = u % Y
        unit(
            i, t, tallies[i, t], hist[i, t],
            seed, paths, years, both, hosp_only, os_only, cell_age, cell_group,
            group_special, cost_index,
            adm_lambda, adm_shape, adm_cdf, level_prob, cost_mu, cost_sigma, cost_threshold,
            cost_alpha, cost_ptail, inscope_mean, inscope_conc, os_mu, os_sigma,
            os_inscope, os_bmi_rate, os_bmi_deductible, che_capacity, che_threshold,
            che_sd,
            bmi_deductible, bmi_rate, bmi_cap, group_category, simi_line, band_lower,
            band_rate, simi_cap, assist_rate, assist_deductible, assist_limit, flags,
        )
