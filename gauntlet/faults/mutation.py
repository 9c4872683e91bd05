"""Mutation score: do the suites catch each fault of the catalogue?

    python -m gauntlet.faults.mutation [--wraps seaweedfs] [--fault NAME ...] [-m EXPR | --all-areas]
                                       [--jobs 2] [--workers 1] [--out DIR] [--write-expectations]
    python -m gauntlet.faults.mutation --check-pins      # the self-test's quick check (see below)

The wrapped server is launched once. A baseline runs the suites through the
pass-through proxy (fault ``none``); then, for each fault, the suites run against a
proxy playing that fault in front of the same server, in child pytests (``--jobs``
at a time, each with ``-n --workers``). A fault is **killed** when a case that
passed in the baseline fails or errors under the fault; the killing cases and
their areas are listed, and a fault killed only outside the areas it declares is
flagged. By default each fault runs only the areas it declares (plus smoke);
``--all-areas`` runs everything.

Writes ``mutation.json`` (summary + rows) and ``mutation.jsonl`` (one row per fault)
into ``--out`` (layout: gauntlet/faults/README.md), prints a table, and ends with
``mutation score: K/N killed``. Exit status: 0 when every fault of the run is killed
or a known survivor (tests/expectations/mutation.yaml), 1 otherwise, 10+ when the
harness could not run.

``--check-pins`` is the cheap guard that keeps the score from dropping: for every
fault, the case pinned as its killer in tests/expectations/mutation.yaml must fail
under the fault and pass through the pass-through proxy, all in one pytest run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gauntlet.config.targets import TargetsFile
from gauntlet.errors import ConfigError, ExitCode, GauntletError
from gauntlet.faults.registry import FAULTS, Fault
from gauntlet.fleet.running import Fleet, LiveTarget
from gauntlet.fleet.targets import load_targets
from gauntlet.paths import EXPECTATIONS_DIR, PROJECT_ROOT, RUNS_DIR
from gauntlet.rundir import layout
from gauntlet.rundir.rows import read_rows

ROOT = PROJECT_ROOT
EXPECTATIONS = EXPECTATIONS_DIR / "mutation.yaml"
UPSTREAM = "upstream"
KILLING_OUTCOMES = ("fail", "error")
_ENV_PREFIX = "GAUNTLET_MUTATION_"


def target_name(fault: str) -> str:
    return f"f-{fault}"


# --------------------------------------------------------------------------- the targets file of a run


def _env_credentials(live: LiveTarget) -> tuple[dict[str, str], dict[str, Any]]:
    """Environment for the child pytests, and the credentials entries that name it (no secret in the file)."""
    env = {f"{_ENV_PREFIX}AK": live.credentials.access_key, f"{_ENV_PREFIX}SK": live.credentials.secret_key}
    entries: dict[str, Any] = {"credentials": {"access_key_env": f"{_ENV_PREFIX}AK",
                                               "secret_key_env": f"{_ENV_PREFIX}SK"}}
    if live.credentials.session_token:
        env[f"{_ENV_PREFIX}TOKEN"] = live.credentials.session_token
        entries["credentials"]["session_token_env"] = f"{_ENV_PREFIX}TOKEN"
    if live.alt_credentials is not None:
        env[f"{_ENV_PREFIX}ALT_AK"] = live.alt_credentials.access_key
        env[f"{_ENV_PREFIX}ALT_SK"] = live.alt_credentials.secret_key
        entries["alt_credentials"] = {"access_key_env": f"{_ENV_PREFIX}ALT_AK",
                                      "secret_key_env": f"{_ENV_PREFIX}ALT_SK"}
    return env, entries


def write_targets(path: Path, live: LiveTarget, declared_features: dict[str, bool], faults: Iterable[str]
                  ) -> dict[str, str]:
    """A targets file with the running server as ``upstream`` and one ``f-<fault>`` target per fault.

    Returns the environment variables the child pytests need (the credentials).
    """
    env, creds = _env_credentials(live)
    upstream: dict[str, Any] = {
        "description": f"{live.name} as launched for the mutation run",
        "endpoint": live.endpoint, "region": live.region, "addressing": live.addressing,
        "checksum_mode": live.checksum_mode, "features": dict(declared_features), "tags": dict(live.tags), **creds,
    }
    if isinstance(live.verify, str):
        upstream["tls"] = {"ca_bundle": live.verify}
    elif live.verify is False:
        upstream["tls"] = {"verify": False}
    if live.virtual_host_domain:
        upstream["virtual_host_domain"] = live.virtual_host_domain
    if live.kms_key_id:
        upstream["kms_key_id"] = live.kms_key_id
    targets: dict[str, Any] = {UPSTREAM: upstream}
    for name in ["none", *faults]:
        targets[target_name(name)] = {"faults": {"wraps": UPSTREAM, "fault": name}}
    path.write_text("# written by gauntlet.faults.mutation\n" + yaml.safe_dump({"targets": targets}, sort_keys=False),
                    encoding="utf-8")
    return env


# --------------------------------------------------------------------------- child pytest runs


@dataclass
class ChildRun:
    """One child pytest: its rows, exit status and how long it took."""

    name: str
    run_dir: Path
    returncode: int
    duration_s: float
    rows: list[dict[str, Any]]
    output_tail: str = ""
    stats: dict[str, Any] | None = None

    @property
    def outcomes(self) -> dict[str, dict[str, Any]]:
        return {r["case"]: r for r in self.rows}

    @property
    def broke(self) -> bool:
        """The run could not go on (bad targets, proxy down ...), as opposed to cases failing."""
        return self.returncode not in (0, 1, 5)


def run_child(name: str, targets: Path, target: str, run_dir: Path, env: dict[str, str], selection: str | None,
              workers: int, extra: Sequence[str] = (), timeout: float = 1800, nodeids: Sequence[str] = ()
              ) -> ChildRun:
    args = [sys.executable, "-m", "pytest", *(nodeids or ["suites"]), "--targets-file", str(targets),
            "--target", target, "--run-dir", str(run_dir), "-p", "no:cacheprovider", "-q", "--no-header", "-rN",
            "--tb=no"]
    if selection:
        args += ["-m", selection]
    args += ["-n", str(workers)]
    args += list(extra)
    child_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    for var in ("PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS"):
        child_env.pop(var, None)
    started = time.monotonic()
    try:
        done = subprocess.run(args, cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=timeout)
        code, tail = done.returncode, (done.stdout + done.stderr)[-3000:]
    except subprocess.TimeoutExpired as exc:
        code, tail = -1, f"timed out after {timeout:.0f}s: {str(exc.stdout or '')[-1000:]}"
    results = run_dir / layout.RESULTS
    rows = read_rows(results) if results.is_file() else []
    stats = None
    for path in run_dir.glob("servers/*/proxy-*-stats.json"):
        with contextlib.suppress(OSError, ValueError):
            stats = json.loads(path.read_text(encoding="utf-8"))
    return ChildRun(name, run_dir, code, round(time.monotonic() - started, 1), rows, tail, stats)


# --------------------------------------------------------------------------- verdict per fault


@dataclass
class FaultResult:
    """One row of mutation.jsonl."""

    fault: str
    area: str
    areas: list[str]
    description: str
    killed: bool
    killing_cases: list[dict[str, Any]]
    killing_areas: list[str]
    expected_area_hit: bool
    selection: str
    cases_run: int
    duration_s: float
    applied: int | None
    known_survivor: str | None
    run_error: str | None = None
    softened: list[str] = field(default_factory=list)

    def to_row(self) -> dict[str, Any]:
        return dict(self.__dict__)


def judge(fault: Fault, baseline: dict[str, dict[str, Any]], run: ChildRun, selection: str,
          known_survivor: str | None) -> FaultResult:
    """Killed: some case that passed in the baseline fails or errors under the fault, or a case that
    failed in the baseline fails with another fingerprint (another status, code or failing check)."""
    killers: list[dict[str, Any]] = []
    softened: list[str] = []
    for case, row in sorted(run.outcomes.items()):
        before = baseline.get(case)
        if before is None:
            continue
        if before["outcome"] != "pass":
            if (before["outcome"] in KILLING_OUTCOMES and row["outcome"] in KILLING_OUTCOMES
                    and before.get("fingerprint") and row.get("fingerprint")
                    and before["fingerprint"] != row["fingerprint"]):
                killers.append({"case": case, "area": row["area"], "outcome": row["outcome"],
                                "http_status": row.get("http_status"), "error_code": row.get("error_code"),
                                "message": (row.get("message") or "")[:300],
                                "fingerprint_changed": f"{before['fingerprint']} -> {row['fingerprint']}"})
            continue
        if row["outcome"] in KILLING_OUTCOMES:
            killers.append({"case": case, "area": row["area"], "outcome": row["outcome"],
                            "http_status": row.get("http_status"), "error_code": row.get("error_code"),
                            "message": (row.get("message") or "")[:300]})
        elif row["outcome"] != "pass":
            softened.append(case)
    run_error = None
    if run.broke:
        run_error = f"child pytest exited {run.returncode}: {run.output_tail.strip().splitlines()[-1:]!s}"
    areas = sorted({k["area"] for k in killers})
    return FaultResult(
        fault=fault.name, area=fault.area, areas=list(fault.areas), description=fault.summary,
        killed=bool(killers), killing_cases=killers, killing_areas=areas,
        expected_area_hit=any(a in fault.areas for a in areas), selection=selection, cases_run=len(run.rows),
        duration_s=run.duration_s, applied=(run.stats or {}).get("applied"), known_survivor=known_survivor,
        run_error=run_error, softened=softened,
    )


# --------------------------------------------------------------------------- expectations


def load_expectations(path: Path = EXPECTATIONS) -> dict[str, Any]:
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def choose_pin(result: FaultResult, baseline: dict[str, dict[str, Any]]) -> str | None:
    """The killer the self-test checks: in the fault's own area if possible, then the fastest."""
    if not result.killing_cases:
        return None
    ranked = sorted(result.killing_cases, key=lambda k: (k["area"] not in result.areas, k["outcome"] != "fail",
                                                         baseline.get(k["case"], {}).get("duration_s", 99.0)))
    return str(ranked[0]["case"])


