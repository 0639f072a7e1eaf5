"""Interrupted runs: checkpoints of finished batches, --resume after SIGINT and kill -9 gives
outputs identical to an uninterrupted run; mismatches are clear errors; --verify."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from simi_actuarial.api import simulate
from simi_actuarial.checkpoint import DELAY_ENV, Checkpoint, run_identity
from simi_actuarial.cli import main
from simi_actuarial.engine.simulate import batches, run_batch
from simi_actuarial.scenario.loader import load_scenario, scenario_hash

PATHS, BATCH = "12", "3"  # 4 batches


@pytest.fixture(scope="module")
def reference(small_guangxi, tmp_path_factory):
    """An uninterrupted run (2 threads, default batches)."""
    out = tmp_path_factory.mktemp("ref") / "out"
    assert main(["run", small_guangxi, "--paths", PATHS, "--threads", "2", "--out", str(out),
                 "--quiet"]) == 0
    return out


def _same_outputs(a, b):
    assert (a / "summary.csv").read_bytes() == (b / "summary.csv").read_bytes()
    pa, pb = pd.read_parquet(a / "paths.parquet"), pd.read_parquet(b / "paths.parquet")
    pd.testing.assert_frame_equal(pa, pb, check_exact=True)


def _interrupt(small_guangxi, out, sig):
    """Start ``simi run`` in a subprocess, wait for its first stored batch, send ``sig``."""
    env = {**os.environ, DELAY_ENV: "1.5"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simi_actuarial.cli", "run", small_guangxi, "--paths", PATHS,
         "--batch-paths", BATCH, "--threads", "1", "--out", str(out), "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ckpt = out / ".checkpoint"
    deadline = time.monotonic() + 180
    while not list(ckpt.glob("batch_*.npz")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no batch stored in time"
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["sigint", "kill-9"])
def test_resume_after_interrupt_is_identical(small_guangxi, reference, tmp_path, sig, capsys):
    out = tmp_path / "run"
    rc, err = _interrupt(small_guangxi, out, sig)
    if sig == signal.SIGINT:
        assert rc == 130
        assert f"simi run --resume {out}" in err and "Traceback" not in err
    else:
        assert rc == -signal.SIGKILL
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False and "started_utc" in manifest
    assert not (out / "summary.csv").exists() and not (out / "paths.parquet").exists()
    stored = list((out / ".checkpoint").glob("batch_*.npz"))
    assert 1 <= len(stored) < 4  # really interrupted mid-run
    # a different run into the same directory refuses to discard the unfinished one
    assert main(["run", small_guangxi, "--paths", PATHS, "--seed", "99", "--out", str(out),
                 "--quiet"]) == 2
    assert "--resume" in capsys.readouterr().err

    assert main(["run", "--resume", str(out), "--threads", "2", "--quiet"]) == 0
    assert f"{len(stored)} of 4 batch(es) already done" in capsys.readouterr().err
    _same_outputs(reference, out)
    final = json.loads((out / "manifest.json").read_text())
    assert final["complete"] is True and final["started_utc"] == manifest["started_utc"]
    assert "resumed_utc" in final and final["scenario_hash"] == manifest["scenario_hash"]
    assert not (out / ".checkpoint").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def _checkpointed_dir(small_guangxi, out, n_done):
    """A run directory as an interruption after ``n_done`` batches leaves it."""
    sc = load_scenario(small_guangxi)
    ident = run_identity(sc, scenario_hash(sc), sc.simulation.seed, int(PATHS),
                         batches(int(PATHS), int(BATCH)))
    ck = Checkpoint.create(out, ident)
    from simi_actuarial.engine.model import resolve_model

    model = resolve_model(sc)
    for first, n in batches(int(PATHS), int(BATCH))[:n_done]:
        ck.save(run_batch(model, sc.simulation.seed, first, n))
    return ck


def test_resume_mismatch_is_a_clear_error(small_guangxi, tmp_path, capsys):
    out = tmp_path / "run"
    _checkpointed_dir(small_guangxi, out, 2)
    cases = [(["--seed", "12"], "seed"), (["--paths", "13"], "paths"),
             (["--batch-paths", "4"], "--batch-paths"),
             ([small_guangxi, "--set", "risk.cost_trend=0.06"], "scenario_hash")]
    for extra, word in cases:
        rc = main(["run", "--resume", str(out), "--quiet", *extra])
        err = capsys.readouterr().err
        assert rc == 2, extra
        assert word in err and "Traceback" not in err
    assert len(list((out / ".checkpoint").glob("batch_*.npz"))) == 2  # nothing lost
    # a checkpoint written with another random-stream layout is not resumed: its batches
    # would not mix with this version's (one from before versions were recorded neither)
    meta_file = out / ".checkpoint" / "meta.json"
    meta = json.loads(meta_file.read_text())
    for value, word in ((meta["random_stream"] - 1, "random_stream"),
                        (None, "written by this version")):
        if value is None:
            meta.pop("random_stream")
        else:
            meta["random_stream"] = value
        meta_file.write_text(json.dumps(meta))
        assert main(["run", "--resume", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert word in err and "Traceback" not in err
    assert main(["run", "--resume", str(tmp_path / "nothing"), "--quiet"]) == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_checkpoint_of_another_tally_layout_is_refused(small_guangxi, tmp_path, capsys):
    """Batches of a version with other tally columns would mix columns silently: a checkpoint
    without the layout (written before it was recorded) or with another one is refused."""
    out = tmp_path / "run"
    _checkpointed_dir(small_guangxi, out, 2)
    meta_file = out / ".checkpoint" / "meta.json"
    meta = json.loads(meta_file.read_text())
    for change in ("drop", "reorder"):
        m = dict(meta)
        if change == "drop":
            m.pop("tally_layout")
        else:
            m["tally_layout"] = meta["tally_layout"][::-1]
        meta_file.write_text(json.dumps(m))
        assert main(["run", "--resume", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "tally_layout" in err, err
        assert ("before the tally layout was recorded" if change == "drop"
                else "another tally layout") in err, err
        assert "Traceback" not in err
    assert len(list((out / ".checkpoint").glob("batch_*.npz"))) == 2  # nothing lost


def test_same_run_again_continues_the_interrupted_one(small_guangxi, reference, tmp_path,
                                                      capsys):
    """Re-running the same command after an interruption reuses the stored batches (they
    are exactly what it would compute); a failed start with no batch is simply replaced."""
    out = tmp_path / "run"
    _checkpointed_dir(small_guangxi, out, 2)
    assert main(["run", small_guangxi, "--paths", PATHS, "--batch-paths", BATCH, "--out",
                 str(out), "--quiet", "--threads", "2"]) == 0
    assert "2 batch(es) already done" in capsys.readouterr().err
    _same_outputs(reference, out)
    empty = tmp_path / "empty"
    _checkpointed_dir(small_guangxi, empty, 0)
    assert main(["run", small_guangxi, "--paths", "3", "--out", str(empty), "--quiet"]) == 0
    assert not (empty / ".checkpoint").exists()


def test_damaged_batch_is_recomputed(small_guangxi, reference, tmp_path):
    out = tmp_path / "run"
    ck = _checkpointed_dir(small_guangxi, out, 3)
    victim = sorted(ck.root.glob("batch_*.npz"))[1]
    victim.write_bytes(victim.read_bytes()[:100])  # truncated
    (ck.root / ".batch_000000009_3.npz.x.tmp").write_bytes(b"half")  # kill -9 mid-write
    (out / ".paths.parquet.abc.tmp").write_bytes(b"half")
    assert main(["run", "--resume", str(out), "--quiet"]) == 0
    _same_outputs(reference, out)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "paths.parquet",
                                                     "results.xlsx", "summary.csv"]


def test_checkpoint_wraps_any_executor(small_guangxi):
    """Stored batches are reused; the executor gets only the missing ones, may return them
    in any order, and the result is bit-identical to a plain run."""
    sc = load_scenario(small_guangxi)
    plain = simulate(sc, paths=10, seed=5, batch_paths=3)
    seen = []

    def reversed_executor(model, seed, plan):
        seen.append(list(plan))
        return [run_batch(model, seed, s, n) for s, n in reversed(plan)]

    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        ident = run_identity(sc, scenario_hash(sc), 5, 10, batches(10, 3))
        ck = Checkpoint.create(tmp, ident)
        model_batches = batches(10, 3)
        from simi_actuarial.engine.model import resolve_model
        from simi_actuarial.engine.simulate import simulate_raw

        model = resolve_model(sc)
        ck.save(run_batch(model, 5, *model_batches[0]))
        ck.save(run_batch(model, 5, *model_batches[2]))
        raw = simulate_raw(sc, 10, 5, batch_paths=3, executor=ck.wrap(reversed_executor))
        assert seen == [[model_batches[1], model_batches[3]]]
        assert (ck.loaded, ck.computed) == (2, 2)
    assert np.array_equal(raw.tallies, plain.raw.tallies)
    assert np.array_equal(raw.hist, plain.raw.hist)


def test_verify_confirms_and_detects_differences(small_guangxi, reference, tmp_path, capsys):
    rc = main(["run", "--verify", str(reference), "--threads", "1", "--batch-paths", "5",
               "--quiet"])
    assert rc == 0
    assert "verified" in capsys.readouterr().out
    assert not [p for p in reference.iterdir() if p.name.startswith(".verify")]

    tampered = tmp_path / "t"
    tampered.mkdir()
    for name in ("summary.csv", "manifest.json"):
        (tampered / name).write_bytes((reference / name).read_bytes())
    paths = pd.read_parquet(reference / "paths.parquet")
    paths.loc[7, "simi_paid"] += 0.01
    paths.to_parquet(tampered / "paths.parquet", index=False)
    rc = main(["run", "--verify", str(tampered), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "NOT IDENTICAL" in err and "column simi_paid: 1 of 60 rows differ" in err
    assert "path=1, year=2023" in err

    # an incomplete run cannot be verified
    m = json.loads((tampered / "manifest.json").read_text())
    m["complete"] = False
    (tampered / "manifest.json").write_text(json.dumps(m))
    assert main(["run", "--verify", str(tampered), "--quiet"]) == 2
    assert "not complete" in capsys.readouterr().err


def test_resume_of_a_complete_run_does_nothing(reference, capsys):
    before = (reference / "manifest.json").read_bytes()
    assert main(["run", "--resume", str(reference), "--quiet"]) == 0
    assert "nothing to resume" in capsys.readouterr().err
    assert (reference / "manifest.json").read_bytes() == before
