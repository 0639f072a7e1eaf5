"""Reading user tables by single age (0..100) and sex (male/female)."""

from __future__ import annotations

import numpy as np

from ..errors import ScenarioError
from ..numtext import NumberTextError, normalize, parse_number, parse_whole


def read_age_sex_csv(path: str, field: str, value_columns: tuple[str, ...],
                     upper: float = np.inf, accumulate: bool = False) -> np.ndarray:
    """A (101, 2) array from a CSV with columns ``age,sex`` and the first of
    ``value_columns`` present. Values must lie in [0, ``upper``]; rows for the same cell
    are summed when ``accumulate``, else each cell must appear once and all must appear.
    Cells are read as text by :func:`simi_actuarial.numtext.parse_number` (full-width
    digits accepted, thousands separators refused); ages must be whole numbers. Problems
    raise :class:`ScenarioError` naming ``field`` and the CSV row."""
    import pandas as pd

    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, [(field, f"cannot read CSV: {exc}")]) from None
    df.columns = [normalize(str(c)) for c in df.columns]
    value = next((c for c in value_columns if c in df.columns), None)
    if value is None or not {"age", "sex"} <= set(df.columns):
        raise ScenarioError(path, [(field, f"columns must be age,sex,{'|'.join(value_columns)}")])
    out = np.zeros((101, 2)) if accumulate else np.full((101, 2), np.nan)
    for i, row in enumerate(df.to_dict("records")):
        where = f"{field} (CSV row {i + 2})"
        sex = {"male": 0, "female": 1}.get(normalize(str(row["sex"])).lower())
        try:
            age, v = parse_whole(row["age"]), parse_number(row[value])
        except NumberTextError as exc:
            raise ScenarioError(path, [(where, f"age (a whole number) and {value} must be "
                                               f"numbers: {exc}")]) from None
        if sex is None or not 0 <= age <= 100 or not (0 <= v <= upper) or not np.isfinite(v):
            raise ScenarioError(path, [(where, f"sex must be male/female, age 0-100, "
                                               f"0 <= {value} <= {upper:g} and finite")])
        out[age, sex] = out[age, sex] + v if accumulate else v
    if not accumulate and np.isnan(out).any():
        raise ScenarioError(path, [(field, f"every age 0-100 needs a {value} for both sexes")])
    return out
