"""Loading run directories into tidy DataFrames, checked against the recorded runs in tests/data/fleet.

The recorded runs are real runs of the local fleet (see tests/data/README.md); every
expectation here is recomputed from their raw files, so re-recording them keeps the
tests meaningful.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from gauntlet.errors import ExitCode, NoResults
from gauntlet.reports.errors import error_line
from gauntlet.reports.load import latest_per_key, load_runs, split_case, workload_label

FLEET = Path(__file__).resolve().parents[1] / "data" / "fleet"
COMPAT_FLEET = FLEET / "compat-fleet"  # seaweedfs, rclone, moto in one run
COMPAT_SEAWEEDFS = FLEET / "compat-seaweedfs"  # a later run of seaweedfs alone
LOAD_RUNS = {"seaweedfs": FLEET / "load-seaweedfs", "rclone": FLEET / "load-rclone", "moto": FLEET / "load-moto"}
LOAD_SEAWEEDFS_2 = FLEET / "load-seaweedfs-2"


def raw_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def meta(run_dir: Path) -> dict:
    return json.loads((run_dir / "meta.json").read_text(encoding="utf-8"))


def test_recorded_runs_are_small_and_complete() -> None:
    total = sum(p.stat().st_size for p in FLEET.rglob("*") if p.is_file())
    assert total < 1_100_000, f"tests/data/fleet holds {total} bytes; keep it under ~1 MB"
    assert meta(COMPAT_FLEET)["kind"] == "compat" and len(meta(COMPAT_FLEET)["targets"]) >= 2
    for run_dir in (*LOAD_RUNS.values(), LOAD_SEAWEEDFS_2):
        assert meta(run_dir)["kind"] == "load"
        assert (run_dir / "load_summary.jsonl").stat().st_size and (run_dir / "load_history.jsonl").stat().st_size


def test_one_compat_run_gives_one_row_per_case_and_target() -> None:
    runset = load_runs([COMPAT_FLEET])
    rows = raw_rows(COMPAT_FLEET / "results.jsonl")
    cases = runset.cases
    assert len(cases) == len(rows)
    assert runset.target_order == [t["name"] for t in meta(COMPAT_FLEET)["targets"]]
    assert Counter(zip(cases["target"], cases["outcome"], strict=True)) == Counter(
        (r["target"], r["outcome"]) for r in rows)
    assert not cases.duplicated(["run_id", "target", "case"]).any()
    # server and version come from meta.json, test and params from the case id
    versions = {t["name"]: t["version"] for t in meta(COMPAT_FLEET)["targets"]}
    assert dict(zip(cases["target"], cases["version"], strict=False)) == versions
    param_rows = cases[cases["case"].str.contains(r"\[", regex=True)]
    assert len(param_rows) and (param_rows["params"] != "").all()
    assert (cases.loc[~cases["case"].str.contains(r"\[", regex=True), "params"] == "").all()
    assert cases["run_id"].unique().tolist() == [meta(COMPAT_FLEET)["run_id"]]
    assert runset.runs.iloc[0]["kind"] == "compat" and runset.perf.empty and runset.history.empty


def test_split_case_and_workload_labels() -> None:
    assert split_case("test_objects.py::test_key_roundtrip[space]") == ("test_key_roundtrip", "space")
    assert split_case("test_objects.py::test_range_suffix_returns_last_bytes_with_206") == (
        "test_range_suffix_returns_last_bytes_with_206", "")
    assert split_case("test_tagging_cors.py::TestObjectTagging::test_x[a-b]") == ("TestObjectTagging::test_x", "a-b")
    assert workload_label("GET", "4KiB") == "GET 4KiB"
    assert workload_label("LIST", "-") == "LIST"


def test_load_runs_give_one_row_per_workload_and_history_per_interval() -> None:
    runset = load_runs(list(LOAD_RUNS.values()))
    perf = runset.perf
    for target, run_dir in LOAD_RUNS.items():
        summary = raw_rows(run_dir / "load_summary.jsonl")
        mine = perf[perf["target"] == target].set_index("workload")
        assert len(mine) == len(summary)
        for row in summary:
            got = mine.loc[workload_label(row["operation"], row["size_class"])]
            assert got["rps"] == pytest.approx(row["rps"])
            assert got["p99_ms"] == pytest.approx(row["p99_ms"])
            assert got["requests"] == row["requests"]
            assert got["error_rate"] == pytest.approx(row["failures"] / row["requests"])
        history = raw_rows(run_dir / "load_history.jsonl")
        assert (runset.history["target"] == target).sum() == len(history)
    assert runset.history["elapsed_s"].min() == 0
    assert str(runset.history["timestamp"].dt.tz) == "UTC"
    assert set(runset.runs["kind"]) == {"load"}
    assert set(runset.runs["profile"]) == {meta(LOAD_RUNS["seaweedfs"])["profile"]["name"]}


def test_a_folder_of_runs_is_every_run_in_it_oldest_first() -> None:
    runset = load_runs([FLEET])
    run_dirs = [p for p in FLEET.iterdir() if (p / "meta.json").is_file()]
    assert len(runset.runs) == len(run_dirs)
    assert runset.runs["start_time"].is_monotonic_increasing
    assert set(runset.runs["kind"]) == {"compat", "load"}


def test_latest_per_area_takes_each_area_from_the_last_run_that_ran_it() -> None:
    runset = load_runs([COMPAT_FLEET, COMPAT_SEAWEEDFS])
    latest = latest_per_key(runset.cases, "area")
    later = meta(COMPAT_SEAWEEDFS)["run_id"]
    seaweedfs = latest[latest["target"] == "seaweedfs"]
    later_areas = {r["area"] for r in raw_rows(COMPAT_SEAWEEDFS / "results.jsonl")}
    assert set(seaweedfs.loc[seaweedfs["area"].isin(later_areas), "run_id"]) == {later}
    # the other targets are only in the first run
    assert set(latest.loc[latest["target"] != "seaweedfs", "run_id"]) == {meta(COMPAT_FLEET)["run_id"]}


def test_torn_last_line_and_malformed_rows_are_skipped(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(COMPAT_FLEET, run_dir)
    rows = raw_rows(run_dir / "results.jsonl")
    bad = {**rows[0], "outcome": "maybe"}
    text = (run_dir / "results.jsonl").read_text(encoding="utf-8")
    (run_dir / "results.jsonl").write_text(text + json.dumps(bad) + "\n" + '{"run_id": "x", "tar', encoding="utf-8")
    runset = load_runs([run_dir])
    assert len(runset.cases) == len(rows)
    assert any("malformed" in w for w in runset.warnings)


@pytest.mark.parametrize("setup", ["missing", "file", "empty-dir", "empty-results", "bad-meta"])
def test_bad_run_directories_are_one_line_errors(tmp_path: Path, setup: str) -> None:
    target = tmp_path / "run"
    if setup == "file":
        target.write_text("x", encoding="utf-8")
    elif setup == "empty-dir":
        target.mkdir()
    elif setup == "empty-results":
        target.mkdir()
        (target / "meta.json").write_text(json.dumps({"run_id": "r1", "kind": "compat", "targets": []}),
                                          encoding="utf-8")
        (target / "results.jsonl").write_text("", encoding="utf-8")
    elif setup == "bad-meta":
        shutil.copytree(COMPAT_FLEET, target)
        (target / "meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(NoResults) as caught:
        load_runs([target])
    assert caught.value.exit_code == ExitCode.NO_RESULTS == 21
    line = error_line(caught.value, "report")
    assert line.startswith("s3gauntlet report: ") and "\n" not in line and str(target) in line


def test_a_folder_skips_empty_runs_with_a_warning(tmp_path: Path) -> None:
    shutil.copytree(COMPAT_FLEET, tmp_path / "good")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "meta.json").write_text(json.dumps({"run_id": "e", "kind": "compat"}), encoding="utf-8")
    runset = load_runs([tmp_path])
    assert list(runset.runs["run_id"]) == [meta(COMPAT_FLEET)["run_id"]]
    assert any("no results, skipped" in w for w in runset.warnings)


def test_the_same_run_given_twice_is_loaded_once(tmp_path: Path) -> None:
    shutil.copytree(COMPAT_FLEET, tmp_path / "copy")
    runset = load_runs([COMPAT_FLEET, tmp_path / "copy"])
    assert len(runset.runs) == 1
    assert len(runset.cases) == len(raw_rows(COMPAT_FLEET / "results.jsonl"))
    assert any("given twice" in w for w in runset.warnings)


def test_locust_stats_csv_stands_in_for_a_missing_load_summary(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(LOAD_RUNS["rclone"], run_dir)
    (run_dir / "load_summary.jsonl").unlink()
    runset = load_runs([run_dir])
    stats = pd.read_csv(run_dir / "locust_stats.csv")
    stats = stats[stats["Name"] != "Aggregated"]
    assert len(runset.perf) == len(stats)
    assert set(runset.perf["target"]) == {"rclone"}
    row = stats.iloc[0]
    got = runset.perf.set_index("workload").loc[row["Name"]]
    assert got["requests"] == row["Request Count"] and got["p99_ms"] == pytest.approx(row["99%"])
