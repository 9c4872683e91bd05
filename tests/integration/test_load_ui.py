"""Locust's web UI with the S3 users, driven as a user would: headless Chromium through Playwright.

Starts ``python -m gauntlet.load.run --ui`` (what ``tox -e ui`` runs) against a launched
SeaweedFS on loopback, opens the page, starts a swarm from the form, waits until the
statistics table shows S3 request rows with non-zero counts, stops the swarm and
keeps a screenshot (``$GAUNTLET_ARTIFACTS_DIR``, default ``runs/artifacts/``).

Needs Debian's ``chromium`` (``/usr/bin/chromium``) and the ``playwright`` Python
package (never ``playwright install``: the system browser is used). Missing either,
the test skips locally and fails in CI (``GAUNTLET_REQUIRE_ALL_SERVERS=1``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from gauntlet.fleet.launch.base import free_port
from tests.integration.conftest import CHROMIUM_ARGS, ROOT
from tests.integration.test_load_run import MULTI_TARGET, read_jsonl, require_load, require_module, start_load

pytestmark = pytest.mark.integration

CHROMIUM = Path(os.environ.get("GAUNTLET_CHROMIUM", "/usr/bin/chromium"))
S3_ROW = re.compile(r"^(GET|GET-RANGE|PUT|HEAD|DELETE|LIST|MPU\S*|VPUT|VGET)( |$)")  # HEAD, DELETE, LIST: no size


def require_chromium() -> None:
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing; install it with: apt-get install -y chromium chromium-driver"
        if os.environ.get("GAUNTLET_REQUIRE_ALL_SERVERS"):
            pytest.fail(message)
        pytest.skip(message)
    require_module("playwright", "pip install playwright (uses the system Chromium; no 'playwright install')")


def artifacts_dir() -> Path:
    path = Path(os.environ.get("GAUNTLET_ARTIFACTS_DIR") or ROOT / "runs" / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def wait_for_http(url: str, proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"the UI run exited early: {proc.communicate()}"
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer within {timeout:.0f}s"
        time.sleep(0.3)


def s3_rows(page) -> dict[str, int]:
    """Request name -> '# Requests' from the statistics table."""
    rows: dict[str, int] = {}
    for row in page.locator("table tbody tr").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        if len(cells) > 2 and S3_ROW.match(cells[1]):
            try:
                rows[cells[1]] = int(cells[2].replace(",", ""))
            except ValueError:
                continue
    return rows


def test_web_ui_swarm_shows_s3_rows(tmp_path: Path) -> None:
    require_load()
    require_chromium()
    from playwright.sync_api import sync_playwright

    port = free_port()
    run_dir = tmp_path / "run"
    proc = start_load(["--ui", "--web-port", str(port), "--target", MULTI_TARGET, "--profile", "smoke",
                       "--run-time", "20s", "--users", "3", "--spawn-rate", "3", "--run-dir", str(run_dir)])
    shot = artifacts_dir() / f"load-ui-{time.strftime('%Y%m%d-%H%M%S')}.png"
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_http(url, proc)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(url)
                page.get_by_role("button", name=re.compile(r"^start$", re.I)).click()
                deadline = time.monotonic() + 30
                rows: dict[str, int] = {}
                while time.monotonic() < deadline:
                    rows = s3_rows(page)
                    if any(n > 0 for name, n in rows.items() if name.startswith("GET ")) and len(rows) >= 3:
                        break
                    page.wait_for_timeout(500)
                assert rows and any(n > 0 for n in rows.values()), f"no S3 rows with requests: {rows}"
                assert {name.split(" ")[0] for name in rows} >= {"GET"}
                page.get_by_role("button", name=re.compile(r"^stop$", re.I)).click()
                page.get_by_text(re.compile(r"^stopped$", re.I)).first.wait_for(timeout=15000)
                page.screenshot(path=str(shot), full_page=True)
            finally:
                browser.close()
        assert shot.is_file() and shot.stat().st_size > 10_000
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # what Ctrl-C does: Locust saves its report, buckets are removed
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stdout + stderr
    summary = read_jsonl(run_dir / "load_summary.jsonl")
    assert summary and all(row["integrity_failures"] == 0 for row in summary)
    assert sum(row["requests"] for row in summary) > 0
    meta = json.loads((run_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["load"]["mode"] == "ui" and meta["load"]["cleanup"]["left"] == []
    assert (run_dir / "locust_report.html").is_file()
