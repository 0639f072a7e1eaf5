"""``simi run --verify DIR``: compare a fresh re-run with the outputs recorded in ``DIR``.

The re-run's ``summary.csv`` and ``paths.parquet`` are written by the same writers into a
temporary folder inside ``DIR`` (removed afterwards) and compared value by value: numbers
must be bit-identical (NaN equal to NaN), text equal. Differences are described per file
and column: how many rows differ, the largest absolute difference, the first differing row.

A proxy run is re-run with the engine and design recorded in its manifest (the proxy's
tables are rebuilt: deterministic given scenario, seed and design); one checked by
``--check-micro`` has its ``proxy_check.csv`` re-computed and compared too.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .io import confined_path, write_csv, write_parquet
from .scenario.loader import scenario_hash

MAX_COLUMNS_REPORTED = 8


#: The check of a proxy run against the microsimulation (``simi run --check-micro``).
CHECK_FILE = "proxy_check.csv"


def verify_outputs(out_dir: str | Path, result, recorded: dict, check=None) -> list[str]:
    """Differences between the run recorded in ``out_dir`` and ``result`` (empty: identical);
    ``check``: the re-run's :class:`~simi_actuarial.engine.proxy_check.MicroCheck`, compared
    with the recorded ``proxy_check.csv``."""
    out = Path(out_dir)
    diffs = []
    new_hash = scenario_hash(result.scenario)
    if recorded.get("scenario_hash") != new_hash:
        diffs.append(f"scenario hash: recorded {recorded.get('scenario_hash')}, re-run "
                     f"{new_hash} (the scenario differs)")
    tmp = Path(tempfile.mkdtemp(prefix=".verify-", dir=out))
    try:
        write_csv(confined_path(tmp, "summary.csv"), result.summary)
        write_parquet(confined_path(tmp, "paths.parquet"), result.paths)
        files = [("summary.csv", pd.read_csv, ["year"]),
                 ("paths.parquet", pd.read_parquet, ["path", "year"])]
        if check is not None:
            write_csv(confined_path(tmp, CHECK_FILE), check.table)
            files.append((CHECK_FILE, pd.read_csv, ["tally"]))
        for name, read, keys in files:
            old_path = confined_path(out, name)
            if not old_path.is_file():
                diffs.append(f"{name}: missing in {out}")
                continue
            try:
                old = read(old_path)
            except Exception as exc:  # noqa: BLE001 - a damaged file is a difference
                diffs.append(f"{name}: unreadable ({type(exc).__name__}: {exc})")
                continue
            diffs += [f"{name}: {d}" for d in frame_differences(old, read(tmp / name), keys)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return diffs


def frame_differences(old: pd.DataFrame, new: pd.DataFrame, keys: list[str]) -> list[str]:
    """Describe how ``new`` differs from ``old`` (exact comparison)."""
    diffs = []
    missing = [c for c in old.columns if c not in new.columns]
    extra = [c for c in new.columns if c not in old.columns]
    if missing:
        diffs.append(f"columns only in the recorded file: {', '.join(missing)}")
    if extra:
        diffs.append(f"columns only in the re-run: {', '.join(extra)}")
    if len(old) != len(new):
        diffs.append(f"{len(old)} rows recorded, {len(new)} in the re-run")
        return diffs
    columns = [c for c in old.columns if c in new.columns]
    bad_columns = []
    for col in columns:
        a, b = old[col].to_numpy(), new[col].to_numpy()
        if a.dtype.kind in "fiub" and b.dtype.kind in "fiub":
            a, b = a.astype(np.float64), b.astype(np.float64)
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        else:
            same = np.array([x == y or (x != x and y != y) for x, y in zip(a, b, strict=True)],
                            dtype=bool)
        if not same.all():
            bad_columns.append((col, a, b, ~same))
    for col, a, b, bad in bad_columns[:MAX_COLUMNS_REPORTED]:
        i = int(np.flatnonzero(bad)[0])
        where = ", ".join(f"{k}={old[k].iloc[i]}" for k in keys if k in old.columns)
        text = f"column {col}: {int(bad.sum())} of {len(bad)} rows differ"
        if a.dtype.kind == "f":
            with np.errstate(invalid="ignore"):
                delta = np.nanmax(np.abs(a[bad] - b[bad])) if np.isfinite(a[bad] - b[bad]).any() \
                    else float("nan")
            text += f" (max |difference| {delta:.6g})"
        text += f"; first at {where or f'row {i}'}: recorded {a[i]!r}, re-run {b[i]!r}"
        diffs.append(text)
    if len(bad_columns) > MAX_COLUMNS_REPORTED:
        diffs.append(f"... and {len(bad_columns) - MAX_COLUMNS_REPORTED} more column(s)")
    return diffs
