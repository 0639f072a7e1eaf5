"""The proxy engine through the API and the CLI: --engine on every simulating command, the
design options, `simi run --check-micro` (passing, failing on a corrupted proxy), the
manifest, --resume and --verify across engines, calibrate --engine proxy, the report."""

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from cli_capture import assert_clear_rejection, run_cli

import simi_actuarial.engine.simulate as simulate_module
from simi_actuarial import run_size
from simi_actuarial.api import compare, simulate
from simi_actuarial.checkpoint import Checkpoint, run_identity
from simi_actuarial.cli import build_parser, main
from simi_actuarial.cli.common import ENGINE_CHOICES
from simi_actuarial.engine.model import resolve_model
from simi_actuarial.engine.proxy.design import ProxyDesign
from simi_actuarial.engine.proxy.moments import build_tables
from simi_actuarial.engine.proxy_check import check_against_micro
from simi_actuarial.engine.simulate import ENGINES, batches, run_batch, simulate_raw
from simi_actuarial.engine.tallies import N_TALLIES, TALLY_NAMES
from simi_actuarial.scenario.loader import load_scenario, scenario_hash

PATHS, BATCH, SEED = 12, 3, 11
#: a smaller inner sample than the default (the small scenario's 20,000 insured expect
#: ~3,000 claimants a year; 50,000 inner claimants per grid point keep each build short)
DESIGN = ["--engine", "proxy", "--proxy-min-inner", "50000"]
SMALL_DESIGN = ProxyDesign(min_inner=50_000)


@pytest.fixture(scope="module")
def proxy_run(small_guangxi, tmp_path_factory):
    """A checked proxy run with its report: (directory, stdout)."""
    out = tmp_path_factory.mktemp("proxy") / "run"
    rc, stdout, err = run_cli(["run", small_guangxi, "--paths", str(PATHS),
                               "--batch-paths", str(BATCH), "--out", str(out), "--quiet",
                               "--check-micro", "8", "--report", *DESIGN])
    assert rc == 0, err
    return out, stdout


def test_engine_choices_are_the_engines():
    assert ENGINE_CHOICES == ENGINES
    parser = build_parser()
    for argv in (["run", "S", "--out", "D"], ["solve", "S"], ["compare", "A", "B"],
                 ["sensitivity", "S"], ["sweep", "S", "--out", "D"], ["calibrate"]):
        assert parser.parse_args([*argv, "--engine", "proxy"]).engine == "proxy", argv
        assert parser.parse_args(argv).engine is None  # default: micro (or the recorded one)


def test_proxy_run_records_engine_design_and_check(proxy_run):
    out, stdout = proxy_run
    m = json.loads((out / "manifest.json").read_text())
    assert m["complete"] is True and m["engine"] == "proxy"
    proxy = m["proxy"]
    assert proxy["min_inner"] == 50_000 and proxy["grid_points"] == 11
    assert proxy["process_noise"] is True and proxy["build_seconds"] > 0
    assert len(proxy["cost_index_grid"]) == len(m["years"]) == 5
    assert all(n >= 50_000 for n in proxy["inner_claimants_per_grid_point"])
    check = m["proxy_check"]
    assert check["paths"] == 8 and check["ok"] is True and check["file"] == "proxy_check.csv"
    assert 0 <= check["max_abs_z"] <= 4
    table = pd.read_csv(out / "proxy_check.csv")
    assert list(table["tally"]) == list(TALLY_NAMES)
    assert {"micro_mean", "proxy_mean", "z"} <= set(table.columns)
    assert check["max_abs_z"] == pytest.approx(table["z"].abs().max(), abs=1e-4)
    assert "proxy check against the microsimulation on 8 path(s)" in stdout
    assert "passed, largest |z|" in stdout and "proxy engine (built in" in stdout
    assert "not checked" not in stdout
    assert not (out / ".checkpoint").exists()
    # the workbook's manifest sheet and the report show the engine and the design
    sheet = pd.read_excel(out / "results.xlsx", sheet_name="manifest").set_index("key")["value"]
    assert sheet["engine"] == "proxy" and int(sheet["proxy.min_inner"]) == 50_000
    assert bool(sheet["proxy_check.ok"]) is True
    html = (out / "report.html").read_text()
    assert "proxy: conditional moments from inner microsimulations on 11 cost-factor grid" in html
    assert "checked against the microsimulation on 8 paths" in html
    assert "estimation error is common to every path" in html
    zh = out.parent / "report_zh.html"
    rc, _, err = run_cli(["report", str(out), "-o", str(zh), "--lang", "zh"])
    assert rc == 0, err
    text = zh.read_text()
    assert "代理引擎：每年在 11 个费用因子网格点上" in text and "已在 8 条路径上与微观模拟对照检验" in text
    assert "各路径内的赔付由代理引擎的条件矩抽取" in text


