"""The report model: every table and chart of one report, built by gauntlet/reports/build.py, written by the writers.

It sits below both, so the HTML and Markdown writers and the builder import it and not each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from gauntlet.reports.diff import RunPair
from gauntlet.reports.load import RunSet


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
