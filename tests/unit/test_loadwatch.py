"""gauntlet.load.watch: reading Locust's growing history, the compact console lines and `--run-time auto`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from gauntlet.load.watch import HistoryTail, LiveConsole, StableThroughput, render_lines, snapshot

HEADER = ["Timestamp", "User Count", "Type", "Name", "Requests/s", "Failures/s", "50%", "99%",
          "Total Request Count", "Total Failure Count"]


def rows_text(rows: list[list[object]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def second(ts: int, users: int, total: int, get: tuple[int, int], put: tuple[int, int]) -> list[list[object]]:
    """One second of history: GET in two size classes (count, rps each), PUT in one, and the Aggregated row."""
    return [[ts, users, "GET", "GET 4KiB", get[1], 0, 2, 9, get[0], 0],
            [ts, users, "GET", "GET 1MiB", get[1], 0, 6, 30, get[0], 1],
            [ts, users, "PUT", "PUT 4KiB", put[1], 0, 3, 12, put[0], 0],
            [ts, users, "", "Aggregated", 2 * get[1] + put[1], 0, 3, 30, total, 1]]


def test_tail_returns_only_complete_new_rows(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    tail = HistoryTail(path)
    assert tail.read() == []  # not written yet
    path.write_text(rows_text([HEADER, *second(100, 4, 30, (10, 5), (10, 5))]) + "101,4,GET,GE")
    assert [r["Timestamp"] for r in tail.read()] == ["100"] * 4
    with path.open("a") as handle:
        handle.write('T 4KiB,5,0,2,9,20,0\n')
    assert [(r["Timestamp"], r["Name"]) for r in tail.read()] == [("101", "GET 4KiB")]
    assert tail.read() == []


def test_snapshot_sums_size_classes_per_operation_from_the_newest_second() -> None:
    rows = [dict(zip(HEADER, map(str, row), strict=True))
            for row in second(100, 4, 30, (10, 5), (10, 5)) + second(101, 4, 60, (20, 10), (20, 20))]
    snap = snapshot(rows)
    assert snap is not None and snap.timestamp == 101 and snap.users == 4 and snap.requests == 60
    get, put = snap.operations
    assert (get.operation, get.requests, get.failures, get.rps) == ("GET", 40, 1, 20.0)
    assert get.p50_ms == 4.0 and get.p99_ms == 30.0  # p50 weighted by req/s, p99 the largest
    assert (put.operation, put.requests, put.rps) == ("PUT", 20, 20.0)
    lines = render_lines(snap, 12)
    assert len(lines) == 3 and "60 requests" in lines[0] and lines[1].split()[:2] == ["GET", "40"]


def test_console_redraws_in_place_on_a_terminal_and_logs_plain_lines_otherwise() -> None:
    rows = [dict(zip(HEADER, map(str, row), strict=True)) for row in second(100, 4, 30, (10, 5), (10, 5))]
    snap = snapshot(rows)
    assert snap is not None
    tty = io.StringIO()
    console = LiveConsole(tty, tty=True)
    console.show(snap, 1)
    console.write("a Locust log line\n")
    console.show(snap, 2)
    assert tty.getvalue().count("\x1b[3F\x1b[J") == 1 and "a Locust log line" in tty.getvalue()
    plain = io.StringIO()
    console = LiveConsole(plain, tty=False)
    for elapsed in range(0, 25):
        console.show(snap, elapsed)
    assert "\x1b" not in plain.getvalue() and len(plain.getvalue().splitlines()) == 3  # at 0, 10 and 20 s


def test_auto_stops_only_on_steady_throughput_with_every_user_running() -> None:
    def feed(watch: StableThroughput, rates: list[int], users: list[int]) -> None:
        total = 0
        for i, (rate, count) in enumerate(zip(rates, users, strict=True)):
            total += rate
            watch.feed([{"Timestamp": str(1000 + i), "User Count": str(count), "Name": "Aggregated",
                         "Total Request Count": str(total)}])

    ramping = StableThroughput(users=4)
    feed(ramping, [100] * 12, [1, 2, 3] + [3] * 9)
    assert not ramping.stable()  # never all users
    steady = StableThroughput(users=4)
    feed(steady, [10, 50, 100, 104, 97, 101, 99, 103, 96, 100, 102, 98, 100], [2, 4] + [4] * 11)
    assert steady.stable() and len(steady.segment_rates) == 5
    noisy = StableThroughput(users=4)
    feed(noisy, [100, 100, 60, 140, 70, 130, 100, 100, 60, 160, 100, 100], [4] * 12)
    assert not noisy.stable()
