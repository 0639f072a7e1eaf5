"""Claims throughput of the claims kernel on the CPU and/or an NVIDIA GPU.

    python -m benchmarks.claims_throughput SCENARIO --insured 45000000 --paths 256 \\
        --years 10 --backend both

Prints one JSON line per backend: claimants, admissions and claims (admissions plus
outpatient special-disease cases, the unit of ``make bench``) per second of kernel time
(on the GPU including host<->device transfers), the end-to-end seconds (with the host-side
claimant counts and systematic draws), and the time the Guangxi-size target run
(45 million insured x 10 years x 10,000 paths) would take at that kernel rate. With
``--backend both`` it also reports how far the GPU tallies are from the CPU's. Appends the
lines to benchmarks/results/claims_throughput.jsonl.

No GPU was available where this was written: GPU figures have to be measured on one
(``pip install -e '.[cuda]'``; see docs/scale-out.md).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

import simi_actuarial as sa
from simi_actuarial.engine.model import resolve_model
from simi_actuarial.engine.simulate import batches, run_batch
from simi_actuarial.engine.tallies import T

from .kernel_throughput import claims_of


def _timed(kernel, acc):
    def run(*args):
        t0 = time.perf_counter()
        out = kernel(*args)
        acc[0] += time.perf_counter() - t0
        return out

    return run


def measure(model, paths, seed, backend, batch_paths):
    if backend == "cuda":
        from simi_actuarial.engine.cuda_backend import require_cuda, simulate_claims_cuda

        require_cuda()
        kernel = simulate_claims_cuda
    else:
        from simi_actuarial.engine.kernel import simulate_claims as kernel
    run_batch(model, seed, 0, 1, kernel=kernel)  # compile (GPU: JIT + module load)
    acc = [0.0]
    timed = _timed(kernel, acc)
    t0 = time.perf_counter()
    parts = [run_batch(model, seed, s, n, kernel=timed) for s, n in batches(paths, batch_paths)]
    total = time.perf_counter() - t0
    tallies = np.concatenate([p.tallies for p in parts])
    return tallies, acc[0], total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--insured", type=int, required=True)
    ap.add_argument("--paths", type=int, default=256)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=None, help="CPU threads (default: all)")
    ap.add_argument("--backend", choices=["cpu", "cuda", "both"], default="cuda")
    ap.add_argument("--batch-paths", type=int, default=None,
                    help="paths per kernel launch (default: 4096 on the GPU, 16 on the CPU)")
    args = ap.parse_args()
    sc = sa.load_scenario(args.scenario, [f"population.insured={args.insured}",
                                          f"horizon.years={args.years}"])
    if args.threads:
        import numba

        numba.set_num_threads(args.threads)
    model = resolve_model(sc)
    results = {}
    for backend in (["cpu", "cuda"] if args.backend == "both" else [args.backend]):
        bp = args.batch_paths or (4096 if backend == "cuda" else 16)
        tallies, kernel_s, total_s = measure(model, args.paths, args.seed, backend, bp)
        results[backend] = tallies
        claimants = float(tallies[..., T["claimants"]].sum())
        admissions = float(tallies[..., T["admissions"]].sum())
        claims = claims_of(tallies)
        per_unit = claimants / (args.paths * args.years)
        target_claimants = per_unit * (45_000_000 / args.insured) * 10 * 10_000
        record = {
            "backend": backend, "scenario": sc.name, "insured": args.insured,
            "years": args.years, "paths": args.paths, "batch_paths": bp,
            "kernel_seconds": round(kernel_s, 3), "end_to_end_seconds": round(total_s, 3),
            "claimants": claimants, "admissions": admissions,
            "claimants_per_s": round(claimants / kernel_s),
            "admissions_per_s": round(admissions / kernel_s),
            "claims_per_s": round(claims / kernel_s),  # as make bench's kernel_claims_per_s
            "guangxi_10y_10000_paths_kernel_seconds": round(target_claimants * kernel_s
                                                            / claimants, 1),
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        }
        if backend == "cuda":
            from simi_actuarial.engine.cuda_backend import cuda_module

            cu = cuda_module()
            name = (cu.get_current_device().name if hasattr(cu, "get_current_device")
                    else "numba CUDA simulator (not a GPU: timings meaningless)")
            record["gpu"] = name.decode() if isinstance(name, bytes) else str(name)
        if "cpu" in results and backend == "cuda":
            a, b = results["cpu"], tallies
            rel = np.abs(a - b) / np.maximum(np.abs(a), 1.0)
            record["max_rel_diff_vs_cpu"] = float(rel.max())
            record["share_bit_identical"] = float(np.mean(a == b))
        print(json.dumps(record))
        out = Path(__file__).parent / "results" / "claims_throughput.jsonl"
        out.parent.mkdir(exist_ok=True)
        with out.open("a") as fh:
            fh.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
