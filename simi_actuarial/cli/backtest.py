"""``simi backtest [TARGETS...] --out DIR`` — every published figure against the calibrated
scenarios (kind ``calibration``) and rolling-origin out-of-sample predictions
(``out_of_sample``: refit on years up to t, predict t + 1);
writes ``DIR/backtest.csv``, ``DIR/backtest.md`` (the same table in Markdown) and
``DIR/backtest.png``."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import SimiInputError

DEFAULT_DIR = Path("scenarios/calibrated/targets")


def register(sub) -> None:
    p = sub.add_parser("backtest", help="model vs published figures, in and out of sample")
    p.add_argument("targets", metavar="TARGETS.yaml", nargs="*",
                   help=f"targets files (default: {DEFAULT_DIR}/*.yaml)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--threads", type=int, default=None, help="worker threads")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    import pandas as pd
    from tqdm import tqdm

    from ..calibration import backtest, read_targets
    from ..calibration.backtest import markdown_table, summary_text
    from ..io import write_csv, write_text
    from ..viz import backtest_errors, save_figure

    files = [Path(f) for f in args.targets] or sorted(DEFAULT_DIR.glob("*.yaml"))
    if not files:
        raise SimiInputError("simi backtest", [("TARGETS", f"no targets files given and none "
                                                f"in {DEFAULT_DIR}")])
    targets = [read_targets(f) for f in files]
    if args.threads is not None:
        import numba

        numba.set_num_threads(max(1, min(args.threads, numba.config.NUMBA_NUM_THREADS)))
    with tqdm(total=len(targets), unit="file", desc="backtest", file=sys.stderr, leave=False,
              disable=args.quiet) as bar:
        table = backtest(targets, progress=bar.update)
    out = Path(args.out)
    write_csv(out / "backtest.csv", table)
    write_text(out / "backtest.md", markdown_table(table))
    save_figure(backtest_errors(table), out / "backtest.png", dpi=120)
    with pd.option_context("display.width", 200, "display.max_rows", None,
                           "display.max_colwidth", 60):
        show = table[["scenario", "target", "observed", "model", "rel_error", "kind"]].copy()
        print(show.to_string(index=False, float_format=lambda v: f"{v:.5g}"))
    published = table[table["observed"].notna()]
    n_out = int((~published["within"]).sum())
    print(f"{len(published)} figures with a published value, {n_out} outside their tolerance "
          f"(see the conflicts in each targets file). Wrote {out / 'backtest.csv'} and "
          f"{out / 'backtest.png'}.")
    print(summary_text(table))
    return 0
