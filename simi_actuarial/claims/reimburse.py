"""Apply one year's rules to claim extracts: per admission, then per person.

Method
------
The BMI annual cap applies to the sum of a person's per-admission BMI payments, so the
capped total is ``min(sum of uncapped payments, cap)`` whatever the order of admissions,
and deductibles are additive too (see :mod:`simi_actuarial.rules.kernel`). Hence:

1. per admission: ``(deductible borne, uncapped BMI)`` with
   :func:`~simi_actuarial.rules.kernel.admission_terms_vec`;
2. per person: sums of total cost, in-scope cost, uncapped BMI and deductibles;
3. per person: :func:`~simi_actuarial.rules.kernel.settle_many` (no outpatient
   special-disease amounts: ``os_in_scope = os_bmi = 0``).

A person must belong to one group throughout the file; conflicting groups are an error
(or, with ``skip_bad_rows``, all of that person's admissions are rejected).

Bounded memory (:func:`reimburse_file`)
---------------------------------------
Files need not be sorted and a person's admissions may be anywhere in the file. The file is
read in chunks of ``chunk_rows`` lines. Each chunk is reduced to one *partial* per (person,
group) -- admission count, first line, and the four sums -- and the partials are appended to
one of :data:`N_BUCKETS` spill files chosen by a hash of the person id, in a temporary
directory next to the output. The buckets are then read back in batches of at most
:data:`BATCH_PARTIALS` partials; a person's partials all lie in one bucket, so each batch
is complete: it is combined per person, settled, sorted by person id and written to a
sorted run file. The runs are finally merged (k-way, block by block) into the output.

Peak memory is therefore O(``chunk_rows``) while reading, O(:data:`BATCH_PARTIALS`) while
settling (a batch holds whole buckets; a single bucket exceeds the limit only beyond about
``N_BUCKETS x BATCH_PARTIALS`` = 128 million partials, after which memory grows as
partials / ``N_BUCKETS``), and O(runs x :data:`MERGE_ROWS`) while merging (runs = partials
/ :data:`BATCH_PARTIALS`: about 3 MB per million partials, i.e. ~30 MB for 10 million
admissions). A partial is ~100 bytes + the id; an unsorted file has about one partial per
admission, a file grouped by person about one per person. Disk use is about the size of the
partials plus the output. Measured (2 cores): 10 million admissions, 2.9 million persons,
445 MB of CSV: ~17 s and ~415 MB peak RSS (of which ~175 MB are the imported libraries),
the same peak as for 1 million admissions. Besides the merge, only the spill files on disk
and, with ``skip_bad_rows``, the set of persons with conflicting groups grow with the input.

Numbers and output
------------------
Computation is in float64. The per-person sums are accumulated as double-double
(error-free ``TwoSum``) pairs, which makes them exact for any realistic data and hence
independent of the chunk size, of the partition into batches and of the order of rows in
the file: the output is byte-identical whichever way the file is chunked or sorted.
Money is rounded on output only: each column is converted to cents with round-half-to-even
on the float64 value (``rint(x * 100)``), so a written row may miss the conservation
identities (``total_cost = in_scope_cost + self_pay``, ``in_scope_cost = bmi_paid +
simi_paid + assistance_paid + patient_in_scope``, ``patient_burden = patient_in_scope +
self_pay``) by at most 0.01 per column involved. The totals reported are exact sums of the
written (rounded) columns. Output rows are sorted by ``person_id`` (byte order of the UTF-8
text, i.e. lexicographic: ``P10`` before ``P9``).

Output files are written in the temporary directory and moved into place with
``os.replace`` when complete: ``OUT.csv`` is never half-written, and a failed or interrupted
run leaves no new output (an older ``OUT.csv`` is left as it was). The temporary directory
is removed in every case, ``KeyboardInterrupt`` included.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numba as nb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ClaimsError, ScenarioError
from ..rules.arrays import RuleTable, resolve_rules
from ..rules.kernel import admission_terms_vec, settle_many
from ..scenario.schema import Scenario
from .reader import DEFAULT_CHUNK_ROWS, REQUIRED_COLUMNS, BadRowLog, ClaimsChunk, ClaimsReader
from .reader import validate_frame as _validate_frame

OUTPUT_COLUMNS = (
    "person_id", "group", "total_cost", "in_scope_cost", "self_pay", "bmi_paid", "simi_paid",
    "assistance_paid", "patient_in_scope", "patient_burden",
)
MONEY_COLUMNS = OUTPUT_COLUMNS[2:]
REJECTED_COLUMNS = ("line", *REQUIRED_COLUMNS, "reason")

N_BUCKETS = 256            # spill files (hash partitions of person_id)
BATCH_PARTIALS = 500_000   # partials settled at once (whole buckets)
MERGE_ROWS = 16_384        # rows per block of a sorted run (merge / formatting granularity)
MAX_LISTED = 20            # bad rows / conflicts listed in the error

# sums kept per (person, group): total cost, in-scope cost, uncapped BMI, deductibles
_TOTAL, _SCOPE, _BMI, _DED = range(4)
_REC = np.dtype([
    ("id_len", "<i8"), ("group", "<i8"), ("line", "<i8"), ("n", "<i8"),
    ("hi", "<f8", (4,)), ("lo", "<f8", (4,)),
])


# --------------------------------------------------------------------------- kernels
@nb.njit(cache=True)
def _accumulate_rows(keys, n_keys, values):
    """Per key: row count and double-double sums of ``values`` (4, n)."""
    cnt = np.zeros(n_keys, np.int64)
    hi = np.zeros((n_keys, 4))
    lo = np.zeros((n_keys, 4))
    for i in range(keys.shape[0]):
        k = keys[i]
        cnt[k] += 1
        for j in range(4):
            a = hi[k, j]
            v = values[j, i]
            s = a + v
            bp = s - a
            lo[k, j] += (a - (s - bp)) + (v - bp)
            hi[k, j] = s
    return cnt, hi, lo


@nb.njit(cache=True)
def _combine_partials(person, n_persons, group, n, hi, lo):
    """Per person: group (first seen), conflict flag, admissions, double-double sums."""
    pgroup = np.zeros(n_persons, np.int64)
    conflict = np.zeros(n_persons, np.bool_)
    pn = np.zeros(n_persons, np.int64)
    phi = np.zeros((n_persons, 4))
    plo = np.zeros((n_persons, 4))
    for i in range(person.shape[0]):
        p = person[i]
        if pn[p] == 0:
            pgroup[p] = group[i]
        elif pgroup[p] != group[i]:
            conflict[p] = True
        pn[p] += n[i]
        for j in range(4):
            a = phi[p, j]
            v = hi[i, j]
            s = a + v
            bp = s - a
            plo[p, j] += ((a - (s - bp)) + (v - bp)) + lo[i, j]
            phi[p, j] = s
    return pgroup, conflict, pn, phi, plo


@nb.njit(cache=True)
def _bucket_of(offsets, data, n_buckets):
    """Bucket of each string: FNV-1a over its UTF-8 bytes, then a 64-bit finaliser."""
    n = offsets.shape[0] - 1
    out = np.empty(n, np.int64)
    for i in range(n):
        h = np.uint64(0xCBF29CE484222325)
        for b in range(offsets[i], offsets[i + 1]):
            h = (h ^ np.uint64(data[b])) * np.uint64(0x100000001B3)
        h = (h ^ (h >> np.uint64(33))) * np.uint64(0xFF51AFD7ED558CCD)
        h = h ^ (h >> np.uint64(33))
        out[i] = np.int64(h % np.uint64(n_buckets))
    return out


@nb.njit(cache=True)
def _cents_width(c):
    a = -c if c < 0 else c
    w = 4 if c < 0 else 3  # sign, '.', two decimals
    whole = a // 100
    w += 1
    while whole >= 10:
        whole //= 10
        w += 1
    return w


@nb.njit(cache=True)
def _format_rows(id_off, id_data, name_off, name_data, group, cents):
    """CSV lines ``id,group,c1,...`` (money as ``123.45`` from int64 cents), as bytes."""
    n, m = cents.shape
    size = 0
    for i in range(n):
        g = group[i]
        size += id_off[i + 1] - id_off[i] + name_off[g + 1] - name_off[g] + 2
        for j in range(m):
            size += 1 + _cents_width(cents[i, j])
    out = np.empty(size, np.uint8)
    pos = 0
    for i in range(n):
        for b in range(id_off[i], id_off[i + 1]):
            out[pos] = id_data[b]
            pos += 1
        out[pos] = 44  # ','
        pos += 1
        g = group[i]
        for b in range(name_off[g], name_off[g + 1]):
            out[pos] = name_data[b]
            pos += 1
        for j in range(m):
            out[pos] = 44
            pos += 1
            c = cents[i, j]
            w = _cents_width(c)
            if c < 0:
                out[pos] = 45  # '-'
                c = -c
            end = pos + w
            out[end - 1] = 48 + c % 10
            out[end - 2] = 48 + (c // 10) % 10
            out[end - 3] = 46  # '.'
            k = end - 4
            whole = c // 100
            while True:
                out[k] = 48 + whole % 10
                whole //= 10
                k -= 1
                if whole == 0:
                    break
            pos = end
        out[pos] = 10  # newline
        pos += 1
    return out


# --------------------------------------------------------------------------- helpers
def _string_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(int64 offsets, uint8 data) of a string array, as numpy views."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = (np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None
            else np.zeros(0, np.uint8))
    return offsets, data


def _string_array(lengths: np.ndarray, data: bytes | np.ndarray) -> pa.Array:
    """A ``large_string`` array from string byte lengths and the concatenated bytes."""
    offsets = np.zeros(lengths.shape[0] + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(
        int(lengths.shape[0]), pa.py_buffer(offsets), pa.py_buffer(data))


def _first_positions(codes: np.ndarray) -> np.ndarray:
    """Row of the first occurrence of each code (codes numbered by first appearance)."""
    if codes.size == 0:
        return np.zeros(0, np.int64)
    running = np.maximum.accumulate(codes)
    step = np.empty(codes.size, dtype=bool)
    step[0] = True
    step[1:] = running[1:] > running[:-1]
    return np.flatnonzero(step)


def _rules_for(scenario: Scenario, year: int) -> RuleTable:
    years = scenario.years
    if int(year) not in years:
        raise ScenarioError(scenario.name, [(
            "year", f"--year {year} is outside the scenario horizon {years[0]}..{years[-1]}"
        )])
    return resolve_rules(scenario, [int(year)])


def _chunk_partials(chunk: ClaimsChunk, table: RuleTable,
                    n_buckets: int = 1) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Reduce a chunk's admissions to one partial record per (person, group).

    Returns the person ids, the records (:data:`_REC`) and the bucket boundaries: the
    partials are ordered by bucket (hash of the id modulo ``n_buckets``), bucket ``k``
    being rows ``bounds[k]:bounds[k + 1]``.
    """
    cat = table.group_category[chunk.group]
    ded, bmi = admission_terms_vec(table, 0, cat, chunk.level, chunk.in_scope_cost)
    enc = pc.dictionary_encode(chunk.person_id)
    pidx = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    key = pidx * len(table.group_names) + chunk.group
    codes, uniques = pd.factorize(key)
    codes = codes.astype(np.int64)
    first = _first_positions(codes)
    values = np.stack([chunk.total_cost, chunk.in_scope_cost, bmi, ded])
    cnt, hi, lo = _accumulate_rows(codes, len(uniques), values)
    ids = enc.dictionary.take(pa.array(pidx[first]))
    if n_buckets > 1:
        bucket = _bucket_of(*_string_buffers(ids), n_buckets)
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(n_buckets + 1))
        ids = ids.take(pa.array(order))
        first, cnt, hi, lo = first[order], cnt[order], hi[order], lo[order]
    else:
        bounds = np.array([0, first.size], dtype=np.int64)
    recs = np.empty(first.size, dtype=_REC)
    recs["id_len"] = np.diff(_string_buffers(ids)[0])
    recs["group"] = chunk.group[first]
    recs["line"] = chunk.line[first]
    recs["n"] = cnt
    recs["hi"] = hi
    recs["lo"] = lo
    return ids, recs, bounds


