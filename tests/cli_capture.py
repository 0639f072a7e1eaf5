"""Run the ``simi`` CLI in-process and capture its exit code, stdout and stderr (usable
inside hypothesis tests, where pytest's function-scoped capsys is not)."""

from __future__ import annotations

import contextlib
import io

from simi_actuarial.cli import main


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``(exit code, stdout, stderr)``; argparse's SystemExit becomes its code. Any other
    exception propagates (a traceback is a failure of the test)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


def assert_clear_rejection(rc: int, err: str, code: int = 2) -> None:
    """Exit ``code`` with a message naming a problem, and never a traceback."""
    assert "Traceback" not in err, err
    assert rc == code, err
    assert err.strip(), "no message"
    assert "problem(s)" in err or "error:" in err, err


def fuzz_settings(max_examples: int):
    """Hypothesis settings for the fuzz tests: ``max_examples`` in the default (fast) run,
    times ``SIMI_FUZZ_SCALE`` (e.g. ``SIMI_FUZZ_SCALE=20``) for a thorough run."""
    import os

    from hypothesis import HealthCheck, settings

    scale = max(1, int(os.environ.get("SIMI_FUZZ_SCALE", "1") or 1))
    # The default run is derandomized (the same examples every time: CI cannot flake); a
    # scaled run explores new examples.
    return settings(max_examples=max_examples * scale, deadline=None, derandomize=scale == 1,
                    database=None if scale == 1 else settings.default.database,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
