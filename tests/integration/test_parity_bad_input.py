"""`gauntlet parity` bad input against real servers: one clear line, a distinct exit code,
partial results kept.

    same source and destination      30
    unknown bucket                   31
    credentials rejected             14 (as for every gauntlet command)
    a target gone mid-comparison     33
    bad command line                  2 (as for every gauntlet command)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gauntlet.errors import ExitCode
from gauntlet.fleet.running import Fleet, LiveTarget
from gauntlet.fleet.targets import load_targets
from gauntlet.parity import ParityOptions, run_parity
from tests.integration.conftest import ROOT, require_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fleet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("parity-bad-input")


@pytest.fixture(scope="module")
def servers(fleet_dir: Path) -> Iterator[tuple[LiveTarget, LiveTarget]]:
    """moto (source, with bucket 'present') and SeaweedFS (checks signatures)."""
    for name in ("moto", "seaweedfs"):
        require_server(name)
    targets = load_targets(environ={})
    fleet = Fleet(targets, fleet_dir)
    try:
        live = fleet.start([targets.get("moto"), targets.get("seaweedfs")])
        source = live["moto"]
        source.client(checksum_mode="when_required").create_bucket(Bucket="present")
        yield source, live["seaweedfs"]
    finally:
        fleet.stop()


def targets_file(tmp_path: Path, **targets: tuple[LiveTarget, str | None]) -> Path:
    """A targets.yaml naming live servers as endpoint targets (secret overridable)."""
    lines = ["targets:"]
    for name, (target, secret) in targets.items():
        lines += [f"  {name}:", f"    endpoint: {target.endpoint}",
                  f"    credentials: {{access_key: {target.credentials.access_key}, "
                  f"secret_key: {secret or target.credentials.secret_key}}}"]
    path = tmp_path / "targets.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def parity(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gauntlet.parity", "--no-progress", *args], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=timeout)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.startswith("s3gauntlet parity:")]
    assert len(lines) == 1, f"expected one error line, got:\n{done.stderr}"
    return lines[0]


def test_same_source_and_dest(tmp_path: Path) -> None:
    done = parity(["--source", "moto", "--dest", "moto", "--out", str(tmp_path / "out")])
    assert done.returncode == ExitCode.SAME_TARGET
    assert "both target 'moto'" in one_line(done)


def test_same_endpoint_under_two_names(servers: tuple[LiveTarget, LiveTarget], tmp_path: Path) -> None:
    source, _ = servers
    path = targets_file(tmp_path, first=(source, None), second=(source, None))
    done = parity(["--file", str(path), "--source", "first", "--dest", "second", "--out", str(tmp_path / "out")])
    assert done.returncode == ExitCode.SAME_TARGET
    assert "same endpoint" in one_line(done)
    # two buckets of one server are a valid comparison
    source.client(checksum_mode="when_required").create_bucket(Bucket="present-copy")
    done = parity(["--file", str(path), "--source", "first", "--dest", "second", "--bucket", "present:present-copy",
                   "--out", str(tmp_path / "ok")])
    assert done.returncode == ExitCode.OK, done.stdout + done.stderr


def test_unknown_bucket(servers: tuple[LiveTarget, LiveTarget], tmp_path: Path) -> None:
    source, dest = servers
    path = targets_file(tmp_path, src=(source, None), dst=(dest, None))
    out = tmp_path / "out"
    done = parity(["--file", str(path), "--source", "src", "--dest", "dst", "--bucket", "no-such-bucket",
                   "--out", str(out)])
    assert done.returncode == ExitCode.UNKNOWN_BUCKET
    assert one_line(done) == "s3gauntlet parity: bucket 'no-such-bucket' does not exist on source 'src'"
    summary = json.loads((out / "parity_summary.json").read_text())
    assert summary["exit_code"] == ExitCode.UNKNOWN_BUCKET and not summary["complete"]


def test_credentials_rejected_on_one_side(servers: tuple[LiveTarget, LiveTarget], tmp_path: Path) -> None:
    source, dest = servers
    wrong = "not-the-secret-0123456789"
    path = targets_file(tmp_path, src=(source, None), dst=(dest, wrong))
    done = parity(["--file", str(path), "--source", "src", "--dest", "dst", "--out", str(tmp_path / "out")])
    assert done.returncode == ExitCode.CREDENTIALS_REJECTED
    line = one_line(done)
    assert line.startswith("s3gauntlet parity: dest target 'dst'") and "credentials rejected" in line
    assert wrong not in done.stdout + done.stderr


def test_bad_command_line(tmp_path: Path) -> None:
    done = parity(["--source", "moto", "--dest", "rclone", "--sample", "-3"])
    assert done.returncode == ExitCode.USAGE
    assert "--sample -3" in one_line(done)


def test_target_gone_mid_comparison_keeps_partial_results(servers: tuple[LiveTarget, LiveTarget],
                                                          fleet_dir: Path, tmp_path: Path) -> None:
    """The destination's server is killed after 60 of 400 objects: exit 33, the rows so far are kept."""
    source, _ = servers
    targets = load_targets(environ={})
    victim_fleet = Fleet(targets, fleet_dir / "victim")
    try:
        dest = victim_fleet.start([targets.get("rclone")])["rclone"]
        src, dst = source.client(checksum_mode="when_required"), dest.client(checksum_mode="when_required")
        src.create_bucket(Bucket="doomed")
        dst.create_bucket(Bucket="doomed")
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda n: src.put_object(Bucket="doomed", Key=f"k/{n:04d}", Body=b"%d" % n), range(400)))
            list(pool.map(lambda n: dst.put_object(Bucket="doomed", Key=f"k/{n:04d}", Body=b"%d" % n),
                          range(0, 400, 3)))

        def kill_dest(compared: int) -> None:
            if compared == 60:
                for pid in dest.pids:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(pid, signal.SIGKILL)

        result = run_parity(source, dest, ParityOptions(buckets=[("doomed", "doomed")], workers=4, page_size=100,
                                                     metadata=False, tags=False, config=False),
                            tmp_path, "gone", on_compared=kill_dest)
    finally:
        victim_fleet.stop()
    assert result.exit_code == ExitCode.TARGET_GONE, result.summary
    assert result.summary["error"].startswith("s3gauntlet parity: dest 'rclone' disappeared during the comparison")
    assert not result.summary["complete"]
    rows = (tmp_path / "parity_rows.jsonl").read_text().splitlines()
    assert rows and all(json.loads(r)["kind"] == "missing_on_dest" for r in rows)
    assert json.loads((tmp_path / "parity_summary.json").read_text())["exit_code"] == ExitCode.TARGET_GONE
