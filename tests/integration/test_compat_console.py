"""What a user sees after a compat run: a short console ending in the findings and a table, and the
run's own report.html whose first screen shows the severity-ranked findings.

One fleet run (rclone and s3s-fs, two servers with many findings), every suite, as
`tox -e compat -- --target rclone,s3s-fs` would run it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gauntlet.rundir.rows import read_rows
from tests.integration.conftest import require_server, run_pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def compat_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    for name in ("rclone", "s3s-fs"):
        require_server(name)
    run_dir = tmp_path_factory.mktemp("compat") / "run"
    done = run_pytest(["suites", "--target", "rclone,s3s-fs", "--run-dir", str(run_dir), "-n", "2"], timeout=900)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    return run_dir, done.stdout


def test_console_is_one_line_per_finding_plus_a_short_frame(compat_run: tuple[Path, str]) -> None:
    run_dir, stdout = compat_run
    rows = read_rows(run_dir / "results.jsonl")
    findings = [r for r in rows if r["outcome"] in ("fail", "error")]
    lines = stdout.splitlines()
    assert len(lines) <= 150 + len(findings), len(lines)
    assert "Traceback" not in stdout and "botocore" not in stdout
    table = lines[lines.index(next(line for line in lines if line.startswith("target "))):]
    for severity in ("data", "security", "client", "detail"):
        assert severity in table[0]
    for target in ("rclone", "s3s-fs"):
        assert any(line.startswith(target) for line in table[1:3]), table[:3]
    # each finding is one line under its area
    for row in findings[:20]:
        assert any(row["target"] in line and row["case"].split("::", 1)[1] in line for line in lines), row["case"]
    assert f"report: {run_dir}/report.html" in stdout or "report.html" in table[-1] or any(
        "report.html" in line for line in lines[-4:])


def test_run_writes_its_report_with_findings_on_the_first_screen(compat_run: tuple[Path, str],
                                                                 browser) -> None:
    run_dir, _ = compat_run
    report = run_dir / "report.html"
    assert report.is_file() and (run_dir / "summary.md").is_file()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    heading = page.locator("section#findings h2")
    box = heading.bounding_box()
    assert box is not None and box["y"] < 900, box
    first_screen = page.locator("section#findings").inner_text()[:4000]
    assert "data" in first_screen and ("rclone" in first_screen or "s3s-fs" in first_screen)
    page.screenshot(path=str(run_dir / "report-first-screen.png"), full_page=False)  # kept with the run
    assert (run_dir / "report-first-screen.png").stat().st_size > 10_000
    page.close()
