"""Load a scenario: YAML (+ ``extends:`` chain) + ``--set`` overrides -> :class:`Scenario`.

All problems are collected into one :class:`~simi_actuarial.errors.ScenarioError` whose
entries name the dotted path of the field and what was expected.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable

from pydantic import ValidationError

from ..errors import ScenarioError
from .base import CrossFieldError
from .overrides import apply_assignment, deep_merge, parse_assignment
from .schema import Scenario
from .yaml_io import load_yaml_file

MAX_EXTENDS_DEPTH = 16


def load_document(path: str | Path, _seen: tuple = ()) -> dict:
    """The merged raw document of ``path`` with its ``extends:`` chain resolved."""
    path = Path(path)
    resolved = path.resolve()
    if resolved in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, resolved))
        raise ScenarioError(str(path), [("extends", f"circular extends: {chain}")])
    if len(_seen) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(str(path), [("extends", "extends chain too deep")])
    data = load_yaml_file(path)
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ScenarioError(str(path), [("", f"a scenario must be a YAML mapping, got {kind}")])
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(str(path), [("extends", "must be the path of another scenario file")])
    base = load_document(path.parent / parent, (*_seen, resolved))
    return deep_merge(base, data)


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Load, merge and validate a scenario file.

    ``overrides`` are ``dotted.path=value`` strings (the CLI's ``--set``); values are parsed
    as YAML, so ``null``, numbers and lists work. Raises :class:`ScenarioError`.
    """
    data = load_document(path)
    for text in overrides:
        keys, value = parse_assignment(text)
        data = apply_assignment(data, keys, value)
    return scenario_from_dict(data, str(path))


def scenario_from_dict(data: dict, source: str = "<scenario>") -> Scenario:
    """Validate a raw scenario mapping; raises :class:`ScenarioError` naming each bad field."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, format_validation_errors(exc, data)) from None


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the canonical JSON form of the validated scenario."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def format_validation_errors(exc: ValidationError, data) -> list[tuple[str, str]]:
    """Turn pydantic errors into ``(dotted.path, message)`` pairs.

    Union members (a value or a year history) add type tags to pydantic's locations; they
    are dropped by walking the input alongside the location, and the alternatives' messages
    are merged per field.
    """
    by_path: dict[str, list[str]] = {}
    for err in exc.errors():
        cross = (err.get("ctx") or {}).get("error")
        if isinstance(cross, CrossFieldError):
            for p, m in cross.problems:
                by_path.setdefault(p, []).append(m)
            continue
        path, value, is_dict_branch = _clean_location(err["loc"], data)
        msg = _message(err)
        value_is_dict = isinstance(value, dict)
        # drop messages from the union branch that does not match the input's shape
        if is_dict_branch is not None and is_dict_branch != value_is_dict:
            by_path.setdefault(path, [])
            continue
        by_path.setdefault(path, []).append(msg)
    problems = []
    for path, msgs in by_path.items():
        if not msgs and any(p != path and p.startswith(path) and m for p, m in by_path.items()):
            continue  # the detailed problem is reported at a deeper path
        unique = list(dict.fromkeys(msgs)) or ["invalid value"]
        problems.append((path, " | or: ".join(unique[:3])))
    return problems


def _message(err) -> str:
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err["type"] == "extra_forbidden":
        return "unknown field (check the spelling; see the scenario format in README)"
    if err["type"] == "missing":
        return "required field is missing"
    inp = err.get("input")
    if err["type"] not in ("missing",) and not isinstance(inp, (dict, list)):
        msg = f"{msg} (got {inp!r})"
    return msg


def _clean_location(loc, data):
    """Strip union tags from a pydantic location; returns (path, value at path, branch)."""
    parts: list[str] = []
    node = data
    branch = None
    for item in loc:
        if isinstance(node, dict) and item in node:
            node = node[item]
            parts.append(str(item))
            branch = None
        elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
            node = node[item]
            parts.append(f"[{item}]")
            branch = None
        elif isinstance(item, str) and ("[" in item or item[:1].isupper() or item in _SCALARS):
            branch = item.startswith("dict[") or (item[:1].isupper() and "Spec" not in item)
            if item[:1].isupper():
                branch = None if "Spec" in item else branch
        else:
            parts.append(str(item))
            node = None
            branch = None
    path = ".".join(parts).replace(".[", "[")
    return path, node, branch


_SCALARS = {"float", "int", "str", "bool", "none", "nullable", "constrained-float"}
