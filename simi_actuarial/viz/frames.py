"""Reshaping the long ``paths`` table (one row per path-year) for plotting."""

from __future__ import annotations

import numpy as np
import pandas as pd


def path_matrix(paths: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """``(years, values)`` with ``values`` of shape (paths, years) for one column.

    Raises ``KeyError`` naming the column if the table lacks it, ``ValueError`` if some
    path lacks some year.
    """
    for c in ("path", "year", column):
        if c not in paths.columns:
            raise KeyError(f"paths table has no column {c!r}")
    wide = paths.pivot(index="path", columns="year", values=column).sort_index(axis=1)
    if wide.isna().any().any() and not paths[column].isna().any():
        raise ValueError("paths table is not rectangular: some path lacks some year")
    return wide.columns.to_numpy(dtype=int), wide.to_numpy(dtype=float)