def test_verify_reruns_the_recorded_engine_and_check(proxy_run):
    out, _ = proxy_run
    rc, stdout, err = run_cli(["run", "--verify", str(out), "--quiet", "--batch-paths", "5"])
    assert rc == 0, err
    assert "verified: summary.csv, paths.parquet, proxy_check.csv identical" in stdout
    assert "proxy engine" in stdout
    for extra, option in ((["--engine", "micro"], "--engine"),
                          (["--proxy-grid-points", "7"], "--proxy-*"),
                          (["--check-micro", "3"], "--check-micro")):
        rc, _, err = run_cli(["run", "--verify", str(out), "--quiet", *extra])
        assert_clear_rejection(rc, err)
        assert option in err and "leave it out" in err


def test_verify_detects_a_changed_check(proxy_run, tmp_path):
    out, _ = proxy_run
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("summary.csv", "paths.parquet", "manifest.json", "proxy_check.csv"):
        (copy / name).write_bytes((out / name).read_bytes())
    table = pd.read_csv(copy / "proxy_check.csv")
    table.loc[0, "z"] += 0.5
    table.to_csv(copy / "proxy_check.csv", index=False)
    rc, _, err = run_cli(["run", "--verify", str(copy), "--quiet"])
    assert rc == 1 and f"proxy_check.csv: column z: 1 of {N_TALLIES} rows differ" in err


def test_bad_engine_options_exit_2_naming_the_option(small_guangxi, tmp_path):
    cases = [
        (["run", small_guangxi, "--out", str(tmp_path / "a"), "--check-micro", "5"],
         "--check-micro", "needs --engine proxy"),
        (["run", small_guangxi, "--out", str(tmp_path / "b"), "--proxy-grid-points", "7"],
         "--proxy-grid-points", "needs --engine proxy"),
        (["run", small_guangxi, "--out", str(tmp_path / "c"), "--engine", "proxy",
          "--proxy-grid-points", "3"], "--proxy-grid-points", "grid_points must be between 4"),
        (["run", small_guangxi, "--out", str(tmp_path / "c"), "--engine", "proxy",
          "--proxy-grid-points", "1000000"], "--proxy-grid-points", "and 101"),
        (["run", small_guangxi, "--out", str(tmp_path / "c"), "--engine", "proxy",
          "--proxy-inner-multiple", "inf"], "--proxy-inner-multiple", "must be finite"),
        (["run", small_guangxi, "--out", str(tmp_path / "d"), "--engine", "proxy",
          "--proxy-min-inner", "0"], "--proxy-min-inner", "min_inner"),
        (["run", small_guangxi, "--out", str(tmp_path / "e"), "--engine", "proxy",
          "--proxy-inner-multiple", "-1"], "--proxy-inner-multiple", "inner_multiple must be > 0"),
        (["solve", small_guangxi, "--proxy-inner-multiple", "2"], "--proxy-inner-multiple",
         "needs --engine proxy"),
        (["compare", small_guangxi, small_guangxi, "--engine", "proxy", "--proxy-grid-points", "2"],
         "--proxy-grid-points", "grid_points"),
    ]
    for argv, option, text in cases:
        rc, _, err = run_cli([*argv, "--quiet"])
        assert_clear_rejection(rc, err)
        assert option in err and text in err, (argv, err)
    assert not any((tmp_path / d).exists() for d in "abcde")  # nothing written
    rc, _, err = run_cli(["run", small_guangxi, "--out", str(tmp_path / "f"), "--engine", "fast"])
    assert rc == 2 and "invalid choice: 'fast'" in err


def _corrupted(scale):
    """``build_tables`` whose mean tallies are off by the factor ``scale``."""
    original = build_tables

    def build(*args, **kwargs):
        t = original(*args, **kwargs)
        return replace(t, mean0=t.mean0 * scale, mean1=t.mean1 * scale)

    return build


