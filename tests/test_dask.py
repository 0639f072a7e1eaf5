"""Dask execution and sweeps: results bit-identical to a local run, batches recomputed after a
worker is killed or a task fails, grids of scenarios, CLI errors. One LocalCluster of two
worker processes serves the module."""

import os
import sys

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

import simi_actuarial as sa  # noqa: E402
from simi_actuarial.cli import main  # noqa: E402
from simi_actuarial.distributed import executor as dx  # noqa: E402
from simi_actuarial.distributed.executor import (  # noqa: E402
    DaskExecutor,
    batch_task,
)
from simi_actuarial.distributed.sweep import (  # noqa: E402
    grid_points,
    parse_grid,
    run_sweep,
    split_values,
)
from simi_actuarial.engine.tallies import T  # noqa: E402
from simi_actuarial.errors import ScenarioError, SimiInputError  # noqa: E402

SETS = ["population.insured=8000", "horizon.years=3"]
PATHS = 6


@pytest.fixture(scope="module")
def small(small_guangxi):
    return sa.load_scenario(small_guangxi, SETS)


@pytest.fixture(scope="module")
def local_run(small):
    return sa.simulate(small, paths=PATHS, seed=9, threads=1)


@pytest.fixture(scope="module")
def client():
    # the flaky tasks below live in this test module, which workers cannot import
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with dx.dask_client(local=2) as c:
        yield c


def _kill_worker_once(marker, model, seed, first, n, backend, threads):
    """Kills its worker process the first time any batch runs (the nanny starts a new one)."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return batch_task(model, seed, first, n, backend, threads)
    os.write(fd, str(first).encode())
    os.close(fd)
    os._exit(1)


def _fail_once(marker, model, seed, first, n, backend, threads):
    """Raises the first time any batch runs."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return batch_task(model, seed, first, n, backend, threads)
    raise RuntimeError("transient failure")


def _with_marker(fn, marker):
    def task(model, seed, first, n, backend, threads):
        return fn(str(marker), model, seed, first, n, backend, threads)

    return task


def test_dask_run_is_bit_identical_to_a_local_run(client, small, local_run):
    res = sa.simulate(small, paths=PATHS, seed=9, batch_paths=2,
                      executor=DaskExecutor(client, threads=1))
    np.testing.assert_array_equal(res.raw.tallies, local_run.raw.tallies)
    np.testing.assert_array_equal(res.raw.hist, local_run.raw.hist)
    pd.testing.assert_frame_equal(res.summary, local_run.summary)


def test_batch_of_a_killed_worker_is_recomputed_unchanged(client, small, local_run, tmp_path):
    marker = tmp_path / "killed"
    ex = DaskExecutor(client, threads=1, retries=0, task=_with_marker(_kill_worker_once, marker))
    res = sa.simulate(small, paths=PATHS, seed=9, batch_paths=1, executor=ex)
    assert marker.exists()  # a worker really died mid-run
    np.testing.assert_array_equal(res.raw.tallies, local_run.raw.tallies)
    np.testing.assert_array_equal(res.raw.hist, local_run.raw.hist)
    client.wait_for_workers(2, timeout=60)


def test_failed_task_is_retried_and_fails_the_run_without_retries(client, small, local_run,
                                                                  tmp_path):
    ok = DaskExecutor(client, threads=1, retries=1,
                      task=_with_marker(_fail_once, tmp_path / "a"))
    res = sa.simulate(small, paths=PATHS, seed=9, batch_paths=3, executor=ok)
    assert (tmp_path / "a").exists()
    np.testing.assert_array_equal(res.raw.tallies, local_run.raw.tallies)
    no_retry = DaskExecutor(client, threads=1, retries=0,
                            task=_with_marker(_fail_once, tmp_path / "b"))
    with pytest.raises(RuntimeError, match="transient failure"):
        sa.simulate(small, paths=PATHS, seed=9, batch_paths=3, executor=no_retry)


