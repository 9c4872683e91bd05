"""Exit codes and one-line errors of the report builder and the CI gate.

The harness itself uses 0-1 and 10-17 (gauntlet.errors.ExitCode) and pytest owns
0-5; the report and gate codes below stay clear of both, so a CI step can tell
"the gate found a regression" (1) from "the gate could not judge" (20+).
"""

from __future__ import annotations

from enum import IntEnum

from gauntlet.errors import ExitCode as HarnessExit


class ExitCode(IntEnum):
    """Exit codes of ``python -m reports`` and ``python -m reports.gate``."""

    OK = 0
    REGRESSION = 1  # gate: a baseline case no longer passes, or performance fell past a threshold
    USAGE = 2  # bad command line (argparse's own code)
    BAD_BASELINE = 20  # gate: baseline file missing, not YAML, or not of the documented shape
    NO_RESULTS = HarnessExit.NO_RESULTS  # a path is not a run directory, or a run directory holds no result rows
    MIXED_TARGETS = 22  # runs of different targets compared where one target is required
    OUTPUT_FAILED = 23  # the output directory or a file in it could not be written


class ReportError(Exception):
    """An error shown as one line, with its own exit code."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(" ".join(str(message).split()))
        if exit_code is not None:
            self.exit_code = exit_code

    def line(self, tool: str = "report") -> str:
        """The message as printed: ``s3gauntlet report: ...`` or ``s3gauntlet gate: ...``."""
        return f"s3gauntlet {tool}: {self}"


class UsageError(ReportError):
    exit_code = ExitCode.USAGE


class BadBaseline(ReportError):
    exit_code = ExitCode.BAD_BASELINE


class NoResults(ReportError):
    exit_code = ExitCode.NO_RESULTS


class MixedTargets(ReportError):
    exit_code = ExitCode.MIXED_TARGETS


class OutputFailed(ReportError):
    exit_code = ExitCode.OUTPUT_FAILED
