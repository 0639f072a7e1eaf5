"""Proxy engine at Guangxi size (issue 15): ``solve --engine proxy --target accumulated
--alpha 0.005`` on 45.345 M insured over 10 years, timed from the first inner simulation to the
solved standard with its 95 % CI (bootstrap over paths, and the proxy's own estimation error
in quadrature); the microsimulation on a few of the same outer paths, for the paths-per-second
ratio and the proxy's largest |z| against it (``--check-micro``).

    python -m benchmarks.proxy_engine [--paths N] [--micro-paths M] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from simi_actuarial.engine.proxy_check import check_against_micro
from simi_actuarial.engine.simulate import simulate_raw
from simi_actuarial.results import SimulationResult
from simi_actuarial.scenario.loader import load_scenario
from simi_actuarial.solve import required_financing

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "guangxi_2021.yaml"
#: Guangxi residents insured in 2021 (Jiang (2024) s2.1.3), 10 years from 2021.
GUANGXI_INSURED = 45_345_000
DEFAULT_PATHS = 100_000
DEFAULT_MICRO_PATHS = 2
ALPHA = 0.005


def measure(paths: int = DEFAULT_PATHS, micro_paths: int = DEFAULT_MICRO_PATHS,
            log=print, insured: int = GUANGXI_INSURED) -> dict:
    """The figures of the module docstring as a dictionary (``insured``: a smaller population
    exercises the same steps quickly; the figures are then not Guangxi's)."""
    sc = load_scenario(SCENARIO, overrides=[f"population.insured={insured}",
                                            "simulation.batch_paths=5000"])
    t0 = time.perf_counter()
    raw = simulate_raw(sc, paths, 1, engine="proxy")
    t_sim = time.perf_counter() - t0
    log(f"proxy: build {raw.proxy.seconds:.1f} s, {paths:,} paths in {t_sim:.1f} s")
    rf = required_financing(SimulationResult(raw), "accumulated", alpha=ALPHA)
    t_total = time.perf_counter() - t0
    half = max(rf.per_capita - rf.ci_low, rf.ci_high - rf.per_capita)
    log(f"solve: {rf.per_capita:.2f} CNY (95 % CI {rf.ci_low:.2f}-{rf.ci_high:.2f}, proxy "
        f"error sd {rf.proxy_error_sd:.3f}) in {t_total:.1f} s")
    chk = check_against_micro(raw, micro_paths)
    micro_pps = chk.paths / chk.seconds_micro
    proxy_pps = paths / t_sim
    log(f"micro: {chk.paths} paths in {chk.seconds_micro:.1f} s; largest |z| {chk.max_abs_z:.2f}")
    return {
        "scenario": f"guangxi_2021.yaml, population.insured={insured}, 10 years",
        "insured": insured,
        "paths": paths, "alpha": ALPHA,
        "proxy_build_seconds": round(raw.proxy.seconds, 2),
        "proxy_simulate_seconds": round(t_sim, 2),
        "proxy_guangxi_solve_seconds": round(t_total, 2),
        "standard": rf.per_capita, "ci_low": rf.ci_low, "ci_high": rf.ci_high,
        "proxy_guangxi_ci_half_width": round(half, 3),
        "proxy_error_sd": rf.proxy_error_sd,
        "proxy_design": raw.proxy.manifest(),
        "micro_paths": chk.paths, "micro_seconds": round(chk.seconds_micro, 2),
        "micro_paths_per_s": micro_pps, "proxy_paths_per_s": proxy_pps,
        "proxy_vs_micro_paths_per_second": round(proxy_pps / micro_pps, 1),
        "proxy_check_max_abs_z": round(chk.max_abs_z, 3),
        "proxy_check": chk.table.round(4).to_dict(orient="records"),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--paths", type=int, default=DEFAULT_PATHS)
    p.add_argument("--micro-paths", type=int, default=DEFAULT_MICRO_PATHS)
    p.add_argument("--out", type=Path, default=None)
    a = p.parse_args(argv)
    r = measure(a.paths, a.micro_paths, log=lambda m: print(m, file=sys.stderr, flush=True))
    text = json.dumps(r, indent=2, default=float)
    if a.out:
        from simi_actuarial.io import write_json
        write_json(a.out, r)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
