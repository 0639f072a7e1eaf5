"""Safe YAML reading that rejects duplicate keys and reports line numbers."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import ScenarioError
from ..numtext import is_thousands, normalize, thousands_message


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

# YAML 1.1 reads ``1e6`` and ``2.5e-3`` without a dot... as text ("1e6"), which the strict
# schema then rejects as "not a number". Read them as numbers, as YAML 1.2 does.
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)

# Numbers typed with full-width forms (``１２３``, ``－０．５``, ``２０２５:`` as a year key) read
# as the number YAML reads in their NFKC form; digit grouping (``12,345``, ``１２，３４５``,
# ``12 345``) is refused with a message: the one rule of :mod:`simi_actuarial.numtext`. A plain
# scalar is routed here only when it contains a non-ASCII character or looks grouped; ASCII
# numbers are resolved before by YAML's own resolvers, quoted scalars stay text.
_NUMBER_TEXT_TAG = "tag:simi_actuarial,2026:number-text"
_WIDE_FIRST = "０１２３４５６７８９＋－．"
_StrictLoader.add_implicit_resolver(
    _NUMBER_TEXT_TAG,
    re.compile(r"^(?=.*[^\x00-\x7f]|[-+]?[0-9]{1,3}[,' ][0-9]{3})"
               r"[-+.0-9０-９＋－．][-+.,'_ 0-9０-９＋－．，＿eEｅＥ\u3000]*$"),
    list("-+.0123456789" + _WIDE_FIRST),
)


def _construct_number_text(loader: _StrictLoader, node: yaml.ScalarNode):
    text = node.value
    if is_thousands(text):
        raise yaml.constructor.ConstructorError(
            None, None, thousands_message(text), node.start_mark)
    plain = normalize(text)
    tag = loader.resolve(yaml.ScalarNode, plain, (True, False))
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        return loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, plain))
    return text


_StrictLoader.add_constructor(_NUMBER_TEXT_TAG, _construct_number_text)


def load_yaml_value(text: str):
    """Parse one YAML value (a ``--set`` value) with the same strict, safe loader."""
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - strict SafeLoader subclass


MAX_NODES = 1_000_000  # values in a document, aliases expanded (a scenario has a few hundred)


def load_yaml_text(text: str, source: str):
    """Parse YAML text safely; any problem becomes a :class:`ScenarioError`.

    Tags that construct Python objects (``!!python/object`` ...) are rejected by the safe
    loader; nesting too deep for the parser and alias "bombs" (a few anchors expanding to
    billions of values) are rejected too.
    """
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - strict SafeLoader subclass
    except RecursionError:
        raise ScenarioError(source, [("YAML", "nesting too deep")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(source, [(where, f"invalid YAML: {problem}")]) from None
    check_size(data, source)
    return data


def check_size(data, source: str, limit: int = MAX_NODES) -> None:
    """Raise :class:`ScenarioError` when ``data`` holds more than ``limit`` values (counting
    shared sub-trees, i.e. YAML aliases, every time they are referenced)."""
    stack, seen = [data], 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > limit:
            raise ScenarioError(source, [("YAML", (
                f"document too large (more than {limit:,} values, counting aliases "
                "expanded)"))])
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


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
