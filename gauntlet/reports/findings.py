"""Findings: each target's failures ranked by how much they matter, and since when they are there.

One row per failed (or errored) case of each target's latest run: its severity (gauntlet/severity.py:
data, security, client, detail), what S3 requires and what the server did (the case's message), the
fingerprint (status|code|check), and ``since``: the oldest run among those loaded from which the same
case has failed with the same fingerprint without interruption.
"""

from __future__ import annotations

import pandas as pd

from gauntlet.severity import SEVERITIES, rank

FINDING_COLUMNS = ("target", "severity", "area", "case", "outcome", "http_status", "error_code", "fingerprint",
                   "since_run", "runs_seen", "message")
#: The severities a report lists first, one line per finding.
LEADING = ("data", "security")
FAILING = ("fail", "error")


def _streaks(history: pd.DataFrame) -> dict[tuple[str, str], tuple[str, int]]:
    """(target, case) → (the oldest run of the unbroken streak of its latest fingerprint, runs in the streak)."""
    out: dict[tuple[str, str], tuple[str, int]] = {}
    ordered = history.sort_values("start_time", ascending=False, kind="stable")
    for (target, case), rows in ordered.groupby(["target", "case"], sort=False):
        latest = rows.iloc[0]
        since, seen = str(latest["run_id"]), 0
        for row in rows.itertuples():
            same = row.outcome in FAILING and row.fingerprint == latest["fingerprint"] and row.fingerprint is not None
            if seen and not same:
                break
            since, seen = str(row.run_id), seen + 1
        out[(str(target), str(case))] = (since, seen)
    return out


def findings_table(latest_cases: pd.DataFrame, all_cases: pd.DataFrame) -> pd.DataFrame:
    """Every failure of the latest runs, gravest first (severity, then target order, area, case)."""
    failed = latest_cases[latest_cases["outcome"].isin(FAILING)]
    if failed.empty:
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    keys = set(zip(failed["target"], failed["case"], strict=True))
    history = all_cases[[(t, c) in keys for t, c in zip(all_cases["target"], all_cases["case"], strict=True)]]
    streaks = _streaks(history)
    out = failed.copy()
    out["severity"] = out["severity"].where(out["severity"].notna(), "client")
    out["since_run"] = [streaks.get((t, c), ("", 0))[0] for t, c in zip(out["target"], out["case"], strict=True)]
    out["runs_seen"] = [streaks.get((t, c), ("", 0))[1] for t, c in zip(out["target"], out["case"], strict=True)]
    targets = list(dict.fromkeys(latest_cases["target"]))
    out["_rank"] = out["severity"].map(rank)
    out["_target"] = out["target"].map({t: n for n, t in enumerate(targets)})
    out = out.sort_values(["_rank", "_target", "area", "case"], kind="stable")
    return out[list(FINDING_COLUMNS)].reset_index(drop=True)


def severity_counts(findings: pd.DataFrame, targets: list[str]) -> pd.DataFrame:
    """Findings per target and severity (rows: severities in order; columns: targets)."""
    counts = pd.crosstab(findings["severity"], findings["target"]) if len(findings) else pd.DataFrame()
    return counts.reindex(index=list(SEVERITIES), columns=targets, fill_value=0).fillna(0).astype(int)


def area_severity_table(findings: pd.DataFrame, target: str) -> pd.DataFrame:
    """One target's findings per area and severity (rows: areas, gravest first; columns: severities)."""
    mine = findings[findings["target"] == target]
    if mine.empty:
        return pd.DataFrame(columns=list(SEVERITIES))
    table = pd.crosstab(mine["area"], mine["severity"]).reindex(columns=list(SEVERITIES), fill_value=0)
    return table.sort_values(list(SEVERITIES), ascending=False)
