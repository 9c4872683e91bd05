"""Compatibility views: the case × target matrix, area scores, the feature table, where targets differ.

Every function takes a cases table holding one run per target (see
``reports.load.latest_run_per_target``) and the targets in display order.
"""

from __future__ import annotations

import pandas as pd

from gauntlet.areas import AREAS
from gauntlet.reports.features import HEADLINE_FEATURES, Feature
from gauntlet.reports.load import OUTCOMES

#: Feature areas in the order the harness lists them; others follow alphabetically.
AREA_ORDER = tuple(AREAS)

#: How a feature or area status is shown.
STATUS_SYMBOL = {
    "supported": "✅",
    "partial": "partial",
    "missing": "❌",
    "unsupported": "unsupported",
    "not run": "—",
}


def area_rank(area: str) -> tuple[int, str]:
    return (AREA_ORDER.index(area), "") if area in AREA_ORDER else (len(AREA_ORDER), area)


def sorted_areas(areas: list[str] | pd.Index) -> list[str]:
    return sorted({str(a) for a in areas}, key=area_rank)


def compat_matrix(cases: pd.DataFrame, targets: list[str]) -> pd.DataFrame:
    """Cases down (area, case), targets across, the outcome in each cell ("" where not run)."""
    if cases.empty:
        return pd.DataFrame(columns=["area", "case", *targets])
    wide = cases.pivot_table(index=["area", "case"], columns="target", values="outcome", aggfunc="last")
    wide = wide.reindex(columns=targets).astype(object).fillna("")
    wide.columns.name = None
    wide = wide.reset_index()
    wide["_rank"] = wide["area"].map(lambda a: area_rank(str(a)))
    return wide.sort_values(["_rank", "case"]).drop(columns="_rank").reset_index(drop=True)


def _counts(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    counts = frame.groupby([*by, "outcome"]).size().unstack("outcome", fill_value=0)
    counts = counts.reindex(columns=list(OUTCOMES), fill_value=0)
    counts.columns.name = None
    counts["total"] = counts[list(OUTCOMES)].sum(axis=1)
    counts["pass_rate"] = (counts["pass"] / counts["total"]).round(4)
    return counts.reset_index()


def area_scores(cases: pd.DataFrame, targets: list[str]) -> pd.DataFrame:
    """Per target and feature area (plus ``all``): pass / fail / unsupported / error counts and pass rate.

    The pass rate is passes over all cases of the area, unsupported ones included.
    """
    columns = ["target", "area", *OUTCOMES, "total", "pass_rate"]
    if cases.empty:
        return pd.DataFrame(columns=columns)
    per_area = _counts(cases, ["target", "area"])
    overall = _counts(cases, ["target"]).assign(area="all")
    scores = pd.concat([per_area, overall], ignore_index=True)[columns]
    scores["_t"] = scores["target"].map({t: i for i, t in enumerate(targets)})
    scores["_a"] = scores["area"].map(lambda a: (1, "") if a == "all" else (0, *area_rank(a)))
    return scores.sort_values(["_t", "_a"]).drop(columns=["_t", "_a"]).reset_index(drop=True)


def feature_status(passed: int, failed: int, unsupported: int, errored: int) -> str:
    """supported (all pass), partial, missing (nothing passes), unsupported (all unsupported) or not run."""
    total = passed + failed + unsupported + errored
    if total == 0:
        return "not run"
    if unsupported == total:
        return "unsupported"
    if passed == total:
        return "supported"
    if passed == 0:
        return "missing"
    return "partial"


def feature_table(cases: pd.DataFrame, targets: list[str],
                  features: tuple[Feature, ...] = HEADLINE_FEATURES) -> pd.DataFrame:
    """Long table: one row per (area or headline feature) × target with status, passes and case count."""
    columns = ["level", "name", "target", "status", "pass", "total"]
    if cases.empty:
        return pd.DataFrame(columns=columns)
    records: list[dict[str, object]] = []

    def add(level: str, name: str, subset: pd.DataFrame) -> None:
        counts = subset.groupby(["target", "outcome"]).size()
        for target in targets:
            got = {o: int(counts.get((target, o), 0)) for o in OUTCOMES}
            records.append({"level": level, "name": name, "target": target,
                            "status": feature_status(got["pass"], got["fail"], got["unsupported"], got["error"]),
                            "pass": got["pass"], "total": sum(got.values())})

    for area in sorted_areas(cases["area"].unique()):
        add("area", area, cases[cases["area"] == area])
    for feature in features:
        subset = cases[feature.mask(cases)]
        if len(subset):
            add("feature", feature.name, subset)
    return pd.DataFrame.from_records(records, columns=columns)


#: The same in HTML, with symbols every font has (the cell colour says the rest).
HTML_STATUS_SYMBOL = {**STATUS_SYMBOL, "supported": "✓", "missing": "✗"}


def feature_cell(status: str, passed: int, total: int, symbols: dict[str, str] = STATUS_SYMBOL) -> str:
    """A feature-table cell: ✅, ❌, unsupported, — or ``partial 3/5``."""
    symbol = symbols.get(status, status)
    return f"{symbol} {passed}/{total}" if status == "partial" else symbol


def feature_grid(table: pd.DataFrame, targets: list[str]) -> pd.DataFrame:
    """The feature table wide, as shown: level, name, one cell per target."""
    if table.empty:
        return pd.DataFrame(columns=["level", "name", *targets])
    cells = table.assign(cell=[feature_cell(s, p, t) for s, p, t in
                               zip(table["status"], table["pass"], table["total"], strict=True)])
    wide = cells.pivot_table(index=["level", "name"], columns="target", values="cell", aggfunc="first", sort=False)
    wide = wide.reindex(columns=targets).astype(object).fillna("—")
    wide.columns.name = None
    return wide.reset_index()


def differences(cases: pd.DataFrame, targets: list[str]) -> pd.DataFrame:
    """Cases whose outcome differs between targets, long form: one row per such case × target.

    Columns: area, case, target, outcome, http_status, error_code, message. Targets that did
    not run a case are left out; a case run by one target only never differs.
    """
    columns = ["area", "case", "target", "outcome", "http_status", "error_code", "message"]
    if cases.empty or len(targets) < 2:
        return pd.DataFrame(columns=columns)
    subset = cases[cases["target"].isin(targets)]
    distinct = subset.groupby("case")["outcome"].nunique()
    differing = distinct[distinct > 1].index
    out = subset[subset["case"].isin(differing)][columns].copy()
    out["_rank"] = out["area"].map(area_rank)
    out["_t"] = out["target"].map({t: i for i, t in enumerate(targets)})
    return out.sort_values(["_rank", "case", "_t"]).drop(columns=["_rank", "_t"]).reset_index(drop=True)


def pass_rate_trend(all_cases: pd.DataFrame) -> pd.DataFrame:
    """Per run and target: counts and pass rate, oldest run first (the compatibility history)."""
    columns = ["run_id", "start_time", "target", *OUTCOMES, "total", "pass_rate"]
    if all_cases.empty:
        return pd.DataFrame(columns=columns)
    counts = _counts(all_cases, ["run_id", "start_time", "target"])
    return counts.sort_values(["start_time", "run_id", "target"])[columns].reset_index(drop=True)
