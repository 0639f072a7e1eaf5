"""The public Python API (mirrors the CLI)."""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path
from typing import Any

from .compare import Comparison
from .engine.proxy.design import ProxyDesign
from .engine.simulate import ENGINES, simulate_raw
from .io import confined_path, write_csv, write_json, write_parquet
from .numba_cache import ensure_fresh_package_cache
from .results import SimulationResult
from .scenario.loader import load_scenario, scenario_hash
from .scenario.schema import Scenario


def simulate(scenario: Scenario | str | Path, paths: int | None = None, seed: int | None = None,
             threads: int | None = None, batch_paths: int | None = None,
             progress: bool = False, executor=None, checkpoint=None,
             engine: str = "micro", design: ProxyDesign | None = None) -> SimulationResult:
    """Run the Monte Carlo projection of ``scenario`` (a :class:`Scenario` or a file path).

    ``paths``/``seed`` default to the scenario's ``simulation`` section. Results are
    identical for any ``threads`` and ``batch_paths``, and for any ``executor`` that runs
    the batches elsewhere (a Dask cluster, a GPU: see
    :func:`simi_actuarial.distributed.open_executor`). ``checkpoint``
    (a :class:`~simi_actuarial.checkpoint.Checkpoint`) stores finished batches and reuses
    stored ones, whichever executor computes the others.

    ``engine``: ``"micro"`` (default) simulates every claimant of every path;
    ``"proxy"`` first estimates each path-year's conditional moments by inner
    microsimulations on a cost-factor grid (``design``, default
    :class:`~simi_actuarial.engine.proxy.design.ProxyDesign`; deterministic given the
    scenario, seed and design), then draws every path from them (docs/performance.md).
    Check a proxy run with
    :func:`~simi_actuarial.engine.proxy_check.check_against_micro`. With ``progress`` a
    bar follows the proxy's inner simulations ("building proxy"), then the paths.
    """
    ensure_fresh_package_cache()  # before any compiled code loads (see numba_cache)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if design is not None and engine != "proxy":
        raise ValueError("a proxy design needs engine='proxy'")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    _require_financing(scenario)
    paths = scenario.simulation.paths if paths is None else int(paths)
    seed = scenario.simulation.seed if seed is None else int(seed)
    if paths < 1:
        raise ValueError("paths must be >= 1")
    # run size: refuse outputs that cannot fit in memory, print a time estimate over an hour
    from .interrupts import deferred
    from .run_size import check_fits, report_time

    check_fits(scenario, paths, batch_paths)
    with deferred():  # its calibration batch runs the kernel (see interrupts)
        report_time(scenario, paths, batch_paths, seed, engine=engine)
    bars = _Bars(scenario.name, paths, engine) if progress else None
    if checkpoint is not None:
        executor = checkpoint.wrap(executor)
    try:
        raw = simulate_raw(scenario, paths, seed, threads, batch_paths,
                           progress=bars.paths if bars is not None else None,
                           executor=executor, engine=engine, design=design,
                           build_progress=bars.build if bars is not None else None)
    finally:
        if bars is not None:
            bars.close()
    return SimulationResult(raw)


class _Bars:
    """Progress bars of :func:`simulate` on stderr: "building proxy" (percent of the inner
    simulations, proxy engine only), then the paths (created at the first finished batch)."""

    def __init__(self, name: str, paths: int, engine: str):
        from tqdm import tqdm

        from .numba_cache import kernel_cached

        if not kernel_cached():
            print("compiling the simulation kernel (numba; first run after an install or "
                  "upgrade, about 20-60 s)...", file=sys.stderr, flush=True)
        self._tqdm, self._name, self._paths = tqdm, name, paths
        self._build = (tqdm(total=100, unit="%", desc=f"building proxy ({name})",
                            file=sys.stderr, leave=False) if engine == "proxy" else None)
        self._bar: Any = None

    def build(self, fraction: float) -> None:
        n = min(100, int(round(100 * fraction)))
        if self._build is not None and n != self._build.n:
            self._build.update(n - self._build.n)

    def paths(self, n: int) -> None:
        if self._bar is None:
            self._close_build()
            self._bar = self._tqdm(total=self._paths, unit="path", desc=self._name,
                                   file=sys.stderr, leave=False)
        self._bar.update(n)

    def _close_build(self) -> None:
        if self._build is not None:
            self._build.close()
            self._build = None

    def close(self) -> None:
        self._close_build()
        if self._bar is not None:
            self._bar.close()


