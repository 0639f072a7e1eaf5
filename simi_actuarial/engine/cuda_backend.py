"""The CUDA backend: GPU check and message, loading numba-cuda, launches of the kernel of
:mod:`~simi_actuarial.engine.cuda_kernel` and the executor of ``simi run --backend cuda``.

The claims kernel runs on an NVIDIA GPU (numba CUDA) with the same random-stream keys.

One GPU thread per (path, year) work unit runs :func:`simi_actuarial.engine.kernel.
simulate_unit` -- the very function the CPU kernel runs per unit, cells in the same order --
so every claim, rule and tally has one source for both targets. numba compiles a CPU
``@njit`` function called from a ``@cuda.jit`` kernel again as a CUDA device function
(``CUDATypingContext.resolve_value_type``), together with everything it calls (samplers in
:mod:`~simi_actuarial.morbidity.severity`, streams in :mod:`~simi_actuarial.engine.rng`,
rules in :mod:`~simi_actuarial.rules.kernel`).

Exactness. Additions happen in the same order as on the CPU, so the tallies are
bit-identical wherever the elementary functions are: integer counts always are; ``exp``,
``log``, ``sqrt``, ``pow`` and ``log10`` come from NVIDIA's libdevice on a GPU and from the
system libm on the CPU, and NVVM may contract ``a * b + c`` into a fused multiply-add, so on
real hardware amounts can differ in the last bits and, very rarely, a draw on the edge of a
rejection or category boundary can go the other way. ``tests/test_cuda_sim.py`` therefore
asserts bit-identity under the CUDA simulator and, on a GPU, a tolerance plus statistical
agreement (see ``docs/scale-out.md``).

Nothing here imports CUDA at module import time: :func:`cuda_module` does on first use.
"""

from __future__ import annotations

import numpy as np

from ..errors import SimiInputError
from .tallies import N_HIST, N_TALLIES

#: Threads per block (one thread per path-year unit). Assumption: 128 keeps many blocks
#: resident for a register-heavy kernel; not tuned on hardware.
THREADS_PER_BLOCK = 128

_kernel = None


def cuda_module():
    """``numba.cuda``, imported on first use.

    numba-cuda (the package that replaces numba's deprecated built-in target) refers to
    ``numpy.row_stack``, which numpy 2.5 removed: alias it to ``numpy.vstack`` (same
    function) for the duration of the import when it is missing, and removes the alias after
    it (numpy itself is left as it was).
    """
    added = not hasattr(np, "row_stack")
    if added:  # only for the import: numba-cuda registers its overloads then
        np.row_stack = np.vstack
    try:
        from numba import cuda
    finally:
        if added:
            del np.row_stack
    return cuda


def require_cuda():
    """``numba.cuda`` if a CUDA GPU (or the simulator) can run kernels, else a
    :class:`SimiInputError` that says why (the CLI exits with status 2, no traceback)."""
    try:
        cuda = cuda_module()
        ok = cuda.is_available()
    except Exception as exc:  # a broken or missing CUDA installation: report, don't crash
        raise SimiInputError("backend", [("--backend cuda", (
            f"numba's CUDA target could not be loaded ({type(exc).__name__}: {exc}); "
            "install the GPU extra: pip install 'simi_actuarial[cuda]'"))]) from None
    if not ok:
        raise SimiInputError("backend", [("--backend cuda", (
            "no usable NVIDIA GPU: numba found no CUDA driver or device on this machine "
            "(check nvidia-smi; run without --backend cuda to use the CPU)"))])
    return cuda


def claims_kernel():
    """The compiled (or simulated) CUDA kernel, built on first use."""
    global _kernel
    if _kernel is None:
        require_cuda()
        from . import cuda_kernel

        _kernel = cuda_kernel.claims_kernel
    return _kernel


def _to_device(cuda, value):
    """``value`` with every array copied to the device, through named tuples."""
    if isinstance(value, tuple):
        return type(value)(*(_to_device(cuda, v) for v in value))
    if isinstance(value, np.ndarray):
        return cuda.to_device(np.ascontiguousarray(value))
    return value


def simulate_claims_cuda(inputs):
    """Drop-in for :func:`simi_actuarial.engine.kernel.simulate_claims` on the GPU: same
    :class:`~simi_actuarial.engine.inputs.KernelInputs`, same ``(tallies, hist)`` result as
    host arrays."""
    cuda = require_cuda()
    kernel = claims_kernel()
    P, Y = inputs.batch.paths.shape[0], inputs.batch.years.shape[0]
    tallies = cuda.to_device(np.zeros((P, Y, N_TALLIES)))
    hist = cuda.to_device(np.zeros((P, Y, N_HIST)))
    blocks = (P * Y + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
    kernel[blocks, THREADS_PER_BLOCK](tallies, hist, _to_device(cuda, inputs))
    cuda.synchronize()
    return tallies.copy_to_host(), hist.copy_to_host()


#: Most paths per kernel launch. Assumption (not tuned on hardware): a GPU needs tens of
#: thousands of (path, year) threads to fill; 4,096 paths x 10 years = 40,960 threads, and
#: claimant counts of 3 x 4,096 x 10 x 404 cells x 8 bytes = 400 MB per launch.
DEFAULT_GPU_BATCH_PATHS = 4096


def run_batch_cuda(model, seed: int, first_path: int, n_paths: int):
    """:func:`~simi_actuarial.engine.simulate.run_batch` with the CUDA kernel."""
    from .simulate import run_batch

    return run_batch(model, seed, first_path, n_paths, kernel=simulate_claims_cuda)


def merge_plan(plan: list[tuple[int, int]], max_paths: int) -> list[tuple[int, int]]:
    """Join consecutive batches ``(first_path, n_paths)`` into launches of at most
    ``max_paths`` paths (results do not depend on the batching)."""
    out: list[tuple[int, int]] = []
    for first, n in plan:
        if out and out[-1][0] + out[-1][1] == first and out[-1][1] + n <= max_paths:
            out[-1] = (out[-1][0], out[-1][1] + n)
        else:
            out.append((first, n))
    return out


def cuda_executor(max_paths: int = DEFAULT_GPU_BATCH_PATHS):
    """An executor for :func:`~simi_actuarial.engine.simulate.simulate_raw` that runs every
    batch on the local GPU, consecutive batches joined into launches of up to
    ``max_paths`` paths. Checks for a GPU when created (:class:`SimiInputError` if none)."""
    require_cuda()

    def execute(model, seed, plan):
        for first, n in merge_plan(plan, max_paths):
            yield run_batch_cuda(model, seed, first, n)

    return execute
