"""The benchmark suite of the claims hot loop: one command, one table, one JSON file.

    python -m benchmarks.bench [--quick] [--workloads S,M,L] [--set M.paths=100] [--skip ...]

(``make bench`` / ``make bench-quick`` set up ``.venv`` with the ``bench`` extra first.)

Steps, all in the same run so that the ratios compare like with like:

1. kernel throughput (claims/s, claimants/s, insured person-years/s) on prepared inputs;
2. thread scaling, 1 thread .. all numba threads, same inputs;
3. the bare random-number floor on the same units and number of cost variates;
4. the vectorised numpy reference pipeline (single process, numpy's generator);
5. GEMAct's Monte Carlo on Poisson-lognormal admissions with one layer;
6. population scaling: kernel throughput and a fresh process's peak RSS by insured size;
7. numba compile time, cold (empty cache) and with the cache (fresh processes);
8. end-to-end workloads S / M / L (fresh process each: seconds, peak RSS), optionally with
   fewer paths than the workload defines and then extrapolated linearly in paths (labelled);
9. ``simi reimburse`` on a generated claims extract (10 million admissions; ``--quick``: 1
   million) in a fresh process: seconds and peak RSS (:mod:`benchmarks.reimburse_size`).

Writes ``benchmarks/results/latest.json`` (atomically; git-ignored) with the machine
description and the load average: the machine may be shared and timings are then noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numba
import numpy as np

from simi_actuarial.engine.inputs import slice_batch
from simi_actuarial.engine.tallies import T
from simi_actuarial.io import write_json
from tests.numpy_reference import reference_claims

from . import kernel_throughput, profile_samplers, proxy_engine, reimburse_size, rng_floor
from .gemact_ref import measure_gemact
from .report import markdown, table
from .workloads import (
    QUICK_PATHS,
    SCENARIOS,
    WORKLOADS,
    compile_times,
    parse_sets,
    run_size_process,
    run_workload,
)

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "latest.json"

TARGETS = {  # issue 5, on the 2-core development machine
    "kernel_vs_rng_floor": (">=", 0.5),
    "speedup_vs_numpy": (">=", 30.0),
    "speedup_vs_gemact": (">=", 4.0),
    "peak_rss_ratio_largest_vs_smallest_population": ("<=", 1.25),  # "flat": Assumption 25 %
    "workload_L_seconds": ("<=", 600.0),
    # issue 17: the DuckDB engine within the hand-written one's figures (10 M admissions)
    "reimburse_10m_seconds": ("<=", 18.0),
    "reimburse_10m_peak_rss_mb": ("<=", 414.0),
    # issue 15: the proxy engine at Guangxi size (45 M insured, 10 years, alpha = 0.005)
    "proxy_guangxi_solve_seconds": ("<=", 300.0),
    "proxy_guangxi_ci_half_width": ("<=", 1.0),
    "proxy_vs_micro_paths_per_second": (">=", 1000.0),
    "proxy_check_max_abs_z": ("<=", 4.0),
}

STEPS = ("kernel", "threads", "floor", "numpy", "gemact", "scaling", "profile", "compile",
         "workloads", "reimburse", "proxy")


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def describe_machine() -> dict:
    """CPU, cores, memory, versions and the load average now."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        import gemact
        gemact_v = getattr(gemact, "__version__", "installed")
    except ImportError:
        gemact_v = None
    import pandas
    import scipy
    return {
        "cpu": cpu, "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "numba_threads": numba.config.NUMBA_NUM_THREADS, "memory_gib": mem_gib,
        "os": platform.platform(), "python": platform.python_version(),
        "numpy": np.__version__, "numba": numba.__version__, "scipy": scipy.__version__,
        "pandas": pandas.__version__, "gemact": gemact_v,
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "note": "load averages (1, 5, 15 min) at the start and the end: other jobs on the "
                "machine slow every figure and add noise; compare runs at similar load",
    }


