"""Run diff: what changed between two runs of the same target (a baseline run and now).

Cases: ``regressed`` (pass -> fail or error), ``fixed`` (fail or error -> pass),
``finding changed`` (fail -> fail or error -> error with another fingerprint: another status,
error code or failing check), ``changed`` (any other change of outcome, e.g. pass -> unsupported),
``new`` (only in the newer run) and ``vanished`` (only in the older run).
Performance: each metric of each workload, old and new, with the percent change.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gauntlet.errors import UsageError
from gauntlet.reports.errors import MixedTargets
from gauntlet.reports.load import RunSet
from gauntlet.reports.performance import LOWER_IS_BETTER

DIFF_METRICS = ("rps", "mb_s", "p50_ms", "p90_ms", "p99_ms", "error_rate")
CASE_DIFF_COLUMNS = ("target", "old_run", "new_run", "area", "case", "change", "old_outcome", "new_outcome",
                     "severity", "old_fingerprint", "new_fingerprint", "message")
CHANGE_ORDER = ("regressed", "finding changed", "fixed", "changed", "new", "vanished")
#: The changes a report lists case by case (new and vanished cases are only counted).
SHOWN_CHANGES = CHANGE_ORDER[:4]
PERF_DIFF_COLUMNS = ("target", "old_run", "new_run", "workload", "metric", "old", "new", "change_pct", "direction")


@dataclass(frozen=True)
class RunPair:
    """Two runs of one target to compare, oldest first."""

    target: str
    kind: str
    old_run: str
    new_run: str


def classify_change(old: str | None, new: str | None, old_fingerprint: str | None = None,
                    new_fingerprint: str | None = None) -> str | None:
    """The kind of change from outcome ``old`` to ``new`` (None when equal)."""
    if old is None:
        return "new"
    if new is None:
        return "vanished"
    if old == new:
        if old in ("fail", "error") and old_fingerprint and new_fingerprint and old_fingerprint != new_fingerprint:
            return "finding changed"
        return None
    if old == "pass" and new in ("fail", "error"):
        return "regressed"
    if old in ("fail", "error") and new == "pass":
        return "fixed"
    return "changed"


def case_diff(old: pd.DataFrame, new: pd.DataFrame, target: str, old_run: str, new_run: str) -> pd.DataFrame:
    """Cases of ``target`` whose outcome changed between two runs' case tables."""
    columns = ["case", "area", "outcome", "message", "severity", "fingerprint"]
    a = old.loc[old["target"] == target, columns]
    b = new.loc[new["target"] == target, columns]
    joined = a.merge(b, on="case", how="outer", suffixes=("_old", "_new"))
    before = joined["outcome_old"].astype(object).where(joined["outcome_old"].notna(), None)
    after = joined["outcome_new"].astype(object).where(joined["outcome_new"].notna(), None)
    old_fp = joined["fingerprint_old"].astype(object).where(joined["fingerprint_old"].notna(), None)
    new_fp = joined["fingerprint_new"].astype(object).where(joined["fingerprint_new"].notna(), None)
    joined["change"] = [classify_change(*values) for values in zip(before, after, old_fp, new_fp, strict=True)]
    joined = joined[joined["change"].notna()]
    if joined.empty:
        return pd.DataFrame(columns=list(CASE_DIFF_COLUMNS))
    has_new = joined["outcome_new"].notna()
    out = pd.DataFrame({
        "target": target, "old_run": old_run, "new_run": new_run,
        "area": joined["area_new"].where(has_new, joined["area_old"]),
        "case": joined["case"], "change": joined["change"],
        "old_outcome": joined["outcome_old"].astype(object).where(joined["outcome_old"].notna(), None),
        "new_outcome": joined["outcome_new"].astype(object).where(has_new, None),
        "severity": joined["severity_new"].where(has_new, joined["severity_old"]).astype(object),
        "old_fingerprint": joined["fingerprint_old"].astype(object).where(joined["fingerprint_old"].notna(), None),
        "new_fingerprint": joined["fingerprint_new"].astype(object).where(joined["fingerprint_new"].notna(), None),
        "message": joined["message_new"].where(has_new, joined["message_old"]).fillna(""),
    })
    order = {change: n for n, change in enumerate(CHANGE_ORDER)}
    out["_o"] = out["change"].map(order)
    return out.sort_values(["_o", "case"]).drop(columns="_o").reset_index(drop=True)[list(CASE_DIFF_COLUMNS)]


def percent_change(old: float | None, new: float | None) -> float | None:
    """(new - old) / old in percent; None when either is missing or old is 0."""
    if old is None or new is None or pd.isna(old) or pd.isna(new) or old == 0:
        return None
    return round((float(new) - float(old)) / float(old) * 100.0, 2)


def direction(metric: str, change_pct: float | None) -> str:
    """``better``, ``worse`` or ``same`` (under 0.5%) for a metric's percent change."""
    if change_pct is None:
        return "n/a"
    if abs(change_pct) < 0.5:
        return "same"
    up_is_good = metric not in LOWER_IS_BETTER
    return "better" if (change_pct > 0) == up_is_good else "worse"


