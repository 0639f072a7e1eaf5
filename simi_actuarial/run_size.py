"""What a run will need, estimated before its first batch: memory and disk for its outputs
(refused when they cannot fit) and time (printed when over an hour).

A run keeps every path-year: memory and disk grow as ``paths x years``, whatever the
population; time grows as ``paths x years x insured``.

* Memory (bytes) = ``paths x years x 8 x MEMORY_COLUMNS`` + the batches in flight, where
  ``MEMORY_COLUMNS`` = the raw tallies with the cost and utilisation factors (kept for the
  whole run), the fund arrays, and the ``paths.parquet`` table twice (pandas frame and its
  Arrow copy while writing), plus :data:`SUMMARY_TEMPORARIES` temporaries of the summary.
  Measured peak resident memory above the idle process stays below this figure (see
  docs/reliability.md).
* Disk (bytes) = ``paths x years x 8 x`` (the ``paths.parquet`` columns, written
  uncompressed as an upper bound, + the checkpoint's stored batches, which exist until the
  outputs are written) per output directory.
* Time = ``paths x years x insured`` / the rate of a short calibration (a few paths of the
  same scenario on this machine's CPU), done only when the run may take more than a few
  minutes (:data:`CALIBRATE_ABOVE` insured person-years). A GPU or a cluster is faster than
  the estimate. A microsimulation estimated above :data:`SUGGEST_PROXY_ABOVE_S` suggests
  the proxy engine.
* The proxy engine (``engine="proxy"``) is not estimated: its time is the build of its
  tables (inner claimants per grid point x grid points x years, about the same for any
  number of paths, and followed by its own progress bar) plus an evaluation of the paths
  that is thousands of times cheaper than their microsimulation; a calibration batch of
  the microsimulation would say nothing about either.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .engine.tallies import N_TALLIES
from .errors import SimiInputError
from .fund.accounting import NOT_PATH_COLUMNS, FundPaths

FLOAT = 8
#: Per path-year arrays kept for the whole run: tallies, cost index, utilisation factor.
RAW_COLUMNS = N_TALLIES + 2
#: Columns of ``paths.parquet``: path, year, the tallies, the fund arrays, the two factors.
FRAME_COLUMNS = 2 + N_TALLIES + len(dataclasses.fields(FundPaths)) - len(NOT_PATH_COLUMNS) + 2
#: (P, Y) temporaries alive at once while the summary is computed (ratios, quantile sorts),
#: with a margin: with 8, the estimate was only 5 % above the measured peak (docs/reliability.md).
SUMMARY_TEMPORARIES = 24
MEMORY_COLUMNS = (RAW_COLUMNS + len(dataclasses.fields(FundPaths)) + 2 * FRAME_COLUMNS
                  + SUMMARY_TEMPORARIES)
DISK_COLUMNS = FRAME_COLUMNS + RAW_COLUMNS
#: Cells (single age x sex x group) per batch path-year held by the count draws: 101 ages
#: x 2 sexes x groups, ~6 float64 arrays (probabilities and the three counts).
BATCH_ARRAYS = 6
#: Fraction of the available memory / free disk a run may plan to use.
HEADROOM = 0.8
#: Insured person-years above which the time is calibrated: 11 minutes at the 1.5e7
#: person-years/s measured for the default scenario on 2 busy cores, 100 s at the ~1e8 of
#: an unloaded machine; a smaller run cannot plausibly take an hour. The calibration costs
#: one batch (16 paths by default) and the compile of the kernel.
CALIBRATE_ABOVE = 1e10
#: Runs estimated above this many seconds print their estimate first.
REPORT_ABOVE_S = 3600.0
#: Microsimulations estimated above this many seconds suggest ``--engine proxy``.
SUGGEST_PROXY_ABOVE_S = 600.0


@dataclass(frozen=True)
class RunSize:
    """Estimated needs of a run (bytes, seconds or None when not calibrated)."""

    paths: int
    years: int
    memory: float
    disk: float
    person_years: float
    seconds: float | None = None


def estimate(scenario, paths: int, batch_paths: int | None = None, copies: int = 1,
             concurrent: int = 1) -> RunSize:
    """Memory and disk needs of ``copies`` runs of ``paths`` paths (``concurrent`` of them
    in memory at once), from the formulas in the module docstring."""
    years = int(scenario.horizon.years)
    py = float(paths) * years
    bp = min(int(batch_paths or scenario.simulation.batch_paths), int(paths))
    cells = 101 * 2 * len(scenario.groups)
    batch = float(bp) * years * cells * BATCH_ARRAYS * FLOAT
    memory = concurrent * (py * MEMORY_COLUMNS * FLOAT + batch)
    disk = copies * py * DISK_COLUMNS * FLOAT
    return RunSize(paths=int(paths), years=years, memory=memory, disk=disk,
                   person_years=py * float(scenario.population.insured) * copies)


def available_memory() -> float:
    """Bytes of memory available to a new allocation: ``MemAvailable`` of /proc/meminfo
    (else free physical pages), and at most what a cgroup v2 limit (a container's
    ``memory.max``) leaves."""
    host = float("inf")
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    host = float(line.split()[1]) * 1024
    except OSError:
        try:
            host = float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
            pass
    return min(host, _cgroup_headroom())


def _cgroup_headroom(root: str = "/sys/fs/cgroup") -> float:
    """``memory.max - memory.current`` of this process's cgroup v2 (inf when unlimited or
    not available)."""
    try:
        limit = Path(root, "memory.max").read_text().strip()
        used = float(Path(root, "memory.current").read_text().strip())
    except (OSError, ValueError):
        return float("inf")
    return float("inf") if limit == "max" else max(0.0, float(limit) - used)


def free_disk(path: str | Path) -> float:
    """Free bytes on the file system that holds ``path`` (or its nearest existing parent)."""
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return float(shutil.disk_usage(p).free)


def human(n: float) -> str:
    """``1.2 GB`` style (decimal units)."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:,.1f} {unit}" if unit != "B" else f"{n:,.0f} B"
        n /= 1000
    return f"{n:,.1f} EB"  # pragma: no cover