class _Spill:
    """Hash-partitioned partials on disk: ``b{k}.rec`` (records) + ``b{k}.ids`` (id bytes)."""

    def __init__(self, directory: Path, n_buckets: int = N_BUCKETS):
        self.dir = directory
        self.dir.mkdir()
        self.n_buckets = n_buckets
        self.counts = np.zeros(n_buckets, np.int64)     # partials per bucket
        self.id_bytes = np.zeros(n_buckets, np.int64)   # bytes of person ids per bucket

    def _paths(self, k: int) -> tuple[Path, Path]:
        return self.dir / f"b{k:04d}.rec", self.dir / f"b{k:04d}.ids"

    def add(self, ids: pa.Array, recs: np.ndarray, bounds: np.ndarray) -> None:
        """Append partials ordered by bucket (see :func:`_chunk_partials`)."""
        offsets, data = _string_buffers(ids)
        for k in np.flatnonzero(np.diff(bounds)):
            s, e = bounds[k], bounds[k + 1]
            rec_path, ids_path = self._paths(int(k))
            with open(rec_path, "ab") as f:
                f.write(memoryview(recs[s:e]).cast("B"))
            with open(ids_path, "ab") as f:
                f.write(memoryview(data[offsets[s]: offsets[e]]))
            self.counts[k] += e - s
            self.id_bytes[k] += offsets[e] - offsets[s]

    def batches(self, limit: int) -> list[list[int]]:
        """Consecutive non-empty buckets grouped into batches of at most ``limit`` partials
        (a bucket larger than ``limit`` forms a batch of its own)."""
        out: list[list[int]] = []
        size = 0
        for k in np.flatnonzero(self.counts).tolist():
            c = int(self.counts[k])
            if out and size + c <= limit:
                out[-1].append(k)
                size += c
            else:
                out.append([k])
                size = c
        return out

    def load(self, buckets: list[int]) -> tuple[pa.Array, np.ndarray]:
        """The partials of ``buckets`` (then deleted from disk), read in place."""
        rec = np.empty(int(self.counts[buckets].sum()), dtype=_REC)
        data = np.empty(int(self.id_bytes[buckets].sum()), dtype=np.uint8)
        r = d = 0
        for k in buckets:
            rec_path, ids_path = self._paths(k)
            r = _read_into(rec_path, rec.view(np.uint8).reshape(-1), r * _REC.itemsize)
            r //= _REC.itemsize
            d = _read_into(ids_path, data, d)
            rec_path.unlink()
            ids_path.unlink()
            self.counts[k] = self.id_bytes[k] = 0
        return _string_array(rec["id_len"], data), rec


