"""Run a Locust load test against one target: launch, prefill, load, collect, clean up.

    python -m gauntlet.load.run --target rclone --profile small-objects [--run-time 30s] [--users N]
                               [--processes N] [--run-dir DIR]              # headless (tox -e load)
    python -m gauntlet.load.run --target rclone --profile mixed --ui         # Locust's web UI (tox -e ui)
    python -m gauntlet.load.run --target minio --profile mixed --master --expect-workers 4 \\
                               --master-bind-host 0.0.0.0                    # distributed: the master
    python -m gauntlet.load.run --worker --master-host 10.0.0.5 --target minio [--processes 4]   # each worker

Steps (master or standalone): read the profile and targets.yaml; launch the target
(or check a remote one) with :class:`gauntlet.fleet.running.Fleet`; prefill a bucket named
with the run prefix using boto3; write ``plan.json`` (no secrets) and run
``locust -f loadtests/locustfile.py`` as a child process with the keys in its
environment; then read the results, delete the run's buckets and stop the server.
Nothing is measured while prefilling or cleaning up.

Results go to ``runs/<run-id>/``: ``meta.json`` (kind "load"), Locust's CSV files
(``locust_stats.csv``, ``locust_stats_history.csv``, ``locust_failures.csv``,
``locust_exceptions.csv``), ``locust_report.html``, ``load_summary.jsonl`` (one row per
operation × size class), ``load_history.jsonl`` (one row per stats interval) and
``locust.log``.

Every error is one ``s3gauntlet: ...`` line on stderr with an exit code from
:class:`gauntlet.errors.ExitCode`. A finished run exits 0, or 1 (CASES_FAILED) when
the server returned wrong bytes or more requests failed than the profile allows.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import botocore.exceptions

from gauntlet import masking
from gauntlet.config.profiles import (
    PAYLOAD_MODES,
    TRANSPORTS,
    Pattern,
    Profile,
    format_duration,
    load_profile,
    object_key,
    object_sizes,
    parse_duration,
)
from gauntlet.config.targets import DEFAULT_TARGET, Target, TargetsFile
from gauntlet.errors import (
    ConfigError,
    CredentialMissing,
    CredentialsRejected,
    EndpointUnreachable,
    ExitCode,
    GauntletError,
    LaunchFailed,
    TargetDied,
    exit_code_of,
)
from gauntlet.fleet.cleanup import delete_bucket
from gauntlet.fleet.running import Fleet, LiveTarget
from gauntlet.fleet.targets import load_targets
from gauntlet.load.watch import LiveConsole, RunWatch, StableThroughput
from gauntlet.paths import LOCUSTFILE, PROJECT_ROOT, RUNS_DIR
from gauntlet.rundir import layout
from gauntlet.rundir.meta import base_meta, iso_now, write_meta
from gauntlet.s3 import localhost_dns
from gauntlet.s3.credentials import Credentials
from gauntlet.s3.errors import client_error_details
from gauntlet.s3.naming import create_bucket_params, is_run_id, new_bucket_name, new_run_id

DEFAULT_PROFILE = "small-objects"
ENV_ACCESS_KEY = "GAUNTLET_LOAD_ACCESS_KEY"
ENV_SECRET_KEY = "GAUNTLET_LOAD_SECRET_KEY"
ENV_SESSION_TOKEN = "GAUNTLET_LOAD_SESSION_TOKEN"
_AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken",
               "AuthorizationHeaderMalformed", "InvalidClientTokenId"}
_PREFILL_ATTEMPTS = 4
#: How long a headless run may overrun its run time before the runner stops Locust itself.
_OVERRUN_S = 60.0


# --------------------------------------------------------------------------- prefill


def _prefill_error(exc: BaseException, live: LiveTarget, what: str) -> GauntletError:
    """One clear error for a failed prefill request."""
    if isinstance(exc, botocore.exceptions.ClientError):
        status, code, message = client_error_details(exc)
        detail = f"{what} answered {status} {code}" + (f": {message}" if message else "")
        if code in _AUTH_CODES or status == 403:
            return CredentialsRejected(f"target '{live.name}' at {live.endpoint}: credentials rejected at prefill "
                                       f"({detail})")
        return GauntletError(f"target '{live.name}' at {live.endpoint}: prefill failed ({detail})",
                             ExitCode.CASES_FAILED)
    if isinstance(exc, (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError,
                        botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectTimeoutError)):
        if live.dead_process() is not None:
            return TargetDied(f"target '{live.name}': the server exited during prefill (log: {live.log_path})")
        return EndpointUnreachable(f"target '{live.name}' at {live.endpoint}: unreachable during prefill ({exc})")
    return GauntletError(f"target '{live.name}': prefill failed: {type(exc).__name__}: {exc}", ExitCode.CASES_FAILED)


class BucketFiller:
    """Creates the run's buckets and objects with boto3 (outside the measured window)."""

    def __init__(self, live: LiveTarget, profile: Profile, run_id: str, seed: str) -> None:
        self.live = live
        self.profile = profile
        self.run_id = run_id
        self.seed = seed
        self.pattern = Pattern(seed)
        self.client = live.client(checksum_mode="when_required")
        self.buckets: list[str] = []
        self.etag_is_md5 = True
        self.bytes = 0
        self.versions: list[list[Any]] = []

    def _create_bucket(self, label: str) -> str:
        name = new_bucket_name(self.run_id, label)
        params = create_bucket_params(name, self.live.region)
        try:
            self.client.create_bucket(**params)
        except Exception as exc:
            raise _prefill_error(exc, self.live, "CreateBucket") from None
        self.buckets.append(name)
        return name

    def _put(self, bucket: str, key: str, body: bytes) -> dict[str, Any]:
        for attempt in range(_PREFILL_ATTEMPTS):
            try:
                answer = self.client.put_object(Bucket=bucket, Key=key, Body=body)
                break
            except botocore.exceptions.ClientError as exc:
                status, code, _ = client_error_details(exc)
                # a 5xx or throttling answer during setup is retried: prefill is not what is measured
                if attempt == _PREFILL_ATTEMPTS - 1 or not ((status or 0) >= 500 or code in ("SlowDown", "Throttling")):
                    raise
                time.sleep(0.1 * 2**attempt)
        if answer.get("ETag", "").strip('"') != hashlib.md5(body).hexdigest():
            self.etag_is_md5 = False
        return answer

    def run(self) -> dict[str, Any]:
        profile = self.profile
        bucket = self._create_bucket("load")
        sizes = object_sizes(profile.prefill.size, profile.prefill.objects, self.seed)

        def put_one(index: int) -> None:
            key = object_key(index, profile.prefill.dirs)
            self._put(bucket, key, self.pattern.content(self.pattern.offset(index), sizes[index]))

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            try:
                for _ in pool.map(put_one, range(len(sizes))):
                    pass
            except Exception as exc:
                raise _prefill_error(exc, self.live, "PutObject") from None
        self.bytes = sum(sizes)
        versioned_bucket = self._prefill_versions() if profile.versioned else None
        return {
            "bucket": bucket,
            "versioned_bucket": versioned_bucket,
            "etag_is_md5": self.etag_is_md5,
            "versions": self.versions,
            "prefill": {"objects": len(sizes), "bytes": self.bytes, "versions": len(self.versions),
                        "seconds": round(time.monotonic() - started, 3), "etag_is_md5": self.etag_is_md5},
        }

    def _prefill_versions(self) -> str:
        live, profile = self.live, self.profile
        bucket = self._create_bucket("loadv")
        try:
            self.client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        except botocore.exceptions.ClientError as exc:
            status, code, _ = client_error_details(exc)
            if code in _AUTH_CODES:
                raise _prefill_error(exc, live, "PutBucketVersioning") from None
            raise ConfigError(f"profile '{profile.name}' uses versioned operations (VPUT/VGET) but target "
                              f"'{live.name}' does not support versioning (PutBucketVersioning answered "
                              f"{status} {code})") from None
        spec = profile.prefill.size
        count = profile.prefill.versioned_objects
        sizes = object_sizes(spec, count * profile.prefill.versions, self.seed + ":versions")
        for i in range(count):
            key = f"v/{i:05d}"
            for v in range(profile.prefill.versions):
                index = 30_000_000 + i * profile.prefill.versions + v
                size = sizes[i * profile.prefill.versions + v]
                try:
                    answer = self._put(bucket, key, self.pattern.content(self.pattern.offset(index), size))
                except Exception as exc:
                    raise _prefill_error(exc, live, "PutObject (versioned)") from None
                version_id = answer.get("VersionId")
                if not version_id or version_id == "null":
                    raise ConfigError(f"profile '{profile.name}' uses versioned operations (VPUT/VGET) but target "
                                      f"'{live.name}' returned no version id after enabling versioning")
                self.versions.append([key, version_id, size, index])
                self.bytes += size
        return bucket

    def cleanup(self) -> tuple[list[str], list[dict[str, str]]]:
        """Delete the run's buckets (only those; names carry the run id). Returns (removed, left)."""
        removed: list[str] = []
        left: list[dict[str, str]] = []
        for bucket in self.buckets:
            try:
                delete_bucket(self.client, bucket, self.run_id)
                removed.append(bucket)
            except Exception as exc:
                left.append({"bucket": bucket, "reason": masking.mask(str(exc))[:300]})
        return removed, left


