"""Install the pinned local servers that don't come from PyPI or Debian.

    python -m gauntlet.fleet.launch.tools                    # every pinned server not yet installed
    python -m gauntlet.fleet.launch.tools minio versitygw    # only these
    python -m gauntlet.fleet.launch.tools --for-run ARGS...  # only what `--target` in a run's ARGS launches (tox)
    python -m gauntlet.fleet.launch.tools --list             # what is pinned, and whether it is there
    python -m gauntlet.fleet.launch.tools interop            # every SDK / data-tool client of the interop matrix
    python -m gauntlet.fleet.launch.tools interop-go-v2      # one of them (see gauntlet/interop/clients.py)

Go servers are built with `go install` (GOBIN), Rust ones with `cargo install --locked --root`,
s3rver with npm, each into its own versioned directory under `.gauntlet/tools` (see
gauntlet/fleet/launch/installs.py). An installed pin is skipped. Ceph RGW comes from Debian
(`apt-get install radosgw ceph-mon ceph-osd`, as root), which this does not do.
A failed install is reported and the others go on; the launcher then says what is missing.
The interop clients (interop/<client>/) are built from their lock files into
`.gauntlet/tools/interop-<client>-<digest>/` the same way.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence

from gauntlet.errors import ExitCode, GauntletError
from gauntlet.fleet.launch.installs import INSTALLS, Install
from gauntlet.interop.clients import CLIENTS
from gauntlet.interop.clients import build as build_client

#: Seconds an install may take: npm stalls now and then, Garage builds for 15-30 minutes cold.
_TIMEOUT_S = {"npm": 180.0, "go": 1200.0, "cargo": 3600.0}
_ATTEMPTS = {"npm": 3, "go": 2, "cargo": 1}


def install(item: Install, out=sys.stdout) -> bool:
    """Install one pinned server unless it is already there; True when it is there afterwards."""
    if item.path.exists():
        print(f"{item.server}: {item.version} installed ({item.path})", file=out, flush=True)
        return True
    argv, env = item.argv()
    if shutil.which(argv[0]) is None:
        print(f"{item.server}: not installed, and '{argv[0]}' is not on PATH to build it", file=out, flush=True)
        return False
    item.root.mkdir(parents=True, exist_ok=True)
    print(f"{item.server}: installing {item.version}: {item.command}", file=out, flush=True)
    problem = ""
    started = time.monotonic()
    for _attempt in range(_ATTEMPTS[item.registry]):
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=_TIMEOUT_S[item.registry],
                                  stdin=subprocess.DEVNULL, env={**os.environ, **env})
        except subprocess.TimeoutExpired:
            problem = f"did not finish in {_TIMEOUT_S[item.registry]:.0f} s"
            continue
        if done.returncode == 0 and item.path.exists():
            print(f"{item.server}: installed {item.version} in {time.monotonic() - started:.0f} s", file=out,
                  flush=True)
            return True
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        problem = f"exited {done.returncode}: {last[0]}"
    print(f"{item.server}: install failed ({problem}); the {item.server} targets will say how to install it",
          file=out, flush=True)
    return False


def run_selects_interop(args: Sequence[str]) -> bool:
    """True when a run's arguments ask for the interop area by name (`-m interop…`) or the SDK suite's file."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-m", dest="markexpr", default="")
    known, rest = parser.parse_known_args(list(args))
    by_marker = bool(re.search(r"(?<!not )\binterop\b", known.markexpr))
    return by_marker or any(a.split("::")[0].endswith("test_interop_sdks.py") for a in rest)


def servers_for_run(args: Sequence[str]) -> list[str]:
    """The pinned servers that the `--target` (or `--wraps`, and `--targets-file`) in a run's arguments launch."""
    from gauntlet.fleet.targets import load_targets

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--target")
    parser.add_argument("--wraps")  # the mutation runner's target
    parser.add_argument("--targets-file")
    known, _ = parser.parse_known_args(list(args))
    targets = load_targets(known.targets_file)
    wanted: list[str] = []
    pending = [t.name for t in targets.select(known.target or known.wraps)]
    while pending:
        target = targets.get(pending.pop())
        if target.faults:
            pending.append(target.faults.wraps)
        elif target.launch and target.launch.server in INSTALLS and target.launch.server not in wanted:
            wanted.append(target.launch.server)
    return wanted


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gauntlet.fleet.launch.tools", description=__doc__.split("\n\n")[0])
    parser.add_argument("servers", nargs="*", metavar="SERVER",
                        help=f"of: {', '.join(INSTALLS)}, interop, interop-CLIENT (default: all servers)")
    parser.add_argument("--for-run", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="install only what these run arguments' --target launches")
    parser.add_argument("--list", action="store_true", help="show the pins and whether each is installed")
    args = parser.parse_args(argv)
    if args.list:
        for item in INSTALLS.values():
            state = "installed" if item.path.exists() else "missing"
            print(f"{item.server:10} {item.version:40} {state:9} {item.command}")
        for client in CLIENTS.values():
            state = "built" if client.built else "missing"
            print(f"{'interop-' + client.name:18} {client.build_dir.name:32} {state:9} {client.hint}")
        return 0
    client_names = [s for s in args.servers if s == "interop" or s.startswith("interop-")]
    servers = [s for s in args.servers if s not in client_names]
    wanted_clients = [c for c in CLIENTS.values() if "interop" in client_names or f"interop-{c.name}" in client_names]
    unknown = [s for s in servers if s not in INSTALLS] + [
        s for s in client_names if s != "interop" and s.removeprefix("interop-") not in CLIENTS]
    if unknown:
        known = [*INSTALLS, "interop", *(f"interop-{name}" for name in CLIENTS)]
        print(f"s3gauntlet: no pinned install for {', '.join(unknown)} (known: {', '.join(known)})", file=sys.stderr)
        return int(ExitCode.USAGE)
    if args.for_run is not None:
        try:
            names = servers_for_run(args.for_run)
        except GauntletError:
            return 0  # the run itself reports a bad target, with its own exit code
        if run_selects_interop(args.for_run):
            wanted_clients = list(CLIENTS.values())
    else:
        names = servers if (servers or wanted_clients) else list(INSTALLS)
    results = [install(INSTALLS[name]) for name in names]
    for client in wanted_clients:
        problem = build_client(client)
        if problem:
            print(f"interop-{client.name}: build failed ({problem}); its cases will say how to build it", flush=True)
        results.append(problem is None)
    return 0 if all(results) or args.for_run is not None else 1


if __name__ == "__main__":
    sys.exit(main())
