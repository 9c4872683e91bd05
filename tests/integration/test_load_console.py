"""The live console and `--run-time auto` of a headless load run, as a user runs it (output not a terminal).

One smoke-profile run against rclone with `--run-time auto:25s` and a request cap far above what 25 s
can reach: the console prints plain status lines (no Locust table every 2 s, no terminal escapes), and
the run either stops early on steady throughput or at the cap, and says which in meta.json.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT
from tests.integration.test_load_run import loadrun_env, require_load

pytestmark = pytest.mark.integration


def test_auto_run_time_with_plain_status_lines(tmp_path: Path) -> None:
    require_load()
    run_dir = tmp_path / "run"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "gauntlet.load.run", "--target", "rclone", "--profile", "smoke",
                           "--duration", "auto:25s", "--request-cap", "10000000", "--run-dir", str(run_dir)],
                          cwd=ROOT, env=loadrun_env(), capture_output=True, text=True, timeout=120)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    status = [line for line in done.stdout.splitlines() if re.match(r"s3gauntlet: \d+ s, \d+ users, ", line)]
    assert status, done.stdout
    assert "GET " in status[-1] and "/s" in status[-1], status[-1]
    assert "\x1b[" not in done.stdout  # not a terminal: no cursor movement
    assert done.stdout.count("Aggregated") <= 2  # Locust's final summary only (requests and percentiles)
    auto = json.loads((run_dir / "meta.json").read_text())["load"]["auto_stop"]
    assert auto["cap_s"] == 25 and auto["stopped"] in ("stable", "cap"), auto
    assert f"s3gauntlet: --run-time auto: {auto['why']}" in done.stdout
    if auto["stopped"] == "stable":
        assert 10 <= auto["after_s"] < 25 and len(auto["last_segment_rates"]) == 5, auto
        rates = auto["last_segment_rates"]
        assert max(rates) - min(rates) <= 0.15 * sum(rates) / len(rates) + 1, auto
    assert took < 25 + 60, took  # the cap holds (plus launch, prefill and cleanup)
