"""One list of exit codes (gauntlet.errors.ExitCode) for every command, and its one table.

The table lives in ExitCode's docstring and README.md holds it verbatim; these tests keep
the enum, the table and the README in step, and stop a second exit-code enum or a silent
alias (one number, two meanings) from coming back.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import gauntlet.load.cmp
import gauntlet.parity.listing
import gauntlet.reports.errors
from gauntlet.errors import ExitCode, GauntletError, exit_code_table

ROOT = Path(__file__).resolve().parents[2]
#: Names that share a number on purpose: each says "the check ran and found something wrong".
SAME_CONCEPT = {"REGRESSION": "CASES_FAILED", "DIFFERENCES": "CASES_FAILED"}
#: Numbers that once meant something else (parity's 32 and 34): never to be given a new meaning.
RETIRED = {32, 34}


def _rows(lines: list[str]) -> dict[int, list[str]]:
    """code → the names in its row, from Markdown table lines."""
    rows: dict[int, list[str]] = {}
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`(\d+)`", cells[0])
        if match:
            rows[int(match.group(1))] = re.findall(r"`([A-Z_]+)`", cells[1])
    return rows


def _enum_rows() -> dict[int, list[str]]:
    rows: dict[int, list[str]] = {}
    for name, member in ExitCode.__members__.items():  # canonical name first, then its aliases
        rows.setdefault(int(member), []).append(name)
    return rows


def test_no_two_meanings_share_a_number() -> None:
    aliases = {name: member.name for name, member in ExitCode.__members__.items() if name != member.name}
    assert aliases == SAME_CONCEPT
    assert not RETIRED & {int(m) for m in ExitCode}


def test_the_docstring_table_is_the_enum() -> None:
    table = exit_code_table()
    assert table[0].startswith("| code | name | commands | meaning |")
    assert _rows(table) == _enum_rows()


def test_readme_holds_the_table_verbatim() -> None:
    readme = [line.strip() for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()]
    table = exit_code_table()
    starts = [i for i, line in enumerate(readme) if line == table[0]]
    assert len(starts) == 1, "README.md needs the exit-code table of gauntlet.errors.ExitCode once"
    assert readme[starts[0]:starts[0] + len(table)] == table, "README.md's exit-code table differs from ExitCode's"


@pytest.mark.parametrize("readme", ["reports/README.md"])
def test_folder_readme_codes_are_the_enum(readme: str) -> None:
    text = (ROOT / readme).read_text(encoding="utf-8")
    codes = {int(c) for c in re.findall(r"^\| (\d+) \|", text, flags=re.MULTILINE)}
    assert codes and codes <= {int(m) for m in ExitCode}


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def test_every_error_class_exits_with_a_code_of_the_list() -> None:
    assert gauntlet.parity.listing and gauntlet.reports.errors and gauntlet.load.cmp  # imported for their classes
    for error in (GauntletError, *_subclasses(GauntletError)):
        assert isinstance(error.exit_code, ExitCode), error


def test_there_is_one_exit_code_enum() -> None:
    pattern = re.compile(r"^class \w*Exit\w*\(", re.MULTILINE)
    owners = [path.relative_to(ROOT).as_posix() for folder in ("gauntlet", "reports", "loadtests", "interop")
              for path in sorted((ROOT / folder).rglob("*.py")) if pattern.search(path.read_text(encoding="utf-8"))]
    assert owners == ["gauntlet/errors.py"]
