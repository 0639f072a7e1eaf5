"""Same scenario and seed -> identical output files, whatever the process, thread count,
batch size or executor; the manifest identifies the run (scenario hash, versions)."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np
import pandas as pd
import yaml

from simi_actuarial.cli import main
from simi_actuarial.engine.rng import STREAM_VERSION
from simi_actuarial.engine.simulate import run_batch, simulate_raw
from simi_actuarial.scenario.loader import load_scenario, scenario_hash
from simi_actuarial.scenario.schema import Scenario


def _run(small_guangxi, out, *extra):
    assert main(["run", small_guangxi, "--paths", "7", "--seed", "5", "--out", str(out), "--quiet",
                 *extra]) == 0
    return out


def _files(out):
    return ((out / "summary.csv").read_bytes(), pd.read_parquet(out / "paths.parquet"))


def test_outputs_identical_across_runs_threads_and_batches(small_guangxi, tmp_path):
    a = _files(_run(small_guangxi, tmp_path / "a", "--threads", "1", "--batch-paths", "1"))
    b = _files(_run(small_guangxi, tmp_path / "b", "--threads", "2", "--batch-paths", "7"))
    c = _files(_run(small_guangxi, tmp_path / "c", "--threads", "2", "--batch-paths", "3"))
    for other in (b, c):
        assert other[0] == a[0]
        pd.testing.assert_frame_equal(other[1], a[1], check_exact=True)
    d = _files(_run(small_guangxi, tmp_path / "d", "--seed", "6"))  # the seed matters
    assert d[0] != a[0]


def test_fresh_interpreter_gives_identical_files(small_guangxi, tmp_path):
    """Another process (other hash seed, other import order) writes the same bytes."""
    ref = _run(small_guangxi, tmp_path / "ref")
    out = tmp_path / "sub"
    subprocess.run([sys.executable, "-m", "simi_actuarial.cli", "run", small_guangxi,
                    "--paths", "7", "--seed", "5", "--out", str(out), "--quiet", "--threads", "1"],
                   check=True, capture_output=True, env={"PYTHONHASHSEED": "123",
                                                         "PATH": "/usr/bin:/bin"})
    assert (out / "summary.csv").read_bytes() == (ref / "summary.csv").read_bytes()
    pd.testing.assert_frame_equal(*(pd.read_parquet(d / "paths.parquet") for d in (out, ref)),
                                  check_exact=True)


def test_any_executor_order_gives_identical_tallies(small_guangxi):
    """Batches computed concurrently and delivered in completion order."""
    sc = load_scenario(small_guangxi)

    def pool(model, seed, plan):
        with ThreadPoolExecutor(max_workers=3) as ex:
            futures = [ex.submit(run_batch, model, seed, s, n) for s, n in plan]
            for fut in as_completed(futures):
                yield fut.result()

    plain = simulate_raw(sc, 8, 9, threads=1, batch_paths=8)
    pooled = simulate_raw(sc, 8, 9, threads=1, batch_paths=2, executor=pool)
    assert np.array_equal(plain.tallies, pooled.tallies)
    assert np.array_equal(plain.hist, pooled.hist)
    assert np.array_equal(plain.cost_index, pooled.cost_index)


def test_manifest_identifies_the_run(small_guangxi, tmp_path):
    m = json.loads((_run(small_guangxi, tmp_path / "m") / "manifest.json").read_text())
    assert m["complete"] is True and m["seed"] == 5 and m["paths"] == 7
    assert set(m["versions"]) >= {"simi_actuarial", "python", "numpy", "numba", "pandas",
                                  "pyarrow"}
    assert m["versions"]["random_stream"] == STREAM_VERSION
    assert m["started_utc"] <= m["finished_utc"]
    sc = load_scenario(small_guangxi)
    assert m["scenario_hash"] == scenario_hash(sc)
    # the recorded scenario reads back to the same scenario (what --verify and --resume use)
    again = Scenario.model_validate_json(json.dumps(m["scenario_resolved"]))
    assert scenario_hash(again) == m["scenario_hash"]


def test_scenario_hash_ignores_layout_and_sees_every_value(small_guangxi, tmp_path):
    sc = load_scenario(small_guangxi)
    doc = sc.model_dump(mode="python")
    shuffled = dict(reversed(list(doc.items())))
    f = tmp_path / "s.yaml"
    f.write_text("# comment\n" + yaml.safe_dump(shuffled, sort_keys=True))
    assert scenario_hash(load_scenario(f)) == scenario_hash(sc)
    changed = load_scenario(small_guangxi, ["morbidity.cost_sigma.tertiary=0.9001"])
    assert scenario_hash(changed) != scenario_hash(sc)
