"""The HTML report in headless Chromium: it renders, with its charts, offline, without console errors.

Needs Debian's `chromium` and the Python package `playwright` (its own browser downloads are
never used: Playwright drives /usr/bin/chromium). Skipped with the reason when either is
missing, except in CI (GAUNTLET_REQUIRE_ALL_SERVERS=1), where that is a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gauntlet.reports.build import build_report, write_report
from gauntlet.reports.load import load_runs

pytestmark = pytest.mark.integration

FLEET = Path(__file__).resolve().parents[1] / "data" / "fleet"
@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("report")
    report = build_report(load_runs([FLEET]))
    write_report(report, out)
    return out / "report.html", report


def test_report_renders_with_its_charts_and_no_console_errors(browser, report_file, tmp_path: Path) -> None:
    path, report = report_file
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")

    assert problems == []
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == [], "the report fetched something"
    assert page.title() == report.title

    charts = page.eval_on_selector_all(
        "figure.chart svg", "nodes => nodes.map(n => { const r = n.getBoundingClientRect(); "
        "return {id: n.parentElement.id, w: r.width, h: r.height, marks: n.querySelectorAll('path, use').length}; })")
    assert {c["id"] for c in charts} == {f"chart-{name}" for name in report.charts}
    for chart in charts:
        assert chart["w"] > 200 and chart["h"] > 100 and chart["marks"] > 10, chart

    # the views are there and hold the recorded numbers
    for section in ("overview", "compat", "perf", "diff", "runs"):
        assert page.locator(f"section#{section}").is_visible()
    overview = page.locator("section#overview table").inner_text()
    overall = report.scores[report.scores["area"] == "all"].set_index("target")
    for target in report.compat_targets:
        row = overall.loc[target]
        assert f"{int(row['pass'])} / {int(row['fail'])} / {int(row['unsupported'])} / {int(row['error'])}" in overview
    differ_rows = page.locator("#differ + p + div table tbody tr:not(.group)").count()
    assert differ_rows == report.differences["case"].nunique()

    # the full matrix opens
    details = page.locator("section#compat details")
    assert not page.locator("section#compat details table").is_visible()
    details.locator("summary").click()
    assert page.locator("section#compat details table").is_visible()

    page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
    assert (tmp_path / "report.png").stat().st_size > 20_000
    page.close()


def test_report_prints_to_pdf_headless(browser, report_file, tmp_path: Path) -> None:
    """What a user does to attach the report to a ticket: the page lays out for print too."""
    path, _ = report_file
    page = browser.new_page()
    page.goto(path.as_uri())
    pdf = page.pdf(path=str(tmp_path / "report.pdf"))
    assert pdf[:4] == b"%PDF" and len(pdf) > 20_000
    page.close()


SDK_MATRIX = Path(__file__).resolve().parents[1] / "data" / "sdk-matrix" / "run"


def test_client_matrix_shows_steps_per_client_and_opens_failing_steps(browser, tmp_path: Path) -> None:
    report = build_report(load_runs([SDK_MATRIX]))
    write_report(report, tmp_path)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto((tmp_path / "report.html").as_uri())
    section = page.locator("section#clients")
    assert section.is_visible()
    rows = section.locator("tbody tr")
    assert rows.count() == report.clients["client"].nunique() >= 8
    header = section.locator("thead th").all_inner_texts()
    assert header == ["client", *report.compat_targets]
    # every cell says passed/total as recorded
    for record in report.clients.itertuples():
        row = section.locator("tbody tr", has=page.locator(f"th:text-is('{record.client}')"))
        cell = row.locator("td").nth(report.compat_targets.index(record.target))
        assert cell.inner_text().startswith(f"{record.passed}/{record.total}")
    # a failing cell opens to its steps and messages
    failing = report.clients[report.clients["failing"] != ""].iloc[0]
    row = section.locator("tbody tr", has=page.locator(f"th:text-is('{failing['client']}')"))
    cell = row.locator("td").nth(report.compat_targets.index(failing["target"]))
    first_step = failing["failing"].splitlines()[0].split(":")[0]
    assert not cell.locator("ul").is_visible()
    cell.locator("summary").click()
    assert cell.locator("ul").is_visible() and first_step in cell.locator("ul").inner_text()
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "clients.png"), full_page=False)
    page.close()
