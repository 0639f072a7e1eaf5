"""Backtest: every published figure against the calibrated model, and rolling-origin
out-of-sample predictions.

* ``calibration`` rows: every target of a targets file (fitted or check-only) against the
  calibrated scenario, simulated with the file's sample settings.
* ``out_of_sample`` rows (targets files with ``rolling_origin: true``): for every year ``t``
  with a published figure for ``t + 1``, the parameters are refitted on the fitted targets
  of years ``<= t`` only (:func:`~simi_actuarial.calibration.fit.calibrate` with
  ``last_year=t``) and the same run (rules of every year, estimated trends, named shocks)
  predicts every figure published for ``t + 1``. ``change`` rows compare the predicted
  change ``model(t+1) / model(t) - 1`` with every published change
  ``observed(t+1) / observed(t) - 1``; ``within`` of a change row is "the sign is right".
  An origin without a fitted target up to ``t`` is reported as not predicted (model NaN).

Headline metrics (:func:`out_of_sample_summary`): share of level predictions within ±10 %,
median absolute error, share of changes with the right sign.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..scenario.loader import load_document
from ..scenario.overrides import parse_assignment
from .fit import calibrate, fitted_up_to, run_targets, target_rows
from .targets import Target, TargetsError, TargetsFile

COLUMNS = ["scenario", "target", "observed", "model", "rel_error", "kind", "tolerance",
           "within", "fitted", "note", "origin"]

#: Level predictions count as "within" the headline target at this relative error.
LEVEL_TOLERANCE = 0.10

#: The SIMI fund's own figures (what a projection is for): the second headline subset.
FUND_STATISTICS = ("simi_per_insured", "beneficiaries_per_insured", "simi_per_beneficiary",
                   "loss_ratio", "premium_per_insured", "simi_balance_per_insured")


def fitted_values(tf: TargetsFile, calibrated: Path) -> dict[str, float]:
    """The values of ``tf``'s parameters stored in the calibrated scenario file."""
    data = load_document(calibrated)
    out: dict[str, float] = {}
    for p in tf.parameters:
        node: object = data
        keys, _ = parse_assignment(f"{p.path}=0")
        for k in keys:
            if not isinstance(node, dict) or k not in node:
                raise TargetsError(str(calibrated), [(p.path, "fitted value not found: re-run "
                                                      f"simi calibrate {tf.path}")])
            node = node[k]
        if not isinstance(node, int | float):
            raise TargetsError(str(calibrated), [(p.path, f"fitted value is not a number: {node!r}")])
        out[p.path] = float(node)
    return out


def calibrated_path(tf: TargetsFile) -> Path:
    if tf.output is None or not tf.output.is_file():
        raise TargetsError(str(tf.path), [("output", "calibrated scenario not found "
                                           f"({tf.output}): run simi calibrate first")])
    return tf.output


def _rel(model: float, observed: float) -> float:
    if not math.isfinite(observed) or observed == 0 or not math.isfinite(model):
        return math.nan
    return model / observed - 1.0


def _row(tf: TargetsFile, target: str, observed, model, kind: str, tolerance, within: bool,
         fitted: bool, note: str, origin=math.nan) -> dict:
    return {"scenario": tf.name, "target": target, "observed": observed, "model": model,
            "rel_error": _rel(model, observed), "kind": kind, "tolerance": tolerance,
            "within": within, "fitted": fitted, "note": note, "origin": origin}


def calibration_rows(tf: TargetsFile) -> list[dict]:
    """Every target against the calibrated scenario (fitted values read from its file)."""
    path = calibrated_path(tf)
    values = fitted_values(tf, path)
    cal = target_rows(tf.targets, run_targets(tf, tf.targets, values, path=path))
    return [_row(tf, r["target"], r["observed"], r["model"], "calibration", r["tolerance"],
                 r["within"], r["fit"], r["note"]) for r in cal.to_dict("records")]


def _pairs(targets: Iterable[Target], t0: int, t1: int) -> list[tuple[Target, Target]]:
    """(figure of t0, figure of t1) with the same statistic and name."""
    by_key = {(t.statistic, t.name): t for t in targets if t.year == t0}
    return [(by_key[(t.statistic, t.name)], t) for t in targets
            if t.year == t1 and (t.statistic, t.name) in by_key]


