"""The Markdown summary: short enough for a CI step summary or a PR comment (GitHub-flavoured tables)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gauntlet.reports.diff import CHANGE_ORDER, SHOWN_CHANGES
from gauntlet.reports.findings import LEADING, area_severity_table, severity_counts
from gauntlet.reports.model import Report

#: Longest list of cases shown in one table; the rest is counted, and is in report.html.
MAX_ROWS = 25


def md(value: Any, limit: int = 0) -> str:
    """Text safe inside a Markdown table cell (no pipes, newlines or HTML tags)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = " ".join(str(value).split())
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def code(value: Any) -> str:
    """A case id as inline code, safe in a table cell."""
    return "`" + str(value).replace("`", "'").replace("|", "\\|") + "`"


def num(value: Any, digits: int = 1) -> str:
    if value is None or pd.isna(value):
        return "—"
    number = float(value)
    return f"{number:,.0f}" if abs(number) >= 100 else f"{number:,.{digits}f}"


def pct(value: Any, digits: int = 1) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value) * 100:.{digits}f}%"


def table(head: list[str], rows: list[list[str]], right: tuple[int, ...] = ()) -> list[str]:
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---:" if i in right else "---" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _more(total: int) -> list[str]:
    return ["", f"… and {total - MAX_ROWS} more in report.html."] if total > MAX_ROWS else []


def _compat(report: Report) -> list[str]:
    targets = report.compat_targets
    if not targets:
        return []
    out = ["### Compatibility", ""]
    overall = report.scores[report.scores["area"] == "all"].set_index("target")
    latest = report.latest_cases.sort_values("start_time", kind="stable")
    versions = latest.drop_duplicates("target", keep="last").set_index("target")["version"]
    out += table(["target", "version", "pass", "fail", "unsupported", "error", "pass rate"], [
        [md(t), md(versions.get(t)), *(str(int(overall.at[t, o])) for o in ("pass", "fail", "unsupported", "error")),
         pct(overall.at[t, "pass_rate"])] for t in targets], right=(2, 3, 4, 5, 6))
    out += ["", "#### Features", ""]
    grid = report.feature_grid
    out += table(["", *(md(t) for t in targets)],
                 [[("**" + md(r["name"]) + "**") if r["level"] == "area" else md(r["name"]),
                   *(md(r[t]) for t in targets)] for _, r in grid.iterrows()])
    if len(targets) > 1:
        diff = report.differences
        n_cases = diff["case"].nunique() if len(diff) else 0
        out += ["", f"#### Where they differ ({n_cases} cases)", ""]
        if n_cases:
            wide = diff.pivot_table(index=["area", "case"], columns="target", values="outcome", aggfunc="first",
                                    sort=False).reindex(columns=targets).astype(object).fillna("—").reset_index()
            out += table(["area", "case", *(md(t) for t in targets)],
                         [[md(r["area"]), code(r["case"]), *(md(r[t]) for t in targets)]
                          for _, r in wide.head(MAX_ROWS).iterrows()])
            out += _more(n_cases)
        else:
            out.append("Every case has the same outcome on every target.")
    return [*out, ""]


def _clients(report: Report) -> list[str]:
    frame = report.clients
    if frame is None or frame.empty:
        return []
    targets = [t for t in report.compat_targets if t in set(frame["target"])]
    cells = {(r.client, r.target): f"{r.passed}/{r.total}" for r in frame.itertuples()}
    out = ["### Clients (SDK interop: steps passed / steps)", ""]
    out += table(["client", *(md(t) for t in targets)],
                 [[md(c), *(cells.get((c, t), "—") for t in targets)] for c in dict.fromkeys(frame["client"])],
                 right=tuple(range(1, len(targets) + 1)))
    return [*out, ""]


def _perf(report: Report) -> list[str]:
    comparison = report.comparison
    if comparison.empty:
        return []
    base = report.baseline_target
    out = ["### Performance", "", f"Latest load run of each target; ratios relative to **{md(base)}**.", ""]
    rows = []
    for r in comparison.itertuples():
        ratio = "—" if pd.isna(r.rps_ratio) else f"{r.rps_ratio:.2f}×"
        p99_ratio = "—" if pd.isna(r.p99_ms_ratio) else f"{r.p99_ms_ratio:.2f}×"
        rows.append([md(r.workload), md(r.target), num(r.rps), num(r.mb_s, 2), num(r.p50_ms), num(r.p90_ms),
                     num(r.p99_ms), num(r.max_ms), pct(r.error_rate, 2), ratio, p99_ratio])
    out += table(["workload", "target", "req/s", "MB/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors",
                  "req/s vs base", "p99 vs base"], rows, right=tuple(range(2, 11)))
    return [*out, ""]


