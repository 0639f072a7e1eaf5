"""Population pyramid: insured persons by single age and sex, several years overlaid."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter

from .style import PALETTE, new_figure, style

AGES = np.arange(101)


def population_pyramid(years, insured, show_years=None,
                       title: str = "Insured population by age and sex"):
    """Pyramid of ``insured`` (years × 101 ages × 2 sexes; sex 0 male, 1 female).

    The first shown year is filled, later ones (default: about every fifth year and the
    last) are drawn as outlines so the ageing of the structure is visible. Age 100 is
    "100 and over".
    """
    years = np.asarray(years, dtype=int)
    insured = np.asarray(insured, dtype=float)
    if insured.ndim != 3 or insured.shape[1:] != (101, 2) or insured.shape[0] != len(years):
        raise ValueError("insured must have shape (years, 101, 2) matching years")
    if show_years is None:
        picks = np.unique(np.round(np.linspace(0, len(years) - 1, min(len(years), 4))))
        show_years = [int(years[int(i)]) for i in picks]
    idx = []
    for y in show_years:
        hit = np.nonzero(years == int(y))[0]
        if hit.size == 0:
            raise ValueError(f"year {y} is not in the projection {years[0]}-{years[-1]}")
        idx.append(int(hit[0]))
    top = insured[idx].max()
    scale, unit = (1e3, "thousand persons") if top >= 1e4 else (1.0, "persons")
    with style():
        fig, ax = new_figure(7.0, 5.0)
        for k, t in enumerate(idx):
            colour = PALETTE[k % len(PALETTE)]
            male, female = insured[t, :, 0] / scale, insured[t, :, 1] / scale
            share65 = insured[t, 65:].sum() / insured[t].sum()
            label = f"{years[t]} (65+: {100 * share65:.1f} %)"
            if k == 0:
                ax.barh(AGES, -male, height=1.0, color=colour, alpha=0.35, lw=0, label=label)
                ax.barh(AGES, female, height=1.0, color=colour, alpha=0.35, lw=0)
            else:
                ax.step(-male, AGES, where="mid", color=colour, lw=1.3, label=label)
                ax.step(female, AGES, where="mid", color=colour, lw=1.3)
        ax.axvline(0.0, color="black", lw=0.8)
        digits = 1 if scale > 1 else 0
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{abs(x):,.{digits}f}"))
        lim = ax.get_xlim()
        m = max(abs(lim[0]), abs(lim[1]))
        ax.set_xlim(-m, m)
        ax.text(0.02, 0.97, "men", transform=ax.transAxes, va="top", ha="left")
        ax.text(0.98, 0.97, "women", transform=ax.transAxes, va="top", ha="right")
        ax.set_ylim(-0.5, 100.5)
        ax.set_xlabel(f"insured persons per single year of age ({unit})")
        ax.set_ylabel("age (years; 100 = 100 and over)")
        ax.set_title(title)
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: labels[i])  # chronological
        fig.legend([handles[i] for i in order], [labels[i] for i in order],
                   loc="outside lower center", ncols=min(len(labels), 4), frameon=False)
    return fig