def rolling_origin_rows(tf: TargetsFile, max_evaluations: int | None = None) -> list[dict]:
    """Out-of-sample level and change rows (see the module docstring)."""
    usable = [t for t in tf.targets if not t.overrides]
    years = sorted({t.year for t in usable})
    rows: list[dict] = []
    for t0 in years:
        t1 = t0 + 1
        ahead = [t for t in usable if t.year == t1]
        if not ahead:
            continue
        pairs = _pairs(usable, t0, t1)
        if not fitted_up_to(tf, t0):
            for t in ahead:
                rows.append(_row(tf, f"{t.label} [fit <= {t0}]", t.value, math.nan,
                                 "out_of_sample", LEVEL_TOLERANCE, False, False,
                                 f"not predicted: no fitted figure of {t0} or earlier", t0))
            for a, b in pairs:
                rows.append(_row(tf, f"{b.statistic} change {t0}->{t1}"
                                 + (f" ({b.name})" if b.name else ""), b.value / a.value - 1,
                                 math.nan, "out_of_sample", math.nan, False, False,
                                 "not predicted", t0))
            continue
        fit = calibrate(tf, max_evaluations=max_evaluations, last_year=t0,
                        with_covariance=False)
        needed = [*ahead, *(a for a, _ in pairs)]
        model = dict(zip([(t.statistic, t.name, t.year) for t in needed],
                         run_targets(tf, needed, fit.values), strict=True))
        for t in ahead:
            m = model[(t.statistic, t.name, t.year)]
            rel = _rel(m, t.value)
            rows.append(_row(tf, f"{t.label} [fit <= {t0}]", t.value, m, "out_of_sample",
                             LEVEL_TOLERANCE, bool(abs(rel) <= LEVEL_TOLERANCE), False,
                             t.note, t0))
        for a, b in pairs:
            obs = b.value / a.value - 1.0
            mod = model[(b.statistic, b.name, t1)] / model[(a.statistic, a.name, t0)] - 1.0
            rows.append(_row(tf, f"{b.statistic} change {t0}->{t1}"
                             + (f" ({b.name})" if b.name else ""), obs, mod, "out_of_sample",
                             math.nan, bool(np.sign(obs) == np.sign(mod)), False,
                             "relative change (growth - 1); within = right sign", t0))
    return rows


def backtest_one(tf: TargetsFile, max_evaluations: int | None = None) -> pd.DataFrame:
    """Backtest rows of one targets file (see the module docstring)."""
    rows = calibration_rows(tf)
    if tf.rolling_origin:
        rows += rolling_origin_rows(tf, max_evaluations)
    return pd.DataFrame(rows, columns=COLUMNS)


def backtest(files: Iterable[TargetsFile], progress=None,
             max_evaluations: int | None = None) -> pd.DataFrame:
    """Backtest rows of several targets files, concatenated."""
    frames = []
    for tf in files:
        frames.append(backtest_one(tf, max_evaluations))
        if progress is not None:
            progress(1)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def is_change(table: pd.DataFrame) -> pd.Series:
    return table["target"].str.contains(" change ", regex=False)


def out_of_sample_summary(table: pd.DataFrame,
                          statistics: Iterable[str] | None = None) -> dict[str, float]:
    """Headline out-of-sample metrics: levels within ±10 %, median |error|, changes with
    the right sign (not-predicted rows count as misses); ``statistics`` restricts the rows
    to those statistics (the first word of the target)."""
    oos = table[table["kind"] == "out_of_sample"]
    if statistics is not None:
        oos = oos[oos["target"].str.split(" ").str[0].isin(list(statistics))]
    levels = oos[~is_change(oos)]
    changes = oos[is_change(oos)]
    err = levels["rel_error"].abs()
    return {"levels": len(levels), "levels_within": int(levels["within"].sum()),
            "median_abs_error": float(err.median()) if err.notna().any() else math.nan,
            "changes": len(changes), "changes_right_sign": int(changes["within"].sum()),
            "not_predicted": int(oos["model"].isna().sum())}


def summary_text(table: pd.DataFrame) -> str:
    """The headline metrics over every out-of-sample row and over the SIMI fund figures."""
    lines = []
    for what, stats in (("all figures", None), ("SIMI fund figures", FUND_STATISTICS)):
        s = out_of_sample_summary(table, stats)
        if not s["levels"] and not s["changes"]:
            continue
        lines.append(
            f"out of sample, {what}: {s['levels_within']}/{s['levels']} level predictions "
            f"within ±{LEVEL_TOLERANCE:.0%} (median |error| {s['median_abs_error']:.1%}); "
            f"{s['changes_right_sign']}/{s['changes']} published changes with the right sign; "
            f"{s['not_predicted']} rows not predicted (no fitted figure up to the origin)")
    return "\n\n".join(lines) or "no out-of-sample rows"


def markdown_table(table: pd.DataFrame) -> str:
    """The backtest table as Markdown; ⚠ marks a published figure outside its tolerance (a
    change with the wrong sign), "(check)" a calibration target reported but not fitted."""

    def num(v) -> str:
        if pd.isna(v):
            return "–"
        a = abs(v)
        return f"{v:,.0f}" if a >= 1000 else (f"{v:.2f}" if a >= 10 else f"{v:.4g}")

    lines = [summary_text(table), "",
             "| scenario | target | observed | model | rel. error | kind |",
             "|---|---|---:|---:|---:|---|"]
    for r in table.to_dict("records"):
        err = "–" if pd.isna(r["rel_error"]) else f"{r['rel_error']:+.1%}"
        flag = "" if pd.isna(r["observed"]) or r["within"] else " ⚠"
        check = " (check)" if r["kind"] == "calibration" and not r["fitted"] else ""
        lines.append(f"| {r['scenario']} | {r['target']} | {num(r['observed'])} | "
                     f"{num(r['model'])} | {err}{flag} | {r['kind']}{check} |")
    return "\n".join(lines) + "\n"