# --------------------------------------------------------------------------- running Locust


class LocustProcess:
    """``locust -f loadtests/locustfile.py ...`` as a child, its output teed to the console and a log."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path | None, echo: bool = True,
                 console: LiveConsole | None = None) -> None:
        self.argv = argv
        self.console = console
        self.env = env
        self.log_path = log_path
        self.echo = echo
        self.proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self.signals = 0

    def start(self) -> None:
        try:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=str(PROJECT_ROOT), start_new_session=True)
        except OSError as exc:
            raise LaunchFailed(f"cannot start Locust ({self.argv[0]}): {exc.strerror}") from None
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        log = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115 - closed below
        try:
            for line in iter(self.proc.stdout.readline, b""):
                text = masking.mask(line.decode("utf-8", "replace"))
                if log is not None:
                    log.write(text.encode())
                    log.flush()
                if self.echo and self.console is not None:
                    self.console.write(text)
                elif self.echo:
                    sys.stdout.write(text)
                    sys.stdout.flush()
        finally:
            if log is not None:
                log.close()

    def interrupt(self) -> None:
        """First call: SIGINT (Locust saves its report and quits); then SIGTERM; then SIGKILL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.signals += 1
        sig = {1: signal.SIGINT, 2: signal.SIGTERM}.get(self.signals, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def wait(self, poll: float = 0.25, check: Any = None, deadline: float | None = None) -> int:
        """Wait for Locust to exit; ``check()`` runs each poll and may return a reason to stop it."""
        assert self.proc is not None
        stopped_at: float | None = None
        while True:
            try:
                code = self.proc.wait(timeout=poll)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            reason = check() if check else None
            overdue = deadline is not None and now > deadline
            first = (reason or overdue) and stopped_at is None
            again = stopped_at is not None and now - stopped_at > 15  # escalate: SIGTERM, then SIGKILL
            if first or again:
                stopped_at = now
                self.interrupt()
        if self._thread is not None:
            self._thread.join(timeout=5)
        return code


def locust_version() -> str:
    try:
        return metadata.version("locust")
    except metadata.PackageNotFoundError:
        return "not installed"


def _require_locust() -> None:
    if locust_version() == "not installed":
        raise GauntletError("Locust is not installed; install it with: pip install 'locust>=2.20' "
                            "(or run through tox -e load)", ExitCode.BINARY_MISSING)


def _locust_env(credentials: Credentials) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (ENV_ACCESS_KEY, ENV_SECRET_KEY, ENV_SESSION_TOKEN)}
    env[ENV_ACCESS_KEY] = credentials.access_key
    env[ENV_SECRET_KEY] = credentials.secret_key
    if credentials.session_token:
        env[ENV_SESSION_TOKEN] = credentials.session_token
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


