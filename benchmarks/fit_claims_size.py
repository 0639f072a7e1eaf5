"""Time and peak memory of ``fit_claims`` on a synthetic extract of a chosen size.

    python -m benchmarks.fit_claims_size --insured 30000000 [--chunk-rows 250000] [--keep DIR]
    python -m benchmarks.fit_claims_size --keep DIR --reuse      # fit DIR's extract again

Draws a synthetic extract (``simi_actuarial.fitting.synthetic``; ~0.12 admissions per
insured, so 30 M insured give ~3.6 M rows), fits it in a fresh process and prints one JSON
line (rows, persons, seconds, rows/s, peak RSS of the fit), appended to
benchmarks/results/fit_claims_size.jsonl. Memory should grow neither with the rows nor
with the persons: one chunk of rows, plus DuckDB's bounded memory for the per-person
totals (``simi_actuarial.claims.store.MEMORY_LIMIT``; beyond it DuckDB spills to disk).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIT = """
import json, sys, time
from benchmarks.run_size import peak_rss_mb
from simi_actuarial.fitting.fit import fit_claims
from simi_actuarial.scenario.loader import load_scenario
sc = load_scenario(sys.argv[1])
t0 = time.perf_counter()
f = fit_claims(sc, sys.argv[2], sys.argv[3], 2022, chunk_rows=int(sys.argv[4]))
dt = time.perf_counter() - t0
print(json.dumps({"rows": f.stats.rows, "persons": int(f.stats.claimants.sum()),
                  "seconds": round(dt, 1), "rows_per_s": round(f.stats.rows / dt),
                  "peak_rss_mb": peak_rss_mb(), "chunk_rows": int(sys.argv[4])}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--insured", type=int, default=10_000_000)
    ap.add_argument("--chunk-rows", type=int, default=250_000)
    ap.add_argument("--scenario", default="scenarios/nanning_2022.yaml")
    ap.add_argument("--keep", default=None, help="directory for the extract (default: temp)")
    ap.add_argument("--reuse", action="store_true",
                    help="fit the extract already in --keep DIR instead of drawing one "
                         "(to compare versions of the code on the same file)")
    args = ap.parse_args()
    if args.reuse and not args.keep:
        ap.error("--reuse needs --keep DIR")
    from simi_actuarial.fitting.synthetic import Truth, write_extract

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(args.keep or tmp)
        d.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        if not args.reuse:
            write_extract(Truth(), args.insured, d / "claims.csv", d / "insured.csv",
                          groups={"general": 0.95, "poor": 0.05})
        gen = time.perf_counter() - t0
        out = subprocess.run([sys.executable, "-c", FIT, args.scenario, str(d / "claims.csv"),
                              str(d / "insured.csv"), str(args.chunk_rows)],
                             capture_output=True, text=True, check=True)
        rec = json.loads(out.stdout.strip().splitlines()[-1])
        rec.update(insured=None if args.reuse else args.insured,
                   generate_seconds=None if args.reuse else round(gen, 1),
                   file_mb=round((d / "claims.csv").stat().st_size / 1e6, 1))
    line = json.dumps(rec)
    print(line)
    res = Path(__file__).parent / "results" / "fit_claims_size.jsonl"
    res.parent.mkdir(exist_ok=True)
    with res.open("a") as fh:
        fh.write(line + "\n")


if __name__ == "__main__":
    main()
