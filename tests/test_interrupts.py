"""Ctrl-C is deferred to batch boundaries while compiled code runs (simi_actuarial.interrupts):
a SIGINT taken inside numba's parallel kernel crashed the process (exit 139) or surfaced as
a SystemError traceback (found by a new-user trial, 2026-12-01)."""

import os
import signal

import pytest

from simi_actuarial.interrupts import deferred, raise_if_requested


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
