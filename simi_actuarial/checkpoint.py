"""Checkpoints of finished path batches, so that an interrupted ``simi run`` can resume.

Layout, inside the run's output directory::

    DIR/.checkpoint/meta.json                 what the run is (written first)
    DIR/.checkpoint/batch_<first>_<n>.npz     tallies of paths first .. first+n-1

``meta.json`` records the checkpoint format, the scenario (resolved) and its SHA-256 hash,
the seed, the number of paths, the batch plan and the engine (with the proxy's design:
the proxy's tables are rebuilt on resume, deterministically from the scenario, seed and
design, so a batch evaluated from them before the interruption is the batch a resumed run
would compute). Every file is written atomically
(temporary file, fsync, rename), so a run killed at any instant (Ctrl-C, ``kill -9``, a
power cut after the data reached the disk) leaves only whole batches behind.

Random numbers are keyed by (seed, path, year, cell), never by batch, thread or executor:
a stored batch is bit-for-bit the batch a new run would compute, so a resumed run gives
exactly the outputs of an uninterrupted one. Resuming checks that the scenario hash, seed,
paths, batch plan, engine and proxy design are those of the checkpoint; any difference is
a :class:`CheckpointError` (exit 2) naming it. (A checkpoint written before engines were
recorded is a microsimulation's.)

Checkpointing wraps any batch executor (``executor(model, seed, plan)`` yielding
:class:`~simi_actuarial.engine.simulate.BatchResult` in any order): stored batches are
yielded from disk, the rest is handed to the executor and each result saved as it arrives.

Testing aid: the environment variable ``SIMI_TEST_BATCH_DELAY`` (seconds, default 0) makes
the wrapper sleep after saving each computed batch, so tests can interrupt a tiny run
reliably in the middle. It changes no result.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from .errors import SimiInputError
from .io import atomic_path, confined_path, write_json

FORMAT = 1
DIRNAME = ".checkpoint"
META = "meta.json"
DELAY_ENV = "SIMI_TEST_BATCH_DELAY"
ARRAYS = ("tallies", "hist", "cost_index", "utilisation")
CHECKED = ("format", "random_stream", "scenario_hash", "seed", "paths", "plan")
#: Checked too, with the value a checkpoint that lacks them had (written before the proxy;
#: before the tally layout was recorded, 2026-12-01, when the SIMI-paid episode tallies
#: replaced the beneficiaries' admission bands).
CHECKED_DEFAULTS = {"engine": "micro", "proxy_design": None,
                    "tally_layout": "28 tallies, beneficiaries' admission bands"}


class CheckpointError(SimiInputError):
    """A checkpoint is missing, unreadable or belongs to a different run (exit 2)."""


def checkpoint_dir(out_dir: str | Path) -> Path:
    """``DIR/.checkpoint``."""
    return confined_path(out_dir, DIRNAME)


def run_identity(scenario, scenario_hash: str, seed: int, paths: int,
                 plan: Iterable[tuple[int, int]], engine: str = "micro",
                 design=None) -> dict:
    """The fields that make two runs the same run (plus the resolved scenario); ``design``:
    the proxy's :class:`~simi_actuarial.engine.proxy.design.ProxyDesign` (``engine="proxy"``,
    default design when None)."""
    from .engine.proxy.design import ProxyDesign
    from .engine.rng import STREAM_VERSION
    from .engine.tallies import TALLY_NAMES

    if engine == "proxy":
        design = design or ProxyDesign()
    return {
        "engine": engine,
        "proxy_design": design.as_dict() if engine == "proxy" else None,
        "format": FORMAT,
        "random_stream": STREAM_VERSION,  # batches of another stream layout do not mix
        "tally_layout": list(TALLY_NAMES),  # nor do batches of another tally layout
        "scenario_hash": scenario_hash,
        "seed": int(seed),
        "paths": int(paths),
        "plan": [[int(s), int(n)] for s, n in plan],
        "scenario_resolved": scenario.model_dump(mode="json"),
    }


class Checkpoint:
    """The checkpoint directory of one run; create with :meth:`create` or :meth:`open`."""

    def __init__(self, root: Path, meta: dict):
        self.root = Path(root)
        self.meta = meta
        self.reused = 0     # finished batches found by create() (same run, interrupted)
        self.loaded = 0     # batches read back from disk by the last wrapped run
        self.computed = 0   # batches computed (and saved) by the last wrapped run

    # -- creation and checks -------------------------------------------------------------
    @classmethod
    def create(cls, out_dir: str | Path, meta: dict) -> Checkpoint:
        """Start a checkpoint for a new run in ``out_dir``.

        An unfinished run of the same scenario, seed, paths and batch plan is continued
        (its batches are exactly what this run would compute; :attr:`reused` says how many);
        one with no finished batch is replaced; the stored batches of a different run are
        never discarded: that is a :class:`CheckpointError` (resume it or delete it)."""
        root = checkpoint_dir(out_dir)
        if root.is_symlink():
            raise CheckpointError(str(root), [("", "is a symbolic link; refusing to use it")])
        if (root / META).exists():
            try:
                old = cls.open(out_dir)
            except CheckpointError:
                old = None
            done = old.done() if old is not None else list(root.glob("batch_*.npz"))
            if old is not None and done and not _differences(old.meta, meta):
                old.reused = len(done)
                return old
            if done:
                raise CheckpointError(str(out_dir), [(DIRNAME, (
                    f"holds an unfinished different run ({len(done)} batch(es) done): "
                    f"continue it with `simi run --resume {out_dir}`, or delete {root} "
                    "to start again"))])
        shutil.rmtree(root, ignore_errors=True)  # nothing usable (no finished batch)
        root.mkdir(parents=True)
        write_json(root / META, meta)
        return cls(root, meta)

    @classmethod
    def open(cls, out_dir: str | Path) -> Checkpoint:
        """The checkpoint of an interrupted run in ``out_dir``."""
        root = checkpoint_dir(out_dir)
        meta_path = root / META
        if root.is_symlink():
            raise CheckpointError(str(root), [("", "is a symbolic link; refusing to use it")])
        if not meta_path.is_file():
            raise CheckpointError(str(out_dir), [(DIRNAME, (
                "no checkpoint to resume (the run finished, or never started: "
                "run `simi run SCENARIO --out DIR`)"))])
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CheckpointError(str(meta_path), [("", f"unreadable checkpoint: {exc}")]) from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or not all(
                k in meta for k in (*CHECKED, "scenario_resolved")):
            raise CheckpointError(str(meta_path), [("format", (
                f"not a checkpoint of format {FORMAT} written by this version; "
                f"delete {root} and start again"))])
        return cls(root, meta)

    def check(self, identity: dict) -> None:
        """Raise :class:`CheckpointError` naming every field where ``identity`` (this run)
        differs from the checkpoint."""
        problems = []
        diffs = _differences(self.meta, identity)
        if any(k == "engine" for k, _h, _w in diffs):  # the design follows the engine
            diffs = [d for d in diffs if d[0] != "proxy_design"]
        for key, have, want in diffs:
            if key == "plan":
                msg = (f"checkpoint has {len(have or [])} batches of "
                       f"{(have or [[0, 0]])[0][1]} paths, this run "
                       f"{len(want or [])} of {(want or [[0, 0]])[0][1]} "
                       "(resume with the original --batch-paths)")
            elif key == "engine":
                msg = (f"checkpoint of the {have} engine, this run {want} (resume with "
                       f"--engine {have}, or start again in another directory)")
            elif key == "tally_layout":
                which = ("written before the tally layout was recorded"
                         if have == CHECKED_DEFAULTS["tally_layout"]
                         else "written by a version with another tally layout")
                msg = (f"checkpoint {which} (its batches cannot be combined with this "
                       f"version's); delete {self.root} and start again")
            elif key == "proxy_design":
                h, w = have or {}, want or {}
                changed = ", ".join(f"{k} {h.get(k)!r} (this run {w.get(k)!r})"
                                    for k in sorted({*h, *w}) if h.get(k) != w.get(k))
                msg = (f"checkpoint's proxy design has {changed}; resume with the original "
                       "--proxy-* options")
            else:
                msg = f"checkpoint has {have!r}, this run {want!r}"
            problems.append((key, msg))
        if problems:
            raise CheckpointError(f"{self.root} (resume)", problems)

    # -- batches ---------------------------------------------------------------------------
    def _batch_path(self, first: int, n: int) -> Path:
        return self.root / f"batch_{int(first):09d}_{int(n)}.npz"

    def done(self) -> list[tuple[int, int]]:
        """Batches of the plan stored on disk."""
        return [(s, n) for s, n in self.meta["plan"] if self._batch_path(s, n).is_file()]

    def save(self, res) -> None:
        """Store a :class:`BatchResult` atomically (and durably)."""
        n = int(res.tallies.shape[0])
        with atomic_path(self._batch_path(res.first_path, n)) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, **{name: np.asarray(getattr(res, name)) for name in ARRAYS})
                fh.flush()
                os.fsync(fh.fileno())

    def load(self, first: int, n: int, n_years: int):
        """The stored batch (a :class:`BatchResult`), or ``None`` when absent or damaged
        (a damaged file is deleted and the batch recomputed)."""
        from .engine.simulate import BatchResult

        path = self._batch_path(first, n)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {name: z[name] for name in ARRAYS}
        except Exception:  # noqa: BLE001 - any damage means: recompute
            path.unlink(missing_ok=True)
            return None
        if (arrays["tallies"].shape[:2] != (n, n_years)
                or arrays["cost_index"].shape != (n, n_years)
                or arrays["utilisation"].shape != (n, n_years)
                or arrays["hist"].ndim != 3 or arrays["hist"].shape[1] != n_years):
            path.unlink(missing_ok=True)
            return None
        return BatchResult(first_path=int(first), **arrays)

    def wrap(self, executor: Callable | None = None) -> Callable:
        """An executor that yields the stored batches, then runs the missing ones through
        ``executor`` (default: in this process), saving each as it arrives."""

        def run(model, seed, plan) -> Iterator:
            from .engine.simulate import run_batch

            plan = [(int(s), int(n)) for s, n in plan]
            if [list(p) for p in plan] != self.meta["plan"] or int(seed) != self.meta["seed"]:
                raise CheckpointError(str(self.root), [(
                    "plan", "the batch plan or seed of this run differs from the checkpoint")])
            delay = _test_delay()
            n_years = len(model.years)
            todo = []
            for first, n in plan:
                res = self.load(first, n, n_years)
                if res is None:
                    todo.append((first, n))
                else:
                    self.loaded += 1
                    yield res
            if not todo:
                return
            stream = (executor(model, seed, todo) if executor is not None
                      else (run_batch(model, seed, s, n) for s, n in todo))
            for res in stream:
                self.save(res)
                self.computed += 1
                yield res
                if delay:
                    time.sleep(delay)

        return run

    def remove(self) -> None:
        """Delete the checkpoint (after the outputs are written)."""
        shutil.rmtree(self.root, ignore_errors=True)


def _differences(meta: dict, identity: dict) -> list[tuple[str, object, object]]:
    """``(key, checkpoint's value, this run's)`` for every identity field that differs."""
    out = [(k, meta.get(k), identity.get(k)) for k in CHECKED]
    out += [(k, meta.get(k, d), identity.get(k, d)) for k, d in CHECKED_DEFAULTS.items()]
    return [(k, have, want) for k, have, want in out if have != want]


def _test_delay() -> float:
    text = os.environ.get(DELAY_ENV, "")
    try:
        return max(0.0, float(text)) if text else 0.0
    except ValueError:
        return 0.0
