"""Safe YAML reading that rejects duplicate keys and reports line numbers."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import ScenarioError


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader (no object construction from tags) that refuses duplicate mapping keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    mapping = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "unhashable mapping key", key_node.start_mark
            ) from None
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def load_yaml_text(text: str, source: str):
    """Parse YAML text safely; any problem becomes a :class:`ScenarioError`."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - strict SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(source, [(where, f"invalid YAML: {problem}")]) from None


def load_yaml_file(path: Path):
    """Read and parse a YAML file (UTF-8); unreadable files become a :class:`ScenarioError`."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ScenarioError(str(path), [("", f"cannot read file: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            str(path), [("", f"not UTF-8 text (byte {exc.start}): save the file as UTF-8")]
        ) from None
    return load_yaml_text(text, str(path))
