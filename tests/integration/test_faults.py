"""The fault proxy against a real launched SeaweedFS: the process, a faulty target in a real run, bad input."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import botocore.exceptions
import pytest

from gauntlet.errors import ExitCode
from gauntlet.faults import start_proxy
from gauntlet.fleet.running import Fleet, LiveTarget, pid_alive
from gauntlet.fleet.targets import load_targets
from gauntlet.rundir.rows import read_rows
from gauntlet.s3.clients import make_client
from tests.integration.conftest import require_server, run_pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveTarget]:
    require_server("seaweedfs")
    targets = load_targets(environ={})
    fleet = Fleet(targets, tmp_path_factory.mktemp("fleet"))
    try:
        yield fleet.start([targets.get("seaweedfs")])["seaweedfs"]
    finally:
        fleet.stop()


def _client(endpoint: str, live: LiveTarget) -> object:
    return make_client(endpoint, live.credentials, region=live.region, checksum_mode="when_required")


def test_proxy_process_plays_its_fault_and_stops(seaweedfs: LiveTarget, tmp_path: Path) -> None:
    direct = _client(seaweedfs.endpoint, seaweedfs)
    direct.create_bucket(Bucket="s3g-faults-proxy-process")
    body = os.urandom(3 * 1024 * 1024 + 7)
    direct.put_object(Bucket="s3g-faults-proxy-process", Key="k", Body=body)
    proxy = start_proxy(seaweedfs, "ignore-range", tmp_path)
    try:
        assert proxy.pid is not None and pid_alive(proxy.pid)
        assert proxy.endpoint.startswith("http://127.0.0.1:")
        through = _client(proxy.endpoint, seaweedfs)
        ranged = through.get_object(Bucket="s3g-faults-proxy-process", Key="k", Range="bytes=0-9")
        assert ranged["ResponseMetadata"]["HTTPStatusCode"] == 200 and ranged["Body"].read() == body
        with pytest.raises(botocore.exceptions.ClientError):  # wrong keys are still refused through the proxy
            make_client(proxy.endpoint, type(seaweedfs.credentials)(seaweedfs.credentials.access_key, "wrong"),
                        region=seaweedfs.region).list_buckets()
    finally:
        proxy.stop()
        direct.delete_object(Bucket="s3g-faults-proxy-process", Key="k")
        direct.delete_bucket(Bucket="s3g-faults-proxy-process")
    assert not pid_alive(proxy.pid)
    stats = json.loads((tmp_path / "proxy-ignore-range-stats.json").read_text())
    assert stats["applied"] == 1 and stats["signing"].get("re-signed") == 1 and stats["errors"] == 0


def _targets(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_faulty_target_wrapping_a_launched_server(tmp_path: Path) -> None:
    """`pytest suites --target broken` where broken = {faults: {wraps: sw, fault: ignore-range}}: the fleet
    launches SeaweedFS, puts the proxy in front, the range case fails, and everything is stopped afterwards."""
    require_server("seaweedfs")
    path = _targets(tmp_path, """
        targets:
          sw: {launch: {server: seaweedfs}}
          broken: {faults: {wraps: sw, fault: ignore-range}}
        """)
    run_dir = tmp_path / "run"
    done = run_pytest(["suites/test_objects.py", "--targets-file", str(path), "--target", "broken", "-n", "0",
                       "-k", "range_first_ten_bytes or smoke_put_get", "--run-dir", str(run_dir)], timeout=300)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    outcomes = {r["case"]: r["outcome"] for r in read_rows(run_dir / "results.jsonl")}
    assert outcomes == {"test_objects.py::test_range_first_ten_bytes_is_206_with_content_range": "fail",
                        "test_objects.py::test_smoke_put_get_delete_roundtrip": "pass"}
    meta = json.loads((run_dir / "meta.json").read_text())
    assert meta["targets"][0]["server"] == "seaweedfs+fault" and "fault=ignore-range" in meta["targets"][0]["version"]
    proxy_log = next((run_dir / "servers" / "broken").glob("proxy-ignore-range.log"))
    assert "stopped" in proxy_log.read_text()


@pytest.mark.parametrize(("body", "words"), [
    ("""
     targets:
       sw: {launch: {server: seaweedfs}}
       broken:
         faults: {wraps: sw, fault: no-such-fault}
     """, ["unknown fault 'no-such-fault'", "ignore-range"]),
    ("""
     targets:
       broken: {faults: {wraps: nowhere, fault: drop-etag}}
     """, ["wraps unknown target 'nowhere'"]),
], ids=["unknown-fault", "unknown-wrapped-target"])
def test_bad_fault_targets_are_one_line_errors(tmp_path: Path, body: str, words: list[str]) -> None:
    path = _targets(tmp_path, body)
    done = run_pytest(["suites", "-m", "smoke", "--targets-file", str(path), "--target", "broken"], timeout=120)
    assert done.returncode == ExitCode.CONFIG_INVALID
    lines = [line for line in (done.stdout + done.stderr).splitlines() if "s3gauntlet:" in line]
    assert len(lines) == 1 and f"{path}:" in lines[0] and all(w in lines[0] for w in words), lines