def perf_diff(old: pd.DataFrame, new: pd.DataFrame, target: str, old_run: str, new_run: str) -> pd.DataFrame:
    """Each metric of each workload of ``target``: old, new, percent change and whether that is better."""
    a = old[old["target"] == target].set_index("workload")
    b = new[new["target"] == target].set_index("workload")
    records = []
    workloads = list(b.index) + [w for w in a.index if w not in b.index]
    for workload in workloads:
        for metric in DIFF_METRICS:
            old_value = a[metric].get(workload) if workload in a.index else None
            new_value = b[metric].get(workload) if workload in b.index else None
            old_value = None if old_value is None or pd.isna(old_value) else float(old_value)
            new_value = None if new_value is None or pd.isna(new_value) else float(new_value)
            if old_value is None and new_value is None:
                continue
            pct = percent_change(old_value, new_value)
            records.append({"target": target, "old_run": old_run, "new_run": new_run, "workload": workload,
                            "metric": metric, "old": old_value, "new": new_value, "change_pct": pct,
                            "direction": direction(metric, pct)})
    return pd.DataFrame.from_records(records, columns=list(PERF_DIFF_COLUMNS))


def _runs_of(runset: RunSet, kind: str) -> dict[str, list[str]]:
    """Per target, run ids of ``kind`` holding it, oldest first."""
    table = runset.cases if kind == "compat" else runset.perf
    if table.empty:
        return {}
    keys = table[["target", "run_id", "start_time"]].drop_duplicates().sort_values(["start_time", "run_id"])
    return {target: list(group["run_id"]) for target, group in keys.groupby("target", sort=False)}


def run_pairs(runset: RunSet, base_run: str | None = None) -> list[RunPair]:
    """For each target and kind: (base_run or the previous run, the latest run).

    A target with one run of a kind, or whose latest run is the base run, has no pair.
    """
    pairs: list[RunPair] = []
    for kind in ("compat", "load"):
        for target, run_ids in _runs_of(runset, kind).items():
            latest = run_ids[-1]
            if base_run is not None:
                if base_run in run_ids and base_run != latest:
                    pairs.append(RunPair(target, kind, base_run, latest))
            elif len(run_ids) >= 2:
                pairs.append(RunPair(target, kind, run_ids[-2], latest))
    order = {t: i for i, t in enumerate(runset.target_order)}
    return sorted(pairs, key=lambda p: (p.kind != "compat", order.get(p.target, 0)))


def explicit_pairs(runset: RunSet, old_run: str, new_run: str) -> list[RunPair]:
    """Pairs for ``--compare OLD NEW``: every target the two runs have in common."""
    runs = runset.runs.set_index("run_id")
    for run_id in (old_run, new_run):
        if run_id not in runs.index:
            raise UsageError(f"--compare: run {run_id} is not among the runs given")
    old_kind, new_kind = runs.at[old_run, "kind"], runs.at[new_run, "kind"]
    if old_kind != new_kind:
        raise UsageError(f"--compare: run {old_run} is a {old_kind} run and {new_run} a {new_kind} run")
    old_targets = [t for t in str(runs.at[old_run, "targets"]).split(",") if t]
    new_targets = [t for t in str(runs.at[new_run, "targets"]).split(",") if t]
    common = [t for t in new_targets if t in old_targets]
    if not common:
        raise MixedTargets(f"--compare: runs of different targets ({old_run}: {', '.join(old_targets)}; "
                           f"{new_run}: {', '.join(new_targets)}); a run diff needs the same target in both")
    return [RunPair(t, str(new_kind), old_run, new_run) for t in common]


def resolve_run(runset: RunSet, ref: str) -> str:
    """A run id from a run id or a run directory path given on the command line."""
    runs = runset.runs
    if ref in set(runs["run_id"]):
        return ref
    from pathlib import Path

    wanted = Path(ref).resolve()
    for run_id, path in zip(runs["run_id"], runs["path"], strict=True):
        if Path(path).resolve() == wanted:
            return str(run_id)
    raise UsageError(f"--compare: {ref} is neither a run id nor a run directory among the runs given")


def diff_tables(runset: RunSet, pairs: list[RunPair]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The case diff and the performance diff of every pair, concatenated."""
    case_parts, perf_parts = [], []
    for pair in pairs:
        if pair.kind == "compat":
            old = runset.cases[runset.cases["run_id"] == pair.old_run]
            new = runset.cases[runset.cases["run_id"] == pair.new_run]
            case_parts.append(case_diff(old, new, pair.target, pair.old_run, pair.new_run))
        else:
            old = runset.perf[runset.perf["run_id"] == pair.old_run]
            new = runset.perf[runset.perf["run_id"] == pair.new_run]
            perf_parts.append(perf_diff(old, new, pair.target, pair.old_run, pair.new_run))
    cases = pd.concat(case_parts, ignore_index=True) if case_parts else pd.DataFrame(columns=list(CASE_DIFF_COLUMNS))
    perf = pd.concat(perf_parts, ignore_index=True) if perf_parts else pd.DataFrame(columns=list(PERF_DIFF_COLUMNS))
    return cases, perf
