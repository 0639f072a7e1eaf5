"""Report sections on managed funds: the published fund indicators and the financing
standard (fixed, or set by a rule, against the fixed history on the same paths), and the
insurer's side of the contract (settlement by year, standards that price it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..fund.accounting import financing_schedule, project_funds
from ..fund.financing_rules import active
from ..scenario.financing_rules_schema import describe
from ..stats import prob_se
from . import html as H
from .run_files import RunFiles

INDICATORS = [
    ("year", "year", "d"),
    ("utilisation_rate_mean", "utilisation rate", ".1%"),
    ("balance_rate_mean", "balance rate", ".1%"),
    ("accumulated_balance_rate_mean", "accumulated balance rate", ".1%"),
    ("simi_balance_mean", "current balance (CNY)", ",.0f"),
    ("simi_accumulated_balance_mean", "accumulated balance (CNY)", ",.0f"),
]
STANDARD = [
    ("year", "year", "d"),
    ("fixed_standard", "fixed standard (CNY)", ",.2f"),
    ("simi_standard_p05", "standard p05 (CNY)", ",.0f"),
    ("simi_standard_p50", "standard p50 (CNY)", ",.0f"),
    ("simi_standard_p50_se", "± SE", ",.2f"),
    ("simi_standard_p95", "standard p95 (CNY)", ",.0f"),
    ("simi_extra_financing_cumulative_mean", "cumulative extra financing (CNY/insured)", ",.2f"),
    ("simi_extra_financing_cumulative_mean_se", "± SE", ",.2f"),
    ("p_deficit_fixed", "P(acc. balance < 0), fixed", ".3f"),
    ("p_accumulated_deficit", "P(acc. balance < 0), rule", ".3f"),
    ("p_accumulated_deficit_se", "± SE", ".3f"),
    ("p_accumulated_deficit_by_year", "P(acc. balance < 0 in any year so far), rule", ".3f"),
]
BMI_STANDARD = [
    ("year", "year", "d"),
    ("bmi_standard_p05", "BMI standard p05 (CNY)", ",.0f"),
    ("bmi_standard_p50", "BMI standard p50 (CNY)", ",.0f"),
    ("bmi_standard_p95", "BMI standard p95 (CNY)", ",.0f"),
    ("bmi_extra_financing_cumulative_mean", "BMI cumulative extra financing (CNY/insured)",
     ",.2f"),
    ("bmi_extra_financing_cumulative_mean_se", "± SE", ",.2f"),
    ("p_bmi_current_deficit", "P(BMI current deficit)", ".3f"),
]
INSURER = [
    ("year", "year", "d"),
    ("insurer_result_mean", "insurer result (CNY)", ",.0f"),
    ("p_insurer_loss", "P(insurer loss)", ".3f"),
    ("returned_surplus_mean", "returned surplus (CNY)", ",.0f"),
    ("fund_loss_share_mean", "fund's loss share (CNY)", ",.0f"),
    ("fund_net_cost_mean", "fund net cost (CNY)", ",.0f"),
    ("insurer_cumulative_result_mean", "insurer cumulative result (CNY)", ",.0f"),
    ("p_insurer_cumulative_loss", "P(insurer cumulative loss)", ".3f"),
    ("p_insurer_cumulative_loss_se", "± SE", ".3f"),
]


def fixed_history_deficit(run: RunFiles) -> np.ndarray:
    """P(accumulated balance < 0 at the end of year t) at the fixed history, on the run's
    paths."""
    fp = project_funds(run.scenario, run.insured, run.tally("simi_paid"), run.tally("bmi_paid"))
    return prob_se(fp.simi_accumulated < 0)[0]


def financing_section(run: RunFiles) -> str:
    """Published indicators and the financing standard: fixed (a stress case) or managed."""
    sc, s = run.scenario, run.summary
    fin = sc.financing
    assert fin is not None, "a run's scenario has financing"
    out = ("<h3>Published fund indicators</h3>" + H.columns_table(s, INDICATORS)
           + H.para("Utilisation rate = expenditure / income; balance rate = current balance / "
                    "income; accumulated balance rate = accumulated balance / income (means "
                    "over paths).", "note"))
    if fin.bmi_rule is not None and active(fin.bmi_rule):
        out += ("<h3>BMI financing under its rule</h3>"
                + H.para(f"BMI rule: {describe(fin.bmi_rule)}. Source: "
                         f"{fin.bmi_rule.source}") + H.columns_table(s, BMI_STANDARD))
    rule = fin.simi_rule
    if rule is None or not active(rule):
        return out + H.para(
            "The SIMI standard follows the fixed history of the scenario in every path: no "
            "response by the bureau to deficits or surpluses. Read the deficit probabilities "
            "as a stress case, not as a forecast of a managed fund.")
    frame = s.copy()
    frame["fixed_standard"] = financing_schedule(sc, "simi_per_capita")
    frame["p_deficit_fixed"] = fixed_history_deficit(run)
    last = frame.iloc[-1]
    y1 = int(last.year)
    text = f"Financing rule: {describe(rule)}. Source: {rule.source}"
    buys = (f"By {y1} the rule costs {last.simi_extra_financing_cumulative_mean:,.2f} ± "
            f"{last.simi_extra_financing_cumulative_mean_se:,.2f} CNY per insured of extra "
            f"financing (cumulative, mean over paths) and moves P(accumulated balance < 0 at "
            f"the end of {y1}) from {last.p_deficit_fixed:.3f} at the fixed history to "
            f"{last.p_accumulated_deficit:.3f} ± {last.p_accumulated_deficit_se:.3f} (same "
            "paths). A rule acts after a deficit, so the share of paths with a deficit in some "
            "year stays higher than the deficit probability at the end of a year.")
    return (out + "<h3>Financing standard under the rule</h3>" + H.para(text)
            + H.columns_table(frame, STANDARD) + H.para(buys)
            + H.para("The standard of year t+1 is set on each path from year t's accounts; "
                     "p05/p50/p95 are over paths with distribution-free standard errors.",
                     "note"))


def insurer_section(run: RunFiles, alpha: float, bootstrap: int, lang: str = "en") -> str:
    """The insurer's settlement by year, the standards that price the contract and the
    contract frontier around the scenario's standard and terms."""
    from ..solve_insurer import InsurerSolveError, solve_insurer

    if run.scenario.fund.insurer is None:
        return ""
    rows = []
    targets: list[tuple[str, dict[str, float], str]] = [
        ("insurer_loss", {"alpha": alpha}, f"P(insurer's cumulative loss) ≤ {alpha:g}"),
        ("insurer_margin", {"value": 0.0}, "insurer's expected margin = 0"),
        ("fund_net_cost", {"value": 0.0}, "BMI fund's expected net cost = 0"),
    ]
    for target, kw, what in targets:
        try:
            sol = solve_insurer(run, target, alpha=kw.get("alpha", alpha), value=kw.get("value"),
                               bootstrap=bootstrap, seed=run.seed)
            rows.append({"target": what, "standard": sol.per_capita, "low": sol.ci_low,
                         "high": sol.ci_high})
        except InsurerSolveError as exc:
            rows.append({"target": what, "standard": np.nan, "low": np.nan, "high": np.nan,
                         "note": str(exc)})
    table = pd.DataFrame(rows)
    heads = {"target": "target", "standard": "standard (CNY/insured, first year)",
             "low": "95 % CI low", "high": "95 % CI high", "note": "note"}
    return (H.columns_table(run.summary, INSURER)
            + H.para("Insurer result after the profit cap and the loss corridor; returned "
                     "surplus and the fund's loss share are the BMI fund's side.", "note")
            + "<h3>Standards that price the contract</h3>"
            + H.table(table, {"standard": ",.2f", "low": ",.2f", "high": ",.2f"}, heads)
            + H.para(f"Over the whole horizon ({len(run.years)} years), standard held flat, "
                     "solved on the run's paths (see simi solve --target insurer_loss, "
                     "insurer_margin, fund_net_cost; simi frontier for corridors and caps).",
                     "note")
            + "<h3>Contract frontier</h3>" + _frontier_figure(run, lang))


