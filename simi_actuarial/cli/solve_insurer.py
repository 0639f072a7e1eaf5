"""``simi solve --target insurer_loss|insurer_margin|fund_net_cost`` (the insurer's side of
the contract); called by :mod:`.solve`."""

from __future__ import annotations

from ..errors import ScenarioError

WHAT = {"insurer_loss": "P(insurer's cumulative loss over {term} years) <= {alpha}",
        "insurer_margin": "insurer's expected margin over {term} years = {value}",
        "fund_net_cost": "BMI fund's expected net cost of the contract = {value} CNY per "
                         "insured-year over {term} years"}


def check_args(args, scenario) -> None:
    """Refuse inconsistent options (exit 2), naming them."""
    if scenario.fund.insurer is None:
        raise ScenarioError(args.scenario, [("fund.insurer", f"--target {args.target} needs "
                                             "an insurer contract in the scenario")])
    if args.target != "insurer_loss" and args.value is None:
        raise ScenarioError("--value", [("--value", f"--target {args.target} needs --value")])
    if args.term is not None and not 1 <= args.term <= len(scenario.years):
        raise ScenarioError("--term", [("--term", f"must be 1-{len(scenario.years)} years")])


def run(args, scenario, result) -> int:
    from ..solve_insurer import InsurerSolveError, solve_insurer
    from .solve import verified_output

    try:
        sol = solve_insurer(result, args.target, args.alpha, args.value, args.term,
                            args.growth, args.bootstrap, seed=result.raw.seed)
    except InsurerSolveError as exc:
        raise ScenarioError(args.scenario, [("--value" if args.value is not None else
                                             "--target", str(exc))]) from None
    what = WHAT[args.target].format(term=sol.term, alpha=args.alpha, value=args.value)
    out = verified_output(args, scenario, sol, result, verify, what)
    if out is None:
        return 0
    if len(sol.roots) > 1:
        print("  the target is met at several standards (not monotone): "
              + ", ".join(f"{r:.2f}" for r in sol.roots) + "; the smallest is reported")
    print(f"  in-sample value at the solved standard: {sol.achieved_in_sample:.4f}")
    if "verify_value" in out:
        print(f"  re-run with seed {out['verify_seed']} and {args.verify_paths} paths: "
              f"{out['verify_value']:.4f} +/- {out['verify_value_se']:.4f}")
    return 0


def verify(scenario, sol, args) -> dict:
    """Re-simulate at the solved standard with an independent seed; the target's value."""
    from ..solve_insurer import target_statistic
    from .solve import rerun_at

    seed, res = rerun_at(scenario, sol, args)
    value, se = target_statistic(res, sol.target, sol.term)
    return {"verify_seed": seed, "verify_value": value, "verify_value_se": se}
