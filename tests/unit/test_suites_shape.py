"""Every compatibility case says which S3 rule it checks and which feature area it belongs to."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gauntlet.areas import AREAS
from gauntlet.paths import SUITES_DIR

SUITES = sorted(SUITES_DIR.glob("test_*.py"))


def _marker_names(node: ast.AST) -> set[str]:
    """`pytest.mark.NAME` names used anywhere inside `node` (decorators or a pytestmark value)."""
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Attribute) and sub.value.attr == "mark":
            names.add(sub.attr)
    return names


def _pytestmark(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        else:
            targets = [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        value = getattr(stmt, "value", None)
        if value is not None and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets):
            names |= _marker_names(value)
    return names


def _cases(path: Path) -> list[tuple[str, ast.FunctionDef, set[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_marks = _pytestmark(tree.body)
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            marks = module_marks | set().union(*(_marker_names(d) for d in node.decorator_list))
            found.append((node.name, node, marks))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            class_marks = module_marks | _pytestmark(node.body) | set().union(
                *(_marker_names(d) for d in node.decorator_list))
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test_"):
                    marks = class_marks | set().union(*(_marker_names(d) for d in item.decorator_list))
                    found.append((f"{node.name}.{item.name}", item, marks))
    return found


def test_there_are_suites() -> None:
    assert len(SUITES) >= 10


@pytest.mark.parametrize("path", SUITES, ids=[p.stem for p in SUITES])
def test_every_case_has_a_rule_docstring_and_an_area(path: Path) -> None:
    problems = []
    for name, func, marks in _cases(path):
        doc = ast.get_docstring(func) or ""
        if len(doc) < 40:
            problems.append(f"{name}: docstring must state the S3 rule it checks")
        if not marks & set(AREAS):
            problems.append(f"{name}: no area marker (one of {', '.join(AREAS)})")
        if "severity" not in marks:
            problems.append(f"{name}: no severity (pytest.mark.severity(...) on the case, its class or module; "
                            "gauntlet/severity.py says how to choose)")
        if "sleep" in ast.unparse(func):
            problems.append(f"{name}: no fixed sleeps in cases")
    assert not problems, "\n".join(problems)
