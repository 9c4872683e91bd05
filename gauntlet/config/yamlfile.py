"""YAML that remembers where each key was, and the one checker of its shape, so errors name file and line.

Used by targets.yaml and the load profiles: every mapping comes back as a `LineDict`
(a dict with `.line` and `.lines[key]`), and syntax errors and duplicate keys become
one-line `ConfigError`s of the form ``FILE:LINE[:COL]: <what>YAML syntax error: ...``.
`Checker` then checks keys, types and values, each failure a one-line `ConfigError`
``FILE:LINE: <entry>: <what>: ...`` pointing at the key's own line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from gauntlet.errors import ConfigError


class LineDict(dict):
    """A mapping that remembers the line of each key (1-based)."""

    lines: dict[str, int]
    line: int


class _Loader(yaml.SafeLoader):
    pass


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        super().__init__(key, line)
        self.key, self.line = key, line


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.lines = {}
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[str(key)] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, path: Path, what: str = "") -> Any:
    """Parse `text` (read from `path`); `what` prefixes the message (e.g. "profile 'mixed': ")."""
    try:
        return yaml.load(text, Loader=_Loader)
    except _DuplicateKey as dup:
        raise ConfigError(f"{path}:{dup.line}: {what}duplicate key '{dup.key}'") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: {what}YAML syntax error: {problem}") from None


def line_of(mapping: Any, key: str | None = None) -> int:
    """The line of `key` in `mapping` (or of the mapping itself); 0 when unknown."""
    if isinstance(mapping, LineDict):
        if key is not None and key in mapping.lines:
            return mapping.lines[key]
        return mapping.line
    return 0


_TYPE_NAMES = {str: "a string", dict: "a mapping", bool: "true/false", int: "an integer", float: "a number"}


def type_name(expected: type | tuple[type, ...]) -> str:
    """`str` -> "a string"; `(int, float)` -> "an integer or a number"."""
    if isinstance(expected, tuple):
        return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in expected)
    return _TYPE_NAMES.get(expected, expected.__name__)


def kind_of(value: Any) -> str:
    """What a YAML value is, in words ("a list", "nothing")."""
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            type(None): "nothing"}.get(type(value), "a mapping" if isinstance(value, Mapping) else type(value).__name__)


class Checker:
    """Checks one YAML file's shape; errors read ``FILE:LINE: ENTRY: WHAT: ...`` (ENTRY: "profile 'mixed'", or none)."""

    def __init__(self, path: Path, entry: str = "") -> None:
        self.path = path
        self.entry = entry

    def fail(self, mapping: Any, key: str | None, message: str) -> ConfigError:
        prefix = f"{self.entry}: " if self.entry else ""
        return ConfigError(f"{self.path}:{line_of(mapping, key)}: {prefix}{message}")

    def keys(self, mapping: Any, allowed: Sequence[str] | Mapping[str, Any], what: str,
             required: Sequence[str] = ()) -> None:
        """A mapping with only `allowed` keys and every `required` one; where `allowed` maps keys to types,
        each value (unless null) has its type (YAML's true/false never pass as numbers)."""
        if not isinstance(mapping, Mapping):
            raise self.fail(mapping, None, f"{what} must be a mapping, got {kind_of(mapping)}")
        for key, value in mapping.items():
            if key not in allowed:
                raise self.fail(mapping, str(key), f"{what}: unknown key '{key}' (known keys: {', '.join(allowed)})")
            if isinstance(allowed, Mapping) and value is not None:
                expected = allowed[key]
                if (isinstance(value, bool) and expected in (int, (int, float))) or not isinstance(value, expected):
                    raise self.fail(mapping, str(key), f"{what}: key '{key}' must be {type_name(expected)}, "
                                                       f"got {type(value).__name__}")
        for key in required:
            if key not in mapping or mapping[key] is None:
                raise self.fail(mapping, None, f"{what}: missing required key '{key}'")

    def section(self, parent: Mapping, key: str, allowed: Sequence[str], required: Sequence[str] = ()) -> Mapping:
        """``parent[key]``, checked to be a mapping with known keys (errors point at ``key``'s line)."""
        value = parent[key]
        if not isinstance(value, Mapping):
            raise self.fail(parent, key, f"{key} must be a mapping, got {kind_of(value)}")
        self.keys(value, allowed, key, required)
        return value

    def integer(self, mapping: Mapping, key: str, what: str, minimum: int = 0, maximum: int | None = None) -> int:
        value = mapping[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(mapping, key, f"{what}: '{key}' must be an integer, got {kind_of(value)} {value!r}")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise self.fail(mapping, key, f"{what}: '{key}' must be {bound}, got {value}")
        return value

    def number(self, mapping: Mapping, key: str, what: str, minimum: float = 0.0, maximum: float | None = None,
               positive: bool = False) -> float:
        value = mapping[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(mapping, key, f"{what}: '{key}' must be a number, got {kind_of(value)} {value!r}")
        if (positive and value <= 0) or value < minimum or (maximum is not None and value > maximum):
            if positive:
                bound = "positive"
            elif maximum is not None:
                bound = f"between {minimum:g} and {maximum:g}"
            else:
                bound = f"at least {minimum:g}"
            raise self.fail(mapping, key, f"{what}: '{key}' must be {bound}, got {value}")
        return float(value)

    def boolean(self, mapping: Mapping, key: str, what: str) -> bool:
        value = mapping[key]
        if not isinstance(value, bool):
            raise self.fail(mapping, key, f"{what}: '{key}' must be true or false, got {kind_of(value)} {value!r}")
        return value

    def choice(self, mapping: Mapping, key: str, what: str, choices: Sequence[str]) -> str:
        value = mapping[key]
        if value not in choices:
            raise self.fail(mapping, key, f"{what}: '{key}' must be one of {', '.join(choices)}, got {value!r}")
        return str(value)
