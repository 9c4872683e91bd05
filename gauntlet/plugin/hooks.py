"""The pytest plugin: targets as parameters, launched servers, verdicts, result rows.

Modelled on pytest-testinfra's plugin: one `pytest_generate_tests` hook
parametrises every case that takes the `target` fixture over `--target a,b,c`,
so test ids end in ``[target]``.

Process model (with or without pytest-xdist):
- the controller (the only process without xdist) loads targets.yaml, launches
  local servers, runs the preflight, owns runs/<run-id>/ and writes every row;
- workers get the live targets through xdist's workerinput, run cases, and
  attach a verdict to each report; xdist carries it back to the controller.

The plugin only wakes up for runs of `suites/` (or when `--target` is given), so
the harness's own tests in `tests/` run without launching anything.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import re
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from gauntlet import masking, severity
from gauntlet.areas import AREAS
from gauntlet.config.targets import DEFAULT_TARGET
from gauntlet.errors import ExitCode, GauntletError
from gauntlet.fleet.cleanup import CleanupError, ForeignBucket, LockedBucket, delete_bucket
from gauntlet.fleet.running import Fleet, LiveTarget
from gauntlet.fleet.targets import load_targets
from gauntlet.paths import PROJECT_ROOT, RUNS_DIR, SUITES_DIR
from gauntlet.plugin import console
from gauntlet.plugin.checks import begin_case, unsupported
from gauntlet.plugin.console import Finding
from gauntlet.plugin.verdict import Outcome, S3Mismatch, TargetDown, Verdict, classify, combine
from gauntlet.rundir import layout
from gauntlet.rundir.meta import base_meta, iso_now, write_meta
from gauntlet.rundir.rows import ResultWriter, make_row
from gauntlet.s3 import localhost_dns
from gauntlet.s3.errors import client_error_details
from gauntlet.s3.naming import new_bucket_name, new_run_id

_RUN_KEY = pytest.StashKey["GauntletRun"]()
_LEFTOVERS_KEY = pytest.StashKey[list]()
_LOCKED_KEY = pytest.StashKey[list]()  # buckets whose locked versions cleanup cannot remove


# --------------------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("s3gauntlet")
    group.addoption("--target", action="store", default=None,
                    help=f"comma-separated targets from targets.yaml (default: {DEFAULT_TARGET})")
    group.addoption("--targets-file", action="store", default=None,
                    help="targets file (default: targets.yaml at the project root, or $GAUNTLET_TARGETS)")
    group.addoption("--run-dir", action="store", default=None,
                    help="where this run's results go (default: runs/<run-id>)")
    group.addoption("--run-id", action="store", default=None, help="run id (default: a new one)")


# --------------------------------------------------------------------------- run state


class GauntletRun:
    """Everything one process knows about the run."""

    def __init__(self, run_id: str, run_dir: Path, targets: dict[str, LiveTarget], controller: bool) -> None:
        self.run_id = run_id
        self.run_dir = run_dir
        self.targets = targets
        self.controller = controller
        self.fleet: Fleet | None = None
        self.writer: ResultWriter | None = None
        self.meta: dict[str, Any] = {}
        self.phases: dict[str, dict[str, Verdict]] = {}
        self.leftovers: list[dict[str, str]] = []
        self.locked: list[dict[str, str]] = []
        self.dead_targets: set[str] = set()
        self.per_target: dict[str, dict[str, int]] = {}
        self.findings: list[Finding] = []

    def worker_payload(self) -> str:
        return json.dumps({
            "run_id": self.run_id,
            "run_dir": str(self.run_dir),
            "targets": {name: live.to_dict() for name, live in self.targets.items()},
        })

    @classmethod
    def from_worker_payload(cls, payload: str) -> GauntletRun:
        data = json.loads(payload)
        targets = {name: LiveTarget.from_dict(t) for name, t in data["targets"].items()}
        return cls(data["run_id"], Path(data["run_dir"]), targets, controller=False)


def get_run(config: pytest.Config) -> GauntletRun | None:
    return config.stash.get(_RUN_KEY, None)


def _is_active(config: pytest.Config) -> bool:
    if config.getoption("target"):
        return True
    args = config.args or [str(p) for p in config.getini("testpaths")]
    for arg in args:
        path = Path(arg.split("::", 1)[0])
        if not path.is_absolute():
            path = Path(config.invocation_params.dir) / path
        try:
            path.resolve().relative_to(SUITES_DIR)
            return True
        except ValueError:
            continue
    return False


def _informational(config: pytest.Config) -> bool:
    opt = config.option
    return bool(getattr(opt, "help", False) or getattr(opt, "markers", False) or getattr(opt, "showfixtures", False)
                or getattr(opt, "version", False) or getattr(opt, "collectonly", False))


def _exit(error: GauntletError) -> None:
    pytest.exit(masking.mask(error.line), returncode=int(error.exit_code))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for area, covers in AREAS.items():  # the area markers come from the one list (gauntlet/areas.py)
        config.addinivalue_line("markers", f"{area}: {covers}")
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        payload = workerinput.get("gauntlet")
        if payload:
            config.stash[_RUN_KEY] = GauntletRun.from_worker_payload(payload)
            _resolve_localhost(config.stash[_RUN_KEY].targets)
        return
    if not _is_active(config):
        return
    try:
        targets_file = load_targets(config.getoption("targets_file"))
        selected = targets_file.select(config.getoption("target"))
    except GauntletError as error:
        _exit(error)
        return
    for warning in targets_file.warnings():
        print(f"s3gauntlet: {warning}", file=sys.stderr)
    unknown = _unknown_markers(config)
    if unknown:  # before any server starts (under xdist pytest would only notice inside a worker)
        pytest.exit(f"s3gauntlet: unknown marker(s) in -m: {', '.join(unknown)} (areas: {', '.join(AREAS)}; "
                    f"see pytest --markers)", returncode=int(ExitCode.PYTEST_USAGE))
    run_id = config.getoption("run_id") or new_run_id()
    run_dir = Path(config.getoption("run_dir") or RUNS_DIR / run_id).resolve()
    if _informational(config):
        # collection and help need target names only: no launch, no run directory
        names = {t.name: _placeholder(t.name) for t in selected}
        config.stash[_RUN_KEY] = GauntletRun(run_id, run_dir, names, controller=False)
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    fleet = Fleet(targets_file, run_dir)
    _install_signal_handlers()
    atexit.register(fleet.stop)
    try:
        live = fleet.start(selected)
    except GauntletError as error:
        _drop_if_empty(run_dir)  # a run that never started leaves nothing behind (server logs stay)
        _exit(error)
        return
    run = GauntletRun(run_id, run_dir, live, controller=True)
    _resolve_localhost(live)
    run.fleet = fleet
    run.writer = ResultWriter(run_dir / layout.RESULTS)
    run.meta = base_meta(run_id, "compat", [_target_meta(t) for t in live.values()], sys.argv[1:])
    write_meta(run_dir / layout.META, run.meta)
    if not getattr(config.option, "xmlpath", None):
        config.option.xmlpath = str(run_dir / layout.JUNIT)
    config.stash[_RUN_KEY] = run
    _quiet_console(config)
    config.pluginmanager.register(_Recorder(run), "gauntlet-recorder")


def _resolve_localhost(targets: dict[str, LiveTarget]) -> None:
    """Virtual-host cases address `bucket.localhost`: make `*.localhost` resolve here (gauntlet.s3.localhost_dns)."""
    if localhost_dns.needed(t.virtual_host_domain for t in targets.values()):
        localhost_dns.install()


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


def _quiet_console(config: pytest.Config) -> None:
    """One line per failure at the end (our summary), not pytest's tracebacks and short summary,
    unless the user asked for them (--tb, -r)."""
    if config.option.tbstyle == "auto":
        config.option.tbstyle = "no"
    if config.option.reportchars in ("fE", "fEs"):  # pytest's default
        config.option.reportchars = "N"


def _unknown_markers(config: pytest.Config) -> list[str]:
    """Names in the -m expression that no registered marker has."""
    expression = config.getoption("markexpr", "") or ""
    names = set(re.findall(r"[A-Za-z_][\w.-]*", expression)) - {"and", "or", "not", "True", "False"}
    known = {line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")}
    known |= {"skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings"}
    return sorted(names - known)


def _drop_if_empty(run_dir: Path) -> None:
    if run_dir.is_dir() and not any(p.is_file() for p in run_dir.rglob("*")):
        shutil.rmtree(run_dir, ignore_errors=True)


def _placeholder(name: str) -> LiveTarget:
    from gauntlet.s3.credentials import Credentials

    return LiveTarget(name=name, endpoint="", region="", addressing="path", verify=True,
                      credentials=Credentials("", ""), alt_credentials=None, features={},
                      checksum_mode="when_supported")


def _target_meta(live: LiveTarget) -> dict[str, Any]:
    return {
        "name": live.name, "endpoint": live.endpoint, "server": live.server or "remote",
        "version": live.version, "region": live.region, "addressing": live.addressing,
        "features": live.features, "tags": live.tags, "log": live.log_path,
    }


def _install_signal_handlers() -> None:
    """SIGTERM (CI timeout, tox killed) unwinds like Ctrl-C, so launched servers are stopped."""

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    if hasattr(signal, "SIGTERM"):
        with contextlib.suppress(ValueError):  # not the main thread
            signal.signal(signal.SIGTERM, on_term)


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


def pytest_runtest_setup(item: pytest.Item) -> None:
    begin_case()


def pytest_unconfigure(config: pytest.Config) -> None:
    run = get_run(config)
    if run is None or not run.controller:
        return
    if run.writer is not None:
        run.writer.close()
    if run.fleet is not None:
        run.fleet.stop()


# --------------------------------------------------------------------------- parametrisation


@pytest.hookimpl(trylast=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" not in metafunc.fixturenames:
        return
    run = get_run(metafunc.config)
    if run is None:
        raise pytest.UsageError("suites need the s3gauntlet plugin active: run them from the project root")
    names = list(run.targets)
    metafunc.parametrize("target", names, ids=names, indirect=True)


def _target_name(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    return callspec.params.get("target")


def case_name(item: pytest.Item) -> str:
    """`test_objects.py::test_range_suffix[...]` without the target part of the id."""
    path, _, rest = item.nodeid.partition("::")
    name = f"{Path(path).name}::{rest}"
    target = _target_name(item)
    if target:
        if name.endswith(f"[{target}]"):
            name = name[: -len(target) - 2]
        elif name.endswith(f"-{target}]"):
            name = name[: -len(target) - 2] + "]"
    return name


def area_of(item: pytest.Item) -> str:
    for marker in item.iter_markers():
        if marker.name in AREAS:
            return marker.name
    return "other"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def target(request: pytest.FixtureRequest) -> LiveTarget:
    """The live target of this case (parametrised by `--target`)."""
    run = get_run(request.config)
    assert run is not None
    live = run.targets[request.param]
    dead = live.dead_process()
    if dead is not None:
        raise TargetDown(
            f"target '{live.name}': its server process {dead} exited during the run "
            f"(log: {live.log_path}); remaining cases cannot run"
        )
    for marker in request.node.iter_markers("requires"):
        for feature in marker.args:
            if not live.has_feature(feature):
                unsupported(live.why_absent(feature))
    return live


@pytest.fixture(scope="session")
def run_id(request: pytest.FixtureRequest) -> str:
    run = get_run(request.config)
    assert run is not None
    return run.run_id


@pytest.fixture
def s3(target: LiveTarget) -> Any:
    """boto3 S3 client for the target, in the target's checksum mode (reused across cases)."""
    return target.client()


