"""The `gauntlet` command: one entry for everything the harness does.

    gauntlet compat [PYTEST ARGS]     the compatibility suites (installs what --target needs, then
                                      pytest suites -n 2 ...): gauntlet compat --target minio,rgw
    gauntlet load [ARGS]              a headless Locust load run (gauntlet load --help)
    gauntlet ui [ARGS]                Locust's web UI with the S3 users
    gauntlet report [ARGS]            the comparison report over run directories
    gauntlet gate [ARGS]              the CI gate against a committed baseline
    gauntlet mutation [ARGS]          the mutation score of the suites (the fault proxy)
    gauntlet install [NAME ...]       install / build local servers and interop clients
    gauntlet targets                  list targets.yaml
    gauntlet targets --check NAME     is it reachable, do the credentials work?
    gauntlet serve NAME               start a local server and print its environment until Ctrl-C
    gauntlet cleanup --target NAME --run-id ID
                                      delete the buckets a crashed run left behind (only that run's)
    gauntlet parity --source A --dest B [--bucket NAME ...] [--sample N] [--versions]
                                      compare what two targets hold (after a migration)
    gauntlet load cmp RUN_A RUN_B     per-operation throughput change of two load runs against their
                                      noise band; exit 1 when an operation regressed

Compatibility runs go through pytest (`tox -e compat -- --target NAME`).
Every error is one line on stderr with a distinct exit code (gauntlet.errors.ExitCode).
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from gauntlet.config.targets import FEATURES, TargetsFile
from gauntlet.errors import ExitCode, GauntletError, UnknownTarget, exit_code_of
from gauntlet.fleet.running import Fleet
from gauntlet.fleet.targets import load_targets
from gauntlet.parity.cli import add_parser as add_parity_parser
from gauntlet.s3.naming import is_run_id


def _cmd_targets(args: argparse.Namespace) -> int:
    targets_file = load_targets(args.file)
    if not targets_file.targets:
        targets_file.check()  # every entry is invalid: the first one's error is the answer (exit 10)
    for warning in targets_file.warnings():
        print(f"s3gauntlet: {warning}", file=sys.stderr)
    if args.check:
        return _check(targets_file, args.check)
    width = max(len(n) for n in targets_file.targets)
    for name, target in targets_file.targets.items():
        if target.faults is not None:
            where = f"fault {target.faults.fault} in front of {target.faults.wraps}"
        else:
            where = f"launch {target.launch.server}" if target.launch else target.endpoint
        absent = [f for f in FEATURES if target.features.get(f) is False]
        line = f"{name:<{width}}  {where}  region={target.region}"
        if absent:
            line += f"  absent: {', '.join(absent)}"
        print(line)
        if target.description:
            print(f"{'':<{width}}  {target.description}")
        if args.verbose and target.start_hint:
            print(f"{'':<{width}}  start: {target.start_hint}")
    return 0


def _check(targets_file: TargetsFile, names: str) -> int:
    run_dir = Path(tempfile.mkdtemp(prefix="s3gauntlet-check-"))
    for target in targets_file.select(names):
        fleet = Fleet(targets_file, run_dir)
        try:
            live = fleet.start([target])[target.name]
            print(f"{target.name}: reachable at {live.endpoint}, credentials accepted, "
                  f"server {live.server or 'remote'} {live.version}")
        finally:
            fleet.stop()
    shutil.rmtree(run_dir, ignore_errors=True)  # kept (with any server logs) only when a check failed
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    targets_file = load_targets(args.file)
    target = targets_file.get(args.name)
    if target.launch is None:
        raise UnknownTarget(f"target '{args.name}' is a remote endpoint ({target.endpoint}); serve starts local "
                            f"servers only (launch: targets)")
    run_dir = Path(args.run_dir or tempfile.mkdtemp(prefix="s3gauntlet-serve-"))
    fleet = Fleet(targets_file, run_dir)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        live = fleet.start([target])[target.name]
        env = {
            "AWS_ENDPOINT_URL": live.endpoint,
            "AWS_ACCESS_KEY_ID": live.credentials.access_key,
            "AWS_SECRET_ACCESS_KEY": live.credentials.secret_key,
            "AWS_REGION": live.region,
            "AWS_DEFAULT_REGION": live.region,
        }
        if isinstance(live.verify, str):
            env["AWS_CA_BUNDLE"] = live.verify
        # These are the throwaway keys of a server that lives as long as this command.
        print(f"# {target.name}: {live.server} {live.version} at {live.endpoint} (logs: {run_dir}); Ctrl-C stops it")
        if live.alt_credentials:
            env["GAUNTLET_ALT_ACCESS_KEY_ID"] = live.alt_credentials.access_key
            env["GAUNTLET_ALT_SECRET_ACCESS_KEY"] = live.alt_credentials.secret_key
        for key, value in env.items():
            print(f"export {key}={shlex.quote(value)}")
        region = "" if live.region == "us-east-1" else f", region: {live.region}"
        print("# a target for this server, e.g. in targets.local.yaml (after the exports above):\n"
              f"#   {target.name}-served: {{endpoint: {live.endpoint}{region}, credentials: {{access_key_env: "
              "AWS_ACCESS_KEY_ID, secret_key_env: AWS_SECRET_ACCESS_KEY}"
              + (", alt_credentials: {access_key_env: GAUNTLET_ALT_ACCESS_KEY_ID, secret_key_env: "
                 "GAUNTLET_ALT_SECRET_ACCESS_KEY}" if live.alt_credentials else "")
              + (f", tls: {{ca_bundle: {live.verify}}}" if isinstance(live.verify, str) else "") + "}")
        sys.stdout.flush()
        while not stop.wait(0.5):
            dead = live.dead_process()
            if dead is not None:
                print(f"s3gauntlet: target '{target.name}': server process {dead} exited (log: {live.log_path})",
                      file=sys.stderr)
                return int(ExitCode.TARGET_DIED)
    except KeyboardInterrupt:
        pass
    finally:
        fleet.stop()
    return 0


def _cmd_cleanup(args: argparse.Namespace) -> int:
    from gauntlet.fleet.cleanup import sweep_run

    if not is_run_id(args.run_id):
        raise GauntletError(f"'{args.run_id}' is not a run id (expected YYYYMMDD-HHMMSS-xxxx)")
    targets_file = load_targets(args.file)
    for target in targets_file.select(args.target):
        if target.launch is not None:
            print(f"{target.name}: launched servers start empty each run; nothing to sweep")
            continue
        fleet = Fleet(targets_file, Path(tempfile.mkdtemp(prefix="s3gauntlet-cleanup-")))
        live = fleet.start([target])[target.name]
        removed = sweep_run(live.client(checksum_mode="when_required"), args.run_id)
        print(f"{target.name}: removed {len(removed)} bucket(s) of run {args.run_id}")
    return 0


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction from 0 to below 1 (0.10 is 10 %)")
    return value


def _cmd_load_cmp(args: argparse.Namespace) -> int:
    from gauntlet.load.cmp import analyse, as_json, compare, render

    first, second = analyse(args.run_a), analyse(args.run_b)
    changes = compare(first, second, args.min_band)
    print(as_json(first, second, changes) if args.json else render(first, second, changes))
    return 1 if any(c.verdict == "regression" for c in changes) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gauntlet", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", help="targets file (default: targets.yaml of the project, or $GAUNTLET_TARGETS)")
    sub = parser.add_subparsers(dest="command", required=True)
    targets = sub.add_parser("targets", help="list targets, or check one")
    targets.add_argument("--check", metavar="NAME[,NAME]", help="check reachability and credentials")
    targets.add_argument("-v", "--verbose", action="store_true", help="also show how to start each server")
    targets.set_defaults(func=_cmd_targets)
    serve = sub.add_parser("serve", help="start a local server and print its environment until Ctrl-C")
    serve.add_argument("name")
    serve.add_argument("--run-dir", help="where the server's logs go (default: a temp dir)")
    serve.set_defaults(func=_cmd_serve)
    cleanup = sub.add_parser("cleanup", help="delete buckets a crashed run left on a target")
    cleanup.add_argument("--target", required=True)
    cleanup.add_argument("--run-id", required=True)
    cleanup.set_defaults(func=_cmd_cleanup)
    add_parity_parser(sub)
    for name, what in (("compat", "the compatibility suites (pytest arguments follow)"),
                       ("ui", "Locust's web UI with the S3 users"), ("report", "the comparison report"),
                       ("gate", "the CI gate against a baseline"), ("mutation", "the mutation score"),
                       ("install", "install local servers and interop clients")):
        sub.add_parser(name, help=f"{what} (its own options: gauntlet {name} --help)")
    load = sub.add_parser("load", help="a load run (gauntlet load --help), or gauntlet load cmp RUN_A RUN_B")
    load_sub = load.add_subparsers(dest="load_command", required=True)
    cmp = load_sub.add_parser("cmp", help="compare two load runs per operation against their noise band "
                                          "(exit 1 when one regressed)")
    cmp.add_argument("run_a", metavar="RUN_A", help="the earlier (baseline) run directory")
    cmp.add_argument("run_b", metavar="RUN_B", help="the later run directory")
    cmp.add_argument("--json", action="store_true", help="print the analysis as JSON")
    cmp.add_argument("--min-band", type=_fraction, default=0.10, metavar="FRACTION",
                     help="the smallest change called a regression or improvement (default 0.10 = 10 %%)")
    cmp.set_defaults(func=_cmd_load_cmp)
    return parser


def _compat(argv: list[str]) -> int:
    from gauntlet.fleet.launch.tools import main as install
    from gauntlet.paths import SUITES_DIR

    code = install(["--for-run", *argv])
    if code:
        return code
    import pytest

    return int(pytest.main([str(SUITES_DIR), "-n", "2", *argv]))


def _loadrun(argv: list[str]) -> int:
    from gauntlet.load.run import main as loadrun

    return loadrun(argv)


def _module_main(module: str) -> Callable[[list[str]], int]:
    def run(argv: list[str]) -> int:
        return int(importlib.import_module(module).main(argv) or 0)

    return run


#: `gauntlet NAME ARGS...` where NAME is a whole tool of its own: its command line is passed on as is.
DELEGATED: dict[str, Callable[[list[str]], int]] = {
    "compat": _compat,
    "load": _loadrun,  # but `gauntlet load cmp RUN_A RUN_B` is this module's own
    "ui": lambda argv: _loadrun(["--ui", *argv]),
    "report": _module_main("gauntlet.reports.cli"),
    "gate": _module_main("gauntlet.reports.gate"),
    "mutation": _module_main("gauntlet.faults.mutation"),
    "install": _module_main("gauntlet.fleet.launch.tools"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED and not (argv[0] == "load" and argv[1:2] == ["cmp"]):
        return DELEGATED[argv[0]](argv[1:])
    args = build_parser().parse_args(argv)
    return exit_code_of(lambda: args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
