"""Object lock retention: GOVERNANCE (and its bypass) and COMPLIANCE, on versions and through DeleteObjects.

AWS S3 API Reference: PutObjectRetention, GetObjectRetention, DeleteObject / DeleteObjects
(versionId, x-amz-bypass-governance-retention); Amazon S3 User Guide, "Locking objects with Object
Lock" ("Retention modes", "Retention periods", "Bypassing governance mode").

A retention that does not protect is silent data loss, so the module's default severity is `data`;
the cases that check *how* a request is refused are `client`/`detail`, beside a case that checks
*that* it was refused and reads the state back (suites/test_object_lock.py has the bucket, default
retention, legal hold and lock-header cases).

COMPLIANCE retention can never be lifted early, even by the account root: those cases need the
`compliance_lock` feature, present only on servers launched for this run unless a target declares
it, and their buckets (retain-until one day ahead, the shortest honest value) are recorded in the
run's meta.json as `locked_buckets` instead of being deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_refused, header, status_of
from gauntlet.s3.errors import client_error_details
from suites._support.locks import (
    COMP,
    GOV,
    expect_version,
    lock_bucket,
    locked_version,
    put_version,
    retain,
    retention_of,
    stamp,
    until_in,
)

pytestmark = [pytest.mark.object_lock, pytest.mark.requires("object_lock"), pytest.mark.severity("data")]


# --------------------------------------------------------------------------- GOVERNANCE retention


@pytest.mark.severity("client")
def test_object_retention_round_trip(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObjectRetention GOVERNANCE then GetObjectRetention and HeadObject show that mode and retain-until date.

    AWS S3 API Reference, PutObjectRetention, GetObjectRetention (Retention: Mode, RetainUntilDate);
    HeadObject: x-amz-object-lock-mode, x-amz-object-lock-retain-until-date.
    """
    bucket, version, until = locked_version(s3, bucket_factory)
    expect_equal(retention_of(s3, bucket, version), (GOV, stamp(until)), "GetObjectRetention (Mode, RetainUntilDate)")
    head = s3.head_object(Bucket=bucket, Key="k", VersionId=version)
    expect_equal((head.get("ObjectLockMode"), stamp(head.get("ObjectLockRetainUntilDate"))), (GOV, stamp(until)),
                 "HeadObject (x-amz-object-lock-mode, x-amz-object-lock-retain-until-date)")


@pytest.mark.severity("client")
def test_delete_of_governance_locked_version_is_403_accessdenied(s3: Any,
                                                                 bucket_factory: Callable[..., str]) -> None:
    """DeleteObject with the versionId of a GOVERNANCE-locked version, without bypass, answers 403 AccessDenied.

    AWS S3 API Reference, DeleteObject (versionId, x-amz-bypass-governance-retention); User Guide,
    "Retention modes" (governance mode: "users can't overwrite or delete an object version ... unless
    they have special permissions").
    """
    bucket, version, _ = locked_version(s3, bucket_factory)
    with expect_error(403, "AccessDenied", "DeleteObject versionId=<GOVERNANCE-locked version>"):
        s3.delete_object(Bucket=bucket, Key="k", VersionId=version)


