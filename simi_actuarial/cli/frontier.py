"""``simi frontier SCENARIO|--from-run DIR`` — contract frontier: standards x corridors x
profit caps against the SIMI layer's P(deficit) and the insurer's result and P(loss)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ScenarioError
from .common import add_mc_options, add_set_option, format_table

if TYPE_CHECKING:
    from ..report.run_files import RunFiles
    from ..results import SimulationResult

COLUMNS = [("standard", "standard", ",.2f"), ("loss_corridor", "corridor", ".1%"),
           ("profit_cap", "profit cap", ".1%"), ("p_simi_deficit", "P(SIMI deficit)", ".3f"),
           ("insurer_result_per_insured", "insurer E[result]/insured", ",.2f"),
           ("insurer_result_per_insured_se", "± SE", ",.2f"),
           ("p_insurer_loss", "P(insurer loss)", ".3f"),
           ("fund_net_cost_per_insured", "fund net cost/insured", ",.2f")]


def register(sub) -> None:
    p = sub.add_parser(
        "frontier", help="contract frontier: standards x corridors x profit caps",
        description="Re-settle one run's paths for every financing standard x loss corridor x "
        "profit cap (claims do not depend on them): the SIMI layer's P(accumulated deficit) "
        "against the insurer's expected result and P(cumulative loss). Writes "
        "frontier.csv and frontier.png into --out.")
    p.add_argument("scenario", metavar="SCENARIO", nargs="?", help="scenario to simulate")
    p.add_argument("--from-run", metavar="DIR", default=None,
                   help="use the paths of a finished `simi run --out DIR` instead")
    p.add_argument("--standards", required=True, metavar="GRID",
                   help="standards (CNY per insured): a,b,c or start:stop:step")
    p.add_argument("--corridors", default=None, metavar="GRID",
                   help="loss corridors (shares of premium; default: the scenario's)")
    p.add_argument("--profit-caps", default=None, metavar="GRID",
                   help="profit caps (shares of premium; default: the scenario's)")
    p.add_argument("--term", type=int, default=None, help="contract term (default: horizon)")
    p.add_argument("--out", metavar="DIR", required=True, help="output directory")
    add_mc_options(p)
    add_set_option(p)
    p.set_defaults(func=run)


def _grid(text, field, default):
    from ..frontier import parse_grid

    if text is None:
        return [default]
    try:
        values = parse_grid(text)
    except ValueError as exc:
        raise ScenarioError(field, [(field, str(exc))]) from None
    if not values or any(v < 0 for v in values):
        raise ScenarioError(field, [(field, f"expected values >= 0, got {text!r}")])
    return values


def run(args) -> int:
    from ..frontier import contract_frontier
    from ..io import write_csv
    from ..viz.frontier import frontier_plot
    from ..viz.style import save_figure

    if (args.scenario is None) == (args.from_run is None):
        raise ScenarioError("SCENARIO", [("SCENARIO", "give a scenario or --from-run DIR")])
    from ..scenario.base import value_at

    if args.from_run is not None:
        from ..report.run_files import RunFiles

        result: RunFiles | SimulationResult = RunFiles.load(args.from_run)
        scenario = result.scenario
    else:
        from ..scenario.loader import load_scenario

        scenario = load_scenario(args.scenario, args.overrides)
    # every argument checked before a scenario is simulated
    ins = scenario.fund.insurer
    if ins is None:
        raise ScenarioError(str(args.scenario or args.from_run),
                            [("fund.insurer", "the frontier needs an insurer contract")])
    y0 = scenario.years[0]
    standards = _grid(args.standards, "--standards", None)
    corridors = _grid(args.corridors, "--corridors", float(value_at(ins.loss_corridor, y0)))
    caps = _grid(args.profit_caps, "--profit-caps", float(value_at(ins.profit_cap, y0)))
    if args.term is not None and not 1 <= args.term <= len(scenario.years):
        raise ScenarioError("--term", [("--term", f"must be 1-{len(scenario.years)}")])
    if args.from_run is None:
        from ..api import simulate

        result = simulate(scenario, args.paths, args.seed, args.threads, args.batch_paths,
                          progress=not args.quiet)
    table = contract_frontier(result, standards, corridors, caps, args.term)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "frontier.csv", table)
    save_figure(frontier_plot(table), out / "frontier.png")
    print(format_table(table, COLUMNS))
    print(f"wrote {out / 'frontier.csv'} and {out / 'frontier.png'} "
          f"({result.n_paths} paths, term {int(table.term_years.iloc[0])} years)")
    return 0
