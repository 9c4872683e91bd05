"""The gate's judgement: the latest runs against a baseline, check by check.

Cases: a case that passed in the baseline and does not pass now is a regression;
one that did not pass and passes now is an improvement (a candidate to promote);
a case that failed in the baseline and fails now with another fingerprint (another status, error
code or failing check) is a regression when its severity is one of ``fingerprint_severities``
(default: data and security) and a change otherwise;
any other change is reported; a case new since the baseline is reported, never failed;
a baseline case the runs did not run is reported as missing (a failure only with
``strict_missing``).

Performance, per workload (``GET 4KiB``): requests/s below the floor (``rps_min``, or
the baseline's rps less ``throughput_drop_pct``) or p99 above the ceiling
(``p99_ms_max``, or the baseline's p99 plus ``p99_rise_pct``) is a regression, and so
is any integrity failure (the server returned wrong bytes) or an error rate above an
explicit ``error_rate_max``. Beating the baseline by more than the same margins is an
improvement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from gauntlet.reports.baseline import Baseline, TargetBaseline
from gauntlet.reports.errors import MixedTargets
from gauntlet.reports.load import RunSet, latest_per_key

#: Finding statuses; only "regression" fails the gate (and "missing" with strict_missing).
STATUSES = ("regression", "improvement", "changed", "new", "missing", "ok")
#: A failure whose fingerprint changed fails the gate for cases of these severities (configurable).
DEFAULT_FINGERPRINT_SEVERITIES = ("data", "security")


@dataclass
class Finding:
    """One check of one target: a case or a performance metric of a workload."""

    target: str
    kind: str  # "case" or "performance"
    name: str  # the case id, or "GET 4KiB: req/s"
    status: str
    baseline: str | float | None
    current: str | float | None
    detail: str = ""


@dataclass
class GateResult:
    """Everything the gate found."""

    targets: list[str]
    thresholds: dict[str, dict[str, float]]
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    strict_missing: bool = False

    def by_status(self, status: str) -> list[Finding]:
        return [f for f in self.findings if f.status == status]

    @property
    def failures(self) -> list[Finding]:
        failing = {"regression", "missing"} if self.strict_missing else {"regression"}
        return [f for f in self.findings if f.status in failing]

    @property
    def passed(self) -> bool:
        return not self.failures


def select_targets(runset: RunSet, baseline: Baseline | None, wanted: list[str] | None,
                   updating: bool = False) -> list[str]:
    """The targets to judge. Raises MixedTargets when the runs and the baseline are about different targets."""
    present = [t for t in runset.target_order
               if t in set(runset.cases["target"]) | set(runset.perf["target"])]
    if wanted:
        missing = [t for t in wanted if t not in present]
        if missing:
            raise MixedTargets(f"target {', '.join(missing)} has no results in the runs given "
                               f"(they hold: {', '.join(present)})")
        chosen = list(dict.fromkeys(wanted))
    else:
        chosen = present
    if baseline is not None and not updating:
        unknown = [t for t in chosen if t not in baseline.targets]
        if unknown:
            raise MixedTargets(
                f"the runs hold target {', '.join(unknown)}, which the baseline does not have (baseline targets: "
                f"{', '.join(baseline.targets)}); choose targets with --target, or add them with --update-baseline")
    return chosen


def _case_findings(target: str, expected: TargetBaseline, cases: pd.DataFrame,
                   fingerprint_severities: tuple[str, ...] = DEFAULT_FINGERPRINT_SEVERITIES) -> list[Finding]:
    now = dict(zip(cases["case"], cases["outcome"], strict=True))
    messages = dict(zip(cases["case"], cases["message"], strict=True))
    prints = dict(zip(cases["case"], cases["fingerprint"], strict=True))
    severities = dict(zip(cases["case"], cases["severity"], strict=True))
    findings = []
    for case, before in expected.cases.items():
        after = now.get(case)
        old_print, new_print = expected.fingerprints.get(case), prints.get(case)
        if after is None:
            findings.append(Finding(target, "case", case, "missing", before, None,
                                    "in the baseline but not in the runs given"))
        elif before == after and before != "pass" and old_print and new_print and old_print != new_print:
            severity = severities.get(case) or expected.severities.get(case) or "client"
            status = "regression" if severity in fingerprint_severities else "changed"
            findings.append(Finding(target, "case", case, status, f"{before} ({old_print})", f"{after} ({new_print})",
                                    f"{severity} finding changed: {messages.get(case) or ''}"))
        elif before == after:
            findings.append(Finding(target, "case", case, "ok", before, after))
        elif before == "pass":
            findings.append(Finding(target, "case", case, "regression", before, after, messages.get(case) or ""))
        elif after == "pass":
            findings.append(Finding(target, "case", case, "improvement", before, after, "now passes"))
        else:
            findings.append(Finding(target, "case", case, "changed", before, after, messages.get(case) or ""))
    for case in sorted(set(now) - set(expected.cases)):
        findings.append(Finding(target, "case", case, "new", None, now[case], messages.get(case) or ""))
    return findings


def _pct(new: float, old: float) -> str:
    return f"{(new - old) / old * 100:+.1f}%" if old else "n/a"


def _perf_findings(target: str, expected: TargetBaseline, perf: pd.DataFrame,
                   limits: dict[str, float]) -> list[Finding]:
    drop = limits["throughput_drop_pct"] / 100.0
    rise = limits["p99_rise_pct"] / 100.0
    rows = {w: r for w, r in zip(perf["workload"], perf.to_dict("records"), strict=True)}
    findings = []
    for workload, entry in expected.performance.items():
        row = rows.get(workload)
        if row is None:
            findings.append(Finding(target, "performance", workload, "missing", None, None,
                                    "in the baseline but not in the load runs given"))
            continue
        rps, p99 = row.get("rps"), row.get("p99_ms")
        base_rps, base_p99 = entry.get("rps"), entry.get("p99_ms")
        floor = entry.get("rps_min", base_rps * (1 - drop) if base_rps is not None else None)
        if floor is not None and rps is not None and not pd.isna(rps):
            name = f"{workload}: req/s"
            reference = base_rps if base_rps is not None else floor
            if rps < floor:
                findings.append(Finding(target, "performance", name, "regression", reference, rps,
                                        f"{rps:.1f} req/s is below the floor {floor:.1f} "
                                        f"({_pct(rps, reference)} against {reference:.1f})"))
            elif base_rps is not None and rps > base_rps * (1 + drop):
                findings.append(Finding(target, "performance", name, "improvement", base_rps, rps,
                                        f"{_pct(rps, base_rps)} req/s"))
            else:
                findings.append(Finding(target, "performance", name, "ok", reference, rps))
        ceiling = entry.get("p99_ms_max", base_p99 * (1 + rise) if base_p99 is not None else None)
        if ceiling is not None and p99 is not None and not pd.isna(p99):
            name = f"{workload}: p99"
            reference = base_p99 if base_p99 is not None else ceiling
            if p99 > ceiling:
                findings.append(Finding(target, "performance", name, "regression", reference, p99,
                                        f"p99 {p99:.1f} ms is above the ceiling {ceiling:.1f} ms "
                                        f"({_pct(p99, reference)} against {reference:.1f} ms)"))
            elif base_p99 is not None and p99 < base_p99 * (1 - rise):
                findings.append(Finding(target, "performance", name, "improvement", base_p99, p99,
                                        f"{_pct(p99, base_p99)} p99"))
            else:
                findings.append(Finding(target, "performance", name, "ok", reference, p99))
        bad = row.get("integrity_failures")
        if bad is not None and not pd.isna(bad) and bad > 0:
            findings.append(Finding(target, "performance", f"{workload}: integrity", "regression", 0.0, float(bad),
                                    f"{int(bad)} response(s) with wrong bytes"))
        error_max = entry.get("error_rate_max")
        if error_max is not None:
            rate = float(row.get("error_rate") or 0.0)
            status = "regression" if rate > error_max else "ok"
            findings.append(Finding(target, "performance", f"{workload}: errors", status, error_max, rate,
                                    f"error rate {rate:.2%} above {error_max:.2%}" if status != "ok" else ""))
    for workload in rows:
        if workload not in expected.performance:
            findings.append(Finding(target, "performance", workload, "new", None, rows[workload].get("rps"),
                                    "workload not in the baseline"))
    return findings


def evaluate(runset: RunSet, baseline: Baseline, targets: list[str],
             overrides: dict[str, float] | None = None, strict_missing: bool = False,
             fingerprint_severities: tuple[str, ...] = DEFAULT_FINGERPRINT_SEVERITIES) -> GateResult:
    """Judge each target's latest results against the baseline."""
    cases = latest_per_key(runset.cases, "area")
    perf = latest_per_key(runset.perf, "workload")
    result = GateResult(targets=targets, thresholds={}, strict_missing=strict_missing)
    for target in targets:
        expected = baseline.targets[target]
        limits = baseline.thresholds_for(target, overrides)
        result.thresholds[target] = limits
        target_cases = cases[cases["target"] == target]
        target_perf = perf[perf["target"] == target]
        if len(target_cases):
            result.findings += _case_findings(target, expected, target_cases, fingerprint_severities)
        elif expected.cases:
            result.notes.append(f"{target}: no compatibility run among the runs given; cases not checked")
        if len(target_perf):
            result.findings += _perf_findings(target, expected, target_perf, limits)
        elif expected.performance:
            result.notes.append(f"{target}: no load run among the runs given; performance not checked")
    for target in baseline.targets:
        if target not in targets:
            result.notes.append(f"{target}: in the baseline, but not judged (no results in the runs given, "
                                "or not chosen with --target)")
    return result