# --------------------------------------------------------------------------- the run


def _summary_table(rows: list[dict[str, Any]]) -> str:
    head = f"{'operation':<13} {'size':<12} {'requests':>9} {'fail':>6} {'req/s':>9} {'MB/s':>9} " \
           f"{'p50 ms':>8} {'p99 ms':>8} {'ttfb50':>7} {'checked':>8} {'bad':>4}"
    lines = [head, "-" * len(head)]

    def num(value: Any, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    def line(r: dict[str, Any], operation: str, size: str) -> str:
        return (f"{operation:<13} {size:<12} {r['requests']:>9} {r['failures']:>6} "
                f"{num(r['rps'], '.1f'):>9} {num(r['mb_s'], '.2f'):>9} {num(r['p50_ms'], '.3g'):>8} "
                f"{num(r['p99_ms'], '.3g'):>8} {num(r['ttfb_p50_ms'], '.3g'):>7} {r['integrity_checked']:>8} "
                f"{r['integrity_failures']:>4}")

    by_operation: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_operation.setdefault(r["operation"], []).append(r)
    for operation, parts in by_operation.items():
        if len(parts) == 1:
            lines.append(line(parts[0], operation, parts[0]["size_class"]))
            continue
        lines.append(line(_operation_total(parts), operation, "all sizes"))
        lines += [line(r, "", "  " + r["size_class"]) for r in parts]
    return "\n".join(lines)


def _operation_total(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One operation over its size classes: counts and rates summed, p50 weighted by requests, p99 the largest."""
    def total(key: str) -> Any:
        values = [r[key] for r in parts if r.get(key) is not None]
        return sum(values) if values else None

    def largest(key: str) -> Any:
        return max((r[key] for r in parts if r.get(key) is not None), default=None)

    def weighted(key: str) -> Any:
        pairs = [(r[key], r["requests"]) for r in parts if r.get(key) is not None and r["requests"]]
        weight = sum(n for _, n in pairs)
        return sum(v * n for v, n in pairs) / weight if weight else None

    return {"requests": total("requests"), "failures": total("failures"), "rps": total("rps"),
            "mb_s": total("mb_s"), "p50_ms": weighted("p50_ms"), "p99_ms": largest("p99_ms"),
            "ttfb_p50_ms": weighted("ttfb_p50_ms"), "integrity_checked": total("integrity_checked"),
            "integrity_failures": total("integrity_failures")}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class LoadRun:
    """One master/standalone load run (headless, web UI or distributed master)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.interrupted = 0

    def _profile(self) -> Profile:
        args = self.args
        profile = load_profile(args.profile)
        run_time = None
        self.auto_stop = False
        if args.run_time is not None:
            text = args.run_time
            if text == "auto" or text.startswith("auto:"):
                self.auto_stop = True
                text = text[len("auto:"):] if text.startswith("auto:") else ""
            try:
                run_time = parse_duration(text) if text else None
            except ValueError as exc:
                raise ConfigError(f"--run-time: {exc} (or auto, auto:CAP)") from None
        return profile.override(run_time=run_time, users=args.users, spawn_rate=args.spawn_rate,
                                request_cap=args.request_cap, payload=args.payload, transport=args.transport)

    def _target(self, targets_file: TargetsFile) -> Target:
        targets = targets_file.select(self.args.target)
        if len(targets) != 1:
            raise ConfigError(f"a load run takes one target, got {len(targets)}: "
                              f"{', '.join(t.name for t in targets)}")
        return targets[0]

    def _mode(self) -> str:
        if self.args.ui:
            return "ui"
        return "master" if self.args.master else "headless"

    def _locust_argv(self, profile: Profile, live: LiveTarget, run_dir: Path, plan_path: Path) -> list[str]:
        args = self.args
        argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--s3-plan", str(plan_path),
                "--host", live.endpoint, "-u", str(profile.users), "-r", f"{profile.spawn_rate:g}",
                "-t", format_duration(profile.run_time),
                "--csv", str(run_dir / layout.LOCUST_CSV_PREFIX), "--csv-full-history",
                "--html", str(run_dir / "locust_report.html"), "--exit-code-on-error", "0"]
        if args.ui:
            argv += ["--web-host", args.web_host, "--web-port", str(args.web_port)]
        else:
            argv += ["--headless", "--only-summary"]  # the live console (gauntlet/load/watch.py) replaces the table
        if args.master:
            argv += ["--master", "--expect-workers", str(args.expect_workers),
                     "--master-bind-host", args.master_bind_host, "--master-bind-port", str(args.master_bind_port)]
        if args.processes:
            argv += ["--processes", str(args.processes)]
        argv += args.locust_arg or []
        return argv

    def run(self) -> int:
        args = self.args
        profile = self._profile()
        targets_file = load_targets(args.targets_file)
        target = self._target(targets_file)
        _require_locust()
        if profile.versioned and target.features.get("versioning") is False:
            raise ConfigError(f"profile '{profile.name}' uses versioned operations (VPUT/VGET) but target "
                              f"'{target.name}' declares versioning absent")
        if args.run_id and not is_run_id(args.run_id):
            raise ConfigError(f"--run-id '{args.run_id}' is not a run id (expected YYYYMMDD-HHMMSS-xxxx)")
        run_id = args.run_id or new_run_id()
        run_dir = Path(args.run_dir or RUNS_DIR / run_id).resolve()
        run_dir.mkdir(parents=True, exist_ok=True)

        fleet = Fleet(targets_file, run_dir)
        prefill: BucketFiller | None = None
        meta: dict[str, Any] = {}
        exit_code = int(ExitCode.OK)
        error: GauntletError | None = None
        try:
            live = fleet.start([target])[target.name]
            if localhost_dns.needed([live.virtual_host_domain]):
                localhost_dns.install()  # prefill addresses `bucket.localhost` (Locust: the locustfile installs it)
            meta = base_meta(run_id, "load", targets=[{
                "name": live.name, "endpoint": live.endpoint, "server": live.server or "remote",
                "version": live.version, "region": live.region, "addressing": live.addressing,
                "launched": live.launched,
            }], argv=sys.argv)
            meta["profile"] = profile.to_dict()
            meta["locust_version"] = locust_version()
            meta["load"] = {"mode": self._mode(), "processes": args.processes or 1,
                            "expect_workers": args.expect_workers if args.master else 0,
                            "transport": profile.transport, "payload": profile.payload,
                            "locustfile": str(LOCUSTFILE.relative_to(PROJECT_ROOT))}
            write_meta(run_dir / layout.META, meta)

            seed = f"{getattr(args, 'seed', None) or run_id}:{profile.seed}"
            prefill = BucketFiller(live, profile, run_id, seed)
            print(f"s3gauntlet: load run {run_id}: target '{live.name}' ({live.server or 'remote'} {live.version}) "
                  f"at {live.endpoint}; prefilling {profile.prefill.objects} objects ...", flush=True)
            prefilled = prefill.run()
            plan = {
                "version": 1, "run_id": run_id, "target": live.name, "endpoint": live.endpoint,
                "region": live.region, "addressing": live.addressing,
                "virtual_host_domain": live.virtual_host_domain, "verify": live.verify, "seed": seed,
                "run_dir": str(run_dir), "profile": profile.to_dict(), **prefilled,
            }
            plan_path = run_dir / layout.PLAN
            plan_path.write_text(json.dumps(plan, indent=1) + "\n", encoding="utf-8")
            meta["load"]["buckets"] = list(prefill.buckets)
            meta["load"]["prefill"] = prefilled["prefill"]
            write_meta(run_dir / layout.META, meta)

            exit_code = self._run_locust(profile, live, run_dir, plan_path, meta)
        except GauntletError as exc:
            error = exc
            exit_code = int(exc.exit_code)
        finally:
            if prefill is not None:
                if prefill.live.launched and prefill.live.dead_process() is not None:
                    # the launched server is gone, and its data directory goes with it
                    cleanup: dict[str, Any] = {"removed": [], "left": [], "skipped": "the launched server exited"}
                else:
                    removed, left = prefill.cleanup()
                    cleanup = {"removed": removed, "left": left}
                    if left:
                        hint = (f"{len(left)} bucket(s) of this run left on '{target.name}' "
                                f"(remove them with: gauntlet cleanup --target {target.name} --run-id {run_id})")
                        if error is not None:
                            error = type(error)(f"{error}; {hint}", error.exit_code)
                        else:
                            print(f"s3gauntlet: warning: {hint}", file=sys.stderr)
                if meta:
                    meta.setdefault("load", {})["cleanup"] = cleanup
            fleet.stop()
            if meta:
                meta["end_time"] = iso_now()
                meta["exit_status"] = exit_code
                if error is not None:
                    meta["error"] = str(error)
                write_meta(run_dir / layout.META, meta)
        if error is not None:
            raise error
        return exit_code

    def _run_locust(self, profile: Profile, live: LiveTarget, run_dir: Path, plan_path: Path,
                    meta: dict[str, Any]) -> int:
        args = self.args
        argv = self._locust_argv(profile, live, run_dir, plan_path)
        headless = not args.ui
        console = LiveConsole() if headless and not (args.quiet or args.silent) else None
        proc = LocustProcess(argv, _locust_env(live.credentials), run_dir / "locust.log", echo=not args.silent,
                             console=console)
        watch = RunWatch(run_dir / layout.LOCUST_HISTORY, console, StableThroughput(profile.users)
                         if headless and getattr(self, "auto_stop", False) else None)
        died: list[int] = []

        def check() -> str | None:
            if self.interrupted:
                return "interrupted"
            pid = live.dead_process()
            if pid is not None:
                died.append(pid)
                return f"server process {pid} exited"
            return watch.poll()

        def on_signal(signum: int, _frame: Any) -> None:
            self.interrupted += 1
            proc.interrupt()

        old = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if args.ui:
                print(f"s3gauntlet: Locust web UI at http://{args.web_host}:{args.web_port} (start the swarm there; "
                      f"Ctrl-C ends the run, then results are saved and buckets removed)", flush=True)
            proc.start()
            deadline = (time.monotonic() + profile.run_time + _OVERRUN_S
                        + (args.expect_workers_timeout if args.master else 0)) if headless else None
            code = proc.wait(check=check, deadline=deadline)
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)
            if console is not None:
                console.finish()
        meta["load"]["locust_exit_code"] = code
        if watch.auto is not None:
            meta["load"]["auto_stop"] = watch.auto_meta(profile.run_time)
            print(f"s3gauntlet: --run-time auto: {meta['load']['auto_stop']['why']}", flush=True)
        if died:
            raise TargetDied(f"target '{live.name}': server process {died[0]} exited during the load run "
                             f"(log: {live.log_path})")
        results_path = run_dir / layout.S3_RESULTS
        if not results_path.is_file():
            raise LaunchFailed(f"Locust exited with code {code} without writing results; see {run_dir / 'locust.log'}")
        results = json.loads(results_path.read_text(encoding="utf-8"))
        meta["results"] = {k: v for k, v in results.items() if k != "errors"}
        abort = results.get("abort")
        if abort:
            reason = abort.get("reason", "")
            kind = abort.get("kind")
            if kind == "unreachable":
                raise EndpointUnreachable(f"target '{live.name}' at {live.endpoint}: {reason}")
            if kind == "credentials":
                raise CredentialsRejected(f"target '{live.name}' at {live.endpoint}: {reason}")
            if kind == "config":
                raise ConfigError(reason)
            raise GauntletError(f"target '{live.name}' at {live.endpoint}: {reason}", ExitCode.CASES_FAILED)
        rows = _read_jsonl(run_dir / layout.LOAD_SUMMARY)
        if not args.silent:
            print(_summary_table(rows))
        requests = results.get("requests", 0)
        failures = results.get("failures", 0)
        bad = results.get("integrity_failures", 0)
        line = (f"load run {meta['run_id']} on '{live.name}': {requests} requests, {results.get('rps', 0):.1f} req/s, "
                f"{failures} failed, {bad} integrity failures of {results.get('integrity_checked', 0)} checked; "
                f"results in {run_dir}")
        if bad or (requests and failures / requests > profile.max_failure_ratio) or (not requests and not args.ui):
            why = ("wrong bytes returned" if bad else
                   "no requests were made" if not requests else
                   f"failure ratio {failures / requests:.3%} above the profile's {profile.max_failure_ratio:.3%}")
            print(f"s3gauntlet: {line} ({why})", file=sys.stderr)
            return int(ExitCode.CASES_FAILED)
        print(f"s3gauntlet: {line}")
        return int(ExitCode.OK)