def _frontier_figure(run: RunFiles, lang: str) -> str:
    """Standards 70-150 % of the first year's x corridors {3 %, 5 %, the scenario's} x
    profit caps {2 %, 5 %, the scenario's}, re-settled on the run's paths."""
    from ..frontier import contract_frontier
    from ..scenario.base import value_at
    from ..viz.frontier import frontier_plot
    from ..viz.style import png_bytes
    from .i18n import localise_figure

    sc = run.scenario
    y0 = sc.years[0]
    assert sc.financing is not None and sc.fund.insurer is not None
    s0 = float(value_at(sc.financing.simi_per_capita, y0))
    ins = sc.fund.insurer
    corridors = sorted({0.03, 0.05, float(value_at(ins.loss_corridor, y0))})
    caps = sorted({0.02, 0.05, float(value_at(ins.profit_cap, y0))})
    standards = np.round(np.linspace(0.7, 1.5, 9) * s0)
    fig = frontier_plot(contract_frontier(run, standards, corridors, caps))
    localise_figure(fig, lang)
    return H.figure(png_bytes(fig),
                    "Left: the SIMI layer's P(accumulated deficit in any year) against the "
                    "insurer's expected result per insured-year, one line per loss corridor "
                    "and profit cap, points labelled with the standard. Right: P(insurer's "
                    "cumulative loss over the horizon) by standard. Same paths throughout.",
                    "contract frontier")
