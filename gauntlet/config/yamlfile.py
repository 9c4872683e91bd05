"""YAML that remembers where each key was, so configuration errors can name file and line.

Used by targets.yaml and the load profiles: every mapping comes back as a `LineDict`
(a dict with `.line` and `.lines[key]`), and syntax errors and duplicate keys become
one-line `ConfigError`s of the form ``FILE:LINE[:COL]: <what>YAML syntax error: ...``.
"""

from __future__ import annotations

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
