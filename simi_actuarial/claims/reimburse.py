"""Apply one year's rules to claim extracts: per admission, then per person.

Method
------
The BMI annual cap applies to the sum of a person's per-admission BMI payments, so the
capped total is ``min(sum of uncapped payments, cap)`` whatever the order of admissions,
and deductibles are additive too (see :mod:`simi_actuarial.rules.kernel`). Hence:

1. per admission: ``(deductible borne, uncapped BMI)`` with
   :func:`~simi_actuarial.rules.kernel.admission_terms_vec`;
2. per person: sums of total cost, in-scope cost, uncapped BMI and deductibles, exact
   (see :mod:`.store`): a person's result does not depend on the order of its admissions in
   the file, nor on the chunk size, nor on the number of threads;
3. per person: :func:`~simi_actuarial.rules.kernel.settle_many` (no outpatient
   special-disease amounts: ``os_in_scope = os_bmi = 0``).

A person must belong to one group throughout the file; conflicting groups are an error
(or, with ``skip_bad_rows``, all of that person's admissions are rejected).

Engine and bounded memory
-------------------------
Files need not be sorted and a person's admissions may be anywhere in the file.
:class:`~.reader.ClaimsReader` reads and validates the file in chunks of ``chunk_rows``
lines (bad rows are named by line); the valid admissions and their per-admission terms are
streamed into a DuckDB database (:class:`~.store.PersonStore`) in a temporary directory
beside the output, which groups them by person as they come (they are not stored). The
persons come back sorted by ``person_id``, are settled by the rules kernel in batches of
:data:`SETTLE_ROWS` and streamed into DuckDB's CSV writer. Memory is bounded by the
chunk size (reading), :data:`SETTLE_ROWS` (settling) and DuckDB's memory limit
(:data:`~.store.MEMORY_LIMIT`; beyond it DuckDB spills to the temporary directory), not by
the size of the file. Disk use is about the size of the per-person sums plus the output.
Measured figures: docs/performance.md.

Numbers and output
------------------
Computation is in float64. Money is rounded on output only: each column is converted to
cents with round-half-to-even on the float64 value (``rint(x * 100)``), so a written row may
miss the conservation identities (``total_cost = in_scope_cost + self_pay``,
``in_scope_cost = bmi_paid + simi_paid + assistance_paid + patient_in_scope``,
``patient_burden = patient_in_scope + self_pay``) by at most 0.01 per column involved. The
totals reported are exact sums of the written (rounded) columns. Output rows are sorted by
``person_id`` (byte order of the UTF-8 text, i.e. lexicographic: ``P10`` before ``P9``);
text is quoted only when it contains a comma, a quote or a line break.

Output files are written beside their targets and moved into place when complete
(:func:`simi_actuarial.io.atomic_path`): ``OUT.csv`` is never half-written, and a failed or
interrupted run leaves no new output (an older ``OUT.csv`` is left as it was). The
temporary directory is removed in every case, ``KeyboardInterrupt`` included.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import ClaimsError, ScenarioError
from ..io import atomic_path
from ..rules.arrays import RuleTable, resolve_rules
from ..rules.kernel import admission_terms_vec, settle_many
from ..scenario.schema import Scenario
from .problems import (
    MAX_LISTED,
    BadRowLog,
    Conflicts,
    RejectedOut,
    conflict_items,
    failure,
    reject_conflicting,
)
from .reader import DEFAULT_CHUNK_ROWS, REQUIRED_COLUMNS, ClaimsChunk, ClaimsReader
from .reader import validate_frame as _validate_frame
from .store import ADMISSIONS, SUMMED, PersonStore, as_batch

OUTPUT_COLUMNS = (
    "person_id", "group", "total_cost", "in_scope_cost", "self_pay", "bmi_paid", "simi_paid",
    "assistance_paid", "patient_in_scope", "patient_burden",
)
MONEY_COLUMNS = OUTPUT_COLUMNS[2:]
SETTLE_ROWS = 20_000       # persons settled at once (memory ~ 200 bytes each)


def _rules_for(scenario: Scenario, year: int) -> RuleTable:
    years = scenario.years
    if int(year) not in years:
        raise ScenarioError(scenario.name, [(
            "year", f"--year {year} is outside the scenario horizon {years[0]}..{years[-1]}"
        )])
    return resolve_rules(scenario, [int(year)])


def _admissions(chunk: ClaimsChunk, table: RuleTable) -> pa.RecordBatch:
    """A chunk's valid admissions with their rule terms (:data:`.store.ADMISSIONS`)."""
    cat = table.group_category[chunk.group]
    ded, bmi = admission_terms_vec(table, 0, cat, chunk.level, chunk.in_scope_cost)
    return as_batch(ADMISSIONS, {
        "person_id": chunk.person_id, "grp": chunk.group.astype(np.uint16), "line": chunk.line,
        "total_cost": chunk.total_cost, "in_scope_cost": chunk.in_scope_cost,
        "bmi_uncapped": bmi, "deductibles": ded,
    })