def check_fits(scenario, paths: int, batch_paths: int | None = None, out_dir=None,
               copies: int = 1, concurrent: int = 1, field: str = "--paths") -> RunSize:
    """Refuse (:class:`SimiInputError`, exit 2 in the CLI) a run whose outputs cannot fit
    in the available memory, or on the disk of ``out_dir`` (when given), with the estimate
    and the largest number of paths that fits. Returns the estimate."""
    size = estimate(scenario, paths, batch_paths, copies, concurrent)
    limits = [("memory", size.memory, HEADROOM * available_memory(), "available")]
    if out_dir is not None:
        limits.append(("disk", size.disk, HEADROOM * free_disk(out_dir), f"free at {out_dir}"))
    problems = []
    for what, need, have, where in limits:
        if need > have:
            fit = int(paths * have / need) if need > 0 else 0
            problems.append((field, (
                f"{paths:,} paths x {size.years} years need about {human(need)} of {what} "
                f"for the outputs ({human(have / HEADROOM)} {where}); at most about "
                f"{fit:,} paths fit")))
    if problems:
        raise SimiInputError("run size", problems)
    return size


def estimate_seconds(scenario, paths: int, batch_paths: int | None = None,
                     seed: int = 0, engine: str = "micro") -> float | None:
    """Seconds a CPU run of ``paths`` paths should take here, from the rate of a short
    calibration on the same scenario and batch size (batches of ``batch_paths`` paths, as
    the run, timed until 0.2 s or 8 batches); None when the run is too small to matter,
    and for the proxy engine (not estimated: module docstring)."""
    person_years = float(paths) * scenario.horizon.years * scenario.population.insured
    if engine != "micro" or person_years <= CALIBRATE_ABOVE:
        return None
    from .engine.model import resolve_model
    from .engine.simulate import run_batch

    bp = max(1, min(int(batch_paths or scenario.simulation.batch_paths), int(paths)))
    model = resolve_model(scenario)
    run_batch(model, seed, 0, 1)  # compile or load the kernel, touch the caches
    done, t0 = 0, time.perf_counter()
    while done < 8 * bp and (done == 0 or time.perf_counter() - t0 < 0.2):
        run_batch(model, seed, done, bp)
        done += bp
    return (time.perf_counter() - t0) / done * paths


def report_time(scenario, paths: int, batch_paths: int | None = None, seed: int = 0,
                stream=None, engine: str = "micro") -> float | None:
    """Print the time estimate to ``stream`` (stderr) when it is above an hour, and a
    suggestion of the proxy engine for a microsimulation above ten minutes."""
    seconds = estimate_seconds(scenario, paths, batch_paths, seed, engine)
    if seconds is None:
        return None
    proxy = ("The proxy engine (`--engine proxy`; check it with `--check-micro N`) is much "
             "faster for many paths: see docs/performance.md.")
    if seconds > REPORT_ABOVE_S:
        text = (f"note: {paths:,} paths of {scenario.name} are estimated to take about "
                f"{seconds / 3600:,.1f} hours on this machine's CPU (calibrated on a few "
                "batches; a GPU or cluster is faster). A run with --out can be interrupted "
                f"with Ctrl-C and continued with `simi run --resume DIR`. {proxy}")
    elif seconds > SUGGEST_PROXY_ABOVE_S:
        text = (f"note: {paths:,} paths of {scenario.name} are estimated to take about "
                f"{seconds / 60:,.0f} minutes on this machine's CPU. {proxy}")
    else:
        return seconds
    print(text, file=stream or sys.stderr, flush=True)
    return seconds
