"""``simi reimburse`` on a generated claims extract: seconds and peak RSS in a fresh process.

    python -m benchmarks.reimburse_size [-n 10000000] [--scenario zhanjiang_2019.yaml]
        [--claims FILE] [--compare-with SRC_DIR] [--repeat 2]

Generates the extract with :mod:`benchmarks.gen_claims` (unless ``--claims`` names one),
then runs ``simi reimburse`` on it in a fresh Python process (so that the peak RSS is the
command's own, imported libraries included). ``--compare-with`` names another source tree
of the package (e.g. ``git archive <commit> | tar -x -C DIR``): the two are then run
alternately, ``--repeat`` times each, on the same extract, and the outputs are compared
byte for byte. Prints one JSON record as the last line of stdout.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Peak RSS is VmHWM, the high-water mark of this process image: ru_maxrss would also count
# the pages of the (large) parent that the child shared between fork and exec.
_SNIPPET = """
import json, sys, time
t0 = time.perf_counter()
from simi_actuarial.cli import main
rc = main(["reimburse", {scenario!r}, "--year", {year!r}, {claims!r}, "-o", {out!r}, "-q"])
seconds = time.perf_counter() - t0
hwm = [int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM")]
print(json.dumps({{"rc": rc, "seconds": seconds, "peak_rss_mb": hwm[0] / 1024}}))
"""


def run_once(src: Path, scenario: Path, year: int, claims: Path, out: Path) -> dict:
    """``simi reimburse`` of the package in ``src`` in a fresh process: its JSON record
    (seconds from interpreter start to exit of the command, imports included)."""
    code = _SNIPPET.format(scenario=str(scenario), year=str(year), claims=str(claims),
                           out=str(out))
    env = dict(os.environ, PYTHONPATH=str(src))
    proc = subprocess.run([sys.executable, "-c", code], cwd=src, env=env, check=False,
                          stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"simi reimburse ({src}) exited with {proc.returncode}")
    rec = json.loads(proc.stdout.strip().splitlines()[-1])
    rec["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    return rec


def measure(admissions: int, scenario: str = "zhanjiang_2019.yaml", claims: Path | None = None,
            compare_with: Path | None = None, repeat: int = 1) -> dict:
    """Seconds and peak RSS of ``simi reimburse`` on ``admissions`` generated admissions
    (best of ``repeat`` runs), optionally alternating with another source tree."""
    scen = ROOT / "scenarios" / scenario
    with tempfile.TemporaryDirectory(prefix="simi-reimburse-bench-") as d:
        d = Path(d)
        if claims is None:
            claims = d / "claims.csv"
            from benchmarks import gen_claims
            gen_claims.main([str(scen), "-n", str(admissions), "-o", str(claims)])
        from simi_actuarial.scenario.loader import load_scenario
        year = load_scenario(scen).years[0]
        trees = {"this": ROOT} | ({"compared": Path(compare_with)} if compare_with else {})
        runs: dict = {name: [] for name in trees}
        for k in range(repeat):
            for name, src in trees.items():
                runs[name].append(run_once(src, scen, year, claims, d / f"{name}.csv"))
                print(f"[reimburse] {name} run {k + 1}: {runs[name][-1]['seconds']:.1f} s, "
                      f"peak RSS {runs[name][-1]['peak_rss_mb']:.0f} MB", file=sys.stderr)
        out = {"admissions": admissions, "scenario": scenario, "year": year,
               "claims_mb": round(claims.stat().st_size / 1e6, 1), "runs": runs}
        for name, rs in runs.items():
            out[f"{name}_seconds"] = min(r["seconds"] for r in rs)
            out[f"{name}_peak_rss_mb"] = max(r["peak_rss_mb"] for r in rs)
        if compare_with:
            out["outputs_identical"] = filecmp.cmp(d / "this.csv", d / "compared.csv",
                                                   shallow=False)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", "--admissions", type=int, default=10_000_000)
    p.add_argument("--scenario", default="zhanjiang_2019.yaml")
    p.add_argument("--claims", type=Path, default=None, help="an existing extract to use")
    p.add_argument("--compare-with", type=Path, default=None, metavar="SRC_DIR")
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args(argv)
    rec = measure(args.admissions, args.scenario, args.claims, args.compare_with, args.repeat)
    print(json.dumps(rec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
