"""Watching a headless load run from Locust's own per-second history: the live console and `--run-time auto`.

Locust (with ``--csv … --csv-full-history``) appends, every second, one row per request name and an
"Aggregated" row to ``locust_stats_history.csv``. :class:`HistoryTail` reads the rows appended since
the last look; :func:`snapshot` folds the newest second into one line per operation (size classes
summed: requests, current req/s, failures, current p50 / p99).

- :class:`LiveConsole` shows those lines instead of Locust's full table every 2 s: on a terminal one
  line per operation refreshed in place; otherwise (a log, CI) one plain line every 10 s.
- :class:`StableThroughput` is `--run-time auto` (warp's ``--autoterm``): once every user is running,
  the run stops when the requests of each of the last five 2 s segments are within ±7.5 % of their
  mean (10 s of steady throughput); the profile's run time (or ``auto:CAP``) stays the hard cap.
"""

from __future__ import annotations

import csv
import io
import itertools
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

AGGREGATED = "Aggregated"
#: `--run-time auto`: segments, their length and the tolerance of each around the mean.
STABLE_SEGMENTS = 5
STABLE_SEGMENT_S = 2
STABLE_TOLERANCE = 0.075
#: Without a terminal, one status line this often.
PLAIN_EVERY_S = 10


class HistoryTail:
    """The complete rows appended to a Locust stats-history CSV since the last :meth:`read`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._header: list[str] | None = None

    def read(self) -> list[dict[str, str]]:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n") + 1  # a row Locust is still writing waits for the next look
        self._offset += end
        lines = data[:end].decode("utf-8", "replace").splitlines()
        if self._header is None and lines:
            self._header = next(csv.reader([lines.pop(0)]))
        if self._header is None:
            return []
        return [dict(zip(self._header, row, strict=False)) for row in csv.reader(io.StringIO("\n".join(lines))) if row]


@dataclass
class OperationLine:
    """One operation in the newest second of the history."""

    operation: str
    requests: int
    failures: int
    rps: float
    p50_ms: float | None
    p99_ms: float | None


@dataclass
class Snapshot:
    """The newest second: when, how many users, per-operation lines and the aggregated totals."""

    timestamp: int
    users: int
    requests: int
    failures: int
    rps: float
    operations: list[OperationLine]


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "", "N/A") else None
    except ValueError:
        return None


def snapshot(rows: list[dict[str, str]]) -> Snapshot | None:
    """The newest complete second among `rows` (rows of older seconds are ignored)."""
    stamps = [int(r["Timestamp"]) for r in rows if r.get("Timestamp", "").isdigit()]
    if not stamps:
        return None
    newest = max(stamps)
    latest = [r for r in rows if r.get("Timestamp") == str(newest)]
    ops: dict[str, list[dict[str, str]]] = {}
    total: dict[str, str] = {}
    for row in latest:
        if row.get("Name") == AGGREGATED:
            total = row
        else:
            ops.setdefault(row.get("Type") or row.get("Name", "?"), []).append(row)
    lines = []
    for op, parts in sorted(ops.items()):
        rates = [_number(p.get("Requests/s")) or 0.0 for p in parts]
        medians = [(_number(p.get("50%")), rate) for p, rate in zip(parts, rates, strict=True)]
        weighted = [(m, r) for m, r in medians if m is not None]
        weight = sum(r for _, r in weighted)
        p50 = (sum(m * r for m, r in weighted) / weight if weight
               else max((m for m, _ in weighted), default=None))
        p99s = [v for v in (_number(p.get("99%")) for p in parts) if v is not None]
        lines.append(OperationLine(op, sum(int(_number(p.get("Total Request Count")) or 0) for p in parts),
                                   sum(int(_number(p.get("Total Failure Count")) or 0) for p in parts),
                                   sum(rates), p50, max(p99s, default=None)))
    return Snapshot(newest, int(_number(total.get("User Count") or (latest[0].get("User Count"))) or 0),
                    int(_number(total.get("Total Request Count")) or sum(line.requests for line in lines)),
                    int(_number(total.get("Total Failure Count")) or sum(line.failures for line in lines)),
                    _number(total.get("Requests/s")) or sum(line.rps for line in lines), lines)


def _ms(value: float | None) -> str:
    """Locust's history keeps current percentiles in whole milliseconds: 0 means below 1 ms."""
    return "-" if value is None else "<1" if value < 1 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def render_lines(snap: Snapshot, elapsed_s: float) -> list[str]:
    """The compact block: a header line, then one line per operation."""
    head = (f"{elapsed_s:5.0f} s  {snap.users} users  {snap.requests:,} requests  {snap.rps:,.1f} req/s  "
            f"{snap.failures:,} failed")
    return [head] + [f"  {line.operation:10} {line.requests:>10,} req {line.rps:>9,.1f}/s {line.failures:>6,} fail"
                     f"  p50 {_ms(line.p50_ms):>6} ms  p99 {_ms(line.p99_ms):>6} ms" for line in snap.operations]


def render_plain(snap: Snapshot, elapsed_s: float) -> str:
    """One log line: totals and req/s per operation."""
    ops = " ".join(f"{line.operation} {line.rps:,.0f}/s" for line in snap.operations)
    return (f"s3gauntlet: {elapsed_s:.0f} s, {snap.users} users, {snap.requests:,} requests, {snap.rps:,.1f} req/s, "
            f"{snap.failures:,} failed | {ops}")


