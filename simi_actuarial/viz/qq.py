"""QQ plot of costs per admission: empirical quantiles of a claims extract against the
fitted spliced lognormal-Pareto distribution of each hospital level (log axes)."""

from __future__ import annotations

import numpy as np

from .style import GREY, PALETTE, new_figure, style


def cost_qq(levels, empirical, fitted, threshold: float | None = None):
    """``empirical`` and ``fitted``: per level, quantiles at the same probabilities (CNY).
    Points on the diagonal mean the fit reproduces the extract; the dotted lines mark the
    tail threshold."""
    with style():
        fig, ax = new_figure(5.6, 5.0)
        lo = min(float(np.min(f)) for f in fitted if len(f))
        hi = max(float(np.max(e)) for e in empirical if len(e))
        for k, (lvl, e, f) in enumerate(zip(levels, empirical, fitted, strict=True)):
            ax.loglog(f, e, "o", ms=3, color=PALETTE[k % len(PALETTE)], label=lvl)
        ax.plot([lo, hi], [lo, hi], color=GREY, lw=1, label="fitted = observed")
        if threshold is not None:
            ax.axvline(threshold, color=GREY, ls=":", lw=1)
            ax.axhline(threshold, color=GREY, ls=":", lw=1)
        ax.set_xlabel("fitted quantile (CNY per admission)")
        ax.set_ylabel("extract quantile (CNY per admission)")
        ax.set_title("Cost per admission: extract vs fitted distribution")
        ax.legend(loc="upper left")
    return fig
