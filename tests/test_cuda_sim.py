"""The CUDA backend: the kernel under numba's CUDA simulator against the CPU kernel (bit for
bit), the GPU kernel compiled to PTX from the shared device functions (when NVIDIA's NVVM is
installed), the message without a GPU, and -- on a machine with a GPU only -- agreement of
GPU and CPU within the documented tolerance.

numba reads NUMBA_ENABLE_CUDASIM when ``numba.cuda`` is first imported, so simulator and PTX
runs happen in subprocesses.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from simi_actuarial.engine.cuda_backend import merge_plan

REPO = Path(__file__).resolve().parent.parent
SMALL = REPO / "tests" / "data" / "small_guangxi.yaml"


def _python(code: str, env_extra: dict, timeout: float = 300) -> dict:
    env = {**os.environ, **env_extra}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_merge_plan_joins_consecutive_batches_up_to_the_limit():
    plan = [(0, 3), (3, 3), (6, 3), (9, 1)]
    assert merge_plan(plan, 6) == [(0, 6), (6, 4)]
    assert merge_plan(plan, 2) == plan  # never splits a batch
    assert merge_plan([(0, 2), (5, 2)], 10) == [(0, 2), (5, 2)]  # not consecutive


SIM_SCRIPT = """
import json
import numpy as np
import simi_actuarial as sa
from simi_actuarial.engine import cuda_backend
from simi_actuarial.engine.simulate import simulate_raw
from simi_actuarial.engine.tallies import T

cuda_backend.THREADS_PER_BLOCK = 4   # several blocks and a partial last one
sc = sa.load_scenario({path!r}, ["population.insured=6000", "horizon.years=3",
                                 "groups.special.share=0.3", "groups.general.share=0.7"])
cpu = simulate_raw(sc, 5, 17, batch_paths=2)
gpu = simulate_raw(sc, 5, 17, batch_paths=1, executor=cuda_backend.cuda_executor(max_paths=3))
print(json.dumps({{
    "tallies_equal": bool(np.array_equal(cpu.tallies, gpu.tallies)),
    "hist_equal": bool(np.array_equal(cpu.hist, gpu.hist)),
    "claimants": float(cpu.tallies[..., T["claimants"]].sum()),
    "special": float(cpu.tallies[..., T["simi_paid_special"]].sum()),
    "os": float(cpu.tallies[..., T["os_claimants"]].sum()),
    "beneficiaries": float(cpu.tallies[..., T["simi_beneficiaries"]].sum()),
    "episodes": float(cpu.tallies[..., T["ben_episodes"]].sum()),
}}))
"""


def test_cuda_kernel_under_simulator_is_bit_identical_to_cpu():
    out = _python(SIM_SCRIPT.format(path=str(SMALL)), {"NUMBA_ENABLE_CUDASIM": "1"})
    # the case exercises every branch: claimants, outpatient special disease, SIMI paid to a
    # special group, beneficiaries, SIMI-paid episodes (the replayed admissions)
    assert out["claimants"] > 100 and out["os"] > 0
    assert out["special"] > 0 and out["beneficiaries"] > 0 and out["episodes"] > 0
    assert out["tallies_equal"] and out["hist_equal"]


def test_no_gpu_gives_exit_2_and_a_message(tmp_path, capsys):
    from simi_actuarial.cli import main
    from simi_actuarial.engine.cuda_backend import cuda_module

    if cuda_module().is_available():
        pytest.skip("a CUDA GPU is present")
    rc = main(["run", str(SMALL), "--paths", "2", "--out", str(tmp_path / "o"),
               "--backend", "cuda", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "--backend cuda" in err and "no usable NVIDIA GPU" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_importing_the_package_does_not_import_cuda():
    out = _python("""
        import json, sys
        import simi_actuarial, simi_actuarial.cli, simi_actuarial.engine.cuda_backend
        import simi_actuarial.distributed
        print(json.dumps({"cuda": "numba.cuda" in sys.modules, "dask": "distributed" in sys.modules}))
    """, {})
    assert out == {"cuda": False, "dask": False}


def _nvvm_home():
    """CUDA_HOME for NVIDIA's NVVM from the nvidia-cuda-nvcc-cu12 wheel, if installed."""
    try:
        import nvidia.cuda_nvcc as nv
    except ImportError:
        return None
    home = Path(next(iter(nv.__path__)))
    return home if (home / "nvvm" / "lib64" / "libnvvm.so").exists() else None


