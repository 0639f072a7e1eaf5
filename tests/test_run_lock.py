"""Two ``simi run`` into one output directory at once: the second is refused (exit 2) with
a message naming the directory and the running owner, and writes nothing there."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from simi_actuarial.cli import main
from simi_actuarial.errors import SimiInputError
from simi_actuarial.run_lock import LOCK_NAME, output_lock

REPO = Path(__file__).resolve().parent.parent
SMALL = REPO / "tests" / "data" / "small_guangxi.yaml"

HOLDER = textwrap.dedent("""
    import sys, time
    from simi_actuarial.run_lock import output_lock
    with output_lock(sys.argv[1]):
        print("held", flush=True)
        time.sleep(60)
""")


def test_second_run_into_a_busy_directory_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE,
                              text=True, cwd=REPO)
    try:
        assert holder.stdout.readline().strip() == "held"
        rc = main(["run", str(SMALL), "--paths", "2", "--out", str(out), "--quiet"])
        err = capsys.readouterr().err
        assert rc == 2
        assert "--out" in err and "another simi run is writing to" in err
        assert f"pid {holder.pid}" in err and "Traceback" not in err
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # nothing written
    finally:
        holder.terminate()
        holder.wait(timeout=30)
    # the operating system released the lock with the process: the run goes ahead
    rc = main(["run", str(SMALL), "--paths", "2", "--out", str(out), "--quiet",
               "--set", "horizon.years=2"])
    assert rc == 0
    assert (out / "summary.csv").exists() and not (out / LOCK_NAME).exists()


def test_lock_is_exclusive_and_a_new_empty_directory_is_removed(tmp_path):
    out = tmp_path / "fresh"
    with output_lock(out):
        assert (out / LOCK_NAME).exists()
        with pytest.raises(SimiInputError) as exc, output_lock(out, "--resume"):
            raise AssertionError("a second holder got the lock")
        assert exc.value.problems[0][0] == "--resume"
    assert not out.exists()  # created here, nothing written: removed again
