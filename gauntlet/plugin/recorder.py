"""Verdicts and rows: each case's report gets its verdict (gauntlet.plugin.verdict) on whichever process ran it;
the controller's `Recorder` turns them into result rows, meta.json, the end-of-run summary and the report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from gauntlet import masking, severity
from gauntlet.errors import ExitCode
from gauntlet.paths import PROJECT_ROOT
from gauntlet.plugin import console
from gauntlet.plugin.console import Finding
from gauntlet.plugin.run import LEFTOVERS_KEY, LOCKED_KEY, GauntletRun, area_of, case_name, get_run, target_name_of
from gauntlet.plugin.verdict import Outcome, S3Mismatch, Verdict, classify, combine
from gauntlet.rundir import layout
from gauntlet.rundir.meta import iso_now, write_meta
from gauntlet.rundir.rows import make_row


def _case_location(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """`suites/test_x.py:123`, the line of the case that raised (not the helper's)."""
    path = Path(str(item.path))
    line = item.location[1] or 0
    for entry in excinfo.traceback:
        if Path(str(entry.path)) == path:
            line = entry.lineno + 1
    try:
        shown = path.relative_to(PROJECT_ROOT)
    except ValueError:
        shown = path
    return f"{shown}:{line}"


def _assert_check(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException] | None) -> str | None:
    """For a failure the checks helpers didn't name: `line+N`, its line counted from the case's `def`."""
    if excinfo is None:
        return None
    function = getattr(item, "function", None)
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    path = Path(str(item.path))
    lines = [entry.lineno + 1 for entry in excinfo.traceback if Path(str(entry.path)) == path]
    return f"line+{lines[-1] - code.co_firstlineno}" if lines else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    target = target_name_of(item)
    if target is None or get_run(item.config) is None:
        return report
    exc = call.excinfo.value if call.excinfo is not None else None
    skip_reason = None
    if exc is not None and isinstance(exc, pytest.skip.Exception):
        skip_reason, exc = str(exc.msg), None
    verdict = classify(exc, call.when, skip_reason, _assert_check(item, call.excinfo) if exc is not None else None)
    case_severity = severity.declared(item.iter_markers(severity.MARKER))
    if verdict.outcome is Outcome.UNSUPPORTED and report.outcome == "failed":
        # a server's NotImplemented is not a failure of the run
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: unsupported: {verdict.message}")
    elif verdict.outcome is Outcome.FAIL and isinstance(exc, S3Mismatch) and call.excinfo is not None:
        # the finding, where the case checks it: no traceback through the checks helpers
        report.longrepr = f"{_case_location(item, call.excinfo)}: {verdict.message}"
    report.gauntlet = {
        "target": target,
        "case": case_name(item),
        "area": area_of(item),
        "verdict": verdict.to_dict(),
        "severity": case_severity,
        "leftovers": item.stash.get(LEFTOVERS_KEY, []) if call.when == "teardown" else [],
        "locked": item.stash.get(LOCKED_KEY, []) if call.when == "teardown" else [],
    }
    return report


class Recorder:
    """Controller-side hooks: turn reports into rows, write meta.json, print the summary."""

    def __init__(self, run: GauntletRun) -> None:
        self.run = run
        self.durations: dict[str, float] = {}

    def pytest_configure_node(self, node: Any) -> None:  # xdist: hand the live targets to a worker
        node.workerinput["gauntlet"] = self.run.worker_payload()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        info = getattr(report, "gauntlet", None)
        run = self.run
        if info is None or run.writer is None:
            return
        phases = run.phases.setdefault(report.nodeid, {})
        phases[report.when] = Verdict.from_dict(info["verdict"])
        if report.when in ("setup", "call"):
            self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
        if report.when != "teardown":
            return
        verdict = combine(run.phases.pop(report.nodeid))
        duration = self.durations.pop(report.nodeid, 0.0)
        run.leftovers.extend(info.get("leftovers") or [])
        run.locked.extend(info.get("locked") or [])
        finding = severity.of_finding(info["severity"], verdict.refused_as)
        run.writer.write(make_row(run.run_id, info["target"], info["area"], info["case"], verdict.outcome.value,
                                  duration, verdict.http_status, verdict.error_code, verdict.message,
                                  finding, verdict.fingerprint))
        counts = run.per_target.setdefault(info["target"], {o.value: 0 for o in Outcome})
        counts[verdict.outcome.value] += 1
        if verdict.outcome.value in ("fail", "error"):
            run.findings.append(Finding(info["target"], info["area"], finding, info["case"], verdict.outcome.value,
                                        masking.mask(verdict.message)))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        run = self.run
        for live in run.targets.values():
            if live.dead_process() is not None:
                run.dead_targets.add(live.name)
        if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
            session.exitstatus = pytest.ExitCode.OK  # a selection that matches nothing is not a failure here
        if run.dead_targets:
            session.exitstatus = int(ExitCode.TARGET_DIED)
        run.meta.update({
            "end_time": iso_now(),
            "exit_status": int(session.exitstatus),
            "counts": run.per_target,
            "leftover_buckets": run.leftovers,
            "locked_buckets": run.locked,
            "dead_targets": sorted(run.dead_targets),
        })
        write_meta(run.run_dir / layout.META, run.meta)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        run, tr = self.run, terminalreporter
        if run.findings:
            tr.section("s3gauntlet findings (by area; full detail in results.jsonl and the report)")
            for line in console.finding_lines(run.findings):
                tr.write_line(line)
        tr.section("s3gauntlet")
        servers = {name: (live.server or "remote", live.version) for name, live in run.targets.items()}
        for line in console.table_lines(run.per_target, run.findings, servers):
            tr.write_line(line)
        for name in sorted(run.dead_targets):
            tr.write_line(f"s3gauntlet: target '{name}': its server died during the run; "
                          f"log: {run.targets[name].log_path}", red=True)
        if run.leftovers:
            tr.write_line(f"s3gauntlet: {len(run.leftovers)} bucket(s) could not be cleaned up; see meta.json",
                          yellow=True)
        if run.locked:
            names = ", ".join(f"{b['target']}:{b['bucket']} (until {b['until']})" for b in run.locked)
            tr.write_line(f"s3gauntlet: {len(run.locked)} bucket(s) hold locked object versions and can be deleted "
                          f"only later (meta.json locked_buckets): {names}", yellow=True)
        try:
            where: Path = run.run_dir.relative_to(Path.cwd())
        except ValueError:
            where = run.run_dir
        tr.write_line(f"results: {where}/{layout.RESULTS}  (run {run.run_id})")
        report = _write_report(run.run_dir)
        tr.write_line(f"report: {where}/{layout.REPORT}" if report is None else f"report: not written ({report})")


def _write_report(run_dir: Path) -> str | None:
    """The run's own report.html and summary.md (reports package, in a child process); None or why not."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("pandas") is None:
        return "pandas is not installed: pip install -e '.[reports]'"
    try:
        done = subprocess.run([sys.executable, "-m", "gauntlet.reports", "--quiet", "--no-parquet", "--out",
                               str(run_dir), str(run_dir)], capture_output=True, text=True, timeout=300,
                              cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "the report took over 300 s"
    if done.returncode != 0:
        return masking.mask((done.stderr or done.stdout).strip().splitlines()[-1:][0] if (done.stderr or done.stdout)
                            else f"exit {done.returncode}")
    return None
