"""Reports and the gate on a run made now: the harness's smoke selection against a launched moto server.

This is the contract between the harness and the reports: whatever the suites hold today,
a fresh run directory must load, report and gate, through the commands tox runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.integration.conftest import ROOT, require_server, run_pytest

pytestmark = pytest.mark.integration


def run_module(module: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    """``python -m gauntlet.reports`` / ``python -m gauntlet.reports.gate`` from the project root, as tox runs them."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_smoke_run_reports_and_gates(tmp_path: Path) -> None:
    require_server("moto")
    run_dir = tmp_path / "run"
    done = run_pytest(["suites", "-m", "smoke", "--target", "moto", "--run-dir", str(run_dir), "-q", "--no-header"],
                      timeout=600)
    assert done.returncode in (0, 1), f"smoke run failed (exit {done.returncode}):\n{done.stdout[-2000:]}"
    rows = [json.loads(line) for line in (run_dir / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows, "the smoke selection wrote no rows"

    out = tmp_path / "report"
    made = run_module("gauntlet.reports", ["--out", str(out), str(run_dir)])
    assert made.returncode == 0, made.stderr
    cases = pd.read_csv(out / "tables" / "cases.csv")
    assert sorted(cases["case"]) == sorted(r["case"] for r in rows)
    assert set(cases["outcome"]) == {r["outcome"] for r in rows}
    assert "moto" in (out / "report.html").read_text(encoding="utf-8")

    baseline = tmp_path / "baseline.yaml"
    wrote = run_module("gauntlet.reports.gate", ["--baseline", str(baseline), "--update-baseline", str(run_dir)])
    assert wrote.returncode == 0, wrote.stderr
    expected = yaml.safe_load(baseline.read_text(encoding="utf-8"))["targets"]["moto"]["cases"]
    assert expected == {r["case"]: r["outcome"] for r in rows}

    gated = run_module("gauntlet.reports.gate",
                       ["--baseline", str(baseline), "--out", str(tmp_path / "gate"), str(run_dir)])
    assert gated.returncode == 0, gated.stdout + gated.stderr
    assert (tmp_path / "gate" / "gate-junit.xml").is_file()

    # a baseline that expects every case to pass fails on whatever does not pass today
    optimistic = yaml.safe_load(baseline.read_text(encoding="utf-8"))
    optimistic["targets"]["moto"]["cases"] = dict.fromkeys(expected, "pass")
    baseline.write_text(yaml.safe_dump(optimistic), encoding="utf-8")
    gated = run_module("gauntlet.reports.gate",
                       ["--baseline", str(baseline), "--out", str(tmp_path / "gate"), str(run_dir)])
    not_passing = sum(outcome != "pass" for outcome in expected.values())
    assert gated.returncode == (1 if not_passing else 0), gated.stdout + gated.stderr
