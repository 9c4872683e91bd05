"""The one `gauntlet` command: whole tools are subcommands that get their own command line unchanged."""

from __future__ import annotations

import pytest

from gauntlet import cli


def test_every_delegated_tool_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    for name in cli.DELEGATED:
        assert f"gauntlet {name}" in shown, name


def test_a_delegated_tool_gets_its_arguments_and_its_exit_code(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setitem(cli.DELEGATED, "report", lambda argv: seen.append(argv) or 23)
    assert cli.main(["report", "--out", "x", "runs/a"]) == 23
    assert seen == [["--out", "x", "runs/a"]]


def test_ui_is_a_load_run_with_the_web_ui(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(cli, "_loadrun", lambda argv: seen.append(argv) or 0)
    monkeypatch.setitem(cli.DELEGATED, "ui", lambda argv: cli._loadrun(["--ui", *argv]))
    assert cli.main(["ui", "--target", "rclone"]) == 0
    assert seen == [["--ui", "--target", "rclone"]]


def test_load_cmp_stays_this_commands_own(tmp_path) -> None:
    assert cli.main(["load", "cmp", str(tmp_path), str(tmp_path)]) == 21  # not a load run: one line, exit 21


def test_gate_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["gate"])
    assert done.value.code == 2
    assert capsys.readouterr().err.startswith("s3gauntlet gate: ")
