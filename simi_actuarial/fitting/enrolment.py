"""The enrolment table of a claims extract: insured persons by age, sex and (optionally)
group, CSV columns ``age, sex, insured[, group]`` (ages above 100 count as 100; rows for the
same cell are added). Bad rows are reported with their file line (header = line 1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ClaimsError


@dataclass(frozen=True)
class Enrolment:
    """``insured`` (101, 2) persons by age and sex; ``by_group`` insured per group name
    (empty when the table has no group column)."""

    insured: np.ndarray
    by_group: dict

    @property
    def total(self) -> float:
        return float(self.insured.sum())


def read_enrolment(path, groups) -> Enrolment:
    """Read and check the enrolment CSV at ``path`` (groups must be among ``groups``)."""
    src = str(path)
    try:
        df = pd.read_csv(path, dtype=str, na_filter=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ClaimsError(src, [("", f"cannot read CSV: {exc}")]) from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in ("age", "sex", "insured") if c not in df.columns]
    if missing:
        raise ClaimsError(src, [("line 1", f"missing column(s) {', '.join(missing)} "
                                 f"(header: {', '.join(df.columns)})")])
    age = pd.to_numeric(df["age"].str.strip(), errors="coerce").to_numpy(float)
    n = pd.to_numeric(df["insured"].str.strip(), errors="coerce").to_numpy(float)
    sex = df["sex"].str.strip().str.lower().map({"male": 0, "female": 1}).to_numpy(float)
    grp = df["group"].str.strip() if "group" in df.columns else None
    problems = []
    for i in range(len(df)):
        why = []
        if not (age[i] >= 0 and age[i] == np.floor(age[i])):
            why.append(f"age is not a whole number >= 0: {df['age'].iat[i]!r}")
        if np.isnan(sex[i]):
            why.append(f"sex must be male or female, got {df['sex'].iat[i]!r}")
        if not (n[i] >= 0 and np.isfinite(n[i])):
            why.append(f"insured must be a number >= 0, got {df['insured'].iat[i]!r}")
        if grp is not None and grp.iat[i] not in groups:
            why.append(f"unknown group {grp.iat[i]!r} (expected one of: {', '.join(groups)})")
        if why:
            problems.append((f"line {i + 2}", "; ".join(why)))
    if problems:
        raise ClaimsError(src, problems[:20])
    insured = np.zeros((101, 2))
    np.add.at(insured, (np.minimum(age, 100).astype(int), sex.astype(int)), n)
    if insured.sum() <= 0:
        raise ClaimsError(src, [("insured", "no insured persons in the table")])
    by_group = ({} if grp is None else
                {g: float(v) for g, v in pd.Series(n).groupby(grp.to_numpy()).sum().items()})
    return Enrolment(insured, by_group)