# --------------------------------------------------------------------------- workers


def worker_credentials(targets_file: TargetsFile | None, target_name: str | None) -> Credentials:
    """Keys for a worker: GAUNTLET_LOAD_* variables, else the target's own (targets.yaml / launcher defaults)."""
    env_ak, env_sk = os.environ.get(ENV_ACCESS_KEY), os.environ.get(ENV_SECRET_KEY)
    if env_ak and env_sk:
        return Credentials(env_ak, env_sk, os.environ.get(ENV_SESSION_TOKEN) or None)
    if targets_file is None or not target_name:
        raise CredentialMissing(f"a worker needs --target NAME (to read its keys from targets.yaml) or "
                                f"{ENV_ACCESS_KEY} and {ENV_SECRET_KEY} in its environment")
    target = targets_file.get(target_name)
    creds, _ = targets_file.resolve_credentials(target)
    if creds is None and target.launch is not None:
        from gauntlet.fleet.launch import launcher_class

        creds = launcher_class(target.launch.server).default_credentials
    if creds is None:
        raise CredentialMissing(f"target '{target_name}' has no credentials for a worker to use")
    masking.register(creds.secret_key)
    return creds


def run_worker(args: argparse.Namespace) -> int:
    _require_locust()
    targets_file = load_targets(args.targets_file) if args.target else None
    creds = worker_credentials(targets_file, args.target)
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker", "--master-host", args.master_host,
            "--master-port", str(args.master_port)]
    if args.processes:
        argv += ["--processes", str(args.processes)]
    argv += args.locust_arg or []
    proc = LocustProcess(argv, _locust_env(creds), None, echo=not args.silent)

    def on_signal(signum: int, _frame: Any) -> None:
        proc.interrupt()

    old = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        proc.start()
        code = proc.wait()
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    return 0 if code in (0, 1) else code


