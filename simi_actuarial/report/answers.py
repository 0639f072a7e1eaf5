"""The report's opening sections: the plain-language conclusion with the required standard
(flat and year by year, :mod:`simi_actuarial.headline`), and the key assumptions with their
provenance (recorded in the run's manifest as ``assumptions`` by ``simi run``)."""

from __future__ import annotations

import pandas as pd

from ..headline import conclusion as conclusion_text
from ..headline import headline
from . import html as H


def conclusion_section(run, alpha: float) -> str:
    """Conclusion paragraph and the year-by-year required standard."""
    if run.scenario.financing is None:
        return H.para("The scenario sets no financing: no required standard is computed.")
    h = headline(run, alpha)
    frame = pd.DataFrame([{"year": r.year, "per_capita": r.per_capita, "ci95_low": r.ci_low,
                           "ci95_high": r.ci_high} for r in h.path])
    return (H.para(conclusion_text(h, run.years, run.scenario.name))
            + H.para(f"Standard needed year by year (CNY per insured; P(deficit in that year) "
                     f"≤ {alpha:g}), with 95 % bootstrap intervals:")
            + H.table(frame, {"year": "d", "per_capita": ",.2f", "ci95_low": ",.2f",
                              "ci95_high": ",.2f"}))


def assumptions_section(run) -> str:
    """Key assumptions with where each comes from, and the morbidity warning."""
    from ..scenario.provenance import morbidity_warning

    rows = run.manifest.get("assumptions")
    if not rows:
        return H.para("This run's manifest does not record the assumptions' provenance "
                      "(runs made before it was recorded, or from the Python API).", "note")
    frame = pd.DataFrame(rows)[["assumption", "value", "origin"]]
    warning = morbidity_warning(rows)
    return H.table(frame) + (H.para(warning, "note") if warning else "")