def write_expectations(results: list[FaultResult], baseline: dict[str, dict[str, Any]], wraps: str, version: str,
                       path: Path = EXPECTATIONS) -> None:
    old = load_expectations(path)
    old_survivors = old.get("survivors") or {}
    killed = [r for r in results if r.killed]
    survivors = {r.fault: (r.known_survivor or old_survivors.get(r.fault) or "no case catches it yet")
                 for r in results if not r.killed}
    pins = {r.fault: choose_pin(r, baseline) for r in killed}
    doc = {
        "wraps": wraps,
        "server_version": version,
        "score": f"{len(killed)}/{len(results)}",
        "survivors": survivors,
        "killers": {r.fault: {"pin": pins[r.fault], "areas": r.killing_areas, "cases": len(r.killing_cases)}
                    for r in killed},
    }
    header = ("# Mutation score of the suites (python -m gauntlet.faults.mutation --write-expectations).\n"
              "# `score` must not drop: tests/integration/test_mutation.py checks that every pinned killer still\n"
              "# fails under its fault and passes without it, and that `survivors` matches the catalogue.\n")
    text = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    path.write_text(header + text, encoding="utf-8")


class _Dumper(yaml.SafeDumper):
    """Block mappings, flow lists (`areas: [objects, sse]`)."""


