"""A claims extract with ages and sexes, read once in bounded memory into the sufficient
statistics that every estimator of :mod:`simi_actuarial.fitting` needs.

Claims CSV: one row per admission with ``person_id, age, sex, group, hospital_level,
total_cost, in_scope_cost`` (sex ``male``/``female``; other columns ignored). The five
columns that ``simi reimburse`` reads are checked by
:func:`simi_actuarial.claims.reader.validate_frame` (same messages, same line numbers);
``age`` must be a whole number 0-130 (ages above 100 count as 100) and ``sex`` male/female.

Memory: one chunk of rows, fixed-size tables (costs in :data:`COST_EDGES` bins with their
count, sum of log cost and sum of squared log cost, which are the sufficient statistics of
the lognormal-Pareto likelihood for any threshold on a bin edge), and DuckDB's bounded
working memory for the per-person totals. Each chunk's valid admissions (person, age,
sex) are streamed into DuckDB (:func:`simi_actuarial.claims.store.connect`: explicit memory
limit, one thread, spilling to a temporary directory), which groups them by ``person_id``
(a person's youngest age, smallest and largest sex code, admissions ``n``) and tabulates
the persons by (age, sex, both sexes?, ``min(n - 1, MAX_EXTRA)``) in one statement
(:data:`_PERSON_CELLS`); only that small table comes back. The admissions are never
stored.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..claims.problems import BadRowLog
from ..claims.reader import REQUIRED_COLUMNS, validate_frame
from ..claims.store import connect, streamed
from ..errors import ClaimsError

FIT_COLUMNS = ("person_id", "age", "sex", "group", "hospital_level", "total_cost",
               "in_scope_cost")
SEXES = ("male", "female")
MAX_AGE = 130
#: Most extra admissions per person tabulated (more are counted in the last cell).
MAX_EXTRA = 400
#: Cost bin edges (CNY): 1.0, 1.1, ..., 9.9 x 10^k for k = 0..8, so round amounts (20,000,
#: 50,000, 60,000 ...) are edges. Bin b holds [edge b, edge b+1); bin 0 also holds [0, 1).
COST_EDGES = np.array([m / 10.0 * 10.0**k for k in range(9) for m in range(10, 100)])
N_BINS = COST_EDGES.size
DEFAULT_CHUNK_ROWS = 250_000

#: The stream of valid admissions into DuckDB (sex 0 = male, 1 = female; age 100 = 100+).
ADMISSIONS = pa.schema([("person_id", pa.large_string()), ("age", pa.uint8()),
                        ("sex", pa.uint8())])
#: Persons (grouped by ``person_id``) tabulated by youngest age, smallest sex code (male
#: when a person appears with both), largest sex code and extra admissions (capped at
#: ``$max_extra``): the number of persons and their admissions in each cell.
_PERSON_CELLS = """
    SELECT age, sex, smax, least(n - 1, $max_extra) AS extra, count(*) AS persons,
           sum(n) AS n
    FROM (SELECT min(age) AS age, min(sex) AS sex, max(sex) AS smax, count(*) AS n
          FROM admissions GROUP BY person_id)
    GROUP BY ALL"""


@dataclass
class ExtractStats:
    """Sufficient statistics of a claims extract (levels and groups in the scenario's order).

    ``claimants`` (101, 2): distinct persons by age (their youngest age in the extract, 100 =
    100+) and sex; ``admissions`` (101, 2): their admissions; ``extra_hist`` (2, MAX_EXTRA+1):
    persons under 60 / 60+ by number of admissions beyond the first; ``level_by_age``
    (101, L): admissions by age at admission and level; ``bin_n``, ``bin_s1``, ``bin_s2``
    (L, N_BINS): admissions with a positive cost, sum of ln(cost) and of ln(cost)^2 by cost
    bin; ``cost_sum`` (L,): total cost; ``zero_cost`` (L,): admissions costing 0;
    ``share_n``, ``share_s1``, ``share_s2`` (L,): in-scope share in_scope/total of admissions
    with a positive cost, its sum and sum of squares; ``rows`` data rows.
    """

    levels: list
    groups: list
    claimants: np.ndarray
    admissions: np.ndarray
    extra_hist: np.ndarray
    level_by_age: np.ndarray
    bin_n: np.ndarray
    bin_s1: np.ndarray
    bin_s2: np.ndarray
    cost_sum: np.ndarray
    zero_cost: np.ndarray
    share_n: np.ndarray
    share_s1: np.ndarray
    share_s2: np.ndarray
    rows: int = 0
    sex_conflicts: int = 0
    notes: list = field(default_factory=list)

    @classmethod
    def empty(cls, levels, groups) -> ExtractStats:
        L = len(levels)
        z = np.zeros
        return cls(list(levels), list(groups), z((101, 2)), z((101, 2)), z((2, MAX_EXTRA + 1)),
                   z((101, L)), z((L, N_BINS)), z((L, N_BINS)), z((L, N_BINS)), z(L), z(L),
                   z(L), z(L), z(L))

    @property
    def n_admissions(self) -> float:
        return float(self.level_by_age.sum())


def _age_sex(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list]:
    """(age 0..100, sex 0/1, problems per row or '') for the rows of ``df``."""
    age_txt = df["age"].astype(str).str.strip()
    age = pd.to_numeric(age_txt, errors="coerce").to_numpy(dtype=float)
    sex_txt = df["sex"].astype(str).str.strip().str.lower()
    sex = sex_txt.map({"male": 0, "female": 1}).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        age_ok = (age >= 0) & (age <= MAX_AGE) & (age == np.floor(age))
    sex_ok = ~np.isnan(sex)
    why = [""] * len(df)
    for i in np.flatnonzero(~(age_ok & sex_ok)).tolist():
        parts = []
        if not age_ok[i]:
            parts.append(f"age is not a whole number 0-{MAX_AGE}: {age_txt.iat[i]!r}")
        if not sex_ok[i]:
            parts.append(f"sex must be male or female, got {df['sex'].iat[i]!r}")
        why[i] = "; ".join(parts)
    return (np.minimum(np.nan_to_num(age), 100).astype(np.int64),
            np.nan_to_num(sex).astype(np.int64), why)


def read_extract(path: str | Path, levels, groups,
                 chunk_rows: int = DEFAULT_CHUNK_ROWS) -> ExtractStats:
    """Read the claims extract at ``path`` into :class:`ExtractStats`.

    Raises :class:`ClaimsError` (exit 2) listing the first 20 bad rows by file line (header =
    line 1) when any row is bad, or when a required column is missing."""
    src = str(path)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ClaimsError(src, [("", f"cannot read CSV: {exc}")]) from None
    names = [str(h).strip() for h in header]
    missing = [c for c in FIT_COLUMNS if c not in names]
    if missing:
        raise ClaimsError(src, [("line 1", f"missing column(s) {', '.join(missing)} "
                                 f"(header: {', '.join(names)})")])
    st = ExtractStats.empty(levels, groups)
    log = BadRowLog()
    reader = _Reader(path, header, st, chunk_rows, log)
    with tempfile.TemporaryDirectory(prefix="simi-fit-", ignore_cleanup_errors=True) as tmp, \
            connect(Path(tmp)) as con:
        try:
            with streamed(con, "admissions", ADMISSIONS, reader.batches()):
                cells = con.execute(_PERSON_CELLS, {"max_extra": MAX_EXTRA}).fetchnumpy()
        except (duckdb.IOException, duckdb.OutOfMemoryException) as exc:
            raise OSError(f"grouping the admissions by person (DuckDB): {exc}") from None
    if log.count:
        more = log.count - len(log.problems())
        raise ClaimsError(src, log.problems()
                          + ([("", f"... and {more:,} more bad row(s)")] if more else []))
    if not reader.admissions:
        raise ClaimsError(src, [("", "no admissions in the extract")])
    _finish_persons(st, cells)
    if st.sex_conflicts:
        st.notes.append(f"{st.sex_conflicts:,} person(s) appear with both sexes; counted as male")
    if st.extra_hist[:, -1].sum():
        st.notes.append(f"persons with more than {MAX_EXTRA + 1} admissions counted as "
                        f"{MAX_EXTRA + 1}")
    return st


class _Reader:
    """The extract's chunks, validated and accumulated into ``st``; bad rows go to ``log``."""

    def __init__(self, path, header, st: ExtractStats, chunk_rows: int, log: BadRowLog):
        self.path, self.header, self.st, self.chunk_rows, self.log = (
            path, header, st, chunk_rows, log)
        self.admissions = 0

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Validate and accumulate every chunk, yielding its valid admissions' person, age
        and sex (:data:`ADMISSIONS`). Nothing is accumulated or yielded after the first bad
        row, but the whole file is read, so that every bad row is counted."""
        st, log = self.st, self.log
        dtype = {h: str for h in self.header if str(h).strip() in ("person_id", "age", "sex")}
        try:
            reader = pd.read_csv(self.path, encoding="utf-8-sig", dtype=dtype,
                                 na_filter=False, skip_blank_lines=False,
                                 chunksize=self.chunk_rows, index_col=False)
            with reader:
                for df in reader:
                    df = df.rename(columns={h: str(h).strip() for h in df.columns})
                    line = st.rows + 2 + np.arange(len(df), dtype=np.int64)
                    st.rows += len(df)
                    chunk = validate_frame(df.loc[:, list(REQUIRED_COLUMNS)], line, st.groups,
                                           st.levels, reason_limit=log.keep)
                    log.add(chunk.bad_line, chunk.bad_reason)
                    age, sex, why = _age_sex(df)
                    pos = chunk.line - line[0] if chunk.n else np.zeros(0, np.int64)
                    bad_as = [i for i in pos.tolist() if why[i]]
                    if bad_as:
                        log.add(line[bad_as], [why[i] for i in bad_as])
                    if not log.count and chunk.n:
                        _accumulate(st, chunk, age[pos])
                        self.admissions += chunk.n
                        yield pa.record_batch(
                            [chunk.person_id, pa.array(age[pos].astype(np.uint8)),
                             pa.array(sex[pos].astype(np.uint8))], schema=ADMISSIONS)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise ClaimsError(str(self.path), [("", f"cannot parse CSV: {exc}")]) from None


def _accumulate(st: ExtractStats, chunk, age: np.ndarray) -> None:
    """Add one validated chunk to the fixed-size tables of ``st``."""
    L = len(st.levels)
    lv = chunk.level
    np.add.at(st.level_by_age, (age, lv), 1.0)
    total, scope = chunk.total_cost, chunk.in_scope_cost
    pos = total > 0
    st.cost_sum += np.bincount(lv, weights=total, minlength=L)
    st.zero_cost += np.bincount(lv[~pos], minlength=L)
    y = np.log(total[pos])
    b = np.clip(np.searchsorted(COST_EDGES, total[pos], side="right") - 1, 0, N_BINS - 1)
    flat = lv[pos] * N_BINS + b
    for arr, w in ((st.bin_n, None), (st.bin_s1, y), (st.bin_s2, y * y)):
        arr += np.bincount(flat, weights=w, minlength=L * N_BINS).reshape(L, N_BINS)
    share = scope[pos] / total[pos]
    st.share_n += np.bincount(lv[pos], minlength=L)
    st.share_s1 += np.bincount(lv[pos], weights=share, minlength=L)
    st.share_s2 += np.bincount(lv[pos], weights=share * share, minlength=L)


def _finish_persons(st: ExtractStats, cells: dict) -> None:
    """Add the persons, tabulated by :data:`_PERSON_CELLS`, to ``st``."""
    age = cells["age"].astype(np.int64)
    sex = cells["sex"].astype(np.int64)
    persons = cells["persons"].astype(float)
    st.sex_conflicts += int(persons[cells["smax"] != cells["sex"]].sum())
    np.add.at(st.claimants, (age, sex), persons)
    np.add.at(st.admissions, (age, sex), cells["n"].astype(float))
    old = (age >= 60).astype(np.int64)
    np.add.at(st.extra_hist, (old, cells["extra"].astype(np.int64)), persons)
