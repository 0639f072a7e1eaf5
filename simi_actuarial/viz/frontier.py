"""Contract frontier plot: the SIMI layer's P(deficit) against the insurer's expected
result, and the insurer's P(loss) by standard, one line per contract's terms."""

from __future__ import annotations

import pandas as pd

from .style import PALETTE, new_figure, percent_axis, style


def frontier_plot(table: pd.DataFrame, title: str | None = None):
    """Plot :func:`simi_actuarial.frontier.contract_frontier`'s table."""
    with style():
        fig, (left, right) = new_figure(9.0, 4.0, ncols=2)
        groups = table.groupby(["loss_corridor", "profit_cap"], sort=True)
        for k, ((corridor, cap), g) in enumerate(groups):
            colour = PALETTE[k % len(PALETTE)]
            label = f"corridor {corridor:.0%}, profit cap {cap:.0%}"
            left.plot(g["p_simi_deficit"], g["insurer_result_per_insured"], marker="o",
                      ms=3.5, color=colour, label=label)
            right.plot(g["standard"], g["p_insurer_loss"], marker="o", ms=3.5, color=colour,
                       label=label)
        first = table[(table.loss_corridor == table.loss_corridor.iloc[0])
                      & (table.profit_cap == table.profit_cap.iloc[0])]
        for _, r in first.iloc[:: max(len(first) // 5, 1)].iterrows():
            left.annotate(f"{r.standard:,.0f}", (r.p_simi_deficit, r.insurer_result_per_insured),
                          fontsize=7, xytext=(3, 3), textcoords="offset points")
        percent_axis(left.xaxis)
        percent_axis(right.yaxis)
        left.set_xlabel("P(SIMI accumulated deficit in any year)")
        left.set_ylabel("insurer's expected result (CNY per insured-year)")
        right.set_xlabel("SIMI financing standard (CNY per insured)")
        right.set_ylabel("P(insurer's cumulative loss)")
        left.axhline(0, color="#444", lw=0.8)
        right.legend(loc="best", frameon=False)
        term = int(table["term_years"].iloc[0])
        fig.suptitle(title or f"Contract frontier (term {term} years; labels: standard, CNY)")
    return fig