_Dumper.add_representer(list, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data,
                                                                              flow_style=True))


def nodeid(case: str, target: str) -> str:
    """`test_x.py::test_y[p]` and a target → `suites/test_x.py::test_y[p-<target>]`."""
    if case.endswith("]"):
        head, _, params = case[:-1].partition("[")
        return f"suites/{head}[{params}-{target}]"
    return f"suites/{case}[{target}]"


# --------------------------------------------------------------------------- output


def killers_report(results: list[FaultResult], limit: int = 5) -> str:
    """For each fault, the cases that killed it (area: case), the first `limit` of them."""
    lines = []
    for r in results:
        if not r.killing_cases:
            continue
        lines.append(f"{r.fault} ({', '.join(r.areas)}): killed by {len(r.killing_cases)} case(s)")
        for k in r.killing_cases[:limit]:
            lines.append(f"    {k['area']:<11} {k['outcome']:<5} {k['case']}")
        if len(r.killing_cases) > limit:
            lines.append(f"    ... and {len(r.killing_cases) - limit} more (mutation.json)")
    return "\n".join(lines)


def table(results: list[FaultResult]) -> str:
    lines = [f"{'fault':<32} {'area':<12} {'verdict':<9} {'killers':>7}  killing areas / first killer"]
    for r in results:
        if r.killed:
            verdict = "killed" if r.expected_area_hit else "killed*"
            first = r.killing_cases[0]["case"] if r.killing_cases else ""
            detail = f"{','.join(r.killing_areas)}  {first}"
        else:
            verdict = "SURVIVED" if not r.known_survivor else "survived"
            detail = (r.run_error or r.known_survivor or f"no case failed ({r.cases_run} run, fault acted "
                                                         f"{r.applied if r.applied is not None else '?'} times)")
        lines.append(f"{r.fault:<32} {r.area:<12} {verdict:<9} {len(r.killing_cases):>7}  {detail}")
    lines.append("(* killed only outside the areas the fault declares)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the run


def _start_upstream(targets_file: TargetsFile, wraps: str, fleet_dir: Path) -> tuple[Fleet, LiveTarget]:
    target = targets_file.get(wraps)
    if target.faults is not None:
        raise ConfigError(f"{target.source}: --wraps '{wraps}' is itself a faults target; name the server it wraps")
    fleet = Fleet(targets_file, fleet_dir)
    return fleet, fleet.start([target])[wraps]


def _selected_faults(names: Sequence[str] | None) -> list[Fault]:
    if not names:
        return [f for f in FAULTS.values() if not f.passthrough]
    unknown = [n for n in names if n not in FAULTS or FAULTS[n].passthrough]
    if unknown:
        known = ", ".join(n for n, f in FAULTS.items() if not f.passthrough)
        raise ConfigError(f"unknown fault(s) {', '.join(unknown)} (known: {known})")
    return [FAULTS[n] for n in names]


def run_mutation(args: argparse.Namespace) -> int:
    out = Path(args.out or RUNS_DIR / f"mutation-{time.strftime('%Y%m%d-%H%M%S')}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    faults = _selected_faults(args.fault)
    targets_file = load_targets(args.targets_file)
    started = time.monotonic()
    fleet, live = _start_upstream(targets_file, args.wraps, out / "fleet")
    try:
        env = write_targets(out / "targets.yaml", live, targets_file.get(args.wraps).features,
                            [f.name for f in faults])
        extra = ["-k", args.k] if args.k else []

        def selection(fault: Fault | None) -> str | None:
            if args.all_areas:
                return args.m
            if fault is None:  # the baseline covers every fault's selection
                exprs = {f"({f.selection()})" for f in faults}
                return args.m or " or ".join(sorted(exprs))
            return args.m or fault.selection()

        print(f"mutation: {len(faults)} fault(s) in front of {args.wraps} {live.version} at {live.endpoint}; "
              f"{args.jobs} at a time, -n {args.workers}; out: {out}", flush=True)
        lock = threading.Lock()
        finished: list[str] = []

        def one(fault: Fault | None) -> ChildRun:
            name = fault.name if fault else "none"
            workers = args.baseline_workers if fault is None else max(args.workers, 2 if fault.stall_s else 0)
            run = run_child(name, out / "targets.yaml", target_name(name), out / "runs" / name, env,
                            selection(fault), workers, extra)
            with lock:
                finished.append(name)
                print(f"  [{len(finished)}/{len(faults) + 1}] {name}: {len(run.rows)} cases in {run.duration_s}s"
                      + (f" (exit {run.returncode})" if run.broke else ""), flush=True)
            return run

        # longest first: stalling faults (their cases wait out client timeouts), then the baseline, then the rest
        stalling = [f for f in faults if f.stall_s]
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {f.name: pool.submit(one, f) for f in stalling}
            base_future = pool.submit(one, None)
            futures.update({f.name: pool.submit(one, f) for f in faults if not f.stall_s})
            base = base_future.result()
            runs = {f.name: futures[f.name].result() for f in faults}
    finally:
        fleet.stop()
    if base.broke or not base.rows:
        print(f"mutation: the baseline run failed (exit {base.returncode}):\n{base.output_tail}", file=sys.stderr)
        return int(ExitCode.ENDPOINT_UNREACHABLE) if base.returncode in (13, 14) else int(ExitCode.RUN_BROKE)
    baseline = base.outcomes
    expectations = load_expectations()
    # recorded survivors are known only for the server they were recorded against
    known = dict(expectations.get("survivors") or {}) if expectations.get("wraps") == args.wraps else {}
    results = [judge(f, baseline, runs[f.name], selection(f) or "(all)",
                     f.known_survivor or known.get(f.name)) for f in faults]
    killed = sum(r.killed for r in results)
    summary = {
        "wraps": args.wraps, "server_version": live.version, "endpoint": live.endpoint,
        "score": f"{killed}/{len(results)}", "killed": killed, "total": len(results),
        "baseline": {"cases": len(baseline), "passed": sum(r["outcome"] == "pass" for r in baseline.values()),
                     "duration_s": base.duration_s, "selection": selection(None) or "(all)",
                     "proxy": base.stats},
        "jobs": args.jobs, "workers": args.workers, "duration_s": round(time.monotonic() - started, 1),
        "faults": [r.to_row() for r in results],
    }
    (out / layout.MUTATION).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    with open(out / layout.MUTATION_ROWS, "w", encoding="utf-8") as rows:
        for r in results:
            rows.write(json.dumps(r.to_row()) + "\n")
    if args.write_expectations:
        write_expectations(results, baseline, args.wraps, live.version)
    print(killers_report(results))
    print()
    print(table(results))
    disagreements = (base.stats or {}).get("signature_disagreements")
    if disagreements:
        print(f"warning: the pass-through proxy judged {disagreements} signature(s) unlike the server "
              f"(see {out}/runs/none/servers)")
    print(f"baseline: {summary['baseline']['passed']}/{len(baseline)} cases pass through the pass-through proxy; "
          f"total {summary['duration_s']}s; results: {out}/mutation.json")
    print(f"mutation score: {killed}/{len(results)} killed")
    unexpected = [r for r in results if not r.killed and not r.known_survivor]
    return 1 if unexpected else 0


def check_pins(args: argparse.Namespace) -> int:
    """Every pinned killer fails under its fault and passes without it (one pytest run, every fault at once)."""
    expectations = load_expectations()
    killers = expectations.get("killers") or {}
    faults = _selected_faults(args.fault) if args.fault else [FAULTS[n] for n in killers if n in FAULTS]
    if args.skip_stalling:
        faults = [f for f in faults if not f.stall_s]
    pins = {f.name: killers[f.name]["pin"] for f in faults if f.name in killers and killers[f.name].get("pin")}
    missing = [f.name for f in faults if f.name not in pins]
    if args.fault and missing:
        raise ConfigError(f"no pinned killer for {', '.join(missing)} in {EXPECTATIONS}")
    out = Path(args.out or RUNS_DIR / f"mutation-pins-{time.strftime('%Y%m%d-%H%M%S')}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    targets_file = load_targets(args.targets_file)
    fleet, live = _start_upstream(targets_file, args.wraps, out / "fleet")
    try:
        env = write_targets(out / "targets.yaml", live, targets_file.get(args.wraps).features, list(pins))
        ids = [nodeid(case, target_name(fault)) for fault, case in pins.items()]
        ids += [nodeid(case, target_name("none")) for case in sorted(set(pins.values()))]
        names = ",".join([target_name("none"), *(target_name(f) for f in pins)])
        # two workers: a stalling fault's pinned case waits out the client timeout while the rest go on
        run = run_child("pins", out / "targets.yaml", names, out / "run", env, None, max(args.workers, 2),
                        nodeids=ids)
    finally:
        fleet.stop()
    if run.broke:
        gone = sorted(set(re.findall(r"not found: (\S+)", run.output_tail)))
        if gone:
            print(f"check-pins: pinned case(s) no longer in the suites: {', '.join(gone)}; re-record with "
                  f"python -m gauntlet.faults.mutation --write-expectations", file=sys.stderr)
        else:
            print(f"check-pins: the run failed (exit {run.returncode}):\n{run.output_tail}", file=sys.stderr)
        return int(ExitCode.RUN_BROKE)
    by_target: dict[tuple[str, str], str] = {(r["target"], r["case"]): r["outcome"] for r in run.rows}
    problems = []
    for fault, case in pins.items():
        under = by_target.get((target_name(fault), case))
        without = by_target.get((target_name("none"), case))
        if without != "pass":
            problems.append(f"{fault}: pinned killer {case} does not pass without the fault ({without}); if the "
                            f"case changed on purpose, re-record with --write-expectations")
        elif under not in KILLING_OUTCOMES:
            problems.append(f"{fault}: pinned killer {case} no longer catches the fault (it came out {under}): "
                            f"the mutation score dropped")
    for line in problems:
        print(line)
    print(f"pinned killers: {len(pins) - len(problems)}/{len(pins)} still kill their fault "
          f"({run.duration_s}s; {expectations.get('score', '?')} recorded)")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gauntlet.faults.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--wraps", default="seaweedfs", help="the target to put the faults in front of")
    parser.add_argument("--targets-file", default=None)
    parser.add_argument("--fault", action="append", help="run only this fault (repeatable)")
    parser.add_argument("-m", dest="m", default=None, help="pytest -m expression for every fault (default: its areas)")
    parser.add_argument("-k", dest="k", default=None, help="pytest -k expression (narrow the cases)")
    parser.add_argument("--all-areas", action="store_true", help="run every area for every fault")
    parser.add_argument("--jobs", type=int, default=4, help="child pytests at the same time (default 4)")
    parser.add_argument("--workers", type=int, default=0,
                        help="pytest-xdist workers per fault run (default 0: cases in the child's own process)")
    parser.add_argument("--baseline-workers", type=int, default=2, help="xdist workers of the baseline run")
    parser.add_argument("--out", default=None, help="output directory (default runs/mutation-<time>)")
    parser.add_argument("--write-expectations", action="store_true",
                        help=f"record the score, survivors and pinned killers in {EXPECTATIONS.relative_to(ROOT)}")
    parser.add_argument("--check-pins", action="store_true", help="only check the pinned killers (fast)")
    parser.add_argument("--skip-stalling", action="store_true",
                        help="with --check-pins: leave out faults that stall past the client timeout (a minute each)")
    args = parser.parse_args(argv)
    try:
        return check_pins(args) if args.check_pins else run_mutation(args)
    except GauntletError as error:
        print(error.line, file=sys.stderr)
        return int(error.exit_code)


if __name__ == "__main__":
    sys.exit(main())
