"""gauntlet.load.cmp: the steady window, segments, spread and the noise band, on written Locust files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from gauntlet.errors import NoResults
from gauntlet.load.cmp import MIN_BAND, analyse, compare, render, uniform_shift

HEADER = ["Timestamp", "User Count", "Type", "Name", "Requests/s", "Total Request Count"]


def write_run(path: Path, rates: dict[str, list[int]], ramp: int = 2, users: int = 4) -> Path:
    """A run directory whose history has `rates[op][i]` requests in second i (after `ramp` seconds of ramp-up)."""
    path.mkdir(parents=True)
    seconds = len(next(iter(rates.values())))
    with (path / "locust_stats_history.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        totals = dict.fromkeys(rates, 0)
        for i in range(seconds):
            count = min(users, (i + 1) * users // (ramp + 1)) if i < ramp else users
            writer.writerow([1000 + i, count, "", "Aggregated", 0, sum(totals.values())])
            for op, per_second in rates.items():
                totals[op] += per_second[i]
                # two size classes per operation: the analysis sums them
                writer.writerow([1000 + i, count, op, f"{op} 4KiB", 0, totals[op] // 2])
                writer.writerow([1000 + i, count, op, f"{op} 1MiB", 0, totals[op] - totals[op] // 2])
    (path / "load_summary.jsonl").write_text("\n".join(json.dumps(
        {"operation": op, "size_class": size, "requests": 10, "mb_s": 1.0, "p50_ms": p50, "p99_ms": p99,
         "max_ms": p99 * 2, "failures": 0, "target": "t"}) for op in rates
        for size, p50, p99 in (("4KiB", 2.0, 10.0), ("1MiB", 4.0, 30.0))) + "\n")
    return path


def test_steady_window_drops_ramp_up_and_the_last_second(tmp_path: Path) -> None:
    run = analyse(write_run(tmp_path / "r", {"GET": [5, 50, 100, 100, 100, 100, 100, 100, 100, 100, 100, 3]}))
    get = run.operations["GET"]
    assert run.window_s == 8 and not run.whole_run  # seconds 2..10 of 0..11
    assert get.ops_s == pytest.approx(100) and get.spread == pytest.approx(0)
    assert get.mb_s == 2.0 and get.p50_ms == 3.0 and get.p99_ms == 30.0 and get.max_ms == 60.0


def test_same_run_is_within_noise_and_a_slowed_one_is_a_regression(tmp_path: Path) -> None:
    base = [100, 104, 97, 101, 99, 103, 96, 100, 102, 98, 100, 100]
    a = analyse(write_run(tmp_path / "a", {"GET": base, "PUT": base}))
    b = analyse(write_run(tmp_path / "b", {"GET": [x * 97 // 100 for x in base], "PUT": base}))
    slow = analyse(write_run(tmp_path / "slow", {"GET": [x // 10 for x in base], "PUT": [x * 2 for x in base]}))
    assert {c.operation: c.verdict for c in compare(a, b)} == {"GET": "within noise", "PUT": "within noise"}
    changes = {c.operation: c for c in compare(a, slow)}
    assert changes["GET"].verdict == "regression" and changes["GET"].change == pytest.approx(-0.9, abs=0.02)
    assert changes["PUT"].verdict == "improvement"
    assert all(c.band >= MIN_BAND for c in changes.values())
    assert "regression" in render(a, slow, list(changes.values()))


def test_a_noisy_run_widens_the_band(tmp_path: Path) -> None:
    steady = analyse(write_run(tmp_path / "a", {"GET": [100] * 12}))
    noisy = analyse(write_run(tmp_path / "b", {"GET": [100, 100, 60, 140, 70, 130, 60, 140, 70, 130, 90, 90]}))
    change = compare(steady, noisy)[0]
    assert change.band > 0.25 and change.verdict == "within noise"


def test_min_band_is_the_floor_and_a_uniform_shift_is_named(tmp_path: Path) -> None:
    base = [100, 104, 97, 101, 99, 103, 96, 100, 102, 98, 100, 100]
    a = analyse(write_run(tmp_path / "a", {op: base for op in ("GET", "PUT", "LIST")}))
    b = analyse(write_run(tmp_path / "b", {op: [x * 85 // 100 for x in base] for op in ("GET", "PUT", "LIST")}))
    assert {c.verdict for c in compare(a, b)} == {"regression"}
    assert {c.verdict for c in compare(a, b, min_band=0.35)} == {"within noise"}
    assert uniform_shift(compare(a, b)) and "same machine, load and network" in render(a, b, compare(a, b))
    mixed = analyse(write_run(tmp_path / "m", {"GET": [x * 85 // 100 for x in base], "PUT": base, "LIST": base}))
    assert not uniform_shift(compare(a, mixed))


def test_a_directory_without_locust_history_is_not_a_load_run(tmp_path: Path) -> None:
    with pytest.raises(NoResults, match="not a load run directory") as error:
        analyse(tmp_path)
    assert error.value.exit_code == 21
