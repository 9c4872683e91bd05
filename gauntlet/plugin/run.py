"""What one pytest process knows about the run (targets, run directory, rows so far), and how a case
item is named in the rows. Shared by the plugin's hooks, fixtures and recorder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gauntlet import masking
from gauntlet.areas import AREAS
from gauntlet.fleet.running import Fleet, LiveTarget
from gauntlet.plugin.console import Finding
from gauntlet.plugin.verdict import Verdict
from gauntlet.rundir.rows import ResultWriter

RUN_KEY = pytest.StashKey["GauntletRun"]()
LEFTOVERS_KEY = pytest.StashKey[list]()
LOCKED_KEY = pytest.StashKey[list]()  # buckets whose locked versions cleanup cannot remove



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
    return config.stash.get(RUN_KEY, None)


def record_leftover(node: pytest.Item, target: str, bucket: str, reason: str) -> None:
    """A bucket of this run that cleanup could not delete: listed in meta.json's leftover_buckets
    with the case that created it."""
    node.stash.setdefault(LEFTOVERS_KEY, []).append(
        {"target": target, "bucket": bucket, "case": case_name(node), "reason": masking.mask(reason)[:500]})


def target_name_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    return callspec.params.get("target")


def case_name(item: pytest.Item) -> str:
    """`test_objects.py::test_range_suffix[...]` without the target part of the id."""
    path, _, rest = item.nodeid.partition("::")
    name = f"{Path(path).name}::{rest}"
    target = target_name_of(item)
    if target:
        if name.endswith(f"[{target}]"):
            name = name[: -len(target) - 2]
        elif name.endswith(f"-{target}]"):
            name = name[: -len(target) - 2] + "]"
    return name


def case_node_id(case: str, target: str, folder: str = "suites") -> str:
    """The inverse of `case_name`: the node id that runs a row's case on `target`
    (`test_x.py::test_y[p]` → `suites/test_x.py::test_y[p-target]`; the target is the last parameter)."""
    path, _, name = case.partition("::")
    function, bracket, params = name.partition("[")
    ids = f"[{params[:-1]}-{target}]" if bracket else f"[{target}]"
    return f"{folder}/{Path(path).name}::{function}{ids}"


def area_of(item: pytest.Item) -> str:
    for marker in item.iter_markers():
        if marker.name in AREAS:
            return marker.name
    return "other"


