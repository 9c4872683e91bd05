"""The example CI workflow (examples/github-actions-gauntlet.yml) parses and calls commands that exist."""

from __future__ import annotations

import configparser
import re
import shlex

import yaml

from gauntlet.paths import PROJECT_ROOT
from gauntlet.reports.cli import parser as report_parser
from gauntlet.reports.gate import parser as gate_parser

ROOT = PROJECT_ROOT
WORKFLOW = ROOT / "examples" / "github-actions-gauntlet.yml"


def _steps() -> list[dict]:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert doc["name"] and (doc.get("on") or doc.get(True))  # PyYAML 1.1 reads the key `on` as True
    [job] = doc["jobs"].values()
    return job["steps"]


def _tox_calls() -> list[tuple[str, list[str]]]:
    calls = []
    for step in _steps():
        for line in str(step.get("run", "")).splitlines():
            match = re.match(r"\s*tox -e (\w+) -- (.*?)(\s*\|\|.*)?$", line)
            if match:
                calls.append((match.group(1), shlex.split(match.group(2))))
    return calls


def test_workflow_runs_compat_load_report_and_gate_in_that_order() -> None:
    envs = [env for env, _ in _tox_calls()]
    assert envs == ["compat", "load", "report", "gate"]
    uses = [step["uses"] for step in _steps() if "uses" in step]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)


def test_every_tox_env_the_workflow_uses_exists() -> None:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini", encoding="utf-8")
    for env, _ in _tox_calls():
        assert config.has_section(f"testenv:{env}"), f"tox.ini has no [testenv:{env}]"
    assert "gauntlet report" in config.get("testenv:report", "commands")
    assert "gauntlet gate" in config.get("testenv:gate", "commands")


def test_report_and_gate_arguments_parse() -> None:
    calls = dict(_tox_calls())
    report = report_parser().parse_args(calls["report"])
    assert report.out == "report" and report.runs == ["runs/compat", "runs/load"]
    gate = gate_parser().parse_args([a.replace("$BASELINE", "ci/gauntlet-baseline.yaml") for a in calls["gate"]])
    assert str(gate.out) == "gate" and gate.runs == ["runs/compat", "runs/load"]
