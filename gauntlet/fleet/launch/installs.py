"""The local servers that are built or fetched by package name, pinned: one list, read by the
launchers (where to look, what to tell a user) and by `python -m gauntlet.fleet.launch.tools` (what to build).

Each lands in its own versioned directory under `.gauntlet/tools` (or GAUNTLET_TOOLS_DIR), so a
new pin never mixes with an old binary and an installed pin is never rebuilt.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from gauntlet import paths

#: Where servers that don't come from PyPI or Debian are installed (GAUNTLET_TOOLS_DIR overrides it).
TOOLS_DIR = paths.TOOLS_DIR


@dataclass(frozen=True)
class Install:
    """One pinned server program and the registry it comes from."""

    server: str
    registry: str  # "go", "cargo" or "npm"
    package: str  # go: module path of the main package; cargo/npm: crate or package name
    version: str
    program: str
    features: tuple[str, ...] = field(default=())
    licence: str = ""

    @property
    def root(self) -> Path:
        return TOOLS_DIR if self.registry == "npm" else TOOLS_DIR / f"{self.server}-{self.version}"

    @property
    def bin_dir(self) -> Path:
        return self.root / ("node_modules/.bin" if self.registry == "npm" else "bin")

    @property
    def path(self) -> Path:
        return self.bin_dir / self.program

    def argv(self) -> tuple[list[str], dict[str, str]]:
        """The install command line and the environment it needs."""
        if self.registry == "go":
            return ["go", "install", f"{self.package}@{self.version}"], {"GOBIN": str(self.bin_dir),
                                                                          "CGO_ENABLED": "0"}
        if self.registry == "cargo":
            argv = ["cargo", "install", self.package, "--version", self.version, "--locked", "--root", str(self.root)]
            if self.features:
                argv += ["--features", ",".join(self.features)]
            return argv, {}
        return ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(self.root),
                f"{self.package}@{self.version}"], {}

    def version_of(self, found: str) -> str | None:
        """The pinned version when `found` is the binary this pin installed (Go builds say only "git")."""
        try:
            return self.version if Path(found).resolve() == self.path.resolve() else None
        except OSError:
            return None

    @property
    def hint(self) -> str:
        """The exact command a user runs, shown when the program is missing."""
        return f"python -m gauntlet.fleet.launch.tools {self.server}   (runs: {self.command})"

    @property
    def command(self) -> str:
        argv, env = self.argv()
        return " ".join([*(f"{k}={shlex.quote(v)}" for k, v in env.items()), *map(shlex.quote, argv)])


VERSITYGW = Install("versitygw", "go", "github.com/versity/versitygw/cmd/versitygw", "v1.7.0", "versitygw",
                    licence="Apache-2.0")
#: The proxy refuses the commit of RELEASE.2025-10-15T17-29-55Z (403); this is the newest commit on
#: master, which adds only README, script and metrics-doc changes and six small fixes on top of it.
MINIO = Install("minio", "go", "github.com/minio/minio", "v0.0.0-20260212201848-7aac2a2c5b7c", "minio",
                licence="AGPL-3.0 (run as a separate process only)")
GARAGE = Install("garage", "cargo", "garage", "2.1.0", "garage", licence="AGPL-3.0 (run as a separate process only)")
S3S_FS = Install("s3s-fs", "cargo", "s3s-fs", "0.14.1", "s3s-fs", features=("binary",), licence="Apache-2.0")
S3RVER = Install("s3rver", "npm", "s3rver", "3.7.1", "s3rver", licence="MIT")

#: launch server name -> its pinned install (servers from PyPI and Debian are not here).
INSTALLS: dict[str, Install] = {i.server: i for i in (VERSITYGW, MINIO, GARAGE, S3S_FS, S3RVER)}