def test_delete_of_governance_locked_version_keeps_it(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """A refused DeleteObject of a GOVERNANCE-locked version leaves that version readable, bytes intact.

    AWS S3 API Reference, DeleteObject (versionId); User Guide, "Retention modes" (governance mode).
    """
    bucket, version, _ = locked_version(s3, bucket_factory)
    rule = "DeleteObject versionId=<GOVERNANCE-locked version> without bypass"
    with expect_refused(rule):
        s3.delete_object(Bucket=bucket, Key="k", VersionId=version)
    expect_version(s3, bucket, version, rule)


def _delete_objects(s3_client: Callable[..., Any], bucket: str, version: str) -> list[dict[str, Any]]:
    client = s3_client(checksum_mode="when_required", content_md5_deletes=True)
    answer = client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k", "VersionId": version}]})
    return list(answer.get("Errors") or [])


def test_delete_objects_of_governance_locked_version_keeps_it(s3: Any, s3_client: Callable[..., Any],
                                                              bucket_factory: Callable[..., str]) -> None:
    """DeleteObjects naming a GOVERNANCE-locked version (no bypass) leaves that version intact.

    AWS S3 API Reference, DeleteObjects (x-amz-bypass-governance-retention); User Guide, "Retention modes".
    Whether the server reports the refusal per key (as S3 does) or refuses the whole request is the
    next case's concern; here only the version's survival counts.
    """
    bucket, version, _ = locked_version(s3, bucket_factory)
    try:
        _delete_objects(s3_client, bucket, version)
    except botocore.exceptions.ClientError as exc:
        if (client_error_details(exc)[0] or 500) >= 500:
            raise
    expect_version(s3, bucket, version, "DeleteObjects with a GOVERNANCE-locked version")


@pytest.mark.severity("client")
def test_delete_objects_of_governance_locked_version_reports_an_error(s3: Any, s3_client: Callable[..., Any],
                                                                      bucket_factory: Callable[..., str]) -> None:
    """DeleteObjects naming a GOVERNANCE-locked version answers 200 and lists that version under Errors.

    AWS S3 API Reference, DeleteObjects (Response: Deleted, Error: Key, VersionId, Code, Message).
    """
    bucket, version, _ = locked_version(s3, bucket_factory)
    errors = _delete_objects(s3_client, bucket, version)
    expect_equal([(e.get("Key"), e.get("VersionId")) for e in errors], [("k", version)],
                 "DeleteObjects with a GOVERNANCE-locked version: Errors (Key, VersionId)")


@pytest.mark.severity("detail")
def test_delete_objects_of_governance_locked_version_error_is_accessdenied(
        s3: Any, s3_client: Callable[..., Any], bucket_factory: Callable[..., str]) -> None:
    """DeleteObjects naming a GOVERNANCE-locked version reports it with Code AccessDenied.

    AWS S3 API Reference, DeleteObjects (Error: Code); DeleteObject (a locked version: 403 AccessDenied).
    """
    bucket, version, _ = locked_version(s3, bucket_factory)
    errors = _delete_objects(s3_client, bucket, version)
    expect_equal([e.get("Code") for e in errors], ["AccessDenied"],
                 "DeleteObjects with a GOVERNANCE-locked version: Errors Code")


def test_delete_of_governance_locked_version_with_bypass_deletes_it(s3: Any,
                                                                    bucket_factory: Callable[..., str]) -> None:
    """DeleteObject of a GOVERNANCE-locked version with x-amz-bypass-governance-retention: true deletes it.

    AWS S3 API Reference, DeleteObject: x-amz-bypass-governance-retention; User Guide, "Bypassing
    governance mode".
    """
    bucket, version, _ = locked_version(s3, bucket_factory)
    answer = s3.delete_object(Bucket=bucket, Key="k", VersionId=version, BypassGovernanceRetention=True)
    expect_equal(status_of(answer), 204, "DeleteObject versionId=<GOVERNANCE-locked> with bypass: status")
    listed = [v.get("VersionId") for v in s3.list_object_versions(Bucket=bucket).get("Versions") or []]
    expect_equal(listed, [], "ListObjectVersions after deleting the only version with bypass")


@pytest.mark.severity("client")
def test_delete_without_version_id_adds_delete_marker_over_locked_version(
        s3: Any, bucket_factory: Callable[..., str]) -> None:
    """DeleteObject without versionId on a locked object is allowed (204, delete marker); the locked version stays.

    AWS S3 API Reference, DeleteObject; User Guide, "Locking objects with Object Lock" ("Object Lock works
    only ... on object versions; a delete marker can still be placed").
    """
    bucket, version, _ = locked_version(s3, bucket_factory)
    answer = s3.delete_object(Bucket=bucket, Key="k")
    expect_equal((status_of(answer), header(answer, "x-amz-delete-marker")), (204, "true"),
                 "DeleteObject without versionId on a locked object (status, x-amz-delete-marker)")
    expect_version(s3, bucket, version, "DeleteObject without versionId on a locked object")


@pytest.mark.severity("client")
def test_shortening_governance_retention_without_bypass_is_403_accessdenied(
        s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObjectRetention moving a GOVERNANCE retain-until date earlier, without bypass, answers 403 AccessDenied.

    AWS S3 API Reference, PutObjectRetention (x-amz-bypass-governance-retention); User Guide, "Retention
    periods" / "Bypassing governance mode".
    """
    bucket, version, until = locked_version(s3, bucket_factory)
    with expect_error(403, "AccessDenied", "PutObjectRetention GOVERNANCE with an earlier date, no bypass"):
        retain(s3, bucket, version, GOV, until - dt.timedelta(hours=1))


def test_shortening_governance_retention_without_bypass_keeps_the_date(
        s3: Any, bucket_factory: Callable[..., str]) -> None:
    """A refused shortening of GOVERNANCE retention leaves the retain-until date as it was.

    AWS S3 API Reference, PutObjectRetention, GetObjectRetention; User Guide, "Bypassing governance mode".
    """
    bucket, version, until = locked_version(s3, bucket_factory)
    rule = "PutObjectRetention GOVERNANCE with an earlier date, no bypass"
    with expect_refused(rule):
        retain(s3, bucket, version, GOV, until - dt.timedelta(hours=1))
    expect_equal(retention_of(s3, bucket, version), (GOV, stamp(until)), f"{rule}: GetObjectRetention afterwards")


def test_shortening_governance_retention_with_bypass_is_allowed(s3: Any,
                                                                bucket_factory: Callable[..., str]) -> None:
    """PutObjectRetention with an earlier GOVERNANCE date and x-amz-bypass-governance-retention: true succeeds.

    AWS S3 API Reference, PutObjectRetention: x-amz-bypass-governance-retention; GetObjectRetention.
    """
    bucket, version, until = locked_version(s3, bucket_factory)
    earlier = until - dt.timedelta(hours=1)
    retain(s3, bucket, version, GOV, earlier, BypassGovernanceRetention=True)
    expect_equal(retention_of(s3, bucket, version), (GOV, stamp(earlier)),
                 "GetObjectRetention after shortening with bypass")


def test_extending_governance_retention_is_allowed(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObjectRetention with a later GOVERNANCE date needs no bypass and takes effect.

    AWS S3 API Reference, PutObjectRetention; User Guide, "Retention periods" ("you can extend a retention
    period after you've applied it").
    """
    bucket, version, until = locked_version(s3, bucket_factory)
    later = until + dt.timedelta(days=1)
    retain(s3, bucket, version, GOV, later)
    expect_equal(retention_of(s3, bucket, version), (GOV, stamp(later)), "GetObjectRetention after extending")


@pytest.mark.severity("client")
def test_retention_with_unknown_mode_is_400_malformedxml(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObjectRetention with a Mode other than GOVERNANCE or COMPLIANCE answers 400 MalformedXML.

    AWS S3 API Reference, PutObjectRetention / ObjectLockRetention (Mode: GOVERNANCE | COMPLIANCE);
    "List of error codes" (MalformedXML).
    """
    bucket = lock_bucket(s3, bucket_factory)
    version = put_version(s3, bucket)
    with expect_error(400, "MalformedXML", "PutObjectRetention Mode=FOREVER"):
        retain(s3, bucket, version, "FOREVER", until_in(1))


@pytest.mark.severity("client")
def test_retention_in_the_past_is_400_invalidargument(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObjectRetention with a RetainUntilDate in the past answers 400 InvalidArgument.

    AWS S3 API Reference, PutObjectRetention / ObjectLockRetention (RetainUntilDate: "The date on which this
    Object Lock Retention will expire", it must be in the future); "List of error codes" (InvalidArgument).
    """
    bucket = lock_bucket(s3, bucket_factory)
    version = put_version(s3, bucket)
    with expect_error(400, "InvalidArgument", "PutObjectRetention with a RetainUntilDate a day ago"):
        retain(s3, bucket, version, GOV, until_in(-1))


@pytest.mark.severity("client")
def test_get_retention_of_object_without_retention_is_nosuchobjectlockconfiguration(
        s3: Any, bucket_factory: Callable[..., str]) -> None:
    """GetObjectRetention of a version that has no retention is refused with NoSuchObjectLockConfiguration.

    AWS S3 API Reference, GetObjectRetention; "List of error codes" (NoSuchObjectLockConfiguration: "The
    specified object does not have a ObjectLock configuration"). The status is not checked: AWS's error
    list does not give it and servers answer 400 or 404.
    """
    bucket = lock_bucket(s3, bucket_factory)
    version = put_version(s3, bucket)
    with expect_refused("GetObjectRetention of a version without retention") as seen:
        s3.get_object_retention(Bucket=bucket, Key="k", VersionId=version)
    expect_equal(seen.code, "NoSuchObjectLockConfiguration", "GetObjectRetention of a version without retention: code")


# --------------------------------------------------------------------------- COMPLIANCE retention


@pytest.mark.requires("compliance_lock")
def test_compliance_locked_version_survives_delete_with_bypass(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """DeleteObject of a COMPLIANCE-locked version is refused even with bypass, and the version stays.

    AWS S3 API Reference, DeleteObject (x-amz-bypass-governance-retention); User Guide, "Retention modes"
    (compliance mode: "a protected object version can't be overwritten or deleted by any user, including
    the root user").
    """
    bucket, version, _ = locked_version(s3, bucket_factory, COMP)
    rule = "DeleteObject versionId=<COMPLIANCE-locked version> with bypass"
    with expect_refused(rule):
        s3.delete_object(Bucket=bucket, Key="k", VersionId=version, BypassGovernanceRetention=True)
    expect_version(s3, bucket, version, rule)


@pytest.mark.requires("compliance_lock")
def test_shortening_compliance_retention_is_refused_even_with_bypass(
        s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObjectRetention with an earlier COMPLIANCE date is refused even with bypass; the date stays.

    AWS S3 API Reference, PutObjectRetention; User Guide, "Retention modes" (compliance mode: "its retention
    mode can't be changed, and its retention period can't be shortened").
    """
    bucket, version, until = locked_version(s3, bucket_factory, COMP)
    rule = "PutObjectRetention COMPLIANCE with an earlier date, with bypass"
    with expect_refused(rule):
        retain(s3, bucket, version, COMP, until - dt.timedelta(hours=1), BypassGovernanceRetention=True)
    expect_equal(retention_of(s3, bucket, version), (COMP, stamp(until)), f"{rule}: GetObjectRetention afterwards")


@pytest.mark.requires("compliance_lock")
def test_compliance_retention_cannot_become_governance(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObjectRetention changing COMPLIANCE to GOVERNANCE is refused even with bypass; the mode stays.

    AWS S3 API Reference, PutObjectRetention; User Guide, "Retention modes" (compliance mode: "its retention
    mode can't be changed").
    """
    bucket, version, until = locked_version(s3, bucket_factory, COMP)
    rule = "PutObjectRetention COMPLIANCE -> GOVERNANCE, with bypass"
    with expect_refused(rule):
        retain(s3, bucket, version, GOV, until, BypassGovernanceRetention=True)
    expect_equal(retention_of(s3, bucket, version), (COMP, stamp(until)), f"{rule}: GetObjectRetention afterwards")


@pytest.mark.requires("compliance_lock")
def test_extending_compliance_retention_is_allowed(s3: Any, bucket_factory: Callable[..., str]) -> None:
    """PutObjectRetention with a later COMPLIANCE date succeeds and takes effect.

    AWS S3 API Reference, PutObjectRetention; User Guide, "Retention periods" (a retention period can be extended).
    """
    bucket, version, until = locked_version(s3, bucket_factory, COMP, until_in(1))
    later = until + dt.timedelta(hours=1)
    retain(s3, bucket, version, COMP, later)
    expect_equal(retention_of(s3, bucket, version), (COMP, stamp(later)),
                 "GetObjectRetention after extending COMPLIANCE")