def evaluate_targets(r: dict) -> dict:
    """Each target with its value, whether it is met, and how the value was obtained."""
    out = {}
    for key, (op, bound) in TARGETS.items():
        value = r.get(key)
        if value is None:
            out[key] = {"target": f"{op} {bound:g}", "value": None, "met": None}
            continue
        met = value >= bound if op == ">=" else value <= bound
        out[key] = {"target": f"{op} {bound:g}", "value": value, "met": bool(met)}
    if "workload_L_seconds_basis" in r and out["workload_L_seconds"]["value"] is not None:
        out["workload_L_seconds"]["basis"] = r["workload_L_seconds_basis"]
    return out


def run(args) -> dict:
    """Run the selected steps; returns the results dictionary."""
    quick = args.quick
    skip = set(args.skip)
    threads_all = numba.config.NUMBA_NUM_THREADS
    r: dict = {"suite": "simi_actuarial hot-loop benchmarks (issue 5)", "quick": quick,
               "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "machine": describe_machine(),
               "units": {"claims": "admissions + outpatient special-disease cases (one cost "
                                   "variate each)",
                         "claimants": "person-years with any claim",
                         "person_years": "insured person-years simulated"}}
    kcfg = {"scenario": "default.yaml", "insured": args.kernel_insured, "years": 10,
            "paths": args.kernel_paths or (4 if quick else 16)}
    reps = 2 if quick else 3
    default = SCENARIOS / kcfg["scenario"]

    _log(f"kernel inputs: {kcfg}")
    k = kernel_throughput.measure(default, kcfg["insured"], kcfg["years"], kcfg["paths"],
                                  threads=threads_all, repeats=reps)
    model, kargs, tallies = k.pop("model"), k.pop("inputs"), k.pop("tallies")
    r["kernel"] = dict(kcfg, **k)
    r["kernel_claims_per_s"] = k["claims_per_s"]
    r["kernel_claimants_per_s"] = k["claimants_per_s"]
    r["kernel_person_years_per_s"] = k["person_years_per_s"]
    _log(f"kernel: {k['claims_per_s'] / 1e6:.2f} M claims/s on {k['threads']} threads")

    if "threads" not in skip:
        scaling = []
        for th in sorted({1, *range(2, threads_all + 1)}):
            t = kernel_throughput.time_kernel(kargs, th, reps)
            scaling.append({"threads": th, "claims_per_s": t["claims_per_s"],
                            "seconds": t["seconds"]})
        base = scaling[0]["claims_per_s"]
        for row in scaling:
            row["speedup"] = row["claims_per_s"] / base
            row["efficiency"] = row["speedup"] / row["threads"]
        r["thread_scaling"] = scaling
        numba.set_num_threads(threads_all)
        _log("thread scaling: " + ", ".join(f"{s['threads']}: {s['speedup']:.2f}x"
                                            for s in scaling))

    # Reference points: timed in interleaved rounds (kernel, floor, numpy, GEMAct), best of
    # the rounds each, so that a burst of load from other jobs biases no single ratio.
    draws = (tallies[..., T["admissions"]] + tallies[..., T["os_claimants"]]).astype(np.int64)
    n_paths, n_years = (1, 3) if quick else (2, 10)
    sub = slice_batch(kargs, n_paths, n_years)
    m = model.morbidity
    lvl = int(np.argmax(m.level_prob.mean(axis=0)))
    tot = tallies.reshape(-1, tallies.shape[-1]).sum(axis=0)
    cap = float(model.rules.bmi_cap[0, 0])
    gem_args = (tot[T["admissions"]] / k["person_years"], float(m.expected_cost_per_admission[lvl]),
                float(m.cost_sigma[lvl]), float(model.rules.bmi_deductible[0, 0, lvl]),
                cap if np.isfinite(cap) else 500_000.0)
    best: dict = {}

    def keep(name, rec, rate_key):
        if name not in best or rec[rate_key] > best[name][rate_key]:
            best[name] = rec

    for rnd in range(reps):
        _log(f"reference points, round {rnd + 1} of {reps}")
        keep("kernel", kernel_throughput.time_kernel(kargs, threads_all, 1), "claims_per_s")
        if "floor" not in skip:
            keep("floor", rng_floor.measure_floor(1, kargs.batch.paths, kargs.batch.years, draws, m, 1),
                 "draws_per_s")
        if "numpy" not in skip:
            t0 = time.perf_counter()
            nt, _ = reference_claims(sub)
            sec = time.perf_counter() - t0
            keep("numpy", {"paths": n_paths, "years": n_years, "claims": kernel_throughput.claims_of(nt),
                           "seconds": sec, "threads": 1, "claims_per_s": kernel_throughput.claims_of(nt) / sec},
                 "claims_per_s")
        if "gemact" not in skip:
            g = measure_gemact(*gem_args, n_sim=20_000 if quick else 200_000, seed=1 + rnd)
            if g:
                keep("gemact", g, "claims_per_s")
    # The kernel's figure is its best timing over rounds and thread counts (on a loaded
    # machine fewer threads can win); `kernel.threads` says which count gave it.
    candidates = [best["kernel"]] + [
        {"threads": s["threads"], "seconds": s["seconds"], "claims_per_s": s["claims_per_s"]}
        for s in r.get("thread_scaling", [])]
    kb = max(candidates, key=lambda c: c["claims_per_s"])
    if kb["claims_per_s"] > r["kernel_claims_per_s"]:
        r["kernel"].update(threads=kb["threads"], seconds=kb["seconds"])
        for key in ("claims", "claimants", "person_years"):
            r["kernel"][f"{key}_per_s"] = r["kernel"][key] / kb["seconds"]
            r[f"kernel_{key}_per_s"] = r["kernel"][f"{key}_per_s"]
    kcps = r["kernel_claims_per_s"]
    if "floor" in best:
        f = dict(best["floor"], threads=threads_all)
        r["rng_floor"] = f
        r["rng_floor_draws_per_s"] = f["draws_per_s"]
        r["kernel_vs_rng_floor"] = kcps / f["draws_per_s"]
        _log(f"RNG floor: {f['draws_per_s'] / 1e6:.2f} M draws/s; "
             f"kernel/floor {r['kernel_vs_rng_floor']:.2f}")
    one_thread = next((s["claims_per_s"] for s in r.get("thread_scaling", [])
                       if s["threads"] == 1), None)
    if "numpy" in best:
        r["numpy_reference"] = best["numpy"]
        r["numpy_reference_claims_per_s"] = best["numpy"]["claims_per_s"]
        r["speedup_vs_numpy"] = kcps / r["numpy_reference_claims_per_s"]
        if one_thread:
            r["speedup_vs_numpy_1_thread"] = one_thread / r["numpy_reference_claims_per_s"]
        _log(f"numpy reference: {r['numpy_reference_claims_per_s'] / 1e6:.2f} M claims/s; "
             f"speed-up {r['speedup_vs_numpy']:.1f}x")
    if "gemact" in best:
        g = best["gemact"]
        r["gemact"] = g
        r["gemact_claims_per_s"] = g["claims_per_s"]
        r["speedup_vs_gemact"] = kcps / g["claims_per_s"]
        if one_thread:
            r["speedup_vs_gemact_1_thread"] = one_thread / g["claims_per_s"]
        _log(f"GEMAct: {g['claims_per_s'] / 1e6:.2f} M claims/s; "
             f"speed-up {r['speedup_vs_gemact']:.1f}x")
    elif "gemact" not in skip:
        _log("GEMAct not installed (pip install -e '.[bench]'): skipped")

    if "profile" not in skip:
        numba.set_num_threads(1)
        t1 = kernel_throughput.time_kernel(kargs, 1, 1)
        numba.set_num_threads(threads_all)
        p = profile_samplers.profile(model, tallies, model.scenario.che.income_dispersion_sd,
                                     n=500_000 if quick else 2_000_000)
        p["kernel_ns_per_claimant_1_thread"] = 1e9 * t1["seconds"] / t1["claimants"]
        p["samplers_share_of_kernel"] = (p["budget_ns_per_claimant"]
                                         / p["kernel_ns_per_claimant_1_thread"])
        r["profile"] = p
        _log(f"profile: samplers {p['budget_ns_per_claimant']:.0f} ns of "
             f"{p['kernel_ns_per_claimant_1_thread']:.0f} ns per claimant")

    if "scaling" not in skip:
        sizes = [100_000, 5_879_600] if quick else \
            [100_000, 1_000_000, 5_879_600, 45_000_000]
        sc_years, sc_paths = (5, 1) if quick else (10, 2)
        rows = []
        for n in sizes:
            _, a = kernel_throughput.prepare(default, n, sc_years, sc_paths)
            t = kernel_throughput.time_kernel(a, threads_all, 1)
            rec = run_size_process(default, n, sc_years, sc_paths, progress=False)
            rows.append({"insured": n, "kernel_claims_per_s": t["claims_per_s"],
                         "peak_rss_mb": rec["peak_rss_mb"], "paths": sc_paths,
                         "years": sc_years})
            _log(f"population {n:,}: {t['claims_per_s'] / 1e6:.2f} M claims/s, "
                 f"peak RSS {rec['peak_rss_mb']:.0f} MB")
        r["population_scaling"] = rows
        r["peak_rss_ratio_largest_vs_smallest_population"] = (rows[-1]["peak_rss_mb"]
                                                              / rows[0]["peak_rss_mb"])

    if "compile" not in skip and (not quick or args.compile):
        _log("numba compile time (cold cache, then cached; fresh processes)")
        r["compile"] = compile_times()
        r["compile_cold_s"] = r["compile"]["cold_first_run_s"]
        r["compile_cached_s"] = r["compile"]["cached_first_run_s"]

    if "workloads" not in skip:
        specs = parse_sets(args.set, WORKLOADS)
        names = args.workloads or (["S", "M"] if quick else ["S", "M", "L"])
        r["workloads"] = {}
        for name in names:
            spec = specs[name]
            run_paths = spec.get("run_paths") or (min(QUICK_PATHS[name], spec["paths"])
                                                  if quick else spec["paths"])
            _log(f"workload {name}: {spec['insured']:,} insured, {spec['years']} years, "
                 f"{run_paths} of {spec['paths']} paths")
            w = run_workload(name, spec, run_paths, args.threads)
            r["workloads"][name] = w
            _log(f"workload {name}: {w['seconds']:.1f} s"
                 f"{' (extrapolated)' if w['extrapolated'] else ''}, "
                 f"peak RSS {w['peak_rss_mb']:.0f} MB")
        if "L" in r["workloads"]:
            wl = r["workloads"]["L"]
            r["workload_L_seconds"] = wl["seconds"]
            r["workload_L_seconds_basis"] = (f"extrapolated from {wl['paths_run']} paths"
                                             if wl["extrapolated"] else "measured")
        elif r["workloads"]:
            # estimate L from the largest workload run: same throughput per insured person-year
            big = max(r["workloads"].values(), key=lambda w: w["insured"])
            L = specs["L"]
            r["workload_L_seconds"] = round(
                big["seconds"] * (L["insured"] * L["years"] * L["paths"])
                / (big["insured"] * big["years"] * big["paths"]), 1)
            r["workload_L_seconds_basis"] = (
                "estimated: workload {} seconds scaled by insured person-years".format(
                    [n for n, w in r["workloads"].items() if w is big][0]))

    if "reimburse" not in skip:
        n = args.reimburse_admissions or (1_000_000 if quick else 10_000_000)
        _log(f"simi reimburse: {n:,} generated admissions (fresh process)")
        rr = reimburse_size.measure(n)
        r["reimburse"] = rr
        r["reimburse_seconds"] = rr["this_seconds"]
        r["reimburse_peak_rss_mb"] = rr["this_peak_rss_mb"]
        if n == 10_000_000:
            r["reimburse_10m_seconds"] = rr["this_seconds"]
            r["reimburse_10m_peak_rss_mb"] = rr["this_peak_rss_mb"]
        _log(f"simi reimburse: {rr['this_seconds']:.1f} s, peak RSS "
             f"{rr['this_peak_rss_mb']:.0f} MB")

    if "proxy" not in skip:
        n = args.proxy_paths or (20_000 if quick else proxy_engine.DEFAULT_PATHS)
        insured = args.proxy_insured or proxy_engine.GUANGXI_INSURED
        _log(f"proxy engine, {insured:,} insured: solve alpha = {proxy_engine.ALPHA} on "
             f"{n:,} paths")
        pr = proxy_engine.measure(n, log=_log, insured=insured)
        r["proxy"] = pr
        if insured == proxy_engine.GUANGXI_INSURED:  # the targets are for Guangxi size only
            for key in ("proxy_guangxi_solve_seconds", "proxy_guangxi_ci_half_width",
                        "proxy_vs_micro_paths_per_second", "proxy_check_max_abs_z"):
                r[key] = pr[key]

    r["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    r["targets"] = evaluate_targets(r)
    r["finished_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return r


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="about a minute: smaller inputs, S and M with few paths (extrapolated), "
                        "no cold compile")
    p.add_argument("--workloads", type=lambda s: [w.strip().upper() for w in s.split(",") if w],
                   default=None, help="comma list of S, M, L (default: S,M,L; --quick: S,M)")
    p.add_argument("--set", action="append", default=[], metavar="W.KEY=VALUE",
                   help="override a workload: scenario, insured, years, paths (the definition) "
                        "or run_paths (paths actually run, extrapolated), e.g. M.run_paths=100")
    p.add_argument("--skip", type=lambda s: [x.strip() for x in s.split(",") if x], default=[],
                   help=f"comma list of steps to skip: {', '.join(STEPS)}")
    p.add_argument("--compile", action="store_true", help="measure cold compile in --quick too")
    p.add_argument("--threads", type=int, default=None, help="numba threads of the workloads")
    p.add_argument("--kernel-insured", type=int, default=1_000_000,
                   help="population of the kernel / reference-point inputs (default 1,000,000)")
    p.add_argument("--kernel-paths", type=int, default=None,
                   help="paths of the kernel inputs (default 16; --quick 4)")
    p.add_argument("--reimburse-admissions", type=int, default=None, metavar="N",
                   help="admissions of the simi reimburse step (default 10,000,000; "
                        "--quick 1,000,000)")
    p.add_argument("--proxy-paths", type=int, default=None, metavar="N",
                   help="outer paths of the proxy step (default 100,000; --quick 20,000)")
    p.add_argument("--proxy-insured", type=int, default=None, metavar="N",
                   help="insured of the proxy step (default Guangxi's 45,345,000; another "
                        "size runs the same steps but judges no proxy target)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--markdown", type=Path, metavar="RESULTS.json",
                   help="print the README table of a results file and exit")
    args = p.parse_args(argv)
    if args.markdown is not None:
        print(markdown(json.loads(args.markdown.read_text())))
        return 0
    bad = [w for w in (args.workloads or []) if w not in WORKLOADS]
    bad_steps = [s for s in args.skip if s not in STEPS]
    if bad or bad_steps:
        p.error(f"unknown workload(s) {bad} or step(s) {bad_steps}")
    if args.kernel_insured < 1 or (args.kernel_paths is not None and args.kernel_paths < 1):
        p.error("--kernel-insured and --kernel-paths must be >= 1")
    parse_sets(args.set, WORKLOADS)  # fail fast on bad --set
    t0 = time.perf_counter()
    r = run(args)
    r["suite_seconds"] = time.perf_counter() - t0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.out, r)
    print(table(r))
    print(f"\nwrote {args.out} in {r['suite_seconds']:.0f} s (timings on a shared machine are "
          "noisy: see machine.loadavg_*)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
