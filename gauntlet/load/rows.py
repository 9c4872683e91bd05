"""Tidy result rows for ``load_summary.jsonl`` and ``load_history.jsonl`` (plain data in, dicts out).

One summary row per request name, i.e. per operation × size class; one history row
per request name per stats interval. Latency percentiles come from Locust's
response-time histograms, bucketed to two significant digits by
:func:`gauntlet.load.s3ops.bucket_ms` (Locust's CSV files round them to whole
milliseconds). No Locust import here, so the unit tests can feed it numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gauntlet.config.profiles import class_bounds, split_name
from gauntlet.load.s3ops import percentile


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def size_bytes(label: str, total_bytes: int, successes: int) -> int | None:
    """Bytes per request: the exact size for an exact class, the observed mean for a range class."""
    bounds = class_bounds(label)
    if bounds is None:
        return None
    low, high = bounds
    if low == high:
        return low
    return round(total_bytes / successes) if successes > 0 else low


def summary_row(*, run_id: str, target: str, name: str, requests: int, failures: int, rps: float,
                total_bytes: int, response_times: Mapping[float, int], max_ms: float, avg_ms: float,
                ttfb: Mapping[float, int] | None, checked: int, bad: int) -> dict[str, Any]:
    """One ``load_summary.jsonl`` row for request name ``name`` (``GET 4KiB``)."""
    operation, label = split_name(name)
    per_request = total_bytes / requests if requests else 0.0
    row = {
        "run_id": run_id,
        "target": target,
        "operation": operation,
        "size_class": label,
        "size_bytes": size_bytes(label, total_bytes, requests - failures),
        "requests": requests,
        "failures": failures,
        "rps": _round(rps),
        "mb_s": _round(rps * per_request / 1e6, 4),
        "p50_ms": _round(percentile(response_times, 0.50)),
        "p90_ms": _round(percentile(response_times, 0.90)),
        "p99_ms": _round(percentile(response_times, 0.99)),
        "max_ms": _round(max_ms),
        "avg_ms": _round(avg_ms),
        "ttfb_p50_ms": _round(percentile(ttfb, 0.50)) if ttfb else None,
        "integrity_checked": checked,
        "integrity_failures": bad,
    }
    return row


def history_row(*, run_id: str, target: str, timestamp: int, name: str, requests: int, failures: int,
                seconds: float, response_times: Mapping[float, int], users: int) -> dict[str, Any]:
    """One ``load_history.jsonl`` row: what happened to ``name`` during the last ``seconds``."""
    if name == "Aggregated":
        operation, label = "ALL", "-"
    else:
        operation, label = split_name(name)
    span = max(seconds, 1e-9)
    return {
        "run_id": run_id,
        "target": target,
        "timestamp": timestamp,
        "operation": operation,
        "size_class": label,
        "rps": _round(requests / span),
        "failures_s": _round(failures / span),
        "p50_ms": _round(percentile(response_times, 0.50)),
        "p95_ms": _round(percentile(response_times, 0.95)),
        "users": users,
    }


def histogram_delta(now: Mapping[float, int], before: Mapping[float, int]) -> dict[float, int]:
    """Samples added to a response-time histogram since ``before``."""
    return {k: v - before.get(k, 0) for k, v in now.items() if v - before.get(k, 0) > 0}


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]], append: bool = False) -> int:
    count = 0
    with open(path, "a" if append else "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
