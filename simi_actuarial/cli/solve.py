"""``simi solve SCENARIO --target ...`` — financing standard that meets a risk target."""

from __future__ import annotations

import json

from ..errors import ScenarioError
from ..scenario.loader import load_scenario
from .common import add_engine_options, add_mc_options, add_set_option, engine_from_args

TARGETS = ("current", "accumulated", "loss_ratio",  # as simi_actuarial.solve.TARGETS
           "insurer_loss", "insurer_margin", "fund_net_cost")  # solve_insurer.INSURER_TARGETS


def register(sub) -> None:
    p = sub.add_parser("solve", help="per-capita financing standard meeting a target")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--target", choices=TARGETS, default="accumulated",
                   help="current: P(current deficit in --year) <= alpha; accumulated: "
                   "P(accumulated deficit in any year) <= alpha; loss_ratio: E[loss ratio] = --value; "
                   "insurer_loss: P(insurer's cumulative loss over --term) <= alpha; "
                   "insurer_margin: insurer's expected margin on premium = --value; "
                   "fund_net_cost: BMI fund's expected net cost of the contract = --value "
                   "CNY per insured-year")
    p.add_argument("--alpha", type=float, default=0.05, help="risk tolerance (default 0.05)")
    p.add_argument("--year", type=int, default=None, help="year for --target current/loss_ratio")
    p.add_argument("--value", type=float, default=None,
                   help="loss ratio, margin or net cost for the targets that take a value")
    p.add_argument("--term", type=int, default=None,
                   help="contract term in years for the insurer targets (default: horizon)")
    p.add_argument("--growth", type=float, default=0.0,
                   help="annual growth of the standard over the horizon (default 0: flat)")
    p.add_argument("--bootstrap", type=int, default=999, help="bootstrap resamples for the CI")
    p.add_argument("--verify-paths", type=int, default=None,
                   help="re-run at the solved standard with a fresh seed and this many paths "
                   "(default: as many as the solving run; 0: skip)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_mc_options(p)
    add_set_option(p)
    add_engine_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..api import simulate
    from ..solve import required_financing

    if not 0 < args.alpha < 1:
        raise ScenarioError("--alpha", [("--alpha", f"must be in (0, 1), got {args.alpha}")])
    if args.target == "loss_ratio" and (args.value is None or args.value <= 0):
        raise ScenarioError("--value", [("--value", "--target loss_ratio needs --value > 0")])
    engine, design = engine_from_args(args, command="simi solve")
    scenario = load_scenario(args.scenario, args.overrides)
    if args.year is not None and args.year not in scenario.years:
        raise ScenarioError("--year", [("--year", f"{args.year} is outside the horizon "
                                        f"{scenario.years[0]}-{scenario.years[-1]}")])
    insurer_side = args.target in TARGETS[3:]
    if insurer_side:  # the insurer's side of the contract (cli/solve_insurer.py)
        from . import solve_insurer

        solve_insurer.check_args(args, scenario)
    result = simulate(scenario, args.paths, args.seed, args.threads, args.batch_paths,
                      progress=not args.quiet, engine=engine, design=design)
    if insurer_side:
        return solve_insurer.run(args, scenario, result)
    sol = required_financing(result, args.target, args.alpha, args.year, args.value,
                             args.growth, args.bootstrap, seed=result.raw.seed)
    what = {"current": f"P(current deficit in {sol.year}) <= {args.alpha}",
            "accumulated": f"P(accumulated deficit in any year) <= {args.alpha}",
            "loss_ratio": f"expected loss ratio = {args.value}"}[args.target]
    out = verified_output(args, scenario, sol, result, verify, what)
    if out is None:
        return 0
    if sol.achieved_in_sample is not None:
        print(f"  in-sample probability at the solved standard: {sol.achieved_in_sample:.4f}")
    if "verify_probability" in out:
        print(f"  re-run with seed {out['verify_seed']} and {args.verify_paths} paths: "
              f"probability {out['verify_probability']:.4f} +/- {out['verify_probability_se']:.4f}")
    elif "verify_loss_ratio" in out:
        print(f"  re-run with seed {out['verify_seed']} and {args.verify_paths} paths: "
              f"loss ratio {out['verify_loss_ratio']:.4f} +/- {out['verify_loss_ratio_se']:.4f}")
    return 0


def verify(scenario, sol, args) -> dict:
    """Re-simulate with the solved standard and an independent seed; report the target."""
    import numpy as np

    seed, res = rerun_at(scenario, sol, args)
    f = res.funds
    if sol.target == "current":
        t = list(scenario.years).index(sol.year)
        ind = f.simi_balance[:, t] < 0
    elif sol.target == "accumulated":
        ind = (f.simi_accumulated < 0).any(axis=1)
    else:
        sel = (slice(None) if sol.year is None
               else [list(scenario.years).index(sol.year)])  # the solved year only
        lr = f.simi_claims[:, sel].sum(axis=1) / f.simi_income[:, sel].sum(axis=1)
        return {"verify_seed": seed, "verify_loss_ratio": float(lr.mean()),
                "verify_loss_ratio_se": float(lr.std(ddof=1) / np.sqrt(len(lr)))}
    p = float(ind.mean())
    return {"verify_seed": seed, "verify_probability": p,
            "verify_probability_se": float(np.sqrt(p * (1 - p) / len(ind)))}


def verified_output(args, scenario, sol, result, verify_fn, what: str) -> dict | None:
    """The solution's record with the re-run on fresh paths (``verify_fn``); printed as JSON
    (then None is returned) or as its first lines (then the record is returned for the
    target-specific lines)."""
    out = sol.as_dict()
    if args.verify_paths is None:
        args.verify_paths = result.n_paths
    if args.verify_paths > 0:
        out.update(verify_fn(scenario, sol, args))
    if args.json:
        print(json.dumps(out, indent=2))
        return None
    print(f"{scenario.name}: financing standard for {what}")
    print_standard(scenario, sol, args)
    return out


def print_standard(scenario, sol, args) -> None:
    """The solved standard's line: value, growth, bootstrap CI, paths."""
    print(f"  {sol.per_capita:.2f} CNY per insured in {scenario.years[0]}"
          + (f", growing {args.growth:.1%}/yr" if args.growth else "")
          + f"  (95% bootstrap CI {sol.ci_low:.2f} - {sol.ci_high:.2f}; {sol.paths} paths)")
    if getattr(sol, "proxy_error_sd", None) is not None:
        print(f"  proxy engine: the interval includes the proxy's own estimation error "
              f"(sd {sol.proxy_error_sd:.3f} CNY, in quadrature with the bootstrap)")
    from ..fund.financing_rules import active

    if active(scenario.financing.simi_rule):
        print("  (a fixed standard: the scenario's financing.simi_rule is not applied here)")


def rerun_at(scenario, sol, args):
    """``(seed, result)``: the scenario re-simulated at the solved (fixed) standard, without
    any financing rule, on ``--verify-paths`` paths with an independent seed (the same
    engine: a proxy's tables are rebuilt on that seed, so their estimation error is
    independent too)."""
    from ..api import simulate

    fin = scenario.financing.model_copy(update={"simi_per_capita": sol.schedule(scenario.years),
                                                "simi_rule": None})
    solved = scenario.model_copy(update={"financing": fin})
    seed = (args.seed if args.seed is not None else scenario.simulation.seed) + 1_000_003
    engine, design = engine_from_args(args, command="simi solve")
    return seed, simulate(solved, args.verify_paths, seed, args.threads,
                          progress=not args.quiet, engine=engine, design=design)
