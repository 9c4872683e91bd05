"""`gauntlet parity`: does the destination hold what the source holds?

    gauntlet parity --source A --dest B [--bucket NAME | --bucket SRC:DEST ...] [--sample N] [--versions]
                    [--no-metadata] [--no-tags] [--ignore-metadata NAME,...] [--workers N]
                    [--out DIR] [--progress | --no-progress]

A and B are targets of targets.yaml. Without --bucket every bucket of either side is
compared; SRC:DEST compares two differently named buckets (also on one target).
Per key: presence, size, ETag (multipart ETags are not compared: they depend on part
sizes; their content is hashed instead), user metadata and Content-Type (HeadObject),
tags (GetObjectTagging), SHA-256 of the content (all objects, or --sample N per bucket,
--sample 0 for none), and with --versions the version and delete-marker counts.
--ignore-metadata names user-metadata keys a copy tool adds (rclone: mtime,btime).

Writes parity_summary.json, parity_differences.csv and parity_rows.jsonl into --out
(default runs/<run-id>/). Exit codes (gauntlet.errors.ExitCode, as for every gauntlet
command): 0 identical, 1 differences, 2 bad command line, 14 credentials rejected,
30 same source and destination, 31 unknown bucket, 33 a target disappeared during the
comparison, 35 errors (some objects unreadable: results incomplete); 10-16 as for every
gauntlet command (bad targets file, unknown target, unreachable ...).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from gauntlet import masking
from gauntlet.errors import CredentialsRejected, ExitCode, GauntletError, UsageError
from gauntlet.parity.engine import ParityOptions, run_parity, same_target
from gauntlet.parity.errors import PREFIX, SameTarget, rejected
from gauntlet.paths import RUNS_DIR
from gauntlet.rundir import layout


def _usage_error(parser: argparse.ArgumentParser) -> Any:
    def error(message: str) -> NoReturn:
        parser.print_usage(sys.stderr)
        print(f"{PREFIX}: {message}", file=sys.stderr)
        raise SystemExit(int(ExitCode.USAGE))

    return error


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the parity options to `parser`."""
    parser.add_argument("--source", required=True, metavar="TARGET", help="the target data was copied from")
    parser.add_argument("--dest", required=True, metavar="TARGET", help="the target data was copied to")
    parser.add_argument("--bucket", action="append", metavar="NAME|SRC:DEST",
                        help="compare only this bucket (repeatable); SRC:DEST pairs differently named buckets")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="hash the content of N random objects per bucket (default: every object; 0: none)")
    parser.add_argument("--versions", nargs="?", const="counts", choices=("counts", "full"), default=None,
                        help="also compare version histories: counts of versions and delete markers (default), "
                             "or full: version by version, size, ETag and delete markers in order")
    parser.add_argument("--since", metavar="TIME",
                        help="cut-over pass: objects unchanged since TIME (ISO 8601, e.g. 2026-12-04T01:30:00Z, "
                             "or epoch seconds) on both sides are matched by their listing alone")
    parser.add_argument("--no-config", action="store_true",
                        help="skip the bucket configuration (versioning, lock, lifecycle, policy, CORS, ...)")
    parser.add_argument("--no-metadata", action="store_true", help="skip HeadObject (user metadata, Content-Type)")
    parser.add_argument("--no-tags", action="store_true", help="skip GetObjectTagging")
    parser.add_argument("--ignore-metadata", action="append", metavar="NAME[,NAME]",
                        help="user-metadata keys to leave out of the comparison (e.g. mtime,btime added by rclone)")
    parser.add_argument("--workers", type=int, default=8, help="concurrent object reads (default 8)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the --sample choice (default 0)")
    parser.add_argument("--out", metavar="DIR", help="output directory (default runs/<run-id>/)")
    parser.add_argument("--run-id", help="run id (default: a new one)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress line on stderr (default: when stderr is a terminal)")
    parser.error = _usage_error(parser)  # type: ignore[method-assign]
    parser.set_defaults(func=run)
    return parser


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `parity` on gauntlet's subcommand parsers."""
    parser = subparsers.add_parser("parity", help="compare what two targets hold (after a migration)",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    return configure(parser)


def options_from_args(args: argparse.Namespace) -> ParityOptions:
    buckets: list[tuple[str, str]] | None = None
    if args.bucket:
        buckets = []
        for spec in args.bucket:
            source, sep, dest = spec.partition(":")
            if not source or (sep and not dest) or ":" in dest:
                raise UsageError(f"--bucket '{spec}': expected NAME or SRC:DEST")
            buckets.append((source, dest or source))
    if args.sample is not None and args.sample < 0:
        raise UsageError(f"--sample {args.sample}: must be 0 or more")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be 1 or more")
    ignore = frozenset(name.strip().lower() for spec in args.ignore_metadata or [] for name in spec.split(",")
                       if name.strip())
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    return ParityOptions(buckets=buckets, sample=args.sample, versions=bool(args.versions),
                         versions_full=args.versions == "full",
                         config=not getattr(args, "no_config", False), since=parse_since(getattr(args, "since", None)),
                         metadata=not args.no_metadata, tags=not args.no_tags, ignore_metadata=ignore,
                         workers=args.workers, seed=args.seed, progress=progress)


def parse_since(value: str | None) -> float | None:
    """--since as epoch seconds: ISO 8601 (a time without a zone is UTC) or a number."""
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since '{value}': expected an ISO 8601 time (2026-12-04T01:30:00Z) or epoch "
                         f"seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def _fail(line: str, code: int) -> int:
    print(masking.mask(line), file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """Run a comparison from parsed arguments; returns the exit code (never raises for known errors)."""
    from gauntlet.fleet.running import Fleet
    from gauntlet.fleet.targets import load_targets
    from gauntlet.rundir.meta import base_meta, write_meta
    from gauntlet.s3.naming import new_run_id

    fleet = None
    try:
        options = options_from_args(args)
        targets_file = load_targets(getattr(args, "file", None))
        source_t, dest_t = targets_file.get(args.source), targets_file.get(args.dest)
        if args.source == args.dest and (options.buckets is None or any(s == d for s, d in options.buckets)):
            raise SameTarget(f"source and dest are both target '{args.source}': nothing to compare "
                             f"(use --bucket SRC:DEST to compare two buckets of one target)")
        run_id = args.run_id or new_run_id()
        out_dir = Path(args.out) if args.out else RUNS_DIR / run_id
        out_dir.mkdir(parents=True, exist_ok=True)
        fleet = Fleet(targets_file, out_dir)
        wanted = [source_t] if source_t.name == dest_t.name else [source_t, dest_t]
        try:
            live = fleet.start(wanted)
        except CredentialsRejected as exc:
            side = "source" if f"'{source_t.name}'" in str(exc) else "dest"
            raise rejected(f"{side} {exc}") from None
        source, dest = live[source_t.name], live[dest_t.name]
        if same_target(source, dest) and source.name != dest.name and (
                options.buckets is None or any(s == d for s, d in options.buckets)):
            raise SameTarget(f"source '{source.name}' and dest '{dest.name}' are the same endpoint "
                             f"({source.endpoint}) with the same access key: nothing to compare")
        for side in (source, dest):
            if side.launched:
                print(f"s3gauntlet parity: note: target '{side.name}' is a local server launched for this "
                      f"command; it starts empty", file=sys.stderr)
        meta = base_meta(run_id, "parity", [{"name": t.name, "endpoint": t.endpoint, "server": t.server or "remote",
                                             "version": t.version} for t in (source, dest)], sys.argv[1:])
        write_meta(out_dir / layout.META, meta)
        result = run_parity(source, dest, options, out_dir, run_id)
        meta.update({"end_time": result.summary["end_time"], "exit_status": result.exit_code})
        write_meta(out_dir / layout.META, meta)
        print_summary(result.summary, out_dir)
        if result.error is not None:
            print(masking.mask(result.error.line), file=sys.stderr)
        return result.exit_code
    except GauntletError as exc:  # the harness's errors, parity's own and UsageError: one parity line each
        return _fail(f"{PREFIX}: {exc}", int(exc.exit_code))
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)
    finally:
        if fleet is not None:
            fleet.stop()


def print_summary(summary: dict[str, Any], out_dir: Path, stream: Any = None) -> None:
    """A few human lines: what was compared and what differed."""
    out = stream or sys.stdout
    totals = summary["totals"]
    kinds = ", ".join(f"{k} {n:,}" for k, n in totals["by_kind"].items())
    print(f"parity {summary['source']['name']} → {summary['dest']['name']}: {summary['buckets_compared']} "
          f"bucket(s), {totals['objects_compared']:,} objects compared: {totals['matched']:,} matched, "
          f"{totals['missing_on_dest']:,} missing on dest, {totals['missing_on_source']:,} missing on source, "
          f"{totals['differing']:,} differing, {totals['errors']:,} unreadable; hashed {totals['hashed']:,}",
          file=out)
    if kinds:
        print(f"  differences by kind: {kinds}", file=out)
    for name in summary["buckets_missing_on_dest"]:
        print(f"  bucket '{name}' is missing on the dest", file=out)
    for name in summary["buckets_missing_on_source"]:
        print(f"  bucket '{name}' is missing on the source", file=out)
    for note in summary.get("notes", []):
        print(f"  note: {note} ({totals['etag_multipart_inconclusive']:,} objects)", file=out)
    state = "complete" if summary["complete"] else "INCOMPLETE (stopped early)"
    print(f"  {state}; exit {summary['exit_code']}; files: {out_dir}/parity_summary.json, parity_differences.csv, "
          f"parity_rows.jsonl", file=out)


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point (`python -m gauntlet.parity`) until `gauntlet parity` is wired in."""
    parser = argparse.ArgumentParser(prog="gauntlet parity", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", help="targets file (default: targets.yaml of the project, or $GAUNTLET_TARGETS)")
    configure(parser)
    args = parser.parse_args(argv)
    return run(args)


def load_summary(out_dir: Path) -> dict[str, Any]:
    return json.loads((Path(out_dir) / layout.PARITY_SUMMARY).read_text(encoding="utf-8"))


if __name__ == "__main__":
    raise SystemExit(main())
