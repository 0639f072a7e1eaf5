"""Summarise a ``make fuzz`` log (pytest ``--hypothesis-show-statistics`` output): one line
per property with the examples run (passing / failing / invalid, all phases) and seconds,
then the totals and the failed tests.

    python tests/fuzz_report.py results/fuzz.log
"""

from __future__ import annotations

import re
import sys

_TEST = re.compile(r"^(tests/\S+::\S+?):?\s*$")
_COUNTS = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid")
_SECONDS = re.compile(r"phase \(([\d.]+) seconds\)")


def summarise(lines: list[str]) -> tuple[list[tuple[str, int, int, int, float]], list[str]]:
    """Per property ``(name, passing, failing, invalid, seconds)`` and the FAILED lines."""
    rows: dict[str, list] = {}
    current = None
    failed = []
    for line in lines:
        if line.startswith("FAILED "):
            failed.append(line.strip())
        m = _TEST.match(line)
        if m:
            current = rows.setdefault(m.group(1), [0, 0, 0, 0.0])
            continue
        if current is None:
            continue
        if (s := _SECONDS.search(line)):
            current[3] += float(s.group(1))
        if (c := _COUNTS.search(line)):
            for i in range(3):
                current[i] += int(c.group(i + 1))
    return [(name, *vals) for name, vals in rows.items()], failed


def main(path: str) -> int:
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = fh.readlines()
    rows, failed = summarise(lines)
    width = max((len(r[0]) for r in rows), default=8)
    print(f"{'property':<{width}}  passing  failing  invalid  seconds")
    for name, ok, bad, invalid, sec in rows:
        print(f"{name:<{width}}  {ok:7d}  {bad:7d}  {invalid:7d}  {sec:7.1f}")
    total = [sum(r[i] for r in rows) for i in (1, 2, 3, 4)]
    print(f"{'total (' + str(len(rows)) + ' properties)':<{width}}  {total[0]:7d}  "
          f"{total[1]:7d}  {total[2]:7d}  {total[3]:7.1f}")
    tail = [ln.strip() for ln in lines[-3:] if ln.strip()]
    print(tail[-1] if tail else "")
    for line in failed:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
