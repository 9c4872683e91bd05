"""Bad input to load runs: one clear ``s3gauntlet:`` line and a distinct exit code, fast, nothing left behind."""

from __future__ import annotations

import json
import signal
import textwrap
import time
from pathlib import Path

import pytest

from gauntlet.errors import ExitCode
from gauntlet.fleet.launch.base import free_port
from gauntlet.fleet.running import Fleet
from gauntlet.fleet.targets import load_targets
from tests.integration.conftest import require_server
from tests.integration.test_load_run import gauntlet_lines, require_load, run_load, start_load

pytestmark = pytest.mark.integration


def one_line(done_stdout: str, done_stderr: str) -> str:
    lines = gauntlet_lines(done_stderr)
    assert len(lines) == 1, f"expected one s3gauntlet line on stderr, got:\n{done_stderr}\n--- stdout:\n{done_stdout}"
    return lines[0]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_unknown_profile(tmp_path: Path) -> None:
    require_load()
    done = run_load(["--target", "rclone", "--profile", "nosuch", "--run-dir", str(tmp_path / "run")])
    assert done.returncode == ExitCode.UNKNOWN_PROFILE
    line = one_line(done.stdout, done.stderr)
    assert "unknown profile 'nosuch'" in line and "small-objects" in line


def test_profile_with_a_bad_field_names_file_line_and_key(tmp_path: Path) -> None:
    require_load()
    profile = write(tmp_path, "bad.yaml", """\
        run_time: 10s
        request_cap: 100
        users: 2
        spawn_rate: 2
        prefill: {objects: 4, size: 4KiB}
        operations:
          GET: 1
          PUTT: 1
        """)
    done = run_load(["--target", "rclone", "--profile", str(profile), "--run-dir", str(tmp_path / "run")])
    assert done.returncode == ExitCode.CONFIG_INVALID
    line = one_line(done.stdout, done.stderr)
    assert f"{profile}:8: profile 'bad': operations: unknown operation 'PUTT'" in line


def test_target_down_fails_fast_with_one_line(tmp_path: Path) -> None:
    require_load()
    port = free_port()
    targets = write(tmp_path, "targets.yaml", f"""\
        targets:
          down:
            endpoint: http://127.0.0.1:{port}
            credentials: {{access_key: AK, secret_key: SK}}
        """)
    started = time.monotonic()
    done = run_load(["--targets-file", str(targets), "--target", "down", "--profile", "smoke",
                     "--run-dir", str(tmp_path / "run")])
    assert done.returncode == ExitCode.ENDPOINT_UNREACHABLE
    assert time.monotonic() - started < 30
    line = one_line(done.stdout, done.stderr)
    assert f"target 'down' at http://127.0.0.1:{port}: unreachable" in line


def test_rejected_credentials(tmp_path: Path) -> None:
    require_load()
    require_server("rclone")
    targets_file = load_targets(environ={})
    fleet = Fleet(targets_file, tmp_path / "fleet")
    try:
        live = fleet.start([targets_file.get("rclone")])["rclone"]
        targets = write(tmp_path, "targets.yaml", f"""\
            targets:
              wrongkeys:
                endpoint: {live.endpoint}
                credentials: {{access_key: not-the-key, secret_key: not-the-secret}}
            """)
        done = run_load(["--targets-file", str(targets), "--target", "wrongkeys", "--profile", "smoke",
                         "--run-dir", str(tmp_path / "run")])
    finally:
        fleet.stop()
    assert done.returncode == ExitCode.CREDENTIALS_REJECTED
    line = one_line(done.stdout, done.stderr)
    assert "target 'wrongkeys'" in line and "credentials rejected" in line
    assert "not-the-secret" not in done.stdout + done.stderr


def test_server_dying_mid_run_ends_the_run_with_one_line(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    require_load()
    run_dir = tmp_path / "run"
    proc = start_load(["--target", "rclone", "--profile", "smoke", "--run-time", "30s", "--run-dir", str(run_dir)])
    try:
        deadline = time.monotonic() + 40
        while not (run_dir / "load_history.jsonl").is_file():  # the measured window has begun
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the load run did not start"
            time.sleep(0.2)
        servers = [p for p in psutil.Process(proc.pid).children(recursive=True) if p.name() == "rclone"]
        assert len(servers) == 1
        killed_at = time.monotonic()
        servers[0].send_signal(signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == ExitCode.TARGET_DIED, stdout + stderr
    assert time.monotonic() - killed_at < 25
    line = one_line(stdout, stderr)
    assert f"server process {servers[0].pid} exited during the load run" in line
    meta = json.loads((run_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["exit_status"] == ExitCode.TARGET_DIED
