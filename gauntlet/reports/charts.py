"""Charts (matplotlib, Agg): throughput and latency by target, throughput over time, outcomes, trends.

Each function returns an SVG document as text (fonts left as text, so it stays small and
selectable) or None when there is nothing to draw. Colours follow the target order, so a
target has the same colour in every chart.
"""

from __future__ import annotations

import io
import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

plt.rcParams.update({
    "svg.fonttype": "none",
    "svg.hashsalt": "s3gauntlet",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 96,
})

OUTCOME_COLOURS = {"pass": "#2e9d4f", "fail": "#d64541", "unsupported": "#9aa0a6", "error": "#e8a33d"}
_PALETTE = plt.get_cmap("tab10").colors


def target_colours(targets: list[str]) -> dict[str, tuple[float, float, float]]:
    """A fixed colour per target, by position."""
    return {t: _PALETTE[i % len(_PALETTE)] for i, t in enumerate(targets)}


def _margins(fig: plt.Figure, left: float, right: float, top: float, bottom: float, **spacing: float) -> None:
    """Fixed margins in inches: cheaper than a tight bounding box, which draws the figure twice."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height,
                        **spacing)


def _label_width(labels: list[str]) -> float:
    """Inches a column of tick labels takes at the default font size."""
    return 0.068 * max((len(str(label)) for label in labels), default=4) + 0.25


def _svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = re.sub(r"<\?xml[^>]*>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    return re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)


def outcome_bars(scores: pd.DataFrame, targets: list[str]) -> str | None:
    """Stacked horizontal bars: pass / fail / unsupported / error cases per target."""
    overall = scores[scores["area"] == "all"].set_index("target").reindex(targets).dropna(how="all")
    if overall.empty:
        return None
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(overall) + 1.3))
    _margins(fig, left=_label_width(list(overall.index)), right=0.3, top=0.65, bottom=0.55)
    left = pd.Series(0.0, index=overall.index)
    for outcome, colour in OUTCOME_COLOURS.items():
        values = overall[outcome].astype(float)
        ax.barh(overall.index, values, left=left, color=colour, label=outcome, height=0.6)
        left += values
    for i, target in enumerate(overall.index):
        ax.text(left[target], i, f"  {overall.at[target, 'pass_rate']:.0%} pass", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("cases")
    ax.set_xlim(0, float(left.max()) * 1.18 or 1)
    ax.grid(axis="y", visible=False)
    ax.legend(ncols=4, loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False, fontsize=8)
    ax.set_title("Compatibility: cases per outcome", loc="left", pad=22)
    return _svg(fig)


def throughput_chart(comparison: pd.DataFrame, targets: list[str], metric: str = "rps") -> str | None:
    """Grouped horizontal bars: ``metric`` (requests/s or MB/s) per workload, one bar per target."""
    data = comparison.dropna(subset=[metric])
    moving = data.groupby("workload")[metric].transform("max") > 0  # HEAD and DELETE move no bytes
    data = data[moving]
    if data.empty:
        return None
    workloads = list(dict.fromkeys(data["workload"]))
    present = [t for t in targets if t in set(data["target"])]
    colours = target_colours(targets)
    height = 0.8 / max(len(present), 1)
    legend_rows = math.ceil(len(present) / 4)
    top = 0.4 + 0.2 * legend_rows
    fig, ax = plt.subplots(figsize=(7, max(1.8, 0.17 * len(workloads) * max(len(present), 1) + 0.6 + top)))
    _margins(fig, left=_label_width(workloads), right=0.25, top=top, bottom=0.55)
    for j, target in enumerate(present):
        rows = data[data["target"] == target].set_index("workload")[metric]
        values = [float(rows.get(w, math.nan)) for w in workloads]
        ax.barh([i + j * height for i in range(len(workloads))], values, height=height * 0.92,
                color=colours[target], label=target)
    ax.set_yticks([i + height * (len(present) - 1) / 2 for i in range(len(workloads))], workloads)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    label = {"rps": "requests/s", "mb_s": "MB/s"}.get(metric, metric)
    ax.set_xlabel(label)
    ax.set_title(f"Throughput by target ({label}, higher is better)", loc="left", pad=6 + 14 * legend_rows)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(len(present), 4), frameon=False, fontsize=8,
              borderaxespad=0.2)
    return _svg(fig)


def latency_chart(comparison: pd.DataFrame, targets: list[str]) -> str | None:
    """One panel per workload: p50, p90, p99 and max latency of each target (log scale, lower is better)."""
    data = comparison.dropna(subset=["p50_ms", "p99_ms"], how="all")
    if data.empty:
        return None
    workloads = list(dict.fromkeys(data["workload"]))
    present = [t for t in targets if t in set(data["target"])]
    colours = target_colours(targets)
    ncols = min(3, len(workloads))
    nrows = math.ceil(len(workloads) / ncols)
    panel_h = 0.28 * len(present) + 0.75
    label_w = 0.075 * max(len(t) for t in present) + 0.25
    width, height = (2.2 + label_w) * ncols, panel_h * nrows + 1.2
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False)
    fig.subplots_adjust(left=label_w / (2.2 + label_w) / ncols * 1.05, right=0.98, top=1 - 0.45 / height,
                        bottom=0.85 / height, wspace=label_w / 2.2 + 0.12, hspace=0.75 / panel_h)
    markers = (("p50_ms", "o", "p50"), ("p90_ms", "s", "p90"), ("p99_ms", "^", "p99"), ("max_ms", "x", "max"))
    positions = {t: y for y, t in enumerate(present)}
    for index, (workload, rows) in enumerate(data.groupby("workload", sort=False)):
        ax = axes[index // ncols][index % ncols]
        ys = rows["target"].map(positions).to_numpy(dtype=float)
        colors = [colours[t] for t in rows["target"]]
        low, high = rows["p50_ms"].to_numpy(dtype=float), rows["p99_ms"].to_numpy(dtype=float)
        span = np.isfinite(low) & np.isfinite(high) & (low > 0) & (high > 0)
        ax.hlines(ys[span], low[span], high[span], colors=[c for c, ok in zip(colors, span, strict=True) if ok],
                  linewidth=2, alpha=0.6)
        for column, marker, _name in markers:
            values = rows[column].to_numpy(dtype=float)
            ok = np.isfinite(values) & (values > 0)
            ax.scatter(values[ok], ys[ok], marker=marker, c=[c for c, keep in zip(colors, ok, strict=True) if keep],
                       s=22, linewidths=1.2, zorder=3)
        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_locator(LogLocator(base=10, numticks=5))
        ax.xaxis.set_major_formatter(FuncFormatter(_ms))
        ax.set_yticks(range(len(present)), present)
        ax.set_ylim(len(present) - 0.5, -0.5)
        ax.set_title(workload, loc="left", fontsize=9)
        ax.grid(axis="y", visible=False)
    for index in range(len(workloads), nrows * ncols):
        axes[index // ncols][index % ncols].set_visible(False)
    handles = [plt.Line2D([], [], marker=m, color="#555", linestyle="none", label=n) for _, m, n in markers]
    fig.legend(handles=handles, loc="lower center", ncols=4, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle("Latency by target (ms, log scale, lower is better)", x=0.01, y=1 - 0.08 / height, ha="left",
                 va="top", fontsize=10)
    return _svg(fig)


def _ms(value: float, _position: object) -> str:
    return f"{value:g}"


def throughput_over_time_chart(series: pd.DataFrame, targets: list[str], runs: dict[str, str]) -> str | None:
    """Requests/s over the run (all workloads summed), one line per target's run given in ``runs``."""
    if series.empty or not runs:
        return None
    colours = target_colours(targets)
    fig, ax = plt.subplots(figsize=(8, 2.8))
    _margins(fig, left=0.75, right=0.25, top=0.35, bottom=0.55)
    drawn = False
    for target, run_id in runs.items():
        rows = series[(series["target"] == target) & (series["run_id"] == run_id)]
        if rows.empty:
            continue
        ax.plot(rows["elapsed_s"], rows["rps"], color=colours.get(target), label=f"{target} ({run_id})", linewidth=1.6)
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set_xlabel("seconds since the run started")
    ax.set_ylabel("requests/s")
    ax.set_ylim(bottom=0)
    ax.set_title("Throughput over time (latest load run of each target)", loc="left")
    ax.legend(frameon=False, fontsize=8)
    return _svg(fig)


