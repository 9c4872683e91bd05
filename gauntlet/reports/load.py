"""Loading run directories into tidy pandas DataFrames.

A run directory is what the harness writes under ``runs/<run-id>/``: a
compatibility run (``results.jsonl``) or a load run (``load_summary.jsonl`` and
``load_history.jsonl`` beside Locust's CSVs), each with a ``meta.json``. A path
given on the command line may also be a folder of run directories (``runs/``):
every run directory in it is loaded, and those with no rows are skipped.

Tables (see ``CASE_COLUMNS`` etc. for their columns):

- ``runs``: one row per run;
- ``targets``: one row per run × target (server, version, endpoint from meta.json);
- ``cases``: one row per case × target × run (compatibility);
- ``perf``: one row per operation × object size × target × run (load);
- ``history``: one row per stats interval × operation × object size × target × run.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gauntlet.errors import NoResults
from gauntlet.rundir import layout
from gauntlet.rundir.rows import read_rows

OUTCOMES = ("pass", "fail", "unsupported", "error")

RUN_COLUMNS = ("run_id", "kind", "start_time", "end_time", "path", "targets", "exit_status", "harness_version",
               "boto3", "profile", "locust_version")
TARGET_COLUMNS = ("run_id", "kind", "target", "server", "version", "endpoint", "region", "addressing")
CASE_COLUMNS = ("run_id", "start_time", "target", "server", "version", "area", "case", "test", "params", "outcome",
                "duration_s", "http_status", "error_code", "message", "severity", "fingerprint")
PERF_COLUMNS = ("run_id", "start_time", "target", "server", "version", "operation", "size_class", "size_bytes",
                "workload", "requests", "failures", "error_rate", "rps", "mb_s", "p50_ms", "p90_ms", "p99_ms",
                "max_ms", "avg_ms", "ttfb_p50_ms", "integrity_checked", "integrity_failures")
HISTORY_COLUMNS = ("run_id", "start_time", "target", "timestamp", "elapsed_s", "operation", "size_class", "workload",
                   "rps", "failures_s", "p50_ms", "p95_ms", "users")

#: gauntlet parity: one row per run (its summary) and one per difference (parity_rows.jsonl)
PARITY_RUN_COLUMNS = ("run_id", "source", "dest", "complete", "exit_code", "objects_compared", "matched",
                      "differing", "missing_on_dest", "missing_on_source", "errors", "elapsed_s", "by_kind")
PARITY_COLUMNS = ("run_id", "source", "dest", "bucket", "key", "kind", "source_value", "dest_value")
_CASE_RE = re.compile(r"^(?:(?P<file>[^:]+)::)?(?P<test>[^\[]+)(?:\[(?P<params>.*)\])?$")
_OPERATION_ORDER = ("PUT", "GET", "GET-RANGE", "HEAD", "LIST", "LIST-VERSIONS", "DELETE", "COPY", "MULTIPART",
                    "ALL")


@dataclass
class RunSet:
    """Everything loaded from a set of run directories."""

    runs: pd.DataFrame
    targets: pd.DataFrame
    cases: pd.DataFrame
    perf: pd.DataFrame
    history: pd.DataFrame
    target_order: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    parity_runs: pd.DataFrame = field(default_factory=lambda: _frame([], PARITY_RUN_COLUMNS))
    parity: pd.DataFrame = field(default_factory=lambda: _frame([], PARITY_COLUMNS))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tidy tables by the file name they are written under."""
        return {"runs": self.runs, "targets": self.targets, "cases": self.cases, "perf": self.perf,
                "history": self.history, "parity_runs": self.parity_runs, "parity": self.parity}


# --------------------------------------------------------------------------- discovery


def is_run_dir(path: Path) -> bool:
    """A directory holding any file the harness writes into a run directory."""
    return path.is_dir() and any((path / name).is_file() for name in layout.RUN_MARKERS)


def discover(paths: Sequence[Path | str]) -> list[tuple[Path, bool]]:
    """Run directories named by ``paths``: (directory, given explicitly).

    A path that is not itself a run directory is searched one level down, so
    ``runs/`` stands for every run in it.
    """
    found: list[tuple[Path, bool]] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise NoResults(f"{path}: no such directory")
        if not path.is_dir():
            raise NoResults(f"{path}: not a run directory (a file, not a directory)")
        if is_run_dir(path):
            candidates = [(path, True)]
        else:
            candidates = [(child, False) for child in sorted(path.iterdir()) if is_run_dir(child)]
            if not candidates:
                raise NoResults(f"{path}: not a run directory (no meta.json, results.jsonl or load_summary.jsonl "
                                "in it or in its subdirectories)")
        for candidate, explicit in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append((candidate, explicit))
    if not found:
        raise NoResults("no run directories given")
    return found


