"""The suite's printed table and the README's markdown table."""

from __future__ import annotations


def _fmt(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "NO"
    if isinstance(x, float):
        if abs(x) >= 1e6:
            return f"{x / 1e6:,.2f} M"
        return f"{x:,.2f}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)


def table(r: dict) -> str:
    """The human-readable summary printed at the end of a run."""
    m = r["machine"]
    lines = [f"machine: {m['cpu']}, {m['usable_cores']} usable cores, {m['memory_gib']} GiB, "
             f"numba {m['numba']} ({m['numba_threads']} threads), numpy {m['numpy']}; "
             f"load average {m['loadavg_start'][0]:.1f} -> {m['loadavg_end'][0]:.1f}"
             + ("  [quick]" if r["quick"] else ""),
             "", f"{'metric':44s} {'value':>14s}   target"]
    tg = r.get("targets", {})
    for key in ("kernel_claims_per_s", "kernel_claimants_per_s", "kernel_person_years_per_s",
                "rng_floor_draws_per_s", "kernel_vs_rng_floor", "numpy_reference_claims_per_s",
                "speedup_vs_numpy", "speedup_vs_numpy_1_thread", "gemact_claims_per_s",
                "speedup_vs_gemact", "speedup_vs_gemact_1_thread",
                "peak_rss_ratio_largest_vs_smallest_population", "compile_cold_s",
                "compile_cached_s", "workload_L_seconds", "reimburse_seconds",
                "reimburse_peak_rss_mb"):
        if key not in r:
            continue
        t = tg.get(key)
        mark = "" if t is None else f"{t['target']:>8s}  {'met' if t['met'] else 'NOT MET'}"
        lines.append(f"{key:44s} {_fmt(r[key]):>14s}   {mark}")
    if "thread_scaling" in r:
        lines.append("thread scaling (claims/s): " + ", ".join(
            f"{s['threads']} -> {_fmt(s['claims_per_s'])} ({s['speedup']:.2f}x)"
            for s in r["thread_scaling"]))
    if "population_scaling" in r:
        lines.append("population scaling: " + ", ".join(
            f"{s['insured']:,}: {_fmt(s['kernel_claims_per_s'])} claims/s, "
            f"{s['peak_rss_mb']:.0f} MB" for s in r["population_scaling"]))
    if r.get("workloads"):
        lines += ["", f"{'workload':9s} {'insured':>11s} {'years':>5s} {'paths':>6s} "
                      f"{'run':>5s} {'seconds':>9s} {'claimants/s':>12s} {'peak RSS MB':>11s}"]
        for name in sorted(r["workloads"], key="SML".index):
            w = r["workloads"][name]
            sec = f"{w['seconds']:,.0f}{'*' if w['extrapolated'] else ''}"
            lines.append(f"{name:9s} {w['insured']:>11,} {w['years']:>5} {w['paths']:>6} "
                         f"{w['paths_run']:>5} {sec:>9s} {_fmt(float(w['claimants_per_s'])):>12s} "
                         f"{w['peak_rss_mb']:>11.0f}")
        if any(w["extrapolated"] for w in r["workloads"].values()):
            lines.append("* extrapolated linearly in paths from the paths run")
    if "workload_L_seconds_basis" in r:
        lines.append(f"workload L seconds: {r['workload_L_seconds_basis']}")
    return "\n".join(lines)


def markdown(r: dict) -> str:
    """The README's results table for a results file."""
    m = r["machine"]
    tg = r.get("targets", {})

    def row(label, key, unit=""):
        if key not in r:
            return None
        t = tg.get(key)
        mark = "" if t is None else f"{t['target']} — {'met' if t['met'] else '**not met**'}"
        if t is not None and t.get("basis"):
            mark += f" ({t['basis']})"
        return f"| {label} | {_fmt(r[key])}{unit} | {mark} |"

    rows = [
        f"Machine: {m['cpu']}, {m['usable_cores']} cores, {m['memory_gib']} GiB; Python "
        f"{m['python']}, numpy {m['numpy']}, numba {m['numba']}, GEMAct {m['gemact']}; "
        f"{r['started_utc']}{', --quick' if r['quick'] else ''}; load average "
        f"{m['loadavg_start'][0]:.1f} at the start, {m['loadavg_end'][0]:.1f} at the end "
        f"(shared machine: noisy).", "",
        "| metric | value | target (issue 5) |", "|---|---:|---|",
    ]
    for label, key, unit in (
            ("kernel: claims/s (all threads)", "kernel_claims_per_s", ""),
            ("kernel: claimants/s", "kernel_claimants_per_s", ""),
            ("kernel: insured person-years/s", "kernel_person_years_per_s", ""),
            ("bare RNG floor: cost variates/s", "rng_floor_draws_per_s", ""),
            ("`kernel_vs_rng_floor`", "kernel_vs_rng_floor", ""),
            ("numpy reference: claims/s (1 process)", "numpy_reference_claims_per_s", ""),
            ("`speedup_vs_numpy`", "speedup_vs_numpy", "×"),
            ("`speedup_vs_numpy`, kernel on 1 thread", "speedup_vs_numpy_1_thread", "×"),
            ("GEMAct MC: claims/s", "gemact_claims_per_s", ""),
            ("`speedup_vs_gemact`", "speedup_vs_gemact", "×"),
            ("`speedup_vs_gemact`, kernel on 1 thread", "speedup_vs_gemact_1_thread", "×"),
            ("peak RSS, largest / smallest population", "peak_rss_ratio_largest_vs_smallest_population", ""),
            ("numba compile, cold cache (s)", "compile_cold_s", ""),
            ("numba load, cached (s)", "compile_cached_s", ""),
            ("workload L (s)", "workload_L_seconds", ""),
            ("`simi reimburse`, 10 M admissions (s)", "reimburse_10m_seconds", ""),
            ("`simi reimburse`, 10 M admissions: peak RSS (MB)", "reimburse_10m_peak_rss_mb", ""),
            ("proxy, Guangxi size: solve α = 0.005 incl. build (s)", "proxy_guangxi_solve_seconds", ""),
            ("proxy, Guangxi size: 95 % CI half-width (CNY)", "proxy_guangxi_ci_half_width", ""),
            ("proxy vs micro: paths per second", "proxy_vs_micro_paths_per_second", "×"),
            ("proxy vs micro: largest |z|", "proxy_check_max_abs_z", "")):
        line = row(label, key, unit)
        if line:
            rows.append(line)
    if r.get("thread_scaling"):
        rows += ["", "Threads: " + ", ".join(
            f"{s['threads']} → {_fmt(s['claims_per_s'])} claims/s ({s['speedup']:.2f}×)"
            for s in r["thread_scaling"]) + "."]
    if r.get("population_scaling"):
        rows += ["Population: " + ", ".join(
            f"{s['insured']:,} insured → {_fmt(s['kernel_claims_per_s'])} claims/s, "
            f"peak RSS {s['peak_rss_mb']:.0f} MB" for s in r["population_scaling"]) + "."]
    if r.get("workloads"):
        rows += ["", "| workload | insured | years | paths | paths run | seconds | claimants/s "
                     "| peak RSS (MB) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name in sorted(r["workloads"], key="SML".index):
            w = r["workloads"][name]
            sec = f"{w['seconds']:,.0f}" + (" (extrapolated)" if w["extrapolated"] else "")
            rows.append(f"| {name} | {w['insured']:,} | {w['years']} | {w['paths']:,} | "
                        f"{w['paths_run']:,} | {sec} | {_fmt(float(w['claimants_per_s']))} | "
                        f"{w['peak_rss_mb']:.0f} |")
    return "\n".join(rows)
