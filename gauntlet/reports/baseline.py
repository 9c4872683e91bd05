"""The gate's baseline file: YAML, reviewed in pull requests like code.

    # s3gauntlet gate baseline
    version: 1
    thresholds:                 # optional; defaults below; per target too
      throughput_drop_pct: 10   # fail when req/s falls more than 10% below the baseline's
      p99_rise_pct: 20          # fail when p99 latency rises more than 20% above the baseline's
    targets:
      seaweedfs:
        source: {compat_run: 20261121-062601-836v, load_run: 20261121-063642-smck, version: "4.48"}
        thresholds: {p99_rise_pct: 50}          # optional, this target only
        cases:                                   # expected outcome of every case
          test_objects.py::test_range_suffix_returns_last_bytes_with_206: pass
          test_sigv4.py::test_bogus_security_token_is_400_invalidtoken: fail
          test_objects.py::test_copy_onto_itself_without_replace_is_400_invalidrequest:   # a failure, and how it fails
            {outcome: fail, fingerprint: "200|-|expect_error#1", severity: detail}
        performance:                             # measured values; the floors derive from them
          GET 4KiB: {rps: 135.9, p99_ms: 47.0}
          PUT 64KiB: {rps: 13.6, p99_ms: 59.0, rps_min: 10}   # an explicit floor wins over the threshold

Performance keys: ``rps`` and ``p99_ms`` (measured), ``rps_min`` and ``p99_ms_max`` (explicit
limits), ``error_rate_max`` (explicit, fraction of requests), and ``mb_s``, ``p50_ms``, ``error_rate``
(recorded for reference, not checked).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gauntlet.reports.errors import BadBaseline
from gauntlet.reports.load import OUTCOMES

FORMAT_VERSION = 1
DEFAULT_THRESHOLDS = {"throughput_drop_pct": 10.0, "p99_rise_pct": 20.0}
PERF_KEYS = ("rps", "p99_ms", "rps_min", "p99_ms_max", "error_rate_max", "mb_s", "p50_ms", "error_rate")
#: Explicit limits a user wrote by hand; --update-baseline keeps them.
USER_LIMITS = ("rps_min", "p99_ms_max", "error_rate_max")
SOURCE_KEYS = ("compat_run", "load_run", "version", "server")
HEADER = """\
# s3gauntlet gate baseline: what `python -m gauntlet.reports.gate` (tox -e gate) compares new runs with.
# Per target: `cases` holds the expected outcome of every case; `performance` the measured requests/s
# and p99 latency per workload, from which the gate derives its floors with `thresholds`
# (an explicit rps_min / p99_ms_max / error_rate_max wins). Refresh it with --update-baseline
# and review the change like code. Format: reports/README.md.
"""


@dataclass
class TargetBaseline:
    """What one target is expected to do."""

    name: str
    cases: dict[str, str] = field(default_factory=dict)
    #: case → fingerprint (status|code|check) and severity of a failure, where the baseline knows them
    fingerprints: dict[str, str] = field(default_factory=dict)
    severities: dict[str, str] = field(default_factory=dict)
    performance: dict[str, dict[str, float]] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)


@dataclass
class Baseline:
    """A parsed baseline file."""

    path: Path
    thresholds: dict[str, float]
    targets: dict[str, TargetBaseline]

    def thresholds_for(self, target: str, overrides: dict[str, float] | None = None) -> dict[str, float]:
        """Defaults, then the file's, then the target's, then the command line's."""
        merged = {**DEFAULT_THRESHOLDS, **self.thresholds}
        if target in self.targets:
            merged.update(self.targets[target].thresholds)
        merged.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return merged


def _bad(path: Path, where: str, problem: str) -> BadBaseline:
    return BadBaseline(f"baseline {path}: {where}: {problem}" if where else f"baseline {path}: {problem}")


