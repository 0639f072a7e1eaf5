"""``simi validate FILE...`` — check scenarios and print their resolved rules."""

from __future__ import annotations

import sys

from ..errors import SimiInputError
from ..rules.text import summarize
from ..scenario.loader import load_scenario
from .common import add_set_option
from .validate_tables import validate_extras


def register(sub) -> None:
    p = sub.add_parser("validate", help="validate scenario files and summarise their rules")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    add_set_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    failed = 0
    for path in args.files:
        try:
            scenario = load_scenario(path, args.overrides)
        except SimiInputError as exc:
            failed += 1
            print(f"INVALID {exc.format()}", file=sys.stderr)
            continue
        if not args.quiet:
            print(f"OK {path}")
            print(summarize(scenario))
            print(validate_extras(path, scenario, args.overrides))  # cli/validate_tables.py
    if failed:
        print(f"{failed} of {len(args.files)} file(s) invalid", file=sys.stderr)
        return 2
    return 0
