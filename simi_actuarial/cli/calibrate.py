"""``simi calibrate SCENARIO --targets T.yaml --out FILE`` — fit parameters to published
aggregates (simulated method of moments on common random numbers) and write the calibrated
scenario with the fitted values and their provenance."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from ..errors import SimiInputError
from .common import add_engine_options


def register(sub) -> None:
    p = sub.add_parser("calibrate", help="fit parameters to published figures; write the "
                       "calibrated scenario")
    p.add_argument("scenario", metavar="SCENARIO", nargs="?", default=None,
                   help="base scenario (default: the targets file's `scenario`)")
    p.add_argument("--targets", metavar="TARGETS.yaml",
                   help="targets file (see scenarios/calibrated/targets/); required unless "
                   "--init")
    # --- new-city hook (simi_actuarial/calibration/template.py) ---
    p.add_argument("--init", metavar="PLACE", default=None,
                   help="write a commented targets file for PLACE to fill in (base: SCENARIO, "
                   "default scenarios/default.yaml; file: --out, default "
                   "targets_PLACE.yaml) and stop")
    p.add_argument("--years", default=None, metavar="Y1,Y2",
                   help="with --init: years of the figures (default: the base's first year)")
    p.add_argument("--out", metavar="FILE", default=None,
                   help="calibrated scenario to write (default: the targets file's `output`)")
    p.add_argument("--max-evaluations", type=int, default=None, metavar="N",
                   help="simulations allowed to the optimiser (default: the targets file's)")
    p.add_argument("--threads", type=int, default=None, help="worker threads")
    add_engine_options(p, design=False, help=(
        "engine of the fitting runs: micro (default) simulates every claimant; proxy fits "
        "the proxy's conditional mean with no process noise (ProxyDesign(process_noise="
        "False)): a noise-free objective, smooth in the parameters (see docs/performance.md)"))
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from tqdm import tqdm

    from ..calibration import calibrate, read_targets, write_calibrated
    from ..calibration.writer import fit_table_text

    if args.init is not None:
        return _init(args)
    if args.targets is None:
        raise SimiInputError("simi calibrate", [("--targets", "required (or --init PLACE)")])
    tf = read_targets(args.targets)
    from ..calibration.template import check_filled

    check_filled(tf)
    if args.scenario is not None:
        if not Path(args.scenario).is_file():
            raise SimiInputError("simi calibrate", [("SCENARIO", f"file not found: "
                                                     f"{args.scenario}")])
        tf = replace(tf, scenario=Path(args.scenario))
    out = Path(args.out) if args.out else tf.output
    if out is None:
        raise SimiInputError("simi calibrate", [("--out", "required (the targets file has "
                                                 "no `output`)")])
    if args.max_evaluations is not None and args.max_evaluations < 1:
        raise SimiInputError("simi calibrate", [("--max-evaluations", "must be >= 1")])
    if args.engine is not None:
        tf = replace(tf, sample=replace(tf.sample, engine=args.engine))
    if args.threads is not None:
        import numba

        numba.set_num_threads(max(1, min(args.threads, numba.config.NUMBA_NUM_THREADS)))
    budget = args.max_evaluations or tf.max_evaluations
    bar = tqdm(total=budget, unit="sim", desc=f"calibrate {tf.name}", file=sys.stderr,
               leave=False, disable=args.quiet)

    def progress(i, cost):
        bar.update(1)
        bar.set_postfix(objective=f"{cost:.3g}")

    try:
        fit = calibrate(tf, max_evaluations=budget, progress=progress)
    finally:
        bar.close()
    write_calibrated(fit, out)
    engine = ("" if tf.sample.engine == "micro"
              else ", proxy engine: conditional mean, no process noise")
    print(f"{tf.name}: {fit.evaluations} simulations ({tf.sample.paths} paths, "
          f"{tf.sample.insured} insured, seed {tf.sample.seed}{engine}); {fit.message}")
    se = fit.se
    for p in tf.parameters:
        err = f" ± {se[p.path]:.3g} (SE)" if p.path in se else ""
        print(f"  {p.path} = {fit.values[p.path]:.6g}{err}  (start {p.start:g}, "
              f"bounds [{p.lower:g}, {p.upper:g}])")
    print(fit_table_text(fit.table))
    outside = fit.table[~fit.table["within"]]
    if len(outside):
        print(f"{len(outside)} target(s) outside their tolerance: see the conflicts noted in "
              f"{tf.path} and in {out}")
    print(f"wrote {out}")
    return 0


def _init(args) -> int:
    """``--init PLACE``: write the targets template (new-city hook)."""
    import re

    from ..calibration.template import template_text
    from ..io import write_text
    from ..scenario.loader import load_scenario

    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.init):
        raise SimiInputError("simi calibrate", [("--init", f"PLACE must be a name "
                                                 f"([a-z][a-z0-9_]*), got {args.init!r}")])
    base = Path(args.scenario) if args.scenario else (
        Path(__file__).resolve().parents[2] / "scenarios" / "default.yaml")
    scenario = load_scenario(base)
    years = [scenario.years[0]]
    if args.years:
        try:
            years = [int(y) for y in args.years.split(",")]
        except ValueError:
            raise SimiInputError("simi calibrate", [("--years", f"expected Y1,Y2,..., got "
                                                     f"{args.years!r}")]) from None
    out = Path(args.out or f"targets_{args.init}.yaml")
    if out.exists():
        raise SimiInputError("simi calibrate", [("--out", f"{out} exists: not overwritten")])
    write_text(out, template_text(args.init, base, out, years))
    print(f"wrote {out}: replace each value and source marked FILL IN, then run "
          f"simi calibrate --targets {out}")
    return 0
