"""One workload over several servers: a comparison of rclone, SeaweedFS and moto (quick to install).

`python -m gauntlet.load.run --target rclone,seaweedfs,moto` runs the smoke profile on each in turn
with one seed, writes comparison.md / comparison.csv and report.html over the three run directories;
the report's per-operation charts are checked in headless Chromium and a screenshot is kept.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.integration.test_load_run import require_load, run_load

pytestmark = pytest.mark.integration

TARGETS = ("rclone", "seaweedfs", "moto")


def test_three_servers_one_workload_compared_with_charts(tmp_path: Path, browser) -> None:
    require_load()
    base = tmp_path / "cmp"
    done = run_load(["--target", ",".join(TARGETS), "--profile", "smoke", "--run-time", "6s", "--run-dir",
                     str(base)], timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    seeds = {json.loads((base / t / "plan.json").read_text())["seed"] for t in TARGETS}
    assert len(seeds) == 1, f"one seed for every target, got {seeds}"
    with (base / "comparison.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    for op in ("GET", "PUT", "LIST"):
        got = [r for r in rows if r["operation"] == op]
        assert [r["target"] for r in got] == list(TARGETS), got
        assert float(got[0]["ratio"]) == 1.0 and all(float(r["ops_s"]) > 0 for r in got)
    assert "| GET | seaweedfs |" in (base / "comparison.md").read_text()

    html = (base / "report.html").read_text()
    for chart in ("throughput_rps", "latency", "throughput_over_time"):
        assert f'id="chart-{chart}"' in html, chart

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto((base / "report.html").as_uri())
    chart = page.locator("figure#chart-throughput_rps svg")
    assert chart.is_visible()
    legend = page.locator("figure#chart-throughput_rps").inner_text() + chart.inner_html()
    for target in TARGETS:
        assert target in legend, f"{target} missing from the ops/s chart"
    page.locator("figure#chart-throughput_rps").scroll_into_view_if_needed()
    page.screenshot(path=str(base / "comparison.png"))
    page.close()
    assert (base / "comparison.png").stat().st_size > 20_000