def trend_chart(compat_trend: pd.DataFrame, perf_trend: pd.DataFrame, targets: list[str]) -> str | None:
    """Across runs: pass rate and total requests/s per target (only when some target has several runs)."""
    panels = []
    if len(compat_trend) and compat_trend.groupby("target")["run_id"].nunique().max() > 1:
        panels.append((compat_trend, "pass_rate", "pass rate"))
    if len(perf_trend) and perf_trend.groupby("target")["run_id"].nunique().max() > 1:
        panels.append((perf_trend, "rps", "requests/s (all workloads)"))
    if not panels:
        return None
    colours = target_colours(targets)
    right = _label_width(targets) + 0.1
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels) + right, 3.0), squeeze=False)
    _margins(fig, left=0.6, right=right, top=0.6, bottom=0.75, wspace=0.3)
    for ax, (frame, column, label) in zip(axes[0], panels, strict=True):
        for target in targets:
            rows = frame[frame["target"] == target]
            if rows.empty:
                continue
            ax.plot(rows["start_time"].dt.tz_localize(None), rows[column], marker="o", markersize=3,
                    color=colours[target], label=target)
        ax.set_title(label, loc="left", fontsize=9)
        if column == "pass_rate":
            ax.set_ylim(0, 1.02)
        else:
            ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", frameon=False, fontsize=8)
    fig.suptitle("Across runs", x=0.01, y=0.98, ha="left", va="top", fontsize=10)
    return _svg(fig)
