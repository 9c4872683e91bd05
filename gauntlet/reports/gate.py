"""``python -m gauntlet.reports.gate --baseline FILE RUN_DIR [RUN_DIR ...]``: the CI gate.

Compares the latest results in the run directories with a committed baseline
(gauntlet/reports/baseline.py describes the file) and exits 1 when a case that passed no
longer passes or performance fell past a threshold; 0 otherwise, listing
improvements as candidates to promote. ``--update-baseline`` writes the baseline
from the runs instead. Exit codes: gauntlet.errors.ExitCode.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from gauntlet.errors import ExitCode, GauntletError, UsageError
from gauntlet.reports.errors import OutputFailed, error_line


def parser() -> argparse.ArgumentParser:
    from gauntlet.reports.cli import _Parser

    p = _Parser(prog="python -m gauntlet.reports.gate", tool="gate", description=(
        "CI gate: fail (exit 1) when a case that passed in the baseline no longer passes, or requests/s fall / "
        "p99 latency rises past a threshold. Writes JUnit XML and a Markdown summary."),
        epilog="exit codes: 0 passed, 1 regression, 2 usage, 20 bad baseline, 21 not a run directory or no results, "
               "22 runs of targets the baseline does not have, 23 output not written (reports/README.md)")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run directories (or folders of them) to judge")
    p.add_argument("--baseline", required=True, type=Path, metavar="FILE", help="baseline YAML file")
    p.add_argument("--update-baseline", action="store_true",
                   help="write the baseline from the runs (keeps other targets and hand-written limits)")
    p.add_argument("--prune", action="store_true",
                   help="with --update-baseline: drop baseline cases and workloads the runs did not run")
    p.add_argument("--target", action="append", metavar="NAME",
                   help="judge only these targets (repeat or comma-separate; default: every target in the runs)")
    p.add_argument("--max-throughput-drop", type=float, metavar="PCT",
                   help="fail when req/s falls more than PCT%% below the baseline (default: the file's, else 10)")
    p.add_argument("--max-p99-rise", type=float, metavar="PCT",
                   help="fail when p99 rises more than PCT%% above the baseline (default: the file's, else 20)")
    p.add_argument("--strict-missing", action="store_true",
                   help="also fail when a baseline case or workload was not run")
    p.add_argument("--fail-on-changed-finding", default="data,security", metavar="SEVERITIES",
                   help="fail when a case that failed in the baseline now fails with another fingerprint and has "
                        "one of these severities (comma-separated, or 'none'; default: data,security)")
    p.add_argument("--out", type=Path, default=Path("gate-results"), metavar="DIR",
                   help="where gate-junit.xml and gate-summary.md go (default: gate-results)")
    p.add_argument("--junit", type=Path, metavar="PATH", help="JUnit XML path (default: DIR/gate-junit.xml)")
    p.add_argument("--summary", type=Path, metavar="PATH", help="Markdown path (default: DIR/gate-summary.md)")
    return p


def _targets(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [t.strip() for value in values for t in value.split(",") if t.strip()]


def _severities(value: str) -> tuple[str, ...]:
    from gauntlet.severity import SEVERITIES

    chosen = tuple(v.strip() for v in value.split(",") if v.strip() and v.strip() != "none")
    unknown = [v for v in chosen if v not in SEVERITIES]
    if unknown:
        raise UsageError(f"--fail-on-changed-finding: unknown severity {unknown[0]!r} "
                         f"(known: {', '.join(SEVERITIES)}, or none)")
    return chosen


def _update(args: argparse.Namespace, runset: object) -> int:
    from gauntlet.reports.baseline import load_baseline, write_baseline
    from gauntlet.reports.gate_summary import terminal_lines
    from gauntlet.reports.gating import evaluate, select_targets, updated_baseline

    old = load_baseline(args.baseline) if args.baseline.exists() else None
    targets = select_targets(runset, old, _targets(args.target), updating=True)  # type: ignore[arg-type]
    if old is not None:
        known = [t for t in targets if t in old.targets]
        if known:
            result = evaluate(runset, old, known)  # type: ignore[arg-type]
            for line in terminal_lines(result):
                print(f"s3gauntlet gate: was: {line}")
    new = updated_baseline(runset, old, targets, args.baseline, prune=args.prune)  # type: ignore[arg-type]
    try:
        write_baseline(new, args.baseline)
    except OSError as exc:
        raise OutputFailed(f"cannot write the baseline {args.baseline}: {exc}") from None
    for target in targets:
        entry = new.targets[target]
        print(f"s3gauntlet gate: baseline {args.baseline}: {target}: {len(entry.cases)} cases, "
              f"{len(entry.performance)} workloads")
    print(f"s3gauntlet gate: wrote {args.baseline}; review and commit it")
    return int(ExitCode.OK)


def _gate(args: argparse.Namespace, runset: object) -> int:
    from gauntlet.reports.baseline import load_baseline
    from gauntlet.reports.gate_summary import render_gate_markdown, terminal_lines
    from gauntlet.reports.gating import evaluate, select_targets
    from gauntlet.reports.junit import write_junit

    baseline = load_baseline(args.baseline)
    targets = select_targets(runset, baseline, _targets(args.target))  # type: ignore[arg-type]
    overrides = {"throughput_drop_pct": args.max_throughput_drop, "p99_rise_pct": args.max_p99_rise}
    result = evaluate(runset, baseline, targets, overrides, strict_missing=args.strict_missing,  # type: ignore[arg-type]
                      fingerprint_severities=_severities(args.fail_on_changed_finding))
    junit = args.junit or args.out / "gate-junit.xml"
    summary = args.summary or args.out / "gate-summary.md"
    try:
        write_junit(result, junit)
        summary.parent.mkdir(parents=True, exist_ok=True)
        summary.write_text(render_gate_markdown(result, str(args.baseline)), encoding="utf-8")
    except OSError as exc:
        raise OutputFailed(f"cannot write the gate's results: {exc}") from None
    for line in terminal_lines(result):
        print(f"s3gauntlet gate: {line}")
    if result.passed:
        print(f"s3gauntlet gate: PASSED ({len(result.by_status('improvement'))} improvement(s)); "
              f"wrote {junit} and {summary}")
        return int(ExitCode.OK)
    print(f"s3gauntlet gate: FAILED: {len(result.failures)} regression(s); wrote {junit} and {summary}")
    return int(ExitCode.REGRESSION)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.prune and not args.update_baseline:
        print("s3gauntlet gate: --prune only goes with --update-baseline", file=sys.stderr)
        return int(ExitCode.USAGE)
    for name in ("max_throughput_drop", "max_p99_rise"):
        value = getattr(args, name)
        if value is not None and not 0 <= value < 1000:
            print(f"s3gauntlet gate: --{name.replace('_', '-')} {value:g}: must be a percentage from 0",
                  file=sys.stderr)
            return int(ExitCode.USAGE)
    try:
        _severities(args.fail_on_changed_finding)  # a bad option is reported before anything is read
        if not args.update_baseline:
            from gauntlet.reports.baseline import load_baseline

            load_baseline(args.baseline)  # a bad baseline is reported before the runs are read
        from gauntlet.reports.load import load_runs

        runset = load_runs(args.runs)
        for warning in runset.warnings:
            print(f"s3gauntlet gate: warning: {warning}", file=sys.stderr)
        return _update(args, runset) if args.update_baseline else _gate(args, runset)
    except GauntletError as exc:
        print(error_line(exc, "gate"), file=sys.stderr)
        return int(exc.exit_code)


if __name__ == "__main__":
    sys.exit(main())
