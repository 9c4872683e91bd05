"""The self-contained HTML report: inline CSS and inline SVG charts, no script, nothing fetched."""

from __future__ import annotations

import html
import json
import math
import string
from collections.abc import Iterable
from typing import Any

import pandas as pd

from gauntlet.paths import REPORT_TEMPLATES
from gauntlet.reports.diff import CHANGE_ORDER, SHOWN_CHANGES
from gauntlet.reports.findings import LEADING, area_severity_table, severity_counts
from gauntlet.reports.load import OUTCOMES
from gauntlet.reports.matrix import HTML_STATUS_SYMBOL, feature_cell, sorted_areas
from gauntlet.reports.model import Report

#: Compatibility runs listed under Trends (the chart and tables/compat_trend.csv have all of them).
TREND_ROWS = 20

#: Longest message shown in a cell of "where they differ"; the whole message is in the cell's tooltip.
MESSAGE_CHARS = 180

#: The page frame and its stylesheet, as files a reader can edit without touching the section builders.
TEMPLATES = REPORT_TEMPLATES
CSS = (TEMPLATES / "report.css").read_text(encoding="utf-8")
PAGE = string.Template((TEMPLATES / "report.html").read_text(encoding="utf-8"))


def esc(value: Any) -> str:
    """HTML-escaped text; missing values as an empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def fmt(value: Any, digits: int = 1) -> str:
    """A number with thousands separators, or an em dash when missing."""
    if value is None or pd.isna(value):
        return "—"
    number = float(value)
    if abs(number) >= 100 or digits == 0:
        return f"{number:,.0f}"
    return f"{number:,.{digits}f}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


def badge(outcome: str | None) -> str:
    if not outcome:
        return '<span class="o o-none">not run</span>'
    return f'<span class="o o-{esc(outcome)}">{esc(outcome)}</span>'


def _table(head: Iterable[str], rows: Iterable[str], numeric: Iterable[int] = ()) -> str:
    nums = set(numeric)
    cells = "".join(f'<th class="num">{h}</th>' if i in nums else f"<th>{h}</th>" for i, h in enumerate(head))
    return f'<div class="scroll"><table><thead><tr>{cells}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _figure(report: Report, name: str) -> str:
    svg = report.charts.get(name)
    return f'<figure class="chart" id="chart-{name}">{svg}</figure>' if svg else ""


# --------------------------------------------------------------------------- sections


def _overview(report: Report) -> str:
    runs = report.runset.runs
    targets = report.runset.targets
    overall = report.scores[report.scores["area"] == "all"].set_index("target")
    comparison = report.comparison
    rows = []
    for target in report.targets:
        meta = targets[targets["target"] == target].tail(1)
        server = meta["server"].iloc[0] if len(meta) else None
        version = meta["version"].iloc[0] if len(meta) else None
        if target in overall.index:
            s = overall.loc[target]
            compat = (f"{int(s['pass'])} / {int(s['fail'])} / {int(s['unsupported'])} / {int(s['error'])}",
                      fmt_pct(s["pass_rate"]))
        else:
            compat = ("—", "—")
        perf = comparison[comparison["target"] == target]
        total_rps = fmt(perf["rps"].sum()) if len(perf) else "—"
        rows.append(f"<tr><th>{esc(target)}</th><td>{esc(server)}</td><td>{esc(version)}</td>"
                    f'<td class="num">{compat[0]}</td><td class="num">{compat[1]}</td>'
                    f'<td class="num">{total_rps}</td></tr>')
    table = _table(["target", "server", "version", "pass / fail / unsupported / error", "pass rate",
                    "req/s (all workloads)"], rows, numeric=(3, 4, 5))
    kinds = runs["kind"].value_counts()
    note = (f"{len(runs)} run(s): {int(kinds.get('compat', 0))} compatibility, {int(kinds.get('load', 0))} load. "
            "Each feature area and workload is shown as of the latest run that ran it on that target; earlier runs "
            "feed the run diff and the trends.")
    return (f'<section id="overview"><h2>Overview</h2><p class="note">{esc(note)}</p>{table}'
            f"{_figure(report, 'outcomes')}</section>")


def _area_cell(row: pd.Series) -> str:
    total = int(row["total"])
    if total == 0:
        return '<td class="s-notrun">—</td>'
    parts = "".join(f'<span class="b-{o}" style="width:{int(row[o]) / total * 100:.1f}%"></span>' for o in OUTCOMES
                    if int(row[o]))
    title = " · ".join(f"{o} {int(row[o])}" for o in OUTCOMES)
    return (f'<td title="{esc(title)}"><div class="bar">{parts}</div>'
            f"{int(row['pass'])}/{total} · {fmt_pct(row['pass_rate'], 0)}"
            f"{_fe(row) if int(row['pass']) < total else ''}</td>")


def _fe(row: pd.Series) -> str:
    bits = []
    if int(row["fail"]):
        bits.append(f"{int(row['fail'])} fail")
    if int(row["error"]):
        bits.append(f"{int(row['error'])} error")
    if int(row["unsupported"]):
        bits.append(f"{int(row['unsupported'])} unsupported")
    return f'<div class="msg">{", ".join(bits)}</div>'


def case_html(case: str) -> str:
    """A case id, escaped, with break opportunities after ``::`` and underscores."""
    return esc(case).replace("::", "::<wbr>").replace("_", "_<wbr>")


def _differ_cell(row: dict[str, Any] | None) -> str:
    if row is None:
        return '<td class="s-notrun">—</td>'
    detail = " ".join(str(x) for x in (row["http_status"], row["error_code"])
                      if x is not None and not pd.isna(x) and x != "")
    message = str(row["message"] or detail)
    short = message if len(message) <= MESSAGE_CHARS else message[: MESSAGE_CHARS - 1] + "…"
    title = f' title="{esc(message)}"' if short != message else ""
    note = f'<div class="msg">{esc(short)}</div>' if short else ""
    return f'<td class="c-{esc(row["outcome"])}"{title}>{badge(row["outcome"])}{note}</td>'


def _compat(report: Report) -> str:
    targets = report.compat_targets
    if not targets:
        return ('<section id="compat"><h2>Compatibility</h2><p class="empty">No compatibility runs among the '
                "runs given.</p></section>")
    head = ["", *(esc(t) for t in targets)]
    # Feature table
    grid_rows = []
    for level, label in (("area", "Feature areas"), ("feature", "Headline features")):
        part = report.feature_grid[report.feature_grid["level"] == level]
        if part.empty:
            continue
        grid_rows.append(f'<tr class="group"><th colspan="{len(targets) + 1}">{label}</th></tr>')
        long = report.features[report.features["level"] == level]
        lookup = {(n, t): (s, int(p), int(c)) for n, t, s, p, c in
                  zip(long["name"], long["target"], long["status"], long["pass"], long["total"], strict=True)}
        for _, row in part.iterrows():
            cells = []
            for target in targets:
                status, passed, total = lookup.get((row["name"], target), ("not run", 0, 0))
                text = feature_cell(status, passed, total, HTML_STATUS_SYMBOL)
                title = f' title="{passed} of {total} cases pass"' if total else ""
                cells.append(f'<td class="s-{status.replace(" ", "")}"{title}>{esc(text)}</td>')
            grid_rows.append(f"<tr><th>{esc(row['name'])}</th>{''.join(cells)}</tr>")
    legend = (f"{HTML_STATUS_SYMBOL['supported']} every case passes · partial n/m: n of m cases pass · "
              f"{HTML_STATUS_SYMBOL['missing']} no case passes · unsupported: the server answered NotImplemented "
              "or the target declares the feature absent · — not run")
    features = f"<h3>Feature table</h3><p class=\"note\">{esc(legend)}</p>{_table(head, grid_rows)}"

    # Area scores
    scores = report.scores.set_index(["area", "target"])
    score_rows = []
    for area in [*sorted_areas([a for a in report.scores["area"].unique() if a != "all"]), "all"]:
        cells = "".join(_area_cell(scores.loc[(area, t)]) if (area, t) in scores.index else "<td>—</td>"
                        for t in targets)
        label = "all areas" if area == "all" else area
        score_rows.append(f"<tr><th>{esc(label)}</th>{cells}</tr>")
    area_table = (f'<h3>Scores by feature area</h3><p class="note">pass / cases · pass rate (unsupported cases '
                  f"count as not passing; hover a cell for every count)</p>{_table(head, score_rows)}")

    # Where they differ
    diff = report.differences
    if len(targets) < 2:
        differ = ""
    elif diff.empty:
        differ = ('<h3 id="differ">Where they differ</h3>'
                  '<p class="empty">Every case has the same outcome on every target.</p>')
    else:
        rows = []
        current_area, by_target = None, {}
        records = diff.to_dict("records")
        for index, record in enumerate(records):
            by_target[record["target"]] = record
            last = index + 1 == len(records) or records[index + 1]["case"] != record["case"]
            if not last:
                continue
            area, case = record["area"], record["case"]
            if area != current_area:
                current_area = area
                rows.append(f'<tr class="group"><th colspan="{len(targets) + 1}">{esc(area)}</th></tr>')
            rows.append(f'<tr><td class="case"><code>{case_html(case)}</code></td>'
                        f'{"".join(_differ_cell(by_target.get(t)) for t in targets)}</tr>')
            by_target = {}
        differ = (f'<h3 id="differ">Where they differ ({diff["case"].nunique()} cases)</h3>'
                  "<p class=\"note\">Only the cases whose outcome is not the same on every target, with each "
                  "server's message (hover a cut message for all of it).</p>"
                  f"{_table(['case', *(esc(t) for t in targets)], rows)}")

    # Full matrix
    matrix = report.matrix
    messages = dict(zip(zip(report.latest_cases["case"], report.latest_cases["target"], strict=True),
                        report.latest_cases["message"], strict=True))
    matrix_rows = []
    current_area = None
    counts = matrix["area"].value_counts()
    for record in matrix.to_dict("records"):
        if record["area"] != current_area:
            current_area = record["area"]
            matrix_rows.append(f'<tr class="group"><th colspan="{len(targets) + 1}">{esc(current_area)} · '
                               f"{int(counts[current_area])} cases</th></tr>")
        cells = []
        for target in targets:
            outcome = record[target]
            if not outcome:
                cells.append('<td class="s-notrun">—</td>')
                continue
            message = messages.get((record["case"], target), "")
            title = f' title="{esc(message)}"' if message else ""
            cells.append(f'<td class="c-{esc(outcome)}"{title}>{esc(outcome)}</td>')
        matrix_rows.append(f'<tr><td class="case"><code>{case_html(record["case"])}</code></td>{"".join(cells)}</tr>')
    full = (f"<details><summary>Full matrix: {len(matrix)} cases × {len(targets)} target(s)</summary>"
            f"<p class=\"note\">Hover a cell for the server's message.</p>"
            f"{_table(['case', *(esc(t) for t in targets)], matrix_rows)}</details>")
    return f'<section id="compat"><h2>Compatibility</h2>{features}{area_table}{differ}<h3>Matrix</h3>{full}</section>'


def _ratio(value: Any, higher_is_better: bool) -> str:
    if value is None or pd.isna(value):
        return "—"
    ratio = float(value)
    css = ""
    if ratio >= 1.05:
        css = "better" if higher_is_better else "worse"
    elif ratio <= 0.95:
        css = "worse" if higher_is_better else "better"
    return f'<span class="{css}">{ratio:.2f}×</span>'


def _perf(report: Report) -> str:
    comparison = report.comparison
    if comparison.empty:
        return ('<section id="perf"><h2>Performance</h2><p class="empty">No load runs among the runs given.</p>'
                "</section>")
    base = report.baseline_target
    rows = []
    head = ["workload", "target", "version", "requests", "req/s", "MB/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
            "errors", f"req/s vs {esc(base)}", f"p99 vs {esc(base)}"]
    for workload, group in comparison.groupby("workload", sort=False):
        first = True
        for _, row in group.iterrows():
            lead = f'<th rowspan="{len(group)}">{esc(workload)}</th>' if first else ""
            first = False
            integrity = ""
            if row["integrity_failures"] is not None and not pd.isna(row["integrity_failures"]) \
                    and row["integrity_failures"] > 0:
                integrity = f'<div class="msg worse">{int(row["integrity_failures"])} integrity failure(s)</div>'
            rows.append(
                f"<tr>{lead}<td>{esc(row['target'])}</td><td>{esc(row['version'])}</td>"
                f'<td class="num">{fmt(row["requests"], 0)}</td><td class="num">{fmt(row["rps"])}</td>'
                f'<td class="num">{fmt(row["mb_s"], 2)}</td><td class="num">{fmt(row["p50_ms"])}</td>'
                f'<td class="num">{fmt(row["p90_ms"])}</td><td class="num">{fmt(row["p99_ms"])}</td>'
                f'<td class="num">{fmt(row["max_ms"])}</td><td class="num">{fmt_pct(row["error_rate"], 2)}{integrity}'
                f'</td><td class="num">{_ratio(row["rps_ratio"], True)}</td>'
                f'<td class="num">{_ratio(row["p99_ms_ratio"], False)}</td></tr>')
    note = (f"Latest load run of each target. Ratios are relative to <b>{esc(base)}</b> (1.00× = the same; "
            "green is better, red is worse).")
    charts = (f'<div class="charts">{_figure(report, "throughput_rps")}{_figure(report, "throughput_mbs")}</div>'
              f'{_figure(report, "latency")}{_figure(report, "throughput_over_time")}')
    return (f'<section id="perf"><h2>Performance</h2><p class="note">{note}</p>'
            f"{_table(head, rows, numeric=range(3, 13))}{charts}</section>")


def _case_rows(rows: pd.DataFrame) -> list[str]:
    return [f"<tr><td>{esc(r.change)}</td><td>{esc(r.area)}</td><td><code>{case_html(str(r.case))}</code></td>"
            f"<td>{badge(r.old_outcome)}</td><td>{badge(r.new_outcome)}</td>"
            f'<td><div class="msg">{esc(r.message)}</div></td></tr>' for r in rows.itertuples()]


def _compat_diff(title: str, rows: pd.DataFrame) -> str:
    counts = rows["change"].value_counts()
    pills = "".join(f'<span class="pill {c}">{c}: {int(counts.get(c, 0))}</span>'
                    for c in CHANGE_ORDER)
    head = ["change", "area", "case", "before", "now", "message"]
    changed = rows[rows["change"].isin(SHOWN_CHANGES)]
    body = _table(head, _case_rows(changed)) if len(changed) else '<p class="empty">No case changed outcome.</p>'
    came_and_went = rows[rows["change"].isin(["new", "vanished"])]
    if len(came_and_went):
        body += (f"<details><summary>{len(came_and_went)} case(s) new or vanished</summary>"
                 f"{_table(head, _case_rows(came_and_went))}</details>")
    return f"<h3>{title}</h3><p>{pills}</p>{body}"


def _perf_diff(title: str, rows: pd.DataFrame) -> str:
    metrics = [("rps", "req/s", 1), ("mb_s", "MB/s", 2), ("p50_ms", "p50 ms", 1), ("p90_ms", "p90 ms", 1),
               ("p99_ms", "p99 ms", 1), ("error_rate", "error rate", 4)]
    by_key = {(r["workload"], r["metric"]): r for r in rows.to_dict("records")}
    table_rows = []
    for workload in dict.fromkeys(rows["workload"]):
        cells = []
        for metric, _label, digits in metrics:
            found = by_key.get((workload, metric))
            if found is None:
                cells.append('<td class="num">—</td>')
                continue
            pct = found["change_pct"]
            change = "" if pct is None or pd.isna(pct) else f"{pct:+.1f}%"
            css = found["direction"] if found["direction"] in ("better", "worse") else ""
            cells.append(f'<td class="num">{fmt(found["old"], digits)} → {fmt(found["new"], digits)}'
                         f'<div class="{css}">{change}</div></td>')
        table_rows.append(f"<tr><th>{esc(workload)}</th>{''.join(cells)}</tr>")
    worse = int((rows["direction"] == "worse").sum())
    better = int((rows["direction"] == "better").sum())
    pills = (f'<span class="pill regressed">worse: {worse}</span>'
             f'<span class="pill fixed">better: {better}</span>')
    head = ["workload", *(label for _, label, _ in metrics)]
    return f"<h3>{title}</h3><p>{pills}</p>{_table(head, table_rows, numeric=range(1, len(head)))}"


def _diff(report: Report) -> str:
    if not report.pairs:
        return ('<section id="diff"><h2>Run diff</h2><p class="empty">No target has two runs of the same kind '
                "among the runs given: nothing to compare.</p></section>")
    parts = []
    for pair in report.pairs:
        title = f"{esc(pair.target)}: {esc(pair.old_run)} → {esc(pair.new_run)} ({pair.kind})"
        table = report.case_diff if pair.kind == "compat" else report.perf_diff
        rows = table[(table["target"] == pair.target) & (table["old_run"] == pair.old_run)
                     & (table["new_run"] == pair.new_run)]
        parts.append(_compat_diff(title, rows) if pair.kind == "compat" else _perf_diff(title, rows))
    note = ("Each target's latest run against the run before it (or the runs chosen with --diff-base / "
            "--compare). Regressed: pass → fail or error; fixed: fail or error → pass.")
    return f'<section id="diff"><h2>Run diff</h2><p class="note">{note}</p>{"".join(parts)}</section>'


def fmt_time(value: Any) -> str:
    """A timestamp as ``2026-11-21 06:40 UTC``."""
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")


def _trends(report: Report) -> str:
    chart = _figure(report, "trends")
    if not chart:
        return ""
    trend = report.compat_trend
    table = ""
    if len(trend):
        targets = report.compat_targets
        wide = trend.pivot_table(index=["start_time", "run_id"], columns="target", values="pass_rate",
                                 aggfunc="first").reindex(columns=targets).tail(TREND_ROWS)
        rows = [f"<tr><td><code>{esc(run_id)}</code></td><td>{fmt_time(start)}</td>"
                + "".join(f'<td class="num">{fmt_pct(values[t])}</td>' for t in targets) + "</tr>"
                for (start, run_id), values in wide.iterrows()]
        note = (f'<p class="note">Pass rate per compatibility run (the latest {TREND_ROWS}; all of them in '
                "tables/compat_trend.csv).</p>" if len(wide) == TREND_ROWS else "")
        table = note + _table(["run", "started", *(esc(t) for t in targets)], rows, range(2, 2 + len(targets)))
    return f'<section id="trends"><h2>Trends</h2>{chart}{table}</section>'


def _runs(report: Report) -> str:
    rows = [f"<tr><td><code>{esc(r.run_id)}</code></td><td>{esc(r.kind)}</td><td>{fmt_time(r.start_time)}</td>"
            f"<td>{esc(r.targets)}</td><td>{esc(r.profile)}</td><td>{esc(r.harness_version)}</td>"
            f"<td>{esc(r.boto3)}</td><td>{esc(r.exit_status)}</td></tr>"
            for r in report.runset.runs.itertuples()]
    return (f'<section id="runs"><h2>Runs</h2>'
            f"{_table(['run', 'kind', 'started', 'targets', 'profile', 'harness', 'boto3', 'exit'], rows)}</section>")


def _finding_rows(rows: pd.DataFrame) -> list[str]:
    return [f'<tr><td><span class="sev sev-{esc(r.severity)}">{esc(r.severity)}</span></td><td>{case_html(r.case)}</td>'
            f"<td>{esc(r.message)}</td><td><code>{esc(r.fingerprint)}</code></td>"
            f"<td>{esc(r.since_run)}{f' ({r.runs_seen} runs)' if r.runs_seen > 1 else ''}</td></tr>"
            for r in rows.itertuples()]


def _findings(report: Report) -> str:
    findings = report.findings
    if not report.compat_targets:
        return ""
    if findings.empty:
        return '<section id="findings"><h2>Findings</h2><p class="empty">No case failed on any target.</p></section>'
    counts = severity_counts(findings, report.compat_targets)
    head = ["severity", *report.compat_targets]
    summary = _table(head, [f"<tr><th>{esc(name)}</th>" + "".join(f'<td class="num">{int(v)}</td>' for v in row)
                            + "</tr>" for name, row in counts.iterrows()],
                     numeric=range(1, len(head)))
    columns = ["severity", "case", "what S3 requires · what the server did", "fingerprint", "since"]
    parts = []
    for target in report.compat_targets:
        mine = findings[findings["target"] == target]
        if mine.empty:
            continue
        leading = mine[mine["severity"].isin(LEADING)]
        rest = mine[~mine["severity"].isin(LEADING)]
        areas = area_severity_table(findings, target)
        area_rows = [f"<tr><th>{esc(area)}</th>" + "".join(f'<td class="num">{int(v)}</td>' for v in row) + "</tr>"
                     for area, row in areas.iterrows()]
        lead = (_table(columns, _finding_rows(leading)) if len(leading)
                else f'<p class="empty">No {" or ".join(LEADING)} finding.</p>')
        parts.append(
            f"<h3>{esc(target)}</h3>{lead}"
            f"{_table(['area', *areas.columns], area_rows, numeric=range(1, len(areas.columns) + 1))}"
            f"<details><summary>{len(rest)} other finding(s)</summary>{_table(columns, _finding_rows(rest))}"
            "</details>")
    note = ("Every failure of each target's latest run, gravest first: data (silent loss or corruption), security "
            "(accepted what must be refused), client (breaks a client), detail (error code or text). A refusal with "
            "another status or code ranks as client or detail whatever the case. Fingerprint: status|code|check; "
            "since: the oldest loaded run from which the case has failed the same way.")
    return (f'<section id="findings"><h2>Findings</h2><p class="note">{esc(note)}</p>{summary}{"".join(parts)}'
            "</section>")


#: parity difference kinds about a bucket's settings (shown as a table per bucket), the rest are per object
_CONFIG_KINDS = ("config", "unsupported_on_dest")


def _clients(report: Report) -> str:
    """The SDK interop matrix: clients down, targets across, steps passed / run, failing steps one click away."""
    frame = report.clients
    if frame is None or frame.empty:
        return ""
    targets = [t for t in report.compat_targets if t in set(frame["target"])]
    cells = {(r.client, r.target): r for r in frame.itertuples()}
    rows = []
    for client in dict.fromkeys(frame["client"]):
        out = [f"<th>{esc(client)}</th>"]
        for target in targets:
            row = cells.get((client, target))
            if row is None:
                out.append("<td>—</td>")
                continue
            run = row.total - row.unsupported
            kind = ("unsupported" if run == 0 else "pass" if row.passed == run
                    else "fail" if row.passed == 0 else "error")
            text = f"{row.passed}/{row.total}" + (f" ({row.unsupported} unsupp.)" if row.unsupported else "")
            detail = ""
            if row.failing:
                lines = str(row.failing).splitlines()
                items = "".join(f"<li>{esc(line)}</li>" for line in lines)
                detail = f'<details><summary>{len(lines)} step(s)</summary><ul class="msg">{items}</ul></details>'
            out.append(f'<td class="c-{kind} num">{esc(text)}{detail}</td>')
        rows.append(f"<tr>{''.join(out)}</tr>")
    note = ("Steps passed / steps of each client's scenario (interop/README.md), every client with its defaults; "
            "green: all passed, amber: some, red: none, grey: client not built or NotImplemented. "
            "Open a cell for the failing steps.")
    return (f'<section id="clients"><h2>Clients</h2><p class="note">{esc(note)}</p>'
            f'<div class="scroll">{_table(["client", *(esc(t) for t in targets)], rows)}</div></section>')


def _parity(report: Report) -> str:
    runs, rows = report.runset.parity_runs, report.runset.parity
    if runs.empty:
        return ""
    head = ["run", "source → dest", "objects", "matched", "differing", "only on source", "only on dest", "errors",
            "differences by kind", "time"]
    summary = [
        f"<tr><td>{esc(r.run_id)}</td><td>{esc(r.source)} → {esc(r.dest)}</td>"
        + "".join(f'<td class="num">{fmt(v, 0)}</td>' for v in (r.objects_compared, r.matched, r.differing,
                                                                 r.missing_on_dest, r.missing_on_source, r.errors))
        + f"<td>{esc(', '.join(f'{k} {v}' for k, v in json.loads(r.by_kind or '{}').items()))}</td>"
        f'<td class="num">{fmt(r.elapsed_s)} s</td></tr>' for r in runs.itertuples()]
    parts = [_table(head, summary, numeric=range(2, 8))]
    config = rows[rows["kind"].isin(_CONFIG_KINDS)]
    for (run_id, bucket), group in config.groupby(["run_id", "bucket"], sort=False):
        parts.append(f"<h3>{esc(bucket)} <small>({esc(run_id)}): bucket configuration</small></h3>" + _table(
            ["setting", "kind", "source", "dest"],
            [f"<tr><th>{esc(r.key)}</th><td>{esc(r.kind)}</td><td><code>{esc(r.source_value)}</code></td>"
             f"<td><code>{esc(r.dest_value)}</code></td></tr>" for r in group.itertuples()]))
    objects = rows[~rows["kind"].isin(_CONFIG_KINDS)]
    if len(objects):
        shown = objects.head(200)
        parts.append(f"<details><summary>{len(objects)} object difference(s)"
                     f"{' (first 200; all in parity_differences.csv)' if len(objects) > 200 else ''}</summary>"
                     + _table(["run", "bucket", "key", "kind", "source", "dest"], [
                         f"<tr><td>{esc(r.run_id)}</td><td>{esc(r.bucket)}</td><td>{esc(r.key)}</td>"
                         f"<td>{esc(r.kind)}</td><td>{esc(r.source_value)}</td><td>{esc(r.dest_value)}</td></tr>"
                         for r in shown.itertuples()]) + "</details>")
    note = ("What gauntlet parity found between two targets after a migration: config = a bucket setting differs, "
            "unsupported_on_dest = the destination has no such API; per object: missing, size, etag, content, "
            "metadata, tags, versions, lock.")
    return f'<section id="parity"><h2>Migration parity</h2><p class="note">{esc(note)}</p>{"".join(parts)}</section>'


def render_html(report: Report) -> str:
    """The whole report as one HTML document."""
    nav = "".join(f'<a href="#{anchor}">{label}</a>' for anchor, label in (
        ("overview", "Overview"), ("findings", "Findings"), ("compat", "Compatibility"), ("perf", "Performance"),
        ("clients", "Clients"), ("diff", "Run diff"), ("parity", "Parity"),
        ("trends", "Trends"), ("runs", "Runs")) if (anchor != "trends" or report.charts.get("trends"))
        and (anchor != "parity" or not report.runset.parity_runs.empty)
        and (anchor != "clients" or not report.clients.empty))
    subtitle = (f"{len(report.runset.runs)} run(s) · targets: {', '.join(report.targets)} · "
                f"generated {report.generated} by s3gauntlet")
    body = "".join((_overview(report), _findings(report), _compat(report), _clients(report), _perf(report),
                    _diff(report), _parity(report), _trends(report), _runs(report)))
    return PAGE.substitute(title=esc(report.title), css=CSS, subtitle=esc(subtitle), nav=nav, body=body)
