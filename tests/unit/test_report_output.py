"""The written report (HTML, Markdown, CSV, Parquet, charts) and `python -m gauntlet.reports`, on recorded runs."""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from gauntlet.errors import ExitCode
from gauntlet.reports.build import build_report, write_report
from gauntlet.reports.cli import main
from gauntlet.reports.load import load_runs

FLEET = Path(__file__).resolve().parents[1] / "data" / "fleet"
COMPAT_FLEET = FLEET / "compat-fleet"


def raw_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("report")
    report = build_report(load_runs([FLEET]))
    write_report(report, out)
    return out, report


class _Collector(HTMLParser):
    """Tags, attributes and text of a document (to check it without a browser)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))
            if name == "id":
                self.ids.add(value or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_every_file_is_written(written) -> None:
    out, report = written
    assert (out / "report.html").stat().st_size > 10_000
    assert (out / "summary.md").stat().st_size > 500
    for name in report.tables():
        assert (out / "tables" / f"{name}.csv").is_file(), name
        assert (out / "tables" / f"{name}.parquet").is_file(), name
    assert {p.stem for p in (out / "charts").glob("*.svg")} >= {"outcomes", "throughput_rps", "latency",
                                                                "throughput_over_time"}


def test_csv_and_parquet_tables_hold_the_recorded_rows(written) -> None:
    out, _ = written
    rows = raw_rows(COMPAT_FLEET / "results.jsonl")
    run_id = json.loads((COMPAT_FLEET / "meta.json").read_text())["run_id"]
    for reader, suffix in ((pd.read_csv, "csv"), (pd.read_parquet, "parquet")):
        cases = reader(out / "tables" / f"cases.{suffix}")
        fleet = cases[cases["run_id"] == run_id]
        assert len(fleet) == len(rows)
        assert Counter(zip(fleet["target"], fleet["case"], fleet["outcome"], strict=True)) == Counter(
            (r["target"], r["case"], r["outcome"]) for r in rows)
        perf = reader(out / "tables" / f"perf.{suffix}")
        summary = raw_rows(FLEET / "load-rclone" / "load_summary.jsonl")
        rclone = perf[perf["target"] == "rclone"]
        assert sorted(rclone["rps"].round(3)) == sorted(round(r["rps"], 3) for r in summary)
    parquet = pd.read_parquet(out / "tables" / "cases.parquet")
    assert str(parquet["start_time"].dt.tz) == "UTC"
    matrix = pd.read_csv(out / "tables" / "compat_matrix.csv", keep_default_na=False)
    assert list(matrix.columns) == ["area", "case", "seaweedfs", "rclone", "moto"]


def test_html_is_self_contained_and_shows_every_view(written) -> None:
    out, report = written
    text = (out / "report.html").read_text(encoding="utf-8")
    doc = _Collector()
    doc.feed(text)
    assert doc.tags["script"] == 0 and doc.tags["link"] == 0 and doc.tags["iframe"] == 0
    for tag, name, value in doc.attrs:
        if name in ("src", "href"):
            assert value.startswith(("#", "data:")), f"<{tag} {name}={value!r}> would fetch something"
    assert not re.search(r"url\((?!#)", text), "CSS must not fetch anything"
    assert {"overview", "compat", "perf", "diff", "runs", "differ"} <= doc.ids
    assert doc.tags["svg"] >= 5
    assert {f"chart-{name}" for name in report.charts} <= doc.ids
    body = " ".join(doc.text)
    for target in ("seaweedfs", "rclone", "moto"):
        assert target in body
    # every differing case is listed, and the full matrix has a row per case
    assert all(case in text.replace("<wbr>", "") for case in report.differences["case"].unique()[:50])
    assert text.count('<td class="case">') == report.matrix.shape[0] + report.differences["case"].nunique()


def test_html_escapes_server_messages(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    rows = raw_rows(COMPAT_FLEET / "results.jsonl")[:6]
    rows[0] = {**rows[0], "outcome": "fail", "message": "<script>alert(1)</script> & <b>"}
    (run_dir / "results.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    (run_dir / "meta.json").write_text((COMPAT_FLEET / "meta.json").read_text(), encoding="utf-8")
    assert main(["--out", str(tmp_path / "out"), str(run_dir), "-q"]) == 0
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in html
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "<script>" not in summary


def test_markdown_summary_holds_the_headline_numbers(written) -> None:
    out, report = written
    summary = (out / "summary.md").read_text(encoding="utf-8")
    overall = report.scores[report.scores["area"] == "all"].set_index("target")
    for target in report.compat_targets:
        row = overall.loc[target]
        line = next(line for line in summary.splitlines() if line.startswith(f"| {target} | "))
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[2:6] == [str(int(row[o])) for o in ("pass", "fail", "unsupported", "error")]
        assert cells[6] == f"{row['pass_rate'] * 100:.1f}%"
    assert f"#### Where they differ ({report.differences['case'].nunique()} cases)" in summary
    assert "### Performance" in summary and "relative to **seaweedfs**" in summary
    assert "### Changes between runs" in summary
    assert len(summary) < 60_000  # fits a PR comment


def test_report_diff_section_compares_the_two_real_seaweedfs_runs(written) -> None:
    _, report = written
    kinds = {(p.target, p.kind) for p in report.pairs}
    assert ("seaweedfs", "compat") in kinds and ("seaweedfs", "load") in kinds
    older = {r["case"] for r in raw_rows(COMPAT_FLEET / "results.jsonl") if r["target"] == "seaweedfs"}
    newer = {r["case"] for r in raw_rows(FLEET / "compat-seaweedfs" / "results.jsonl")}
    compat = report.case_diff[report.case_diff["target"] == "seaweedfs"]
    assert set(compat.loc[compat["change"] == "new", "case"]) == newer - older
    assert set(compat.loc[compat["change"] == "vanished", "case"]) == older - newer


def test_cli_writes_the_report_and_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["--out", str(out), str(COMPAT_FLEET), str(FLEET / "load-moto"), "--baseline-target", "moto",
                 "--no-parquet"]) == ExitCode.OK
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("s3gauntlet report: 2 run(s)")
    assert (out / "report.html").is_file() and not list((out / "tables").glob("*.parquet"))
    comparison = pd.read_csv(out / "tables" / "perf_comparison.csv")
    assert (comparison["rps_ratio"] == 1.0).all()  # only moto has load results, and it is the baseline


def run_main(argv: list[str]) -> int:
    """main()'s exit code, also when argparse exits."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.parametrize(("args", "code", "needle"), [
    (["--out", "{tmp}/o", "{tmp}/missing"], 21, "no such directory"),
    (["--out", "{tmp}/o", "{tmp}/empty"], 21, "not a run directory"),
    (["--out", "{tmp}/o", "{fleet}/load-moto", "--baseline-target", "seaweedfs"], 2, "--baseline-target"),
    (["--out", "{tmp}/o", "{fleet}/load-moto", "{fleet}/load-rclone", "--compare", "{fleet}/load-moto",
      "{fleet}/load-rclone"], 22, "different targets"),
    (["--out", "{tmp}/o", "{fleet}/load-moto", "--compare", "x", "y"], 2, "--compare"),
    (["{fleet}/load-moto"], 2, "--out"),
])
def test_cli_errors_are_one_line_with_distinct_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     args: list[str], code: int, needle: str) -> None:
    (tmp_path / "empty").mkdir()
    assert run_main([a.format(tmp=tmp_path, fleet=FLEET) for a in args]) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("s3gauntlet report: ") and needle in err[0]


def test_output_directory_that_cannot_be_written_is_exit_23(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["--out", str(blocker / "out"), str(FLEET / "load-moto")]) == 23
    assert capsys.readouterr().err.startswith("s3gauntlet report: cannot write the report")
