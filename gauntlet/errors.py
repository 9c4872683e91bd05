"""Errors every gauntlet command reports as one clear line, and the one list of exit codes.

Every command (compat, load, ui, load cmp, parity, report, gate, targets, serve, cleanup,
install, mutation) takes its exit codes from :class:`ExitCode`, so one number means one
thing whichever command returned it, and a CI step can tell "a server behaved unlike S3"
(1) from "the command was called wrongly" (2) from "the harness could not run" (10+).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of every gauntlet command (README.md "Exit codes" holds this table verbatim).

    | code | name | commands | meaning |
    | --- | --- | --- | --- |
    | `0` | `OK` | all | done: cases pass, load run done, report written, gate passed, sides identical |
    | `1` | `CASES_FAILED` `REGRESSION` `DIFFERENCES` | compat load load-cmp gate parity mutation | found a failure |
    | `2` | `USAGE` | all but compat | bad command line (argparse's own code) |
    | `4` | `PYTEST_USAGE` | compat | bad command line (pytest's code), unknown marker in `-m` |
    | `10` | `CONFIG_INVALID` | all | bad targets file, load profile field or load option |
    | `11` | `UNKNOWN_TARGET` | all | unknown or empty `--target` (`--source`, `--dest`) |
    | `12` | `CREDENTIAL_MISSING` | all | a credential variable is not set |
    | `13` | `ENDPOINT_UNREACHABLE` | all | endpoint unreachable (refused, timed out, DNS, TLS) |
    | `14` | `CREDENTIALS_REJECTED` | all | credentials rejected (preflight; load, parity: also later) |
    | `15` | `BINARY_MISSING` | all | a local server's program (or Locust) is missing |
    | `16` | `LAUNCH_FAILED` | all | a local server failed to start (port taken, timeout) |
    | `17` | `TARGET_DIED` | compat load serve | a launched server died during the run |
    | `18` | `UNKNOWN_PROFILE` | load ui | unknown load profile |
    | `20` | `BAD_BASELINE` | gate | baseline missing, not YAML, or not of the documented shape |
    | `21` | `NO_RESULTS` | report gate load-cmp | not a run directory, or no result rows |
    | `22` | `MIXED_TARGETS` | report gate | runs of different targets where one target is required |
    | `23` | `OUTPUT_FAILED` | report gate | output directory, report or baseline not written |
    | `30` | `SAME_TARGET` | parity | source and destination are the same target and bucket(s) |
    | `31` | `UNKNOWN_BUCKET` | parity | a `--bucket` does not exist (or is not readable) on the source |
    | `33` | `TARGET_GONE` | parity | a target disappeared during the comparison |
    | `35` | `INCOMPLETE` | parity | errors: some objects or buckets unreadable, results incomplete |
    | `40` | `RUN_BROKE` | mutation | the baseline or pin-check run of the suites did not complete |
    | `130` | `INTERRUPTED` | all | Ctrl-C (128 + SIGINT); what was done before is kept |

    "all" in rows 10-16 means every command that takes a target (report and gate take run
    directories). pytest owns 0-5 (compat runs are pytest runs: 2 there is pytest's "interrupted",
    3 its internal error). Retired, never to be reused with another
    meaning: parity's old 2 for "errors" (now 35), 32 for rejected credentials (now 14) and 34
    for a bad command line (now 2).
    """

    OK = 0
    CASES_FAILED = 1
    REGRESSION = 1  # the same concept as CASES_FAILED: the check ran and found something wrong (gate, load cmp)
    DIFFERENCES = 1  # the same concept as CASES_FAILED, said by parity
    USAGE = 2
    PYTEST_USAGE = 4
    CONFIG_INVALID = 10
    UNKNOWN_TARGET = 11
    CREDENTIAL_MISSING = 12
    ENDPOINT_UNREACHABLE = 13
    CREDENTIALS_REJECTED = 14
    BINARY_MISSING = 15
    LAUNCH_FAILED = 16
    TARGET_DIED = 17
    UNKNOWN_PROFILE = 18
    BAD_BASELINE = 20
    NO_RESULTS = 21
    MIXED_TARGETS = 22
    OUTPUT_FAILED = 23
    SAME_TARGET = 30
    UNKNOWN_BUCKET = 31
    TARGET_GONE = 33
    INCOMPLETE = 35
    RUN_BROKE = 40  # mutation: a suite run it needs (baseline, pin check) did not complete
    INTERRUPTED = 130


def exit_code_table() -> list[str]:
    """The table of :class:`ExitCode`'s docstring, one Markdown line per row (README.md holds it verbatim)."""
    return [line.strip() for line in (ExitCode.__doc__ or "").splitlines() if line.strip().startswith("|")]


class GauntletError(Exception):
    """An error with a one-line message and a distinct exit code."""

    exit_code: int = ExitCode.CONFIG_INVALID
    #: How the line starts (a sub-command may name itself: "s3gauntlet parity").
    prefix = "s3gauntlet"

    def __init__(self, message: str, exit_code: int | None = None, *, prefix: str | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
        if prefix is not None:  # one class, said by the command that raised it (parity, load cmp, ...)
            self.prefix = prefix

    @property
    def line(self) -> str:
        return f"{self.prefix}: {self}"


class ConfigError(GauntletError):
    exit_code = ExitCode.CONFIG_INVALID


class UsageError(GauntletError):
    """A bad command line that argparse itself could not catch (a bad value, options that clash)."""

    exit_code = ExitCode.USAGE


class NoResults(GauntletError):
    """A path is not a run directory, or holds no result rows (reports, the gate, `gauntlet load cmp`)."""

    exit_code = ExitCode.NO_RESULTS


class UnknownTarget(GauntletError):
    exit_code = ExitCode.UNKNOWN_TARGET


class UnknownProfile(GauntletError):
    exit_code = ExitCode.UNKNOWN_PROFILE


class CredentialMissing(GauntletError):
    exit_code = ExitCode.CREDENTIAL_MISSING


class EndpointUnreachable(GauntletError):
    exit_code = ExitCode.ENDPOINT_UNREACHABLE


class CredentialsRejected(GauntletError):
    exit_code = ExitCode.CREDENTIALS_REJECTED


class BinaryMissing(GauntletError):
    exit_code = ExitCode.BINARY_MISSING


class LaunchFailed(GauntletError):
    exit_code = ExitCode.LAUNCH_FAILED


class ServerExitedAtStartup(LaunchFailed):
    """A launched server's process exited before it answered (often a port taken in between)."""


class TargetDied(GauntletError):
    exit_code = ExitCode.TARGET_DIED


def exit_code_of(call: Callable[[], int]) -> int:
    """Run a command's body: a GauntletError becomes its one masked line on stderr and its exit code."""
    from gauntlet import masking  # local import: masking must stay importable on its own

    try:
        return int(call())
    except GauntletError as error:
        print(masking.mask(error.line), file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)
