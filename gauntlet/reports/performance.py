"""Performance views: per operation and object size, each target side by side, ratios to a baseline target."""

from __future__ import annotations

import pandas as pd

from gauntlet.errors import UsageError
from gauntlet.reports.load import sort_workloads

#: Measured values compared between targets; for the latencies and error rate, lower is better.
METRICS = ("rps", "mb_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "error_rate")
LOWER_IS_BETTER = frozenset({"p50_ms", "p90_ms", "p99_ms", "max_ms", "avg_ms", "error_rate", "ttfb_p50_ms"})
RATIO_METRICS = ("rps", "mb_s", "p50_ms", "p99_ms")

COMPARISON_COLUMNS = ("workload", "operation", "size_class", "size_bytes", "target", "version", "run_id", "requests",
                      "failures", *METRICS, "ttfb_p50_ms", "integrity_failures",
                      *(f"{m}_ratio" for m in RATIO_METRICS))


def choose_baseline_target(targets: list[str], wanted: str | None) -> str | None:
    """The target others are compared with: ``wanted`` if given, else the first one."""
    if wanted is None:
        return targets[0] if targets else None
    if wanted not in targets:
        known = ", ".join(targets) or "none"
        raise UsageError(f"--baseline-target {wanted}: no load results for it (targets with load results: {known})")
    return wanted


def perf_comparison(perf: pd.DataFrame, targets: list[str], baseline_target: str | None) -> pd.DataFrame:
    """One row per workload × target (latest run of each target) with ``<metric>_ratio`` to the baseline target.

    A ratio above 1 means more requests/s or MB/s, or a slower (higher) latency, than the baseline.
    """
    if perf.empty:
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    table = perf[perf["target"].isin(targets)].copy()
    if baseline_target is not None:
        base = table[table["target"] == baseline_target].set_index("workload")
        for metric in RATIO_METRICS:
            reference = table["workload"].map(base[metric]).astype("float64")
            values = table[metric].astype("float64")
            table[f"{metric}_ratio"] = (values / reference.where(reference > 0)).round(3)
    else:
        for metric in RATIO_METRICS:
            table[f"{metric}_ratio"] = float("nan")
    table["_t"] = table["target"].map({t: i for i, t in enumerate(targets)})
    table = sort_workloads(table.sort_values("_t", kind="stable")).drop(columns="_t")
    return table[list(COMPARISON_COLUMNS)].reset_index(drop=True)


def throughput_over_time(history: pd.DataFrame) -> pd.DataFrame:
    """Per run, target and stats interval: requests/s and failures/s over all workloads.

    Locust's own aggregate (operation ``ALL``) is used where the run recorded it, else the sum.
    """
    columns = ["run_id", "target", "elapsed_s", "rps", "failures_s", "users"]
    if history.empty:
        return pd.DataFrame(columns=columns)
    is_all = history["operation"] == "ALL"
    has_all = history[is_all][["run_id", "target"]].drop_duplicates().assign(_all=True)
    marked = history.merge(has_all, on=["run_id", "target"], how="left")
    keep = marked["_all"].fillna(False).astype(bool) == (marked["operation"] == "ALL")
    grouped = marked[keep].groupby(["run_id", "target", "elapsed_s"], as_index=False).agg(
        rps=("rps", "sum"), failures_s=("failures_s", "sum"), users=("users", "max"))
    return grouped[columns].sort_values(["run_id", "target", "elapsed_s"]).reset_index(drop=True)


def perf_trend(perf: pd.DataFrame) -> pd.DataFrame:
    """Per run and target over all workloads: total requests, requests/s, worst p99 and error rate."""
    columns = ["run_id", "start_time", "target", "requests", "rps", "mb_s", "p99_ms", "error_rate"]
    if perf.empty:
        return pd.DataFrame(columns=columns)
    grouped = perf.groupby(["run_id", "start_time", "target"], as_index=False).agg(
        requests=("requests", "sum"), failures=("failures", "sum"), rps=("rps", "sum"), mb_s=("mb_s", "sum"),
        p99_ms=("p99_ms", "max"))
    grouped["error_rate"] = (grouped["failures"] / grouped["requests"].where(grouped["requests"] > 0)).fillna(0.0)
    return grouped[columns].sort_values(["start_time", "run_id", "target"]).reset_index(drop=True)