def _settled_schema(cents: bool) -> pa.Schema:
    money = pa.int64() if cents else pa.float64()
    return pa.schema([("person_id", pa.large_string()), ("grp", pa.uint16()),
                      *((m, money) for m in MONEY_COLUMNS)])


def _settle(batch: pa.RecordBatch, table: RuleTable, cents: bool) -> pa.RecordBatch:
    """Settle a batch of persons (:meth:`.store.PersonStore.persons`): money in int64
    cents (``cents=True``) or unrounded float64.

    ``(bmi, simi, assistance, simi_on_self_pay)`` come from
    :func:`~simi_actuarial.rules.kernel.settle_many`; then ``self_pay = total_cost -
    in_scope_cost - simi_on_self_pay``, ``patient_in_scope = in_scope_cost - bmi - (simi -
    simi_on_self_pay) - assistance`` and ``patient_burden = patient_in_scope + self_pay``
    (``simi_on_self_pay`` is 0 unless the rules count out-of-scope cost toward the line).
    """
    total, in_scope, bmi_uncapped, deductibles = (
        batch.column(c).to_numpy() for c in SUMMED)
    group = batch.column("grp").to_numpy().astype(np.int64)
    zeros = np.zeros(batch.num_rows)
    bmi, simi, assist, simi_sp = settle_many(
        0, group, in_scope, bmi_uncapped, deductibles, zeros, zeros, total - in_scope,
        table.rule_arrays())
    patient_in_scope = (in_scope - bmi - (simi - simi_sp)) - assist
    self_pay = (total - in_scope) - simi_sp
    money = {
        "total_cost": total, "in_scope_cost": in_scope, "self_pay": self_pay,
        "bmi_paid": bmi, "simi_paid": simi, "assistance_paid": assist,
        "patient_in_scope": patient_in_scope,
        "patient_burden": patient_in_scope + self_pay,
    }
    cols = {"person_id": batch.column("person_id"), "grp": batch.column("grp")}
    for name, values in money.items():
        cols[name] = _to_cents(values) if cents else values + 0.0
    return as_batch(_settled_schema(cents), cols)


def _to_cents(x: np.ndarray) -> np.ndarray:
    """Round half-to-even to integer cents (int64)."""
    return np.rint(x * 100.0).astype(np.int64)


@dataclass
class _Tally:
    """Persons, admissions, SIMI beneficiaries and exact column sums (cents) written."""

    persons: int = 0
    admissions: int = 0
    beneficiaries: int = 0
    cents: list = field(default_factory=lambda: [0] * len(MONEY_COLUMNS))

    def settled(self, store: PersonStore, table: RuleTable) -> Iterator[pa.RecordBatch]:
        """The settled persons (cents), sorted by person_id, counted on the way."""
        for batch in store.persons(SETTLE_ROWS):
            out = _settle(batch, table, cents=True)
            self.persons += out.num_rows
            self.admissions += int(np.sum(batch.column("n").to_numpy()))
            self.beneficiaries += int(np.sum(out.column("simi_paid").to_numpy() > 0))
            for k, m in enumerate(MONEY_COLUMNS):
                self.cents[k] += int(np.sum(out.column(m).to_numpy()))
            yield out


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


def _check_paths(claims_path: Path, out_path: Path) -> Path:
    """The output directory, after checking the input and output paths."""
    if not claims_path.is_file():
        raise ClaimsError(str(claims_path), [("", "no such file")])
    out_dir = out_path.parent if str(out_path.parent) else Path(".")
    if not out_dir.is_dir():
        raise ClaimsError(str(out_path), [("-o", f"directory {str(out_dir)!r} does not exist")])
    if out_path.is_dir():
        raise ClaimsError(str(out_path), [("-o", "is a directory, expected a file name")])
    if out_path.exists() and out_path.resolve() == claims_path.resolve():
        raise ClaimsError(str(out_path), [("-o", "the output would overwrite the claims file")])
    return out_dir


