"""``simi fit-claims BASE.yaml --claims CLAIMS.csv --insured INSURED.csv --year Y --out NEW.yaml``
— fit a place's morbidity and costs to its own claims extract."""

from __future__ import annotations

import sys

from ..errors import ScenarioError
from ..scenario.loader import load_scenario
from .common import _positive_int, add_set_option


def register(sub) -> None:
    p = sub.add_parser(
        "fit-claims", help="fit morbidity and costs to a claims extract and an enrolment table",
        description="Fit the morbidity of a place to its claims extract (CSV, one row per "
        "admission: person_id, age, sex, group, hospital_level, total_cost, in_scope_cost) and "
        "enrolment table (CSV: age, sex, insured[, group]): claimant probability by age and "
        "sex (smoothed), admissions per claimant, level mix by age band, cost body and Pareto "
        "tail per level (threshold and index by maximum likelihood), in-scope share per level. "
        "Writes NEW.yaml (extends BASE with the fitted values, standard errors in comments) "
        "and NEW.fit/ (parameters.csv with standard errors, observed-vs-fitted tables, "
        "qq.png). Reads the extract once in chunks (memory independent of its size).")
    p.add_argument("base", metavar="BASE.yaml", help="scenario with the place's rules")
    p.add_argument("--claims", required=True, metavar="CLAIMS.csv")
    p.add_argument("--insured", required=True, metavar="INSURED.csv")
    p.add_argument("--year", type=int, required=True, help="year of the admissions")
    p.add_argument("--out", required=True, metavar="NEW.yaml")
    p.add_argument("--tail-threshold", type=float, default=None, metavar="CNY",
                   help="fix the Pareto threshold (a round amount such as 50000) instead of "
                   "fitting it")
    p.add_argument("--chunk-rows", type=_positive_int, default=None, metavar="N",
                   help="rows read at a time (results do not depend on it)")
    add_set_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..fitting.diagnostics import by_level
    from ..fitting.extract import DEFAULT_CHUNK_ROWS
    from ..fitting.fit import fit_claims
    from ..fitting.writer import write_fitted

    scenario = load_scenario(args.base, args.overrides)
    if not str(args.out).endswith((".yaml", ".yml")):
        raise ScenarioError(args.out, [("--out", "must be a .yaml file")])
    try:
        fit = fit_claims(scenario, args.claims, args.insured, args.year,
                         chunk_rows=args.chunk_rows or DEFAULT_CHUNK_ROWS,
                         threshold=args.tail_threshold)
    except ValueError as exc:
        raise ScenarioError(args.claims, [("--tail-threshold", str(exc))]) from None
    diag = write_fitted(fit, args.base, args.out, args.claims, args.insured,
                        list(scenario.groups))
    st = fit.stats
    c = fit.costs
    print(f"{int(st.n_admissions):,} admissions of {int(st.claimants.sum()):,} claimants "
          f"among {int(fit.enrolment.total):,} insured "
          f"({st.n_admissions / fit.enrolment.total:.4f} admissions per insured)")
    print(f"tail threshold {c.threshold_:,.0f} CNY (95 % interval {c.threshold_ci_[0]:,.0f}"
          f"-{c.threshold_ci_[1]:,.0f})")
    lv = by_level(fit)
    print(f"{'level':<10} {'admissions':>10} {'mean cost':>10} {'fitted':>10} {'± se':>8} "
          f"{'tail %':>7} {'alpha':>6}")
    for i, r in enumerate(lv.to_dict("records")):
        print(f"{r['level']:<10} {r['admissions']:>10,.0f} {r['mean_cost_observed']:>10,.0f} "
              f"{r['mean_cost_fitted']:>10,.0f} {r['mean_cost_se']:>8,.0f} "
              f"{100 * r['tail_share_fitted']:>7.2f} "
              + (f"{c.alpha_[i]:>6.2f}" if c.p_tail_[i] > 0 else f"{'-':>6}"))
    for note in fit.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {args.out} and {diag}/")
    return 0
