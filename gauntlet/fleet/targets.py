"""targets.yaml as every command reads it: parsed by gauntlet.config.targets, with each launch server and
fault name checked against the launchers (gauntlet.fleet.launch.SERVERS) and the fault catalogue.

Configuration stays below the fleet: it takes these names as data and imports neither. A name that
is not known is the same one-line ConfigError naming file:line and the known names (exit 10).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gauntlet.config import targets as config


def known_names() -> config.KnownNames:
    """The launch servers and faults this harness has."""
    from gauntlet.faults import FAULTS  # here, not at import: the catalogue loads the proxy
    from gauntlet.fleet.launch import SERVERS

    return config.KnownNames(servers=frozenset(SERVERS), faults=frozenset(FAULTS))


def load_targets(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> config.TargetsFile:
    """targets.yaml (with targets.local.yaml and .gauntlet.env beside it), every name checked."""
    return config.load_targets(path, environ, known=known_names())
