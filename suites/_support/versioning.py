"""Turning bucket versioning on or off, and writing versions, for every suite that needs a versioned bucket.

One helper for every area (versioning, tagging, conditional writes, object attributes, lifecycle,
object lock), so a server's answer to PutBucketVersioning gets one verdict wherever a case
depends on it: 501/NotImplemented makes the case *unsupported* (the server has no versioning, so
the case's own rule cannot be tested); any other refusal, or a 200 that GetBucketVersioning then
contradicts, is a failure saying so — not a confusing failure further down the case.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions

from gauntlet.plugin.checks import expect_equal, expect_true, status_of, unsupported
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.errors import client_error_details, is_not_implemented


def set_versioning(s3: Any, bucket: str, status: str = "Enabled") -> None:
    """PutBucketVersioning, then GetBucketVersioning must show the new status.

    501/NotImplemented makes the case unsupported; any other refusal, or a 200 that the
    server then ignores, is a failure that says so.
    """
    rule = f"PutBucketVersioning Status={status}"
    try:
        answer = s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
    except botocore.exceptions.ClientError as exc:
        got_status, code, message = client_error_details(exc)
        if is_not_implemented(got_status, code):
            unsupported(f"{rule}: server answered {got_status} {code}: bucket versioning is not implemented")
        raise S3Mismatch(f"{rule}: S3 requires 200 OK; server answered {got_status} {code}: {message}".rstrip(": "),
                         got_status, code) from None
    expect_equal(status_of(answer), 200, f"{rule}: status")
    shown = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    expect_true(shown == status, rule,
                f"the server answered 200 but GetBucketVersioning then shows Status={shown!r}: "
                f"it ignores the versioning setting")


def put_version(s3: Any, bucket: str, key: str, body: bytes, where: str = "a versioning-enabled bucket",
                **kwargs: Any) -> str:
    """PutObject in a bucket with versioning on; returns the new version id (which S3 must give).

    `where` names the bucket in the failure message (a lock-enabled bucket is versioned too).
    """
    version = s3.put_object(Bucket=bucket, Key=key, Body=body, **kwargs).get("VersionId")
    expect_true(bool(version) and version != "null", f"PutObject in {where}",
                f"S3 requires a new x-amz-version-id; server gave {version!r}")
    return str(version)