@pytest.fixture
def s3_client(target: LiveTarget) -> Callable[..., Any]:
    """Factory: `s3_client(checksum_mode="when_required", alt=False, addressing=None)`."""
    return target.client


@pytest.fixture
def alt_s3(target: LiveTarget) -> Any:
    """boto3 client for the target's second user; unsupported where none is configured."""
    if not target.has_feature("alt_user"):
        unsupported(target.why_absent("alt_user"))
    return target.client(alt=True)


@pytest.fixture
def anon_s3(target: LiveTarget) -> Any:
    """boto3 client that signs nothing: an anonymous caller (public ACLs, `"Principal": "*"` policies)."""
    import botocore

    return target.client(signature_version=botocore.UNSIGNED)


def _admin_client(target: LiveTarget) -> Any:
    # Setup and cleanup use the most conservative client settings, so a server's
    # checksum handling shows up in the checksum cases, not as setup errors.
    return target.client(checksum_mode="when_required", content_md5_deletes=True)


@pytest.fixture
def bucket_factory(target: LiveTarget, run_id: str, request: pytest.FixtureRequest) -> Iterator[Callable[..., str]]:
    """Creates fresh buckets named for this run; empties and deletes them after the case."""
    created: list[str] = []
    admin = _admin_client(target)

    def create(**kwargs: Any) -> str:
        name = new_bucket_name(run_id)
        params: dict[str, Any] = {"Bucket": name, **kwargs}
        if target.region and target.region != "us-east-1":
            params.setdefault("CreateBucketConfiguration", {"LocationConstraint": target.region})
        admin.create_bucket(**params)
        created.append(name)
        return name

    yield create
    _delete_buckets(admin, created, target.name, run_id, request.node)


