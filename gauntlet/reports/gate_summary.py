"""The gate's Markdown summary (CI step summary, PR comment) and its terminal lines."""

from __future__ import annotations

from gauntlet.reports.gating import Finding, GateResult
from gauntlet.reports.markdown import code, md, table

MAX_ROWS = 50


def _value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 1 else f"{value:.4g}"
    return md(value)


def _rows(findings: list[Finding]) -> list[list[str]]:
    return [[md(f.target), code(f.name) if f.kind == "case" else md(f.name), _value(f.baseline), _value(f.current),
             md(f.detail, 160)] for f in findings[:MAX_ROWS]]


def _section(title: str, findings: list[Finding], note: str = "") -> list[str]:
    if not findings:
        return []
    out = [f"### {title} ({len(findings)})", ""]
    if note:
        out += [note, ""]
    out += table(["target", "check", "baseline", "now", "detail"], _rows(findings))
    if len(findings) > MAX_ROWS:
        out += ["", f"… and {len(findings) - MAX_ROWS} more in the JUnit XML."]
    return [*out, ""]


def counts(result: GateResult, target: str) -> dict[str, int]:
    """Per status, how many findings of each kind a target has."""
    out: dict[str, int] = {}
    for finding in result.findings:
        if finding.target == target:
            key = f"{finding.kind}:{finding.status}"
            out[key] = out.get(key, 0) + 1
    return out


def render_gate_markdown(result: GateResult, baseline_path: str) -> str:
    """The gate's verdict and every finding worth a look, as Markdown."""
    verdict = "✅ passed" if result.passed else f"❌ failed ({len(result.failures)} regression(s))"
    lines = [f"## s3gauntlet gate: {verdict}", "", f"Baseline `{baseline_path}`.", ""]
    rows = []
    for target in result.targets:
        c = counts(result, target)
        limits = result.thresholds.get(target, {})
        checked = sum(v for k, v in c.items() if k.startswith("case:") and not k.endswith(":new")
                      and not k.endswith(":missing"))
        perf_checked = sum(v for k, v in c.items() if k.startswith("performance:") and not k.endswith(":new")
                           and not k.endswith(":missing"))
        rows.append([md(target), str(checked), str(c.get("case:regression", 0)), str(c.get("case:improvement", 0)),
                     str(c.get("case:new", 0)), str(c.get("case:missing", 0)), str(perf_checked),
                     str(c.get("performance:regression", 0)), str(c.get("performance:improvement", 0)),
                     f"−{limits.get('throughput_drop_pct', 0):g}% req/s, +{limits.get('p99_rise_pct', 0):g}% p99"])
    lines += table(["target", "cases checked", "regressed", "improved", "new", "missing", "perf checks",
                    "slower", "faster", "thresholds"], rows, right=tuple(range(1, 9)))
    lines.append("")
    for note in result.notes:
        lines.append(f"- {md(note)}")
    if result.notes:
        lines.append("")
    lines += _section("Regressions", result.by_status("regression"))
    if result.strict_missing:
        lines += _section("Missing (strict)", result.by_status("missing"))
    lines += _section("Improvements", result.by_status("improvement"),
                      "Candidates to promote: rerun the gate with `--update-baseline` and commit the baseline.")
    lines += _section("Other changes", result.by_status("changed"), "Not failures: the case did not pass before.")
    lines += _section("New since the baseline", result.by_status("new"), "Reported, not failed.")
    if not result.strict_missing:
        lines += _section("In the baseline but not run", result.by_status("missing"), "Reported, not failed.")
    return "\n".join(lines).rstrip() + "\n"


def terminal_lines(result: GateResult) -> list[str]:
    """What the gate prints: a line per target, then each regression and improvement."""
    lines = []
    for target in result.targets:
        c = counts(result, target)
        lines.append(
            f"{target}: cases {c.get('case:regression', 0)} regressed, {c.get('case:improvement', 0)} improved, "
            f"{c.get('case:new', 0)} new, {c.get('case:missing', 0)} not run; performance "
            f"{c.get('performance:regression', 0)} regressed, {c.get('performance:improvement', 0)} improved")
    lines += [f"  note: {n}" for n in result.notes]
    for finding in result.failures:
        lines.append(f"  REGRESSED {finding.target} {finding.name}: {_plain(finding.baseline)} -> "
                     f"{_plain(finding.current)}" + (f" ({finding.detail[:200]})" if finding.detail else ""))
    for finding in result.by_status("improvement"):
        lines.append(f"  improved  {finding.target} {finding.name}: {_plain(finding.baseline)} -> "
                     f"{_plain(finding.current)} (candidate to promote with --update-baseline)")
    return lines


def _plain(value: object) -> str:
    if value is None:
        return "none"
    return f"{value:.1f}" if isinstance(value, float) else str(value)
