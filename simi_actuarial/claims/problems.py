"""What is wrong with a claims file: bad rows, persons with conflicting groups, and the
``OUT.rejected.csv`` file of ``simi reimburse --skip-bad-rows``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ClaimsError
from ..rules.arrays import RuleTable
from .reader import REQUIRED_COLUMNS, ClaimsChunk, ClaimsReader
from .store import PersonStore

REJECTED_COLUMNS = ("line", *REQUIRED_COLUMNS, "reason")
MAX_LISTED = 20            # bad rows / conflicts listed in the error


@dataclass
class BadRowLog:
    """Keeps the first ``keep`` bad rows (by line) and counts all of them."""

    keep: int = 20
    count: int = 0
    first: list = field(default_factory=list)

    def add(self, lines: np.ndarray, reasons: list) -> None:
        """Record bad rows; ``reasons`` describe the first ``len(reasons)`` of them."""
        self.count += int(len(lines))
        for ln, why in zip(lines[: len(reasons)].tolist(), reasons, strict=True):
            self.first.append((int(ln), why))
        if len(self.first) > self.keep:
            self.first.sort(key=lambda t: t[0])
            del self.first[self.keep:]

    def problems(self) -> list[tuple[str, str]]:
        """``(f"line {n}", reason)`` pairs for :class:`ClaimsError`, first ``keep`` by line."""
        return [(f"line {ln}", why) for ln, why in sorted(self.first)[: self.keep]]


@dataclass
class Conflicts:
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


def conflict_items(store: PersonStore, groups: tuple[str, ...]) -> Iterator[list]:
    """Blocks of ``(line, person_id, reason)`` per person with several groups; ``line`` is
    where the second group first shows."""
    block = []
    for pid, seen in store.conflicts():
        parts = [f"{groups[g]} (first on line {first}, {n} admission{'s' if n > 1 else ''})"
                 for g, first, n in seen]
        block.append((seen[1][1], pid, f"person_id {pid!r} appears in more than one group: "
                      + ", ".join(parts)))
        if len(block) >= 10_000:
            yield block
            block = []
    yield block


class RejectedOut:
    """``OUT.rejected.csv``: line, the required fields as read, reason."""

    def __init__(self, path: Path):
        self.fh = open(path, "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.fh, lineterminator="\n")
        self.writer.writerow(REJECTED_COLUMNS)
        self.rows = 0

    def __enter__(self) -> RejectedOut:
        return self

    def __exit__(self, *exc) -> None:
        self.fh.close()

    def write_bad(self, chunk: ClaimsChunk) -> None:
        for ln, fields, why in zip(chunk.bad_line.tolist(), chunk.bad_fields,
                                   chunk.bad_reason, strict=True):
            self.writer.writerow((ln, *fields, why))
        self.rows += len(chunk.bad_fields)

    def write_conflicting(self, chunk: ClaimsChunk, sel: np.ndarray, reasons: list[str],
                          table: RuleTable) -> None:
        pids = chunk.person_id.take(pa.array(sel)).to_pylist()
        for k, i in enumerate(sel.tolist()):
            self.writer.writerow((
                int(chunk.line[i]), pids[k], table.group_names[chunk.group[i]],
                table.level_names[chunk.level[i]], repr(float(chunk.total_cost[i])),
                repr(float(chunk.in_scope_cost[i])), reasons[k]))
        self.rows += len(sel)


def reject_conflicting(claims_path: Path, table: RuleTable, chunk_rows: int,
                        ids: dict, rejected: RejectedOut) -> None:
    """Second pass over the file: every valid row of a person with conflicting groups."""
    value_set = pa.array(list(ids), type=pa.large_string())
    reader = ClaimsReader(claims_path, table.group_names, table.level_names, chunk_rows)
    for chunk in reader.chunks(reason_limit=0):
        if not chunk.n:
            continue
        sel = np.flatnonzero(pc.is_in(chunk.person_id, value_set=value_set)
                             .to_numpy(zero_copy_only=False))
        if sel.size:
            pids = chunk.person_id.take(pa.array(sel)).to_pylist()
            rejected.write_conflicting(
                chunk, sel, [ids[p] + "; all its admissions are rejected" for p in pids], table)


# --------------------------------------------------------------------------- API


def failure(source: str, bad: BadRowLog, conflicts: Conflicts, skip_hint: Path) -> ClaimsError:
    """The error for bad rows and conflicting groups: the first :data:`MAX_LISTED` by line,
    and the counts."""
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
    return ClaimsError(source, problems,
                       note=f"in all {' and '.join(parts)} ({listed}); nothing was written. "
                       f"--skip-bad-rows writes the good rows and every bad one to {skip_hint}")
