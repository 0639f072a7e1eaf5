"""The benchmark suite's own logic: the RNG floor draws what it claims, workload overrides
are validated, targets are judged the right way round."""

import numpy as np
import pytest

from benchmarks.bench import WORKLOADS, evaluate_targets, parse_sets
from benchmarks.rng_floor import draw_costs
from simi_actuarial.morbidity.severity import spliced_mean


def test_floor_draws_the_spliced_cost_distribution():
    mu, sigma, thr, alpha, ptail = 8.5, 0.9, 50_000.0, 2.5, 0.01
    draws = np.full((3, 4), 20_000, dtype=np.int64)
    sums = draw_costs(np.uint64(3), np.arange(3), np.arange(2021, 2025), draws,
                      mu, sigma, thr, alpha, ptail)
    per_unit = sums / draws
    mean = per_unit.mean()
    se = per_unit.std(ddof=1) / np.sqrt(per_unit.size)
    assert abs(mean - spliced_mean(mu, sigma, thr, alpha, ptail)) < 4.5 * se
    assert len(np.unique(per_unit)) == per_unit.size  # one stream per unit


def test_workload_overrides():
    out = parse_sets(["M.run_paths=100", "L.insured=45_000_000", "S.scenario=nanning_2022.yaml"],
                     WORKLOADS)
    assert out["M"]["run_paths"] == 100 and out["M"]["paths"] == 1000
    assert out["S"]["scenario"] == "nanning_2022.yaml"
    assert WORKLOADS["M"].get("run_paths") is None  # the definitions are not modified
    for bad in ("M.paths=0", "X.paths=3", "M.colour=red", "M.paths=many", "Mpaths"):
        with pytest.raises(SystemExit):
            parse_sets([bad], WORKLOADS)


def test_targets_are_judged_by_direction():
    t = evaluate_targets({"kernel_vs_rng_floor": 0.6, "speedup_vs_numpy": 29.9,
                          "workload_L_seconds": 700.0, "workload_L_seconds_basis": "estimated"})
    assert t["kernel_vs_rng_floor"]["met"] is True
    assert t["speedup_vs_numpy"]["met"] is False
    assert t["workload_L_seconds"]["met"] is False
    assert t["workload_L_seconds"]["basis"] == "estimated"
    assert t["speedup_vs_gemact"]["met"] is None  # not measured: neither met nor failed


def test_suite_end_to_end_small(tmp_path, capsys):
    """The entry point runs its steps on tiny inputs and writes the documented keys."""
    import json

    from benchmarks.bench import main

    out = tmp_path / "latest.json"
    rc = main(["--quick", "--kernel-insured", "20000", "--kernel-paths", "1",
               "--skip", "threads,gemact,scaling,profile,compile", "--workloads", "S",
               "--set", "S.insured=20000", "--set", "S.years=2", "--set", "S.run_paths=1",
               "--reimburse-admissions", "20000", "--proxy-insured", "100000",
               "--proxy-paths", "200", "--out", str(out)])
    assert rc == 0
    r = json.loads(out.read_text())
    for key in ("kernel_claims_per_s", "rng_floor_draws_per_s", "kernel_vs_rng_floor",
                "numpy_reference_claims_per_s", "speedup_vs_numpy"):
        assert r[key] > 0, key
    assert r["kernel_vs_rng_floor"] == pytest.approx(
        r["kernel_claims_per_s"] / r["rng_floor_draws_per_s"])
    assert len(r["machine"]["loadavg_start"]) == 3
    s = r["workloads"]["S"]
    assert s["paths_run"] == 1 and s["extrapolated"] is True
    assert s["seconds"] == pytest.approx(s["seconds_run"] * 200, rel=0.01, abs=0.1)
    assert 10 < s["peak_rss_mb"] < 4000
    assert r["reimburse_seconds"] > 0
    p = r["proxy"]
    assert p["insured"] == 100_000 and p["paths"] == 200 and p["ci_low"] <= p["standard"]
    # a proxy step away from Guangxi size judges none of the Guangxi targets
    assert "proxy_guangxi_solve_seconds" not in r
    assert r["targets"]["proxy_guangxi_solve_seconds"]["met"] is None
    assert "kernel_vs_rng_floor" in capsys.readouterr().out
