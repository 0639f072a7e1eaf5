"""State of a ``simi run``: a new run (``--out DIR``), a resumed one (``--resume DIR``) or a
verification (``--verify DIR``). Used by :mod:`simi_actuarial.cli.run`.

A new run first writes ``DIR/.checkpoint/meta.json`` and ``DIR/manifest.json`` with
``complete: false``; each finished batch goes to the checkpoint; when every output is written
the manifest is replaced by one with ``complete: true`` and the checkpoint is deleted.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..checkpoint import Checkpoint, CheckpointError, run_identity
from ..engine.simulate import batches
from ..errors import SimiInputError
from ..io import confined_path, write_json
from ..run_size import check_fits
from ..scenario.loader import load_scenario, scenario_from_json, scenario_hash

OUTPUT_FILES = ("summary.csv", "paths.parquet")


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

    scenario: object
    paths: int
    seed: int
    batch_paths: int
    out: Path
    mode: str                       # "new", "resume" or "verify"
    checkpoint: Checkpoint | None = None
    extra: dict = field(default_factory=dict)
    nothing_to_do: bool = False

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
        bp = args.batch_paths or scenario.simulation.batch_paths
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise SimiInputError("simi run", [("--out", f"{out} is a file, not a directory")])
        _refuse_complete_run(out, getattr(args, "force", False))
        check_fits(scenario, paths, bp, out_dir=out)  # before anything is written
        identity = run_identity(scenario, scenario_hash(scenario), seed, paths,
                                batches(paths, bp))
        started = _utc()
        extra = {"command": list(sys.argv), "overrides": list(args.overrides),
                 "started_utc": started}
        ckpt = Checkpoint.create(out, {**identity, "created_utc": started})
        if ckpt.reused:
            print(f"{out}: continuing an interrupted run of the same scenario, seed and paths "
                  f"({ckpt.reused} batch(es) already done)", file=sys.stderr)
        for name in OUTPUT_FILES:  # outputs of an earlier run here are no longer valid
            confined_path(out, name).unlink(missing_ok=True)
        write_json(confined_path(out, "manifest.json"),
                   pending_manifest(scenario, paths, seed, extra))
        return cls(scenario, paths, seed, bp, out, "new", ckpt, extra)

    @classmethod
    def _resume(cls, args) -> RunJob:
        out = Path(args.resume)
        recorded = _read_manifest(out, required=False)
        ckpt_missing = not confined_path(confined_path(out, ".checkpoint"), "meta.json").is_file()
        if recorded is not None and recorded.get("complete") is True and ckpt_missing:
            print(f"{out}: the run is complete; nothing to resume "
                  f"(check it with `simi run --verify {out}`)", file=sys.stderr)
            return cls(None, 0, 0, 0, out, "resume", None, {}, nothing_to_do=True)
        ckpt = Checkpoint.open(out)
        meta = ckpt.meta
        scenario = _scenario(args, meta["scenario_resolved"], f"{ckpt.root}/meta.json")
        paths = meta["paths"] if args.paths is None else args.paths
        seed = meta["seed"] if args.seed is None else args.seed
        bp = args.batch_paths or (meta["plan"][0][1] if meta["plan"] else 1)
        ckpt.check(run_identity(scenario, scenario_hash(scenario), seed, paths,
                                batches(paths, bp)))
        extra = {"command": list(sys.argv),
                 "overrides": (recorded or {}).get("overrides", list(args.overrides)),
                 "started_utc": (recorded or {}).get("started_utc", meta.get("created_utc")),
                 "resumed_utc": _utc()}
        done = len(ckpt.done())
        print(f"resuming {out}: {done} of {len(meta['plan'])} batch(es) already done",
              file=sys.stderr)
        return cls(scenario, paths, seed, bp, out, "resume", ckpt, extra)

    @classmethod
    def _verify(cls, args) -> RunJob:
        out = Path(args.verify)
        recorded = _read_manifest(out, required=True)
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
        bp = args.batch_paths or scenario.simulation.batch_paths
        return cls(scenario, int(recorded["paths"]), int(recorded["seed"]), bp, out, "verify",
                   None, {"recorded": recorded})

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

    def verify(self, result) -> int:
        """Compare ``result`` with the recorded outputs; 0 when identical, else 1."""
        from ..verify import verify_outputs

        recorded = self.extra["recorded"]
        diffs = verify_outputs(self.out, result, recorded)
        what = (f"{self.out}: scenario {recorded['scenario_hash'][:12]}, seed {self.seed}, "
                f"{self.paths} paths; re-run on {result.raw.threads} thread(s), batches of "
                f"{self.batch_paths}")
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
        print(f"verified: {', '.join(OUTPUT_FILES)} identical to a re-run ({what})")
        return 0


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
