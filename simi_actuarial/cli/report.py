"""``simi report DIR`` — rebuild the HTML report of a finished run from its files."""

from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "report", help="write a self-contained HTML report of a finished run",
        description="Rebuild the HTML report of a finished `simi run --out DIR` from "
        "DIR/summary.csv, DIR/paths.parquet and DIR/manifest.json alone: scenario summary, "
        "resolved rules per year, tables, figures, Monte Carlo error statement, manifest. "
        "Figures are embedded, so the file stands alone.")
    p.add_argument("run_dir", metavar="DIR", help="output directory of simi run")
    p.add_argument("-o", "--out", metavar="FILE.html", default=None,
                   help="report file (default: DIR/report.html)")
    p.add_argument("--alpha", type=float, default=0.05,
                   help="risk tolerance of the headline required standard (default 0.05)")
    p.add_argument("--figures", metavar="FIGDIR", default=None,
                   help="also write each figure as a PNG file into FIGDIR")
    p.add_argument("--bootstrap", type=int, default=199,
                   help="bootstrap resamples for the required-financing CIs (default 199)")
    p.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="report language: en (default) or zh (Chinese; figures keep English "
                   "labels where no Chinese font is installed, and the report says so)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..report import build_report

    path = build_report(Path(args.run_dir), args.out, args.alpha, args.figures, args.bootstrap,
                        lang=args.lang)
    print(f"wrote {path}")
    return 0
