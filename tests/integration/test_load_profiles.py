"""The versioned and multipart load profiles on a server that has both, and the refusal where versioning is absent.

Short bounded runs (5 s, request-capped) against SeaweedFS: every request succeeds, every body read
is checked, and the operations the profile names are measured. rclone serve s3 has no versioning: the
versioned profile is refused before any load with one line and the configuration exit code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gauntlet.errors import ExitCode
from gauntlet.paths import PROFILES_DIR
from tests.integration.test_load_run import MULTI_TARGET, read_jsonl, require_load, run_load

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("profile", "operations"), [("versioned", {"VPUT", "VGET"}),
                                                      ("multipart", {"MPU", "MPU-PART"})])
def test_profile_runs_clean_on_a_server_that_supports_it(tmp_path: Path, profile: str, operations: set[str]) -> None:
    require_load()
    run_dir = tmp_path / "run"
    # the profile as shipped, but every read body checked: a 5 s run on a busy machine may do only a few
    # GETs, and the shipped sample rate (0.1-0.2) would then check none of them
    shipped = yaml.safe_load((PROFILES_DIR / f"{profile}.yaml").read_text(encoding="utf-8"))
    shipped["integrity"] = {**shipped.get("integrity", {}), "sample": 1.0}
    checked = tmp_path / f"{profile}.yaml"
    checked.write_text(yaml.safe_dump(shipped), encoding="utf-8")
    done = run_load(["--target", MULTI_TARGET, "--profile", str(checked), "--run-time", "5s", "--request-cap", "3000",
                     "--run-dir", str(run_dir)], timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((run_dir / "s3_results.json").read_text(encoding="utf-8"))
    assert results["failures"] == 0 and results["integrity_failures"] == 0, results
    rows = read_jsonl(run_dir / "load_summary.jsonl")
    seen = {row["operation"] for row in rows if row["requests"]}
    assert operations <= seen, seen
    assert sum(row["integrity_checked"] for row in rows) > 0
    meta = json.loads((run_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["load"]["cleanup"]["left"] == [], meta["load"]["cleanup"]


def test_versioned_profile_on_a_server_without_versioning_is_one_line(tmp_path: Path) -> None:
    require_load()
    done = run_load(["--target", "rclone", "--profile", "versioned", "--run-time", "5s",
                     "--run-dir", str(tmp_path / "run")], timeout=120)
    assert done.returncode == ExitCode.CONFIG_INVALID, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "profile 'versioned' uses versioned operations" in lines[0], done.stderr
    assert "target 'rclone' does not support versioning" in lines[0], lines[0]