def test_check_catches_a_corrupted_proxy(small_guangxi):
    """API level: tables whose means are 5 % off fail the check, naming the tallies."""
    sc = load_scenario(small_guangxi)
    raw = simulate_raw(sc, 10, SEED, engine="proxy", design=SMALL_DESIGN)
    good = check_against_micro(raw, 10)
    assert good.ok and good.message() == ""
    bad_tables = replace(raw.proxy, mean0=raw.proxy.mean0 * 1.05, mean1=raw.proxy.mean1 * 1.05)
    bad_raw = replace(raw, proxy=bad_tables, model=replace(raw.model, proxy=bad_tables))
    bad = check_against_micro(bad_raw, 10)
    assert not bad.ok and bad.max_abs_z > 4
    assert "total_cost: z = -" in bad.message() and "claimants: z = -" in bad.message()


def test_failed_check_does_not_publish_the_run(small_guangxi, tmp_path, monkeypatch):
    monkeypatch.setattr(simulate_module, "build_tables", _corrupted(1.05))
    out = tmp_path / "run"
    out.mkdir()
    for stale in ("summary.csv", "results.xlsx", "report.html"):  # an earlier run's
        (out / stale).write_text("old")
    rc, stdout, err = run_cli(["run", small_guangxi, "--paths", "10", "--out", str(out), "--quiet",
                               "--check-micro", "10", *DESIGN])
    assert_clear_rejection(rc, err, code=1)
    assert "the proxy failed its check against the microsimulation on 10 path(s)" in err
    assert "|z| > 4 for total_cost" in err and "Results not published" in err
    assert "FAILED, largest |z|" in stdout
    m = json.loads((out / "manifest.json").read_text())
    assert m["complete"] is False and m["engine"] == "proxy"
    assert m["proxy_check"]["ok"] is False and "total_cost" in m["proxy_check"]["failed_tallies"]
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "proxy_check.csv"]
    for argv, text in ((["--resume", str(out)], "nothing to resume"),
                       (["--verify", str(out)], "no results to verify")):
        rc, _, err = run_cli(["run", *argv, "--quiet"])
        assert_clear_rejection(rc, err)
        assert "failed its --check-micro" in err and text in err


def _checkpointed(small_guangxi, out, engine, n_done, design=None, check_micro=None):
    """A run directory as an interruption after ``n_done`` batches leaves it."""
    sc = load_scenario(small_guangxi)
    plan = batches(PATHS, BATCH)
    ck = Checkpoint.create(out, {**run_identity(sc, scenario_hash(sc), SEED, PATHS, plan,
                                                engine, design), "check_micro": check_micro})
    model = resolve_model(sc)
    if engine == "proxy" and n_done:
        model = replace(model, proxy=build_tables(model, SEED, design))
    for first, n in plan[:n_done]:
        ck.save(run_batch(model, SEED, first, n))
    return ck


def test_resume_keeps_the_engine_and_refuses_another(small_guangxi, tmp_path):
    proxy_dir = tmp_path / "proxy"
    _checkpointed(small_guangxi, proxy_dir, "proxy", 2, SMALL_DESIGN, check_micro=4)
    for extra, words in ((["--engine", "micro"], ("engine", "checkpoint of the proxy engine, "
                                                  "this run micro", "--engine proxy")),
                         (["--proxy-grid-points", "7"], ("proxy_design", "grid_points 11 "
                                                         "(this run 7)"))):
        rc, _, err = run_cli(["run", "--resume", str(proxy_dir), "--quiet", *extra])
        assert_clear_rejection(rc, err)
        assert all(w in err for w in words), err
    assert len(list((proxy_dir / ".checkpoint").glob("batch_*.npz"))) == 2  # nothing lost
    # without options the recorded engine and design are used: identical to a plain run
    rc, _, err = run_cli(["run", "--resume", str(proxy_dir), "--quiet"])
    assert rc == 0, err
    plain = tmp_path / "plain"
    rc, _, err = run_cli(["run", small_guangxi, "--paths", str(PATHS), "--seed", str(SEED),
                          "--batch-paths", str(BATCH), "--out", str(plain), "--quiet", *DESIGN])
    assert rc == 0, err
    pd.testing.assert_frame_equal(pd.read_parquet(proxy_dir / "paths.parquet"),
                                  pd.read_parquet(plain / "paths.parquet"), check_exact=True)
    m = json.loads((proxy_dir / "manifest.json").read_text())
    assert m["engine"] == "proxy" and m["proxy"]["min_inner"] == 50_000
    assert m["proxy_check"]["paths"] == 4 and m["proxy_check"]["ok"] is True  # as started
    # a microsimulation's checkpoint (also one written before engines were recorded)
    micro_dir = tmp_path / "micro"
    ck = _checkpointed(small_guangxi, micro_dir, "micro", 0)
    meta = json.loads((ck.root / "meta.json").read_text())
    for k in ("engine", "proxy_design"):
        meta.pop(k)
    (ck.root / "meta.json").write_text(json.dumps(meta))
    rc, _, err = run_cli(["run", "--resume", str(micro_dir), "--quiet", "--engine", "proxy"])
    assert_clear_rejection(rc, err)
    assert "checkpoint of the micro engine, this run proxy" in err