def updated_baseline(runset: RunSet, old: Baseline | None, targets: list[str], path: object,
                     prune: bool = False) -> Baseline:
    """The baseline with each target's latest results promoted (``--update-baseline``).

    Cases in the runs take their new outcome; baseline cases the runs did not run are kept
    (dropped with ``prune``). Workloads in the load runs take their new rps and p99; explicit
    limits written by hand (rps_min, p99_ms_max, error_rate_max) are kept. Targets not in the
    runs are left as they were.
    """
    from pathlib import Path

    from gauntlet.reports.baseline import USER_LIMITS

    cases = latest_per_key(runset.cases, "area")
    perf = latest_per_key(runset.perf, "workload")
    from gauntlet.reports.baseline import DEFAULT_THRESHOLDS

    result = Baseline(Path(str(path)), dict(old.thresholds) if old else dict(DEFAULT_THRESHOLDS),
                      dict(old.targets) if old else {})
    for target in targets:
        before = result.targets.get(target) or TargetBaseline(target)
        mine = cases[cases["target"] == target]
        load = perf[perf["target"] == target]
        new_cases = {} if prune and len(mine) else dict(before.cases)
        new_cases.update(zip(mine["case"], mine["outcome"], strict=True))
        prints = {} if prune and len(mine) else dict(before.fingerprints)
        severities = {} if prune and len(mine) else dict(before.severities)
        for row in mine[["case", "outcome", "fingerprint", "severity"]].itertuples(index=False):
            prints.pop(row.case, None)
            severities.pop(row.case, None)
            if row.outcome != "pass" and isinstance(row.fingerprint, str) and row.fingerprint:
                prints[row.case] = row.fingerprint
                if isinstance(row.severity, str) and row.severity:
                    severities[row.case] = row.severity
        new_perf = {} if prune and len(load) else {w: dict(e) for w, e in before.performance.items()}
        for row in load.to_dict("records"):
            kept = {k: v for k, v in new_perf.get(row["workload"], {}).items() if k in USER_LIMITS}
            measured = {k: float(row[k]) for k in ("rps", "p99_ms", "p50_ms", "mb_s", "error_rate")
                        if row.get(k) is not None and not pd.isna(row[k])}
            new_perf[row["workload"]] = {**measured, **kept}
        source = dict(before.source)
        if len(mine):
            source["compat_run"] = str(mine.sort_values("start_time")["run_id"].iloc[-1])
        if len(load):
            source["load_run"] = str(load.sort_values("start_time")["run_id"].iloc[-1])
        versions = [v for v in (*mine["version"], *load["version"]) if isinstance(v, str) and v]
        if versions:
            source["version"] = versions[-1]
        result.targets[target] = TargetBaseline(target, new_cases, prints, severities, new_perf,
                                                dict(before.thresholds), source)
    return result
