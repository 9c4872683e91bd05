"""Tidy load results: summary and history rows, histograms, worker extras; the runner's command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gauntlet.errors import ExitCode
from gauntlet.load import run as loadrun
from gauntlet.load.rows import (
    histogram_delta,
    history_row,
    read_jsonl,
    size_bytes,
    summary_row,
    write_jsonl,
)
from gauntlet.load.s3ops import Extras, percentile
from gauntlet.rundir.layout import LOAD_HISTORY_FIELDS as HISTORY_FIELDS
from gauntlet.rundir.layout import LOAD_SUMMARY_FIELDS as SUMMARY_FIELDS


def test_summary_row_fields_and_figures() -> None:
    hist = {0.42: 50, 0.9: 40, 3.1: 9, 25: 1}
    row = summary_row(run_id="r", target="t", name="GET 4KiB", requests=100, failures=2, rps=250.0,
                      total_bytes=100 * 4096, response_times=hist, max_ms=25.3, avg_ms=1.0,
                      ttfb={0.3: 10, 0.5: 10}, checked=10, bad=1)
    assert tuple(row) == SUMMARY_FIELDS
    assert row["operation"] == "GET" and row["size_class"] == "4KiB" and row["size_bytes"] == 4096
    assert row["rps"] == 250.0 and row["mb_s"] == pytest.approx(250 * 4096 / 1e6, rel=1e-3)
    assert (row["p50_ms"], row["p90_ms"], row["p99_ms"]) == (0.42, 0.9, 3.1)
    assert row["max_ms"] == 25.3 and row["ttfb_p50_ms"] == 0.3
    assert (row["integrity_checked"], row["integrity_failures"]) == (10, 1)


def test_summary_row_for_sizeless_and_range_classes() -> None:
    row = summary_row(run_id="r", target="t", name="LIST", requests=10, failures=0, rps=5.0, total_bytes=20_000,
                      response_times={1.0: 10}, max_ms=1.0, avg_ms=1.0, ttfb=None, checked=0, bad=0)
    assert (row["operation"], row["size_class"], row["size_bytes"], row["ttfb_p50_ms"]) == ("LIST", "-", None, None)
    row = summary_row(run_id="r", target="t", name="PUT 4KiB-8KiB", requests=4, failures=0, rps=1.0,
                      total_bytes=4 * 6000, response_times={1.0: 4}, max_ms=1.0, avg_ms=1.0, ttfb=None, checked=0,
                      bad=0)
    assert row["size_bytes"] == 6000
    assert size_bytes("4KiB-8KiB", 0, 0) == 4096
    empty = summary_row(run_id="r", target="t", name="GET 1MiB", requests=0, failures=0, rps=0.0, total_bytes=0,
                        response_times={}, max_ms=0.0, avg_ms=0.0, ttfb=None, checked=0, bad=0)
    assert empty["p50_ms"] is None and empty["mb_s"] == 0.0


def test_history_rows() -> None:
    row = history_row(run_id="r", target="t", timestamp=1700000000, name="PUT 1MiB", requests=30, failures=3,
                      seconds=2.0, response_times={5.0: 20, 9.0: 10}, users=8)
    assert tuple(row) == HISTORY_FIELDS
    assert (row["rps"], row["failures_s"], row["p50_ms"], row["p95_ms"], row["users"]) == (15.0, 1.5, 5.0, 9.0, 8)
    total = history_row(run_id="r", target="t", timestamp=1, name="Aggregated", requests=0, failures=0,
                        seconds=1.0, response_times={}, users=0)
    assert (total["operation"], total["size_class"], total["p50_ms"]) == ("ALL", "-", None)
    assert histogram_delta({1.0: 5, 2.0: 3}, {1.0: 5, 2.0: 1}) == {2.0: 2}


def test_percentile_edges() -> None:
    assert percentile({}, 0.5) is None
    assert percentile({1.0: 1}, 0.99) == 1.0
    assert percentile({1.0: 98, 100.0: 2}, 0.99) == 100.0
    assert percentile({1.0: 99, 100.0: 1}, 0.99) == 1.0


def test_extras_drain_and_merge_like_workers_and_master() -> None:
    worker_a, worker_b, master = Extras(), Extras(), Extras()
    worker_a.check("GET 4KiB", True)
    worker_a.check("GET 4KiB", False)
    worker_a.first_byte("GET 4KiB", 0.4237)
    worker_b.check("GET 4KiB", True)
    worker_b.first_byte("GET 4KiB", 0.42)
    master.merge(worker_a.drain())
    master.merge(worker_b.drain())
    assert master.checked == {"GET 4KiB": 3} and master.bad == {"GET 4KiB": 1}
    assert master.ttfb == {"GET 4KiB": {0.42: 2}}
    assert worker_a.drain() == {"checked": {}, "bad": {}, "ttfb": {}}


def test_jsonl_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [{"a": 1}])
    write_jsonl(path, [{"a": 2}], append=True)
    assert read_jsonl(path) == [{"a": 1}, {"a": 2}]
    assert read_jsonl(tmp_path / "missing.jsonl") == []


# --------------------------------------------------------------------------- runner command line (no servers)


def test_runner_rejects_bad_input_before_launching(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert loadrun.main(["--profile", "nope", "--target", "rclone", "--run-dir", str(tmp_path)]) \
        == ExitCode.UNKNOWN_PROFILE
    assert loadrun.main(["--profile", "smoke", "--run-time", "soon", "--run-dir", str(tmp_path)]) \
        == ExitCode.CONFIG_INVALID
    assert loadrun.main(["--profile", "smoke", "--target", "nosuch", "--run-dir", str(tmp_path)]) \
        == ExitCode.UNKNOWN_TARGET
    # several targets (a comparison): every name, the profile and the run time are checked before any launch
    assert loadrun.main(["--profile", "smoke", "--target", "rclone,rclone", "--run-dir", str(tmp_path)]) \
        == ExitCode.CONFIG_INVALID
    assert loadrun.main(["--profile", "smoke", "--target", "rclone,nosuch", "--run-dir", str(tmp_path)]) \
        == ExitCode.UNKNOWN_TARGET
    assert loadrun.main(["--profile", "nope", "--target", "rclone,seaweedfs", "--run-dir", str(tmp_path)]) \
        == ExitCode.UNKNOWN_PROFILE
    assert loadrun.main(["--worker", "--master"]) == ExitCode.CONFIG_INVALID
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(lines) == 7 and all(line.startswith("s3gauntlet: ") for line in lines), lines
    assert "names a target twice" in lines[3] and "unknown target 'nosuch'" in lines[4]
    assert "unknown profile 'nope'" in lines[5]
    assert "unknown profile 'nope'" in lines[0]
    assert "--run-time: not a duration: 'soon'" in lines[1]
    assert "unknown target 'nosuch'" in lines[2]


def test_worker_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    from gauntlet.fleet.targets import load_targets

    monkeypatch.delenv(loadrun.ENV_ACCESS_KEY, raising=False)
    monkeypatch.delenv(loadrun.ENV_SECRET_KEY, raising=False)
    targets_file = load_targets(environ={})
    creds = loadrun.worker_credentials(targets_file, "rclone")  # a launched target: the launcher's keys
    assert creds.access_key
    monkeypatch.setenv(loadrun.ENV_ACCESS_KEY, "AK")
    monkeypatch.setenv(loadrun.ENV_SECRET_KEY, "SK")
    assert loadrun.worker_credentials(None, None).access_key == "AK"
