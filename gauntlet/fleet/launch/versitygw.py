"""Versity S3 Gateway (versitygw) over a POSIX directory.

Built from the Go module proxy into `.gauntlet/tools/versitygw-v1.7.0/bin` (`python -m gauntlet.fleet.launch.tools
versitygw`). The root user comes from ROOT_ACCESS_KEY/ROOT_SECRET_KEY; the alt user
is written into the internal IAM store (`--iam-dir`, a users.json) before the gateway
starts. `--versioning-dir` turns bucket versioning (and with it object lock) on.
"""

from __future__ import annotations

import json
import re

from gauntlet.fleet.launch.base import LOOPBACK, VIRTUAL_HOST_DOMAIN, ServerLauncher
from gauntlet.fleet.launch.installs import VERSITYGW
from gauntlet.s3.credentials import Credentials


class VersityGWLauncher(ServerLauncher):
    server = "versitygw"
    binary = "versitygw"
    install_hint = VERSITYGW.hint
    binary_dirs = (VERSITYGW.bin_dir,)
    default_credentials = Credentials("gauntlet-main", "gauntlet-main-secret-0001")
    default_alt_credentials = Credentials("gauntlet-alt", "gauntlet-alt-secret-0002")
    supports_alt_user = True

    def _write_iam(self) -> str:
        iam_dir = self.data_dir / "iam"
        iam_dir.mkdir()
        accounts = {}
        if self.alt_credentials:
            alt = self.alt_credentials
            # "userplus" may create buckets of its own; "user" may not.
            accounts[alt.access_key] = {"access": alt.access_key, "secret": alt.secret_key, "role": "userplus",
                                        "userID": 0, "groupID": 0, "projectID": 0}
        users = iam_dir / "users.json"
        users.write_text(json.dumps({"accessAccounts": accounts}), encoding="utf-8")
        users.chmod(0o600)
        return str(iam_dir)

    def start_processes(self, port: int) -> None:
        gateway = self.find_binary()
        for sub in ("data", "versions", "sidecar"):
            (self.data_dir / sub).mkdir(exist_ok=True)
        env = {
            "ROOT_ACCESS_KEY": self.credentials.access_key,
            "ROOT_SECRET_KEY": self.credentials.secret_key,
            "VGW_REGION": self.region,
        }
        argv = [gateway, "--port", f"{LOOPBACK}:{port}", "--iam-dir", self._write_iam(),
                "--virtual-domain", VIRTUAL_HOST_DOMAIN]  # `bucket.localhost` is virtual-host style
        if self.config.tls:
            cert, key = self.make_tls_files()
            argv += ["--cert", str(cert), "--key", str(key)]
        # Metadata in a sidecar directory: the data dir's file system need not support xattrs.
        argv += ["posix", "--versioning-dir", str(self.data_dir / "versions"),
                 "--sidecar", str(self.data_dir / "sidecar"), str(self.data_dir / "data")]
        self.spawn(argv, "versitygw", env=env)

    def read_version(self) -> str:
        pinned = VERSITYGW.version_of(self.find_binary())
        if pinned:
            return pinned
        out = self.run_tool([self.find_binary(), "--version"], "version")
        match = re.search(r"Version\s*:?\s*v?([\w.\-]+)", out)
        return match.group(1) if match else out.strip().splitlines()[0] if out.strip() else "unknown"
