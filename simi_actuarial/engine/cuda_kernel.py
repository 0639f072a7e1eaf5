"""The CUDA kernel itself: one GPU thread per (path, year) unit runs
:func:`~simi_actuarial.engine.kernel.simulate_unit` on the same
:class:`~simi_actuarial.engine.inputs.KernelInputs` as the CPU kernel.

Imports ``numba.cuda`` at import time, so import it only through
:func:`simi_actuarial.engine.cuda_backend.claims_kernel` (which checks for a GPU and loads
numba-cuda with its numpy shim first). The kernel refers to ``cuda`` as a module global so
that numba's CUDA simulator can substitute its own.
"""

from __future__ import annotations

import os

from numba import cuda

from .kernel import simulate_unit


def simulator_enabled() -> bool:
    """True when numba's CUDA simulator is selected (``NUMBA_ENABLE_CUDASIM=1``)."""
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")


def _as_host(a):
    """Simulator only: the numpy arrays behind simulated device arrays, through named
    tuples (the compiled CPU function cannot take the simulator's wrapper objects)."""
    if isinstance(a, tuple):
        return type(a)(*(_as_host(x) for x in a))
    item = getattr(a, "_item", a)  # an array wrapped for use inside a kernel
    return getattr(item, "_ary", a)


def _sim_unit(i, t, row, hrow, inputs):
    return simulate_unit(i, t, _as_host(row), _as_host(hrow), _as_host(inputs))


# In the simulator the kernel body runs as Python and calls the compiled CPU function on
# the arrays behind the simulated ones; on a GPU numba compiles simulate_unit for the
# device. Either way it is the same function as the CPU kernel's.
unit = _sim_unit if simulator_enabled() else simulate_unit


@cuda.jit
def claims_kernel(tallies, hist, inputs):
    """Adds the claims of unit ``u`` = (path ``u // Y``, year ``u % Y``) to ``tallies[i, t]``
    and ``hist[i, t]``."""
    n_units = tallies.shape[0] * tallies.shape[1]
    u = cuda.grid(1)
    if u < n_units:
        Y = tallies.shape[1]
        i = u // Y
        t = u % Y
        unit(i, t, tallies[i, t], hist[i, t], inputs)
