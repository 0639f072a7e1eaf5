"""Reform minus baseline, by year, with 95 % confidence intervals (paired on common random
numbers; the table of :class:`simi_actuarial.compare.Comparison`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import BLUE, GREY, integer_years, money_scale, new_figure, percent_axis, style

#: axis label and kind per metric of ``Comparison.table``
METRICS = {
    "simi_claims": ("SIMI claims", "money"),
    "simi_per_insured": ("SIMI claims per insured", "money"),
    "simi_beneficiaries": ("SIMI beneficiaries (persons)", "count"),
    "bmi_paid": ("BMI payments", "money"),
    "assistance_paid": ("medical assistance payments", "money"),
    "patient_burden": ("patients' burden", "money"),
    "patient_burden_per_claimant": ("patients' burden per claimant", "money"),
    "che_rate": ("catastrophic expenditure rate (share of insured)", "share"),
    "current_deficit": ("P(current deficit)", "share"),
    "accumulated_deficit": ("P(accumulated deficit)", "share"),
    "simi_accumulated_balance": ("accumulated SIMI balance", "money"),
    "total_cost": ("total cost of care", "money"),
}


def reform_deltas(table: pd.DataFrame, metric: str = "simi_per_insured",
                  title: str | None = None, reform_name: str = "reform",
                  base_name: str = "base"):
    """Paired difference reform − base of ``metric`` by year with its 95 % CI."""
    if metric not in set(table["metric"]):
        raise KeyError(f"comparison table has no metric {metric!r}; "
                       f"available: {sorted(set(table['metric']))}")
    rows = table[table["metric"] == metric].sort_values("year")
    label, kind = METRICS.get(metric, (metric, "count"))
    d = rows["difference"].to_numpy(dtype=float)
    lo, hi = rows["ci95_low"].to_numpy(dtype=float), rows["ci95_high"].to_numpy(dtype=float)
    scale, unit = (money_scale(np.r_[lo, hi]) if kind == "money" else (1.0, ""))
    with style():
        fig, ax = new_figure()
        years = rows["year"].to_numpy()
        ax.errorbar(years, d / scale, yerr=[(d - lo) / scale, (hi - d) / scale], color=BLUE,
                    marker="o", ms=4, capsize=3, label="difference, 95 % CI")
        ax.axhline(0.0, color=GREY, lw=1.0)
        if kind == "share":
            percent_axis(ax.yaxis, symbol=" pp")
            ylabel = f"Δ {label} (percentage points)"
        elif kind == "money":
            ylabel = f"Δ {label} ({unit})"
        else:
            ylabel = f"Δ {label}"
        ax.set_xlabel("year")
        ax.set_ylabel(ylabel)
        ax.set_title(title or f"{reform_name} − {base_name}: {label}\n"
                     "(paired on common random numbers)")
        integer_years(ax)
        ax.legend(loc="best", frameon=False)
    return fig
