"""`gauntlet serve NAME`: a local server for any other tool, until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from gauntlet.fleet.running import pid_alive
from gauntlet.s3.clients import make_client
from gauntlet.s3.credentials import Credentials
from tests.integration.conftest import ROOT, require_server

pytestmark = pytest.mark.integration


def test_serve_prints_a_usable_environment_and_stops_on_ctrl_c() -> None:
    require_server("rclone")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gauntlet.cli", "serve", "rclone"], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    env: dict[str, str] = {}
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while "AWS_DEFAULT_REGION" not in env and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("export "):
                key, _, value = line[len("export "):].strip().partition("=")
                env[key] = value.strip("'")
        assert env.get("AWS_ENDPOINT_URL", "").startswith("http://127.0.0.1:"), env
        client = make_client(env["AWS_ENDPOINT_URL"],
                             Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]),
                             region=env["AWS_REGION"])
        client.create_bucket(Bucket="served-bucket")
        client.put_object(Bucket="served-bucket", Key="k", Body=b"v")
        assert client.get_object(Bucket="served-bucket", Key="k")["Body"].read() == b"v"
        server_pids = [int(p) for p in subprocess.run(
            ["pgrep", "-f", f"rclone serve s3 .*{env['AWS_ENDPOINT_URL'].rsplit(':', 1)[1]}"],
            capture_output=True, text=True).stdout.split()]
        assert server_pids
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 0
    assert not any(pid_alive(pid) for pid in server_pids), "the served server must stop with the command"


def test_serve_prints_the_second_users_keys_and_a_target_entry() -> None:
    require_server("versitygw")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gauntlet.cli", "serve", "versitygw"], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    env: dict[str, str] = {}
    entry = ""
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while not entry and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("export "):
                key, _, value = line[len("export "):].strip().partition("=")
                env[key] = value.strip("'")
            elif line.startswith("#   versitygw-served:"):
                entry = line
        assert env.get("GAUNTLET_ALT_ACCESS_KEY_ID") and env["GAUNTLET_ALT_ACCESS_KEY_ID"] != env["AWS_ACCESS_KEY_ID"]
        assert "alt_credentials: {access_key_env: GAUNTLET_ALT_ACCESS_KEY_ID" in entry, entry
        alt = make_client(env["AWS_ENDPOINT_URL"],
                          Credentials(env["GAUNTLET_ALT_ACCESS_KEY_ID"], env["GAUNTLET_ALT_SECRET_ACCESS_KEY"]),
                          region=env["AWS_REGION"])
        alt.list_buckets()  # the second user's keys work on the served server
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 0
