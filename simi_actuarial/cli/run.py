"""``simi run SCENARIO`` — Monte Carlo projection; writes summary.csv, paths.parquet, manifest."""

from __future__ import annotations

import sys

from ..scenario.loader import load_scenario
from .common import (
    add_mc_options,
    add_scale_options,
    add_set_option,
    format_table,
    open_executor_from_args,
)

SUMMARY_COLUMNS = [
    ("year", "year", "d"),
    ("insured", "insured", ",.0f"),
    ("simi_income_mean", "income", ",.0f"),
    ("simi_expenditure_mean", "expenditure", ",.0f"),
    ("simi_per_insured_mean", "SIMI/insured", ".2f"),
    ("beneficiaries_mean", "beneficiaries", ",.0f"),
    ("loss_ratio_mean", "loss ratio", ".3f"),
    ("p_current_deficit", "P(deficit)", ".3f"),
    ("p_accumulated_deficit", "P(acc. deficit)", ".3f"),
    ("simi_accumulated_balance_p50", "acc. balance p50", ",.0f"),
    ("share_simi", "SIMI share", ".3f"),
    ("che_rate_mean", "CHE rate", ".4f"),
]


def register(sub) -> None:
    p = sub.add_parser("run", help="simulate a scenario and write results")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--report", action="store_true",
                   help="also write DIR/report.html (as `simi report DIR`)")
    add_mc_options(p)
    add_set_option(p)
    add_scale_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..api import simulate, write_results

    scenario = load_scenario(args.scenario, args.overrides)
    with open_executor_from_args(args) as (executor, where):
        result = simulate(scenario, args.paths, args.seed, args.threads, args.batch_paths,
                          progress=not args.quiet, executor=executor)
    out = write_results(result, args.out, extra={"command": sys.argv, "overrides": args.overrides,
                                                 "execution": where})
    print(f"{scenario.name}: {result.n_paths} paths, seed {result.raw.seed}, "
          f"{result.raw.seconds:.1f} s on {result.raw.threads} thread(s)")
    print(format_table(result.summary, SUMMARY_COLUMNS))
    print(f"Amounts in CNY. Standard errors in {out / 'summary.csv'} (_se columns).")
    if args.report:
        from ..report import build_report

        print(f"report: {build_report(out)}")
    return 0