def _read_into(path: Path, buf: np.ndarray, start: int) -> int:
    """Read the whole file into ``buf[start:]``; return the end position."""
    size = path.stat().st_size
    view = memoryview(buf)[start: start + size]
    with open(path, "rb") as f:
        got = 0
        while got < size:
            n = f.readinto(view[got:])
            if not n:
                raise OSError(f"spill file {path} is shorter than expected")
            got += n
    return start + size


@dataclass
class _Conflicts:
    """Persons with several groups: the first :data:`MAX_LISTED` (by line) and a count."""

    count: int = 0
    first: list = field(default_factory=list)   # (line, person_id, reason)
    ids: dict = field(default_factory=dict)     # person_id -> reason (skip mode only)
    keep_all: bool = False

    def add(self, items: list[tuple[int, str, str]]) -> None:
        self.count += len(items)
        if self.keep_all:
            self.ids.update({pid: why for _, pid, why in items})
        self.first.extend(items)
        self.first.sort()
        del self.first[MAX_LISTED:]


def _conflict_details(ids: pa.Array, recs: np.ndarray, person: np.ndarray,
                      conflict: np.ndarray, groups: tuple[str, ...]) -> list:
    """``(line, person_id, reason)`` per conflicting person; ``line`` = where it shows."""
    sel = np.flatnonzero(conflict[person])
    frame = pd.DataFrame({
        "p": person[sel], "g": recs["group"][sel], "line": recs["line"][sel],
        "n": recs["n"][sel], "row": sel,
    })
    agg = (frame.groupby(["p", "g"], sort=False)
           .agg(line=("line", "min"), n=("n", "sum"), row=("row", "first"))
           .reset_index().sort_values(["p", "line"]))
    pids = ids.take(pa.array(agg["row"].to_numpy())).to_pylist()
    out = []
    parts: list[str] = []
    p_col, g_col = agg["p"].to_numpy(), agg["g"].to_numpy()
    l_col, n_col = agg["line"].to_numpy(), agg["n"].to_numpy()
    for i in range(len(agg)):
        n = int(n_col[i])
        parts.append(f"{groups[g_col[i]]} (first on line {l_col[i]}, {n} "
                     f"admission{'s' if n > 1 else ''})")
        if i + 1 == len(agg) or p_col[i + 1] != p_col[i]:
            reason = (f"person_id {pids[i]!r} appears in more than one group: "
                      + ", ".join(parts))
            out.append((int(l_col[i - len(parts) + 2]), pids[i], reason))
            parts = []
    return out


