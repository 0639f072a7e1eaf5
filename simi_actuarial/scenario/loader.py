"""Load a scenario: YAML (+ ``extends:`` chain) + ``--set`` overrides -> :class:`Scenario`.

All problems are collected into one :class:`~simi_actuarial.errors.ScenarioError` whose
entries name the dotted path of the field and what was expected.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from ..errors import ScenarioError
from .base import CrossFieldError, is_history
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


def scenario_from_json(data, source: str = "<scenario>") -> Scenario:
    """A scenario recorded as JSON (``manifest.json``'s ``scenario_resolved``) read back.

    JSON turns the year keys of value histories into strings; pydantic's JSON mode reads
    them back as years, so ``scenario_from_json(json.loads(json.dumps(s.model_dump(
    mode="json")))) == s``. Raises :class:`ScenarioError` when it cannot be read back.
    """
    try:
        return Scenario.model_validate_json(json.dumps(data))
    except (ValidationError, TypeError, ValueError) as exc:
        raise ScenarioError(source, [("scenario_resolved", f"cannot be read back: {exc}")]) \
            from None


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the canonical JSON form of the validated scenario."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def format_validation_errors(exc: ValidationError, data) -> list[tuple[str, str]]:
    """Turn pydantic errors into ``(dotted.path, message)`` pairs.

    A union (a value or a year history) makes pydantic report every alternative, tagged in
    the error location. The input is walked alongside the location; alternatives whose shape
    does not match the input (a history branch for a plain value, ...) are dropped, unless
    no alternative at that place matches, in which case all are kept.
    """
    entries = []  # (site, matched, path, message)
    cross: list[tuple[str, str]] = []
    for err in exc.errors():
        error = (err.get("ctx") or {}).get("error")
        if isinstance(error, CrossFieldError):
            cross.extend(error.problems)
            continue
        path, site, matched = _walk_location(err["loc"], data)
        entries.append((site, matched, path, _message(err)))
    sites_with_match = {site for site, matched, _, _ in entries if matched}
    by_path: dict[str, list[str]] = {}
    for site, matched, path, msg in entries:
        if matched or site not in sites_with_match:
            by_path.setdefault(path, []).append(msg)
    for path, msg in cross:
        by_path.setdefault(path, []).append(msg)
    return [(path, " | or: ".join(list(dict.fromkeys(msgs))[:3])) for path, msgs in by_path.items()]


def _branch_matches(tag: str, value) -> bool:
    """Whether union alternative ``tag`` (pydantic's name for it) fits the input's shape."""
    if tag.startswith("dict[int"):
        return isinstance(value, dict) and (not value or is_history(value))
    if tag.startswith("list[") or "list[" in tag:
        return isinstance(value, list)
    if tag[:1].isupper():
        return isinstance(value, dict) and not is_history(value)
    return not isinstance(value, (dict, list))


def _walk_location(loc, data):
    """Strip union tags from a pydantic location.

    Returns the dotted path, the path of the first union (its "site"), and whether every
    union alternative on the way matches the shape of the input.
    """
    parts: list[str] = []
    node = data
    site = None
    matched = True
    for item in loc:
        if isinstance(node, dict) and item in node:
            node = node[item]
            parts.append(str(item))
        elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
            node = node[item]
            parts.append(f"[{item}]")
        elif isinstance(item, str) and _is_union_tag(item):
            if site is None:
                site = ".".join(parts)
            matched = matched and _branch_matches(item, node)
        else:
            parts.append(str(item))
            node = None
    path = ".".join(parts).replace(".[", "[")
    return path, site if site is not None else path, matched


def _is_union_tag(item: str) -> bool:
    return "[" in item or item[:1].isupper() or item in _SCALARS


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


_SCALARS = {"float", "int", "str", "bool", "none", "nullable", "constrained-float"}
