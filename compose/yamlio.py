"""Compose YAML with the spec's semantics: YAML 1.2 core (`yes`/`on` are
strings, `22:22` is not base-60, `0o17` is octal), anchors, aliases and merge
keys, and the `!reset` / `!override` tags. Returns plain Python values; the
tags come back as `Reset` / `Override` wrappers the merger understands.

ruamel.yaml costs ~17 ms to import (PyYAML would need its 1.1 resolver
rewritten), so it is imported here only, when a file is read.
"""

from __future__ import annotations

from nerdpy_compose.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_NODES = 1_000_000  # alias bombs (a billion laughs) stop here, as compose-go's visit limit


class Reset:
    """`!reset`: the attribute goes back to its default (removed)."""

    def __repr__(self) -> str:
        return "Reset()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reset)


class Override:
    """`!override VALUE`: VALUE replaces the earlier one without merging."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Override({self.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Override) and other.value == self.value


def _loader() -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import SafeConstructor

    class Constructor(SafeConstructor):
        pass

    def reset(loader: Any, node: Any) -> Reset:
        return Reset()

    def override(loader: Any, node: Any) -> Override:
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        if isinstance(node, MappingNode):
            return Override(loader.construct_mapping(node, deep=True))
        if isinstance(node, SequenceNode):
            return Override(loader.construct_sequence(node, deep=True))
        return Override(loader.construct_scalar(node))

    Constructor.add_constructor("!reset", reset)
    Constructor.add_constructor("!override", override)
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = Constructor
    yaml.version = (1, 2)
    return yaml


def load(text: str, source: str) -> dict[str, Any]:
    """The first document of `text` as a dict (an empty file is `{}`); keys become
    strings as compose-go does; a syntax error names the file and line."""
    from ruamel.yaml.error import YAMLError

    try:
        docs = list(_loader().load_all(text))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}: invalid YAML{where}: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{source}: invalid YAML: nesting too deep") from None
    doc = docs[0] if docs else None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(f"{source}: the top level must be a mapping, not {type_name(doc)}")
    counter = [0]
    return _plain(doc, counter, source)


def _plain(value: Any, counter: list[int], source: str) -> Any:
    """A copy with string keys; aliases are expanded into independent copies so
    later merges never alias two services' values, within MAX_NODES."""
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise ConfigError(f"{source}: too many YAML nodes (alias expansion over {MAX_NODES})")
    if isinstance(value, dict):
        return {_key(k): _plain(v, counter, source) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, counter, source) for v in value]
    if isinstance(value, Override):
        return Override(_plain(value.value, counter, source))
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "" if key is None else str(key)


def type_name(value: Any) -> str:
    """The schema's name for a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__