class OwnBuckets:
    """Names of buckets a case creates (or deletes) itself, for cases that need CreateBucket's or
    DeleteBucket's own answer: `new()` gives a fresh name of this run, `add(name)` records one derived
    from it (a dotted or 63-character variant); the `own_buckets` fixture deletes whichever still exist."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.names: list[str] = []

    def new(self, worker: str | None = None) -> str:
        """A fresh bucket name of this run (not created), deleted after the case if it exists then."""
        return self.add(new_bucket_name(self.run_id, worker=worker))

    def add(self, name: str) -> str:
        """Record `name` for cleanup; it must carry the run's prefix (cleanup refuses any other)."""
        self.names.append(name)
        return name


@pytest.fixture
def own_buckets(target: LiveTarget, run_id: str, request: pytest.FixtureRequest) -> Iterator[OwnBuckets]:
    """Buckets the case creates itself (see `OwnBuckets`); after the case, each that still exists is
    emptied and deleted, and one cleanup cannot delete is a leftover in meta.json, as with `bucket_factory`."""
    own = OwnBuckets(run_id)
    yield own
    # path style: a dotted name is not a valid virtual host over HTTPS
    admin = target.client(checksum_mode="when_required", content_md5_deletes=True, addressing="path")
    _delete_buckets(admin, [name for name in own.names if _may_exist(admin, name)], target.name, run_id,
                    request.node)


