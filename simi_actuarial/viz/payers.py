"""Who pays: composition of total cost by payer and year (stacked shares)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import BLUE, GREEN, GREY, ORANGE, PURPLE, new_figure, percent_axis, style

PAYER_SERIES = (
    ("share_bmi", "basic insurance (BMI)", BLUE),
    ("share_simi", "SIMI", ORANGE),
    ("share_assistance", "medical assistance", GREEN),
    ("share_patient_in_scope", "patient, in-scope", PURPLE),
    ("share_self_pay", "patient, out-of-scope (self-pay)", GREY),
)


def payer_composition(summary: pd.DataFrame, series=PAYER_SERIES,
                      title: str = "Who pays the cost of care: shares of total cost by year"):
    """Stacked bars of the mean payer shares of claimants' total cost (``summary.csv``'s
    ``share_*`` columns, which sum to 1 in every year)."""
    years = summary["year"].to_numpy()
    with style():
        fig, ax = new_figure()
        bottom = np.zeros(len(years))
        for col, label, colour in series:
            if col not in summary.columns:
                raise KeyError(f"summary table has no column {col!r}")
            v = np.nan_to_num(summary[col].to_numpy(dtype=float))
            ax.bar(years, v, bottom=bottom, color=colour, width=0.8, label=label)
            bottom += v
        ax.set_xticks(years, [str(int(y)) for y in years], rotation=0 if len(years) <= 12 else 90)
        ax.set_ylim(0, 1.0)
        percent_axis(ax.yaxis)
        ax.set_xlabel("year")
        ax.set_ylabel("share of claimants' total cost (%)")
        ax.set_title(title)
        ax.grid(axis="x", visible=False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig
