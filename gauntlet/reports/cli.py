"""``python -m gauntlet.reports --out DIR RUN_DIR [RUN_DIR ...]``: build the comparison report."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from gauntlet.errors import ExitCode, GauntletError
from gauntlet.reports.errors import error_line


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one ``s3gauntlet <tool>:`` line with exit code 2."""

    def __init__(self, *args: object, tool: str = "report", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.tool = tool

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(ExitCode.USAGE, f"s3gauntlet {self.tool}: {message} (see --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m gauntlet.reports", description=(
        "Comparison report over run directories: compatibility matrix, performance comparison, run diff. "
        "Writes DIR/report.html (self-contained), DIR/summary.md and DIR/tables/*.csv|parquet."),
        epilog="exit codes: 0 written, 2 usage, 21 not a run directory or no results, 22 --compare of runs of "
               "different targets, 23 output not written (reports/README.md)")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR",
                   help="run directories (runs/<run-id>), or folders of them such as runs/")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--baseline-target", metavar="NAME",
                   help="target the performance ratios are relative to (default: the first target)")
    p.add_argument("--diff-base", metavar="RUN",
                   help="run id or directory each target's latest run is diffed against (default: its previous run)")
    p.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"),
                   help="diff these two runs (ids or directories) target by target instead")
    p.add_argument("--title", help="report title")
    p.add_argument("--no-parquet", action="store_true", help="write CSV tables only")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    started = time.perf_counter()
    try:
        from gauntlet.reports.build import build_report, write_report
        from gauntlet.reports.load import load_runs

        runset = load_runs(args.runs)
        report = build_report(runset, baseline_target=args.baseline_target, diff_base=args.diff_base,
                              compare=tuple(args.compare) if args.compare else None, title=args.title)
        warnings = [*runset.warnings, *write_report(report, Path(args.out), parquet=not args.no_parquet)]
    except GauntletError as exc:
        print(error_line(exc, "report"), file=sys.stderr)
        return int(exc.exit_code)
    for warning in warnings:
        print(f"s3gauntlet report: warning: {warning}", file=sys.stderr)
    if not args.quiet:
        out = Path(args.out)
        print(f"s3gauntlet report: {len(runset.runs)} run(s), targets {', '.join(report.targets)}; wrote "
              f"{out / 'report.html'}, {out / 'summary.md'} and {out / 'tables'}/ "
              f"in {time.perf_counter() - started:.1f}s")
    return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