# --------------------------------------------------------------------------- one run


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file, parsed in one go; a torn or bad line falls back to line-by-line reading."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    try:
        rows = json.loads("[" + ",".join(lines) + "]")
    except json.JSONDecodeError:
        rows = read_rows(path)
    return [row for row in rows if isinstance(row, dict)]


#: Columns read from results.jsonl and load_history.jsonl, with their Arrow types for the fast reader.
_ROW_KEYS = ("target", "area", "case", "outcome", "duration_s", "http_status", "error_code", "message", "severity",
             "fingerprint")
_HISTORY_KEYS = ("target", "timestamp", "operation", "size_class", "rps", "failures_s", "p50_ms", "p95_ms", "users")
_ARROW_TYPES = {"target": "string", "area": "string", "case": "string", "outcome": "string", "duration_s": "float64",
                "http_status": "float64", "error_code": "string", "message": "string",
                "severity": "string", "fingerprint": "string", "timestamp": "float64",
                "operation": "string", "size_class": "string", "rps": "float64", "failures_s": "float64",
                "p50_ms": "float64", "p95_ms": "float64", "users": "float64"}


def read_jsonl_frame(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A JSONL file's ``columns`` as a DataFrame.

    pyarrow's JSON reader with a fixed schema is several times faster than parsing row by row;
    anything it does not take (a torn last line, a value of another type, no pyarrow) is read
    with the standard library instead, which skips bad lines.
    """
    try:
        import pyarrow as pa
        import pyarrow.json as pa_json

        schema = pa.schema([(c, pa.type_for_alias(_ARROW_TYPES[c])) for c in columns])
        options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
        table = pa_json.read_json(path, parse_options=options)
        return table.select(list(columns)).to_pandas()
    except Exception:
        return pd.DataFrame.from_records(read_jsonl(path), columns=list(columns))


def _read_meta(run_dir: Path) -> dict[str, Any]:
    path = run_dir / layout.META
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NoResults(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise NoResults(f"{path}: not a JSON object")
    return meta


def _timestamp(value: Any) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, (int, float)):
            return pd.Timestamp(value, unit="s", tz="UTC")
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


@functools.lru_cache(maxsize=65536)
def split_case(case: str) -> tuple[str, str]:
    """``test_objects.py::test_key[space]`` -> (``test_key``, ``space``)."""
    match = _CASE_RE.match(case)
    if not match:
        return case, ""
    return match.group("test"), match.group("params") or ""


def workload_label(operation: str, size_class: str) -> str:
    """How an operation × object size is named in tables and the baseline: ``GET 4KiB``."""
    if size_class in ("", "-"):
        return operation
    return f"{operation} {size_class}"


def _num(value: Any) -> float | None:
    if value is None or value == "" or value == "N/A":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _load_stats_csv(path: Path, run_id: str) -> list[dict[str, Any]]:
    """Summary rows from Locust's ``*_stats.csv`` when the run has no load_summary.jsonl.

    Locust names each request ``Type`` (the method) and ``Name``; a name of the
    form ``OPERATION SIZE`` or ``.../SIZE`` gives the size class, else the name is used.
    """
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8", newline="") as handle:
        for rec in csv.DictReader(handle):
            name = rec.get("Name") or ""
            if name == "Aggregated" or not rec.get("Type"):
                continue
            parts = name.split()
            operation, size_class = (parts[0], parts[-1]) if len(parts) >= 2 else (rec["Type"], name)
            requests = _num(rec.get("Request Count")) or 0.0
            rows.append({
                "run_id": run_id, "target": None, "operation": operation, "size_class": size_class,
                "size_bytes": None, "requests": requests, "failures": _num(rec.get("Failure Count")) or 0.0,
                "rps": _num(rec.get("Requests/s")), "mb_s": None,
                "p50_ms": _num(rec.get("50%")), "p90_ms": _num(rec.get("90%")), "p99_ms": _num(rec.get("99%")),
                "max_ms": _num(rec.get("Max Response Time")), "avg_ms": _num(rec.get("Average Response Time")),
                "ttfb_p50_ms": None, "integrity_checked": None, "integrity_failures": None,
            })
    return rows


@dataclass
class _Run:
    path: Path
    meta: dict[str, Any]
    run_id: str
    kind: str
    start: pd.Timestamp | None
    cases: pd.DataFrame | None
    perf_rows: list[dict[str, Any]]
    history: pd.DataFrame | None
    parity: dict[str, Any] | None = None  # parity_summary.json
    parity_rows: list[dict[str, Any]] = field(default_factory=list)


def read_run(run_dir: Path) -> _Run:
    """One run directory's meta.json and rows, as plain Python objects."""
    meta = _read_meta(run_dir)
    run_id = str(meta.get("run_id") or run_dir.name)
    cases: pd.DataFrame | None = None
    perf_rows: list[dict[str, Any]] = []
    history: pd.DataFrame | None = None
    try:
        if (run_dir / layout.RESULTS).is_file() and (run_dir / layout.RESULTS).stat().st_size:
            cases = read_jsonl_frame(run_dir / layout.RESULTS, _ROW_KEYS)
        if (run_dir / layout.LOAD_SUMMARY).is_file():
            perf_rows = read_jsonl(run_dir / layout.LOAD_SUMMARY)
        elif (run_dir / layout.LOCUST_STATS).is_file():
            perf_rows = _load_stats_csv(run_dir / layout.LOCUST_STATS, run_id)
        if (run_dir / layout.LOAD_HISTORY).is_file() and (run_dir / layout.LOAD_HISTORY).stat().st_size:
            history = read_jsonl_frame(run_dir / layout.LOAD_HISTORY, _HISTORY_KEYS)
        parity = json.loads((run_dir / layout.PARITY_SUMMARY).read_text(encoding="utf-8")) \
            if (run_dir / layout.PARITY_SUMMARY).is_file() else None
        rows_file = run_dir / layout.PARITY_ROWS
        parity_rows = read_jsonl(rows_file) if parity and rows_file.is_file() else []
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        raise NoResults(f"{run_dir}: cannot read its results ({exc})") from None
    if cases is not None and cases.empty:
        cases = None
    if history is not None and history.empty:
        history = None
    kind = str(meta.get("kind") or ("load" if perf_rows and cases is None else "compat"))
    start = _timestamp(meta.get("start_time"))
    if start is None:
        start = pd.Timestamp(run_dir.stat().st_mtime, unit="s", tz="UTC")
    if parity is not None:
        kind, run_id = "parity", str(meta.get("run_id") or parity.get("run_id") or run_id)
    return _Run(run_dir, meta, run_id, kind, start, cases, perf_rows, history, parity, parity_rows)


# --------------------------------------------------------------------------- tables


def _frame(records: list[dict[str, Any]], columns: Iterable[str]) -> pd.DataFrame:
    cols = list(columns)
    if not records:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    return pd.DataFrame.from_records(records, columns=cols)


def _target_meta(run: _Run) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entry in run.meta.get("targets") or []:
        if isinstance(entry, dict) and entry.get("name"):
            out[str(entry["name"])] = entry
    return out


def load_runs(paths: Sequence[Path | str]) -> RunSet:
    """Load run directories (or folders of them) into a RunSet.

    Raises NoResults for a path that is not a run directory, for a run directory
    given explicitly that holds no rows, and when nothing at all was found.
    """
    runs: list[_Run] = []
    warnings: list[str] = []
    seen_ids: set[str] = set()
    for run_dir, explicit in discover(paths):
        run = read_run(run_dir)
        if run.cases is None and not run.perf_rows and run.parity is None:
            if explicit:
                raise NoResults(f"{run_dir}: run directory has no results (results.jsonl and load_summary.jsonl "
                                "are missing or empty)")
            warnings.append(f"{run_dir}: no results, skipped")
            continue
        if run.run_id in seen_ids:
            warnings.append(f"{run_dir}: run {run.run_id} given twice, later copy ignored")
            continue
        seen_ids.add(run.run_id)
        runs.append(run)
    if not runs:
        raise NoResults("none of the run directories given has any results")
    runs.sort(key=lambda r: (r.start, r.run_id))

    run_records, target_records, perf_records = [], [], []
    parity_runs, parity_rows = [], []
    case_frames, history_frames = [], []
    order: list[str] = []
    skipped_rows = 0
    for run in runs:
        tmeta = _target_meta(run)
        only = next(iter(tmeta)) if len(tmeta) == 1 else None
        names = list(tmeta)
        row_targets = {str(r["target"]) for r in run.perf_rows if r.get("target")}
        if run.cases is not None:
            row_targets |= set(run.cases["target"].dropna().astype(str).unique())
        for name in sorted(row_targets):
            if name not in names:
                names.append(name)
        for name in names:
            if name not in order:
                order.append(name)
            entry = tmeta.get(name, {})
            target_records.append({
                "run_id": run.run_id, "kind": run.kind, "target": name, "server": entry.get("server"),
                "version": None if entry.get("version") is None else str(entry.get("version")),
                "endpoint": entry.get("endpoint"), "region": entry.get("region"),
                "addressing": entry.get("addressing"),
            })
        profile = run.meta.get("profile")
        run_records.append({
            "run_id": run.run_id, "kind": run.kind, "start_time": run.start,
            "end_time": _timestamp(run.meta.get("end_time")), "path": str(run.path), "targets": ",".join(names),
            "exit_status": run.meta.get("exit_status", run.meta.get("exit_code")),
            "harness_version": (run.meta.get("harness") or {}).get("version"),
            "boto3": (run.meta.get("clients") or {}).get("boto3"),
            "profile": (profile.get("name") if isinstance(profile, dict) else profile),
            "locust_version": run.meta.get("locust_version"),
        })
        if run.cases is not None:
            frame = run.cases
            case_frames.append(frame.assign(run_id=run.run_id, start_time=run.start,
                                            target=frame["target"].fillna(only) if only else frame["target"]))
        for row in run.perf_rows:
            name = row.get("target") or only
            if not name or not row.get("operation"):
                skipped_rows += 1
                continue
            entry = tmeta.get(str(name), {})
            requests = _num(row.get("requests")) or 0.0
            failures = _num(row.get("failures")) or 0.0
            operation, size_class = str(row["operation"]), str(row.get("size_class") or "")
            perf_records.append({
                "run_id": run.run_id, "start_time": run.start, "target": str(name), "server": entry.get("server"),
                "version": None if entry.get("version") is None else str(entry.get("version")),
                "operation": operation, "size_class": size_class, "size_bytes": _num(row.get("size_bytes")),
                "workload": workload_label(operation, size_class), "requests": requests, "failures": failures,
                "error_rate": (failures / requests) if requests else (1.0 if failures else 0.0),
                **{key: _num(row.get(key)) for key in ("rps", "mb_s", "p50_ms", "p90_ms", "p99_ms", "max_ms",
                                                       "avg_ms", "ttfb_p50_ms")},
                "integrity_checked": _num(row.get("integrity_checked")),
                "integrity_failures": _num(row.get("integrity_failures")),
            })
        if run.parity is not None:
            summary, totals = run.parity, run.parity.get("totals") or {}
            side = {k: (summary.get(k) or {}).get("name") for k in ("source", "dest")}
            parity_runs.append({"run_id": run.run_id, **side, "complete": summary.get("complete"),
                                "exit_code": summary.get("exit_code"), "elapsed_s": summary.get("elapsed_s"),
                                **{k: totals.get(k) for k in PARITY_RUN_COLUMNS[5:11]},
                                "by_kind": json.dumps(totals.get("by_kind") or {}, sort_keys=True)})
            parity_rows += [{**{k: row.get(k) for k in PARITY_COLUMNS}, "run_id": run.run_id}
                            for row in run.parity_rows]
        if run.history is not None:
            frame = run.history
            history_frames.append(frame.assign(run_id=run.run_id, start_time=run.start,
                                               target=frame["target"].fillna(only) if only else frame["target"]))

    targets = _frame(target_records, TARGET_COLUMNS)
    cases, bad = _case_frame(case_frames, targets)
    skipped_rows += bad
    if skipped_rows:
        warnings.append(f"{skipped_rows} malformed result row(s) skipped")
    perf = _frame(perf_records, PERF_COLUMNS)
    if len(perf):
        perf = sort_workloads(perf.drop_duplicates(["run_id", "target", "workload"], keep="last"))
    return RunSet(runs=_frame(run_records, RUN_COLUMNS), targets=targets, cases=cases, perf=perf,
                  history=_history_frame(history_frames), target_order=order, warnings=warnings,
                  parity_runs=_frame(parity_runs, PARITY_RUN_COLUMNS), parity=_frame(parity_rows, PARITY_COLUMNS))


def _case_frame(frames: list[pd.DataFrame], targets: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The cases table from each run's rows; returns it and how many malformed rows were dropped."""
    if not frames:
        return _frame([], CASE_COLUMNS), 0
    cases = pd.concat(frames, ignore_index=True)
    valid = cases["target"].notna() & cases["case"].notna() & cases["outcome"].isin(OUTCOMES)
    dropped = int((~valid).sum())
    cases = cases[valid].copy()
    cases["target"] = cases["target"].astype(str)
    cases["case"] = cases["case"].astype(str)
    cases["area"] = cases["area"].where(cases["area"].notna() & (cases["area"] != ""), "other").astype(str)
    split = {case: split_case(case) for case in cases["case"].unique()}
    cases["test"] = cases["case"].map({case: parts[0] for case, parts in split.items()})
    cases["params"] = cases["case"].map({case: parts[1] for case, parts in split.items()})
    cases["message"] = cases["message"].fillna("").astype(str)
    cases["duration_s"] = pd.to_numeric(cases["duration_s"], errors="coerce")
    cases["http_status"] = pd.to_numeric(cases["http_status"], errors="coerce").round().astype("Int64")
    cases["error_code"] = cases["error_code"].astype(object).where(cases["error_code"].notna(), None)
    # runs written before severities and fingerprints existed have neither
    cases["severity"] = cases["severity"].astype(object).where(cases["severity"].notna(), None)
    cases["fingerprint"] = cases["fingerprint"].astype(object).where(cases["fingerprint"].notna(), None)
    cases = cases.drop_duplicates(["run_id", "target", "case"], keep="last")
    cases = cases.merge(targets[["run_id", "target", "server", "version"]], on=["run_id", "target"], how="left")
    return cases[list(CASE_COLUMNS)].reset_index(drop=True), dropped


def _history_frame(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """History rows as a frame, timestamps (epoch seconds or ISO text) parsed in one go."""
    if not frames:
        return _frame([], HISTORY_COLUMNS)
    frame = pd.concat(frames, ignore_index=True)
    raw = frame["timestamp"]
    numeric = pd.to_numeric(raw, errors="coerce")
    stamps = pd.to_datetime(numeric, unit="s", utc=True)
    text = numeric.isna() & raw.notna()
    if text.any():
        stamps[text] = pd.to_datetime(raw[text].astype(str), utc=True, errors="coerce", format="ISO8601")
    frame["timestamp"] = stamps
    frame = frame[frame["timestamp"].notna() & frame["target"].notna()].copy()
    frame["target"] = frame["target"].astype(str)
    operation = frame["operation"].fillna("").astype(str)
    size = frame["size_class"].fillna("").astype(str)
    frame["operation"], frame["size_class"] = operation, size
    frame["workload"] = operation.where(size.isin(["", "-"]), operation + " " + size)
    for column in ("rps", "failures_s", "p50_ms", "p95_ms", "users"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    first = frame.groupby(["run_id", "target"])["timestamp"].transform("min")
    frame["elapsed_s"] = (frame["timestamp"] - first).dt.total_seconds()
    return frame[list(HISTORY_COLUMNS)].reset_index(drop=True)


# --------------------------------------------------------------------------- selections


def sort_workloads(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a stable, readable order: PUT before GET ..., small objects before large."""
    if frame.empty:
        return frame
    rank = {op: i for i, op in enumerate(_OPERATION_ORDER)}
    keyed = frame.assign(
        _op=frame["operation"].map(lambda op: rank.get(str(op).upper(), len(rank))),
        _size=pd.to_numeric(frame["size_bytes"], errors="coerce").fillna(-1.0),
    )
    return keyed.sort_values(["_op", "operation", "_size", "size_class"], kind="stable").drop(
        columns=["_op", "_size"]).reset_index(drop=True)


def latest_run_per_target(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of each target's most recent run in ``frame`` (rows of cases or perf)."""
    if frame.empty:
        return frame
    keys = frame[["target", "start_time", "run_id"]].drop_duplicates()
    keys = keys.sort_values(["start_time", "run_id"]).drop_duplicates("target", keep="last")
    return frame.merge(keys[["target", "run_id"]], on=["target", "run_id"], how="inner")


def latest_per_key(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """For each target and ``key`` (``area`` or ``workload``), the rows of the most recent run that has it.

    With complete runs this is each target's latest run. Runs of parts of the suites
    (``-m objects`` today, ``-m listing`` tomorrow) add up: each feature area as of the
    last run that ran it on that target, so a case renamed since an older run of the same
    area does not linger.
    """
    if frame.empty:
        return frame
    keys = frame[["target", key, "start_time", "run_id"]].drop_duplicates()
    keys = keys.sort_values(["start_time", "run_id"], kind="stable").drop_duplicates(["target", key], keep="last")
    return frame.merge(keys[["target", key, "run_id"]], on=["target", key, "run_id"], how="inner")


def ordered_targets(runset: RunSet, frame: pd.DataFrame) -> list[str]:
    """Targets present in ``frame``, in the order they first appear in the runs."""
    present = set(frame["target"].unique()) if len(frame) else set()
    return [t for t in runset.target_order if t in present]
