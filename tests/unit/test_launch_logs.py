"""Server logs kept in the run directory are masked when the server stops."""

from __future__ import annotations

from pathlib import Path

from gauntlet import masking
from gauntlet.config.targets import LaunchConfig
from gauntlet.fleet.launch.base import ServerLauncher
from gauntlet.s3.credentials import Credentials


class _Echo(ServerLauncher):
    server = "echo"

    def start_processes(self, port: int) -> None:
        line = (f"GET /b/k?X-Amz-Signature={'ab' * 32}&X-Amz-Credential=AK HTTP/1.1 "
                f"secret={self.credentials.secret_key}")
        self.spawn(["sh", "-c", f"echo '{line}'"], "server")


def test_stop_masks_signatures_and_keys_in_kept_logs_and_drops_the_tls_key(tmp_path: Path) -> None:
    launcher = _Echo(LaunchConfig(server="echo"), tmp_path, "echo",
                     credentials=Credentials("AKECHO", "echo-secret-value-0001"))
    launcher.start_processes(0)
    launcher.processes[0].wait(timeout=10)
    key = launcher.log_dir / "tls" / "server.key"
    key.parent.mkdir()
    key.write_text("-----BEGIN PRIVATE KEY-----")
    launcher.stop()
    text = (launcher.log_dir / "server.log").read_text()
    assert "ab" * 32 not in text and "echo-secret-value-0001" not in text
    assert f"X-Amz-Signature={masking.MASK}" in text
    assert not key.exists()
