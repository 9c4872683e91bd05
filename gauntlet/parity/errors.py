"""Exit codes and one-line errors of `gauntlet parity`.

    0   identical: every compared bucket, key and attribute matched
    1   differences found (see parity_differences.csv)
    2   errors: some objects or buckets could not be read; the results are incomplete
    30  source and destination are the same target and bucket(s)
    31  a bucket named with --bucket does not exist (or is not accessible) on the source
    32  credentials rejected by one side (at the start or during the comparison)
    33  a target disappeared during the comparison (connection refused / reset / timed out)
    34  bad command line (unknown option, missing --source/--dest, bad --bucket)

Codes 10-17 (gauntlet.errors.ExitCode) keep their meaning: a bad targets file,
an unknown target name, a missing credential variable, an endpoint unreachable
at the start, a local server that fails to launch.
Every error is one line on stderr starting with ``s3gauntlet parity:``; whatever
was compared before it is kept in the output directory.
"""

from __future__ import annotations

from enum import IntEnum

from gauntlet.errors import GauntletError


class ParityExit(IntEnum):
    IDENTICAL = 0
    DIFFERENCES = 1
    ERRORS = 2
    SAME_TARGET = 30
    UNKNOWN_BUCKET = 31
    CREDENTIALS_REJECTED = 32
    TARGET_GONE = 33
    USAGE = 34


class ParityError(GauntletError):
    """A comparison that cannot go on (or start): one line, one exit code."""

    exit_code: int = ParityExit.ERRORS
    prefix = "s3gauntlet parity"


class SameTarget(ParityError):
    exit_code = ParityExit.SAME_TARGET


class UnknownBucket(ParityError):
    exit_code = ParityExit.UNKNOWN_BUCKET


class CredentialsRejected(ParityError):
    exit_code = ParityExit.CREDENTIALS_REJECTED


class TargetGone(ParityError):
    exit_code = ParityExit.TARGET_GONE


class UsageError(ParityError):
    exit_code = ParityExit.USAGE
