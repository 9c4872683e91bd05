"""Pinned verdicts: what each local server really does, per suite file.

Layout: ``tests/expectations/<target>/<suite>.yaml``, one entry per case::

    test_get_missing_key_is_404_nosuchkey: pass
    test_range_suffix: {outcome: fail, note: "answers 200 with the whole body"}
    test_racy_client_case: {outcome: fail, also: [pass], note: "why either outcome is the server's real behaviour"}

`also` lists outcomes accepted besides `outcome`, only for cases whose result depends on timing the
harness can't control (say so in the note); a re-pin keeps it while the outcome is one of them.

The integration self-test runs the suites against each launched server and fails
on any verdict that differs from its pin. To (re)pin after a deliberate change:

    python -m tests.expect --target seaweedfs [--suite test_objects] [--from-run runs/ID]

Existing notes are kept while the outcome stays the same; a note is dropped (and
must be rewritten) when the outcome changes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gauntlet.paths import PROJECT_ROOT
from gauntlet.rundir.rows import read_rows

ROOT = PROJECT_ROOT
EXPECTATIONS = ROOT / "tests" / "expectations"


def suite_and_case(case: str) -> tuple[str, str]:
    """`test_objects.py::test_x[p]` → (`test_objects`, `test_x[p]`)."""
    path, _, name = case.partition("::")
    return Path(path).stem, name


def load(target: str) -> dict[str, dict[str, dict[str, Any]]]:
    """suite → case → {outcome, note} for one target."""
    pins: dict[str, dict[str, dict[str, Any]]] = {}
    folder = EXPECTATIONS / target
    if not folder.is_dir():
        return pins
    for path in sorted(folder.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        cases: dict[str, dict[str, Any]] = {}
        for case, value in raw.items():
            cases[str(case)] = {"outcome": value} if isinstance(value, str) else dict(value)
        pins[path.stem] = cases
    return pins


@dataclass(frozen=True)
class Difference:
    """One case whose verdict differs from its pin (or that has no pin, or did not run)."""

    suite: str
    case: str
    line: str

    @property
    def row_case(self) -> str:
        """The case as the rows name it: `test_x.py::test_y[p]`."""
        return f"{self.suite}.py::{self.case}"


def differences(target: str, rows: list[dict[str, Any]], suites: set[str] | None = None) -> list[Difference]:
    """Cases of a run whose verdict differs from the pins, each with a readable line."""
    pins = load(target)
    found: list[Difference] = []
    seen: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["target"] != target:
            continue
        suite, case = suite_and_case(row["case"])
        seen[suite].add(case)
        pinned = pins.get(suite, {}).get(case)
        if pinned is None:
            found.append(Difference(suite, case, f"{target} {suite}::{case}: no pinned verdict "
                                                 f"(got {row['outcome']}: {row['message']})"))
        elif row["outcome"] != pinned["outcome"] and row["outcome"] not in (pinned.get("also") or []):
            note = f" [pinned because: {pinned['note']}]" if pinned.get("note") else ""
            found.append(Difference(suite, case, (
                f"{target} {suite}::{case}: pinned {pinned['outcome']}, got {row['outcome']}"
                f"{': ' + row['message'] if row['message'] else ''}{note}"
            )))
    for suite, cases in pins.items():
        if suites is not None and suite not in suites:
            continue
        for case in sorted(set(cases) - seen.get(suite, set())):
            found.append(Difference(suite, case, f"{target} {suite}::{case}: pinned {cases[case]['outcome']}, "
                                                 "but the case did not run"))
    return found


def _dump(cases: dict[str, dict[str, Any]]) -> str:
    lines = []
    for case in sorted(cases):
        entry = cases[case]
        if entry.get("note"):
            shown = {"outcome": entry["outcome"], **({"also": entry["also"]} if entry.get("also") else {}),
                     "note": entry["note"]}
            value = yaml.safe_dump(shown, sort_keys=False, default_flow_style=True, width=10_000,
                                   allow_unicode=True).strip()
        else:
            value = entry["outcome"]
        key = yaml.safe_dump(case, allow_unicode=True).strip().removesuffix("\n...").removesuffix("...").strip()
        lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


def pin(target: str, rows: list[dict[str, Any]], version: str = "", merge: bool = False) -> list[Path]:
    """Write the run's verdicts for `target` as the new pins (keeping notes that still apply).

    `merge=True` updates only the cases in `rows` (a run of some cases, e.g. with -k) and keeps the rest.
    """
    old = load(target)
    by_suite: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    if merge:
        ran = {suite_and_case(row["case"])[0] for row in rows if row["target"] == target}
        for suite in ran:
            by_suite[suite].update(old.get(suite, {}))
    for row in rows:
        if row["target"] != target:
            continue
        suite, case = suite_and_case(row["case"])
        entry: dict[str, Any] = {"outcome": row["outcome"]}
        previous = old.get(suite, {}).get(case)
        if previous and row["outcome"] in (previous["outcome"], *(previous.get("also") or [])):
            entry = dict(previous)  # a racy case keeps its pin (and its note) while it stays within it
        elif row["outcome"] != "pass" and row["message"]:
            entry["note"] = row["message"][:300]
        by_suite[suite][case] = entry
    written = []
    folder = EXPECTATIONS / target
    folder.mkdir(parents=True, exist_ok=True)
    for suite, cases in by_suite.items():
        path = folder / f"{suite}.yaml"
        header = f"# {target} {version}: verdicts of suites/{suite}.py (pin with: python -m tests.expect)\n"
        path.write_text(header + _dump(cases), encoding="utf-8")
        written.append(path)
    return written


def run_suites(target: str, suites: list[str] | None, run_dir: Path, workers: int = 2,
               extra: list[str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run suites/ (or some suite files) against one target in a child pytest."""
    paths = [f"suites/{s}.py" for s in suites] if suites else ["suites"]
    argv = [sys.executable, "-m", "pytest", *paths, "--target", target, "--run-dir", str(run_dir),
            "-q", "-p", "no:cacheprovider", "--no-header", "-rN"]
    if workers > 1:
        argv += ["-n", str(workers)]
    argv += extra or []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True)
    parser.add_argument("--suite", action="append", help="suite file stem, e.g. test_objects (repeatable)")
    parser.add_argument("--from-run", type=Path, help="pin from an existing run directory instead of running")
    parser.add_argument("-n", "--workers", type=int, default=2)
    parser.add_argument("-k", dest="keyword", help="only cases matching this pytest -k expression (implies --merge)")
    parser.add_argument("--merge", action="store_true", help="update the cases that ran, keep the other pins")
    args = parser.parse_args()
    if args.from_run:
        run_dir = args.from_run
    else:
        run_dir = Path(tempfile.mkdtemp(prefix="s3g-pin-"))
        extra = ["-k", args.keyword] if args.keyword else []
        done = run_suites(args.target, args.suite, run_dir, args.workers, extra=extra)
        print(done.stdout[-3000:], done.stderr[-2000:])
    rows = read_rows(run_dir / "results.jsonl")
    if args.suite:
        rows = [r for r in rows if suite_and_case(r["case"])[0] in set(args.suite)]
    import json

    meta = json.loads((run_dir / "meta.json").read_text()) if (run_dir / "meta.json").exists() else {}
    version = next((t.get("version", "") for t in meta.get("targets", []) if t["name"] == args.target), "")
    for path in pin(args.target, rows, version, merge=args.merge or bool(args.keyword)):
        print(f"pinned {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
