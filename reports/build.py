"""From loaded runs to a Report (every table and chart), and from a Report to files on disk."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reports import charts
from reports.clients import client_matrix
from reports.diff import RunPair, diff_tables, explicit_pairs, resolve_run, run_pairs
from reports.errors import OutputFailed, UsageError
from reports.findings import findings_table
from reports.load import RunSet, latest_per_key, ordered_targets
from reports.matrix import (
    area_scores,
    compat_matrix,
    differences,
    feature_grid,
    feature_table,
    pass_rate_trend,
)
from reports.performance import (
    choose_baseline_target,
    perf_comparison,
    perf_trend,
    throughput_over_time,
)


@dataclass
class Report:
    """Every table and chart of one report."""

    title: str
    generated: str
    runset: RunSet
    compat_targets: list[str]
    perf_targets: list[str]
    baseline_target: str | None
    latest_cases: pd.DataFrame
    matrix: pd.DataFrame
    scores: pd.DataFrame
    features: pd.DataFrame
    feature_grid: pd.DataFrame
    differences: pd.DataFrame
    compat_trend: pd.DataFrame
    comparison: pd.DataFrame
    over_time: pd.DataFrame
    perf_trend: pd.DataFrame
    latest_load_runs: dict[str, str]
    pairs: list[RunPair]
    case_diff: pd.DataFrame
    perf_diff: pd.DataFrame
    findings: pd.DataFrame
    clients: pd.DataFrame = field(default_factory=pd.DataFrame)
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        """Every target of the report, in run order."""
        return [t for t in self.runset.target_order if t in self.compat_targets or t in self.perf_targets]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by file name: the tidy inputs and the derived views."""
        return {
            **self.runset.tables(),
            "findings": self.findings,
            "client_matrix": self.clients,
            "compat_matrix": self.matrix,
            "area_scores": self.scores,
            "features": self.features,
            "differences": self.differences,
            "compat_trend": self.compat_trend,
            "perf_comparison": self.comparison,
            "throughput_over_time": self.over_time,
            "perf_trend": self.perf_trend,
            "run_diff_cases": self.case_diff,
            "run_diff_perf": self.perf_diff,
        }


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
    from reports.html import render_html
    from reports.markdown import render_markdown

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        warnings = write_tables(report.tables(), out_dir / "tables", parquet)
        chart_dir = out_dir / "charts"
        chart_dir.mkdir(exist_ok=True)
        for name, svg in report.charts.items():
            (chart_dir / f"{name}.svg").write_text(svg, encoding="utf-8")
        (out_dir / "report.html").write_text(render_html(report), encoding="utf-8")
        (out_dir / "summary.md").write_text(render_markdown(report), encoding="utf-8")
    except OSError as exc:
        raise OutputFailed(f"cannot write the report to {out_dir}: {exc}") from None
    return warnings
