"""``simi calibrate --init PLACE``: a commented targets file for a new place, to fill in with
the figures a bureau publishes or keeps (premium income, claims paid, beneficiaries, loss
ratio by year). The file is valid as written (:func:`~.targets.read_targets` accepts it) but
every figure is a placeholder whose source starts with :data:`FILL_IN`, and
:func:`check_filled` refuses to calibrate until each has been replaced."""

from __future__ import annotations

import os
from pathlib import Path

from .targets import TargetsError, TargetsFile

FILL_IN = "FILL IN"

#: (statistic, fitted?, what the bureau reports, how to compute the value)
FIGURES = (
    ("simi_per_insured", True, "SIMI claims paid in the year",
     "claims paid (CNY) / insured persons"),
    ("beneficiaries_per_insured", True, "persons who received a SIMI payment",
     "beneficiaries / insured persons"),
    ("premium_per_insured", False, "SIMI premium (financing) income",
     "premium income (CNY) / insured persons; a check of financing.simi_per_capita"),
    ("loss_ratio", False, "claims / premium", "claims paid / premium income"),
)


def template_text(place: str, scenario: Path, out: Path, years: list[int]) -> str:
    """The text of the targets file for ``place`` (base ``scenario``, written to ``out``)."""
    base = os.path.relpath(Path(scenario).resolve(), Path(out).resolve().parent)
    lines = [
        f"# Calibration targets for {place}: written by `simi calibrate --init {place}`.",
        "# Replace every value of 1 below by the published or bureau figure and its source",
        "# (author or office, title, year, table or page), then run",
        f"#   simi calibrate --targets {Path(out).name}",
        f"# `simi calibrate` refuses to run while a source still begins with '{FILL_IN}'.",
        "# Delete the years you have no figures for; add years as further list items.",
        "# Fitted targets (fit: true) move the parameters below; the others are checks.",
        "# Statistics: see docs/new-city.md and `simi_actuarial/calibration/statistics.py`.",
        f"name: {place}_calibrated",
        f"scenario: {base}          # base scenario (rules, financing, fitted morbidity)",
        f"output: {place}_calibrated.yaml",
        f"description: {place} calibrated to its SIMI accounts",
        "sample:                 # the fitting runs only (not written to the scenario)",
        "  insured: 200000       # scaled-down population: per-insured figures do not change",
        "  paths: 4",
        "  seed: 20240101",
        "  overrides:            # systematic shocks off: fit the expected year",
        "    - risk.cost_shock_sd=0",
        "    - risk.utilisation_shock_sd=0",
        "    - risk.trend_uncertainty_sd=0",
        "    - risk.incidence_uncertainty_sd=0",
        "tolerance: 0.05         # relative tolerance of a target",
        "max_evaluations: 60",
        "parameters:             # what the accounts adjust (multipliers on the base's",
        "                        # morbidity: 1 = the base as it is)",
        "  - {path: morbidity.incidence_multiplier, start: 1.0, lower: 0.3, upper: 3.0}",
        "  - {path: morbidity.cost_multiplier, start: 1.0, lower: 0.3, upper: 3.0}",
        "targets:",
    ]
    for year in years:
        for stat, fit, what, how in FIGURES:
            lines += [
                f"  - statistic: {stat}      # {what}: {how}",
                f"    year: {year}",
                "    value: 1            # <- the figure",
                f"    fit: {'true' if fit else 'false'}",
                f"    source: \"{FILL_IN}: author/office, title, year, table\""]
    return "\n".join(lines) + "\n"


def check_filled(tf: TargetsFile) -> None:
    """Raise :class:`TargetsError` naming every target whose source is still a placeholder."""
    problems = [(f"targets[{i}] ({t.label})", f"still a placeholder: replace value "
                 f"{t.value:g} and the source '{t.source}' by the published figure")
                for i, t in enumerate(tf.targets) if t.source.startswith(FILL_IN)]
    if problems:
        raise TargetsError(str(tf.path), problems)
