"""s3rver, a Node.js S3 emulator, from the npm registry.

Install it where the harness looks (tox does this for you):
``npm install --prefix .gauntlet/tools s3rver@3.7.1``. Its only key pair is
S3RVER/S3RVER. Node 17+ needs the legacy OpenSSL provider, or paginated listings
answer 500.
"""

from __future__ import annotations

import json
from pathlib import Path

from gauntlet.launch.base import LOOPBACK, TOOLS_DIR, ServerLauncher
from gauntlet.targets import Credentials

S3RVER_VERSION = "3.7.1"


class S3rverLauncher(ServerLauncher):
    server = "s3rver"
    binary = "s3rver"
    install_hint = f"npm install --prefix {TOOLS_DIR} s3rver@{S3RVER_VERSION}"
    binary_dirs = (TOOLS_DIR / "node_modules" / ".bin",)
    default_credentials = Credentials("S3RVER", "S3RVER")

    def start_processes(self, port: int) -> None:
        s3rver = self.find_binary()
        (self.data_dir / "data").mkdir()
        env = {"NODE_OPTIONS": "--openssl-legacy-provider"}
        argv = [s3rver, "-a", LOOPBACK, "-p", str(port), "-d", str(self.data_dir / "data"), "--no-vhost-buckets"]
        self.spawn(argv, "s3rver", env=env)

    def read_version(self) -> str:
        binary = Path(self.find_binary()).resolve()
        for parent in binary.parents:
            manifest = parent / "package.json"
            if manifest.is_file():
                data = json.loads(manifest.read_text(encoding="utf-8"))
                if data.get("name") == "s3rver":
                    return str(data.get("version", "unknown"))
        return "unknown"
