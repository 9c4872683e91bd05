"""From loaded runs to a Report (every table and chart), and from a Report to files on disk."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from gauntlet.errors import UsageError
from gauntlet.reports import charts
from gauntlet.reports.clients import client_matrix
from gauntlet.reports.diff import diff_tables, explicit_pairs, resolve_run, run_pairs
from gauntlet.reports.errors import OutputFailed
from gauntlet.reports.findings import findings_table
from gauntlet.reports.html import render_html
from gauntlet.reports.load import RunSet, latest_per_key, ordered_targets
from gauntlet.reports.markdown import render_markdown
from gauntlet.reports.matrix import (
    area_scores,
    compat_matrix,
    differences,
    feature_grid,
    feature_table,
    pass_rate_trend,
)
from gauntlet.reports.model import Report
from gauntlet.reports.performance import (
    choose_baseline_target,
    perf_comparison,
    perf_trend,
    throughput_over_time,
)
from gauntlet.rundir import layout


def build_report(runset: RunSet, *, baseline_target: str | None = None, diff_base: str | None = None,
                 compare: tuple[str, str] | None = None, title: str | None = None,
                 with_charts: bool = True) -> Report:
    """Compute every view of the report from loaded runs.

    ``baseline_target``: the target performance ratios are relative to (default: the first).
    ``diff_base``: the run each target's latest run is diffed against (default: its previous run).
    ``compare``: two runs (ids or directories) to diff instead, target by target.
    """
    if diff_base is not None and compare is not None:
        raise UsageError("--diff-base and --compare cannot be used together")
    latest_cases = latest_per_key(runset.cases, "area")
    compat_targets = ordered_targets(runset, latest_cases)
    latest_perf = latest_per_key(runset.perf, "workload")
    perf_targets = ordered_targets(runset, latest_perf)
    base_target = choose_baseline_target(perf_targets, baseline_target)

    if compare is not None:
        pairs = explicit_pairs(runset, resolve_run(runset, compare[0]), resolve_run(runset, compare[1]))
    else:
        base_run = resolve_run(runset, diff_base) if diff_base is not None else None
        pairs = run_pairs(runset, base_run)
    case_changes, perf_changes = diff_tables(runset, pairs)

    scores = area_scores(latest_cases, compat_targets)
    features = feature_table(latest_cases, compat_targets)
    comparison = perf_comparison(latest_perf, perf_targets, base_target)
    latest_load_runs = _latest_runs(runset.perf)
    report = Report(
        title=title or _default_title(compat_targets, perf_targets),
        generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        runset=runset,
        compat_targets=compat_targets,
        perf_targets=perf_targets,
        baseline_target=base_target,
        latest_cases=latest_cases,
        matrix=compat_matrix(latest_cases, compat_targets),
        scores=scores,
        features=features,
        feature_grid=feature_grid(features, compat_targets),
        differences=differences(latest_cases, compat_targets),
        compat_trend=pass_rate_trend(runset.cases),
        comparison=comparison,
        over_time=throughput_over_time(runset.history),
        perf_trend=perf_trend(runset.perf),
        latest_load_runs=latest_load_runs,
        pairs=pairs,
        case_diff=case_changes,
        perf_diff=perf_changes,
        findings=findings_table(latest_cases, runset.cases),
        clients=client_matrix(latest_cases, compat_targets),
    )
    if with_charts:
        report.charts = make_charts(report)
    return report


def _latest_runs(frame: pd.DataFrame) -> dict[str, str]:
    """Each target's most recent run id in a cases or perf table."""
    if frame.empty:
        return {}
    keys = frame[["target", "start_time", "run_id"]].drop_duplicates().sort_values(["start_time", "run_id"])
    return dict(zip(keys["target"], keys["run_id"], strict=True))


def _default_title(compat_targets: list[str], perf_targets: list[str]) -> str:
    names = list(dict.fromkeys([*compat_targets, *perf_targets]))
    return "S3 compatibility and performance: " + ", ".join(names)


def make_charts(report: Report) -> dict[str, str]:
    """Every chart that has data, as SVG text by name."""
    targets = report.targets
    made = {
        "outcomes": charts.outcome_bars(report.scores, report.compat_targets),
        "throughput_rps": charts.throughput_chart(report.comparison, targets, "rps"),
        "throughput_mbs": charts.throughput_chart(report.comparison, targets, "mb_s"),
        "latency": charts.latency_chart(report.comparison, targets),
        "throughput_over_time": charts.throughput_over_time_chart(report.over_time, targets,
                                                                  report.latest_load_runs),
        "trends": charts.trend_chart(report.compat_trend, report.perf_trend, targets),
    }
    return {name: svg for name, svg in made.items() if svg}


def write_tables(tables: dict[str, pd.DataFrame], directory: Path, parquet: bool = True) -> list[str]:
    """Each table as NAME.csv and NAME.parquet; returns warnings (Parquet skipped without pyarrow).

    With pyarrow both files are written from one Arrow table (its CSV writer is many times faster
    than pandas' on large tables); without it, CSV only, through pandas.
    """
    warnings: list[str] = []
    directory.mkdir(parents=True, exist_ok=True)
    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
        import pyarrow.parquet as pq
    except ImportError:
        if parquet:
            warnings.append("pyarrow is not installed: Parquet tables skipped (pip install pyarrow)")
        for name, table in tables.items():
            table.to_csv(directory / f"{name}.csv", index=False)
        return warnings
    for name, table in tables.items():
        arrow = pa.Table.from_pandas(_arrow_safe(table), preserve_index=False)
        pa_csv.write_csv(arrow, directory / f"{name}.csv")
        if parquet:
            pq.write_table(arrow, directory / f"{name}.parquet")
    return warnings


def _arrow_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Object columns of mixed types (numbers and strings) as strings, which Arrow needs."""
    fixed = table
    for column in table.columns:
        if table[column].dtype == object:
            kinds = {type(v) for v in table[column].dropna()}
            if len(kinds) > 1 or (kinds and not kinds <= {str, int, float, bool}):
                if fixed is table:
                    fixed = table.copy()
                fixed[column] = table[column].map(lambda v: None if v is None or pd.isna(v) else str(v))
    return fixed


def write_report(report: Report, out_dir: Path, parquet: bool = True) -> list[str]:
    """DIR/report.html, DIR/summary.md, DIR/tables/*.csv|parquet, DIR/charts/*.svg. Returns warnings."""

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        warnings = write_tables(report.tables(), out_dir / layout.TABLES, parquet)
        chart_dir = out_dir / layout.CHARTS
        chart_dir.mkdir(exist_ok=True)
        for name, svg in report.charts.items():
            (chart_dir / f"{name}.svg").write_text(svg, encoding="utf-8")
        (out_dir / layout.REPORT).write_text(render_html(report), encoding="utf-8")
        (out_dir / layout.SUMMARY_MD).write_text(render_markdown(report), encoding="utf-8")
    except OSError as exc:
        raise OutputFailed(f"cannot write the report to {out_dir}: {exc}") from None
    return warnings
