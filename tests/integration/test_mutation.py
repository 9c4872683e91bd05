"""The mutation score must not drop, and the mutation runner judges faults right (real SeaweedFS).

The full run (`tox -e mutation`, about 4 minutes) is not part of the self-test. Instead:

- every fault's pinned killer (tests/expectations/mutation.yaml; not the faults that stall a minute
  past the client timeout) must still fail under its fault and pass through the pass-through proxy:
  one pytest run with every fault as a target;
- the runner itself runs on six faults from different areas, narrowed to a few cases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gauntlet.faults import FAULTS
from gauntlet.faults.mutation import EXPECTATIONS
from tests.integration.conftest import ROOT, require_server

pytestmark = pytest.mark.integration

ROW_KEYS = {"fault", "area", "areas", "description", "killed", "killing_cases", "killing_areas", "expected_area_hit",
            "selection", "cases_run", "duration_s", "applied", "known_survivor", "run_error", "softened"}


def _mutation(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for var in ("PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"):
        env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "gauntlet.faults.mutation", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_pinned_killers_still_kill(tmp_path: Path) -> None:
    """Faults that stall past the client timeout are left out here (a minute each); the full run checks them."""
    require_server("seaweedfs")
    pins = {name: pin for name, pin in yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))["killers"].items()
            if not FAULTS[name].stall_s}
    done = _mutation(["--check-pins", "--skip-stalling", "--out", str(tmp_path)], timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert f"pinned killers: {len(pins)}/{len(pins)} still kill their fault" in output


# one fault per area, each with the case that should catch it (the -k keeps the runs to a few cases)
SUBSET = {
    "ignore-range": "range_first_ten",
    "omit-delete-markers": "creates_delete_marker",
    "ignore-prefix": "prefix_returns_only",
    "drop-cors-headers": "allowed_origin_carries",
    "ignore-if-none-match": "none_match_current_etag_is_304",
    "accept-bad-signature": "wrong_secret_key_is_403",
}


def test_runner_kills_a_representative_subset_in_the_expected_areas(tmp_path: Path) -> None:
    require_server("seaweedfs")
    args = [arg for fault in SUBSET for arg in ("--fault", fault)]
    done = _mutation([*args, "-k", " or ".join(SUBSET.values()), "--out", str(tmp_path)], timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert output.strip().splitlines()[-1] == f"mutation score: {len(SUBSET)}/{len(SUBSET)} killed"
    rows = [json.loads(line) for line in (tmp_path / "mutation.jsonl").read_text().splitlines()]
    assert [r["fault"] for r in rows] == list(SUBSET)
    for row in rows:
        assert set(row) == ROW_KEYS
        assert row["killed"] and row["expected_area_hit"] and row["applied"], row
        assert any(SUBSET[row["fault"]] in k["case"] for k in row["killing_cases"]), row
    summary = json.loads((tmp_path / "mutation.json").read_text())
    assert summary["score"] == f"{len(SUBSET)}/{len(SUBSET)}" and summary["faults"] == rows
    assert summary["baseline"]["proxy"]["signature_disagreements"] == 0