@dataclass
class _Settled:
    """One batch of settled persons (sorted by person id) and its conflicts."""

    table: pa.Table | None
    conflicts: list
    admissions: int


def _settle_partials(ids: pa.Array, recs: np.ndarray, table: RuleTable,
                     settle: bool = True, cents: bool = True) -> _Settled:
    """Combine partials per person, detect group conflicts, settle the others.

    Returns money in int64 cents (``cents=True``) or unrounded float64.
    """
    enc = pc.dictionary_encode(ids)
    person = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    n_persons = len(enc.dictionary)
    pgroup, conflict, pn, phi, plo = _combine_partials(
        person, n_persons, recs["group"], recs["n"], recs["hi"], recs["lo"])
    conflicts = []
    if conflict.any():
        conflicts = _conflict_details(ids, recs, person, conflict, table.group_names)
    if not settle:
        return _Settled(None, conflicts, 0)
    order = pc.sort_indices(enc.dictionary).to_numpy()
    if conflicts:
        order = order[~conflict[order]]
    sums = phi[order] + plo[order]
    group = pgroup[order]
    total = sums[:, _TOTAL]
    in_scope = sums[:, _SCOPE]
    zeros = np.zeros(order.shape[0])
    bmi, simi, assist = settle_many(
        0, group, in_scope, np.ascontiguousarray(sums[:, _BMI]),
        np.ascontiguousarray(sums[:, _DED]), zeros, zeros, table.rule_arrays())
    left = in_scope - bmi - simi
    patient_in_scope = left - assist
    self_pay = total - in_scope
    money = {
        "total_cost": total, "in_scope_cost": in_scope, "self_pay": self_pay,
        "bmi_paid": bmi, "simi_paid": simi, "assistance_paid": assist,
        "patient_in_scope": patient_in_scope,
        "patient_burden": patient_in_scope + self_pay,
    }
    cols = {"person_id": enc.dictionary.take(pa.array(order)),
            "group": pa.array(group.astype(np.int16))}
    for name, values in money.items():
        cols[name] = pa.array(_to_cents(values) if cents else values + 0.0)
    return _Settled(pa.table(cols), conflicts, int(pn[order].sum()))


