"""Backtest: every published figure against the calibrated model, and out-of-sample checks.

* ``calibration`` rows: every target of a targets file (fitted or check-only) against the
  calibrated scenario, simulated with the file's sample settings.
* ``out_of_sample`` rows: the parameters fitted on the base year are applied to the next
  year's rules (``reform``) with the trend assumptions; predicted levels and changes from the
  base year are compared with the published ones. The change is split into the part the rule
  change explains (reform minus counterfactual, the old rules projected into the new year)
  and the trend part (counterfactual change); these split rows have no published value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..scenario.loader import load_document
from ..scenario.overrides import parse_assignment
from .fit import check_years, run_targets, sample_run, target_rows
from .statistics import statistic
from .targets import TargetsError, TargetsFile

COLUMNS = ["scenario", "target", "observed", "model", "rel_error", "kind", "tolerance",
           "within", "fitted", "note"]


def fitted_values(tf: TargetsFile, calibrated: Path) -> dict[str, float]:
    """The values of ``tf``'s parameters stored in the calibrated scenario file."""
    data = load_document(calibrated)
    out = {}
    for p in tf.parameters:
        node = data
        keys, _ = parse_assignment(f"{p.path}=0")
        for k in keys:
            if not isinstance(node, dict) or k not in node:
                raise TargetsError(str(calibrated), [(p.path, "fitted value not found: re-run "
                                                      f"simi calibrate {tf.path}")])
            node = node[k]
        out[p.path] = float(node)
    return out


def calibrated_path(tf: TargetsFile) -> Path:
    if tf.output is None or not tf.output.is_file():
        raise TargetsError(str(tf.path), [("output", "calibrated scenario not found "
                                           f"({tf.output}): run simi calibrate first")])
    return tf.output


def _rel(model: float, observed: float) -> float:
    if not math.isfinite(observed) or observed == 0:
        return math.nan
    return model / observed - 1.0


def backtest_one(tf: TargetsFile) -> pd.DataFrame:
    """Backtest rows of one targets file (see the module docstring)."""
    path = calibrated_path(tf)
    values = fitted_values(tf, path)
    cal = target_rows(tf.targets, run_targets(tf, tf.targets, {}, path=path))
    rows = [{"scenario": tf.name, "target": r["target"], "observed": r["observed"],
             "model": r["model"], "rel_error": r["rel_error"], "kind": "calibration",
             "tolerance": r["tolerance"], "within": r["within"], "fitted": r["fit"],
             "note": r["note"]} for r in cal.to_dict("records")]
    observed_base = {(t.statistic, t.year): t.value for t in tf.targets}
    for k, oos in enumerate(tf.out_of_sample):
        reform = sample_run(tf, values, path=oos.reform, extra=oos.reform_overrides)
        counter = sample_run(tf, values, path=oos.counterfactual,
                             extra=oos.counterfactual_overrides)
        base = [replace(t, year=oos.base_year) for t in oos.targets]
        for run in (reform, counter):
            check_years(tf, [*oos.targets, *base], run, f"out_of_sample[{k}].targets")
        for t in oos.targets:
            pred = statistic(reform, t.statistic, t.year)
            rel = _rel(pred, t.value)
            rows.append({"scenario": tf.name, "target": f"{t.label} [{oos.name}]",
                         "observed": t.value, "model": pred, "rel_error": rel,
                         "kind": "out_of_sample", "tolerance": t.tolerance,
                         "within": bool(abs(rel) <= t.tolerance), "fitted": False,
                         "note": t.note})
            base_obs = observed_base.get((t.statistic, oos.base_year))
            m0 = statistic(reform, t.statistic, oos.base_year)
            c0 = statistic(counter, t.statistic, oos.base_year)
            c1 = statistic(counter, t.statistic, t.year)
            change = pred / m0 - 1.0
            label = f"{t.statistic} change {oos.base_year}->{t.year}"
            if base_obs is not None:
                obs_change = t.value / base_obs - 1.0
                rel = _rel(change, obs_change)
                rows.append({"scenario": tf.name, "target": label, "observed": obs_change,
                             "model": change, "rel_error": rel, "kind": "out_of_sample",
                             "tolerance": t.tolerance, "within": bool(abs(rel) <= t.tolerance),
                             "fitted": False, "note": "relative change (growth - 1)"})
            for part, value in (("rules", (pred - c1) / m0), ("trend", c1 / c0 - 1.0)):
                rows.append({"scenario": tf.name, "target": f"{label}: {part} part",
                             "observed": math.nan, "model": value, "rel_error": math.nan,
                             "kind": "out_of_sample", "tolerance": math.nan, "within": False,
                             "fitted": False,
                             "note": ("rule change at constant trend (reform - old rules)"
                                      if part == "rules" else "old rules, trend only")})
    return pd.DataFrame(rows, columns=COLUMNS)


def backtest(files: Iterable[TargetsFile], progress=None) -> pd.DataFrame:
    """Backtest rows of several targets files, concatenated."""
    frames = []
    for tf in files:
        frames.append(backtest_one(tf))
        if progress is not None:
            progress(1)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def plot_backtest(table: pd.DataFrame, out: Path) -> None:
    """Relative error of every published level (bars; changes are in the table only),
    ±5 % band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keep = table["observed"].notna() & ~table["target"].str.contains(" change ", regex=False)
    rows = table[keep].reset_index(drop=True)
    labels = [f"{s}: {t}" for s, t in zip(rows["scenario"], rows["target"], strict=True)]
    height = max(3.0, 0.22 * len(rows) + 1.0)
    fig, ax = plt.subplots(figsize=(9, height))
    colours = ["tab:blue" if k == "calibration" else "tab:orange" for k in rows["kind"]]
    err = rows["rel_error"].clip(-1.0, 1.0) * 100
    ax.barh(range(len(rows)), err, color=colours)
    ax.axvspan(-5, 5, color="0.85", zorder=0)
    ax.set_yticks(range(len(rows)), labels, fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("model / observed - 1 (%), clipped to ±100 %; grey: ±5 %")
    ax.set_title("Backtest: blue calibration, orange out of sample")
    fig.tight_layout()
    from ..io import atomic_path

    with atomic_path(out) as tmp:
        fig.savefig(tmp, format=out.suffix.lstrip(".") or "png", dpi=120)
    plt.close(fig)


def markdown_table(table: pd.DataFrame) -> str:
    """The backtest table as Markdown; ⚠ marks a published figure outside its tolerance,
    "(check)" a calibration target that was reported but not fitted."""

    def num(v) -> str:
        if pd.isna(v):
            return "–"
        a = abs(v)
        return f"{v:,.0f}" if a >= 1000 else (f"{v:.2f}" if a >= 10 else f"{v:.4g}")

    lines = ["| scenario | target | observed | model | rel. error | kind |",
             "|---|---|---:|---:|---:|---|"]
    for r in table.to_dict("records"):
        err = "–" if pd.isna(r["rel_error"]) else f"{r['rel_error']:+.1%}"
        flag = "" if pd.isna(r["observed"]) or r["within"] else " ⚠"
        check = " (check)" if r["kind"] == "calibration" and not r["fitted"] else ""
        lines.append(f"| {r['scenario']} | {r['target']} | {num(r['observed'])} | "
                     f"{num(r['model'])} | {err}{flag} | {r['kind']}{check} |")
    return "\n".join(lines) + "\n"
