"""``simi compare BASE REFORM`` — paired differences on common random numbers."""

from __future__ import annotations

from pathlib import Path

from ..io import write_csv
from ..scenario.loader import load_scenario
from .common import add_engine_options, add_mc_options, engine_from_args, format_table

SHOWN = ("simi_per_insured", "simi_beneficiaries", "patient_burden_per_claimant", "che_rate",
         "current_deficit", "accumulated_deficit")


def register(sub) -> None:
    p = sub.add_parser(
        "compare", help="compare a reform with a baseline on common random numbers",
        description="Simulate BASE and REFORM on common random numbers and print paired "
        "differences (reform - base) with 95 % confidence intervals, and the change in the "
        "required financing standard. --set changes the REFORM only (BASE is run as its file "
        "says): e.g. `simi compare S.yaml S.yaml --set simi.schedules.general.starting_line="
        "12000` compares a higher line with the rules as they are.")
    p.add_argument("base", metavar="BASE")
    p.add_argument("reform", metavar="REFORM")
    p.add_argument("--out", metavar="FILE.csv", help="write the full difference table")
    p.add_argument("--year", type=int, default=None, help="show this year only")
    add_mc_options(p)
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="override a field of the REFORM only (repeatable; values are YAML), e.g. "
        "--set simi.schedules.general.starting_line=9000")
    p.add_argument("--alpha", type=float, default=0.05,
                   help="risk tolerance of the required standard compared (default 0.05)")
    add_engine_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..api import compare

    engine, design = engine_from_args(args, command="simi compare")
    base = load_scenario(args.base)
    reform = load_scenario(args.reform, args.overrides)
    cmp_ = compare(base, reform, args.paths, args.seed, args.threads, progress=not args.quiet,
                   engine=engine, design=design)
    table = cmp_.table
    if args.out:
        write_csv(Path(args.out), table)
    shown = table[table.metric.isin(SHOWN)]
    if args.year is not None:
        shown = shown[shown.year == args.year]
    print(f"{reform.name} - {base.name}: {cmp_.base.n_paths} paths on common random numbers"
          + (" (proxy engine: inner simulations on common random numbers too)"
             if engine == "proxy" else "")
          + (f"; --set on the reform: {', '.join(args.overrides)}" if args.overrides else ""))
    cols = ["base", "reform", "difference", "ci95_low", "ci95_high"]
    shown = shown.copy()
    for c in cols:
        shown[c] = [format(v, FORMATS.get(m, ",.2f")) for m, v in zip(shown.metric, shown[c],
                                                                       strict=True)]
    print(format_table(shown, [("metric", "metric", ""), ("year", "year", "d"),
                               ("base", "base", ""), ("reform", "reform", ""),
                               ("difference", "difference", ""),
                               ("ci95_low", "95 % CI low", ""),
                               ("ci95_high", "95 % CI high", "")]))
    print("CNY per insured or per claimant to 2 decimals; probabilities and rates to 4.")
    if base.financing is not None and reform.financing is not None:
        r = cmp_.required_standard_change(args.alpha, seed=cmp_.base.raw.seed)
        print(f"required standard (P(accumulated deficit in any year) <= {args.alpha:g}): "
              f"base {r['base']:,.2f}, reform {r['reform']:,.2f} CNY per insured; change "
              f"{r['change']:+,.2f} (95 % CI {r['ci95_low']:+,.2f} to {r['ci95_high']:+,.2f})")
    return 0


#: number format per metric (money to cents, counts whole, probabilities and rates to 4 dp)
FORMATS = {"simi_beneficiaries": ",.0f", "che_rate": ".4f", "current_deficit": ".4f",
           "accumulated_deficit": ".4f"}
