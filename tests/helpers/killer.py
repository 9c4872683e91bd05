"""Test-only pytest plugin: SIGKILL the launched servers after N finished cases.

Used by the self-test that checks a server dying mid-run: remaining cases must
become errors, rows written so far must be kept, and the run must end.
Load with ``-p tests.helpers.killer`` and set ``GAUNTLET_KILL_AFTER=N``.
"""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from gauntlet.plugin.run import get_run

_done = {"count": 0, "killed": False}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "teardown" or _done["killed"]:
        return
    _done["count"] += 1
    if _done["count"] < int(os.environ.get("GAUNTLET_KILL_AFTER", "3")):
        return
    config = _CONFIG.get("config")
    run = get_run(config) if config else None
    if run is None:
        return
    for live in run.targets.values():
        for pid in live.pids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    _done["killed"] = True


_CONFIG: dict[str, pytest.Config] = {}


def pytest_configure(config: pytest.Config) -> None:
    _CONFIG["config"] = config
