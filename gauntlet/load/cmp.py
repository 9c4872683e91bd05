"""Load-run analysis from Locust's own data, and `gauntlet load cmp RUN_A RUN_B`.

A load run directory holds Locust's `locust_stats_history.csv` (one row per second and request
name, with the running request count) and the harness's `load_summary.jsonl` (one row per
operation and size class). From them, per operation (size classes summed):

- **steady window**: from the first second at which every user has been spawned (the ramp-up
  ends) to the second before the last sample (Locust's final second is partial), so neither
  ramp-up nor tail counts. A window shorter than 3 s falls back to the whole run (said so).
- **segments**: the window cut into equal segments (about 10, at least 1 s each); each one's
  throughput is its request-count increase over its length. Fastest / median / slowest segment
  and the spread (coefficient of variation, stdev / mean) say how steady the run was.
- **throughput** = requests in the window / window length; MB/s and the latency percentiles come
  from the summary (p50 requests-weighted over size classes; p99 and max the largest of them).

`compare` puts two runs side by side per operation: the change of steady throughput and a noise
band. The band is three standard errors of the difference of the two runs' mean segment throughput
(sqrt(sd_a^2/n_a + sd_b^2/n_b), over the baseline's mean: a 3-sigma band that widens with the
segment spread and narrows with more segments), and never less than a floor (`--min-band`,
default 10 %): segments of one run are not independent, so the standard error alone understates
the run-to-run noise. Two 10 s runs of one server on a 2-core machine drifted apart by 5-9 % when
the machine was quiet, by up to 22 % made one after the other while a self-test ran three workers
beside them, and by up to 26 % even made side by side while four other jobs ran (measured, five
pairs). So compare runs made under the same conditions on a machine nothing else uses, and raise
the floor where you don't control the load. A fall beyond the
band is a regression, a rise beyond it an improvement, anything inside it "within noise": a
server slowed by 50 ms per answer (-95 %) is always a regression. When every operation moved the
same way by a similar fraction, the console says the whole machine or network may have changed.
"""

from __future__ import annotations

import csv
import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gauntlet.errors import NoResults
from gauntlet.rundir import layout

#: How `gauntlet load cmp`'s error lines start.
PREFIX = "s3gauntlet load cmp"

#: The default floor of the noise band (`--min-band`): below it a change is never called a regression.
MIN_BAND = 0.10
#: How many standard errors of the difference the band spans.
SIGMAS = 3.0
TARGET_SEGMENTS = 10


@dataclass
class OperationStats:
    """One operation of one run, over the steady window."""

    operation: str
    requests: int  # in the steady window
    ops_s: float
    mb_s: float | None
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    failures: int
    segments: list[float] = field(default_factory=list)  # ops/s of each segment

    @property
    def spread(self) -> float:
        """Coefficient of variation of the segments (0 when fewer than 2)."""
        if len(self.segments) < 2 or not statistics.fmean(self.segments):
            return 0.0
        return statistics.pstdev(self.segments) / statistics.fmean(self.segments)

    def segment_summary(self) -> tuple[float, float, float]:
        """(slowest, median, fastest) segment ops/s."""
        if not self.segments:
            return (self.ops_s, self.ops_s, self.ops_s)
        return (min(self.segments), statistics.median(self.segments), max(self.segments))


@dataclass
class RunAnalysis:
    run_dir: str
    run_id: str
    target: str
    window_s: float
    segment_s: float
    whole_run: bool  # the steady window was too short: the whole run is used
    operations: dict[str, OperationStats]


def analyse(run_dir: Path | str) -> RunAnalysis:
    """The steady-window analysis of one load run directory (NoResults when it is not one)."""
    run_dir = Path(run_dir)
    history = run_dir / layout.LOCUST_HISTORY
    if not history.is_file():
        raise NoResults(f"{run_dir}: not a load run directory (no {layout.LOCUST_HISTORY})", prefix=PREFIX)
    counts: dict[str, dict[int, int]] = {}
    users: dict[int, int] = {}
    with history.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("Name") == "Aggregated" or not row.get("Type"):
                continue
            stamp = int(row["Timestamp"])
            users[stamp] = max(users.get(stamp, 0), int(row["User Count"] or 0))
            per_op = counts.setdefault(row["Type"], {})
            per_op[stamp] = per_op.get(stamp, 0) + int(row["Total Request Count"] or 0)
    if not counts:
        raise NoResults(f"{run_dir}: {layout.LOCUST_HISTORY} holds no request rows", prefix=PREFIX)
    stamps = sorted(users)
    peak = max(users.values())
    start = next(s for s in stamps if users[s] >= peak)
    end = stamps[-2] if len(stamps) >= 2 else stamps[-1]
    whole = end - start < 3
    if whole:
        start, end = stamps[0], stamps[-1]
    window = max(end - start, 1)
    segment = max(1, round(window / TARGET_SEGMENTS))
    summary = _summary(run_dir)
    meta = _meta(run_dir)
    operations = {}
    for op, series in counts.items():
        at = _cumulative(series, stamps)
        requests = at[end] - at[start]
        bounds = list(range(start, end, segment))
        segments = [(at[min(b + segment, end)] - at[b]) / (min(b + segment, end) - b) for b in bounds
                    if min(b + segment, end) > b]
        rows = summary.get(op, [])
        operations[op] = OperationStats(
            op, requests, requests / window, _sum(rows, "mb_s"), _weighted(rows, "p50_ms"),
            _largest(rows, "p99_ms"), _largest(rows, "max_ms"), int(sum(r.get("failures") or 0 for r in rows)),
            segments)
    return RunAnalysis(str(run_dir), str(meta.get("run_id", run_dir.name)), _target(meta, summary), float(window),
                       float(segment), whole, dict(sorted(operations.items())))


