"""The run workbook ``DIR/results.xlsx`` (openpyxl), built from the run's files like the
report: sheets ``summary`` (summary.csv as written), ``rules`` (rules resolved per year),
``quantiles`` (the p05/p50/p95 columns with their standard errors), ``manifest`` (the
manifest flattened to dotted keys) and ``scenario`` (the resolved scenario, dotted keys)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ..io import atomic_path, confined_path
from .run_files import RunFiles

WORKBOOK = "results.xlsx"
SHEETS = ("summary", "rules", "quantiles", "manifest", "scenario")
#: control characters that a worksheet cannot hold (XML 1.0): written as ``\xNN`` instead
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def cell_text(value: object) -> object:
    r"""A value as a worksheet can hold it: strings with control characters other than tab,
    newline and carriage return escaped as ``\xNN`` (a scenario's free text may hold them);
    other values unchanged."""
    if isinstance(value, str):
        return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


def flatten(obj, prefix: str = "") -> list[tuple[str, object]]:
    """Nested dicts/lists as ``(dotted key, scalar)`` rows (lists indexed ``[i]``)."""
    rows: list[tuple[str, object]] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            rows += flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        for i, v in enumerate(obj):
            rows += flatten(v, f"{prefix}[{i}]")
    else:
        value = json.dumps(obj) if isinstance(obj, list) else obj
        rows.append((str(cell_text(prefix)), cell_text(value)))
    return rows


def quantile_columns(summary: pd.DataFrame) -> pd.DataFrame:
    """``year`` and every ``*_pNN`` column with its ``_se``."""
    cols = [c for c in summary.columns if re.search(r"_p\d\d(_se)?$", c)]
    return summary[["year", *cols]]


def write_workbook(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the workbook of the finished run in ``run_dir`` (default
    ``run_dir/results.xlsx``, written atomically) and return its path."""
    from .rules_table import rules_per_year

    run = RunFiles.load(run_dir)
    target = Path(out) if out is not None else confined_path(run.directory, WORKBOOK)
    manifest = {k: v for k, v in run.manifest.items() if k != "scenario_resolved"}
    sheets = {
        "summary": run.summary,
        "rules": rules_per_year(run.scenario, run.summary),
        "quantiles": quantile_columns(run.summary),
        "manifest": pd.DataFrame(flatten(manifest), columns=["key", "value"]),
        "scenario": pd.DataFrame(flatten(run.manifest["scenario_resolved"]),
                                 columns=["key", "value"]),
    }
    with atomic_path(target) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for name, frame in sheets.items():
                frame.to_excel(xl, sheet_name=name, index=False)
                xl.sheets[name].freeze_panes = "B2"
    return target
