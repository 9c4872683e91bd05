"""The report's views (matrix, scores, feature table, differences, performance, run diff) on recorded runs.

Expectations are recomputed from the raw result rows, not copied from an output.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest

from gauntlet.errors import UsageError
from gauntlet.reports.diff import case_diff, classify_change, direction, explicit_pairs, percent_change, run_pairs
from gauntlet.reports.errors import MixedTargets
from gauntlet.reports.features import HEADLINE_FEATURES, Feature
from gauntlet.reports.load import OUTCOMES, latest_per_key, load_runs, workload_label
from gauntlet.reports.matrix import area_scores, compat_matrix, differences, feature_status, feature_table
from gauntlet.reports.performance import choose_baseline_target, perf_comparison, throughput_over_time

FLEET = Path(__file__).resolve().parents[1] / "data" / "fleet"
COMPAT_FLEET = FLEET / "compat-fleet"
COMPAT_SEAWEEDFS = FLEET / "compat-seaweedfs"
LOADS = [FLEET / "load-seaweedfs", FLEET / "load-rclone", FLEET / "load-moto"]


def raw_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def fleet() -> tuple[pd.DataFrame, list[str], list[dict]]:
    runset = load_runs([COMPAT_FLEET])
    return runset.cases, runset.target_order, raw_rows(COMPAT_FLEET / "results.jsonl")


# --------------------------------------------------------------------------- compatibility


def test_matrix_has_every_case_once_and_each_cell_is_the_recorded_outcome(fleet) -> None:
    cases, targets, rows = fleet
    matrix = compat_matrix(cases, targets)
    assert list(matrix.columns) == ["area", "case", *targets]
    assert len(matrix) == len({r["case"] for r in rows})
    cells = matrix.set_index("case")
    for row in rows:
        assert cells.at[row["case"], row["target"]] == row["outcome"]
    # grouped by area: each area's cases are contiguous
    assert (matrix["area"] != matrix["area"].shift()).sum() == matrix["area"].nunique()


def test_area_scores_count_each_outcome_per_target_and_area(fleet) -> None:
    cases, targets, rows = fleet
    scores = area_scores(cases, targets).set_index(["target", "area"])
    expected: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for row in rows:
        expected[(row["target"], row["area"])][row["outcome"]] += 1
        expected[(row["target"], "all")][row["outcome"]] += 1
    assert len(scores) == len(expected)
    for key, counts in expected.items():
        got = scores.loc[key]
        assert {o: int(got[o]) for o in OUTCOMES} == {o: counts.get(o, 0) for o in OUTCOMES}
        assert got["total"] == sum(counts.values())
        assert got["pass_rate"] == pytest.approx(counts["pass"] / sum(counts.values()), abs=1e-4)


def test_feature_status_rules() -> None:
    assert feature_status(5, 0, 0, 0) == "supported"
    assert feature_status(4, 1, 0, 0) == "partial"
    assert feature_status(4, 0, 1, 0) == "partial"
    assert feature_status(0, 3, 0, 1) == "missing"
    assert feature_status(0, 0, 2, 0) == "unsupported"
    assert feature_status(0, 1, 2, 0) == "missing"
    assert feature_status(0, 0, 0, 0) == "not run"


def test_feature_table_rows_agree_with_the_raw_rows(fleet) -> None:
    cases, targets, rows = fleet
    table = feature_table(cases, targets)
    areas = table[table["level"] == "area"]
    assert set(areas["name"]) == {r["area"] for r in rows}
    for record in areas.to_dict("records"):
        outcomes = Counter(r["outcome"] for r in rows
                           if r["area"] == record["name"] and r["target"] == record["target"])
        assert record["total"] == sum(outcomes.values()) and record["pass"] == outcomes["pass"]
        assert record["status"] == feature_status(outcomes["pass"], outcomes["fail"], outcomes["unsupported"],
                                                  outcomes["error"])
    features = table[table["level"] == "feature"]
    assert len(features), "no headline feature matched the recorded cases"
    multipart = next(f for f in HEADLINE_FEATURES if f.name == "Multipart upload")
    mine = features[features["name"] == multipart.name].set_index("target")
    for target in targets:
        expected = cases[multipart.mask(cases) & (cases["target"] == target)]
        assert mine.at[target, "total"] == len(expected) > 0
        assert mine.at[target, "pass"] == (expected["outcome"] == "pass").sum()


def test_feature_selection_by_area_and_pattern() -> None:
    frame = pd.DataFrame({"area": ["objects", "objects", "multipart"],
                          "test": ["test_range_suffix", "test_copy_x", "test_upload_part_copy_ranges"]})
    assert list(Feature("r", None, "range", "part_copy").mask(frame)) == [True, False, False]
    assert list(Feature("m", "multipart").mask(frame)) == [False, False, True]


def test_differences_list_exactly_the_cases_whose_outcome_differs(fleet) -> None:
    cases, targets, rows = fleet
    diff = differences(cases, targets)
    outcomes: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        outcomes[row["case"]].add(row["outcome"])
    differing = {case for case, seen in outcomes.items() if len(seen) > 1}
    assert differing, "the recorded fleet run should have cases where servers differ"
    assert set(diff["case"]) == differing
    by_key = {(r["case"], r["target"]): r for r in rows}
    for record in diff.to_dict("records"):
        assert record["outcome"] == by_key[(record["case"], record["target"])]["outcome"]
        assert record["message"] == by_key[(record["case"], record["target"])]["message"]
    assert differences(cases, targets[:1]).empty


# --------------------------------------------------------------------------- performance


def test_perf_comparison_ratios_are_relative_to_the_baseline_target() -> None:
    runset = load_runs(LOADS)
    targets = runset.target_order
    table = perf_comparison(latest_per_key(runset.perf, "workload"), targets, "rclone")
    summaries = {run.name.removeprefix("load-"): {workload_label(r["operation"], r["size_class"]): r
                                                 for r in raw_rows(run / "load_summary.jsonl")} for run in LOADS}
    assert len(table) == sum(len(s) for s in summaries.values())
    for record in table.to_dict("records"):
        mine, base = summaries[record["target"]][record["workload"]], summaries["rclone"][record["workload"]]
        assert record["rps"] == pytest.approx(mine["rps"])
        assert record["rps_ratio"] == pytest.approx(mine["rps"] / base["rps"], abs=1e-3)
        assert record["p99_ms_ratio"] == pytest.approx(mine["p99_ms"] / base["p99_ms"], abs=1e-3)
    assert (table.loc[table["target"] == "rclone", "rps_ratio"] == 1.0).all()
    # PUT before GET, small objects before large
    first = table.drop_duplicates("workload")["workload"].tolist()
    assert first.index("PUT 4KiB") < first.index("GET 4KiB") < first.index("GET 64KiB")


def test_baseline_target_defaults_to_the_first_and_must_exist() -> None:
    assert choose_baseline_target(["a", "b"], None) == "a"
    assert choose_baseline_target(["a", "b"], "b") == "b"
    with pytest.raises(UsageError, match="--baseline-target c"):
        choose_baseline_target(["a", "b"], "c")


def test_throughput_over_time_uses_locusts_aggregate_rows() -> None:
    runset = load_runs([LOADS[0]])
    series = throughput_over_time(runset.history)
    history = raw_rows(LOADS[0] / "load_history.jsonl")
    aggregate = {r["timestamp"]: r["rps"] for r in history if r["operation"] == "ALL"}
    assert aggregate, "Locust's aggregate rows are expected in load_history.jsonl"
    assert len(series) == len(aggregate)
    start = min(aggregate)
    for record in series.to_dict("records"):
        assert record["rps"] == pytest.approx(aggregate[start + record["elapsed_s"]])


# --------------------------------------------------------------------------- run diff


@pytest.mark.parametrize(("old", "new", "change"), [
    ("pass", "fail", "regressed"), ("pass", "error", "regressed"), ("fail", "pass", "fixed"),
    ("error", "pass", "fixed"), ("pass", "unsupported", "changed"), ("fail", "error", "changed"),
    (None, "pass", "new"), ("pass", None, "vanished"), ("fail", "fail", None),
])
def test_classify_change(old: str | None, new: str | None, change: str | None) -> None:
    assert classify_change(old, new) == change


def test_case_diff_of_a_real_run_and_an_edited_copy(tmp_path: Path) -> None:
    rows = raw_rows(COMPAT_FLEET / "results.jsonl")
    mine = [r for r in rows if r["target"] == "moto"]
    passing = [r for r in mine if r["outcome"] == "pass"]
    failing = [r for r in mine if r["outcome"] == "fail"]
    edited = {passing[0]["case"]: "fail", passing[1]["case"]: "error", failing[0]["case"]: "pass",
              passing[2]["case"]: "unsupported"}
    dropped = passing[3]["case"]
    new_dir = tmp_path / "new"
    shutil.copytree(COMPAT_FLEET, new_dir)
    out = []
    for row in rows:
        if row["target"] == "moto" and row["case"] == dropped:
            continue
        if row["target"] == "moto" and row["case"] in edited:
            row = {**row, "outcome": edited[row["case"]], "message": "edited"}
        out.append(json.dumps(row))
    out.append(json.dumps({**passing[0], "case": "test_new.py::test_brand_new", "area": "objects"}))
    (new_dir / "results.jsonl").write_text("\n".join(out) + "\n", encoding="utf-8")
    meta = json.loads((new_dir / "meta.json").read_text(encoding="utf-8"))
    meta.update(run_id="later-run", start_time="2099-01-01T00:00:00Z")
    (new_dir / "meta.json").write_text(json.dumps(meta), encoding="utf-8")

    runset = load_runs([COMPAT_FLEET, new_dir])
    pairs = run_pairs(runset)
    assert {(p.target, p.old_run, p.new_run) for p in pairs} == {
        (t, meta_id, "later-run") for t, meta_id in
        ((t, json.loads((COMPAT_FLEET / "meta.json").read_text())["run_id"]) for t in ("seaweedfs", "rclone", "moto"))}
    old = runset.cases[runset.cases["run_id"] != "later-run"]
    new = runset.cases[runset.cases["run_id"] == "later-run"]
    diff = case_diff(old, new, "moto", "a", "b").set_index("case")["change"].to_dict()
    assert diff == {passing[0]["case"]: "regressed", passing[1]["case"]: "regressed", failing[0]["case"]: "fixed",
                    passing[2]["case"]: "changed", dropped: "vanished", "test_new.py::test_brand_new": "new"}
    assert case_diff(old, new, "seaweedfs", "a", "b").empty


def test_run_diff_of_two_real_load_runs_reports_percent_changes() -> None:
    runset = load_runs([FLEET / "load-seaweedfs", FLEET / "load-seaweedfs-2"])
    [pair] = run_pairs(runset)
    assert pair.kind == "load" and pair.target == "seaweedfs"
    from gauntlet.reports.diff import perf_diff

    old = runset.perf[runset.perf["run_id"] == pair.old_run]
    new = runset.perf[runset.perf["run_id"] == pair.new_run]
    table = perf_diff(old, new, "seaweedfs", pair.old_run, pair.new_run)
    before = {workload_label(r["operation"], r["size_class"]): r for r in raw_rows(FLEET / "load-seaweedfs"
                                                                                   / "load_summary.jsonl")}
    after = {workload_label(r["operation"], r["size_class"]): r for r in raw_rows(FLEET / "load-seaweedfs-2"
                                                                                  / "load_summary.jsonl")}
    rps = table[table["metric"] == "rps"].set_index("workload")
    assert set(rps.index) == set(before) | set(after)
    for workload in set(before) & set(after):
        expected = (after[workload]["rps"] - before[workload]["rps"]) / before[workload]["rps"] * 100
        assert rps.at[workload, "change_pct"] == pytest.approx(expected, abs=0.01)
        assert rps.at[workload, "direction"] == direction("rps", expected)


def test_percent_change_and_direction() -> None:
    assert percent_change(100, 90) == -10.0
    assert percent_change(0, 5) is None and percent_change(None, 5) is None
    assert direction("rps", -10) == "worse" and direction("p99_ms", -10) == "better"
    assert direction("p99_ms", 25) == "worse" and direction("rps", 0.1) == "same"


def test_explicit_compare_of_runs_of_different_targets_is_refused() -> None:
    runset = load_runs([FLEET / "load-seaweedfs", FLEET / "load-rclone", COMPAT_FLEET])
    ids = dict(zip(runset.runs["path"].map(lambda p: Path(p).name), runset.runs["run_id"], strict=True))
    with pytest.raises(MixedTargets, match="different targets"):
        explicit_pairs(runset, ids["load-seaweedfs"], ids["load-rclone"])
    with pytest.raises(UsageError, match="compat run"):
        explicit_pairs(runset, ids["load-seaweedfs"], ids["compat-fleet"])
    with pytest.raises(UsageError, match="not among the runs"):
        explicit_pairs(runset, "nope", ids["load-rclone"])
    [pair] = explicit_pairs(runset, ids["load-rclone"], ids["load-rclone"])
    assert pair.target == "rclone"


def test_parity_runs_get_a_section_with_bucket_configuration_tables(tmp_path) -> None:
    import json as _json

    from gauntlet.reports.build import build_report
    from gauntlet.reports.html import render_html
    from gauntlet.reports.load import load_runs

    run = tmp_path / "parity-run"
    run.mkdir()
    (run / "parity_summary.json").write_text(_json.dumps({
        "run_id": "cutover-1", "kind": "parity", "source": {"name": "minio"}, "dest": {"name": "versitygw"},
        "complete": True, "exit_code": 1, "elapsed_s": 2.5,
        "totals": {"objects_compared": 10, "matched": 9, "differing": 1, "missing_on_dest": 0,
                   "missing_on_source": 0, "errors": 0, "by_kind": {"config": 1, "tags": 1}}}))
    rows = [{"run_id": "cutover-1", "source": "minio", "dest": "versitygw", "bucket": "b", "key": "policy",
             "kind": "config", "source_value": "{...}", "dest_value": "none"},
            {"run_id": "cutover-1", "source": "minio", "dest": "versitygw", "bucket": "b", "key": "k.txt",
             "kind": "tags", "source_value": "a=1", "dest_value": ""}]
    (run / "parity_rows.jsonl").write_text("".join(_json.dumps(r) + "\n" for r in rows))
    runset = load_runs([run])
    assert list(runset.parity_runs["run_id"]) == ["cutover-1"] and len(runset.parity) == 2
    html = render_html(build_report(runset, with_charts=False))
    section = html[html.index('<section id="parity">'):]
    assert "minio → versitygw" in section and "b <small>(cutover-1): bucket configuration" in section
    assert "<th>policy</th><td>config</td>" in section and "1 object difference(s)" in section
