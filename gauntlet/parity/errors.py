"""The one-line errors of `gauntlet parity`; their exit codes are gauntlet.errors.ExitCode's.

    0   OK            identical: every compared bucket, key and attribute matched
    1   DIFFERENCES   differences found (see parity_differences.csv)
    2   USAGE         bad command line (unknown option, missing --source/--dest, bad --bucket)
    14  CREDENTIALS_REJECTED  by one side (at the start or during the comparison)
    30  SAME_TARGET   source and destination are the same target and bucket(s)
    31  UNKNOWN_BUCKET  a bucket named with --bucket does not exist (or is not accessible) on the source
    33  TARGET_GONE   a target disappeared during the comparison (connection refused / reset / timed out)
    35  INCOMPLETE    errors: some objects or buckets could not be read; the results are incomplete

The other codes of gauntlet.errors.ExitCode keep their meaning here too: a bad targets
file, an unknown target name, a missing credential variable, an endpoint unreachable at
the start, a local server that fails to launch. Every error is one line on stderr starting
with ``s3gauntlet parity:`` (:data:`PREFIX`; the harness's own classes such as
CredentialsRejected and UsageError are raised with it); whatever was compared before it is
kept in the output directory.
"""

from __future__ import annotations

from gauntlet.errors import CredentialsRejected, ExitCode, GauntletError

#: How every parity error line starts.
PREFIX = "s3gauntlet parity"


class ParityError(GauntletError):
    """A comparison that cannot go on (or start): one line, one exit code."""

    exit_code: int = ExitCode.INCOMPLETE
    prefix = PREFIX


class SameTarget(ParityError):
    exit_code = ExitCode.SAME_TARGET


class UnknownBucket(ParityError):
    exit_code = ExitCode.UNKNOWN_BUCKET


class TargetGone(ParityError):
    exit_code = ExitCode.TARGET_GONE


#: What ends a comparison: parity's own errors, and keys one side rejects (the harness's class, parity's prefix).
FATAL_ERRORS = (ParityError, CredentialsRejected)
Fatal = ParityError | CredentialsRejected


def rejected(message: str) -> CredentialsRejected:
    """Keys one side rejected, as a parity error line (exit code 14, as for every command)."""
    return CredentialsRejected(message, prefix=PREFIX)
