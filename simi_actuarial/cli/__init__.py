"""The ``simi`` command line. Each sub-command lives in its own module with a
``register(subparsers)`` function that adds its parser and sets ``func``."""

from __future__ import annotations

import argparse
import sys

from ..distributed.executor import DistributedRunError
from ..errors import SimiInputError
from ..numba_cache import ensure_fresh_package_cache
from ..version import __version__
from . import (
    backtest,
    calibrate,
    compare,
    fit_claims,
    frontier,
    reimburse,
    report,
    run,
    sensitivity,
    solve,
    sweep,
    validate,
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2

COMMANDS = [validate, run, solve, compare, reimburse, report, sensitivity, sweep, calibrate,
            backtest, fit_claims, frontier]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simi",
        description="Actuarial Monte Carlo model of Serious Illness Medical Insurance (SIMI) funds.",
    )
    parser.add_argument("--version", action="version", version=f"simi_actuarial {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``simi`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    ensure_fresh_package_cache()  # before any compiled code loads (see numba_cache)
    try:
        return int(args.func(args) or EXIT_OK)
    except SimiInputError as exc:
        print(f"error: {exc.format()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except FloatingPointError as exc:
        print(f"error: numerical failure, no results written: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except DistributedRunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:  # disk full, permissions, ...: not bad input
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("interrupted: no results written for the unfinished run", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
