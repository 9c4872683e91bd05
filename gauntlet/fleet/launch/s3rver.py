"""s3rver, a Node.js S3 emulator, from the npm registry.

Install it where the harness looks (tox does this for you):
``python -m gauntlet.fleet.launch.tools s3rver`` (npm install of s3rver@3.7.1 into .gauntlet/tools).
Its only key pair is S3RVER/S3RVER. Node 17+ needs the legacy OpenSSL provider, or paginated listings
answer 500.
"""

from __future__ import annotations

import json
from pathlib import Path

from gauntlet.fleet.launch.base import LOOPBACK, ServerLauncher
from gauntlet.fleet.launch.installs import S3RVER
from gauntlet.s3.credentials import Credentials


class S3rverLauncher(ServerLauncher):
    server = "s3rver"
    binary = "s3rver"
    install_hint = S3RVER.hint
    binary_dirs = (S3RVER.bin_dir,)
    default_credentials = Credentials("S3RVER", "S3RVER")

    def start_processes(self, port: int) -> None:
        s3rver = self.find_binary()
        (self.data_dir / "data").mkdir()
        env = {"NODE_OPTIONS": "--openssl-legacy-provider"}
        # Virtual-host style is `bucket.s3.<service endpoint>`: `bucket.s3.localhost`. --no-vhost-buckets only
        # turns off the catch-all (any other host name taken whole as a bucket name, CNAME style).
        argv = [s3rver, "-a", LOOPBACK, "-p", str(port), "-d", str(self.data_dir / "data"), "--no-vhost-buckets",
                "--service-endpoint", "localhost"]
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
