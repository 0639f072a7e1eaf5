"""Admissions out of core: a DuckDB database that groups them by person and writes the CSV.

:class:`AdmissionStore` holds the validated admissions of a claims file (with their
per-admission rule terms) in a DuckDB database in a working directory, with an explicit
memory limit, thread count and spill directory, so that memory stays bounded whatever the
size of the file: DuckDB's grouping, sorting and CSV writing spill to disk beyond
:data:`MEMORY_LIMIT`.

Exact sums
----------
A person's total cost, in-scope cost, uncapped BMI and deductibles are sums over the
person's admissions. Each float64 term ``x`` is converted to the integer ``x * 2**70``
(exact for every term of at least ``2**-18`` CNY, and rounded to ``2**-70`` CNY below) and
summed as a 128-bit integer (DuckDB ``HUGEINT``), which is exact and independent of the
order of the rows, of the chunking of the file and of DuckDB's threads; the sum is then
rounded once to float64 (correctly rounded) and scaled back by ``2**-70``. The float64 sum
of a person is therefore the correctly rounded sum of its admissions' terms, bit for bit the
same however the file is ordered. Room: ``2**127 / (1e10 * 2**70)`` = 14 million
admissions of the largest accepted cost (:data:`~.reader.MAX_COST`) per person.

No quantity depends on the order of a person's admissions (the BMI cap applies to the
sum, see :mod:`simi_actuarial.rules.kernel`), so none is kept beyond the file line of each
admission, used for messages and for the rejected-rows file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

#: DuckDB's memory limit (its buffer pool: grouping, sorting, table blocks); beyond it,
#: DuckDB spills to the working directory. ASSUMPTION: sized so that the whole command
#: (Python, numba, pandas reader chunks and DuckDB) stays below the 414 MB peak of the
#: earlier hand-written engine on 10 million admissions; see docs/performance.md.
MEMORY_LIMIT = "160MB"
#: DuckDB worker threads. ASSUMPTION: the development machine has 2 cores; more threads
#: speed up grouping and sorting but each adds buffers.
THREADS = min(2, os.cpu_count() or 1)
SCALE = 2.0**70            # fixed point of the exact sums (see the module docstring)
SUMMED = ("total_cost", "in_scope_cost", "bmi_uncapped", "deductibles")

_ADMISSIONS = """CREATE TABLE adm (person_id VARCHAR, grp USMALLINT, lvl USMALLINT,
    line BIGINT, total_cost DOUBLE, in_scope_cost DOUBLE, bmi_uncapped DOUBLE,
    deductibles DOUBLE)"""
_PERSONS = "CREATE TABLE persons AS SELECT person_id, min(grp) AS grp, max(grp) AS grp_last, " \
    "count(*) AS n, " + ", ".join(
        f"CAST(sum(CAST({c} * $scale AS HUGEINT)) AS DOUBLE) / $scale AS {c}" for c in SUMMED
    ) + " FROM adm GROUP BY person_id"
_CONFLICTING = "SELECT person_id FROM persons WHERE grp <> grp_last"


def _cents_text(col: str) -> str:
    """SQL: int64 cents as ``123.45`` / ``-0.05``."""
    return (f"CASE WHEN {col} < 0 THEN '-' ELSE '' END || CAST(abs({col}) // 100 AS VARCHAR)"
            f" || '.' || lpad(CAST(abs({col}) % 100 AS VARCHAR), 2, '0') AS {col}")


class AdmissionStore:
    """Admissions in a DuckDB database (``directory/claims.duckdb``, or in memory when
    ``directory`` is ``None``); use as a context manager."""

    def __init__(self, directory: Path | None, memory_limit: str | None = None,
                 threads: int | None = None):
        config = {"memory_limit": memory_limit or MEMORY_LIMIT, "threads": threads or THREADS,
                  "preserve_insertion_order": False}
        if directory is not None:
            config["temp_directory"] = str(directory / "spill")
        target = ":memory:" if directory is None else str(directory / "claims.duckdb")
        self.con = duckdb.connect(target, config=config)
        self.con.execute(_ADMISSIONS)

    def __enter__(self) -> AdmissionStore:
        return self

    def __exit__(self, *exc) -> None:
        self.con.close()

    def add(self, admissions: pa.Table) -> None:
        """Append admissions (columns of the ``adm`` table, in its order)."""
        self.con.register("chunk", admissions)
        self.con.execute("INSERT INTO adm SELECT * FROM chunk")
        self.con.unregister("chunk")

    def group(self) -> None:
        """Reduce the admissions to one row per person: group(s), count, exact sums."""
        self.con.execute(_PERSONS, {"scale": SCALE})

    def conflicts(self) -> Iterator[tuple[str, list[tuple[int, int, int]]]]:
        """Persons with more than one group: ``(person_id, [(group, first line, admissions),
        ...])``, groups in the order of their first line."""
        rows = self.con.execute(
            f"SELECT person_id, grp, min(line) AS first, count(*) FROM adm "
            f"WHERE person_id IN ({_CONFLICTING}) GROUP BY person_id, grp "
            f"ORDER BY person_id, first")
        pid, groups = None, []
        while batch := rows.fetchmany(10_000):
            for p, g, first, n in batch:
                if p != pid and groups:
                    yield pid, groups
                    groups = []
                pid = p
                groups.append((int(g), int(first), int(n)))
        if groups:
            yield pid, groups

    def conflicting_admissions(self) -> Iterator[tuple]:
        """``(line, person_id, group, level, total_cost, in_scope_cost)`` of every admission
        of a person with more than one group, by line."""
        rows = self.con.execute(
            f"SELECT line, person_id, grp, lvl, total_cost, in_scope_cost FROM adm "
            f"WHERE person_id IN ({_CONFLICTING}) ORDER BY line")
        while batch := rows.fetchmany(10_000):
            yield from batch

    def persons(self, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """Persons with one group, in batches: person_id, grp, n and the sums."""
        cursor = self.con.cursor()  # a second connection: batches are inserted meanwhile
        try:
            yield from cursor.sql(f"SELECT person_id, grp, n, {', '.join(SUMMED)} FROM "
                                  f"persons WHERE grp = grp_last").to_arrow_reader(batch_rows)
        finally:
            cursor.close()

    def create_settled(self, money: tuple[str, ...], cents: bool) -> None:
        """The table of settled persons: person_id, grp, n and ``money`` (int64 cents or
        float64)."""
        kind = "BIGINT" if cents else "DOUBLE"
        cols = ", ".join(f"{m} {kind}" for m in money)
        self.con.execute(f"CREATE TABLE settled (person_id VARCHAR, grp USMALLINT, "
                         f"n BIGINT, {cols})")

    def add_settled(self, rows: pa.Table) -> None:
        self.con.register("rows", rows)
        self.con.execute("INSERT INTO settled SELECT * FROM rows")
        self.con.unregister("rows")

    def settled_frame(self, groups: tuple[str, ...], money: tuple[str, ...]):
        """The settled persons as a pandas DataFrame sorted by person_id (byte order)."""
        return self.con.execute(
            f"SELECT person_id, $groups[grp + 1] AS \"group\", {', '.join(money)} "
            f"FROM settled ORDER BY person_id", {"groups": list(groups)}).df()

    def write_csv(self, path: Path, groups: tuple[str, ...], money: tuple[str, ...]) -> None:
        """Write the settled persons (cents) as CSV sorted by person_id (byte order)."""
        select = (f"SELECT person_id, $groups[grp + 1] AS \"group\", "
                  f"{', '.join(_cents_text(m) for m in money)} FROM settled ORDER BY person_id")
        self.con.execute(f"COPY ({select}) TO '{_sql_text(path)}' (FORMAT csv, HEADER)",
                         {"groups": list(groups)})

    def totals(self, money: tuple[str, ...], positive: str) -> tuple[int, int, int, list[int]]:
        """(persons, admissions, persons with ``positive`` > 0, sum of each money column)."""
        sums = ", ".join(f"coalesce(sum({m}), 0)" for m in money)
        row = self.con.execute(
            f"SELECT count(*), coalesce(sum(n), 0), count(*) FILTER ({positive} > 0), {sums} "
            f"FROM settled").fetchone()
        return int(row[0]), int(row[1]), int(row[2]), [int(v) for v in row[3:]]


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def as_table(columns: dict[str, np.ndarray | pa.Array]) -> pa.Table:
    """A pyarrow table from named columns (numpy arrays or pyarrow arrays)."""
    return pa.table({k: v if isinstance(v, pa.Array | pa.ChunkedArray) else pa.array(v)
                     for k, v in columns.items()})
