"""The report's opening sections: the plain-language conclusion with the required standard
(flat and year by year, :mod:`simi_actuarial.headline`), and the key assumptions with their
provenance (recorded in the run's manifest as ``assumptions`` by ``simi run``)."""

from __future__ import annotations

import pandas as pd

from ..headline import conclusion_sentences, headline
from . import html as H


def conclusion_section(run, alpha: float) -> str:
    """Conclusion paragraph and the year-by-year required standard."""
    if run.scenario.financing is None:
        return H.para("The scenario sets no financing: no required standard is computed.")
    h = headline(run, alpha)
    frame = pd.DataFrame([{"year": r.year, "standard (CNY per insured)": r.per_capita,
                           "95 % CI low": r.ci_low, "95 % CI high": r.ci_high}
                          for r in h.path])
    return ("".join(H.para(t) for t in conclusion_sentences(h, run.years, run.scenario.name))
            + H.para(f"Standard needed year by year (CNY per insured; P(deficit in that year) "
                     f"≤ {alpha:g}), with 95 % bootstrap intervals:")
            + H.table(frame, {"year": "d", "standard (CNY per insured)": ",.2f",
                              "95 % CI low": ",.2f", "95 % CI high": ",.2f"}))


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
