"""Deficit risk: P(deficit) by year with error bars; the distribution of the exhaustion year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats import Z95
from .frames import path_matrix
from .style import BLUE, GREY, VERMILION, integer_years, new_figure, percent_axis, style

DEFICIT_SERIES = (
    ("p_current_deficit", "current deficit in the year", VERMILION, "s"),
    ("p_accumulated_deficit", "accumulated balance < 0 at year end", BLUE, "o"),
)


def deficit_probability(summary: pd.DataFrame, series=DEFICIT_SERIES,
                        title: str = "Probability of a SIMI deficit by year"):
    """P(deficit) by year with 95 % error bars (± 1.96 Monte Carlo standard errors).

    ``summary`` is ``summary.csv``; each of ``series`` is ``(column, label, colour, marker)``
    and needs ``column`` and ``column + '_se'``.
    """
    with style():
        fig, ax = new_figure()
        years = summary["year"].to_numpy()
        for i, (col, label, colour, marker) in enumerate(series):
            if col not in summary.columns:
                raise KeyError(f"summary table has no column {col!r}")
            p = summary[col].to_numpy(dtype=float)
            se = summary[col + "_se"].to_numpy(dtype=float)
            ax.errorbar(years + (i - (len(series) - 1) / 2) * 0.12, p, yerr=Z95 * se,
                        color=colour, marker=marker, ms=4, capsize=3, label=label)
        ax.set_ylim(-0.03, 1.03)
        percent_axis(ax.yaxis)
        ax.set_xlabel("year")
        ax.set_ylabel("probability (% of paths)")
        ax.set_title(title)
        integer_years(ax)
        ax.legend(loc="best", frameon=False, title="error bars: 95 % MC interval")
    return fig


def exhaustion_years(paths: pd.DataFrame, column: str = "simi_accumulated") -> pd.Series:
    """Per path, the first year in which ``column`` (the accumulated SIMI balance) is
    negative; 0 if it never is within the horizon (as ``SimulationResult.exhaustion_year``)."""
    years, acc = path_matrix(paths, column)
    neg = acc < 0
    first = years[np.argmax(neg, axis=1)]
    out = np.where(neg.any(axis=1), first, 0)
    return pd.Series(out, index=np.sort(paths["path"].unique()), name="exhaustion_year")


def exhaustion_histogram(paths: pd.DataFrame, column: str = "simi_accumulated",
                         title: str = "Year the accumulated SIMI balance first turns negative"):
    """Share of paths by exhaustion year, with a last bar for paths never exhausted within
    the horizon."""
    years = np.sort(paths["year"].unique())
    ex = exhaustion_years(paths, column)
    n = len(ex)
    share = np.array([np.mean(ex.to_numpy() == y) for y in years] + [np.mean(ex.to_numpy() == 0)])
    labels = [str(int(y)) for y in years] + [f"not by\n{int(years[-1])}"]
    with style():
        fig, ax = new_figure()
        pos = np.arange(len(labels))
        colours = [VERMILION] * len(years) + [GREY]
        ax.bar(pos, share, color=colours, width=0.8)
        ax.set_xticks(pos, labels, rotation=0 if len(labels) <= 12 else 90)
        percent_axis(ax.yaxis)
        ax.set_xlabel("exhaustion year")
        ax.set_ylabel(f"paths (% of {n:,})")
        exhausted = 1.0 - share[-1]
        ax.set_title(f"{title}\n({100 * exhausted:.1f} % of paths exhausted within the horizon)")
        ax.grid(axis="x", visible=False)
    return fig

