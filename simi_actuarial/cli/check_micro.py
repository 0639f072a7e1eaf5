"""``simi run --engine proxy --check-micro N``: the proxy run checked against the
microsimulation on its first ``N`` outer paths
(:func:`~simi_actuarial.engine.proxy_check.check_against_micro`).

Per tally the summed difference ``micro - proxy mean`` over those path-years is divided by
its standard deviation under the proxy (process and estimation variance); any ``|z| > 4``
fails the check. The table goes to ``DIR/proxy_check.csv`` (written atomically) and its
summary to the manifest (``"proxy_check"``: paths, largest ``|z|``, ok).

A failed check does not publish the run: ``summary.csv``, ``paths.parquet`` and
``results.xlsx`` are not written, ``manifest.json`` stays ``complete: false`` with the
check's summary, the checkpoint is deleted (a resumed run would rebuild the same proxy and
fail again) and ``simi run`` exits 1 naming the tallies.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import SimiInputError
from ..verify import CHECK_FILE
from .common import format_table

CHECK_COLUMNS = [("tally", "tally", ""), ("micro_mean", "micro mean", ",.6g"),
                 ("proxy_mean", "proxy mean", ",.6g"), ("z", "z", "+.2f")]


def check_paths(value: int | None, engine: str, option: str = "--check-micro") -> int | None:
    """The validated ``--check-micro`` value (None: no check)."""
    if value is None:
        return None
    if engine != "proxy":
        raise SimiInputError("simi run", [(option, "checks the proxy engine: needs "
                                           "--engine proxy")])
    return int(value)


def run_check(result, n_paths: int, quiet: bool = False):
    """The :class:`~simi_actuarial.engine.proxy_check.MicroCheck` of ``result``'s run."""
    from ..engine.proxy_check import check_against_micro
    from ..interrupts import deferred

    n = min(int(n_paths), result.n_paths)
    if n < int(n_paths):
        print(f"note: --check-micro {n_paths} is more than the run's {result.n_paths} path(s): "
              f"checking all {n}", file=sys.stderr)
    if not quiet:
        print(f"checking the proxy against the microsimulation on {n} path(s)...",
              file=sys.stderr, flush=True)
    with deferred():  # the microsimulation runs the kernel (see interrupts)
        return check_against_micro(result.raw, n)


def record(check) -> dict:
    """The check's summary for the manifest."""
    from ..engine.proxy_check import Z_FAIL

    out = {"paths": int(check.paths), "max_abs_z": round(check.max_abs_z, 4),
           "ok": bool(check.ok), "z_fail": Z_FAIL,
           "seconds_micro": round(float(check.seconds_micro), 3), "file": CHECK_FILE}
    if not check.ok:
        out["failed_tallies"] = failed_tallies(check)
    return out


def failed_tallies(check) -> list[str]:
    from ..engine.proxy_check import Z_FAIL

    t = check.table
    return [str(x) for x in t.loc[t["z"].abs() > Z_FAIL, "tally"]]


def write_check(out_dir: str | Path, check) -> Path:
    """``DIR/proxy_check.csv`` (atomically)."""
    from ..io import confined_path, write_csv

    path = confined_path(out_dir, CHECK_FILE)
    write_csv(path, check.table)
    return path


def check_text(check) -> str:
    """The short table printed by ``simi run``: micro and proxy mean per path-year, z."""
    from ..engine.proxy_check import Z_FAIL

    verdict = "passed" if check.ok else "FAILED"
    return (f"proxy check against the microsimulation on {check.paths} path(s) "
            f"({check.seconds_micro:.1f} s): {verdict}, largest |z| = {check.max_abs_z:.2f} "
            f"(fails above {Z_FAIL:g}); means per path-year\n"
            + format_table(check.table, CHECK_COLUMNS))


def failure_text(check, out_dir: Path) -> str:
    """The error of a failed check (one line)."""
    return (f"the proxy failed its check against the microsimulation on {check.paths} "
            f"path(s): |z| > 4 for {', '.join(failed_tallies(check))} ({check.message()}). "
            f"Results not published: {out_dir / 'manifest.json'} says complete: false, the "
            f"table is in {out_dir / CHECK_FILE}. Refine the proxy (--proxy-grid-points, "
            "--proxy-inner-multiple, --proxy-min-inner) or use --engine micro.")
