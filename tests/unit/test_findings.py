"""Severities, failure fingerprints and what the reports, the gate and the mutation score do with them."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from gauntlet import severity
from gauntlet.plugin import checks
from gauntlet.plugin.verdict import Outcome, S3Mismatch, Verdict, classify
from gauntlet.reports.baseline import dump_baseline, parse_baseline
from gauntlet.reports.diff import classify_change
from gauntlet.reports.findings import findings_table


def _mark(level: str) -> SimpleNamespace:
    return SimpleNamespace(args=(level,), kwargs={})


def test_declared_severity_is_the_closest_marker_else_client() -> None:
    assert severity.declared([_mark("data"), _mark("detail")]) == "data"
    assert severity.declared([]) == "client"
    with pytest.raises(ValueError, match="unknown severity"):
        severity.declared([_mark("huge")])


@pytest.mark.parametrize(("case", "refused_as", "finding"), [
    ("security", None, "security"),       # accepted what must be refused: the case's own severity
    ("security", "status", "client"),     # refused, with another status
    ("data", "code", "detail"),           # refused with the right status, another code
    ("detail", "status", "detail"),       # never ranks a finding above its case
])
def test_a_refusal_in_another_way_ranks_lower_than_an_acceptance(case: str, refused_as: str | None,
                                                                 finding: str) -> None:
    assert severity.of_finding(case, refused_as) == finding


def _raise_in_block(status: int, code: str | None, required: int, required_code: str) -> S3Mismatch:
    import botocore.exceptions

    checks.begin_case()
    checks.expect_equal(1, 1, "a check that passes still counts")
    try:
        with checks.expect_error(required, required_code, "rule"):
            if status >= 300:
                raise botocore.exceptions.ClientError(
                    {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")
    except S3Mismatch as exc:
        return exc
    raise AssertionError("expect_error did not fail")


def test_fingerprint_names_status_code_and_the_check_that_failed() -> None:
    accepted = classify(_raise_in_block(200, None, 403, "AccessDenied"), "call")
    assert accepted.fingerprint == "200|-|expect_error#2"
    assert accepted.refused_as is None
    other_code = classify(_raise_in_block(403, "SignatureDoesNotMatch", 403, "AccessDenied"), "call")
    assert other_code.fingerprint == "403|SignatureDoesNotMatch|expect_error#2"
    assert other_code.refused_as == "code"
    other_status = classify(_raise_in_block(400, "InvalidRequest", 403, "AccessDenied"), "call")
    assert other_status.refused_as == "status"


def test_passes_and_unsupported_have_no_fingerprint_and_it_survives_a_round_trip() -> None:
    assert Verdict(Outcome.PASS).fingerprint is None
    assert Verdict(Outcome.UNSUPPORTED, "x", 501, "NotImplemented").fingerprint is None
    failed = Verdict(Outcome.FAIL, "m", 400, "BadDigest", "expect_error#1", "code")
    assert Verdict.from_dict(failed.to_dict()) == failed
    assert classify(AssertionError("plain assert"), "call", check="line+7").fingerprint == "-|-|line+7"


def test_run_diff_reports_a_changed_fingerprint_as_a_changed_finding() -> None:
    assert classify_change("fail", "fail", "200|-|expect_error#1", "400|X|expect_error#1") == "finding changed"
    assert classify_change("fail", "fail", "200|-|expect_error#1", "200|-|expect_error#1") is None
    assert classify_change("fail", "fail", None, "200|-|expect_error#1") is None  # an old run without fingerprints


def _cases(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame([{"run_id": run, "start_time": run, "target": "t", "area": "objects", "case": case,
                          "outcome": outcome, "fingerprint": fp, "severity": "data", "http_status": 200,
                          "error_code": None, "message": "S3 requires X; server gave Y"}
                         for run, case, outcome, fp in rows])


def test_findings_lead_with_the_gravest_and_say_since_when() -> None:
    history = _cases([
        ("r1", "a", "fail", "200|-|c#1"), ("r2", "a", "fail", "200|-|c#1"), ("r3", "a", "fail", "200|-|c#1"),
        ("r1", "b", "pass", None), ("r2", "b", "fail", "200|-|c#2"), ("r3", "b", "fail", "400|X|c#2"),
    ])
    history.loc[history["case"] == "b", "severity"] = "detail"
    latest = history[history["run_id"] == "r3"]
    table = findings_table(latest, history)
    assert list(table["case"]) == ["a", "b"]
    assert list(table["since_run"]) == ["r1", "r3"]
    assert list(table["runs_seen"]) == [3, 1]


def test_baseline_keeps_fingerprints_and_the_gate_fails_a_changed_data_finding(tmp_path: Path) -> None:
    import yaml

    from gauntlet.reports.gating import _case_findings

    doc = {"version": 1, "targets": {"t": {"cases": {
        "x": {"outcome": "fail", "fingerprint": "200|-|expect_error#1", "severity": "data"},
        "y": {"outcome": "fail", "fingerprint": "403|A|expect_error#1", "severity": "detail"}, "z": "pass"}}}}
    baseline = parse_baseline(tmp_path / "b.yaml", doc)
    assert parse_baseline(tmp_path / "b.yaml", yaml.safe_load(dump_baseline(baseline))).targets["t"] == \
        baseline.targets["t"]
    now = pd.DataFrame({"case": ["x", "y", "z"], "outcome": ["fail", "fail", "pass"], "message": ["m", "m", ""],
                        "fingerprint": ["400|B|expect_error#1", "403|C|expect_error#1", None],
                        "severity": ["data", "detail", "data"]})
    status = {f.name: f.status for f in _case_findings("t", baseline.targets["t"], now)}
    assert status == {"x": "regression", "y": "changed", "z": "ok"}
    relaxed = {f.name: f.status for f in _case_findings("t", baseline.targets["t"], now, ())}
    assert relaxed["x"] == "changed"


def test_console_lists_findings_by_area_gravest_first_and_counts_fails_by_severity() -> None:
    from gauntlet.plugin.console import Finding, finding_lines, table_lines

    findings = [
        Finding("a", "objects", "detail", "test_objects.py::test_code", "fail", "S3 requires 404 NoSuchKey"),
        Finding("a", "objects", "data", "test_objects.py::test_bytes", "fail", "S3 requires the bytes " + "x" * 300),
        Finding("b", "buckets", "client", "test_buckets.py::test_x", "error", "ConnectionError"),
    ]
    lines = finding_lines(findings)
    assert lines[0] == "buckets (1)" and "ERROR" in lines[1]
    assert lines[2] == "objects (2)" and "data" in lines[3] and "detail" in lines[4]
    assert "test_bytes:" in lines[3] and "test_objects.py" not in lines[3] and len(lines[3]) < 220
    table = table_lines({"a": {"pass": 5, "fail": 2, "unsupported": 1, "error": 0},
                         "b": {"pass": 0, "fail": 0, "unsupported": 0, "error": 1}}, findings,
                        {"a": ("minio", "v1"), "b": ("garage", "2.1.0")})
    assert table[0].split()[:5] == ["target", "server", "version", "pass", "fail"]
    cells = table[1].split()
    assert cells[:5] == ["a", "minio", "v1", "5", "2"] and cells[5:9] == ["1", "0", "0", "1"]
