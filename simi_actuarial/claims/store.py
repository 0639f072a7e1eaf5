"""Admissions out of core: DuckDB groups them by person, sorts the persons and writes the CSV.

:class:`PersonStore` is a DuckDB database in a working directory, opened with an explicit
memory limit (:data:`MEMORY_LIMIT`), thread count (:data:`THREADS`) and spill directory,
so that memory stays bounded whatever the size of the claims file: DuckDB's grouping and
sorting spill to disk beyond the limit. It consumes the validated admissions as a stream
(they are never stored), keeps one row per (person, group), hands the persons back sorted
by ``person_id`` for settling, and writes the settled stream as CSV.

:func:`connect` (the bounded connection) and :func:`streamed` (a Python stream of Arrow
batches as a view) are the package's one out-of-core mechanism: ``simi fit-claims``
(:mod:`simi_actuarial.fitting.extract`) groups its persons through them too.

Exact sums
----------
A person's total cost, in-scope cost, uncapped BMI and deductibles are sums over the
person's admissions. Each float64 term ``x`` is converted to the integer ``x * 2**70``
(exact for every term of at least ``2**-18`` CNY; smaller terms are rounded to ``2**-70``
CNY) and summed as a 128-bit integer (DuckDB ``HUGEINT``), which is exact and independent
of the order of the rows, of the chunking of the file and of DuckDB's threads; the sum is
rounded once to float64 (correctly rounded) and scaled back by ``2**-70``. A person's
float64 sum is therefore the correctly rounded sum of its admissions' terms, bit for bit
the same however the file is ordered. Room: ``2**127 / (1e10 * 2**70)``, i.e. 14 million
admissions of the largest accepted cost (:data:`~.reader.MAX_COST`) for one person;
beyond, DuckDB raises an overflow error.

No rule depends on the order of a person's admissions (the BMI cap applies to the sum, see
:mod:`simi_actuarial.rules.kernel`): of the order only the first line of each (person,
group) is kept, for messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

#: DuckDB's memory limit (its buffer pool: grouping and sorting); beyond it DuckDB spills
#: to the working directory. ASSUMPTION: chosen so that the whole command (Python, numba,
#: the pandas reader's chunks and DuckDB) stays within the peak of the earlier hand-written
#: engine on 10 million admissions (docs/performance.md); at this limit DuckDB needs its
#: single thread (with two it ran out of memory). ``simi fit-claims`` uses the same limit.
MEMORY_LIMIT = "64MB"
#: DuckDB worker threads. ASSUMPTION: one; a second thread was not faster on the shared
#: 2-core development machine and needs more memory (docs/performance.md).
THREADS = 1
SCALE = 2.0**70            # fixed point of the exact sums (see the module docstring)
SUMMED = ("total_cost", "in_scope_cost", "bmi_uncapped", "deductibles")

#: The admissions stream: one row per valid admission with its per-admission rule terms.
ADMISSIONS = pa.schema([("person_id", pa.large_string()), ("grp", pa.uint16()),
                        ("line", pa.int64()), *((c, pa.float64()) for c in SUMMED)])
_EXACT_SUMS = ", ".join(
    f"CAST(sum(CAST({c} * $scale AS HUGEINT)) AS DOUBLE) / $scale AS {c}" for c in SUMMED)


def connect(directory: Path, memory_limit: str | None = None,
            threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB database ``directory/claims.duckdb`` with memory bounded at
    ``memory_limit`` (default :data:`MEMORY_LIMIT`), ``threads`` workers (default
    :data:`THREADS`), insertion order not preserved, spilling to ``directory/spill``: the
    one way the package opens DuckDB (``simi reimburse`` and ``simi fit-claims``)."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": memory_limit or MEMORY_LIMIT, "threads": threads or THREADS,
        "preserve_insertion_order": False, "temp_directory": str(directory / "spill")}
    return duckdb.connect(str(directory / "claims.duckdb"), config=config)


def _guarded(batches: Iterable[pa.RecordBatch], failure: list) -> Iterator[pa.RecordBatch]:
    """``batches``, stopping at the first exception, which is kept in ``failure`` (to be
    raised once DuckDB, which pulls the stream, has returned)."""
    try:
        yield from batches
    except BaseException as exc:  # noqa: BLE001 - re-raised by the caller, outside DuckDB
        failure.append(exc)


@contextmanager
def streamed(con: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema,
             batches: Iterable[pa.RecordBatch]) -> Iterator[None]:
    """Within the block, the stream ``batches`` (``schema``) is the view ``name`` of
    ``con``, read once by the statement that scans it. An exception raised by the stream
    (which DuckDB pulls) stops it and is raised at the end of the block."""
    failure: list[BaseException] = []
    con.register(name, pa.RecordBatchReader.from_batches(schema, _guarded(batches, failure)))
    try:
        yield
    finally:
        con.unregister(name)
    if failure:
        raise failure[0]


class PersonStore:
    """Admissions grouped by person in DuckDB (``directory/claims.duckdb``, spilling to
    ``directory/spill``); a context manager.

    :meth:`group` consumes the admissions; :attr:`n_conflicting` then counts the persons
    with several groups (:meth:`conflicts` lists them); :meth:`persons` yields the others
    sorted by ``person_id``; :meth:`write_csv` writes a settled stream.
    """

    def __init__(self, directory: Path, memory_limit: str | None = None,
                 threads: int | None = None):
        self.con = connect(directory, memory_limit, threads)
        self.n_conflicting = 0

    def __enter__(self) -> PersonStore:
        return self

    def __exit__(self, *exc) -> None:
        self.con.close()

    def group(self, admissions: Iterable[pa.RecordBatch]) -> None:
        """Reduce a stream of admission batches (schema :data:`ADMISSIONS`) to one row per
        (person, group): admissions, first line, exact sums. An exception raised by the
        stream stops it and is raised here."""
        with streamed(self.con, "admissions", ADMISSIONS, admissions):
            self.con.execute(
                "CREATE TABLE pg AS SELECT person_id, grp, count(*) AS n, "
                f"min(line) AS first_line, {_EXACT_SUMS} FROM admissions "
                "GROUP BY person_id, grp", {"scale": SCALE})
        self.con.execute("CREATE TABLE conflicting AS SELECT person_id FROM pg "
                         "GROUP BY person_id HAVING count(*) > 1")
        self.n_conflicting = self.con.execute("SELECT count(*) FROM conflicting").fetchone()[0]

    def conflicts(self) -> Iterator[tuple[str, list[tuple[int, int, int]]]]:
        """Persons with more than one group: ``(person_id, [(group, first line, admissions),
        ...])``, groups in the order of their first line."""
        if not self.n_conflicting:
            return
        rows = self.con.execute(
            "SELECT person_id, grp, first_line, n FROM pg SEMI JOIN conflicting "
            "USING (person_id) ORDER BY person_id, first_line")
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

    def persons(self, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """Persons with one group, sorted by ``person_id`` (byte order), in batches:
        person_id, grp, n and the sums :data:`SUMMED`."""
        query = f"SELECT person_id, grp, n, {', '.join(SUMMED)} FROM pg"
        if self.n_conflicting:
            query += " ANTI JOIN conflicting USING (person_id)"
        cursor = self.con.cursor()  # its own connection: write_csv may pull meanwhile
        try:
            yield from cursor.sql(query + " ORDER BY person_id").to_arrow_reader(batch_rows)
        finally:
            cursor.close()

    def write_csv(self, path: Path, settled: Iterable[pa.RecordBatch], schema: pa.Schema,
                  groups: tuple[str, ...]) -> None:
        """Write a stream of settled persons as CSV, in stream order: ``person_id``, the
        group's name (``grp`` indexes ``groups``), then the other columns of ``schema``
        after ``grp``, int64 cents written as ``123.45``. Text is quoted only when it holds
        a comma, a quote or a line break."""
        money = schema.names[schema.get_field_index("grp") + 1:]
        cols = ", ".join(f"CAST({m} AS DECIMAL(18, 0)) * 0.01::DECIMAL(3, 2) AS {m}"
                         for m in money)
        cursor = self.con.cursor()
        try:
            cursor.execute("SET SESSION preserve_insertion_order = true")
            with streamed(cursor, "settled", schema, settled):
                cursor.execute(
                    f"COPY (SELECT person_id, $groups[grp + 1] AS \"group\", {cols} "
                    f"FROM settled) TO '{_sql_text(path)}' (FORMAT csv, HEADER)",
                    {"groups": list(groups)})
        finally:
            cursor.close()


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def as_batch(schema: pa.Schema, columns: dict[str, np.ndarray | pa.Array]) -> pa.RecordBatch:
    """A record batch of ``schema`` from named columns (numpy or pyarrow arrays, cast to
    the schema's types)."""
    arrays = [columns[f.name] if isinstance(columns[f.name], pa.Array)
              else pa.array(columns[f.name]) for f in schema]
    return pa.record_batch([a.cast(f.type) for a, f in zip(arrays, schema, strict=True)],
                           schema=schema)
