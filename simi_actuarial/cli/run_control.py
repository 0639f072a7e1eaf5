"""State of a ``simi run``: a new run (``--out DIR``), a resumed one (``--resume DIR``) or a
verification (``--verify DIR``). Used by :mod:`simi_actuarial.cli.run`.

A new run first writes ``DIR/.checkpoint/meta.json`` and ``DIR/manifest.json`` with
``complete: false``; each finished batch goes to the checkpoint; when every output is written
the manifest is replaced by one with ``complete: true`` and the checkpoint is deleted.

The engine (``--engine``, with the proxy's design and ``--check-micro``) is part of the
checkpoint's identity: ``--resume`` continues with the recorded engine and design (given
options must agree with them) and ``--verify`` re-runs with those recorded in the manifest.
A run whose proxy failed ``--check-micro`` (see :mod:`.check_micro`) is left
``complete: false`` without a checkpoint: neither resumed nor verified.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..checkpoint import Checkpoint, CheckpointError, run_identity
from ..engine.simulate import batches, default_batch_paths
from ..errors import SimiInputError
from ..io import confined_path, write_json
from ..run_size import check_fits
from ..scenario.loader import load_scenario, scenario_from_json, scenario_hash
from .check_micro import CHECK_FILE, check_paths
from .common import engine_from_args

OUTPUT_FILES = ("summary.csv", "paths.parquet")
#: Files of an earlier run in DIR removed when a new run starts (also the workbook and the
#: report built from them: an unfinished or failed run must not show an old run's figures).
STALE_FILES = (*OUTPUT_FILES, CHECK_FILE, "results.xlsx", "report.html")


def add_run_control_options(parser) -> None:
    """``--out DIR | --resume DIR | --verify DIR`` (exactly one)."""
    g = parser.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", metavar="DIR", help="output directory (checkpointed as it runs)")
    g.add_argument("--resume", metavar="DIR",
                   help="continue the interrupted run in DIR (SCENARIO optional: the recorded "
                   "scenario is used); output identical to an uninterrupted run")
    g.add_argument("--verify", metavar="DIR",
                   help="re-run the complete run in DIR and confirm that its outputs are "
                   "identical (exit 1 with the differences when not)")
    parser.add_argument("--force", action="store_true",
                        help="with --out: replace a complete run already in DIR (refused "
                        "otherwise)")


def _refuse_complete_run(out: Path, force: bool) -> None:
    """A finished run in ``out`` is not overwritten without ``--force``."""
    import json

    manifest = out / "manifest.json"
    if force or not manifest.is_file():
        return
    try:
        complete = json.loads(manifest.read_text(encoding="utf-8")).get("complete") is True
    except (OSError, ValueError, AttributeError):
        return
    if complete:
        raise SimiInputError("simi run", [("--out", f"{out} holds a complete run: not "
                                           "overwritten (--force replaces it; --verify "
                                           "re-checks it)")])


def _utc() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class RunJob:
    """What ``simi run`` is about to compute, and where."""

    scenario: Any                   # Scenario (None when there is nothing to do)
    paths: int
    seed: int
    batch_paths: int
    out: Path
    mode: str                       # "new", "resume" or "verify"
    checkpoint: Checkpoint | None = None
    extra: dict = field(default_factory=dict)
    nothing_to_do: bool = False
    engine: str = "micro"
    design: Any = None              # ProxyDesign with engine "proxy"
    check_micro: int | None = None  # --check-micro paths

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_args(cls, args) -> RunJob:
        if args.resume is not None:
            return cls._resume(args)
        if args.verify is not None:
            return cls._verify(args)
        return cls._new(args)

    @classmethod
    def _new(cls, args) -> RunJob:
        from ..api import _require_financing, pending_manifest

        if args.scenario is None:
            raise SimiInputError("simi run", [("SCENARIO", "required with --out")])
        scenario = load_scenario(args.scenario, args.overrides)
        _require_financing(scenario)
        paths = scenario.simulation.paths if args.paths is None else args.paths
        seed = scenario.simulation.seed if args.seed is None else args.seed
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise SimiInputError("simi run", [("--out", f"{out} is a file, not a directory")])
        _refuse_complete_run(out, getattr(args, "force", False))
        engine, design = engine_from_args(args, command="simi run")
        bp = args.batch_paths or default_batch_paths(scenario, engine)
        check = check_paths(args.check_micro, engine)
        check_fits(scenario, paths, bp, out_dir=out)  # before anything is written
        identity = run_identity(scenario, scenario_hash(scenario), seed, paths,
                                batches(paths, bp), engine, design)
        started = _utc()
        extra = {"command": list(sys.argv), "overrides": list(args.overrides),
                 "started_utc": started}
        ckpt = Checkpoint.create(out, {**identity, "created_utc": started,
                                       "check_micro": check})
        if ckpt.reused:
            print(f"{out}: continuing an interrupted run of the same scenario, seed and paths "
                  f"({ckpt.reused} batch(es) already done)", file=sys.stderr)
        for name in STALE_FILES:  # an earlier run's are no longer valid
            confined_path(out, name).unlink(missing_ok=True)
        write_json(confined_path(out, "manifest.json"),
                   pending_manifest(scenario, paths, seed, extra, engine, design))
        return cls(scenario, paths, seed, bp, out, "new", ckpt, extra, engine=engine,
                   design=design, check_micro=check)

    @classmethod
    def _resume(cls, args) -> RunJob:
        out = Path(args.resume)
        recorded = _read_manifest(out, required=False)
        ckpt_missing = not confined_path(confined_path(out, ".checkpoint"), "meta.json").is_file()
        if recorded is not None and recorded.get("complete") is True and ckpt_missing:
            print(f"{out}: the run is complete; nothing to resume "
                  f"(check it with `simi run --verify {out}`)", file=sys.stderr)
            return cls(None, 0, 0, 0, out, "resume", None, {}, nothing_to_do=True)
        if recorded is not None and ckpt_missing and _failed_check(recorded):
            raise SimiInputError(str(out), [("manifest.json", (
                "the run's proxy failed its --check-micro: nothing to resume (the same "
                "design would fail again); start a new run with another design or "
                "--engine micro"))])
        ckpt = Checkpoint.open(out)
        meta = ckpt.meta
        scenario = _scenario(args, meta["scenario_resolved"], f"{ckpt.root}/meta.json")
        paths = meta["paths"] if args.paths is None else args.paths
        seed = meta["seed"] if args.seed is None else args.seed
        bp = args.batch_paths or (meta["plan"][0][1] if meta["plan"] else 1)
        engine, design = engine_from_args(
            args, {"engine": meta.get("engine", "micro"), "proxy": meta.get("proxy_design")},
            command="simi run --resume")
        ckpt.check(run_identity(scenario, scenario_hash(scenario), seed, paths,
                                batches(paths, bp), engine, design))
        check = check_paths(meta.get("check_micro") if args.check_micro is None
                            else args.check_micro, engine)
        extra = {"command": list(sys.argv),
                 "overrides": (recorded or {}).get("overrides", list(args.overrides)),
                 "started_utc": (recorded or {}).get("started_utc", meta.get("created_utc")),
                 "resumed_utc": _utc()}
        done = len(ckpt.done())
        print(f"resuming {out}: {done} of {len(meta['plan'])} batch(es) already done",
              file=sys.stderr)
        return cls(scenario, paths, seed, bp, out, "resume", ckpt, extra, engine=engine,
                   design=design, check_micro=check)

    @classmethod
    def _verify(cls, args) -> RunJob:
        out = Path(args.verify)
        recorded = _read_manifest(out, required=True)
        if recorded.get("complete") is not True and _failed_check(recorded):
            raise SimiInputError(str(out), [("manifest.json", (
                "the run's proxy failed its --check-micro: no results to verify"))])
        if recorded.get("complete") is not True:
            raise SimiInputError(str(out), [("manifest.json", (
                "the run is not complete (complete: false): resume it with "
                f"`simi run --resume {out}` first"))])
        for key in ("scenario_resolved", "seed", "paths", "scenario_hash"):
            if key not in recorded:
                raise SimiInputError(str(out), [(f"manifest.json:{key}", "missing")])
        scenario = _scenario(args, recorded["scenario_resolved"], f"{out}/manifest.json")
        for opt, key in (("paths", "paths"), ("seed", "seed")):
            given = getattr(args, opt)
            if given is not None and given != recorded[key]:
                raise SimiInputError("simi run --verify", [(f"--{opt}", (
                    f"{given} differs from the recorded {recorded[key]}; --verify re-runs "
                    "the recorded run (leave it out)"))])
        engine, design = _recorded_engine(args, recorded)
        check = (recorded.get("proxy_check") or {}).get("paths")
        if args.check_micro is not None and args.check_micro != check:
            raise SimiInputError("simi run --verify", [("--check-micro", (
                f"{args.check_micro} differs from the recorded {check}; --verify re-runs "
                "the recorded run and its check (leave it out)"))])
        bp = args.batch_paths or scenario.simulation.batch_paths
        return cls(scenario, int(recorded["paths"]), int(recorded["seed"]), bp, out, "verify",
                   None, {"recorded": recorded}, engine=engine, design=design,
                   check_micro=check)

    # -- after the simulation ------------------------------------------------------------
    def finish(self) -> None:
        """The outputs are written: drop the checkpoint and temporary files that a killed
        earlier attempt left behind (``.summary.csv.*.tmp`` ...)."""
        if self.checkpoint is not None:
            self.checkpoint.remove()
        for name in (*OUTPUT_FILES, "manifest.json"):
            for leftover in self.out.glob(f".{name}.*.tmp"):
                leftover.unlink(missing_ok=True)

    def interrupted(self) -> None:
        """Tell the user how to continue after Ctrl-C."""
        if self.checkpoint is not None:
            print(f"interrupted: {self.checkpoint.loaded + self.checkpoint.computed} "
                  f"batch(es) kept in {self.checkpoint.root}; continue with "
                  f"`simi run --resume {self.out}`", file=sys.stderr)

    def failed_check(self, check) -> None:
        """The proxy failed ``--check-micro``: record it in the (incomplete) manifest and
        drop the checkpoint (see :mod:`.check_micro`)."""
        from ..api import pending_manifest
        from .check_micro import record

        write_json(confined_path(self.out, "manifest.json"),
                   pending_manifest(self.scenario, self.paths, self.seed,
                                    {**self.extra, "proxy_check": record(check),
                                     "failed_utc": _utc()}, self.engine, self.design))
        self.finish()

    def verify(self, result, check=None) -> int:
        """Compare ``result`` (and the re-run ``check`` of a proxy run checked by
        ``--check-micro``) with the recorded outputs; 0 when identical, else 1."""
        from ..verify import verify_outputs

        recorded = self.extra["recorded"]
        diffs = verify_outputs(self.out, result, recorded, check)
        what = (f"{self.out}: scenario {recorded['scenario_hash'][:12]}, seed {self.seed}, "
                f"{self.paths} paths, {self.engine} engine; re-run on {result.raw.threads} "
                f"thread(s), batches of {self.batch_paths}")
        from ..api import pending_manifest

        now = pending_manifest(result.scenario, self.paths, self.seed)["versions"]
        changed = [f"{k} {v} (recorded {recorded.get('versions', {}).get(k)})"
                   for k, v in now.items() if recorded.get("versions", {}).get(k) != v]
        if changed:
            print(f"note: versions differ from the recorded run: {', '.join(changed)}",
                  file=sys.stderr)
        if diffs:
            print(f"NOT IDENTICAL: {what}", file=sys.stderr)
            for line in diffs:
                print(f"  {line}", file=sys.stderr)
            return 1
        files = (*OUTPUT_FILES, CHECK_FILE) if check is not None else OUTPUT_FILES
        print(f"verified: {', '.join(files)} identical to a re-run ({what})")
        return 0


def _failed_check(recorded: dict | None) -> bool:
    check = (recorded or {}).get("proxy_check")
    return isinstance(check, dict) and check.get("ok") is False


def _recorded_engine(args, recorded: dict | None):
    """``(engine, design)`` recorded in the manifest of ``--verify``; options that would
    change them are refused (``--verify`` re-runs the recorded run)."""
    recorded = recorded or {}
    rec = {"engine": recorded.get("engine", "micro"), "proxy": recorded.get("proxy")}
    engine, design = engine_from_args(args, rec, command="simi run --verify")
    kept = engine_from_args(None, rec, command="simi run --verify")
    if (engine, design) != kept:
        option = "--engine" if engine != kept[0] else "--proxy-*"
        raise SimiInputError("simi run --verify", [(option, (
            f"differs from the recorded {kept[0]} engine"
            + (f" and design {kept[1].as_dict()}" if kept[1] is not None else "")
            + "; --verify re-runs the recorded run (leave it out)"))])
    return engine, design


def _read_manifest(out: Path, required: bool) -> dict | None:
    path = confined_path(out, "manifest.json")
    if not path.is_file():
        if required:
            raise SimiInputError(str(out), [("manifest.json", "not found: not a run directory")])
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SimiInputError(str(path), [("", f"unreadable manifest: {exc}")]) from None
    if not isinstance(data, dict):
        raise SimiInputError(str(path), [("", "not a manifest (expected a JSON object)")])
    return data


def _scenario(args, resolved, source: str):
    """The scenario given on the command line, else the recorded (resolved) one."""
    if args.scenario is not None:
        return load_scenario(args.scenario, args.overrides)
    if args.overrides:
        raise SimiInputError("simi run", [("--set", "needs SCENARIO (the recorded scenario "
                                           "is used as it was run)")])
    return scenario_from_json(resolved, source)


__all__ = ["RunJob", "add_run_control_options", "CheckpointError"]