def _may_exist(client: Any, name: str) -> bool:
    """False only when HeadBucket says 404 (the case deleted the bucket, or never created it)."""
    try:
        client.head_bucket(Bucket=name)
    except botocore.exceptions.ClientError as exc:
        return client_error_details(exc)[0] != 404
    return True


def _delete_buckets(admin: Any, names: list[str], target: str, run_id: str, node: pytest.Item) -> None:
    """Empty and delete a case's buckets; what cannot be deleted goes to meta.json (locked or leftover)."""
    leftovers = node.stash.setdefault(_LEFTOVERS_KEY, [])
    for name in names:
        try:
            delete_bucket(admin, name, run_id)
        except LockedBucket as locked:
            # object lock retention nobody can lift (COMPLIANCE, or a server refusing the GOVERNANCE bypass):
            # deletable only after `until`, so recorded apart from the buckets cleanup failed on
            node.stash.setdefault(_LOCKED_KEY, []).append({"target": target, "bucket": name, "until": locked.until})
        except (CleanupError, ForeignBucket, Exception) as exc:
            leftovers.append({"target": target, "bucket": name, "reason": masking.mask(str(exc))[:300]})


def record_leftover(node: pytest.Item, target: str, bucket: str, reason: str) -> None:
    """A bucket of this run that cleanup could not delete: listed in meta.json's leftover_buckets."""
    node.stash.setdefault(_LEFTOVERS_KEY, []).append(
        {"target": target, "bucket": bucket, "reason": masking.mask(reason)[:300]})


@pytest.fixture
def bucket(bucket_factory: Callable[..., str]) -> str:
    """A fresh, empty bucket for this case."""
    return bucket_factory()


@pytest.fixture
def raw(target: LiveTarget) -> Any:
    """Signed HTTP requests for what boto3 can't express (see gauntlet.s3.raw)."""
    from gauntlet.s3.raw import RawClient

    return RawClient(target)


# --------------------------------------------------------------------------- verdicts and rows


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    target = _target_name(item)
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
        "leftovers": item.stash.get(_LEFTOVERS_KEY, []) if call.when == "teardown" else [],
        "locked": item.stash.get(_LOCKED_KEY, []) if call.when == "teardown" else [],
    }
    return report


class _Recorder:
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
        tr.write_line(f"results: {where}/results.jsonl  (run {run.run_id})")
        report = _write_report(run.run_dir)
        tr.write_line(f"report: {where}/report.html" if report is None else f"report: not written ({report})")