# --------------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gauntlet.load.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", help=f"target from targets.yaml (default: {DEFAULT_TARGET}); several, "
                                         "comma-separated: the same workload on each in turn, then a comparison")
    parser.add_argument("--targets-file", help="targets file (default: targets.yaml, or $GAUNTLET_TARGETS)")
    parser.add_argument("--profile", default=DEFAULT_PROFILE,
                        help=f"profile name under loadtests/profiles/ or a .yaml path (default: {DEFAULT_PROFILE})")
    parser.add_argument("--run-time", "--duration", dest="run_time",
                        help="override the profile's run time (30s, 2m, 1h30m); 'auto' stops once throughput is "
                             "steady for 10 s (the profile's run time stays the cap), 'auto:5m' with another cap")
    parser.add_argument("--users", type=int, help="override the profile's number of users")
    parser.add_argument("--spawn-rate", type=float, help="override the profile's spawn rate (users/s)")
    parser.add_argument("--request-cap", type=int, help="override the profile's request cap")
    parser.add_argument("--payload", choices=PAYLOAD_MODES, help="UNSIGNED-PAYLOAD or a signed SHA-256 for bodies")
    parser.add_argument("--transport", choices=TRANSPORTS,
                        help="lean connection (default) or Locust's FastHttpSession")
    parser.add_argument("--processes", type=int, help="Locust worker processes on this machine (-1: one per core)")
    parser.add_argument("--run-dir", help="where results go (default: runs/<run-id>)")
    parser.add_argument("--run-id", help="run id (default: a new one)")
    parser.add_argument("--seed", help="seed of object sizes and key choices (default: the run id; the same seed "
                                       "gives the same workload, as in a comparison of several targets)")
    parser.add_argument("--ui", action="store_true", help="open Locust's web UI instead of running headless")
    parser.add_argument("--web-host", default="127.0.0.1", help="web UI address (default: 127.0.0.1)")
    parser.add_argument("--web-port", type=int, default=8089, help="web UI port (default: 8089)")
    parser.add_argument("--master", action="store_true", help="distributed: run the master here")
    parser.add_argument("--expect-workers", type=int, default=1, help="master: workers to wait for (default: 1)")
    parser.add_argument("--expect-workers-timeout", type=float, default=120.0,
                        help="master: extra seconds allowed for workers to connect (default: 120)")
    parser.add_argument("--master-bind-host", default="127.0.0.1",
                        help="master: address to listen on (default: 127.0.0.1; 0.0.0.0 for other machines)")
    parser.add_argument("--master-bind-port", type=int, default=5557, help="master: port (default: 5557)")
    parser.add_argument("--worker", action="store_true", help="distributed: run a worker here")
    parser.add_argument("--master-host", default="127.0.0.1", help="worker: the master's address")
    parser.add_argument("--master-port", type=int, default=5557, help="worker: the master's port")
    parser.add_argument("--locust-arg", action="append", metavar="ARG",
                        help="extra argument for locust (repeatable), e.g. --locust-arg=--loglevel=DEBUG")
    parser.add_argument("--quiet", action="store_true", help="headless: no live status lines, only the summary")
    parser.add_argument("--silent", action="store_true", help="don't echo Locust's output (it still goes to the log)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def body() -> int:
        if args.worker and (args.master or args.ui):
            raise ConfigError("--worker cannot be combined with --master or --ui")
        if args.worker:
            return run_worker(args)
        if args.target and "," in args.target:
            from gauntlet.load.compare import run_comparison

            return run_comparison(args, LoadRun)
        return LoadRun(args).run()

    return exit_code_of(body)


if __name__ == "__main__":
    raise SystemExit(main())
