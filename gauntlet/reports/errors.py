"""The one-line errors of the report builder and the CI gate.

Their exit codes are gauntlet.errors.ExitCode's, the one list every gauntlet command
uses (README.md "Exit codes"): 0 written / passed, 1 a regression, 2 a bad command line
(gauntlet.errors.UsageError), 20 a bad baseline, 21 not a run directory or no result rows
(gauntlet.errors.NoResults, shared with `gauntlet load cmp`), 22 mixed targets, 23 output
not written. Only the errors no other command raises are defined here.
"""

from __future__ import annotations

from gauntlet.errors import ExitCode, GauntletError


class ReportError(GauntletError):
    """An error only the reports and the gate raise: one line, its own exit code."""

    exit_code: int = ExitCode.USAGE
    prefix = "s3gauntlet report"

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(" ".join(str(message).split()), exit_code)


class BadBaseline(ReportError):
    exit_code = ExitCode.BAD_BASELINE


class MixedTargets(ReportError):
    exit_code = ExitCode.MIXED_TARGETS


class OutputFailed(ReportError):
    exit_code = ExitCode.OUTPUT_FAILED


def error_line(error: GauntletError, tool: str = "report") -> str:
    """The error as printed, on one line: ``s3gauntlet report: ...`` or ``s3gauntlet gate: ...``."""
    return f"s3gauntlet {tool}: {' '.join(str(error).split())}"
