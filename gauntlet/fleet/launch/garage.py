"""Garage, a single-node cluster (replication factor 1) from the Rust crate registry.

AGPL-3.0: the harness only starts it as a separate process; nothing links or ships it.
Startup: write garage.toml (fresh RPC secret and admin token, every port a free loopback
one, SQLite metadata), start `garage server`, then with its own CLI give the node a role
(`layout assign` + `layout apply`), import the main and the alt key and let both create
buckets. Garage key ids look like GK + 24 hex digits and secrets are 64 hex digits, so the
default keys have that shape. The S3 region is the target's region (`garage` in targets.yaml).
"""

from __future__ import annotations

import re
import secrets
import time

from gauntlet.errors import LaunchFailed, ServerExitedAtStartup
from gauntlet.fleet.launch.base import LOOPBACK, ServerLauncher, free_port, log_tail
from gauntlet.fleet.launch.installs import GARAGE
from gauntlet.s3.credentials import Credentials


class GarageLauncher(ServerLauncher):
    server = "garage"
    binary = "garage"
    install_hint = GARAGE.hint
    binary_dirs = (GARAGE.bin_dir,)
    default_credentials = Credentials("GK" + "0a" * 12, "a1" * 32)
    default_alt_credentials = Credentials("GK" + "0b" * 12, "b2" * 32)
    supports_alt_user = True

    def _config(self, port: int) -> str:
        rpc = free_port()
        return "\n".join([
            f'metadata_dir = "{self.data_dir / "meta"}"',
            f'data_dir = "{self.data_dir / "data"}"',
            'db_engine = "sqlite"',
            "replication_factor = 1",
            f'rpc_bind_addr = "{LOOPBACK}:{rpc}"',
            f'rpc_public_addr = "{LOOPBACK}:{rpc}"',
            f'rpc_secret = "{secrets.token_hex(32)}"',
            "",
            "[s3_api]",
            f's3_region = "{self.region}"',
            f'api_bind_addr = "{LOOPBACK}:{port}"',
            'root_domain = ".s3.garage.localhost"',
            "",
            "[admin]",
            f'api_bind_addr = "{LOOPBACK}:{free_port()}"',
            f'admin_token = "{secrets.token_hex(16)}"',
            "",
        ])

    def _cli(self, *args: str, log: str = "garage-cli") -> str:
        return self.run_tool([self.find_binary(), "-c", str(self.config_path), *args], log, timeout=30)

    def start_processes(self, port: int) -> None:
        if self.config.tls:
            raise LaunchFailed(f"target '{self.name}': Garage serves plain HTTP only (put a TLS proxy in front)")
        garage = self.find_binary()
        self.config_path = self.data_dir / "garage.toml"
        self.config_path.write_text(self._config(port), encoding="utf-8")
        self.config_path.chmod(0o600)
        self.spawn([garage, "-c", str(self.config_path), "server"], "garage",
                   env={"RUST_LOG": "garage=warn,netapp=warn"})
        node = self._node_id()
        self._cli("layout", "assign", "-z", "dc1", "-c", "1G", node)
        self._cli("layout", "apply", "--version", "1")
        for label, creds in (("main", self.credentials), ("alt", self.alt_credentials)):
            if creds is None:
                continue
            self._cli("key", "import", "--yes", "-n", f"gauntlet-{label}", creds.access_key, creds.secret_key)
            self._cli("key", "allow", "--create-bucket", creds.access_key)

    def _node_id(self) -> str:
        """The node's id, once the daemon answers its CLI (it starts in well under a second)."""
        deadline = time.monotonic() + self.config.startup_timeout_s
        last = ""
        while time.monotonic() < deadline:
            dead = self.exited()
            if dead is not None:
                raise ServerExitedAtStartup(
                    f"target '{self.name}': garage exited with code {dead.returncode} during startup; log tail:\n"
                    f"{log_tail(self._logs[-1])}")
            try:
                # `node id` reads the key file only; `status` proves the daemon answers RPC.
                self._cli("status", log="garage-status")
                out = self._cli("node", "id", "-q", log="garage-node-id")
            except LaunchFailed as exc:
                last = str(exc)
                time.sleep(0.2)
                continue
            match = re.match(r"\s*([0-9a-f]{16,})", out)
            if match:
                return match.group(1)
            last = out.strip()
        raise LaunchFailed(f"target '{self.name}': garage never gave its node id ({last})")

    def read_version(self) -> str:
        out = self.run_tool([self.find_binary(), "--version"], "version").strip()
        match = re.search(r"v?(\d+\.\d+\.\d+\S*)", out)
        return match.group(1) if match else out or "unknown"