def test_sweep_on_the_cluster_matches_single_runs(client, small_guangxi, small, local_run,
                                                  tmp_path):
    grid = parse_grid(["financing.simi_per_capita=80,140", "simi.cap_scope=simi,bmi_plus_simi"])
    index = run_sweep(small_guangxi, grid, tmp_path / "sw", overrides=SETS, paths=PATHS, seed=9,
                      batch_paths=2, executor=DaskExecutor(client, threads=1))
    assert list(index["dir"]) == ["p000", "p001", "p002", "p003"]
    assert list(index["financing.simi_per_capita"]) == ["80", "80", "140", "140"]
    on_disk = pd.read_csv(tmp_path / "sw" / "index.csv")
    assert len(on_disk) == 4 and (tmp_path / "sw" / "p003" / "manifest.json").exists()
    # point p002 is the scenario with those two overrides, run alone
    alone = sa.simulate(sa.load_scenario(small_guangxi, [*SETS, "financing.simi_per_capita=140",
                                                         "simi.cap_scope=simi"]),
                        paths=PATHS, seed=9)
    paths2 = pd.read_parquet(tmp_path / "sw" / "p002" / "paths.parquet")
    pd.testing.assert_frame_equal(paths2, pd.read_parquet(_write(alone, tmp_path / "alone")))
    # common random numbers: financing changes income, not a single claim
    p0 = pd.read_parquet(tmp_path / "sw" / "p000" / "paths.parquet")
    np.testing.assert_array_equal(p0["simi_paid"], paths2["simi_paid"])
    assert (index.loc[2, "p_accumulated_deficit"] <= index.loc[0, "p_accumulated_deficit"])
    # the local run is the grid's scenario at the bundled financing: same claims again
    np.testing.assert_array_equal(p0["simi_paid"].to_numpy(),
                                  local_run.raw.tallies[..., T["simi_paid"]].ravel())


def _write(result, out):
    return sa.write_results(result, out) / "paths.parquet"


def test_cli_run_with_local_cluster_and_sweep_with_scheduler(client, small_guangxi, tmp_path,
                                                            capsys):
    args = [small_guangxi, "--paths", "4", "--seed", "2", "--quiet", "--threads", "1",
            *(x for s in SETS for x in ("--set", s))]
    assert main(["run", *args, "--out", str(tmp_path / "plain")]) == 0
    assert main(["run", *args, "--out", str(tmp_path / "dask"), "--dask", "local:1",
                 "--batch-paths", "1"]) == 0
    a = pd.read_parquet(tmp_path / "plain" / "paths.parquet")
    b = pd.read_parquet(tmp_path / "dask" / "paths.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert main(["sweep", *args, "--out", str(tmp_path / "sw"), "--scheduler",
                 client.scheduler.address, "--grid", "financing.simi_per_capita=90,120"]) == 0
    out = capsys.readouterr().out
    assert "2 points" in out and "index.csv" in out
    assert (tmp_path / "sw" / "p001" / "summary.csv").exists()


def test_cli_input_errors_exit_2(small_guangxi, tmp_path, capsys, monkeypatch):
    base = ["run", small_guangxi, "--paths", "2", "--out", str(tmp_path / "o"), "--quiet"]
    with pytest.raises(SystemExit) as exc:
        main([*base, "--dask", "local:0"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main([*base, "--dask", "local:2", "--scheduler", "tcp://127.0.0.1:1"])
    assert exc.value.code == 2
    monkeypatch.setattr(dx, "CONNECT_TIMEOUT", 2.0)
    assert main([*base, "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler: cannot connect" in err and "Traceback" not in err
    assert main(["sweep", small_guangxi, "--out", str(tmp_path / "s"),
                 "--grid", "no_such.field=1,2"]) == 2
    assert "point 0 (no_such.field=1)" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()


def test_grid_parsing():
    assert split_values("1, {2021: 8000, 2024: 9000},[1, 2],'a,b'") == [
        "1", "{2021: 8000, 2024: 9000}", "[1, 2]", "'a,b'"]
    grid = parse_grid(["a.b=1,2", "c=x,y,z"])
    pts = grid_points(grid)
    assert len(pts) == 6 and pts[0] == {"a.b": "1", "c": "x"} and pts[1] == {"a.b": "1", "c": "y"}
    for bad, field in [(["a.b"], "a.b"), (["a=1,,2"], "a"), (["a=1,1"], "a"),
                       (["a=1", "a=2"], "a"), ([], "--grid")]:
        with pytest.raises(SimiInputError) as exc:
            parse_grid(bad)
        assert exc.value.problems[0][0] == field


def test_sweep_validates_every_point_before_running(small_guangxi, tmp_path):
    grid = parse_grid(["financing.simi_per_capita=100,-5"])
    with pytest.raises(ScenarioError) as exc:
        run_sweep(small_guangxi, grid, tmp_path / "sw", overrides=SETS, paths=2)
    assert "point 1 (financing.simi_per_capita=-5)" in exc.value.problems[0][0]
    assert not (tmp_path / "sw").exists()



def test_cuda_backend_on_workers_without_gpu_exits_2(client, small_guangxi, tmp_path, capsys):
    from simi_actuarial.engine.cuda_backend import cuda_module

    if cuda_module().is_available():
        pytest.skip("a CUDA GPU is present")
    rc = main(["run", small_guangxi, "--paths", "2", "--out", str(tmp_path / "o"), "--quiet",
               "--backend", "cuda", "--scheduler", client.scheduler.address])
    err = capsys.readouterr().err
    assert rc == 2 and "--backend cuda: worker tcp://" in err and "no usable NVIDIA GPU" in err
    assert not (tmp_path / "o").exists()