def compare(base: Scenario | str | Path, reform: Scenario | str | Path, paths: int | None = None,
            seed: int | None = None, threads: int | None = None,
            progress: bool = False, engine: str = "micro",
            design: ProxyDesign | None = None) -> Comparison:
    """Simulate ``base`` and ``reform`` on common random numbers and pair the results
    (both must cover the same years: refused before anything is simulated otherwise).

    ``engine``/``design``: as for :func:`simulate`, the same for both; with the proxy the
    inner simulations share the seed too, so they run on common random numbers as well."""
    from .errors import ScenarioError

    base = base if isinstance(base, Scenario) else load_scenario(base)
    reform = reform if isinstance(reform, Scenario) else load_scenario(reform)
    if list(base.years) != list(reform.years):
        span = lambda sc: f"{sc.years[0]}-{sc.years[-1]}"  # noqa: E731
        raise ScenarioError(reform.name, [("horizon", (
            f"the reform covers {span(reform)}, the base {span(base)}: paired differences "
            "need the same years (set horizon.start_year and horizon.years alike)"))])
    b = simulate(base, paths, seed, threads, progress=progress, engine=engine, design=design)
    r = simulate(reform, b.n_paths, b.raw.seed, threads, progress=progress, engine=engine,
                 design=design)
    return Comparison(base=b, reform=r)


def _require_financing(scenario: Scenario) -> None:
    from .errors import ScenarioError

    if scenario.financing is None:
        raise ScenarioError(scenario.name, [(
            "financing", "required to project the fund (financing.simi_per_capita)")])


def manifest(result: SimulationResult, extra: dict | None = None) -> dict:
    """Provenance of a run: scenario hash, seed, engine (with the proxy's design, grid and
    inner sample sizes, :meth:`~simi_actuarial.engine.proxy.moments.ProxyTables.manifest`),
    versions, timings."""
    raw = result.raw
    return {
        **pending_manifest(result.scenario, result.n_paths, raw.seed, engine=raw.engine,
                           design=raw.proxy.design if raw.proxy is not None else None),
        **({"proxy": raw.proxy.manifest()} if raw.proxy is not None else {}),
        "threads": result.raw.threads,
        "seconds_simulation": round(result.raw.seconds, 3),
        "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "complete": True,
        **(extra or {}),
    }


def pending_manifest(scenario: Scenario, paths: int, seed: int, extra: dict | None = None,
                     engine: str = "micro", design: ProxyDesign | None = None) -> dict:
    """The manifest of a run that has not finished (``complete: false``): written first,
    replaced by :func:`manifest` when every output is written. ``engine`` is recorded, and
    for the proxy its ``design`` (``"proxy"``: the design's fields; the finished run adds
    the grid and inner sample sizes)."""
    import numba
    import numpy
    import pandas
    import pyarrow

    from .engine.rng import STREAM_VERSION
    from .version import __version__

    return {
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "scenario_resolved": scenario.model_dump(mode="json"),
        "seed": int(seed),
        "paths": int(paths),
        "years": [int(y) for y in scenario.years],
        "engine": engine,
        **({"proxy": (design or ProxyDesign()).as_dict()} if engine == "proxy" else {}),
        "versions": {
            "simi_actuarial": __version__, "python": platform.python_version(),
            "numpy": numpy.__version__, "numba": numba.__version__,
            "pandas": pandas.__version__, "pyarrow": pyarrow.__version__,
            "random_stream": STREAM_VERSION,
        },
        "platform": platform.platform(),
        "complete": False,
        **(extra or {}),
    }


def write_results(result: SimulationResult, out_dir: str | Path, extra: dict | None = None) -> Path:
    """Write ``summary.csv``, ``paths.parquet`` and (last) ``manifest.json`` to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(confined_path(out, "summary.csv"), result.summary)
    write_parquet(confined_path(out, "paths.parquet"), result.paths)
    write_json(confined_path(out, "manifest.json"), manifest(result, extra))
    return out
