"""The CI gate on recorded runs: baseline file, judgement, JUnit XML, Markdown, exit codes."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from gauntlet.errors import ExitCode
from gauntlet.reports.baseline import DEFAULT_THRESHOLDS, dump_baseline, load_baseline
from gauntlet.reports.errors import BadBaseline, error_line
from gauntlet.reports.gate import main
from gauntlet.reports.gating import evaluate, select_targets, updated_baseline
from gauntlet.reports.load import load_runs, workload_label

FLEET = Path(__file__).resolve().parents[1] / "data" / "fleet"
COMPAT_FLEET = FLEET / "compat-fleet"
COMPAT_SEAWEEDFS = FLEET / "compat-seaweedfs"
LOAD_SEAWEEDFS = FLEET / "load-seaweedfs"


def raw_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_rows(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def later_copy(src: Path, dst: Path, run_id: str) -> Path:
    """A copy of a recorded run that is newer than every recorded run."""
    shutil.copytree(src, dst)
    meta = json.loads((dst / "meta.json").read_text(encoding="utf-8"))
    meta.update(run_id=run_id, start_time="2099-01-01T00:00:00Z")
    (dst / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return dst


def run_gate(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture
def baseline(tmp_path: Path) -> Path:
    """A baseline written by --update-baseline from the recorded seaweedfs runs."""
    path = tmp_path / "baseline.yaml"
    assert run_gate(["--baseline", str(path), "--update-baseline", str(COMPAT_SEAWEEDFS), str(LOAD_SEAWEEDFS)]) == 0
    return path


# --------------------------------------------------------------------------- baseline file


def test_update_baseline_records_every_case_and_workload(baseline: Path) -> None:
    doc = yaml.safe_load(baseline.read_text(encoding="utf-8"))
    assert doc["version"] == 1 and doc["thresholds"] == DEFAULT_THRESHOLDS
    entry = doc["targets"]["seaweedfs"]
    rows = raw_rows(COMPAT_SEAWEEDFS / "results.jsonl")
    assert entry["cases"] == {r["case"]: r["outcome"] for r in rows}
    summary = raw_rows(LOAD_SEAWEEDFS / "load_summary.jsonl")
    assert set(entry["performance"]) == {workload_label(r["operation"], r["size_class"]) for r in summary}
    for row in summary:
        perf = entry["performance"][workload_label(row["operation"], row["size_class"])]
        assert perf["rps"] == pytest.approx(row["rps"], rel=1e-3)
        assert perf["p99_ms"] == pytest.approx(row["p99_ms"], rel=1e-3)
    assert entry["source"]["version"] == json.loads((COMPAT_SEAWEEDFS / "meta.json").read_text())["targets"][0][
        "version"]
    assert load_baseline(baseline).targets["seaweedfs"].cases == entry["cases"]
    assert baseline.read_text(encoding="utf-8").startswith("# s3gauntlet gate baseline")


@pytest.mark.parametrize(("text", "needle"), [
    ("", "the file is empty"),
    ("- a\n- b\n", "must be a mapping"),
    ("version: 1\ntargets: [\n", "not valid YAML (line"),
    ("version: 2\ntargets: {a: {}}\n", "version: must be 1"),
    ("version: 1\n", "targets: must be a mapping"),
    ("version: 1\ntargets: {}\n", "targets: no targets"),
    ("version: 1\nextra: 1\ntargets: {a: {}}\n", "extra: unknown key"),
    ("version: 1\ntargets: {a: {cases: {x: passed}}}\n", "targets.a.cases['x']: 'passed' is not an outcome"),
    ("version: 1\ntargets: {a: {performance: {GET 4KiB: {rps: fast}}}}\n", "'fast' is not a number"),
    ("version: 1\ntargets: {a: {performance: {GET 4KiB: {speed: 1}}}}\n", "speed: unknown key"),
    ("version: 1\nthresholds: {p99_rise_pct: -5}\ntargets: {a: {}}\n", "below 0"),
    ("version: 1\nthresholds: {latency: 5}\ntargets: {a: {}}\n", "thresholds.latency: unknown threshold"),
    ("version: 1\ntargets: {a: {cases: [x]}}\n", "targets.a.cases: must be a mapping"),
])
def test_bad_baselines_are_one_line_errors(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadBaseline) as caught:
        load_baseline(path)
    assert caught.value.exit_code == ExitCode.BAD_BASELINE == 20
    assert needle in str(caught.value) and "\n" not in error_line(caught.value, "gate")


def test_missing_baseline(tmp_path: Path) -> None:
    with pytest.raises(BadBaseline, match=r"does not exist \(write one with --update-baseline\)"):
        load_baseline(tmp_path / "none.yaml")


def test_update_keeps_other_targets_hand_written_limits_and_thresholds(tmp_path: Path, baseline: Path) -> None:
    doc = yaml.safe_load(baseline.read_text(encoding="utf-8"))
    doc["thresholds"]["p99_rise_pct"] = 35
    doc["targets"]["seaweedfs"]["performance"]["GET 4KiB"]["rps_min"] = 1.5
    doc["targets"]["seaweedfs"]["cases"]["test_gone.py::test_old_case"] = "pass"
    doc["targets"]["elsewhere"] = {"cases": {"test_x.py::test_y": "fail"}}
    baseline.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert run_gate(["--baseline", str(baseline), "--update-baseline", str(LOAD_SEAWEEDFS)]) == 0
    again = load_baseline(baseline)
    assert again.thresholds["p99_rise_pct"] == 35
    assert again.targets["seaweedfs"].performance["GET 4KiB"]["rps_min"] == 1.5
    assert again.targets["seaweedfs"].cases["test_gone.py::test_old_case"] == "pass"
    assert again.targets["elsewhere"].cases == {"test_x.py::test_y": "fail"}
    assert run_gate(["--baseline", str(baseline), "--update-baseline", "--prune", str(COMPAT_SEAWEEDFS)]) == 0
    assert "test_gone.py::test_old_case" not in load_baseline(baseline).targets["seaweedfs"].cases


def test_dumped_baseline_reads_back_the_same(baseline: Path) -> None:
    parsed = load_baseline(baseline)
    assert yaml.safe_load(dump_baseline(parsed)) == yaml.safe_load(baseline.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- judgement


def test_the_runs_the_baseline_came_from_pass_the_gate(baseline: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "gate"
    assert run_gate(["--baseline", str(baseline), "--out", str(out), str(COMPAT_SEAWEEDFS), str(LOAD_SEAWEEDFS)]) == 0
    assert "PASSED" in capsys.readouterr().out
    suite = ET.parse(out / "gate-junit.xml").getroot()
    checks = len(raw_rows(COMPAT_SEAWEEDFS / "results.jsonl")) + 2 * len(raw_rows(LOAD_SEAWEEDFS
                                                                                  / "load_summary.jsonl"))
    assert suite.get("failures") == "0" and int(suite.get("tests")) == checks
    assert "✅ passed" in (out / "gate-summary.md").read_text(encoding="utf-8")


def test_regressions_fail_improvements_and_new_cases_do_not(baseline: Path, tmp_path: Path, capsys) -> None:
    rows = raw_rows(COMPAT_SEAWEEDFS / "results.jsonl")
    passing = [r for r in rows if r["outcome"] == "pass"]
    failing = [r for r in rows if r["outcome"] == "fail"]
    regress = {passing[0]["case"]: "fail", passing[1]["case"]: "unsupported"}
    improve = failing[0]["case"]
    missing = passing[2]["case"]
    edited = []
    for row in rows:
        if row["case"] == missing:
            continue
        if row["case"] in regress:
            row = {**row, "outcome": regress[row["case"]], "message": "S3 requires 200; server answered 500"}
        elif row["case"] == improve:
            row = {**row, "outcome": "pass", "message": ""}
        edited.append(row)
    edited.append({**passing[3], "case": "test_new.py::test_added_since"})
    compat = later_copy(COMPAT_SEAWEEDFS, tmp_path / "compat", "now-compat")
    write_rows(compat / "results.jsonl", edited)

    out = tmp_path / "gate"
    code = run_gate(["--baseline", str(baseline), "--out", str(out), str(compat), str(LOAD_SEAWEEDFS)])
    assert code == ExitCode.REGRESSION == 1
    printed = capsys.readouterr().out
    assert f"REGRESSED seaweedfs {passing[0]['case']}: pass -> fail" in printed
    assert f"REGRESSED seaweedfs {passing[1]['case']}: pass -> unsupported" in printed
    assert f"improved  seaweedfs {improve}: fail -> pass" in printed
    assert "FAILED: 2 regression(s)" in printed

    root = ET.parse(out / "gate-junit.xml").getroot()
    failures = {c.get("name") for c in root.iter("testcase") if c.find("failure") is not None}
    assert failures == set(regress)
    skipped = {c.get("name"): c.find("skipped").get("message") for c in root.iter("testcase")
               if c.find("skipped") is not None}
    assert skipped["test_new.py::test_added_since"].startswith("new")
    assert skipped[missing].startswith("missing")
    summary = (out / "gate-summary.md").read_text(encoding="utf-8")
    assert "❌ failed (2 regression(s))" in summary and "### Improvements (1)" in summary
    assert "### New since the baseline (1)" in summary and "### In the baseline but not run (1)" in summary
    assert "server answered 500" in summary

    assert run_gate(["--baseline", str(baseline), "--out", str(out), "--strict-missing", str(compat)]) == 1
    assert "3 regression(s)" in capsys.readouterr().out


def _slower_copy(tmp_path: Path, factor_rps: float, factor_p99: float, workload: str = "GET 4KiB",
                 integrity_failures: int = 0) -> Path:
    load = later_copy(LOAD_SEAWEEDFS, tmp_path / f"load-{factor_rps}-{factor_p99}-{integrity_failures}", "now-load")
    rows = raw_rows(load / "load_summary.jsonl")
    for row in rows:
        if workload_label(row["operation"], row["size_class"]) == workload:
            row["rps"] *= factor_rps
            row["p99_ms"] *= factor_p99
            row["integrity_failures"] = integrity_failures
    write_rows(load / "load_summary.jsonl", rows)
    return load


@pytest.mark.parametrize(("rps", "p99", "flags", "code", "needle"), [
    (0.85, 1.0, [], 1, "GET 4KiB: req/s"),                         # -15% req/s: past the default 10%
    (0.95, 1.0, [], 0, "PASSED"),                                   # -5%: within
    (0.85, 1.0, ["--max-throughput-drop", "20"], 0, "PASSED"),      # the command line widens it
    (1.0, 1.3, [], 1, "GET 4KiB: p99"),                             # +30% p99: past the default 20%
    (1.0, 1.15, [], 0, "PASSED"),
    (1.0, 1.3, ["--max-p99-rise", "50"], 0, "PASSED"),
    (1.5, 0.5, [], 0, "improved  seaweedfs GET 4KiB: req/s"),       # faster: an improvement
])
def test_performance_thresholds(baseline: Path, tmp_path: Path, capsys, rps: float, p99: float, flags: list[str],
                                code: int, needle: str) -> None:
    load = _slower_copy(tmp_path, rps, p99)
    assert run_gate(["--baseline", str(baseline), "--out", str(tmp_path / "g"), *flags, str(load)]) == code
    assert needle in capsys.readouterr().out


def test_thresholds_and_floors_from_the_file(baseline: Path, tmp_path: Path, capsys) -> None:
    doc = yaml.safe_load(baseline.read_text(encoding="utf-8"))
    doc["targets"]["seaweedfs"]["thresholds"] = {"throughput_drop_pct": 30}
    base_rps = doc["targets"]["seaweedfs"]["performance"]["PUT 4KiB"]["rps"]
    doc["targets"]["seaweedfs"]["performance"]["PUT 4KiB"]["rps_min"] = base_rps * 0.99
    baseline.write_text(yaml.safe_dump(doc), encoding="utf-8")
    load = _slower_copy(tmp_path, 0.8, 1.0)  # GET 4KiB -20%: within the target's 30%
    assert run_gate(["--baseline", str(baseline), "--out", str(tmp_path / "g"), str(load)]) == 0
    capsys.readouterr()
    load = _slower_copy(tmp_path, 0.97, 1.0, workload="PUT 4KiB")  # -3%: below the explicit floor
    assert run_gate(["--baseline", str(baseline), "--out", str(tmp_path / "g"), str(load)]) == 1
    assert "PUT 4KiB: req/s" in capsys.readouterr().out


def test_wrong_bytes_always_fail(baseline: Path, tmp_path: Path, capsys) -> None:
    load = _slower_copy(tmp_path, 1.0, 1.0, integrity_failures=2)
    assert run_gate(["--baseline", str(baseline), "--out", str(tmp_path / "g"), str(load)]) == 1
    assert "GET 4KiB: integrity" in capsys.readouterr().out


def test_evaluate_notes_the_side_that_was_not_run(baseline: Path) -> None:
    parsed = load_baseline(baseline)
    runset = load_runs([LOAD_SEAWEEDFS])
    result = evaluate(runset, parsed, select_targets(runset, parsed, None))
    assert result.passed
    assert result.notes == ["seaweedfs: no compatibility run among the runs given; cases not checked"]
    assert {f.kind for f in result.findings} == {"performance"}


def test_updated_baseline_from_a_multi_target_run() -> None:
    runset = load_runs([COMPAT_FLEET])
    new = updated_baseline(runset, None, select_targets(runset, None, None, updating=True), "b.yaml")
    assert list(new.targets) == ["seaweedfs", "rclone", "moto"]
    rows = raw_rows(COMPAT_FLEET / "results.jsonl")
    for target, entry in new.targets.items():
        assert entry.cases == {r["case"]: r["outcome"] for r in rows if r["target"] == target}


# --------------------------------------------------------------------------- bad input and exit codes


@pytest.mark.parametrize(("setup", "code", "needle"), [
    ("missing-baseline", 20, "does not exist"),
    ("malformed-baseline", 20, "not valid YAML"),
    ("empty-run-dir", 21, "not a run directory"),
    ("no-results", 21, "has no results"),
    ("other-target", 22, "which the baseline does not have"),
    ("unknown-target-option", 22, "has no results in the runs given"),
    ("no-run-dirs", 2, "required"),
    ("prune-without-update", 2, "--prune"),
    ("bad-threshold", 2, "must be a percentage"),
])
def test_gate_bad_input(baseline: Path, tmp_path: Path, capsys, setup: str, code: int, needle: str) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    no_results = tmp_path / "no-results"
    no_results.mkdir()
    (no_results / "meta.json").write_text(json.dumps({"run_id": "r", "kind": "compat"}), encoding="utf-8")
    (no_results / "results.jsonl").write_text("", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("targets: {\n", encoding="utf-8")
    args = {
        "missing-baseline": ["--baseline", str(tmp_path / "none.yaml"), str(LOAD_SEAWEEDFS)],
        "malformed-baseline": ["--baseline", str(bad), str(LOAD_SEAWEEDFS)],
        "empty-run-dir": ["--baseline", str(baseline), str(empty)],
        "no-results": ["--baseline", str(baseline), str(no_results)],
        "other-target": ["--baseline", str(baseline), str(FLEET / "load-rclone")],
        "unknown-target-option": ["--baseline", str(baseline), "--target", "minio", str(LOAD_SEAWEEDFS)],
        "no-run-dirs": ["--baseline", str(baseline)],
        "prune-without-update": ["--baseline", str(baseline), "--prune", str(LOAD_SEAWEEDFS)],
        "bad-threshold": ["--baseline", str(baseline), "--max-p99-rise", "-3", str(LOAD_SEAWEEDFS)],
    }[setup]
    assert run_gate([*args, "--out", str(tmp_path / "g")]) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("s3gauntlet gate: ") and needle in err[0]


def test_a_multi_target_run_is_gated_per_target_with_target_selection(baseline: Path, tmp_path: Path) -> None:
    # The fleet run holds rclone and moto too, which this baseline lacks: judge seaweedfs only.
    assert run_gate(["--baseline", str(baseline), str(COMPAT_FLEET), "--out", str(tmp_path / "g")]) == 22
    code = run_gate(["--baseline", str(baseline), "--target", "seaweedfs", str(COMPAT_FLEET), str(COMPAT_SEAWEEDFS),
                     "--out", str(tmp_path / "g")])
    assert code == 0  # the later seaweedfs run is the one the baseline came from


def test_baseline_targets_without_results_are_noted(baseline: Path, tmp_path: Path, capsys) -> None:
    doc = yaml.safe_load(baseline.read_text(encoding="utf-8"))
    doc["targets"]["rgw"] = {"cases": {"test_x.py::test_y": "pass"}}
    baseline.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert run_gate(["--baseline", str(baseline), "--out", str(tmp_path / "g"), str(LOAD_SEAWEEDFS)]) == 0
    assert "note: rgw: in the baseline, but not judged" in capsys.readouterr().out
    assert "rgw: in the baseline, but not judged" in (tmp_path / "g" / "gate-summary.md").read_text(encoding="utf-8")