def _to_cents(x: np.ndarray) -> np.ndarray:
    """Round half-to-even to integer cents (int64)."""
    return np.rint(x * 100.0).astype(np.int64)


# --------------------------------------------------------------------------- output
def _csv_quote(text: pa.Array) -> pa.Array:
    needs = pc.match_substring_regex(text, r'[",\r\n]')
    if not pc.any(needs).as_py():
        return text
    quote, sep = pa.scalar('"', type=text.type), pa.scalar("", type=text.type)
    quoted = pc.binary_join_element_wise(
        quote, pc.replace_substring(text, '"', '""'), quote, sep)
    return pc.if_else(needs, quoted, text)


class _CsvOut:
    """Writes the output CSV from blocks of settled persons; keeps exact totals."""

    def __init__(self, path: Path, groups: tuple[str, ...]):
        self.fh = open(path, "wb")
        self.fh.write((",".join(OUTPUT_COLUMNS) + "\n").encode())
        self.names = _string_buffers(pa.array(list(groups), type=pa.large_string()))
        self.persons = 0
        self.beneficiaries = 0
        self.totals = dict.fromkeys(MONEY_COLUMNS, 0)

    def write(self, t: pa.Table) -> None:
        """Append the rows of ``t`` (sorted), formatted in blocks of :data:`MERGE_ROWS`."""
        for start in range(0, t.num_rows, MERGE_ROWS):
            self._write(t.slice(start, MERGE_ROWS))

    def _write(self, t: pa.Table) -> None:
        cents = np.column_stack([t[name].to_numpy() for name in MONEY_COLUMNS])
        for name, total in zip(MONEY_COLUMNS, cents.sum(axis=0).tolist(), strict=True):
            self.totals[name] += int(total)
        self.beneficiaries += int((cents[:, MONEY_COLUMNS.index("simi_paid")] > 0).sum())
        self.persons += t.num_rows
        ids = _csv_quote(t["person_id"].combine_chunks())
        text = _format_rows(*_string_buffers(ids), *self.names,
                            t["group"].to_numpy().astype(np.int64), cents)
        self.fh.write(memoryview(text))

    def close(self) -> None:
        self.fh.close()


