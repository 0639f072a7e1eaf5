"""Absurd run sizes are refused before any work or file, with the estimate and the flag;
long runs print a time estimate first."""

from __future__ import annotations

import pandas as pd
import pytest
from cli_capture import assert_clear_rejection, run_cli

import simi_actuarial as sa
from simi_actuarial import run_size
from simi_actuarial.distributed.sweep import run_sweep
from simi_actuarial.errors import SimiInputError
from simi_actuarial.scenario.loader import load_scenario

SMALL = ["population.insured=5000", "horizon.years=3"]


@pytest.fixture(scope="module")
def small(small_guangxi):
    return load_scenario(small_guangxi, SMALL)


def test_trillion_paths_refused_before_anything_is_written(tmp_path, scenarios_dir):
    out = tmp_path / "run"
    rc, _, err = run_cli(["run", str(scenarios_dir / "default.yaml"), "--paths",
                          str(10**12), "--out", str(out), "--quiet"])
    assert_clear_rejection(rc, err)
    assert "--paths: 1,000,000,000,000 paths x 10 years need about" in err, err
    assert "PB of memory" in err and "paths fit" in err, err
    assert not out.exists()


def test_solve_refuses_too(scenarios_dir):
    rc, _, err = run_cli(["solve", str(scenarios_dir / "default.yaml"), "--paths",
                          str(10**12), "--quiet"])
    assert_clear_rejection(rc, err)
    assert "of memory" in err, err


def test_estimate_formula_by_hand(small):
    size = run_size.estimate(small, paths=1000, batch_paths=10)
    py = 1000 * 3
    batch = 10 * 3 * (101 * 2 * len(small.groups)) * run_size.BATCH_ARRAYS * 8
    assert size.memory == py * 8 * run_size.MEMORY_COLUMNS + batch
    assert size.disk == py * 8 * (run_size.FRAME_COLUMNS + run_size.RAW_COLUMNS)
    assert size.person_years == py * 5000
    two = run_size.estimate(small, paths=1000, batch_paths=10, copies=3, concurrent=2)
    assert two.memory == 2 * size.memory and two.disk == 3 * size.disk


def test_column_counts_match_the_written_outputs(small, tmp_path):
    """The estimate's columns are those of the real outputs, and paths.parquet is smaller
    than its uncompressed bound."""
    res = sa.simulate(small, paths=200, seed=3)
    out = sa.write_results(res, tmp_path / "o")
    assert run_size.FRAME_COLUMNS == len(res.paths.columns)
    assert run_size.RAW_COLUMNS == res.raw.tallies.shape[2] + 2  # + cost index, utilisation
    parquet = (out / "paths.parquet").stat().st_size
    assert parquet <= 200 * 3 * 8 * run_size.FRAME_COLUMNS


def test_memory_refusal_names_flag_and_fit(monkeypatch, small_guangxi, small, tmp_path):
    need = run_size.estimate(small, 100).memory
    monkeypatch.setattr(run_size, "available_memory", lambda: need)  # 80 % usable: too little
    rc, _, err = run_cli(["run", small_guangxi, *sum((["--set", s] for s in SMALL), []),
                          "--paths", "100", "--out", str(tmp_path / "r"), "--quiet"])
    assert_clear_rejection(rc, err)
    assert "--paths: 100 paths x 3 years need about" in err and "of memory" in err, err
    assert "at most about 79 paths fit" in err or "at most about 80 paths fit" in err, err
    assert not (tmp_path / "r").exists()
    with pytest.raises(SimiInputError, match="of memory"):  # the API too
        sa.simulate(small, paths=100, seed=1)
    monkeypatch.setattr(run_size, "available_memory", lambda: need / run_size.HEADROOM * 1.01)
    assert sa.simulate(small, paths=100, seed=1).n_paths == 100


def test_disk_refusal(monkeypatch, small_guangxi, tmp_path):
    monkeypatch.setattr(run_size, "free_disk", lambda path: 1e5)
    rc, _, err = run_cli(["run", small_guangxi, *sum((["--set", s] for s in SMALL), []),
                          "--paths", "100", "--out", str(tmp_path / "r"), "--quiet"])
    assert_clear_rejection(rc, err)
    assert "of disk" in err and f"free at {tmp_path / 'r'}" in err, err
    assert not (tmp_path / "r").exists()


def test_sweep_counts_every_point_on_disk(monkeypatch, small_guangxi, small, tmp_path):
    """Disk for one point fits, three do not: refused before the first point runs."""
    one = run_size.estimate(small, 20).disk
    monkeypatch.setattr(run_size, "free_disk", lambda path: 2 * one / run_size.HEADROOM)
    grid = [("financing.simi_per_capita", ["90", "100", "110"])]
    with pytest.raises(SimiInputError, match="of disk"):
        run_sweep(small_guangxi, grid, tmp_path / "sw", overrides=SMALL, paths=20)
    assert not (tmp_path / "sw").exists()
    index = run_sweep(small_guangxi, grid[:1] and [(grid[0][0], ["90", "100"])],
                      tmp_path / "sw", overrides=SMALL, paths=20)
    assert isinstance(index, pd.DataFrame) and len(index) == 2


def test_long_run_prints_its_time_estimate(monkeypatch, small, capsys):
    monkeypatch.setattr(run_size, "CALIBRATE_ABOVE", 0.0)
    monkeypatch.setattr(run_size, "REPORT_ABOVE_S", 0.0)
    sa.simulate(small, paths=4, seed=1)
    err = capsys.readouterr().err
    assert "note: 4 paths of" in err and "hours on this machine's CPU" in err, err
    seconds = run_size.estimate_seconds(small, 4000, batch_paths=8)
    assert seconds is not None and seconds > 0


def test_short_run_is_not_calibrated(monkeypatch, small, capsys):
    monkeypatch.setattr(run_size, "REPORT_ABOVE_S", 0.0)
    assert run_size.estimate_seconds(small, 4) is None  # 60,000 person-years
    sa.simulate(small, paths=4, seed=1)
    assert "note:" not in capsys.readouterr().err


def test_cgroup_limit_caps_available_memory(tmp_path):
    (tmp_path / "memory.max").write_text("1000000\n")
    (tmp_path / "memory.current").write_text("250000\n")
    assert run_size._cgroup_headroom(str(tmp_path)) == 750000
    (tmp_path / "memory.max").write_text("max\n")
    assert run_size._cgroup_headroom(str(tmp_path)) == float("inf")
    assert run_size._cgroup_headroom(str(tmp_path / "none")) == float("inf")
    assert 0 < run_size.available_memory() < float("inf")


def test_human_units():
    assert run_size.human(999) == "999 B"
    assert run_size.human(1.5e9) == "1.5 GB"
    assert run_size.human(2e15) == "2.0 PB"