def _cumulative(series: dict[int, int], stamps: list[int]) -> dict[int, int]:
    """The running count at every second from the first to the last timestamp (carried forward where a name
    has no row that second, or Locust wrote no row at all: under load a second can be skipped)."""
    out, last = {}, 0
    for stamp in range(stamps[0], stamps[-1] + 1):
        last = max(last, series.get(stamp, last))
        out[stamp] = last
    return out


def _summary(run_dir: Path) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    path = run_dir / layout.LOAD_SUMMARY
    if path.is_file():
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                rows.setdefault(str(row.get("operation")), []).append(row)
    return rows


def _meta(run_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((run_dir / layout.META).read_text())
    except (OSError, ValueError):
        return {}


def _target(meta: dict[str, Any], summary: dict[str, list[dict[str, Any]]]) -> str:
    targets = meta.get("targets") or []
    if targets and isinstance(targets[0], dict):
        return str(targets[0].get("name", "?"))
    for rows in summary.values():
        return str(rows[0].get("target", "?"))
    return "?"


def _sum(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return round(sum(values), 3) if values else None


def _largest(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return max(values) if values else None


def _weighted(rows: list[dict[str, Any]], key: str) -> float | None:
    pairs = [(r[key], r.get("requests") or 0) for r in rows if r.get(key) is not None]
    total = sum(w for _, w in pairs)
    return round(sum(v * w for v, w in pairs) / total, 2) if total else None


# --------------------------------------------------------------------------- comparing two runs


@dataclass
class OperationChange:
    operation: str
    ops_a: float
    ops_b: float
    change: float  # (b - a) / a
    band: float
    verdict: str  # "regression", "improvement" or "within noise"
    p99_a: float | None
    p99_b: float | None


def noise_band(a: OperationStats, b: OperationStats) -> float:
    """SIGMAS standard errors of the difference of the mean segment throughputs, relative to `a`'s."""
    if len(a.segments) < 2 or len(b.segments) < 2 or not a.ops_s:
        return 1.0  # too few segments to tell noise from change
    error = (statistics.variance(a.segments) / len(a.segments)
             + statistics.variance(b.segments) / len(b.segments)) ** 0.5
    return SIGMAS * error / a.ops_s


def compare(a: RunAnalysis, b: RunAnalysis, min_band: float = MIN_BAND) -> list[OperationChange]:
    """Per operation present in both runs: the steady throughput change against the noise band."""
    changes = []
    for op in sorted(set(a.operations) & set(b.operations)):
        first, second = a.operations[op], b.operations[op]
        change = (second.ops_s - first.ops_s) / first.ops_s if first.ops_s else 0.0
        band = max(min_band, noise_band(first, second))
        verdict = "regression" if change < -band else "improvement" if change > band else "within noise"
        changes.append(OperationChange(op, first.ops_s, second.ops_s, change, band, verdict, first.p99_ms,
                                       second.p99_ms))
    return changes


def uniform_shift(changes: list[OperationChange]) -> bool:
    """Whether at least three operations all changed in one direction by fractions within 10 points of each other."""
    moves = [c.change for c in changes]
    if len(moves) < 3 or not (all(m < 0 for m in moves) or all(m > 0 for m in moves)):
        return False
    return min(abs(m) for m in moves) >= 0.05 and max(moves) - min(moves) <= 0.10


def render(a: RunAnalysis, b: RunAnalysis, changes: list[OperationChange]) -> str:
    """The console table of `gauntlet load cmp`."""
    lines = [f"A: {a.run_id} ({a.target}), steady window {a.window_s:.0f} s in {a.segment_s:.0f} s segments"
             + (" (too short: whole run used)" if a.whole_run else ""),
             f"B: {b.run_id} ({b.target}), steady window {b.window_s:.0f} s in {b.segment_s:.0f} s segments"
             + (" (too short: whole run used)" if b.whole_run else ""),
             "",
             f"{'operation':10} {'A ops/s':>9} {'B ops/s':>9} {'change':>8} {'noise band':>10}  "
             f"{'A p99 ms':>8} {'B p99 ms':>8}  verdict"]
    for c in changes:
        lines.append(f"{c.operation:10} {c.ops_a:9.1f} {c.ops_b:9.1f} {c.change:+8.1%} {c.band:>10.1%}  "
                     f"{_ms(c.p99_a):>8} {_ms(c.p99_b):>8}  {c.verdict}")
    if uniform_shift(changes):
        lines.append("(every operation moved the same way by a similar fraction: check that both runs had the "
                     "same machine, load and network before blaming the server)")
    only = sorted(set(a.operations) ^ set(b.operations))
    if only:
        lines.append(f"(only in one run, not compared: {', '.join(only)})")
    lines += ["", "segments (slowest / median / fastest ops/s, spread):"]
    for label, run in (("A", a), ("B", b)):
        for op, stats in run.operations.items():
            low, mid, high = stats.segment_summary()
            lines.append(f"  {label} {op:10} {low:9.1f} / {mid:9.1f} / {high:9.1f}  spread {stats.spread:.1%}")
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def as_json(a: RunAnalysis, b: RunAnalysis, changes: list[OperationChange]) -> str:
    def run(r: RunAnalysis) -> dict[str, Any]:
        data = asdict(r)
        for op, stats in r.operations.items():
            data["operations"][op]["spread"] = round(stats.spread, 4)
        return data

    return json.dumps({"a": run(a), "b": run(b), "changes": [asdict(c) for c in changes]}, indent=1)
