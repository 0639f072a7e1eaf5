"""``simi compare BASE REFORM`` — paired differences on common random numbers."""

from __future__ import annotations

from pathlib import Path

from ..io import write_csv
from ..scenario.loader import load_scenario
from .common import add_mc_options, add_set_option, format_table

SHOWN = ("simi_per_insured", "simi_beneficiaries", "patient_burden_per_claimant", "che_rate",
         "current_deficit", "accumulated_deficit")


def register(sub) -> None:
    p = sub.add_parser("compare", help="compare a reform with a baseline on common random numbers")
    p.add_argument("base", metavar="BASE")
    p.add_argument("reform", metavar="REFORM")
    p.add_argument("--out", metavar="FILE.csv", help="write the full difference table")
    p.add_argument("--year", type=int, default=None, help="show this year only")
    add_mc_options(p)
    add_set_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..api import compare

    base = load_scenario(args.base)
    reform = load_scenario(args.reform, args.overrides)
    cmp_ = compare(base, reform, args.paths, args.seed, args.threads, progress=not args.quiet)
    table = cmp_.table
    if args.out:
        write_csv(Path(args.out), table)
    shown = table[table.metric.isin(SHOWN)]
    if args.year is not None:
        shown = shown[shown.year == args.year]
    print(f"{reform.name} - {base.name}: {cmp_.base.n_paths} paths on common random numbers")
    print(format_table(shown, [("metric", "metric", ""), ("year", "year", "d"),
                               ("base", "base", ",.4g"), ("reform", "reform", ",.4g"),
                               ("difference", "difference", ",.4g"),
                               ("ci95_low", "95% CI low", ",.4g"),
                               ("ci95_high", "95% CI high", ",.4g")]))
    return 0