def _diff(report: Report) -> list[str]:
    if not report.pairs:
        return []
    out = ["### Changes between runs", ""]
    for pair in report.pairs:
        if pair.kind == "compat":
            rows = report.case_diff[(report.case_diff["target"] == pair.target)
                                    & (report.case_diff["new_run"] == pair.new_run)
                                    & (report.case_diff["old_run"] == pair.old_run)]
            counts = rows["change"].value_counts()
            summary = ", ".join(f"{int(counts.get(c, 0))} {c}" for c in CHANGE_ORDER)
            out.append(f"**{md(pair.target)}** `{pair.old_run}` → `{pair.new_run}`: {summary}")
            shown = rows[rows["change"].isin(SHOWN_CHANGES)]
            if len(shown):
                out += ["", *table(["change", "case", "before", "now", "message"], [
                    [r.change, code(r.case), md(r.old_outcome), md(_with_fingerprint(r.new_outcome, r.new_fingerprint)),
                     md(r.message, 120)]
                    for r in shown.head(MAX_ROWS).itertuples()]), *_more(len(shown))]
        else:
            rows = report.perf_diff[(report.perf_diff["target"] == pair.target)
                                    & (report.perf_diff["new_run"] == pair.new_run)
                                    & (report.perf_diff["old_run"] == pair.old_run)]
            worse = int((rows["direction"] == "worse").sum())
            out.append(f"**{md(pair.target)}** load `{pair.old_run}` → `{pair.new_run}`: {worse} of {len(rows)} "
                       "metrics worse (req/s, MB/s, p50, p90, p99, error rate; all in report.html)")
            out += ["", *table(["workload", "req/s before", "req/s now", "change", "p99 before", "p99 now", "change",
                                "errors now"], _perf_diff_rows(rows), right=tuple(range(1, 8)))]
        out.append("")
    return out


def _change(row: dict[str, Any] | None) -> str:
    if row is None or row["change_pct"] is None or pd.isna(row["change_pct"]):
        return "—"
    flag = " ⚠️" if row["direction"] == "worse" and abs(row["change_pct"]) >= 10 else ""
    return f"{row['change_pct']:+.1f}%{flag}"


def _perf_diff_rows(rows: pd.DataFrame) -> list[list[str]]:
    """One line per workload: req/s and p99 before, now and the change; the error rate now."""
    out = []
    by_key = {(r["workload"], r["metric"]): r for r in rows.to_dict("records")}
    for workload in dict.fromkeys(rows["workload"]):
        rps, p99, errors = (by_key.get((workload, m)) for m in ("rps", "p99_ms", "error_rate"))
        out.append([md(workload), num(rps and rps["old"]), num(rps and rps["new"]), _change(rps),
                    num(p99 and p99["old"]), num(p99 and p99["new"]), _change(p99),
                    pct(errors["new"], 2) if errors else "—"])
    return out


def _with_fingerprint(outcome: Any, fingerprint: Any) -> str:
    return f"{outcome} ({fingerprint})" if isinstance(fingerprint, str) and fingerprint else str(outcome or "")


def finding_line(row: Any) -> str:
    """One finding as one line: severity, the case, what S3 requires and what the server did, since when."""
    since = f" · since `{row.since_run}`" + (f" ({row.runs_seen} runs)" if row.runs_seen > 1 else "")
    return f"- **{row.severity}** {code(row.case)}: {md(row.message, 220)}{since}"


def _findings(report: Report) -> list[str]:
    findings = report.findings
    if not report.compat_targets:
        return []
    out = ["### Findings", ""]
    if findings.empty:
        return [*out, "No case failed on any target.", ""]
    counts = severity_counts(findings, report.compat_targets)
    out += table(["severity", *map(md, report.compat_targets)],
                 [[name, *(str(int(v)) for v in row)] for name, row in counts.iterrows()],
                 right=tuple(range(1, len(report.compat_targets) + 1)))
    out.append("")
    for target in report.compat_targets:
        mine = findings[findings["target"] == target]
        leading = mine[mine["severity"].isin(LEADING)]
        out.append(f"**{md(target)}**: {len(leading)} {' and '.join(LEADING)} finding(s) of {len(mine)}")
        out += [finding_line(row) for row in leading.head(MAX_ROWS).itertuples()]
        out += _more(len(leading))
        areas = area_severity_table(findings, target)
        if len(areas):
            out += ["", *table(["area", *areas.columns],
                               [[md(area), *(str(int(v)) for v in row)] for area, row in areas.iterrows()],
                               right=tuple(range(1, len(areas.columns) + 1)))]
        out.append("")
    return out


def render_markdown(report: Report) -> str:
    """The summary as Markdown text."""
    runs = report.runset.runs
    lines = [f"## {md(report.title)}", "",
             f"{len(runs)} run(s) · generated {report.generated} · full report: `report.html`", ""]
    lines += _findings(report)
    lines += _compat(report)
    lines += _clients(report)
    lines += _perf(report)
    lines += _diff(report)
    return "\n".join(lines).rstrip() + "\n"
