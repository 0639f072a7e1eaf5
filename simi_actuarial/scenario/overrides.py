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


def deep_merge(base, override):
    """Merge ``override`` into ``base`` (both plain YAML data); returns a new object.

    Sections (mappings of names) and histories (``{year: value}``) merge key by key; any
    other value is replaced whole. A history overriding a plain value keeps the plain value
    for the years before the history starts.
    """
    if is_history(override) and is_atomic(base):
        return {YEAR_MIN: copy.deepcopy(base), **copy.deepcopy(override)}
    if (isinstance(base, dict) and isinstance(override, dict)
            and not is_atomic(base) and not is_atomic(override)):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


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
    node[last] = value
    return data
