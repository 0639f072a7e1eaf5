"""A grid of scenarios: the cartesian product of ``--grid dotted.path=v1,v2,...`` values,
each point one scenario (the base with ``--set``-style overrides) simulated with the same
seed -- common random numbers, so differences between points are not Monte Carlo noise.

Every point is validated before anything runs. With a Dask executor, the batches of several
points are in flight at once; results go to ``OUT/pNNN/`` (the files of ``simi run``) and an
index ``OUT/index.csv`` (one row per point: its values and headline figures) written last.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from ..errors import ScenarioError, SimiInputError
from ..scenario.loader import load_scenario, scenario_hash

#: Points simulated concurrently on a Dask cluster (their batches share the cluster); one at a
#: time locally, where one point already uses every core. Assumption.
DASK_CONCURRENT_POINTS = 4

#: Headline columns of index.csv, from the last projection year of each point's summary.
INDEX_COLUMNS = [
    "simi_per_insured_mean", "loss_ratio_mean", "p_current_deficit",
    "p_accumulated_deficit", "p_accumulated_deficit_by_year", "simi_accumulated_balance_p50",
]


def split_values(text: str) -> list[str]:
    """Split on commas outside brackets and quotes, so YAML values such as
    ``{2021: 8000, 2024: 9000}`` or ``[1, 2]`` stay whole."""
    out, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur).strip())
    return out


def parse_grid(specs: list[str]) -> list[tuple[str, list[str]]]:
    """``["a.b=1,2", "c=x,y"]`` -> ``[("a.b", ["1", "2"]), ("c", ["x", "y"])]``; values stay
    YAML text (parsed like ``--set`` values). Bad specs raise :class:`SimiInputError`."""
    grid, problems = [], []
    for spec in specs:
        key, eq, values = spec.partition("=")
        key = key.strip()
        vals = split_values(values) if eq else []
        if not eq or not key:
            problems.append((spec, "expected dotted.path=v1,v2,..."))
        elif any(v == "" for v in vals):
            problems.append((key, f"empty value in {values!r}"))
        elif len(set(vals)) != len(vals):
            problems.append((key, f"repeated value in {values!r}"))
        elif key in (k for k, _ in grid):
            problems.append((key, "given twice: put all its values in one --grid"))
        else:
            grid.append((key, vals))
    if not specs:
        problems.append(("--grid", "at least one --grid dotted.path=v1,v2,... is required"))
    if problems:
        raise SimiInputError("--grid", problems)
    return grid


def grid_points(grid: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
    """The cartesian product, the first grid varying slowest."""
    keys = [k for k, _ in grid]
    return [dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(v for _, v in grid))]


def load_points(scenario_path, grid, overrides=()) -> list[tuple[dict, object]]:
    """(point, scenario) for every grid point; all problems of all points in one error."""
    points, problems = [], []
    for n, point in enumerate(grid_points(grid)):
        sets = [*overrides, *(f"{k}={v}" for k, v in point.items())]
        try:
            points.append((point, load_scenario(scenario_path, sets)))
        except ScenarioError as exc:
            where = ", ".join(f"{k}={v}" for k, v in point.items())
            problems += [(f"point {n} ({where}): {p}", m) for p, m in exc.problems]
    if problems:
        raise ScenarioError(str(scenario_path), problems)
    return points


def run_sweep(scenario_path, grid, out_dir, overrides=(), paths=None, seed=None,
              threads=None, batch_paths=None, executor=None, concurrent=None,
              progress=False, extra=None, engine: str = "micro",
              design=None) -> pd.DataFrame:
    """Simulate every grid point and write ``out_dir/pNNN/`` and ``out_dir/index.csv``.

    ``executor``: as for :func:`simi_actuarial.api.simulate` (``None``: local CPU).
    ``concurrent``: points in flight at once (default 1, or ``DASK_CONCURRENT_POINTS`` with
    a Dask executor). ``engine``/``design``: as for :func:`simi_actuarial.api.simulate`,
    the same at every point (each point builds its own proxy on the same seed; the manifest
    of each point records them). Returns the index table.
    """
    from ..api import simulate, write_results
    from ..io import write_csv
    from ..run_size import check_fits
    from .executor import DaskExecutor

    points = load_points(scenario_path, grid, overrides)
    out = Path(out_dir)
    if concurrent is None:
        concurrent = DASK_CONCURRENT_POINTS if isinstance(executor, DaskExecutor) else 1
    # all points' outputs must fit on disk, the points in flight in memory (largest point)
    largest = max((sc for _, sc in points),
                  key=lambda sc: sc.horizon.years * (paths or sc.simulation.paths))
    check_fits(largest, paths or largest.simulation.paths, batch_paths, out_dir=out,
               copies=len(points), concurrent=min(concurrent, len(points)))
    lock = threading.Lock()
    bar = None
    if progress:
        import sys

        from tqdm import tqdm

        per_point = paths or points[0][1].simulation.paths
        bar = tqdm(total=per_point * len(points), unit="path", desc="sweep", file=sys.stderr,
                   leave=False)

    def counted(model, seed_, plan):
        batches = executor(model, seed_, plan) if executor is not None else _local(model,
                                                                                  seed_, plan)
        for res in batches:
            if bar is not None:
                with lock:
                    bar.update(res.tallies.shape[0])
            yield res

    def one(n: int):
        point, scenario = points[n]
        result = simulate(scenario, paths, seed, threads, batch_paths, executor=counted,
                          engine=engine, design=design)
        rel = f"p{n:03d}"
        write_results(result, out / rel, extra={**(extra or {}), "sweep_point": point})
        last = result.summary.iloc[-1]
        row = {"point": n, "dir": rel, **point, "scenario": scenario.name,
               "scenario_hash": scenario_hash(scenario), "paths": result.n_paths,
               "seed": result.raw.seed, "engine": result.raw.engine,
               "year": int(last["year"])}
        row.update({c: last[c] for c in INDEX_COLUMNS if c in last.index})
        return row

    try:
        if concurrent <= 1:
            rows = [one(n) for n in range(len(points))]
        else:
            with ThreadPoolExecutor(max_workers=concurrent) as pool:
                rows = list(pool.map(one, range(len(points))))
    finally:
        if bar is not None:
            bar.close()
    index = pd.DataFrame(rows)
    write_csv(out / "index.csv", index)
    return index


def _local(model, seed, plan):
    from ..engine.simulate import run_batch

    for first, n in plan:
        yield run_batch(model, seed, first, n)
