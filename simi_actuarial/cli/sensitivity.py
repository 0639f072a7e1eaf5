"""``simi sensitivity SCENARIO`` — tornado of deficit risk and required financing."""

from __future__ import annotations

from pathlib import Path

from ..scenario.loader import load_scenario
from .common import (
    add_engine_options,
    add_mc_options,
    add_set_option,
    engine_from_args,
    format_table,
)


def register(sub) -> None:
    p = sub.add_parser(
        "sensitivity", help="one-at-a-time sensitivity (tornado) on common random numbers",
        description="Move each assumption by -DELTA and +DELTA (relative), re-simulate on "
        "common random numbers and report P(deficit) and the required financing standard "
        "with paired errors. Writes sensitivity.csv and tornado PNGs with --out.")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--delta", type=float, default=0.10,
                   help="relative change of each assumption (default 0.10 = ±10 %%)")
    p.add_argument("--vary", action="append", default=None, metavar="DOTTED.PATH",
                   help="numeric scenario field to vary (repeatable; default: the risk, "
                   "morbidity-level, population and fund assumptions)")
    p.add_argument("--target", choices=("accumulated", "current"), default="accumulated",
                   help="accumulated: P(accumulated deficit in any year); current: "
                   "P(current deficit in the last year)")
    p.add_argument("--alpha", type=float, default=0.05,
                   help="risk tolerance of the required standard (default 0.05)")
    p.add_argument("--bootstrap", type=int, default=199,
                   help="paired bootstrap resamples for the CI of differences (default 199)")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="write DIR/sensitivity.csv, DIR/tornado_required.png and "
                   "DIR/tornado_p_deficit.png")
    add_mc_options(p)
    add_set_option(p)
    add_engine_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..io import write_csv
    from ..sensitivity import sensitivity
    from ..viz import save_figure, tornado

    engine, design = engine_from_args(args, command="simi sensitivity")
    scenario = load_scenario(args.scenario, args.overrides)
    sens = sensitivity(scenario, args.vary, args.delta, args.paths, args.seed, args.threads,
                       args.alpha, args.target, args.bootstrap, progress=not args.quiet,
                       batch_paths=args.batch_paths, engine=engine, design=design)
    if args.out:
        out = Path(args.out)
        write_csv(out / "sensitivity.csv", sens.table)
        save_figure(tornado(sens, "required"), out / "tornado_required.png")
        save_figure(tornado(sens, "p_deficit"), out / "tornado_p_deficit.png")
    base = sens.table.iloc[0]
    what = ("P(accumulated deficit in any year)" if sens.target == "accumulated"
            else "P(current deficit in the last year)")
    print(f"{scenario.name}: each assumption ±{100 * sens.delta:g} %, {sens.paths} paths "
          f"(seed {sens.seed}) on common random numbers")
    print(f"base: {what} = {base.p_deficit:.3f}; required standard (alpha {sens.alpha:g}) "
          f"= {base.required:,.2f} CNY per insured")
    print(format_table(sens.swings(), [
        ("label", "assumption", ""), ("value_low", "low", ".4g"), ("value_high", "high", ".4g"),
        ("p_deficit_low", "P low", ".3f"), ("p_deficit_high", "P high", ".3f"),
        ("required_low", "std low", ",.2f"), ("required_high", "std high", ",.2f"),
        ("required_swing", "std swing", ",.2f")]))
    from ..sensitivity import saturated

    p = saturated(sens.table)
    if p is not None:
        print(f"{what} = {p:g} in every run (base and each ±{100 * sens.delta:g} % variant): "
              "saturated, so it shows no sensitivity; the required standard does.")
    if args.out:
        print(f"wrote {Path(args.out) / 'sensitivity.csv'} and tornado_*.png")
    return 0
