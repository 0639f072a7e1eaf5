"""Time and peak memory of one end-to-end Monte Carlo run at a chosen population size.

    python benchmarks/run_size.py SCENARIO --insured 5900000 --paths 1000 [--years 10]

Prints one JSON line (seconds, claimants/s, peak RSS) and appends it to
benchmarks/results/run_size.jsonl (``--no-append``: print only; the suite in
``benchmarks/bench.py`` runs it that way, one fresh process per workload, so that the peak
RSS is the workload's own).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import simi_actuarial as sa
from simi_actuarial.engine.tallies import T


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB: ``VmHWM`` of /proc/self/status (the
    address space's own high-water mark), else ``ru_maxrss``, which on Linux a child started
    by fork + exec inherits from its parent and so can overstate a fresh process's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--insured", type=int, required=True)
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-append", action="store_true", help="print the record only")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args()
    sc = sa.load_scenario(args.scenario, [f"population.insured={args.insured}",
                                          f"horizon.years={args.years}"])
    sa.simulate(sc, paths=1, seed=args.seed)  # compile / load the numba cache
    t0 = time.perf_counter()
    res = sa.simulate(sc, paths=args.paths, seed=args.seed, threads=args.threads,
                      progress=not args.no_progress)
    seconds = time.perf_counter() - t0
    claimants = float(res.raw.tallies[..., T["claimants"]].sum())
    admissions = float(res.raw.tallies[..., T["admissions"]].sum())
    claims = admissions + float(res.raw.tallies[..., T["os_claimants"]].sum())
    record = {
        "scenario": sc.name, "insured": args.insured, "years": args.years, "paths": args.paths,
        "threads": res.raw.threads, "seconds": round(seconds, 1),
        "claimants": claimants, "admissions": admissions, "claims": claims,
        "insured_person_years": float(res.summary["insured"].sum()) * args.paths,
        "claimants_per_s": round(claimants / seconds),
        "peak_rss_mb": peak_rss_mb(),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "p_accumulated_deficit_last_year": float(res.summary["p_accumulated_deficit"].iloc[-1]),
    }
    print(json.dumps(record), flush=True)
    if args.no_append:
        return
    out = Path(__file__).parent / "results" / "run_size.jsonl"
    out.parent.mkdir(exist_ok=True)
    with out.open("a") as fh:
        fh.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
