"""Tornado chart of a one-at-a-time sensitivity analysis (:mod:`simi_actuarial.sensitivity`)."""

from __future__ import annotations

import numpy as np

from ..stats import Z95
from .style import BLUE, GREY, VERMILION, new_figure, percent_axis, style

METRIC_LABELS = {
    "required": "required SIMI financing (CNY per insured, first year)",
    "p_deficit": "P(deficit)",
}


def tornado(sens, metric: str = "required", title: str | None = None):
    """Bars from the base value to the value with each assumption lowered / raised by
    ``delta``, largest swing on top; whiskers are 95 % intervals of the paired differences
    (bootstrap for the required financing, ± 1.96 standard errors for P(deficit)).

    ``sens`` is a :class:`~simi_actuarial.sensitivity.Sensitivity`.
    """
    if metric not in METRIC_LABELS:
        raise KeyError(f"metric must be one of {sorted(METRIC_LABELS)}, got {metric!r}")
    t = sens.table
    base = float(t.loc[t.side == "base", metric].iloc[0])
    rows = t[t.side != "base"]
    order = (rows.pivot(index="assumption", columns="side", values=metric)
             .pipe(lambda w: (w["high"] - w["low"]).abs()).sort_values())
    with style():
        fig, ax = new_figure(7.0, 1.2 + 0.42 * len(order))
        for i, name in enumerate(order.index):
            for side, colour, sign in (("low", BLUE, "−"), ("high", VERMILION, "+")):
                r = rows[(rows.assumption == name) & (rows.side == side)].iloc[0]
                diff = r[metric] - base
                if metric == "required":
                    err = np.array([[diff - r.required_diff_ci95_low],
                                    [r.required_diff_ci95_high - diff]])
                else:  # the interval, clipped to probabilities
                    lo = max(r.p_deficit - Z95 * r.p_deficit_diff_se, 0.0)
                    hi = min(r.p_deficit + Z95 * r.p_deficit_diff_se, 1.0)
                    err = np.array([[r.p_deficit - lo], [hi - r.p_deficit]])
                label = f"assumption {sign}{100 * sens.delta:g} %" if i == 0 else None
                y = i + (0.17 if side == "low" else -0.17)  # both visible if same sign
                ax.barh(y, diff, left=base, height=0.34, color=colour, alpha=0.9, label=label)
                ax.errorbar(base + diff, y, xerr=np.abs(err), color="black", lw=0.8,
                            capsize=2, label="95 % CI of the paired difference"
                            if i == 0 and side == "low" else None)
        labels = []
        for name in order.index:
            r = rows[rows.assumption == name].iloc[0]
            bv = r.get("base_value", np.nan)
            labels.append(f"{r.label} ({bv:g})" if np.isfinite(bv) else str(r.label))
        ax.set_yticks(np.arange(len(order)), labels)
        ax.axvline(base, color=GREY, lw=1.0)
        ax.grid(axis="y", visible=False)
        if metric == "p_deficit":
            percent_axis(ax.xaxis)
        what = ("P(accumulated deficit in any year)" if sens.target == "accumulated"
                else "P(current deficit in the last year)")
        xl = METRIC_LABELS[metric] if metric == "required" else what
        ax.set_xlabel(f"{xl}; base {base:,.2f}" if metric == "required"
                      else f"{xl}; base {100 * base:.1f} %")
        ax.set_ylabel("assumption (base value)")
        sub = (f"α = {sens.alpha:g}, " if metric == "required" else "")
        head = "Required financing" if metric == "required" else "Deficit probability"
        ax.set_title(title or f"{head}: each assumption moved by ±{100 * sens.delta:g} %\n"
                     f"({sub}{sens.paths:,} paths, common random numbers)")
        fig.legend(loc="outside lower center", ncols=3, frameon=False)
        pd_all = t["p_deficit"].to_numpy()
        p = pd_all[0] if metric == "p_deficit" and pd_all[0] in (0.0, 1.0) and (
            pd_all == pd_all[0]).all() else None
        if p is not None:  # saturated: bars of zero length would look like a blank chart
            ax.text(0.5, 0.5, f"P(deficit) = {p:g} in every run: saturated, no sensitivity to "
                    "show.\nSee the required-standard tornado.", transform=ax.transAxes,
                    ha="center", va="center", fontsize=10,
                    bbox={"facecolor": "white", "edgecolor": GREY})
    return fig