def _workdir(out_dir: Path, out_path: Path) -> tempfile.TemporaryDirectory:
    try:
        return tempfile.TemporaryDirectory(prefix=f".{out_path.name}.", suffix=".tmp",
                                           dir=out_dir, ignore_cleanup_errors=True)
    except OSError as exc:
        raise ClaimsError(str(out_path), [("-o", f"cannot write in {str(out_dir)!r}: "
                                                 f"{exc.strerror}")]) from None


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
    claims_path, out_path = Path(claims_path), Path(out_path)
    source = str(claims_path)
    out_dir = _check_paths(claims_path, out_path)
    reader = ClaimsReader(claims_path, table.group_names, table.level_names, chunk_rows)
    rejected_path = rejected_path_for(out_path)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(_workdir(out_dir, out_path)))
        store = stack.enter_context(PersonStore(tmp))
        rejected = None
        if skip_bad_rows:
            rejected = stack.enter_context(
                RejectedOut(stack.enter_context(atomic_path(rejected_path))))
        bad = BadRowLog(keep=MAX_LISTED)

        def admissions() -> Iterator[pa.Table]:
            for chunk in reader.chunks(None if skip_bad_rows else MAX_LISTED):
                if chunk.bad_line.size:
                    bad.add(chunk.bad_line, chunk.bad_reason)
                    if rejected is not None:
                        rejected.write_bad(chunk)
                if chunk.n:
                    yield _admissions(chunk, table)
                if progress is not None:
                    progress(reader.rows, reader.bytes_read, reader.bytes_total)

        try:
            store.group(admissions())
        except duckdb.OutOfRangeException as exc:
            raise ClaimsError(source, [("", f"a person's sums overflow: {exc}")]) from None
        except (duckdb.IOException, duckdb.OutOfMemoryException) as exc:
            raise OSError(f"grouping the admissions by person (DuckDB): {exc}") from None
        conflicts = Conflicts(keep_all=skip_bad_rows)
        for block in conflict_items(store, table.group_names):
            conflicts.add(block)
        if not skip_bad_rows and (bad.count or conflicts.count):
            raise failure(source, bad, conflicts, rejected_path)
        if rejected is not None and conflicts.count:
            reject_conflicting(claims_path, table, chunk_rows, conflicts.ids, rejected)
        tally = _Tally()
        with atomic_path(out_path) as out_tmp:
            try:
                store.write_csv(out_tmp, tally.settled(store, table), _settled_schema(True),
                                table.group_names)
            except (duckdb.IOException, duckdb.OutOfMemoryException) as exc:
                raise OSError(f"writing {out_path} (DuckDB): {exc}") from None
    return ReimburseTotals(
        persons=tally.persons, admissions=tally.admissions,
        simi_beneficiaries=tally.beneficiaries,
        totals={k: v / 100.0 for k, v in zip(MONEY_COLUMNS, tally.cents, strict=True)},
        rows_read=reader.rows,
        rejected_rows=rejected.rows if rejected is not None else bad.count,
        blank_lines=reader.blank_lines, notes=tuple(reader.notes), out_path=out_path,
        rejected_path=rejected_path if skip_bad_rows else None,
    )


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
    n_problems = int(chunk.bad_line.size)
    with tempfile.TemporaryDirectory(prefix="simi-claims-") as tmp, \
            PersonStore(Path(tmp)) as store:
        store.group([_admissions(chunk, table)] if chunk.n else [])
        for block in conflict_items(store, table.group_names):
            items += [(r, why.replace(" on line ", " in row ")) for r, _, why in block]
            n_problems += len(block)
        if items:
            items.sort(key=lambda t: t[0])
            problems = [(f"row {r}", why) for r, why in items[:MAX_LISTED]]
            note = (f"in all {n_problems:,} problem(s), first {MAX_LISTED} listed"
                    if n_problems > MAX_LISTED else "")
            raise ClaimsError("claims", problems, note=note)
        settled = pa.Table.from_batches(
            [_settle(b, table, cents=False) for b in store.persons(SETTLE_ROWS)],
            schema=_settled_schema(False))
    result = settled.to_pandas()
    result.insert(1, "group", np.asarray(table.group_names, dtype=object)[
        result.pop("grp").to_numpy().astype(np.int64)])
    return result
