"""Read and validate claim extracts (one row per admission) in bounded memory.

A claims file is a UTF-8 CSV (optionally with a byte-order mark) with a header row and at
least the columns :data:`REQUIRED_COLUMNS`; other columns are ignored (and reported in
:attr:`ClaimsReader.notes`). It is read with ``pandas.read_csv(chunksize=...)``, so memory is
proportional to the chunk size, never to the file.

Line numbers are physical file lines, the header being line 1. They assume that no quoted
field spans several lines (a claims extract has no reason to contain one). Rows are checked
for:

* an empty ``person_id`` (after stripping surrounding blanks; ids are otherwise kept as
  text, so ``007`` and ``7`` are different persons);
* a ``group`` that is not a group of the scenario, a ``hospital_level`` that is not one of
  its ``hospital_levels``;
* costs that are empty, not numbers, NaN, infinite, negative or above :data:`MAX_COST`,
  and an ``in_scope_cost`` above the ``total_cost``. A cost is a decimal number in ASCII
  (``1234.5``, ``1.2e4``) after Unicode NFKC normalisation, so full-width digits, point,
  signs and spaces (``１２３４．５``) are read as their ASCII forms; thousands separators
  (``1,234``), currency signs and units (``12元``) are not numbers;
* too many fields (more than the header has).

Lines whose required fields are all empty (blank lines) carry no admission: they are
skipped and counted in :attr:`ClaimsReader.blank_lines`, never silently.
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ClaimsError

REQUIRED_COLUMNS = ("person_id", "group", "hospital_level", "total_cost", "in_scope_cost")
DEFAULT_CHUNK_ROWS = 25_000  # ~0.5 MB of memory per 1,000 rows while parsing
MAX_COST = 1e10  # CNY per admission; larger values are data errors (and would overflow cents)

_NAN_TEXT = {"nan", "+nan", "-nan", "na", "n/a", "null", "none"}
_SKIPPED_LINE = re.compile(r"[Ss]kipping line (\d+): ([^\n]*)")
_FIELD_COUNTS = re.compile(r"expected (\d+) fields?, saw (\d+)")


@dataclass
class ClaimsChunk:
    """The rows of one chunk, split into valid admissions and bad rows.

    Valid admissions (length ``n``): ``person_id`` (pyarrow ``large_string``, stripped),
    ``group`` and ``level`` (indices into the scenario's groups and hospital levels),
    ``total_cost`` and ``in_scope_cost`` (float64), ``line`` (file line numbers).

    Bad rows: ``bad_line`` (line numbers, ascending), and for the first
    ``len(bad_reason)`` of them (all unless a ``reason_limit`` was given) ``bad_reason``
    (why) and ``bad_fields`` (the required fields as text).
    """

    person_id: pa.Array
    group: np.ndarray
    level: np.ndarray
    total_cost: np.ndarray
    in_scope_cost: np.ndarray
    line: np.ndarray
    bad_line: np.ndarray
    bad_reason: list
    bad_fields: list
    blank_lines: int = 0

    @property
    def n(self) -> int:
        return int(self.line.shape[0])


def _strip_text(col: pd.Series) -> pd.Series:
    """Column as stripped text; missing values become ''."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(object)
    return col.astype(object).where(col.notna(), "").astype(str).str.strip()


def _name_codes(col: pd.Series, names: Sequence[str]) -> tuple[np.ndarray, pd.Series]:
    """Indices of ``col``'s values in ``names`` (-1: unknown) via its categories."""
    cat = col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category")
    cats = [str(c).strip() for c in cat.cat.categories]
    lookup = {name: i for i, name in enumerate(names)}
    table = np.array([lookup.get(c, -1) for c in cats] + [-1], dtype=np.int64)
    codes = cat.cat.codes.to_numpy().astype(np.int64)  # -1 for missing -> last entry
    return table[codes], cat


def _cost_values(col: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """(float64 values, text or None): text only when the column is not all numbers.

    Text that is not a number as written is read again after Unicode NFKC normalisation,
    which maps full-width digits, signs, points, exponent letters and spaces (``１２３．５``)
    to ASCII: exports from Chinese systems write numbers so.
    """
    if col.dtype.kind in "iuf":
        return col.to_numpy(dtype=np.float64), None
    text = _strip_text(col)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    retry = np.flatnonzero(np.isnan(values))
    if retry.size:
        folded = text.iloc[retry].map(lambda t: unicodedata.normalize("NFKC", t).strip())
        values[retry] = pd.to_numeric(folded, errors="coerce").to_numpy(dtype=np.float64)
    return values, text.to_numpy(dtype=object)


def _cost_problem(name: str, value: float, text) -> str:
    if text is not None and value != value:
        t = str(text)
        if t == "":
            return f"{name} is empty"
        if t.lower() not in _NAN_TEXT:
            return f"{name} is not a number: {t!r}"
    if value != value:
        return f"{name} is NaN"
    if np.isinf(value):
        return f"{name} is infinite"
    if value > MAX_COST:
        return (f"{name} {float(value)!r} is above {MAX_COST:.0e} CNY (not a plausible "
                "admission cost)")
    return f"{name} is negative: {float(value)!r}"


def _cost_text(value: float, text) -> str:
    return str(text) if text is not None else repr(float(value))


def validate_frame(
    df: pd.DataFrame,
    line: np.ndarray,
    groups: Sequence[str],
    levels: Sequence[str],
    reason_limit: int | None = None,
) -> ClaimsChunk:
    """Check the rows of ``df`` (columns :data:`REQUIRED_COLUMNS`) and split them.

    ``line`` gives the number reported for each row. Reasons and fields are written out for
    the first ``reason_limit`` bad rows only (all when ``None``): building them costs Python
    time, which matters only for files made mostly of bad rows.
    """
    n = len(df)
    pid_col = df["person_id"]
    if not isinstance(pid_col.dtype, pd.StringDtype) or pid_col.hasnans:
        pid_col = _strip_text(pid_col)
    pid = pc.utf8_trim_whitespace(pa.array(pid_col, type=pa.large_string()))
    if isinstance(pid, pa.ChunkedArray):
        pid = pid.combine_chunks()
    pid_empty = pc.equal(pc.binary_length(pid), 0).to_numpy(zero_copy_only=False)

    g, g_cat = _name_codes(df["group"], groups)
    lv, lv_cat = _name_codes(df["hospital_level"], levels)
    total, total_text = _cost_values(df["total_cost"])
    scope, scope_text = _cost_values(df["in_scope_cost"])

    with np.errstate(invalid="ignore"):
        total_bad = ~((total >= 0.0) & (total <= MAX_COST))
        scope_bad = ~((scope >= 0.0) & (scope <= MAX_COST))
        excess = ~total_bad & ~scope_bad & (scope > total)
    bad = pid_empty | (g < 0) | (lv < 0) | total_bad | scope_bad | excess

    blank = np.zeros(n, dtype=bool)
    if bad.any() and total_text is not None and scope_text is not None:
        g_text = _strip_text(df["group"]).to_numpy(dtype=object)
        l_text = _strip_text(df["hospital_level"]).to_numpy(dtype=object)
        blank = (pid_empty & (g_text == "") & (l_text == "")
                 & (total_text == "") & (scope_text == ""))
        bad &= ~blank

    bad_idx = np.flatnonzero(bad)
    reasons: list = []
    fields: list = []
    if bad_idx.size:
        described = bad_idx if reason_limit is None else bad_idx[:reason_limit]
        g_vals = g_cat.to_numpy(dtype=object)
        l_vals = lv_cat.to_numpy(dtype=object)
        pid_list = pid.take(pa.array(described)).to_pylist()
        for k, i in enumerate(described.tolist()):
            gt = "" if g_vals[i] != g_vals[i] else str(g_vals[i]).strip()
            lt = "" if l_vals[i] != l_vals[i] else str(l_vals[i]).strip()
            tt = None if total_text is None else total_text[i]
            st = None if scope_text is None else scope_text[i]
            fields.append((pid_list[k], gt, lt, _cost_text(total[i], tt),
                           _cost_text(scope[i], st)))
            why = []
            if pid_empty[i]:
                why.append("empty person_id")
            if g[i] < 0:
                why.append(f"unknown group {gt!r} (expected one of: {', '.join(groups)})"
                           if gt else "empty group")
            if lv[i] < 0:
                why.append(f"unknown hospital_level {lt!r} (expected one of: "
                           f"{', '.join(levels)})" if lt else "empty hospital_level")
            if total_bad[i]:
                why.append(_cost_problem("total_cost", total[i], tt))
            if scope_bad[i]:
                why.append(_cost_problem("in_scope_cost", scope[i], st))
            if excess[i]:
                why.append(f"in_scope_cost {float(scope[i])!r} exceeds total_cost "
                           f"{float(total[i])!r}")
            reasons.append("; ".join(why))

    good = ~bad & ~blank
    if good.all():
        sel = None
    else:
        sel = np.flatnonzero(good)
    return ClaimsChunk(
        person_id=pid if sel is None else pid.take(pa.array(sel)),
        group=g if sel is None else g[sel],
        level=lv if sel is None else lv[sel],
        total_cost=total if sel is None else total[sel],
        in_scope_cost=scope if sel is None else scope[sel],
        line=line if sel is None else line[sel],
        bad_line=line[bad_idx],
        bad_reason=reasons,
        bad_fields=fields,
        blank_lines=int(blank.sum()),
    )


def _text_lines(fh) -> Iterator[str]:
    """Lines of a binary file as text (BOM removed; undecodable bytes replaced)."""
    first = True
    for raw in fh:
        if first and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        first = False
        yield raw.decode("utf-8", errors="replace")


def scan_head(path: str | Path) -> tuple[list[str], list[tuple[int, int]]]:
    """The header of a claims file, and the leading data lines with too many fields.

    Returns the column names as written (BOM removed) and ``(line, fields)`` for each data
    line before the first one that has no more fields than the header (pandas would
    otherwise take the first data line's width as the file's). Raises
    :class:`ClaimsError` when the file is empty or lacks a required column.
    """
    source = str(path)
    with open(path, "rb") as fh:
        reader = csv.reader(_text_lines(fh))
        try:
            header = next(reader, None)
            if not header or all(not h.strip() for h in header):
                raise ClaimsError(source, [("line 1", "empty header: expected the columns "
                                            f"{', '.join(REQUIRED_COLUMNS)}")])
            wide = []
            for row in reader:
                if len(row) <= len(header):
                    break
                wide.append((reader.line_num, len(row)))
        except csv.Error as exc:  # a stray carriage return, NUL byte, ...
            raise ClaimsError(source, [(f"line {reader.line_num + 1}",
                                        f"cannot parse CSV: {exc}")]) from None
    names = [h.strip() for h in header]
    problems = []
    for col in REQUIRED_COLUMNS:
        hits = names.count(col)
        if not hits:
            problems.append(("line 1", f"missing column {col!r} (header: {', '.join(names)})"))
        elif hits > 1:
            problems.append(("line 1", f"column {col!r} appears {hits} times"))
    if problems:
        raise ClaimsError(source, problems)
    return header, wide


def first_invalid_utf8_line(path: str | Path) -> int | None:
    """Number of the first line that is not valid UTF-8 (``None`` if all are)."""
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


class ClaimsReader:
    """Iterate over the validated chunks of a claims file.

    ``groups`` and ``levels`` are the scenario's group and hospital-level names, in the order
    that the returned indices refer to. After iteration, :attr:`rows` is the number of data
    lines read, :attr:`blank_lines` the number of blank lines skipped, and :attr:`notes`
    lists remarks for the user (ignored columns, blank lines).
    """

    def __init__(self, path: str | Path, groups: Sequence[str], levels: Sequence[str],
                 chunk_rows: int = DEFAULT_CHUNK_ROWS):
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be >= 1")
        self.path = Path(path)
        self.groups = list(groups)
        self.levels = list(levels)
        self.chunk_rows = int(chunk_rows)
        header, wide = scan_head(self.path)
        self._n_fields = len(header)
        self._wide_lines = wide
        self._usecols = [h for h in header if str(h).strip() in REQUIRED_COLUMNS]
        self._rename = {h: str(h).strip() for h in self._usecols}
        extra = [str(h).strip() for h in header if str(h).strip() not in REQUIRED_COLUMNS]
        self.notes: list[str] = []
        if extra:
            self.notes.append(f"ignored extra column(s): {', '.join(extra)}")
        self.rows = 0
        self.blank_lines = 0
        self.bytes_total = os.path.getsize(self.path)
        self.bytes_read = 0
        self._skip_base = 0           # skipped (malformed) lines before the current chunk
        self._skip_pending = [line for line, _ in wide]

    def chunks(self, reason_limit: int | None = None) -> Iterator[ClaimsChunk]:
        """Yield one :class:`ClaimsChunk` per ``chunk_rows`` lines (see :func:`validate_frame`
        for ``reason_limit``, applied per chunk).

        Lines that pandas skips for having too many fields come as chunks of bad rows only.
        """
        dtype = {c: "category" for c in self._usecols if self._rename[c] in ("group",
                                                                                "hospital_level")}
        dtype.update({c: str for c in self._usecols if self._rename[c] == "person_id"})
        if self._wide_lines:
            yield self._bad_only(
                [line for line, _ in self._wide_lines],
                [f"too many fields ({n}, the header has {self._n_fields})"
                 for _, n in self._wide_lines])
        with open(self.path, "rb") as fh:
            try:
                # All columns are read (no usecols: pandas would silently accept lines with
                # too many fields); leading too-wide lines are skipped here (pandas would
                # take the first data line's width as the file's).
                reader = pd.read_csv(
                    fh, encoding="utf-8-sig", dtype=dtype, index_col=False,
                    skiprows=[line - 1 for line, _ in self._wide_lines] or None,
                    na_filter=False, skip_blank_lines=False, on_bad_lines="warn",
                    chunksize=self.chunk_rows,
                )
                with reader:
                    while True:
                        with warnings.catch_warnings(record=True) as caught:
                            warnings.simplefilter("always")
                            try:
                                df = next(reader)
                            except StopIteration:
                                df = None
                        malformed = self._malformed(caught)
                        if malformed is not None:
                            yield malformed
                        if df is None:
                            break
                        df = df.loc[:, self._usecols].rename(columns=self._rename)
                        line = self._lines(len(df))
                        self.rows += len(df)
                        self.bytes_read = fh.tell()
                        chunk = validate_frame(df, line, self.groups, self.levels,
                                               reason_limit)
                        self.blank_lines += chunk.blank_lines
                        self._forget_skips(int(line[-1]) if line.size else 0)
                        yield chunk
            except UnicodeDecodeError as exc:
                line = first_invalid_utf8_line(self.path)
                raise ClaimsError(str(self.path), [(
                    f"line {line}" if line else "", f"not UTF-8 text ({exc.reason})")]) from None
            except pd.errors.ParserError as exc:
                raise ClaimsError(str(self.path), [("", f"cannot parse CSV: {exc}")]) from None
        self.bytes_read = self.bytes_total
        if self.blank_lines:
            self.notes.append(f"skipped {self.blank_lines:,} blank line(s)")

    def _lines(self, n: int) -> np.ndarray:
        """File line numbers of the next ``n`` rows, allowing for skipped malformed lines."""
        plain = self.rows + 2 + np.arange(n, dtype=np.int64)
        if not self._skip_pending:
            return plain + self._skip_base
        s = np.asarray(self._skip_pending, dtype=np.int64)
        adj = s - self._skip_base - np.arange(s.size, dtype=np.int64)
        return plain + self._skip_base + np.searchsorted(adj, plain, side="right")

    def _forget_skips(self, last_line: int) -> None:
        keep = [s for s in self._skip_pending if s > last_line]
        self._skip_base += len(self._skip_pending) - len(keep)
        self._skip_pending = keep

    def _malformed(self, caught) -> ClaimsChunk | None:
        """Bad rows for the lines pandas skipped (too many fields); re-warn anything else."""
        lines, reasons = [], []
        for w in caught:
            hits = _SKIPPED_LINE.findall(str(w.message))
            if hits:
                for num, why in hits:
                    lines.append(int(num))
                    m = _FIELD_COUNTS.search(why)
                    reasons.append(f"too many fields ({m.group(2)}, the header has "
                                   f"{self._n_fields})" if m else f"too many fields ({why})")
            elif not issubclass(w.category, pd.errors.DtypeWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if not lines:
            return None
        self._skip_pending.extend(lines)
        self._skip_pending.sort()
        return self._bad_only(lines, reasons)

    @staticmethod
    def _bad_only(lines: list[int], reasons: list[str]) -> ClaimsChunk:
        empty = np.zeros(0, dtype=np.int64)
        return ClaimsChunk(
            person_id=pa.array([], type=pa.large_string()), group=empty, level=empty,
            total_cost=np.zeros(0), in_scope_cost=np.zeros(0), line=empty,
            bad_line=np.asarray(lines, dtype=np.int64), bad_reason=reasons,
            bad_fields=[("", "", "", "", "")] * len(lines),
        )
