"""``simi reimburse SCENARIO --year YEAR CLAIMS.csv -o OUT.csv`` — apply a year's rules to
real claim extracts (one row per admission in, one row per person out)."""

from __future__ import annotations

import signal
import sys
import threading
import time

from ..errors import ScenarioError
from ..scenario.loader import load_scenario
from .common import _positive_int, add_set_option

PROGRESS_MIN_BYTES = 20_000_000  # show progress for files above ~20 MB (~450,000 rows)


def register(sub) -> None:
    p = sub.add_parser(
        "reimburse", help="apply a year's rules to a claims CSV, one output row per person",
        description="Apply the BMI, SIMI and medical-assistance rules of one year to a claims "
        "extract (CSV, one row per admission: person_id, group, hospital_level, total_cost, "
        "in_scope_cost) and write one row per person. Money is computed in float64 and "
        "rounded half-to-even to cents on output. Rows are sorted by person_id.",
    )
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("claims", metavar="CLAIMS.csv")
    p.add_argument("--year", type=int, required=True, help="rule year (within the horizon)")
    p.add_argument("-o", "--out", required=True, metavar="OUT.csv", help="output CSV")
    p.add_argument("--chunk-rows", type=_positive_int, default=None, metavar="N",
                   help="lines read at a time (memory ~ N; results do not depend on it)")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="write the good rows and list every bad row in OUT.rejected.csv "
                   "(default: any bad row fails the command and nothing is written)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    add_set_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..claims.reader import DEFAULT_CHUNK_ROWS
    from ..claims.reimburse import reimburse_file

    scenario = load_scenario(args.scenario, args.overrides)
    years = scenario.years
    if args.year not in years:
        raise ScenarioError(args.scenario, [(
            "--year", f"{args.year} is outside the scenario horizon {years[0]}..{years[-1]}")])
    t0 = time.perf_counter()
    # SIGTERM -> SystemExit, so that temporary files are removed as on Ctrl-C
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        totals = reimburse_file(
            scenario, args.year, args.claims, args.out,
            chunk_rows=args.chunk_rows or DEFAULT_CHUNK_ROWS,
            skip_bad_rows=args.skip_bad_rows, progress=None if args.quiet else _progress_printer(),
        )
    except OSError as exc:  # disk full, permissions, ...: not bad input
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    for note in totals.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"totals: {totals.format()}", file=sys.stderr)
    where = f"wrote {totals.out_path}"
    if totals.rejected_path is not None:
        where += f"; {totals.rejected_rows:,} bad row(s) in {totals.rejected_path}"
    print(f"{where} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return 0


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def _progress_printer():
    """Progress callback: rows read, on stderr, for large files only, at most once a
    second."""
    last = [0.0]

    def report(rows: int, bytes_read: int, bytes_total: int) -> None:
        if bytes_total < PROGRESS_MIN_BYTES:
            return
        now = time.monotonic()
        if now - last[0] < 1.0 and bytes_read < bytes_total:
            return
        last[0] = now
        print(f"reimburse: {rows:,} rows read ({100.0 * bytes_read / bytes_total:.0f} %)",
              file=sys.stderr, flush=True)

    return report
