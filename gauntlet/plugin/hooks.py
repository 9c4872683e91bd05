"""The pytest plugin's thin adapter: options, the run's start and end, targets as parameters.

Modelled on pytest-testinfra's plugin: one `pytest_generate_tests` hook
parametrises every case that takes the `target` fixture over `--target a,b,c`,
so test ids end in ``[target]``.

Process model (with or without pytest-xdist):
- the controller (the only process without xdist) loads targets.yaml, launches
  local servers, runs the preflight, owns runs/<run-id>/ and writes every row;
- workers get the live targets through xdist's workerinput, run cases, and
  attach a verdict to each report; xdist carries it back to the controller.

Beside it: the run state (run.py), the fixtures (fixtures.py) and the recorder of verdicts and rows
(recorder.py), registered through `pytest_plugins` below.

The plugin only wakes up for runs of `suites/` (or when `--target` is given), so
the harness's own tests in `tests/` run without launching anything.
"""

from __future__ import annotations

import atexit
import contextlib
import re
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from gauntlet import masking
from gauntlet.areas import AREAS
from gauntlet.config.targets import DEFAULT_TARGET
from gauntlet.errors import ExitCode, GauntletError
from gauntlet.fleet.running import Fleet, LiveTarget
from gauntlet.fleet.targets import load_targets
from gauntlet.paths import RUNS_DIR, SUITES_DIR
from gauntlet.plugin.checks import begin_case
from gauntlet.plugin.run import RUN_KEY, GauntletRun, get_run
from gauntlet.rundir import layout
from gauntlet.rundir.meta import base_meta, write_meta
from gauntlet.rundir.rows import ResultWriter
from gauntlet.s3 import localhost_dns
from gauntlet.s3.naming import new_run_id

pytest_plugins = ["gauntlet.plugin.fixtures", "gauntlet.plugin.recorder"]


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


# --------------------------------------------------------------------------- the run's start and end


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
            config.stash[RUN_KEY] = GauntletRun.from_worker_payload(payload)
            _resolve_localhost(config.stash[RUN_KEY].targets)
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
        config.stash[RUN_KEY] = GauntletRun(run_id, run_dir, names, controller=False)
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
    config.stash[RUN_KEY] = run
    _quiet_console(config)
    from gauntlet.plugin.recorder import Recorder  # here: pytest imports it first, as a plugin (pytest_plugins)

    config.pluginmanager.register(Recorder(run), "gauntlet-recorder")


def _resolve_localhost(targets: dict[str, LiveTarget]) -> None:
    """Virtual-host cases address `bucket.localhost`: make `*.localhost` resolve here (gauntlet.s3.localhost_dns)."""
    if localhost_dns.needed(t.virtual_host_domain for t in targets.values()):
        localhost_dns.install()


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


