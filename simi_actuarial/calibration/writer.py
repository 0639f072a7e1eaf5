"""Writing a calibrated scenario: ``extends`` the base scenario, sets the fitted values and
the targets file's scenario overrides, and states targets, fit and provenance in comments.

Calibration uncertainty: the standard error of the log of the fitted SIMI claims level
(``simi_per_insured`` in the latest fitted year; delta method over the fit's covariance,
:mod:`.fit`, so correlated parameters that trade off against each other do not add up)
becomes ``risk.incidence_uncertainty_sd``, the per-path uncertainty of the claims level,
so P(deficit) and the required standard include what the targets cannot pin down. Without
a fitted claims target, the log standard error of ``morbidity.incidence_multiplier`` is
used when it is fitted.
"""

from __future__ import annotations

import datetime as _dt
import os
import textwrap
from pathlib import Path

import yaml

from ..io import write_text
from ..scenario.overrides import apply_assignment, parse_assignment
from .fit import FitResult, fmt


def uncertainty_overrides(fit: FitResult) -> dict[str, float]:
    """``risk.incidence_uncertainty_sd`` from the fit's covariance (see the module
    docstring); empty without a covariance."""
    se = fit.target_log_se("simi_per_insured")
    if se != se:  # NaN: no fitted claims target
        se = fit.log_se("morbidity.incidence_multiplier")
    return {} if se != se else {"risk.incidence_uncertainty_sd": min(se, 2.0)}


def _comment(text: str, width: int = 94) -> list[str]:
    out = []
    for para in text.strip().splitlines():
        wrapped = textwrap.wrap(para, width - 2) or [""]
        out += [f"# {line}".rstrip() for line in wrapped]
    return out


def fit_table_text(table, columns=("target", "observed", "model", "rel_error")) -> str:
    """Plain-text fit table: target, observed, model, relative error, status."""
    head = f"{'target':<40} {'observed':>12} {'model':>12} {'rel.err':>8}  status"
    lines = [head]
    for r in table.to_dict("records"):
        status = ("ok" if r["within"] else f"OUTSIDE ±{r['tolerance']:.0%}")
        status += "" if r["fit"] else " (check, not fitted)"
        lines.append(f"{r['target']:<40} {r['observed']:>12.5g} {r['model']:>12.5g} "
                     f"{r['rel_error']:>+8.1%}  {status}")
    return "\n".join(lines)


def calibrated_document(fit: FitResult, out: Path) -> str:
    """The text of the calibrated scenario written to ``out``."""
    tf = fit.targets
    data: dict = {}
    for text in tf.scenario_overrides:
        keys, value = parse_assignment(text)
        data = apply_assignment(data, keys, value)
    for path, value in {**fit.values, **uncertainty_overrides(fit)}.items():
        keys, parsed = parse_assignment(f"{path}={fmt(value)}")
        data = apply_assignment(data, keys, parsed)
    base = os.path.relpath(tf.scenario.resolve(), out.resolve().parent)
    targets_rel = os.path.relpath(tf.path.resolve(), out.resolve().parent)
    today = _dt.date.today().isoformat()
    s = tf.sample
    lines = [f"# Calibrated scenario written by `simi calibrate --targets {targets_rel}` on {today}",
             "# (paths relative to this file).",
             "# Do not edit by hand: change the targets file and re-run simi calibrate.", "#"]
    lines += _comment(f"Base scenario: {base}. Targets, sources and tolerances: {targets_rel} "
                      f"(default tolerance ±{tf.tolerance:.0%}).")
    lines += _comment(
        f"Fitted by simulated method of moments on common random numbers: "
        f"{s.paths} paths, seed {s.seed}, a scaled-down population of "
        f"{s.insured if s.insured is not None else 'scenario'} insured (per-insured figures and "
        f"shares do not depend on its size), sample overrides {list(s.overrides)}"
        + ("" if s.engine == "micro" else
           f", {s.engine} engine (conditional mean, no process noise)")
        + f"; {fit.evaluations} simulations; optimiser: {fit.message}")
    lines += ["#"] + _comment("Fitted to: " + ", ".join(t.label for t in tf.fitted_targets))
    lines += ["# Fitted parameters (value; start; bounds):"]
    for p in tf.parameters:
        lines += _comment(f"  {p.path} = {fmt(fit.values[p.path])}  (start {fmt(p.start)}; "
                          f"bounds [{fmt(p.lower)}, {fmt(p.upper)}]"
                          + (f"; {p.source}" if p.source else "") + ")")
    if fit.covariance is not None:
        se = fit.se
        lines += ["#"] + _comment(
            "Standard errors from the fit's covariance ((J'J)^-1, J the Jacobian of the fitted "
            "targets' relative errors over their stated sd): " + "; ".join(
                f"{p} {fmt(se[p])}" for p in fit.free))
        c = fit.covariance
        d = [c[i, i] ** 0.5 for i in range(len(fit.free))]
        corr = [f"{fit.free[i].rsplit('.', 1)[-1]}~{fit.free[j].rsplit('.', 1)[-1]} "
                f"{c[i, j] / (d[i] * d[j]):+.2f}" for i in range(len(d))
                for j in range(i + 1, len(d)) if d[i] > 0 and d[j] > 0]
        if corr:
            lines += _comment("Correlations: " + "; ".join(corr))
        carried = uncertainty_overrides(fit)
        if carried:
            lines += _comment("Carried as parameter uncertainty: " + ", ".join(
                f"{k}={fmt(v)}" for k, v in carried.items()))
    lines += ["#", "# Fit (model at the fitted values, same sample):"]
    lines += [f"#   {ln}" for ln in fit_table_text(fit.table).splitlines()]
    lines += ["#", "# Target sources:"]
    for t in tf.targets:
        lines += _comment(f"  {t.label} = {t.value:g}: {t.source}"
                          + (f" [{t.note}]" if t.note else ""))
    if tf.conflicts:
        lines += ["#", "# Data conflicts and the source used:"]
        lines += _comment(tf.conflicts)
    body = {"extends": base, "name": tf.name}
    if tf.description:
        body["description"] = tf.description
    text = "\n".join(lines) + "\n" + yaml.safe_dump(body, sort_keys=False, width=92)
    text += yaml.safe_dump(data, sort_keys=False, width=92) if data else ""
    return text


def write_calibrated(fit: FitResult, out: str | Path) -> Path:
    """Write the calibrated scenario atomically; returns its path."""
    out = Path(out)
    write_text(out, calibrated_document(fit, out))
    return out
