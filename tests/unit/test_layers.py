"""The package's layers import downwards only (gauntlet/README.md): config → fleet → plugin · load → rundir → reports.

Read from the source (every import, at module level or inside a function), so a new upward import fails here
with the file and line, not as an import loop found later at run time.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from gauntlet.paths import PROJECT_ROOT

#: Modules directly in gauntlet/ that every layer may use.
BASE = {"paths", "areas", "errors", "masking", "severity", "__init__"}

#: Which other sub-packages of gauntlet each one (and the top-level loadtests/) may import.
ALLOWED: dict[str, set[str]] = {
    "s3": set(),
    "config": {"s3"},
    "rundir": set(),
    # faults: proxies in front of wrapped targets; interop: the install step builds the SDK programs too;
    "fleet": {"config", "s3", "faults", "interop", "rundir"},  # rundir: server logs go to servers/<target>/
    "faults": {"config", "s3", "fleet", "rundir"},  # the proxy, and the mutation runner that runs the suites
    "plugin": {"config", "s3", "fleet", "rundir"},
    "interop": {"fleet", "s3", "plugin"},  # the programs' checks are the suites' checks
    "load": {"config", "s3", "fleet", "rundir"},
    "parity": {"config", "s3", "fleet", "rundir"},
    "reports": {"rundir"},
    "loadtests": {"config", "s3", "rundir", "load"},
}


def _layer(path: Path) -> str | None:
    parts = path.relative_to(PROJECT_ROOT).parts
    if parts[0] == "loadtests":
        return parts[0]
    return parts[1] if len(parts) > 2 else None  # a module directly in gauntlet/ is BASE or cli


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def test_every_import_points_down_a_layer() -> None:
    upward = []
    files = [*(PROJECT_ROOT / "gauntlet").rglob("*.py"), *(PROJECT_ROOT / "loadtests").rglob("*.py")]
    for path in files:
        layer = _layer(path)
        if layer is None:
            continue
        for line, module in _imports(path):
            top, _, rest = module.partition(".")
            if top == "gauntlet" and rest:
                used = rest.split(".")[0]
            elif top in ("loadtests", "suites"):
                used = top
            else:
                continue
            if used != layer and used not in BASE and used not in ALLOWED[layer]:
                upward.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: {layer} imports {module}")
    assert not upward, "imports against the layers (gauntlet/README.md):\n" + "\n".join(upward)


def test_reading_the_configuration_loads_no_other_layer() -> None:
    code = ("import sys, gauntlet.config.targets, gauntlet.config.profiles; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('gauntlet.'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.split()
    assert all(m.split(".")[1] in ("config", "s3", *BASE) for m in loaded), loaded


def test_the_run_directory_page_names_every_file_and_field() -> None:
    from gauntlet.rundir import layout

    page = (PROJECT_ROOT / "docs" / "run-directory.md").read_text(encoding="utf-8")
    names = [v for k, v in vars(layout).items() if k.isupper() and isinstance(v, str) and k != "LOCUST_CSV_PREFIX"]
    assert [n for n in names if f"`{n}" not in page and f" {n}" not in page] == []
    for fields in (layout.ROW_FIELDS, layout.LOAD_SUMMARY_FIELDS, layout.LOAD_HISTORY_FIELDS,
                   layout.PARITY_ROW_FIELDS, layout.PARITY_CSV_FIELDS):
        assert ", ".join(fields) in page, fields
    assert all(f"`{marker}`" in page.rsplit("A folder is a run directory", 1)[1] for marker in layout.RUN_MARKERS)


def _module_graph() -> dict[str, set[str]]:
    """Every module of the package and suites/_support → the modules of those it imports (anywhere in it)."""
    modules: dict[str, Path] = {}
    for folder in ("gauntlet", "loadtests", "suites/_support"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            name = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        used = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                used |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                used |= {alias.name for alias in node.names}
        graph[name] = {m for m in used if m in modules and m != name}
    return graph


def test_no_import_loop_even_through_imports_inside_functions() -> None:
    graph = _module_graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    loops: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for used in sorted(graph[name]):
            if state.get(used) == 1:
                loops.append([*path[path.index(used):], used])
            elif used not in state:
                visit(used, [*path, used])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not loops, "import loops:\n" + "\n".join(" -> ".join(loop) for loop in loops)
