"""JUnit XML for the gate: one test suite per target, one test case per check.

CI systems show it as tests: a regression is a failure, a case new since the
baseline or missing from the runs is skipped (with the reason), the rest pass.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from gauntlet.reports.gating import Finding, GateResult


def _value(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _testcase(suite: ET.Element, finding: Finding, strict_missing: bool) -> None:
    case = ET.SubElement(suite, "testcase", {
        "classname": f"gate.{finding.target}.{'cases' if finding.kind == 'case' else 'performance'}",
        "name": finding.name, "time": "0"})
    summary = f"baseline {_value(finding.baseline)}, now {_value(finding.current)}"
    if finding.status == "regression" or (finding.status == "missing" and strict_missing):
        node = ET.SubElement(case, "failure", {"message": f"{finding.status}: {summary}", "type": finding.status})
        node.text = finding.detail or summary
    elif finding.status in ("new", "missing"):
        ET.SubElement(case, "skipped", {"message": f"{finding.status}: {finding.detail or summary}"})
    elif finding.status in ("improvement", "changed"):
        out = ET.SubElement(case, "system-out")
        out.text = f"{finding.status}: {summary}. {finding.detail}".strip()


def junit_xml(result: GateResult) -> str:
    """The gate's findings as a JUnit XML document."""
    root = ET.Element("testsuites", {"name": "s3gauntlet gate"})
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for target in result.targets:
        findings = [f for f in result.findings if f.target == target]
        failing = {"regression", "missing"} if result.strict_missing else {"regression"}
        failures = sum(f.status in failing for f in findings)
        skipped = sum(f.status in ("new", "missing") and f.status not in failing for f in findings)
        suite = ET.SubElement(root, "testsuite", {"name": f"gate.{target}", "tests": str(len(findings)),
                                                  "failures": str(failures), "errors": "0",
                                                  "skipped": str(skipped), "time": "0"})
        for finding in findings:
            _testcase(suite, finding, result.strict_missing)
        totals["tests"] += len(findings)
        totals["failures"] += failures
        totals["skipped"] += skipped
    root.attrib.update({k: str(v) for k, v in totals.items()})
    root.attrib["errors"] = "0"
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(result: GateResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(result), encoding="utf-8")
