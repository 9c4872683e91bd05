"""Bad input: one clear line saying what and where, a distinct exit code, nothing lost.

These run the real command lines (pytest over suites/, the gauntlet CLI) in child
processes against real launched servers.
"""

from __future__ import annotations

import json
import socket
import textwrap
from pathlib import Path

import pytest

from gauntlet.errors import ExitCode
from gauntlet.fleet.launch.base import free_port
from gauntlet.fleet.running import Fleet
from gauntlet.fleet.targets import load_targets
from gauntlet.rundir.rows import read_rows
from tests.integration.conftest import require_server, run_cli, run_pytest

pytestmark = pytest.mark.integration

SMOKE = ["suites", "-m", "smoke"]


def write_targets(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def gauntlet_line(output: str) -> str:
    lines = [line for line in output.splitlines() if "s3gauntlet:" in line]
    assert len(lines) == 1, f"expected exactly one s3gauntlet error line, got:\n{output}"
    return lines[0]


def test_unknown_target(tmp_path: Path) -> None:
    done = run_pytest([*SMOKE, "--target", "seaweedfs,nosuch", "--run-dir", str(tmp_path / "run")])
    assert done.returncode == ExitCode.UNKNOWN_TARGET
    line = gauntlet_line(done.stderr + done.stdout)
    assert "unknown target 'nosuch'" in line and "seaweedfs" in line


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write_targets(tmp_path, "targets:\n  a:\n    launch: {server: rclone\n")
    done = run_pytest([*SMOKE, "--targets-file", str(path), "--target", "a"])
    assert done.returncode == ExitCode.CONFIG_INVALID
    assert f"{path}:" in gauntlet_line(done.stderr + done.stdout)


def test_missing_credential_variable_is_named(tmp_path: Path) -> None:
    path = write_targets(tmp_path, """
        targets:
          remote:
            endpoint: http://127.0.0.1:9
            credentials: {access_key_env: GAUNTLET_TEST_UNSET_AK, secret_key_env: GAUNTLET_TEST_UNSET_SK}
        """)
    done = run_pytest([*SMOKE, "--targets-file", str(path), "--target", "remote"])
    assert done.returncode == ExitCode.CREDENTIAL_MISSING
    assert "GAUNTLET_TEST_UNSET_AK" in gauntlet_line(done.stderr + done.stdout)


def test_endpoint_refusing_connections(tmp_path: Path) -> None:
    port = free_port()
    path = write_targets(tmp_path, f"""
        targets:
          down:
            endpoint: http://127.0.0.1:{port}
            credentials: {{access_key: AK, secret_key: SK}}
        """)
    done = run_pytest([*SMOKE, "--targets-file", str(path), "--target", "down"], timeout=120)
    assert done.returncode == ExitCode.ENDPOINT_UNREACHABLE
    line = gauntlet_line(done.stderr + done.stdout)
    assert f"127.0.0.1:{port}" in line and "unreachable" in line


def test_wrong_credentials_are_one_error_not_hundreds_of_failures(tmp_path: Path) -> None:
    require_server("rclone")
    targets_file = load_targets(environ={})
    fleet = Fleet(targets_file, tmp_path / "fleet")
    try:
        live = fleet.start([targets_file.get("rclone")])["rclone"]
        path = write_targets(tmp_path, f"""
            targets:
              wrongkeys:
                endpoint: {live.endpoint}
                credentials: {{access_key: {live.credentials.access_key}, secret_key: not-the-secret}}
            """)
        done = run_pytest(["suites", "--targets-file", str(path), "--target", "wrongkeys",
                           "--run-dir", str(tmp_path / "run")])
    finally:
        fleet.stop()
    assert done.returncode == ExitCode.CREDENTIALS_REJECTED
    line = gauntlet_line(done.stderr + done.stdout)
    assert "credentials rejected" in line and "SignatureDoesNotMatch" in line
    assert "not-the-secret" not in done.stdout + done.stderr


def test_missing_server_binary_says_how_to_install(tmp_path: Path) -> None:
    empty = tmp_path / "empty-tools"
    empty.mkdir()
    path = write_targets(tmp_path, "targets:\n  s3rver:\n    launch: {server: s3rver}\n")
    done = run_pytest([*SMOKE, "--targets-file", str(path), "--target", "s3rver"],
                      env={"GAUNTLET_TOOLS_DIR": str(empty), "PATH": "/usr/bin:/bin"})
    assert done.returncode == ExitCode.BINARY_MISSING
    line = gauntlet_line(done.stderr + done.stdout)
    assert "s3rver" in line and "npm install" in line


def test_port_already_taken(tmp_path: Path) -> None:
    require_server("rclone")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        path = write_targets(tmp_path, f"targets:\n  r:\n    launch: {{server: rclone, port: {port}}}\n")
        done = run_pytest([*SMOKE, "--targets-file", str(path), "--target", "r"])
    assert done.returncode == ExitCode.LAUNCH_FAILED
    assert f"port {port}" in gauntlet_line(done.stderr + done.stdout)


def test_server_killed_mid_run_ends_the_run_and_keeps_rows(tmp_path: Path) -> None:
    require_server("rclone")
    run_dir = tmp_path / "run"
    done = run_pytest(
        ["suites/test_objects.py", "--target", "rclone", "--run-dir", str(run_dir), "-p", "tests.helpers.killer",
         "-q"],
        env={"GAUNTLET_KILL_AFTER": "4"}, timeout=300,
    )
    assert done.returncode == ExitCode.TARGET_DIED, done.stdout[-2000:] + done.stderr[-2000:]
    rows = read_rows(run_dir / "results.jsonl")
    outcomes = [r["outcome"] for r in rows]
    assert len(rows) >= 10, "every case must get a row, before and after the crash"
    assert outcomes[:4].count("error") == 0, rows[:4]
    after = rows[5:]
    assert after and all(r["outcome"] == "error" for r in after), [r["outcome"] for r in after]
    assert any("exited during the run" in r["message"] for r in after)
    meta = json.loads((run_dir / "meta.json").read_text())
    assert meta["dead_targets"] == ["rclone"] and meta["end_time"]
    assert "died during the run" in done.stdout


def test_cli_targets_check(tmp_path: Path) -> None:
    require_server("rclone")
    done = run_cli(["targets", "--check", "rclone"])
    assert done.returncode == 0, done.stderr
    assert "rclone: reachable at http://127.0.0.1:" in done.stdout and "credentials accepted" in done.stdout
    done = run_cli(["targets", "--check", "nosuch"])
    assert done.returncode == ExitCode.UNKNOWN_TARGET
    assert done.stderr.strip().startswith("s3gauntlet: unknown target 'nosuch'")


def test_cli_lists_targets() -> None:
    done = run_cli(["targets"])
    assert done.returncode == 0
    names = [line.split()[0] for line in done.stdout.splitlines() if line and not line.startswith(" ")]
    assert names[:2] == ["seaweedfs", "seaweedfs-tls"] and "aws" in names
