"""Shared figure style: print-readable sizes, a colour-blind-safe palette, CNY axes, and
headless saving (no ``pyplot``: figures are plain :class:`~matplotlib.figure.Figure`
objects rendered by the Agg canvas)."""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from ..io import atomic_path

# Okabe-Ito palette (colour-blind safe, distinct in greyscale by lightness order)
BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, GREY = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#7F7F7F")
PALETTE = (BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, GREY)

RC = {
    "font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 8.5,
    "xtick.labelsize": 9, "ytick.labelsize": 9, "axes.grid": True, "grid.alpha": 0.3,
    "grid.linewidth": 0.6, "axes.spines.top": False, "axes.spines.right": False,
    "lines.linewidth": 1.6, "savefig.dpi": 150, "figure.dpi": 100,
}


@contextmanager
def style():
    """Temporarily apply the report style (restored afterwards; nothing global changes)."""
    with matplotlib.rc_context(RC):
        yield


def new_figure(width: float = 7.0, height: float = 4.2, ncols: int = 1, **kw):
    """A figure (inches; 7 in fits a printed page width) and its axes, on an Agg canvas."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, **kw)
    return fig, axes


def money_scale(values) -> tuple[float, str]:
    """Divisor and unit label for amounts in CNY: CNY, thousand or million CNY."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    top = float(np.max(np.abs(v))) if v.size else 0.0
    if top >= 1e7:
        return 1e6, "million CNY"
    if top >= 1e4:
        return 1e3, "thousand CNY"
    return 1.0, "CNY"


def percent_axis(axis, symbol: str = " %") -> None:
    """Format an axis holding fractions as percentages (decimals as the range needs)."""
    axis.set_major_formatter(PercentFormatter(xmax=1.0, symbol=symbol))


def integer_years(ax) -> None:
    """Year ticks as integers without thousands separators."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{int(round(x))}"))


def png_bytes(fig: Figure, dpi: int = 150) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Write the figure atomically (format from the suffix: .png, .pdf, .svg)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi)
    return path
