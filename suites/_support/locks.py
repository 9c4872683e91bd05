"""Object lock helpers shared by suites/test_object_lock.py and suites/test_object_lock_retention.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import botocore.exceptions

from gauntlet.plugin.checks import expect_equal, expect_error, expect_true, unsupported
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.errors import client_error_details, is_not_implemented
from suites._support import versioning

BODY = b"locked bytes " * 100
GOV, COMP = "GOVERNANCE", "COMPLIANCE"


def until_in(days: float = 1.0) -> dt.datetime:
    """A retain-until date `days` from now, whole seconds, UTC."""
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)).replace(microsecond=0)


def to_second(value: Any) -> dt.datetime | None:
    """A boto3 datetime (or ISO string) as an aware UTC datetime truncated to the second."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).replace(microsecond=0)


def stamp(value: Any) -> str | None:
    """A date as `YYYY-MM-DDTHH:MM:SSZ` (to the second), for comparisons whose message shows it."""
    second = to_second(value)
    return second.strftime("%Y-%m-%dT%H:%M:%SZ") if second is not None else None


def lock_bucket(s3: Any, bucket_factory: Callable[..., str]) -> str:
    """A bucket created with object lock enabled, checked with GetObjectLockConfiguration.

    A server answering NotImplemented there has no object lock (the case is unsupported); one that
    answers anything but ObjectLockEnabled=Enabled ignored the flag, and the case fails saying so.
    """
    bucket = bucket_factory(ObjectLockEnabledForBucket=True)
    rule = "CreateBucket with x-amz-bucket-object-lock-enabled: true, then GetObjectLockConfiguration"
    try:
        config = s3.get_object_lock_configuration(Bucket=bucket).get("ObjectLockConfiguration") or {}
    except botocore.exceptions.ClientError as exc:
        status, code, message = client_error_details(exc)
        if is_not_implemented(status, code):
            unsupported(f"{rule}: server answered {status} {code}: object lock is not implemented")
        raise S3Mismatch(f"{rule}: S3 requires ObjectLockEnabled=Enabled; server answered {status} {code}: "
                         f"{message}".rstrip(": ") + " (it ignored the lock flag)", status, code) from None
    expect_true(config.get("ObjectLockEnabled") == "Enabled", rule,
                f"S3 requires ObjectLockEnabled=Enabled; server gave {config.get('ObjectLockEnabled')!r} "
                f"(it ignored the lock flag)")
    return bucket


def put_version(s3: Any, bucket: str, key: str = "k", body: bytes = BODY, **kwargs: Any) -> str:
    """PutObject in a lock-enabled (so versioned) bucket; returns the version id S3 must give."""
    return versioning.put_version(s3, bucket, key, body, where="a lock-enabled bucket (versioning is on)", **kwargs)


def retain(s3: Any, bucket: str, version: str, mode: str, until: dt.datetime, key: str = "k",
           **kwargs: Any) -> None:
    s3.put_object_retention(Bucket=bucket, Key=key, VersionId=version,
                            Retention={"Mode": mode, "RetainUntilDate": until}, **kwargs)


def retention_of(s3: Any, bucket: str, version: str, key: str = "k") -> tuple[str | None, str | None]:
    """GetObjectRetention of a version: (Mode, RetainUntilDate as `stamp`)."""
    got = s3.get_object_retention(Bucket=bucket, Key=key, VersionId=version).get("Retention") or {}
    return got.get("Mode"), stamp(got.get("RetainUntilDate"))


def locked_version(s3: Any, bucket_factory: Callable[..., str], mode: str = GOV,
                   until: dt.datetime | None = None) -> tuple[str, str, dt.datetime]:
    """A lock bucket with one version of "k" under `mode` retention until `until` (default: a day ahead)."""
    bucket = lock_bucket(s3, bucket_factory)
    until = until or until_in(1)
    version = put_version(s3, bucket)
    retain(s3, bucket, version, mode, until)
    return bucket, version, until


def expect_version(s3: Any, bucket: str, version: str, rule: str, key: str = "k") -> None:
    got = s3.get_object(Bucket=bucket, Key=key, VersionId=version)["Body"].read()
    expect_equal(got, BODY, f"{rule}: the locked version read back afterwards")


def expect_no_object(s3: Any, bucket: str, key: str, rule: str) -> None:
    with expect_error(404, None, f"{rule}: HeadObject afterwards (a refused upload stores nothing)"):
        s3.head_object(Bucket=bucket, Key=key)