def _number(path: Path, where: str, value: Any, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(float(value)):
        raise _bad(path, where, f"{value!r} is not a number")
    if float(value) < minimum:
        raise _bad(path, where, f"{value!r} is below {minimum:g}")
    return float(value)


def _mapping(path: Path, where: str, value: Any, required: bool = False) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise _bad(path, where, f"must be a mapping, not {type(value).__name__}")
    return value


def _thresholds(path: Path, where: str, value: Any) -> dict[str, float]:
    raw = _mapping(path, where, value)
    out = {}
    for key, number in raw.items():
        if key not in DEFAULT_THRESHOLDS:
            raise _bad(path, f"{where}.{key}", f"unknown threshold (known: {', '.join(DEFAULT_THRESHOLDS)})")
        out[key] = _number(path, f"{where}.{key}", number)
    return out


def parse_baseline(path: Path, data: Any) -> Baseline:
    """Validate a loaded YAML document; every problem is one BadBaseline line naming where it is."""
    doc = _mapping(path, "", data, required=True) if data is not None else None
    if doc is None:
        raise _bad(path, "", "the file is empty")
    unknown = set(doc) - {"version", "thresholds", "targets"}
    if unknown:
        raise _bad(path, sorted(unknown)[0], "unknown key (known: version, thresholds, targets)")
    if doc.get("version") != FORMAT_VERSION:
        raise _bad(path, "version", f"must be {FORMAT_VERSION}, not {doc.get('version')!r}")
    thresholds = _thresholds(path, "thresholds", doc.get("thresholds"))
    raw_targets = _mapping(path, "targets", doc.get("targets"), required=True)
    if not raw_targets:
        raise _bad(path, "targets", "no targets")
    targets: dict[str, TargetBaseline] = {}
    for name, body in raw_targets.items():
        where = f"targets.{name}"
        body = _mapping(path, where, body)
        unknown = set(body) - {"cases", "performance", "thresholds", "source"}
        if unknown:
            raise _bad(path, f"{where}.{sorted(unknown)[0]}",
                       "unknown key (known: cases, performance, thresholds, source)")
        cases: dict[str, str] = {}
        fingerprints: dict[str, str] = {}
        severities: dict[str, str] = {}
        for case, entry in _mapping(path, f"{where}.cases", body.get("cases")).items():
            spot = f"{where}.cases[{case!r}]"
            outcome = entry
            if isinstance(entry, dict):
                unknown = set(entry) - {"outcome", "fingerprint", "severity"}
                if unknown:
                    raise _bad(path, f"{spot}.{sorted(unknown)[0]}",
                               "unknown key (known: outcome, fingerprint, severity)")
                outcome = entry.get("outcome")
                if entry.get("fingerprint"):
                    fingerprints[str(case)] = str(entry["fingerprint"])
                if entry.get("severity"):
                    severities[str(case)] = str(entry["severity"])
            if outcome not in OUTCOMES:
                raise _bad(path, spot, f"{outcome!r} is not an outcome ({', '.join(OUTCOMES)})")
            cases[str(case)] = str(outcome)
        performance: dict[str, dict[str, float]] = {}
        for workload, limits in _mapping(path, f"{where}.performance", body.get("performance")).items():
            spot = f"{where}.performance[{workload!r}]"
            limits = _mapping(path, spot, limits, required=True)
            entry = {}
            for key, value in limits.items():
                if key not in PERF_KEYS:
                    raise _bad(path, f"{spot}.{key}", f"unknown key (known: {', '.join(PERF_KEYS)})")
                entry[key] = _number(path, f"{spot}.{key}", value)
            performance[str(workload)] = entry
        source = {str(k): str(v) for k, v in _mapping(path, f"{where}.source", body.get("source")).items()}
        targets[str(name)] = TargetBaseline(str(name), cases, fingerprints, severities, performance,
                                            _thresholds(path, f"{where}.thresholds", body.get("thresholds")), source)
    return Baseline(path, thresholds, targets)


def load_baseline(path: Path) -> Baseline:
    """Read and validate a baseline file (BadBaseline when missing, not YAML or not of the documented shape)."""
    if not path.exists():
        raise BadBaseline(f"baseline {path} does not exist (write one with --update-baseline)")
    if not path.is_file():
        raise BadBaseline(f"baseline {path} is not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadBaseline(f"baseline {path}: cannot read it ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BadBaseline(f"baseline {path}: not valid YAML ({where}{problem})") from None
    return parse_baseline(path, data)


def _round(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    digits = max(0, 3 - math.floor(math.log10(abs(value))))
    return round(value, digits)


def _case_entry(target: TargetBaseline, case: str, outcome: str) -> str | dict[str, str]:
    fingerprint = target.fingerprints.get(case)
    if not fingerprint:
        return outcome
    entry = {"outcome": outcome, "fingerprint": fingerprint}
    if target.severities.get(case):
        entry["severity"] = target.severities[case]
    return entry


def to_document(baseline: Baseline) -> dict[str, Any]:
    """The baseline as the YAML document written to disk."""
    doc: dict[str, Any] = {"version": FORMAT_VERSION}
    if baseline.thresholds:
        doc["thresholds"] = dict(baseline.thresholds)
    targets: dict[str, Any] = {}
    for name, target in baseline.targets.items():
        body: dict[str, Any] = {}
        if target.source:
            body["source"] = dict(target.source)
        if target.thresholds:
            body["thresholds"] = dict(target.thresholds)
        body["cases"] = {case: _case_entry(target, case, outcome) for case, outcome in sorted(target.cases.items())}
        if target.performance:
            body["performance"] = {w: {k: _round(v) for k, v in entry.items()}
                                   for w, entry in target.performance.items()}
        targets[name] = body
    doc["targets"] = targets
    return doc


class _Flow(dict):
    """A mapping written on one line: ``GET 4KiB: {rps: 135.9, p99_ms: 47.0}``."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda dumper, data: dumper.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=True))


def dump_baseline(baseline: Baseline) -> str:
    """The baseline file's text."""
    doc = to_document(baseline)
    for body in doc["targets"].values():
        if "performance" in body:
            body["performance"] = {w: _Flow(entry) for w, entry in body["performance"].items()}
        if "source" in body:
            body["source"] = _Flow(body["source"])
    return HEADER + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=200)


def write_baseline(baseline: Baseline, path: Path) -> None:
    """Write atomically (a half-written baseline would fail every later gate)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dump_baseline(baseline), encoding="utf-8")
    tmp.replace(path)