PTX_SCRIPT = """
import json, types
import numba
import numpy as np
import simi_actuarial as sa
from simi_actuarial.engine import simulate as S
from simi_actuarial.engine.model import resolve_model
from simi_actuarial.engine.tallies import N_HIST, N_TALLIES
from numba import cuda
import numba.cuda.dispatcher as disp

# No GPU here: device functions take the compute capability from the current device, so
# name the H100's (9.0) instead. Only compilation is exercised, nothing runs.
disp.get_current_device = lambda: types.SimpleNamespace(compute_capability=(9, 0))
captured = {{}}

def capture(inputs):
    captured["inputs"] = inputs
    P, Y = inputs.batch.paths.shape[0], inputs.batch.years.shape[0]
    return np.zeros((P, Y, N_TALLIES)), np.zeros((P, Y, N_HIST))

sc = sa.load_scenario({path!r}, ["horizon.years=2"])
S.run_batch(resolve_model(sc), 7, 0, 2, kernel=capture)
from simi_actuarial.engine import cuda_kernel
sig = (numba.typeof(np.zeros((2, 2, N_TALLIES))), numba.typeof(np.zeros((2, 2, N_HIST))),
       numba.typeof(captured["inputs"]))
ptx, _ = cuda.compile_ptx(cuda_kernel.claims_kernel.py_func, sig, cc=(9, 0))
print(json.dumps({{"target": ".target sm_90" in ptx, "entry": ".entry" in ptx,
                  "chars": len(ptx)}}))
"""


def test_gpu_kernel_compiles_to_ptx_from_the_shared_device_functions():
    """The CUDA kernel calls the CPU kernel's @njit unit function; numba recompiles it and
    everything it calls (samplers, streams, rules) for the device. Compiling to PTX for an
    H100 proves that source compiles for CUDA (no GPU needed; NVVM is)."""
    home = _nvvm_home()
    if home is None:
        pytest.skip("NVIDIA NVVM not installed (pip install nvidia-cuda-nvcc-cu12)")
    try:
        import numba.cuda.dispatcher as disp  # noqa: F401  (built-in target's internals)
    except ImportError:
        pytest.skip("numba's built-in CUDA target is not available")
    out = _python(PTX_SCRIPT.format(path=str(SMALL)), {"CUDA_HOME": str(home),
                                                      "NUMBA_ENABLE_CUDASIM": "0"})
    assert out["target"] and out["entry"] and out["chars"] > 10_000


def _real_gpu() -> bool:
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        return False
    try:
        from simi_actuarial.engine.cuda_backend import cuda_module

        return bool(cuda_module().is_available())
    except Exception:
        return False


@pytest.mark.skipif(not _real_gpu(), reason="needs an NVIDIA GPU")
def test_gpu_agrees_with_cpu_within_tolerance():
    """On hardware, libdevice's exp/log/cos/pow and fused multiply-adds may differ from the
    CPU in the last bits (docs/scale-out.md): counts drawn on the host must agree exactly,
    amounts to 1e-9 relative in almost every path-year, and every mean far inside its Monte
    Carlo error."""
    import simi_actuarial as sa
    from simi_actuarial.engine.cuda_backend import cuda_executor
    from simi_actuarial.engine.simulate import simulate_raw
    from simi_actuarial.engine.tallies import T

    sc = sa.load_scenario(SMALL)
    cpu = simulate_raw(sc, 200, 5)
    gpu = simulate_raw(sc, 200, 5, executor=cuda_executor())
    for name in ("claimants", "hospitalised", "os_claimants"):
        np.testing.assert_array_equal(cpu.tallies[..., T[name]], gpu.tallies[..., T[name]])
    for name in ("total_cost", "in_scope_cost", "bmi_paid", "simi_paid", "assistance_paid"):
        a, b = cpu.tallies[..., T[name]], gpu.tallies[..., T[name]]
        rel = np.abs(a - b) / np.maximum(np.abs(a), 1.0)
        assert np.mean(rel <= 1e-9) >= 0.99, name
        per_path_a, per_path_b = a.sum(axis=1), b.sum(axis=1)
        se = per_path_a.std(ddof=1) / np.sqrt(len(per_path_a))
        assert abs(per_path_a.mean() - per_path_b.mean()) <= 0.01 * se, name


def test_cuda_import_leaves_numpy_as_it_was():
    """The numpy ``row_stack`` alias numba-cuda needs exists only during its import."""
    out = _python("""
        import json
        import numpy as np
        from simi_actuarial.engine.cuda_backend import cuda_module
        if hasattr(np, "row_stack"):
            del np.row_stack  # as on numpy >= 2.5
        cuda = cuda_module()
        print(json.dumps({"cuda": cuda.__name__, "row_stack": hasattr(np, "row_stack")}))
    """, {"NUMBA_ENABLE_CUDASIM": "1"})
    assert out == {"cuda": "numba.cuda", "row_stack": False}
