"""The end of a compat run's console: a per-target table and one line per finding, by area.

Kept apart from the pytest plugin so the picture can be tested without a run. The full
detail of every finding stays in results.jsonl, junit.xml and the run's report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gauntlet.areas import AREAS
from gauntlet.severity import SEVERITIES, rank

#: How much of a finding's message one console line shows.
MESSAGE_WIDTH = 140


@dataclass(frozen=True)
class Finding:
    target: str
    area: str
    severity: str
    case: str
    outcome: str  # fail or error
    message: str


def table_lines(per_target: Mapping[str, Mapping[str, int]], findings: Iterable[Finding],
                servers: Mapping[str, tuple[str, str]]) -> list[str]:
    """target, server, version, pass, fail by severity, unsupported, error: one line per target."""
    by_severity: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITIES, 0))
    for finding in findings:
        if finding.outcome == "fail":
            by_severity[finding.target][finding.severity] += 1
    width = min(36, max([7, *(len(version) for _, version in servers.values())]))
    head = (f"{'target':<14} {'server':<10} {'version':<{width}} {'pass':>5} {'fail':>5} "
            + " ".join(f"{s:>8}" for s in SEVERITIES) + f" {'unsupp.':>7} {'error':>5}")
    lines = [head]
    for name, counts in per_target.items():
        server, version = servers.get(name, ("remote", ""))
        sev = by_severity[name]
        lines.append(f"{name:<14} {server:<10} {version[:width]:<{width}} {counts.get('pass', 0):>5} "
                     f"{counts.get('fail', 0):>5} " + " ".join(f"{sev[s]:>8}" for s in SEVERITIES)
                     + f" {counts.get('unsupported', 0):>7} {counts.get('error', 0):>5}")
    return lines


def finding_lines(findings: Iterable[Finding]) -> list[str]:
    """One line per finding, grouped by area (areas in their usual order), data and security first."""
    by_area: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_area[finding.area].append(finding)
    order = {area: i for i, area in enumerate(AREAS)}
    lines: list[str] = []
    for area in sorted(by_area, key=lambda a: (order.get(a, len(order)), a)):
        group = sorted(by_area[area], key=lambda f: (f.outcome != "error", rank(f.severity), f.target, f.case))
        lines.append(f"{area} ({len(group)})")
        for f in group:
            message = " ".join(f.message.split())
            if len(message) > MESSAGE_WIDTH:
                message = message[: MESSAGE_WIDTH - 1] + "…"
            label = "ERROR" if f.outcome == "error" else f.severity
            lines.append(f"  {label:<8} {f.target:<12} {f.case.split('::', 1)[-1]}: {message}")
    return lines
