"""Local S3 servers the harness starts itself, one module each.

They come from PyPI (tox extras), from npm, the Go module proxy and the Rust crate registry
(`python -m gauntlet.fleet.launch.tools`, pins in installs.py) or from Debian (apt, for RGW).
Nothing is imported here eagerly: installs.py and tools.py run on a bare Python (CI builds the
servers with it before any virtualenv exists).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gauntlet.config.targets import LaunchConfig
    from gauntlet.fleet.launch.base import LaunchedServer, ServerLauncher
    from gauntlet.s3.credentials import Credentials

#: launch server name -> "module:Class"; modules are imported only when used.
SERVERS: dict[str, str] = {
    "seaweedfs": "gauntlet.fleet.launch.seaweedfs:SeaweedFSLauncher",
    "juicefs": "gauntlet.fleet.launch.juicefs:JuiceFSLauncher",
    "rclone": "gauntlet.fleet.launch.rclone:RcloneLauncher",
    "moto": "gauntlet.fleet.launch.moto:MotoLauncher",
    "s3rver": "gauntlet.fleet.launch.s3rver:S3rverLauncher",
    "rgw": "gauntlet.fleet.launch.rgw:RGWLauncher",
    "versitygw": "gauntlet.fleet.launch.versitygw:VersityGWLauncher",
    "minio": "gauntlet.fleet.launch.minio:MinIOLauncher",
    "garage": "gauntlet.fleet.launch.garage:GarageLauncher",
    "s3s-fs": "gauntlet.fleet.launch.s3sfs:S3sFsLauncher",
}


def launcher_class(server: str) -> type[ServerLauncher]:
    module_name, _, class_name = SERVERS[server].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def make_launcher(
    config: LaunchConfig,
    run_dir: Path,
    name: str,
    credentials: Credentials | None = None,
    alt_credentials: Credentials | None = None,
    region: str = "us-east-1",
) -> ServerLauncher:
    cls = launcher_class(config.server)
    return cls(config, run_dir, name, credentials=credentials, alt_credentials=alt_credentials, region=region)


def __getattr__(name: str) -> Any:  # LaunchedServer and ServerLauncher, on first use
    if name in ("LaunchedServer", "ServerLauncher"):
        return getattr(importlib.import_module("gauntlet.fleet.launch.base"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["SERVERS", "LaunchedServer", "ServerLauncher", "launcher_class", "make_launcher"]