def test_compare_on_the_proxy_shares_the_inner_random_numbers(small_guangxi):
    """The same scenario twice: the proxy is rebuilt on the same seed for both, so every
    paired difference is exactly 0."""
    cmp_ = compare(small_guangxi, small_guangxi, paths=6, engine="proxy", design=SMALL_DESIGN)
    assert cmp_.base.raw.engine == cmp_.reform.raw.engine == "proxy"
    assert np.array_equal(cmp_.base.raw.tallies, cmp_.reform.raw.tallies)
    assert (cmp_.table["difference"].fillna(0) == 0).all()
    with pytest.raises(ValueError, match="engine must be one of"):
        simulate(small_guangxi, paths=2, engine="fast")
    with pytest.raises(ValueError, match="needs engine='proxy'"):
        simulate(small_guangxi, paths=2, design=SMALL_DESIGN)


def test_unchecked_run_and_sweep_record_the_engine(small_guangxi, tmp_path):
    out = tmp_path / "sw"
    rc, stdout, err = run_cli(["run", small_guangxi, "--paths", "4", "--out", str(tmp_path / "run"),
                               "--quiet", *DESIGN])
    assert rc == 0, err
    assert "not checked against the microsimulation: --check-micro N" in stdout
    rc, _, err = run_cli(["sweep", small_guangxi, "--grid", "financing.simi_per_capita=100",
                          "--paths", "4", "--out", str(out), "--quiet", *DESIGN])
    assert rc == 0, err
    index = pd.read_csv(out / "index.csv")
    assert list(index["engine"]) == ["proxy"]
    m = json.loads((out / "p000/manifest.json").read_text())
    assert m["engine"] == "proxy" and m["proxy"]["min_inner"] == 50_000


def test_long_micro_run_suggests_the_proxy(monkeypatch, small_guangxi, capsys):
    monkeypatch.setattr(run_size, "CALIBRATE_ABOVE", 0.0)
    monkeypatch.setattr(run_size, "SUGGEST_PROXY_ABOVE_S", 0.0)
    sc = load_scenario(small_guangxi)
    assert run_size.report_time(sc, 4, seed=1) is not None
    err = capsys.readouterr().err
    assert "minutes on this machine's CPU" in err and "--engine proxy" in err, err
    # the proxy is not estimated by a microsimulation batch (run_size docstring)
    assert run_size.estimate_seconds(sc, 4, seed=1, engine="proxy") is None
    assert run_size.report_time(sc, 4, seed=1, engine="proxy") is None
    assert capsys.readouterr().err == ""


TARGETS = """name: proxied
scenario: {scenario}
output: {output}
sample:
  insured: 20000
  paths: 3
  seed: 11
  overrides: [horizon.years=1, risk.cost_shock_sd=0, risk.utilisation_shock_sd=0,
              risk.trend_uncertainty_sd=0, risk.incidence_uncertainty_sd=0,
              risk.utilisation_trend_uncertainty_sd=0, risk.cost_level_uncertainty_sd=0]
max_evaluations: 2
parameters:
  - {{path: morbidity.incidence_multiplier, start: 1.0, lower: 0.5, upper: 2.0}}
targets:
  - {{statistic: simi_per_insured, year: 2021, value: 100, source: test}}
"""


