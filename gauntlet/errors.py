"""Errors the harness reports as one clear line, each with its own exit code.

pytest owns exit codes 0-5; the harness's own codes start at 10 so a CI step can
tell "a server behaved unlike S3" (1) from "the harness could not run" (10+).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    CASES_FAILED = 1
    CONFIG_INVALID = 10  # targets.yaml missing, malformed, unknown key, wrong type
    UNKNOWN_TARGET = 11  # a name given on the command line is not in targets.yaml
    CREDENTIAL_MISSING = 12  # a credential env var is not set
    ENDPOINT_UNREACHABLE = 13  # connection refused / DNS / TLS failure
    CREDENTIALS_REJECTED = 14  # InvalidAccessKeyId / SignatureDoesNotMatch on the preflight
    BINARY_MISSING = 15  # a launched server's program is not installed
    LAUNCH_FAILED = 16  # port taken, server did not come up in time
    TARGET_DIED = 17  # a launched server exited while the run was going on
    UNKNOWN_PROFILE = 18  # a load profile name that is not in loadtests/profiles/
    NO_RESULTS = 21  # a path is not a run directory, or holds no result rows (reports, `gauntlet load cmp`)


class GauntletError(Exception):
    """An error with a one-line message and a distinct exit code."""

    exit_code: int = ExitCode.CONFIG_INVALID
    #: How the line starts (a sub-command may name itself: "s3gauntlet parity").
    prefix = "s3gauntlet"

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def line(self) -> str:
        return f"{self.prefix}: {self}"


class ConfigError(GauntletError):
    exit_code = ExitCode.CONFIG_INVALID


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
        return 130
