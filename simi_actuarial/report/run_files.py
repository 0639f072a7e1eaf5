"""A finished run read back from its files (``summary.csv``, ``paths.parquet``,
``manifest.json``), with the attributes the solver needs (``years``, ``insured``,
``n_paths``, ``tally``, ``scenario``), so reports and required-financing tables are rebuilt
from the files alone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SimiInputError
from ..scenario.loader import scenario_from_json, scenario_hash
from ..scenario.schema import Scenario

FILES = ("summary.csv", "paths.parquet", "manifest.json")


@dataclass
class RunFiles:
    """The tables and manifest of a finished ``simi run``."""

    directory: Path
    summary: pd.DataFrame
    paths: pd.DataFrame
    manifest: dict

    @classmethod
    def load(cls, directory: str | Path) -> RunFiles:
        """Read and check a run directory. Raises :class:`SimiInputError` (exit 2) naming
        the file and the problem: missing files, an unfinished run, a manifest whose scenario
        does not match its hash, or tables that disagree with the manifest."""
        d = Path(directory)
        src = str(d)
        if not d.is_dir():
            raise SimiInputError(src, [("", "not a directory (expected the --out of simi run)")])
        missing = [f for f in FILES if not (d / f).is_file()]
        if missing:
            raise SimiInputError(src, [(f, "missing: not a finished simi run directory")
                                       for f in missing])
        try:
            manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SimiInputError(src, [("manifest.json", f"unreadable: {exc}")]) from None
        problems = []
        if not isinstance(manifest, dict) or manifest.get("complete") is not True:
            raise SimiInputError(src, [("manifest.json", "the run is not complete")])
        for key in ("scenario_resolved", "scenario_hash", "seed", "paths", "years"):
            if key not in manifest:
                problems.append((f"manifest.json:{key}", "missing"))
        if problems:
            raise SimiInputError(src, problems)
        try:
            summary = pd.read_csv(d / "summary.csv")
            paths = pd.read_parquet(d / "paths.parquet")
        except Exception as exc:  # pandas/pyarrow raise many types for corrupt files
            raise SimiInputError(src, [("summary.csv/paths.parquet", f"unreadable: {exc}")]) from None
        years = [int(y) for y in manifest["years"]]
        if summary.get("year") is None or summary["year"].tolist() != years:
            problems.append(("summary.csv", "its years do not match the manifest"))
        if "path" not in paths.columns or "year" not in paths.columns:
            problems.append(("paths.parquet", "no path/year columns"))
        elif len(paths) != int(manifest["paths"]) * len(years):
            problems.append(("paths.parquet", f"{len(paths)} rows; the manifest says "
                             f"{manifest['paths']} paths x {len(years)} years"))
        if problems:
            raise SimiInputError(src, problems)
        run = cls(directory=d, summary=summary, paths=paths.sort_values(["path", "year"],
                                                                        ignore_index=True),
                  manifest=manifest)
        if scenario_hash(run.scenario) != manifest["scenario_hash"]:
            raise SimiInputError(src, [("manifest.json:scenario_hash",
                                        "does not match the resolved scenario (edited file?)")])
        return run

    @cached_property
    def scenario(self) -> Scenario:
        return scenario_from_json(self.manifest["scenario_resolved"],
                                  f"{self.directory / 'manifest.json'}")

    @property
    def years(self) -> np.ndarray:
        return self.summary["year"].to_numpy(dtype=np.int64)

    @property
    def insured(self) -> np.ndarray:
        return self.summary["insured"].to_numpy(dtype=float)

    @property
    def n_paths(self) -> int:
        return int(self.manifest["paths"])

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    def estimation_sd(self, name: str) -> np.ndarray | None:
        """(P, Y) sd of a proxy run's estimated mean of ``name`` (``<name>_proxy_sd`` in
        ``paths.parquet``); None for a microsimulation run."""
        col = f"{name}_proxy_sd"
        return self.tally(col) if col in self.paths.columns else None

    def tally(self, name: str) -> np.ndarray:
        """(P, Y) array of one column of ``paths.parquet``."""
        if name not in self.paths.columns:
            raise KeyError(f"paths.parquet has no column {name!r}")
        return self.paths[name].to_numpy(dtype=float).reshape(self.n_paths, len(self.years))
