"""Object lock: lock-enabled buckets, default retention, legal holds, lock headers on writes.

AWS S3 API Reference: CreateBucket (x-amz-bucket-object-lock-enabled), PutObjectLockConfiguration,
GetObjectLockConfiguration, PutObjectRetention, GetObjectRetention, PutObjectLegalHold,
GetObjectLegalHold, PutObject / CopyObject / CreateMultipartUpload (x-amz-object-lock-mode,
x-amz-object-lock-retain-until-date, x-amz-object-lock-legal-hold), DeleteObject / DeleteObjects
(x-amz-bypass-governance-retention); Amazon S3 User Guide, "Locking objects with Object Lock"
("Retention modes", "Legal holds", "Bypassing governance mode").

A lock that does not protect is silent data loss, so the module's default severity is `data`; the
cases that check *how* a request is refused (status and code) are `client`/`detail`, beside a case
that checks *that* it was refused and reads the state back. GOVERNANCE and COMPLIANCE retention on
versions are in suites/test_object_lock_retention.py; the helpers in suites/_support/locks.py.

Every case on a lock-enabled bucket first checks (GetObjectLockConfiguration) that the server kept
the lock flag: NotImplemented there makes the case unsupported, anything else but Enabled fails it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_refused, expect_true, status_of
from suites._support.locks import (
    BODY,
    GOV,
    expect_no_object,
    expect_version,
    lock_bucket,
    put_version,
    retention_of,
    stamp,
    to_second,
    until_in,
)
from suites._support.multipart import complete, create_upload, upload_parts

pytestmark = [pytest.mark.object_lock, pytest.mark.requires("object_lock"), pytest.mark.severity("data")]


# --------------------------------------------------------------------------- lock-enabled buckets


@pytest.mark.severity("client")
def test_lock_enabled_bucket_has_versioning_enabled(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """A bucket created with object lock enabled has versioning Enabled from the start.

    AWS S3 API Reference, CreateBucket: x-amz-bucket-object-lock-enabled; User Guide, "Locking objects
    with Object Lock" ("When you create a bucket with Object Lock enabled, Amazon S3 automatically
    enables versioning for the bucket").
    """
    bucket = lock_bucket(s3, bucket_factory)
    expect_equal(s3.get_bucket_versioning(Bucket=bucket).get("Status"), "Enabled",
                 "GetBucketVersioning Status of a bucket created with object lock enabled")


@pytest.mark.severity("client")
def test_get_object_lock_configuration_of_lock_bucket_says_enabled(s3: Any,
                                                                   bucket_factory: Callable[..., str]) -> None:
    """GetObjectLockConfiguration on a lock-enabled bucket answers ObjectLockEnabled=Enabled and no rule.

    AWS S3 API Reference, GetObjectLockConfiguration: Response (ObjectLockConfiguration: ObjectLockEnabled, Rule).
    """
    bucket = lock_bucket(s3, bucket_factory)
    config = s3.get_object_lock_configuration(Bucket=bucket).get("ObjectLockConfiguration") or {}
    expect_equal(config.get("ObjectLockEnabled"), "Enabled", "GetObjectLockConfiguration ObjectLockEnabled")
    expect_equal(config.get("Rule"), None, "GetObjectLockConfiguration Rule of a bucket without default retention")


@pytest.mark.severity("client")
def test_get_object_lock_configuration_without_lock_is_404_objectlockconfigurationnotfounderror(
        s3: Any, bucket: str) -> None:
    """GetObjectLockConfiguration on a bucket created without lock answers 404 ObjectLockConfigurationNotFoundError.

    AWS S3 API Reference, GetObjectLockConfiguration; "List of error codes" (ObjectLockConfigurationNotFoundError).
    """
    rule = "GetObjectLockConfiguration on a bucket without lock"
    with expect_error(404, "ObjectLockConfigurationNotFoundError", rule):
        s3.get_object_lock_configuration(Bucket=bucket)


@pytest.mark.severity("client")
def test_put_object_retention_without_lock_is_400_invalidrequest(s3: Any, bucket: str) -> None:
    """PutObjectRetention on a bucket created without object lock answers 400 InvalidRequest.

    AWS S3 API Reference, PutObjectRetention; "List of error codes" (InvalidRequest: "Bucket is missing
    Object Lock Configuration").
    """
    s3.put_object(Bucket=bucket, Key="k", Body=BODY)
    with expect_error(400, "InvalidRequest", "PutObjectRetention on a bucket without lock"):
        s3.put_object_retention(Bucket=bucket, Key="k", Retention={"Mode": GOV, "RetainUntilDate": until_in(1)})


def test_put_object_retention_without_lock_leaves_the_object_unlocked(s3: Any, bucket: str) -> None:
    """PutObjectRetention on a bucket without object lock is refused and the object stays deletable.

    AWS S3 API Reference, PutObjectRetention (object lock must be enabled on the bucket); DeleteObject.
    """
    s3.put_object(Bucket=bucket, Key="k", Body=BODY)
    rule = "PutObjectRetention on a bucket without lock"
    with expect_refused(rule):
        s3.put_object_retention(Bucket=bucket, Key="k", Retention={"Mode": GOV, "RetainUntilDate": until_in(1)})
    head = s3.head_object(Bucket=bucket, Key="k")
    expect_equal(head.get("ObjectLockMode"), None, f"{rule}: HeadObject x-amz-object-lock-mode afterwards")
    expect_equal(status_of(s3.delete_object(Bucket=bucket, Key="k")), 204, f"{rule}: DeleteObject afterwards")


@pytest.mark.severity("client")
def test_put_object_legal_hold_without_lock_is_400_invalidrequest(s3: Any, bucket: str) -> None:
    """PutObjectLegalHold on a bucket created without object lock answers 400 InvalidRequest.

    AWS S3 API Reference, PutObjectLegalHold; "List of error codes" (InvalidRequest).
    """
    s3.put_object(Bucket=bucket, Key="k", Body=BODY)
    with expect_error(400, "InvalidRequest", "PutObjectLegalHold on a bucket without lock"):
        s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "ON"})


@pytest.mark.severity("client")
def test_put_with_lock_headers_without_lock_is_400_invalidrequest(s3: Any, bucket: str) -> None:
    """PutObject with x-amz-object-lock-mode/retain-until-date on a bucket without object lock is 400 InvalidRequest.

    AWS S3 API Reference, PutObject: x-amz-object-lock-mode, x-amz-object-lock-retain-until-date;
    "List of error codes" (InvalidRequest: "Bucket is missing Object Lock Configuration").
    """
    with expect_error(400, "InvalidRequest", "PutObject with lock headers on a bucket without lock"):
        s3.put_object(Bucket=bucket, Key="k", Body=BODY, ObjectLockMode=GOV, ObjectLockRetainUntilDate=until_in(1))


def test_put_with_lock_headers_without_lock_stores_nothing(s3: Any, bucket: str) -> None:
    """PutObject with lock headers on a bucket without object lock is refused and stores nothing.

    AWS S3 API Reference, PutObject: x-amz-object-lock-mode (object lock must be enabled on the bucket).
    """
    rule = "PutObject with lock headers on a bucket without lock"
    with expect_refused(rule):
        s3.put_object(Bucket=bucket, Key="k", Body=BODY, ObjectLockMode=GOV, ObjectLockRetainUntilDate=until_in(1))
    expect_no_object(s3, bucket, "k", rule)


def test_versioning_of_lock_bucket_cannot_be_suspended(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutBucketVersioning Status=Suspended on a lock-enabled bucket is refused; versioning stays Enabled.

    AWS S3 API Reference, PutBucketVersioning; User Guide, "Locking objects with Object Lock" ("you can't
    disable Object Lock or suspend versioning for that bucket").
    """
    bucket = lock_bucket(s3, bucket_factory)
    rule = "PutBucketVersioning Suspended on a lock-enabled bucket"
    with expect_refused(rule):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    expect_equal(s3.get_bucket_versioning(Bucket=bucket).get("Status"), "Enabled", f"{rule}: status afterwards")


# --------------------------------------------------------------------------- default retention


def _default_rule(s3: Any, bucket: str, retention: dict[str, Any]) -> None:
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": retention}})


@pytest.mark.severity("client")
def test_default_retention_round_trip(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObjectLockConfiguration with DefaultRetention GOVERNANCE Days=1 is returned by GetObjectLockConfiguration.

    AWS S3 API Reference, PutObjectLockConfiguration (Rule, DefaultRetention: Mode, Days, Years) and
    GetObjectLockConfiguration.
    """
    bucket = lock_bucket(s3, bucket_factory)
    _default_rule(s3, bucket, {"Mode": GOV, "Days": 1})
    config = s3.get_object_lock_configuration(Bucket=bucket).get("ObjectLockConfiguration") or {}
    expect_equal((config.get("ObjectLockEnabled"), (config.get("Rule") or {}).get("DefaultRetention")),
                 ("Enabled", {"Mode": GOV, "Days": 1}),
                 "GetObjectLockConfiguration (ObjectLockEnabled, DefaultRetention)")


def test_default_retention_locks_new_objects(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """With default retention GOVERNANCE Days=1 a new object carries the mode and a retain-until about a day ahead.

    AWS S3 API Reference, PutObjectLockConfiguration (DefaultRetention applies to new objects);
    HeadObject: x-amz-object-lock-mode, x-amz-object-lock-retain-until-date.
    """
    bucket = lock_bucket(s3, bucket_factory)
    _default_rule(s3, bucket, {"Mode": GOV, "Days": 1})
    before = until_in(1)
    version = put_version(s3, bucket)
    head = s3.head_object(Bucket=bucket, Key="k", VersionId=version)
    expect_equal(head.get("ObjectLockMode"), GOV, "HeadObject x-amz-object-lock-mode under default retention")
    until = to_second(head.get("ObjectLockRetainUntilDate"))
    expect_true(until is not None and abs((until - before).total_seconds()) < 3600,
                "HeadObject x-amz-object-lock-retain-until-date under default retention Days=1",
                f"S3 requires about {before.isoformat()} (a day after the PUT); server gave {until!r}")


def test_default_retention_protects_new_versions_from_delete(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """A version stored under default GOVERNANCE retention cannot be deleted by version id without bypass.

    AWS S3 API Reference, PutObjectLockConfiguration (DefaultRetention), DeleteObject (versionId);
    User Guide, "Retention modes" (governance mode).
    """
    bucket = lock_bucket(s3, bucket_factory)
    _default_rule(s3, bucket, {"Mode": GOV, "Days": 1})
    version = put_version(s3, bucket)
    rule = "DeleteObject versionId=<version under default retention>"
    with expect_refused(rule):
        s3.delete_object(Bucket=bucket, Key="k", VersionId=version)
    expect_version(s3, bucket, version, rule)


@pytest.mark.severity("client")
def test_default_retention_with_days_and_years_is_400_malformedxml(s3: Any,
                                                                   bucket_factory: Callable[..., str]) -> None:
    """A DefaultRetention with both Days and Years answers 400 MalformedXML.

    AWS S3 API Reference, PutObjectLockConfiguration / DefaultRetention ("Days: ... Must be used with Mode;
    Years: ... The Days and Years fields are mutually exclusive"); "List of error codes" (MalformedXML).
    """
    bucket = lock_bucket(s3, bucket_factory)
    with expect_error(400, "MalformedXML", "PutObjectLockConfiguration DefaultRetention with Days and Years"):
        _default_rule(s3, bucket, {"Mode": GOV, "Days": 1, "Years": 1})


@pytest.mark.severity("client")
def test_default_retention_of_zero_days_is_400_invalidargument(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """A DefaultRetention of Days=0 answers 400 InvalidArgument (the period must be a positive integer).

    AWS S3 API Reference, DefaultRetention ("Days: The number of days that you want to specify for the
    default retention period"; it must be positive); "List of error codes" (InvalidArgument).
    """
    bucket = lock_bucket(s3, bucket_factory)
    with expect_error(400, "InvalidArgument", "PutObjectLockConfiguration DefaultRetention Days=0"):
        _default_rule(s3, bucket, {"Mode": GOV, "Days": 0})


@pytest.mark.severity("client")
def test_default_retention_with_unknown_mode_is_400_malformedxml(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """A DefaultRetention Mode other than GOVERNANCE or COMPLIANCE answers 400 MalformedXML.

    AWS S3 API Reference, DefaultRetention (Mode: GOVERNANCE | COMPLIANCE); "List of error codes" (MalformedXML).
    """
    bucket = lock_bucket(s3, bucket_factory)
    with expect_error(400, "MalformedXML", "PutObjectLockConfiguration DefaultRetention Mode=FOREVER"):
        _default_rule(s3, bucket, {"Mode": "FOREVER", "Days": 1})


def test_invalid_lock_configuration_keeps_the_previous_rule(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """A refused PutObjectLockConfiguration (Days=0) leaves the previous default retention in place.

    AWS S3 API Reference, PutObjectLockConfiguration (a request that fails changes nothing) and
    GetObjectLockConfiguration.
    """
    bucket = lock_bucket(s3, bucket_factory)
    _default_rule(s3, bucket, {"Mode": GOV, "Days": 1})
    rule = "PutObjectLockConfiguration DefaultRetention Days=0 over Days=1"
    with expect_refused(rule):
        _default_rule(s3, bucket, {"Mode": GOV, "Days": 0})
    config = s3.get_object_lock_configuration(Bucket=bucket).get("ObjectLockConfiguration") or {}
    expect_equal((config.get("Rule") or {}).get("DefaultRetention"), {"Mode": GOV, "Days": 1},
                 f"{rule}: GetObjectLockConfiguration DefaultRetention afterwards")


# --------------------------------------------------------------------------- legal hold


def _hold(s3: Any, bucket: str, version: str, status: str, key: str = "k") -> None:
    s3.put_object_legal_hold(Bucket=bucket, Key=key, VersionId=version, LegalHold={"Status": status})


@pytest.mark.severity("client")
def test_legal_hold_round_trip(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObjectLegalHold ON then OFF: GetObjectLegalHold and HeadObject show each status.

    AWS S3 API Reference, PutObjectLegalHold, GetObjectLegalHold (LegalHold: Status ON | OFF);
    HeadObject: x-amz-object-lock-legal-hold.
    """
    bucket = lock_bucket(s3, bucket_factory)
    version = put_version(s3, bucket)
    for status in ("ON", "OFF"):
        _hold(s3, bucket, version, status)
        got = s3.get_object_legal_hold(Bucket=bucket, Key="k", VersionId=version).get("LegalHold") or {}
        expect_equal(got.get("Status"), status, f"GetObjectLegalHold after PutObjectLegalHold {status}")
    _hold(s3, bucket, version, "ON")
    head = s3.head_object(Bucket=bucket, Key="k", VersionId=version)
    expect_equal(head.get("ObjectLockLegalHoldStatus"), "ON", "HeadObject x-amz-object-lock-legal-hold")


@pytest.mark.severity("client")
def test_delete_of_version_under_legal_hold_is_403_accessdenied(s3: Any,
                                                                bucket_factory: Callable[..., str]) -> None:
    """DeleteObject of a version under legal hold answers 403 AccessDenied, even with bypass.

    AWS S3 API Reference, DeleteObject; User Guide, "Legal holds" ("A legal hold prevents an object version
    from being overwritten or deleted ... independent from retention periods"; bypass applies to
    governance retention only).
    """
    bucket = lock_bucket(s3, bucket_factory)
    version = put_version(s3, bucket)
    _hold(s3, bucket, version, "ON")
    with expect_error(403, "AccessDenied", "DeleteObject versionId=<version under legal hold> with bypass"):
        s3.delete_object(Bucket=bucket, Key="k", VersionId=version, BypassGovernanceRetention=True)


def test_version_under_legal_hold_survives_delete(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """A refused DeleteObject (with bypass) of a version under legal hold leaves the version intact.

    AWS S3 API Reference, DeleteObject; User Guide, "Legal holds".
    """
    bucket = lock_bucket(s3, bucket_factory)
    version = put_version(s3, bucket)
    _hold(s3, bucket, version, "ON")
    rule = "DeleteObject versionId=<version under legal hold> with bypass"
    with expect_refused(rule):
        s3.delete_object(Bucket=bucket, Key="k", VersionId=version, BypassGovernanceRetention=True)
    expect_version(s3, bucket, version, rule)


def test_delete_after_legal_hold_off_succeeds(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """Once the legal hold is OFF (and no retention applies), DeleteObject of the version succeeds.

    AWS S3 API Reference, PutObjectLegalHold (Status OFF), DeleteObject; User Guide, "Legal holds"
    ("remains in effect until removed").
    """
    bucket = lock_bucket(s3, bucket_factory)
    version = put_version(s3, bucket)
    _hold(s3, bucket, version, "ON")
    _hold(s3, bucket, version, "OFF")
    answer = s3.delete_object(Bucket=bucket, Key="k", VersionId=version)
    expect_equal(status_of(answer), 204, "DeleteObject versionId=<version after legal hold OFF>: status")
    with expect_error(404, None, "HeadObject of the deleted version"):
        s3.head_object(Bucket=bucket, Key="k", VersionId=version)


@pytest.mark.severity("client")
def test_legal_hold_on_missing_key_is_404_nosuchkey(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObjectLegalHold on a key that does not exist answers 404 NoSuchKey.

    AWS S3 API Reference, PutObjectLegalHold; "List of error codes" (NoSuchKey).
    """
    bucket = lock_bucket(s3, bucket_factory)
    with expect_error(404, "NoSuchKey", "PutObjectLegalHold on a missing key"):
        s3.put_object_legal_hold(Bucket=bucket, Key="missing", LegalHold={"Status": "ON"})


# --------------------------------------------------------------------------- lock headers on writes


def test_put_with_lock_headers_locks_the_object(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObject with mode, retain-until date and legal hold headers stores a version carrying all three.

    AWS S3 API Reference, PutObject: x-amz-object-lock-mode, x-amz-object-lock-retain-until-date,
    x-amz-object-lock-legal-hold; GetObjectRetention; HeadObject.
    """
    bucket = lock_bucket(s3, bucket_factory)
    until = until_in(1)
    version = put_version(s3, bucket, ObjectLockMode=GOV, ObjectLockRetainUntilDate=until,
                          ObjectLockLegalHoldStatus="ON")
    head = s3.head_object(Bucket=bucket, Key="k", VersionId=version)
    expect_equal((head.get("ObjectLockMode"), stamp(head.get("ObjectLockRetainUntilDate")),
                  head.get("ObjectLockLegalHoldStatus")), (GOV, stamp(until), "ON"),
                 "HeadObject (lock mode, retain-until date, legal hold) of a PUT with lock headers")
    expect_equal(retention_of(s3, bucket, version), (GOV, stamp(until)),
                 "GetObjectRetention of a PUT with lock headers")


@pytest.mark.severity("client")
@pytest.mark.parametrize("which", ["mode_only", "date_only"])
def test_put_with_one_lock_header_is_400_invalidargument(s3: Any, bucket_factory: Callable[..., str],
                                                         which: str) -> None:
    """PutObject with only one of x-amz-object-lock-mode / retain-until-date answers 400 InvalidArgument.

    AWS S3 API Reference, PutObject: x-amz-object-lock-mode and x-amz-object-lock-retain-until-date (both
    are required together); "List of error codes" (InvalidArgument).
    """
    bucket = lock_bucket(s3, bucket_factory)
    mode_only = which == "mode_only"
    kwargs: dict[str, Any] = {"ObjectLockMode": GOV} if mode_only else {"ObjectLockRetainUntilDate": until_in(1)}
    with expect_error(400, "InvalidArgument", f"PutObject with only {'the mode' if mode_only else 'the date'}"):
        s3.put_object(Bucket=bucket, Key="k", Body=BODY, **kwargs)


def test_put_with_one_lock_header_stores_nothing(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObject with a lock mode but no retain-until date is refused and stores nothing.

    AWS S3 API Reference, PutObject: x-amz-object-lock-mode, x-amz-object-lock-retain-until-date.
    """
    bucket = lock_bucket(s3, bucket_factory)
    rule = "PutObject with x-amz-object-lock-mode and no retain-until date"
    with expect_refused(rule):
        s3.put_object(Bucket=bucket, Key="k", Body=BODY, ObjectLockMode=GOV)
    expect_no_object(s3, bucket, "k", rule)


@pytest.mark.severity("client")
def test_put_with_retain_until_in_the_past_is_400_invalidargument(s3: Any,
                                                                  bucket_factory: Callable[..., str]) -> None:
    """PutObject with x-amz-object-lock-retain-until-date in the past answers 400 InvalidArgument.

    AWS S3 API Reference, PutObject: x-amz-object-lock-retain-until-date ("The date and time when you want
    this object's Object Lock to expire", it must be in the future); "List of error codes" (InvalidArgument).
    """
    bucket = lock_bucket(s3, bucket_factory)
    with expect_error(400, "InvalidArgument", "PutObject with a retain-until date a day ago"):
        s3.put_object(Bucket=bucket, Key="k", Body=BODY, ObjectLockMode=GOV, ObjectLockRetainUntilDate=until_in(-1))


def test_copy_with_lock_headers_locks_the_copy(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """CopyObject with lock headers gives the new version that retention; deleting it without bypass is refused.

    AWS S3 API Reference, CopyObject: x-amz-object-lock-mode, x-amz-object-lock-retain-until-date,
    x-amz-object-lock-legal-hold.
    """
    bucket = lock_bucket(s3, bucket_factory)
    put_version(s3, bucket, "src")
    until = until_in(1)
    s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "src"},
                   ObjectLockMode=GOV, ObjectLockRetainUntilDate=until)
    head = s3.head_object(Bucket=bucket, Key="k")
    expect_equal((head.get("ObjectLockMode"), stamp(head.get("ObjectLockRetainUntilDate"))), (GOV, stamp(until)),
                 "HeadObject (lock mode, retain-until date) of a copy made with lock headers")
    with expect_refused("DeleteObject versionId=<copy made with lock headers>"):
        s3.delete_object(Bucket=bucket, Key="k", VersionId=str(head.get("VersionId")))


def test_multipart_upload_with_lock_headers_locks_the_object(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """CreateMultipartUpload with lock headers: the completed object carries that mode, date and legal hold.

    AWS S3 API Reference, CreateMultipartUpload: x-amz-object-lock-mode, x-amz-object-lock-retain-until-date,
    x-amz-object-lock-legal-hold; CompleteMultipartUpload; HeadObject.
    """
    bucket = lock_bucket(s3, bucket_factory)
    until = until_in(1)
    upload = create_upload(s3, bucket, "k", ObjectLockMode=GOV, ObjectLockRetainUntilDate=until,
                           ObjectLockLegalHoldStatus="ON")
    parts = upload_parts(s3, bucket, "k", upload, [BODY])
    complete(s3, bucket, "k", upload, parts)
    head = s3.head_object(Bucket=bucket, Key="k")
    expect_equal((head.get("ObjectLockMode"), stamp(head.get("ObjectLockRetainUntilDate")),
                  head.get("ObjectLockLegalHoldStatus")), (GOV, stamp(until), "ON"),
                 "HeadObject (lock mode, retain-until date, legal hold) of a multipart upload with lock headers")
