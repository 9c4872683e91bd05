"""Local S3 servers the harness installs (via tox/npm/apt) and starts itself, one module each."""

from __future__ import annotations

import importlib
from pathlib import Path

from gauntlet.launch.base import LaunchedServer, ServerLauncher
from gauntlet.targets import Credentials, LaunchConfig

#: launch server name -> "module:Class"; modules are imported only when used.
SERVERS: dict[str, str] = {
    "seaweedfs": "gauntlet.launch.seaweedfs:SeaweedFSLauncher",
    "juicefs": "gauntlet.launch.juicefs:JuiceFSLauncher",
    "rclone": "gauntlet.launch.rclone:RcloneLauncher",
    "moto": "gauntlet.launch.moto:MotoLauncher",
    "s3rver": "gauntlet.launch.s3rver:S3rverLauncher",
    "rgw": "gauntlet.launch.rgw:RGWLauncher",
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


__all__ = ["SERVERS", "LaunchedServer", "ServerLauncher", "launcher_class", "make_launcher"]