class _Run:
    """A sorted run file being merged."""

    def __init__(self, path: Path):
        self.file = pa.OSFile(str(path), "rb")
        self.reader = pa.ipc.open_file(self.file)
        self.next = 0
        self.pending: pa.Table | None = None
        self.fill()

    @property
    def more(self) -> bool:
        return self.next < self.reader.num_record_batches

    def fill(self) -> None:
        while (self.pending is None or self.pending.num_rows == 0) and self.more:
            self.pending = pa.Table.from_batches([self.reader.get_batch(self.next)])
            self.next += 1

    def close(self) -> None:
        self.file.close()


def _merge_runs(paths: list[Path], out: _CsvOut) -> None:
    """k-way merge of runs sorted by person_id (ids are unique across runs)."""
    runs = [_Run(p) for p in paths]
    try:
        while True:
            active = [r for r in runs if r.pending is not None and r.pending.num_rows]
            if not active:
                return
            limits = [r.pending["person_id"][-1].as_py() for r in active if r.more]
            cutoff = min(limits) if limits else None
            pieces = []
            for r in active:
                if cutoff is None:
                    k = r.pending.num_rows
                else:
                    k = int(pc.sum(pc.less_equal(r.pending["person_id"], cutoff)).as_py() or 0)
                if k:
                    pieces.append(r.pending.slice(0, k))
                    r.pending = r.pending.slice(k)
                r.fill()
            if pieces:
                out.write(pa.concat_tables(pieces).sort_by("person_id"))
    finally:
        for r in runs:
            r.close()


