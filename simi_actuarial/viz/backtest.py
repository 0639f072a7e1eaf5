"""Backtest chart: relative error of every published level against the model
(:mod:`simi_actuarial.calibration.backtest`)."""

from __future__ import annotations

from .style import BLUE, GREY, ORANGE, new_figure, style


def backtest_errors(table, band: float = 0.10):
    """Horizontal bars of ``model / observed - 1`` (clipped to ±100 %) for every published
    level (change rows are in the table only): blue calibration, orange out of sample;
    grey band ±``band``. ``table`` is the frame of
    :func:`~simi_actuarial.calibration.backtest.backtest`."""
    keep = table["observed"].notna() & ~table["target"].str.contains(" change ", regex=False)
    rows = table[keep].reset_index(drop=True)
    labels = [f"{s}: {t}" for s, t in zip(rows["scenario"], rows["target"], strict=True)]
    with style():
        fig, ax = new_figure(9.0, max(3.0, 0.22 * len(rows) + 1.0))
        colours = [BLUE if k == "calibration" else ORANGE for k in rows["kind"]]
        err = rows["rel_error"].fillna(0.0).clip(-1.0, 1.0) * 100
        ax.barh(range(len(rows)), err, color=colours)
        ax.axvspan(-100 * band, 100 * band, color=GREY, alpha=0.25, zorder=0)
        ax.set_yticks(range(len(rows)), labels, fontsize=6)
        ax.invert_yaxis()
        ax.set_xlabel(f"model / observed - 1 (%), clipped to ±100 %; grey: ±{band:.0%}")
        ax.set_title("Backtest: blue calibration, orange out of sample (rolling origin)")
    return fig