class LiveConsole:
    """The block of :func:`render_lines` kept in place on a terminal, or a plain line every 10 s."""

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self._drawn = 0
        self._last_plain: float | None = None
        self._lock = threading.Lock()

    def show(self, snap: Snapshot, elapsed_s: float) -> None:
        with self._lock:
            if self.tty:
                self._erase()
                lines = render_lines(snap, elapsed_s)
                self.stream.write("\n".join(lines) + "\n")
                self._drawn = len(lines)
            elif self._last_plain is None or elapsed_s - self._last_plain >= PLAIN_EVERY_S:
                self._last_plain = elapsed_s
                self.stream.write(render_plain(snap, elapsed_s) + "\n")
            self.stream.flush()

    def write(self, text: str) -> None:
        """Another line (Locust's own log output) printed above the block, which is redrawn on the next show."""
        with self._lock:
            self._erase()
            self.stream.write(text)
            self.stream.flush()

    def finish(self) -> None:
        """The block stays as the last state; later output goes below it."""
        with self._lock:
            self._drawn = 0

    def _erase(self) -> None:
        if self._drawn:
            self.stream.write(f"\x1b[{self._drawn}F\x1b[J")  # to the block's first line, clear to the end
            self._drawn = 0


class StableThroughput:
    """`--run-time auto`: whether total throughput has been steady for the last 10 s with every user running."""

    def __init__(self, users: int, segments: int = STABLE_SEGMENTS, segment_s: int = STABLE_SEGMENT_S,
                 tolerance: float = STABLE_TOLERANCE) -> None:
        self.users = users
        self.segments = segments
        self.segment_s = segment_s
        self.tolerance = tolerance
        self._counts: dict[int, int] = {}  # second -> total requests so far, once every user runs
        self.segment_rates: list[float] = []

    def feed(self, rows: list[dict[str, str]]) -> None:
        for row in rows:
            if row.get("Name") != AGGREGATED or not row.get("Timestamp", "").isdigit():
                continue
            if int(_number(row.get("User Count")) or 0) >= self.users:
                self._counts[int(row["Timestamp"])] = int(_number(row.get("Total Request Count")) or 0)

    def stable(self) -> bool:
        """True once the last `segments` segments each did within ±tolerance of their mean (and some requests)."""
        seconds = sorted(self._counts)
        need = self.segments * self.segment_s + 1
        if len(seconds) < need:
            return False
        recent = seconds[-need:]
        if recent[-1] - recent[0] != need - 1:  # a gap in the history: wait for contiguous seconds
            return False
        edges = recent[:: self.segment_s]
        rates = [(self._counts[b] - self._counts[a]) / self.segment_s for a, b in itertools.pairwise(edges)]
        self.segment_rates = rates
        mean = statistics.fmean(rates)
        return mean > 0 and all(abs(rate - mean) <= self.tolerance * mean for rate in rates)


class RunWatch:
    """Polled by the load runner while Locust runs: feeds the live console and `--run-time auto`."""

    def __init__(self, history: Path, console: LiveConsole | None, auto: StableThroughput | None,
                 every_s: float = 1.0) -> None:
        self.tail = HistoryTail(history)
        self.console = console
        self.auto = auto
        self.every_s = every_s
        self.started = time.monotonic()
        self._last = 0.0
        self.stopped_after_s: float | None = None

    def poll(self) -> str | None:
        """Read what Locust appended; a reason to stop the run once throughput is steady (`auto`)."""
        now = time.monotonic()
        if self.stopped_after_s is not None:
            return "throughput stable"
        if now - self._last < self.every_s or (self.console is None and self.auto is None):
            return None
        self._last = now
        rows = self.tail.read()
        if not rows:
            return None
        snap = snapshot(rows)
        if self.console is not None and snap is not None:
            self.console.show(snap, now - self.started)
        if self.auto is not None:
            self.auto.feed(rows)
            if self.auto.stable():
                self.stopped_after_s = now - self.started
                return "throughput stable"
        return None

    def auto_meta(self, cap_s: float) -> dict[str, object]:
        """What `--run-time auto` did, for meta.json and the console."""
        assert self.auto is not None
        rates = [round(rate, 1) for rate in self.auto.segment_rates]
        if self.stopped_after_s is None:
            return {"stopped": "cap", "cap_s": cap_s, "last_segment_rates": rates,
                    "why": f"throughput was not steady within ±{self.auto.tolerance:.1%} over "
                           f"{self.auto.segments * self.auto.segment_s} s before the run ended (the {cap_s:g} s "
                           f"cap, the request cap or an interruption)"}
        return {"stopped": "stable", "after_s": round(self.stopped_after_s, 1), "cap_s": cap_s,
                "last_segment_rates": rates,
                "why": f"stopped after {self.stopped_after_s:.0f} s of the {cap_s:g} s cap: the last "
                       f"{self.auto.segments} segments of {self.auto.segment_s} s each did within "
                       f"±{self.auto.tolerance:.1%} of {statistics.fmean(rates):,.1f} req/s"}