class _RejectedOut:
    """``OUT.rejected.csv``: line, the required fields as read, reason."""

    def __init__(self, path: Path):
        self.fh = open(path, "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.fh, lineterminator="\n")
        self.writer.writerow(REJECTED_COLUMNS)
        self.rows = 0

    def write_bad(self, chunk: ClaimsChunk) -> None:
        for ln, fields, why in zip(chunk.bad_line.tolist(), chunk.bad_fields,
                                   chunk.bad_reason, strict=True):
            self.writer.writerow((ln, *fields, why))
        self.rows += len(chunk.bad_fields)

    def write_good(self, chunk: ClaimsChunk, sel: np.ndarray, reasons: list[str],
                   table: RuleTable) -> None:
        pids = chunk.person_id.take(pa.array(sel)).to_pylist()
        for k, i in enumerate(sel.tolist()):
            self.writer.writerow((
                int(chunk.line[i]), pids[k], table.group_names[chunk.group[i]],
                table.level_names[chunk.level[i]], repr(float(chunk.total_cost[i])),
                repr(float(chunk.in_scope_cost[i])), reasons[k]))
        self.rows += len(sel)

    def close(self) -> None:
        self.fh.close()


# --------------------------------------------------------------------------- API
@dataclass(frozen=True)
class ReimburseTotals:
    """What :func:`reimburse_file` wrote.

    ``totals`` maps each money column to the exact sum of its written (rounded) values, in
    CNY. ``admissions`` counts the admissions behind the written persons; ``rows_read`` the
    rows parsed (blank lines included, lines with too many fields not); ``rejected_rows``
    the rows written to ``rejected_path`` (``skip_bad_rows`` only).
    """

    persons: int
    admissions: int
    simi_beneficiaries: int
    totals: dict
    rows_read: int
    rejected_rows: int
    blank_lines: int
    notes: tuple
    out_path: Path
    rejected_path: Path | None

    def format(self) -> str:
        """One line: persons, admissions, column totals, SIMI beneficiaries."""
        money = " ".join(f"{k}={v:,.2f}" for k, v in self.totals.items())
        text = (f"persons={self.persons:,} admissions={self.admissions:,} {money} "
                f"simi_beneficiaries={self.simi_beneficiaries:,}")
        if self.rejected_path is not None:
            text += f" rejected_rows={self.rejected_rows:,}"
        return text


def rejected_path_for(out_path: str | Path) -> Path:
    """``OUT.rejected.csv`` next to ``OUT.csv`` (``out.csv`` -> ``out.rejected.csv``)."""
    out_path = Path(out_path)
    if out_path.suffix.lower() == ".csv":
        return out_path.with_name(out_path.stem + ".rejected.csv")
    return out_path.with_name(out_path.name + ".rejected.csv")


def _fail(source: str, bad: BadRowLog, conflicts: _Conflicts, skip_hint: Path) -> ClaimsError:
    items = [(ln, f"line {ln}", why) for ln, why in bad.first]
    items += [(ln, f"line {ln}", why) for ln, _, why in conflicts.first]
    items.sort(key=lambda t: t[0])
    problems = [(where, why) for _, where, why in items[:MAX_LISTED]]
    n = bad.count + conflicts.count
    parts = []
    if bad.count:
        parts.append(f"{bad.count:,} bad row(s)")
    if conflicts.count:
        parts.append(f"{conflicts.count:,} person(s) with conflicting groups")
    listed = f"first {MAX_LISTED} listed" if n > MAX_LISTED else "all listed"
    problems.append(("total", f"{' and '.join(parts)} ({listed}); nothing was written. "
                     f"--skip-bad-rows writes the good rows and every bad one to {skip_hint}"))
    return ClaimsError(source, problems)


def reimburse_file(
    scenario: Scenario,
    year: int,
    claims_path: str | Path,
    out_path: str | Path,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    skip_bad_rows: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
) -> ReimburseTotals:
    """Apply the rules of ``year`` to a claims CSV and write one row per person.

    See the module docstring for the method, the memory bound, rounding and row order.
    By default any bad row (or person with conflicting groups) raises
    :class:`~simi_actuarial.errors.ClaimsError` listing the first 20 by line number, and no
    output is written. With ``skip_bad_rows`` the good rows are settled and every bad row
    goes to ``OUT.rejected.csv`` (line, fields, reason); all admissions of a person with
    conflicting groups are rejected. ``progress(rows_read, bytes_read, bytes_total)`` is
    called after each chunk. Raises :class:`~simi_actuarial.errors.ScenarioError` when
    ``year`` is outside the horizon.
    """
    table = _rules_for(scenario, year)
    claims_path = Path(claims_path)
    out_path = Path(out_path)
    source = str(claims_path)
    if not claims_path.is_file():
        raise ClaimsError(source, [("", "no such file")])
    out_dir = out_path.parent if str(out_path.parent) else Path(".")
    if not out_dir.is_dir():
        raise ClaimsError(str(out_path), [("-o", f"directory {str(out_dir)!r} does not exist")])
    if out_path.is_dir():
        raise ClaimsError(str(out_path), [("-o", "is a directory, expected a file name")])
    if out_path.exists() and out_path.resolve() == claims_path.resolve():
        raise ClaimsError(str(out_path), [("-o", "the output would overwrite the claims file")])
    reader = ClaimsReader(claims_path, table.group_names, table.level_names, chunk_rows)
    rejected_path = rejected_path_for(out_path)

    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_dir))
    except OSError as exc:
        raise ClaimsError(str(out_path), [("-o", f"cannot write in {str(out_dir)!r}: "
                                                 f"{exc.strerror}")]) from None
    out = rejected = None
    try:
        spill = _Spill(tmp / "spill")
        bad = BadRowLog(keep=MAX_LISTED)
        rejected = _RejectedOut(tmp / "rejected.csv") if skip_bad_rows else None
        for chunk in reader.chunks(None if skip_bad_rows else MAX_LISTED):
            if chunk.bad_line.size:
                bad.add(chunk.bad_line, chunk.bad_reason)
                if rejected is not None:
                    rejected.write_bad(chunk)
            if chunk.n:
                spill.add(*_chunk_partials(chunk, table, spill.n_buckets))
            if progress is not None:
                progress(reader.rows, reader.bytes_read, reader.bytes_total)

        conflicts = _Conflicts(keep_all=skip_bad_rows)
        out = _CsvOut(tmp / "out.csv", table.group_names)
        runs: list[Path] = []
        admissions = 0
        for buckets in spill.batches(BATCH_PARTIALS):
            ok = skip_bad_rows or (bad.count == 0 and conflicts.count == 0)
            settled = _settle_partials(*spill.load(buckets), table, settle=ok)
            conflicts.add(settled.conflicts)
            if settled.table is not None:
                admissions += settled.admissions
                runs.append(tmp / f"run{len(runs):05d}.arrow")
                with pa.OSFile(str(runs[-1]), "wb") as sink, \
                        pa.ipc.new_file(sink, settled.table.schema) as w:
                    w.write_table(settled.table, max_chunksize=MERGE_ROWS)
            del settled
        if not skip_bad_rows and (bad.count or conflicts.count):
            raise _fail(source, bad, conflicts, rejected_path)
        _merge_runs(runs, out)
        out.close()

        if rejected is not None:
            if conflicts.ids:
                _reject_conflicting(claims_path, table, chunk_rows, conflicts.ids, rejected)
            rejected.close()
            _publish(tmp / "rejected.csv", rejected_path)
        _publish(tmp / "out.csv", out_path)
        return ReimburseTotals(
            persons=out.persons, admissions=admissions, simi_beneficiaries=out.beneficiaries,
            totals={k: v / 100.0 for k, v in out.totals.items()}, rows_read=reader.rows,
            rejected_rows=rejected.rows if rejected is not None else bad.count,
            blank_lines=reader.blank_lines, notes=tuple(reader.notes), out_path=out_path,
            rejected_path=rejected_path if skip_bad_rows else None,
        )
    finally:
        for handle in (out, rejected):
            if handle is not None:
                handle.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _reject_conflicting(claims_path: Path, table: RuleTable, chunk_rows: int,
                        ids: dict, rejected: _RejectedOut) -> None:
    """Second pass: write every valid row of a person with conflicting groups."""
    value_set = pa.array(list(ids), type=pa.large_string())
    reader = ClaimsReader(claims_path, table.group_names, table.level_names, chunk_rows)
    for chunk in reader.chunks(reason_limit=0):
        if not chunk.n:
            continue
        sel = np.flatnonzero(pc.is_in(chunk.person_id, value_set=value_set)
                             .to_numpy(zero_copy_only=False))
        if sel.size:
            pids = chunk.person_id.take(pa.array(sel)).to_pylist()
            rejected.write_good(chunk, sel, [ids[p] + "; all its admissions are rejected"
                                             for p in pids], table)


