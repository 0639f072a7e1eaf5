"""Fan chart of the accumulated SIMI balance over the horizon (quantile bands over paths)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import path_matrix
from .style import BLUE, VERMILION, integer_years, money_scale, new_figure, style

BANDS = ((0.05, 0.95, 0.18, "5-95 %"), (0.25, 0.75, 0.38, "25-75 %"))


def fan_chart(paths: pd.DataFrame, column: str = "simi_accumulated",
              title: str = "Accumulated SIMI balance: quantiles over Monte Carlo paths",
              label: str = "accumulated balance"):
    """Median and 50 % / 90 % quantile bands of ``column`` by year, with the zero line.

    ``paths`` is the long table of ``paths.parquet``. Amounts are scaled to CNY, thousand
    or million CNY as their size requires; the axis label says which.
    """
    years, x = path_matrix(paths, column)
    scale, unit = money_scale(x)
    q = np.nanquantile(x, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0) / scale
    qi = {0.05: 0, 0.25: 1, 0.5: 2, 0.75: 3, 0.95: 4}
    with style():
        fig, ax = new_figure()
        for lo, hi, alpha, name in BANDS:
            ax.fill_between(years, q[qi[lo]], q[qi[hi]], color=BLUE, alpha=alpha, lw=0,
                            label=f"{name} of paths")
        ax.plot(years, q[2], color=BLUE, marker="o", ms=3, label="median")
        ax.axhline(0.0, color=VERMILION, lw=1.0, ls="--", label="zero (exhausted)")
        ax.set_xlabel("year")
        ax.set_ylabel(f"{label} ({unit}, nominal)")
        ax.set_title(f"{title} ({x.shape[0]:,} paths)")
        integer_years(ax)
        ax.legend(loc="best", frameon=False)
    return fig
