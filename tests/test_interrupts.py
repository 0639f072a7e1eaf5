"""Ctrl-C is deferred to batch boundaries while compiled code runs (simi_actuarial.interrupts):
a SIGINT taken inside numba's parallel kernel crashed the process (exit 139) or surfaced as
a SystemError traceback (found by a new-user trial, 2026-12-01)."""

import json
import os
import signal

import pytest
from cli_capture import run_cli

import simi_actuarial.report as report
from simi_actuarial.interrupts import deferred, raise_if_requested, shielded


def test_sigint_inside_is_recorded_then_raised_at_the_check(capsys):
    reached = []
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            os.kill(os.getpid(), signal.SIGINT)  # handled at once, in this (main) thread
            reached.append("after the signal")   # still running: nothing raised here
            raise_if_requested()
            reached.append("after the check")
    assert reached == ["after the signal"]
    assert "stopping after the current batch" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_pending_request_is_raised_on_leaving_and_cleared():
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            os.kill(os.getpid(), signal.SIGINT)
    with deferred():  # a new deferral starts clean
        pass
    raise_if_requested()  # nothing pending


def test_nested_deferral_is_one_deferral():
    with pytest.raises(KeyboardInterrupt):
        with deferred():
            with deferred():
                os.kill(os.getpid(), signal.SIGINT)
            # the inner one left without raising: the outer one owns the request
            raise_if_requested()


def test_shielded_records_and_never_raises(capsys):
    reached = []
    with shielded() as shield:
        os.kill(os.getpid(), signal.SIGINT)
        reached.append("after the signal")
    assert shield.requested and reached == ["after the signal"]
    assert "finishing writing the results first" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    with shielded() as quiet:  # a new shield starts clean
        pass
    assert not quiet.requested
    raise_if_requested()  # nothing pending either


def test_ctrl_c_while_the_results_are_written_keeps_the_run_complete(small_guangxi, tmp_path,
                                                                     monkeypatch):
    """Found by a new-user trial: a SIGINT while the workbook was written left a manifest
    saying complete with results.xlsx missing, and said that no results were written."""
    real = report.write_workbook

    def interrupted(run_dir, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of the writing
        return real(run_dir, *args, **kwargs)

    monkeypatch.setattr(report, "write_workbook", interrupted)
    out = tmp_path / "run"
    rc, _, err = run_cli(["run", small_guangxi, "--paths", "2", "--out", str(out), "--quiet",
                          "--set", "population.insured=20000"])
    assert rc == 130
    assert "results are complete" in err and "no results written" not in err
    assert json.loads((out / "manifest.json").read_text())["complete"] is True
    for name in ("summary.csv", "paths.parquet", "results.xlsx"):
        assert (out / name).is_file(), name
    assert not (out / ".checkpoint").exists()
