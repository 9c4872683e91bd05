"""Load runs against a launched local server, as a user runs them (python -m gauntlet.load.run in a child).

Short bounded runs of the ``smoke`` profile against rclone: headless, with
``--processes``, and distributed (a master and two workers on loopback). Each
checks the run directory the report builder reads.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gauntlet.fleet.launch.base import free_port
from gauntlet.fleet.launch.rclone import RcloneLauncher
from gauntlet.rundir.layout import LOAD_HISTORY_FIELDS as HISTORY_FIELDS
from gauntlet.rundir.layout import LOAD_SUMMARY_FIELDS as SUMMARY_FIELDS
from tests.integration.conftest import ROOT, require_server

pytestmark = pytest.mark.integration

LOCUST_FILES = ("locust_stats.csv", "locust_stats_history.csv", "locust_failures.csv", "locust_exceptions.csv")


# --------------------------------------------------------------------------- helpers (shared by test_load_*.py)


def require_module(module: str, hint: str) -> None:
    """Skip (locally) or fail (CI: GAUNTLET_REQUIRE_ALL_SERVERS=1) when a Python package is missing."""
    if importlib.util.find_spec(module) is None:
        message = f"the Python package {module} is not installed; install it with: {hint}"
        if os.environ.get("GAUNTLET_REQUIRE_ALL_SERVERS"):
            pytest.fail(message)
        pytest.skip(message)


#: Runs stopped at a request cap cut PUTs off mid-body; rclone serve s3 can keep such a partial upload
#: in a way that makes the bucket undeletable, so the multi-process runs use SeaweedFS.
MULTI_TARGET = "seaweedfs"


def require_load() -> None:
    require_module("locust", "pip install 'locust>=2.20' (the 'load' extra)")
    require_server("rclone")
    require_server(MULTI_TARGET)


def loadrun_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(extra or {})}
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    return env


def run_load(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gauntlet.load.run", "--silent", *args], cwd=ROOT,
                          env=loadrun_env(), capture_output=True, text=True, timeout=timeout)


def start_load(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "gauntlet.load.run", "--silent", *args], cwd=ROOT,
                            env=loadrun_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gauntlet_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("s3gauntlet:")]


def check_run_dir(run_dir: Path, target: str = "rclone", ops: tuple[str, ...] = ()) -> dict[str, Any]:
    """The layout the report builder depends on; returns meta.json."""
    for name in (*LOCUST_FILES, "locust_report.html", "meta.json", "load_summary.jsonl", "load_history.jsonl"):
        assert (run_dir / name).is_file(), f"{name} missing in {run_dir}: {sorted(os.listdir(run_dir))}"
    meta = json.loads((run_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["kind"] == "load" and meta["end_time"]
    assert meta["targets"][0]["name"] == target and meta["targets"][0]["endpoint"].startswith("http://127.0.0.1:")
    assert meta["targets"][0]["version"] not in ("", "unknown")
    assert meta["profile"]["name"] and meta["profile"]["operations"]
    assert meta["locust_version"][0].isdigit()
    assert meta["load"]["cleanup"]["left"] == [] and meta["load"]["cleanup"]["removed"]
    assert all(b.startswith(f"s3g-{meta['run_id']}-") for b in meta["load"]["buckets"])

    rows = read_jsonl(run_dir / "load_summary.jsonl")
    assert rows, "no summary rows"
    for row in rows:
        assert tuple(row) == SUMMARY_FIELDS
        assert row["run_id"] == meta["run_id"] and row["target"] == target
        assert row["requests"] > 0, row
        assert row["integrity_failures"] == 0, row
        assert row["p50_ms"] is not None and row["rps"] > 0
    seen = {r["operation"] for r in rows}
    assert set(ops) <= seen, f"operations {set(ops) - seen} missing from {seen}"
    gets = [r for r in rows if r["operation"] == "GET"]
    assert gets and sum(r["integrity_checked"] for r in gets) > 0
    assert all(r["ttfb_p50_ms"] is not None for r in gets)
    history = read_jsonl(run_dir / "load_history.jsonl")
    assert history and all(tuple(h) == HISTORY_FIELDS for h in history)
    with open(run_dir / "locust_stats.csv", encoding="utf-8") as stats:
        names = {row["Name"] for row in csv.DictReader(stats)}
    assert any(name.startswith("GET ") for name in names), names
    secret = RcloneLauncher.default_credentials.secret_key
    for name in ("meta.json", "plan.json", "locust.log", "load_summary.jsonl", "s3_results.json"):
        path = run_dir / name
        if path.is_file():
            assert secret not in path.read_text(encoding="utf-8"), f"secret key written to {name}"
    return meta


# --------------------------------------------------------------------------- tests


def test_headless_run_with_processes_writes_the_run_directory(tmp_path: Path) -> None:
    """Headless, Locust's ``--processes 2`` (a master and two forked workers), run time from the command line."""
    require_load()
    run_dir = tmp_path / "run"
    done = run_load(["--target", MULTI_TARGET, "--profile", "smoke", "--run-time", "3s", "--processes", "2",
                     "--run-dir", str(run_dir)])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "load run" in gauntlet_lines(done.stdout)[-1]
    meta = check_run_dir(run_dir, MULTI_TARGET, ops=("GET", "GET-RANGE", "PUT", "HEAD", "DELETE", "LIST"))
    assert meta["profile"]["run_time"] == 3 and meta["profile"]["overrides"] == {"run_time": 3.0}
    assert meta["load"]["mode"] == "headless" and meta["load"]["processes"] == 2 and meta["exit_status"] == 0
    results = json.loads((run_dir / "s3_results.json").read_text(encoding="utf-8"))
    assert results["workers"] == 2
    assert 2.0 <= results["duration_s"] <= 5.5, results  # bounded by the run time
    assert {r["size_class"] for r in read_jsonl(run_dir / "load_summary.jsonl") if r["operation"] == "GET"} \
        <= {"4KiB", "64KiB"}


def test_distributed_master_and_two_workers_stop_at_the_request_cap(tmp_path: Path) -> None:
    """Distributed the way Locust does it: a master and two workers on loopback; the request cap ends the run."""
    require_load()
    run_dir = tmp_path / "run"
    port = free_port()
    workers = [start_load(["--worker", "--target", MULTI_TARGET, "--master-host", "127.0.0.1",
                           "--master-port", str(port)]) for _ in range(2)]
    started = time.monotonic()
    try:
        done = run_load(["--target", MULTI_TARGET, "--profile", "smoke", "--run-time", "60s", "--request-cap", "600",
                         "--run-dir", str(run_dir), "--master", "--expect-workers", "2",
                         "--master-bind-port", str(port), "--expect-workers-timeout", "30"])
        assert done.returncode == 0, done.stdout + done.stderr
        for worker in workers:
            worker.wait(timeout=20)  # the master tells its workers to quit
            assert worker.returncode == 0, worker.stderr.read() if worker.stderr else ""
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert time.monotonic() - started < 45
    meta = check_run_dir(run_dir, MULTI_TARGET, ops=("GET", "PUT", "LIST"))
    assert meta["load"]["mode"] == "master" and meta["load"]["expect_workers"] == 2
    results = json.loads((run_dir / "s3_results.json").read_text(encoding="utf-8"))
    assert results["stop_reason"] == "request cap of 600 reached"
    assert 600 <= results["requests"] < 20_000
    assert results["workers"] == 2 and results["integrity_failures"] == 0 and results["integrity_checked"] > 0
