"""A non-editable install works away from the checkout: the wheel carries suites/, loadtests/ and the report templates.

The wheel is built from the checkout (`pip wheel .`, setup.py's hook copies the top-level folders into
gauntlet/_project/) and installed into a folder of its own; the harness then runs from an empty
directory with only that folder on PYTHONPATH: `gauntlet compat` against a launched moto, and
`gauntlet report` over the run. Runs land in the current directory, never in the installed package.
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
from tests.integration.conftest import ROOT, require_server

pytestmark = pytest.mark.integration


def _gauntlet(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`gauntlet ARGS` with only the installed copy importable (not the checkout)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST")}
    env["PYTHONPATH"] = str(site)
    code = ("import sys, gauntlet; print('package:', gauntlet.__file__, flush=True); "
            "from gauntlet.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_installed_wheel_runs_suites_and_reports_outside_the_checkout(tmp_path: Path) -> None:
    require_server("moto")
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    # from a copy of the sources: a build in the checkout would leave build/ there, and stale modules in it
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".tox", ".venv", ".gauntlet", "runs", "build", "node_modules", "target", "__pycache__", "*.egg-info"))
    built = subprocess.run([*pip, "wheel", str(source), "--no-deps", "-q", "-w", str(wheels)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("s3gauntlet-*.whl")
    installed = subprocess.run([*pip, "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-2000:]
    bundled = site / "gauntlet" / "_project"
    for name in ("suites/test_objects.py", "suites/_support/__init__.py", "loadtests/locustfile.py",
                 "loadtests/profiles", "reports/templates/report.html", "targets.yaml", "conftest.py"):
        assert (bundled / name).exists(), f"the wheel lacks {name}"

    done = _gauntlet(["compat", "--target", "moto", "-m", "smoke", "-q"], site, work)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"package: {site / 'gauntlet' / '__init__.py'}" in done.stdout, "the checkout was imported, not the wheel"
    (run_dir,) = (work / "runs").iterdir()
    rows = read_rows(run_dir / "results.jsonl")
    assert rows and {row["outcome"] for row in rows} == {"pass"}, rows
    assert json.loads((run_dir / "meta.json").read_text())["targets"][0]["name"] == "moto"
    assert not (bundled / "runs").exists(), "a run was written into the installed package"

    report = _gauntlet(["report", "--out", str(work / "report"), str(work / "runs")], site, work)
    assert report.returncode == 0, report.stdout[-2000:] + report.stderr[-2000:]
    assert (work / "report" / "report.html").is_file()
