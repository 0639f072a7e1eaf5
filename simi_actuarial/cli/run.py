"""``simi run SCENARIO`` — Monte Carlo projection; writes summary.csv, paths.parquet, manifest
(with ``--engine proxy --check-micro N`` also proxy_check.csv: :mod:`.check_micro`)."""

from __future__ import annotations

import sys

from ..run_lock import output_lock
from . import check_micro
from .common import (
    _positive_int,
    add_engine_options,
    add_mc_options,
    add_scale_options,
    add_set_option,
    format_table,
    open_executor_from_args,
)
from .run_control import RunJob, add_run_control_options

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
    p.add_argument("scenario", metavar="SCENARIO", nargs="?",
                   help="scenario file (optional with --resume/--verify)")
    add_run_control_options(p)  # --out DIR | --resume DIR | --verify DIR
    p.add_argument("--report", action="store_true",
                   help="also write DIR/report.html (as `simi report DIR`)")
    p.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="language of the --report (en or zh)")
    add_mc_options(p)
    add_set_option(p)
    add_engine_options(p)
    p.add_argument("--check-micro", type=_positive_int, default=None, metavar="N",
                   help="with --engine proxy: after the run, microsimulate its first N paths "
                   "and compare every tally with the proxy (z-scores; written to "
                   "DIR/proxy_check.csv). Any |z| > 4 fails the run: exit 1, results not "
                   "published (manifest complete: false)")
    add_scale_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    # One writer per output directory: a second run into it at the same time is refused.
    out, option = next((d, o) for d, o in ((args.resume, "--resume"), (args.verify, "--verify"),
                                           (args.out, "--out")) if d is not None)
    with output_lock(out, option):
        return _run(args)


def _run(args) -> int:
    from ..api import simulate, write_results

    # The executor first: a missing GPU or an unreachable cluster is reported before
    # anything is written to the output directory.
    with open_executor_from_args(args) as (executor, where):
        job = RunJob.from_args(args)  # new run, --resume or --verify
        if job.nothing_to_do:
            return 0
        scenario = job.scenario
        try:
            result = simulate(scenario, job.paths, job.seed, args.threads, job.batch_paths,
                              progress=not args.quiet, executor=executor,
                              checkpoint=job.checkpoint, engine=job.engine,
                              design=job.design)
            check = (check_micro.run_check(result, job.check_micro, args.quiet)
                     if job.check_micro else None)
        except KeyboardInterrupt:
            job.interrupted()
            raise
    if job.mode == "verify":
        return job.verify(result, check)
    checked = {}
    if check is not None:
        check_micro.write_check(job.out, check)
        print(check_micro.check_text(check))
        if not check.ok:
            job.failed_check(check)
            print(f"error: {check_micro.failure_text(check, job.out)}", file=sys.stderr)
            return 1
        checked = {"proxy_check": check_micro.record(check)}
    from ..interrupts import shielded
    from ..report import write_workbook  # DIR/results.xlsx from the run's files

    with shielded() as shield:  # a Ctrl-C now waits until every file is written
        out = write_results(result, job.out, extra={**job.extra, "execution": where,
                                                    **checked, **_assumptions(args, scenario)})
        job.finish()
        write_workbook(out)
    if shield.requested:
        print(f"interrupted: the run had finished; its results are complete in {out}",
              file=sys.stderr)
        return 130
    on = (f"Dask ({where.get('workers')} worker(s) at {where.get('scheduler')})"
          if where.get("executor") == "dask" else f"{result.raw.threads} thread(s)")
    if where.get("backend") == "cuda":
        on += ", CUDA"
    proxy = result.raw.proxy
    engine = "" if proxy is None else (
        f", proxy engine (built in {proxy.seconds:.1f} s" + ("" if "proxy_check" in checked
        else "; not checked against the microsimulation: --check-micro N") + ")")
    print(f"{scenario.name}: {result.n_paths} paths, seed {result.raw.seed}, "
          f"{result.raw.seconds:.1f} s on {on}{engine}")
    print(format_table(result.summary, SUMMARY_COLUMNS))
    print(f"Amounts in CNY. Standard errors in {out / 'summary.csv'} (_se columns).")
    _print_headline(result)
    if args.report:
        from ..report import build_report

        print(f"report: {build_report(out, lang=args.lang)}")
    return 0


def _print_headline(result) -> None:
    """The answer first: the required standard, flat and year by year (headline.py)."""
    from ..headline import headline, headline_text

    if result.scenario.financing is None:
        return
    print(headline_text(headline(result), result.years))


def _assumptions(args, scenario) -> dict:
    """Key assumptions with provenance for the manifest (scenario/provenance.py)."""
    from ..scenario.provenance import assumptions

    if not args.scenario:
        return {}
    return {"assumptions": assumptions(args.scenario, scenario, args.overrides)}