def _publish(src: Path, dst: Path) -> None:
    """Move a finished file into place atomically, with the usual permissions."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(src, 0o666 & ~umask)
    os.replace(src, dst)


def reimburse_frame(scenario: Scenario, year: int, claims: pd.DataFrame) -> pd.DataFrame:
    """In-memory :func:`reimburse_file`: admissions in, one row per person out.

    ``claims`` has the columns ``person_id, group, hospital_level, total_cost,
    in_scope_cost`` (others ignored). Returns a DataFrame with :data:`OUTPUT_COLUMNS`,
    sorted by ``person_id``, money unrounded (float64). Bad rows or conflicting groups raise
    :class:`~simi_actuarial.errors.ClaimsError` naming row positions (``row 0`` = first).
    """
    table = _rules_for(scenario, year)
    missing = [c for c in REQUIRED_COLUMNS if c not in claims.columns]
    if missing:
        raise ClaimsError("claims", [("columns", f"missing column(s): {', '.join(missing)}")])
    df = claims.loc[:, list(REQUIRED_COLUMNS)].reset_index(drop=True)
    rows = np.arange(len(df), dtype=np.int64)
    chunk = _validate_frame(df, rows, table.group_names, table.level_names, MAX_LISTED)
    described = chunk.bad_line[: len(chunk.bad_reason)].tolist()
    items = list(zip(described, chunk.bad_reason, strict=True))
    settled = _Settled(None, [], 0)
    if chunk.n:
        settled = _settle_partials(*_chunk_partials(chunk, table)[:2], table, cents=False)
    items += [(r, why.replace(" on line ", " in row ")) for r, _, why in settled.conflicts]
    if items:
        items.sort(key=lambda t: t[0])
        problems = [(f"row {r}", why) for r, why in items[:MAX_LISTED]]
        n = int(chunk.bad_line.size) + len(settled.conflicts)
        if n > MAX_LISTED:
            problems.append(("total", f"{n:,} problem(s), first {MAX_LISTED} listed"))
        raise ClaimsError("claims", problems)
    if settled.table is None:
        return pd.DataFrame({c: pd.Series(dtype=str if c in ("person_id", "group") else float)
                             for c in OUTPUT_COLUMNS})
    result = settled.table.to_pandas()
    result["person_id"] = result["person_id"].astype(str)
    result["group"] = np.asarray(table.group_names, dtype=object)[result["group"].to_numpy()]
    return result.loc[:, list(OUTPUT_COLUMNS)]