def test_calibrate_on_the_proxy_is_noise_free(scenarios_dir, tmp_path):
    from simi_actuarial.calibration import read_targets
    from simi_actuarial.calibration.fit import sample_run

    tpath = tmp_path / "t.yaml"
    tpath.write_text(TARGETS.format(scenario=scenarios_dir / "nanning_2021.yaml",
                                    output=tmp_path / "cal.yaml"))
    tf = read_targets(tpath)
    # no systematic risk: every path has the same factors, so the noise-free proxy gives
    # every path the same (conditional mean) tallies; the microsimulation does not
    micro = sample_run(tf, {})
    proxied = sample_run(replace(tf, sample=replace(tf.sample, engine="proxy")), {})
    assert proxied.raw.engine == "proxy" and proxied.raw.proxy.design.process_noise is False
    t_micro, t_proxy = micro.raw.tallies, proxied.raw.tallies
    assert np.ptp(t_micro[:, 0, 0]) > 0
    assert np.ptp(t_proxy[:, 0, :], axis=0).max() == 0
    rc, stdout, err = run_cli(["calibrate", "--targets", str(tpath), "--quiet", "--threads",
                               "1", "--engine", "proxy"])
    assert rc == 0, err
    assert "proxy engine: conditional mean, no process noise" in stdout
    text = " ".join(line.lstrip("# ") for line in (tmp_path / "cal.yaml").read_text().splitlines())
    assert "proxy engine (conditional mean, no process noise)" in text
    help_text = build_parser()._subparsers._group_actions[0].choices["calibrate"].format_help()
    assert "no process noise" in " ".join(help_text.split())


def test_proxy_builds_for_any_seed(small_guangxi):
    """The inner stream key is a uint64 (seeds whose key is >= 2**63, e.g. 5 and 20240101,
    once overflowed int64)."""
    model = resolve_model(load_scenario(small_guangxi))
    for seed in (5, 20240101, 11):
        tables = build_tables(model, seed, SMALL_DESIGN)
        assert np.isfinite(tables.mean0).all()


def test_run_prints_the_engine_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option in ("--engine {micro,proxy}", "--check-micro N", "--proxy-grid-points",
                   "--proxy-inner-multiple", "--proxy-min-inner"):
        assert option in text


def test_solve_compare_and_sensitivity_run_on_the_proxy(small_guangxi, tmp_path, monkeypatch):
    """Each command passes the engine and design to every simulation it makes (solve's
    re-run on a fresh seed too)."""
    seen = []
    original = simulate_module.build_tables

    def spy(model, seed, design, progress=None):
        seen.append((seed, design))
        return original(model, seed, design, progress=progress)

    monkeypatch.setattr(simulate_module, "build_tables", spy)
    rc, stdout, err = run_cli(["solve", small_guangxi, "--paths", "8", "--verify-paths", "4",
                               "--json", "--quiet", "--bootstrap", "9", "--seed", "13",
                               *DESIGN])
    assert rc == 0, err
    assert json.loads(stdout)["verify_seed"] == 13 + 1_000_003
    assert [s for s, _ in seen] == [13, 13 + 1_000_003]
    rc, stdout, err = run_cli(["compare", small_guangxi, small_guangxi, "--paths", "4",
                               "--quiet", *DESIGN])
    assert rc == 0, err
    assert "(proxy engine: inner simulations on common random numbers too)" in stdout
    rc, stdout, err = run_cli(["sensitivity", small_guangxi, "--paths", "4", "--quiet", "--vary",
                               "risk.cost_trend", "--bootstrap", "9", *DESIGN])
    assert rc == 0, err
    assert len(seen) == 2 + 2 + 3  # solve, compare, sensitivity (base, low, high)
    assert all(d == SMALL_DESIGN for _, d in seen)
    assert {s for s, _ in seen[2:]} == {SEED}


def test_solve_prints_the_proxy_error_and_check_beyond_paths_is_noted(small_guangxi, tmp_path):
    """New-user trial: solve's text says its interval includes the proxy's error (with the
    sd); --check-micro above the run's paths says it checks them all; a proxy run's default
    batches are large (few checkpoint files)."""
    rc, stdout, err = run_cli(["solve", small_guangxi, "--paths", "6", "--verify-paths", "0",
                               "--bootstrap", "9", "--quiet", *DESIGN])
    assert rc == 0, err
    assert "interval includes the proxy's own estimation error (sd " in stdout
    rc, stdout, err = run_cli(["solve", small_guangxi, "--paths", "6", "--verify-paths", "0",
                               "--bootstrap", "9", "--quiet"])
    assert rc == 0 and "proxy" not in stdout
    rc, _, err = run_cli(["run", small_guangxi, "--out", str(tmp_path / "r"), "--paths", "5",
                          "--check-micro", "50", "--quiet", *DESIGN])
    assert rc == 0, err
    assert "--check-micro 50 is more than the run's 5 path(s): checking all 5" in err
    plan = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert plan["proxy_check"]["paths"] == 5
    assert simulate_module.default_batch_paths(load_scenario(small_guangxi), "proxy") == 5000
