"""Merging scenario documents: ``extends:`` inheritance and ``--set`` overrides."""

from __future__ import annotations

import copy

import yaml

from ..errors import ScenarioError
from .base import YEAR_MIN, is_history
from .yaml_io import check_size, load_yaml_value


def is_atomic(value) -> bool:
    """A parameter value that is replaced whole, never merged key by key: a scalar, a list
    (bands), or an indexed starting line ``{indexed: {...}}``."""
    return not isinstance(value, dict) or set(value) == {"indexed"}


#: Value that removes an inherited key (a group, a hospital level's entry, a history).
DELETE = "~delete"
#: Key of a history in a child file that merges it year by year into the parent's value.
MERGE = "~merge"


def _merge_history(override) -> dict | None:
    """The years of ``{~merge: true, year: value, ...}``, or None when not that form."""
    if not isinstance(override, dict) or override.get(MERGE) is not True:
        return None
    rest = {k: v for k, v in override.items() if k != MERGE}
    return rest if not rest or is_history(rest) else None


def deep_merge(base, override):
    """Merge ``override`` (a child file) into ``base`` (its parent); returns a new object.

    Sections (mappings of names) merge key by key; any other value is replaced whole. In
    particular a value history ``{year: value}`` in the child replaces the parent's whole
    history (or plain value): what the child file says is what applies. To add changes to
    the parent's history instead, write ``{~merge: true, year: value, ...}``: the parent's
    years are kept, the child's added or replaced (a plain parent value applies before the
    child's first year). A key whose value is ``~delete`` removes the inherited key.
    """
    merge = _merge_history(override)
    if merge is not None:
        if is_history(base):
            return {**copy.deepcopy(base), **copy.deepcopy(merge)}
        return {YEAR_MIN: copy.deepcopy(base), **copy.deepcopy(merge)}
    if (isinstance(base, dict) and isinstance(override, dict) and not is_history(override)
            and not is_history(base) and not is_atomic(base) and not is_atomic(override)):
        merged = dict(base)
        for key, value in override.items():
            if value == DELETE:
                merged.pop(key, None)
            else:
                merged[key] = deep_merge(base[key], value) if key in base else _clean(value)
        return merged
    return _clean(override)


def _clean(value):
    """A child's value with ``~delete`` entries dropped and ``~merge`` markers resolved
    (nothing to merge with: the years as given)."""
    merge = _merge_history(value)
    if merge is not None:
        return copy.deepcopy(merge)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v != DELETE}
    return copy.deepcopy(value)


def path_keys(path: str) -> list:
    """Components of a dotted path; all-digit components (years, list items) as ints."""
    return [int(p) if p.lstrip("-").isdigit() else p for p in path.split(".")]


def parse_assignment(text: str) -> tuple[list, object]:
    """Split ``dotted.path=value`` into path components and a YAML-parsed value."""
    if "=" not in text:
        raise ScenarioError("--set", [(text, "expected dotted.path=value")])
    path, raw = text.split("=", 1)
    keys = path_keys(path.strip())
    if not path.strip() or any(k == "" for k in keys):
        raise ScenarioError("--set", [(path, "empty path component")])
    try:
        value = load_yaml_value(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ScenarioError("--set", [(path, f"value is not valid YAML: {exc}")]) from None
    except RecursionError:
        raise ScenarioError("--set", [(path, "value nested too deep")]) from None
    check_size(value, "--set")
    return keys, value


def apply_assignment(data: dict, keys: list, value) -> dict:
    """Return a copy of ``data`` with ``value`` set at ``keys`` (creating mappings)."""
    data = copy.deepcopy(data)
    node = data
    dotted = ".".join(map(str, keys))
    for i, key in enumerate(keys[:-1]):
        nxt = keys[i + 1]
        if isinstance(node, list):
            if not isinstance(key, int) or not -len(node) <= key < len(node):
                raise ScenarioError("--set", [(dotted, f"no list item {key}")])
        elif isinstance(node, dict):
            child = node.get(key)
            if child is None:
                node[key] = {}
            elif isinstance(nxt, int) and not isinstance(child, list) and is_atomic(child):
                # a year key below a plain value turns the value into a history
                node[key] = {YEAR_MIN: child}
        else:
            raise ScenarioError("--set", [(dotted, f"cannot descend into a value at '{key}'")])
        node = node[key]
    last = keys[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or not -len(node) <= last < len(node):
            raise ScenarioError("--set", [(dotted, f"no list item {last}")])
    elif not isinstance(node, dict):
        raise ScenarioError("--set", [(dotted, "cannot set a field inside a plain value")])
    if value == DELETE and isinstance(node, dict):
        node.pop(last, None)
        return data
    node[last] = value
    return data
