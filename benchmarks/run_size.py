"""Time and peak memory of one end-to-end Monte Carlo run at a chosen population size.

    python benchmarks/run_size.py SCENARIO --insured 5900000 --paths 1000 [--years 10]

Prints one JSON line (seconds, claimants/s, peak RSS) and appends it to
benchmarks/results/run_size.jsonl.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from pathlib import Path

import simi_actuarial as sa
from simi_actuarial.engine.tallies import T


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--insured", type=int, required=True)
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    sc = sa.load_scenario(args.scenario, [f"population.insured={args.insured}",
                                          f"horizon.years={args.years}"])
    sa.simulate(sc, paths=1, seed=1)  # compile / load the numba cache
    t0 = time.perf_counter()
    res = sa.simulate(sc, paths=args.paths, seed=1, threads=args.threads, progress=True)
    seconds = time.perf_counter() - t0
    claimants = float(res.raw.tallies[..., T["claimants"]].sum())
    admissions = float(res.raw.tallies[..., T["admissions"]].sum())
    record = {
        "scenario": sc.name, "insured": args.insured, "years": args.years, "paths": args.paths,
        "threads": res.raw.threads, "seconds": round(seconds, 1),
        "claimants": claimants, "admissions": admissions,
        "claimants_per_s": round(claimants / seconds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "p_accumulated_deficit_last_year": float(res.summary["p_accumulated_deficit"].iloc[-1]),
    }
    print(json.dumps(record))
    out = Path(__file__).parent / "results" / "run_size.jsonl"
    out.parent.mkdir(exist_ok=True)
    with out.open("a") as fh:
        fh.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
