"""`gauntlet load cmp`: a slowed server is a regression, a second run of the same server is not.

Three short smoke-profile runs made side by side (so each sees the same machine load, as a user
comparing two runs should arrange): rclone twice and rclone behind the fault proxy with 50 ms added
to every answer (`rclone-slowed`). Made one after the other while the self-test's other workers
ran, two runs of one server drifted apart by up to 22 %, and side by side on a machine with four
other jobs by up to 26 %, which says nothing about the server: the self-test shares its machine, so
it compares with `--min-band 0.35`, as the README advises there (the slowed server is at -95 %).
The comparison reads only Locust's own files in the run directories.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT
from tests.integration.test_load_run import loadrun_env, require_load, start_load

pytestmark = pytest.mark.integration


def _cmp(a: Path, b: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gauntlet.cli", "load", "cmp", str(a), str(b), "--json",
                           "--min-band", "0.35"], cwd=ROOT,
                          env=loadrun_env(), capture_output=True, text=True, timeout=60)


def test_cmp_reports_the_slowed_server_and_not_a_rerun(tmp_path: Path) -> None:
    require_load()
    runs = {name: tmp_path / name for name in ("a", "b", "slow")}
    started = {name: start_load(["--target", target, "--profile", "smoke", "--run-time", "10s",
                                 "--run-dir", str(runs[name])])
               for name, target in (("a", "rclone"), ("b", "rclone"), ("slow", "rclone-slowed"))}
    for process in started.values():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, out + err

    slowed = _cmp(runs["a"], runs["slow"])
    assert slowed.returncode == 1, slowed.stdout + slowed.stderr
    changes = {c["operation"]: c for c in json.loads(slowed.stdout)["changes"]}
    assert changes["GET"]["verdict"] == "regression" and changes["GET"]["change"] < -0.3, changes["GET"]
    assert all(c["verdict"] == "regression" for c in changes.values()), changes

    rerun = _cmp(runs["a"], runs["b"])
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    report = json.loads(rerun.stdout)
    assert all(c["verdict"] != "regression" for c in report["changes"]), report["changes"]
    for run in (report["a"], report["b"]):
        assert run["window_s"] >= 3 and not run["whole_run"], run
        assert all(len(op["segments"]) >= 3 for op in run["operations"].values())


def test_cmp_of_a_directory_that_is_not_a_load_run_is_one_line_and_exit_21(tmp_path: Path) -> None:
    done = _cmp(tmp_path, tmp_path)
    assert done.returncode == 21
    assert done.stderr.strip().splitlines() == [
        f"s3gauntlet load cmp: {tmp_path}: not a load run directory (no locust_stats_history.csv)"]
