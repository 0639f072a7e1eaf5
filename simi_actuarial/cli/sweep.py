"""``simi sweep SCENARIO --grid dotted.path=v1,v2,... --out DIR`` -- a grid of scenarios
(cartesian product), locally or on a Dask cluster; one result directory per point plus an
index."""

from __future__ import annotations

import sys

from .common import (
    add_engine_options,
    add_mc_options,
    add_scale_options,
    add_set_option,
    engine_from_args,
    format_table,
    open_executor_from_args,
)


def register(sub) -> None:
    p = sub.add_parser(
        "sweep", help="simulate a grid of scenario variants (common random numbers)",
        description="Simulates every combination of the --grid values (each value is YAML, "
        "applied like --set) with the same seed, and writes DIR/pNNN/ (the files of simi run) "
        "per point and DIR/index.csv.")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--grid", action="append", default=[], metavar="PATH=V1,V2,...",
                   help="a field and its values, e.g. --grid financing.simi_per_capita=90,100,110 "
                   "(repeatable: the grid is the cartesian product; commas inside [] or {} "
                   "do not split)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    add_mc_options(p)
    add_set_option(p)
    add_engine_options(p)
    add_scale_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..distributed.sweep import INDEX_COLUMNS, parse_grid, run_sweep

    engine, design = engine_from_args(args, command="simi sweep")
    grid = parse_grid(args.grid)
    with open_executor_from_args(args) as (executor, where):
        index = run_sweep(
            args.scenario, grid, args.out, overrides=args.overrides, paths=args.paths,
            seed=args.seed, threads=args.threads, batch_paths=args.batch_paths,
            executor=executor, progress=not args.quiet, engine=engine, design=design,
            extra={"command": sys.argv, "overrides": args.overrides, "execution": where})
    keys = [k for k, _ in grid]
    cols = [("dir", "dir", "s"), *((k, k, "s") for k in keys)]
    cols += [(c, c, ".4g") for c in INDEX_COLUMNS if c in index.columns]
    print(f"{len(index)} points, {int(index['paths'].iloc[0])} paths each, seed "
          f"{int(index['seed'].iloc[0])}; last year {int(index['year'].iloc[0])}:")
    print(format_table(index.astype({k: str for k in keys}), cols))
    print(f"Index: {args.out}/index.csv")
    return 0
