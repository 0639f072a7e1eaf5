"""End-to-end workloads S / M / L and numba compile time, each measured in a fresh process
(so that peak memory and compile time are the workload's own)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

#: End-to-end workloads (issue 5). M: Nanning residents 2022, 5,879,600 insured (seed001
#: Table 3); L: Guangxi, 45 million (Assumption: order of magnitude of the region's
#: urban-rural residents' enrolment, used as a size only).
WORKLOADS = {
    "S": {"scenario": "default.yaml", "insured": 1_000_000, "years": 10, "paths": 200},
    "M": {"scenario": "nanning_2022.yaml", "insured": 5_879_600, "years": 10, "paths": 1000},
    "L": {"scenario": "guangxi_2021.yaml", "insured": 45_000_000, "years": 10, "paths": 1000},
}
#: Paths actually run per workload in --quick (results extrapolated to the full paths).
QUICK_PATHS = {"S": 10, "M": 4, "L": 1}


def parse_sets(items: list[str], workloads: dict) -> dict:
    """Apply ``W.key=value`` overrides (keys: scenario, insured, years, paths, run_paths)."""
    out = {k: dict(v) for k, v in workloads.items()}
    for item in items:
        try:
            lhs, value = item.split("=", 1)
            name, key = lhs.split(".", 1)
        except ValueError:
            raise SystemExit(f"--set {item!r}: expected W.key=value, e.g. M.paths=100") from None
        if name not in out or key not in ("scenario", "insured", "years", "paths", "run_paths"):
            raise SystemExit(f"--set {item!r}: workload must be one of {sorted(out)} and key one "
                             "of scenario, insured, years, paths, run_paths")
        if key == "scenario":
            out[name][key] = value
        else:
            try:
                out[name][key] = int(value.replace("_", ""))
            except ValueError:
                raise SystemExit(f"--set {item!r}: {key} must be a whole number") from None
            if out[name][key] < 1:
                raise SystemExit(f"--set {item!r}: {key} must be >= 1")
    return out


def _subprocess_json(cmd: list[str], env: dict | None = None, timeout: float | None = None):
    """Run ``cmd``; its last stdout line is a JSON record (stderr passes through)."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env,
                          timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_size_process(scenario: Path, insured: int, years: int, paths: int,
                     threads: int | None = None, progress: bool = True) -> dict:
    """``benchmarks/run_size.py`` in a fresh process; its JSON record."""
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run_size.py"), str(scenario),
           "--insured", str(insured), "--years", str(years), "--paths", str(paths),
           "--no-append"]
    if threads:
        cmd += ["--threads", str(threads)]
    if not progress:
        cmd.append("--no-progress")
    return _subprocess_json(cmd)


def run_workload(name: str, spec: dict, run_paths: int, threads: int | None) -> dict:
    """One workload in a fresh process, extrapolated to its full paths if fewer are run."""
    rec = run_size_process(SCENARIOS / spec["scenario"], spec["insured"], spec["years"],
                           run_paths, threads)
    full = spec["paths"]
    out = {
        "scenario": spec["scenario"], "insured": spec["insured"], "years": spec["years"],
        "paths": full, "paths_run": run_paths, "seconds_run": rec["seconds"],
        "peak_rss_mb": rec["peak_rss_mb"], "claimants_run": rec["claimants"],
        "claims_run": rec["claims"], "claimants_per_s": rec["claimants_per_s"],
        "insured_person_years_per_s": rec["insured_person_years"] / max(rec["seconds"], 1e-9),
        "threads": rec["threads"], "loadavg": rec["loadavg"],
    }
    if run_paths == full:
        out.update(seconds=rec["seconds"], extrapolated=False)
    else:  # work is linear in paths (batches of independent paths); setup is negligible
        out.update(seconds=round(rec["seconds"] * full / run_paths, 1), extrapolated=True)
    return out


_COMPILE_SNIPPET = """
import json, time
t0 = time.perf_counter()
import simi_actuarial as sa
t1 = time.perf_counter()
sc = sa.load_scenario({scenario!r}, ["population.insured=20000", "horizon.years=2"])
sa.simulate(sc, paths=1, seed=1)
t2 = time.perf_counter()
sa.simulate(sc, paths=1, seed=2)
t3 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "first_run_s": t2 - t1, "second_run_s": t3 - t2}}))
"""


def compile_times() -> dict:
    """First-call time of a tiny run in fresh processes: empty numba cache, then cached."""
    code = _COMPILE_SNIPPET.format(scenario=str(SCENARIOS / "default.yaml"))
    with tempfile.TemporaryDirectory(prefix="simi-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cold = _subprocess_json([sys.executable, "-c", code], env=env)
        warm = _subprocess_json([sys.executable, "-c", code], env=env)
    return {
        "cold_first_run_s": cold["first_run_s"] - cold["second_run_s"],
        "cached_first_run_s": warm["first_run_s"] - warm["second_run_s"],
        "cold_import_s": cold["import_s"], "cached_import_s": warm["import_s"],
        "note": "first simulate() of a tiny run minus a second one: compile (cold) or cache "
                "load (cached) of every numba function, in a fresh process",
    }
