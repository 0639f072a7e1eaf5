"""Required financing standard as a function of the risk tolerance α."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..solve import required_financing
from .style import BLUE, VERMILION, new_figure, style

DEFAULT_ALPHAS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5)


def financing_curve(result, alphas=DEFAULT_ALPHAS, target: str = "accumulated",
                    year: int | None = None, growth: float = 0.0, bootstrap: int = 199,
                    seed: int = 0) -> pd.DataFrame:
    """Required standard (first-year CNY per insured) for each α, with 95 % bootstrap CIs.

    ``result`` is a :class:`~simi_actuarial.results.SimulationResult` or a finished run read
    back from its files (:class:`~simi_actuarial.report.run_files.RunFiles`).
    """
    rows = []
    for a in alphas:
        sol = required_financing(result, target, float(a), year, None, growth, bootstrap, seed)
        rows.append({"alpha": float(a), "per_capita": sol.per_capita, "ci95_low": sol.ci_low,
                     "ci95_high": sol.ci_high, "achieved_in_sample": sol.achieved_in_sample,
                     "target": target, "paths": sol.paths})
    return pd.DataFrame(rows)


def required_financing_vs_alpha(curve: pd.DataFrame, current: float | None = None,
                                title: str | None = None):
    """Plot :func:`financing_curve`: the standard against α with its 95 % CI band and,
    if given, the scenario's current standard for reference."""
    target = str(curve["target"].iloc[0]) if "target" in curve.columns else "accumulated"
    what = {"accumulated": "P(accumulated deficit in any year) ≤ α",
            "current": "P(current deficit in the year) ≤ α"}.get(target, target)
    alphas = curve["alpha"].to_numpy(dtype=float)
    with style():
        fig, ax = new_figure()
        ax.fill_between(alphas, curve["ci95_low"], curve["ci95_high"], color=BLUE, alpha=0.25,
                        lw=0, label="95 % bootstrap CI")
        ax.plot(alphas, curve["per_capita"], color=BLUE, marker="o", ms=4,
                label="required standard")
        if current is not None and np.isfinite(current):
            ax.axhline(current, color=VERMILION, ls="--", lw=1.0,
                       label=f"scenario standard ({current:,.2f} CNY)")
        ax.set_xscale("log")
        ax.set_xticks(alphas, [f"{100 * a:g} %" for a in alphas])
        ax.minorticks_off()
        ax.set_xlabel("risk tolerance α (log scale)")
        ax.set_ylabel("SIMI financing (CNY per insured, first year)")
        n = int(curve["paths"].iloc[0]) if "paths" in curve.columns else None
        ax.set_title(title or f"Required SIMI financing standard for {what}\n"
                     + (f"(flat over the horizon; {n:,} paths)" if n else ""))
        ax.legend(loc="best", frameon=False)
    return fig
