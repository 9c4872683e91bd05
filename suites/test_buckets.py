"""Bucket create / head / delete, bucket naming, ListBuckets, GetBucketLocation.

Every bucket a case creates is named by `gauntlet.s3.naming.new_bucket_name(run_id)`
(or derived from such a name, so it still carries the run prefix), except two
invalid names that can't carry it (a 2-character name, an IP address). A server
that wrongly accepts an invalid name gets that exact bucket deleted again by the
case — and only if it did not exist before the case asked for it.
"""

from __future__ import annotations

import datetime
import secrets
import string
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from gauntlet.fleet.running import LiveTarget
from gauntlet.plugin.checks import expect_equal, expect_error, expect_true, header, status_of
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.errors import client_error_details
from gauntlet.s3.naming import create_bucket_params, new_bucket_name

pytestmark = [pytest.mark.buckets, pytest.mark.severity("client")]


@pytest.fixture
def admin(s3_client: Callable[..., Any]) -> Any:
    """Client for bucket setup and read-back (no flexible checksums; `own_buckets` cleans up)."""
    return s3_client(checksum_mode="when_required")


# --------------------------------------------------------------------------- create / head / delete


@pytest.mark.smoke
def test_create_bucket_answers_200_with_location(target, admin, own_buckets):
    """CreateBucket answers 200 with a Location header: "/<bucket>" (outside us-east-1 AWS answers the
    bucket's URL, so there the header must name the bucket).

    AWS S3 API Reference, CreateBucket: Response Syntax (HTTP 200, Location: "A forward slash followed by the
    name of the bucket").
    """
    name = own_buckets.new()
    answer = admin.create_bucket(**create_bucket_params(name, target.region))
    expect_equal(status_of(answer), 200, "CreateBucket status")
    location = header(answer, "location")
    if target.region in ("", "us-east-1"):
        expect_equal(location, f"/{name}", "CreateBucket Location header")
    else:
        expect_true(bool(location) and name in location, "CreateBucket Location header names the bucket",
                    f"server sent Location {location!r}")


@pytest.mark.smoke
def test_head_bucket_of_created_bucket_is_200(s3, bucket):
    """HeadBucket on a bucket the caller just created answers 200.

    AWS S3 API Reference, HeadBucket: "If the bucket exists and you have permission to access it, the
    action returns a 200 OK response".
    """
    answer = s3.head_bucket(Bucket=bucket)
    expect_equal(status_of(answer), 200, "HeadBucket on an existing bucket")


def test_head_bucket_reports_region_header(target, s3, bucket):
    """HeadBucket answers the bucket's Region in the x-amz-bucket-region header.

    AWS S3 API Reference, HeadBucket: Response (x-amz-bucket-region); GetBucketLocation: "HeadBucket
    operation always return[s] the bucket's location through an HTTP response header".
    """
    answer = s3.head_bucket(Bucket=bucket)
    expect_equal(header(answer, "x-amz-bucket-region"), target.region or "us-east-1",
                 "HeadBucket x-amz-bucket-region header")


def test_head_missing_bucket_is_404(s3, run_id):
    """HeadBucket on a bucket that does not exist answers 404 (a HEAD answer has no body, so no code).

    AWS S3 API Reference, HeadBucket: "If the bucket does not exist or you do not have permission to access
    it, the HEAD request returns a generic 400 Bad Request, 403 Forbidden or 404 Not Found code" — 404 for a
    bucket that does not exist and an authorised caller.
    """
    with expect_error(404, None, "HeadBucket on a missing bucket"):
        s3.head_bucket(Bucket=new_bucket_name(run_id))


@pytest.mark.smoke
def test_delete_empty_bucket_is_204_then_gone(target, admin, s3, own_buckets):
    """DeleteBucket of an empty bucket answers 204 No Content; HeadBucket then answers 404 and
    ListBuckets no longer shows it.

    AWS S3 API Reference, DeleteBucket: Response Syntax (HTTP/1.1 204); HeadBucket (404).
    """
    name = own_buckets.new()
    admin.create_bucket(**create_bucket_params(name, target.region))
    answer = s3.delete_bucket(Bucket=name)
    expect_equal(status_of(answer), 204, "DeleteBucket status")
    with expect_error(404, None, "HeadBucket after DeleteBucket"):
        s3.head_bucket(Bucket=name)
    listed = [b["Name"] for b in s3.list_buckets().get("Buckets") or []]
    expect_true(name not in listed, "ListBuckets after DeleteBucket", "the deleted bucket is still listed")


def test_delete_missing_bucket_is_404_nosuchbucket(s3, run_id):
    """DeleteBucket on a bucket that does not exist answers 404 NoSuchBucket.

    AWS S3 API Reference, DeleteBucket: Errors; "List of error codes" (NoSuchBucket).
    """
    with expect_error(404, "NoSuchBucket", "DeleteBucket on a missing bucket"):
        s3.delete_bucket(Bucket=new_bucket_name(run_id))


def test_delete_nonempty_bucket_is_409_bucketnotempty(target, s3, admin, own_buckets):
    """DeleteBucket on a bucket holding an object answers 409 BucketNotEmpty (that the bucket and the
    object stay is test_refusals.py's case).

    AWS S3 API Reference, DeleteBucket: "All objects ... in the bucket must be deleted before the bucket
    itself can be deleted"; "List of error codes" (BucketNotEmpty, 409).
    """
    # a bucket of the case's own: a server that wrongly deletes it must not turn cleanup into noise
    bucket = own_buckets.new()
    admin.create_bucket(**create_bucket_params(bucket, target.region))
    admin.put_object(Bucket=bucket, Key="still-here", Body=b"x")
    with expect_error(409, "BucketNotEmpty", "DeleteBucket on a non-empty bucket"):
        s3.delete_bucket(Bucket=bucket)


def test_create_bucket_already_owned(target, s3, admin, bucket):
    """Creating a bucket the caller already owns answers 409 BucketAlreadyOwnedByYou; in us-east-1 AWS
    may instead answer 200 (legacy) — either way the bucket and its objects stay.

    AWS S3 API Reference, CreateBucket: Errors / "BucketAlreadyOwnedByYou": "Amazon S3 returns this error in
    all AWS Regions except in the North Virginia Region. For legacy compatibility, if you re-create an
    existing bucket that you already own in the North Virginia Region, Amazon S3 returns 200 OK and resets
    the bucket access control lists (ACLs)."
    """
    admin.put_object(Bucket=bucket, Key="kept", Body=b"kept")
    legacy_ok = target.region in ("", "us-east-1")
    try:
        answer = s3.create_bucket(**create_bucket_params(bucket, target.region))
    except botocore.exceptions.ClientError:
        with expect_error(409, "BucketAlreadyOwnedByYou", "CreateBucket on a bucket the caller owns"):
            raise
    else:
        if not legacy_ok:
            raise S3Mismatch(f"CreateBucket on a bucket the caller owns (region {target.region}): S3 requires "
                             "HTTP 409 BucketAlreadyOwnedByYou; the server accepted the request", 200, None)
        expect_equal(status_of(answer), 200, "CreateBucket on an owned bucket in us-east-1 (legacy answer)")
    body = s3.get_object(Bucket=bucket, Key="kept")["Body"].read()
    expect_equal(body, b"kept", "object in a bucket after CreateBucket was repeated")


# --------------------------------------------------------------------------- naming


def _random_label(length: int) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(secrets.choice(alphabet) for _ in range(length - 1))


INVALID_NAMES: dict[str, Callable[[str], str]] = {
    # each gets a fresh, valid run-prefixed name and breaks one rule
    "too_short_2_chars": lambda fresh: _random_label(2),
    "too_long_64_chars": lambda fresh: (fresh + "x" * 64)[:64],
    "uppercase": lambda fresh: fresh.upper(),
    "underscore": lambda fresh: fresh.replace("-", "_", 1),
    "starts_with_hyphen": lambda fresh: "-" + fresh[1:],
    "ends_with_hyphen": lambda fresh: fresh + "-",
    "adjacent_periods": lambda fresh: fresh.replace("-", "..", 1),
    "ip_address": lambda fresh: f"192.168.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}",
}


def _exists(client: Any, name: str) -> bool:
    """Whether a bucket of that name exists (ours or someone else's) before the case asks for it."""
    try:
        client.head_bucket(Bucket=name)
        return True
    except botocore.exceptions.ClientError as exc:
        return client_error_details(exc)[0] in (301, 403)


def _expect_invalid_name_rejected(client: Any, target: LiveTarget, name: str, rule: str) -> None:
    """CreateBucket must answer 400 InvalidBucketName. If the server creates the bucket instead, delete
    exactly that bucket again (unless it existed before this case) and fail."""
    existed = _exists(client, name)
    try:
        client.create_bucket(**create_bucket_params(name, target.region))
    except botocore.exceptions.ClientError:
        with expect_error(400, "InvalidBucketName", rule):
            raise
        return
    if existed:
        aftermath = "it existed before the case, so it was left alone"
    else:
        try:
            client.delete_bucket(Bucket=name)
            aftermath = "the case deleted it again"
        except botocore.exceptions.ClientError as exc:
            status, code, _ = client_error_details(exc)
            aftermath = f"deleting it again failed ({status} {code}): remove bucket {name!r} by hand"
    raise S3Mismatch(f"{rule}: S3 requires HTTP 400 InvalidBucketName; the server created bucket {name!r} "
                     f"({aftermath})", 200, None)


@pytest.mark.parametrize("flaw", list(INVALID_NAMES))
def test_create_bucket_rejects_invalid_name(target, admin, run_id, flaw):
    """CreateBucket with a name breaking a general-purpose bucket naming rule answers 400 InvalidBucketName:
    3-63 characters; only lowercase letters, digits, periods and hyphens; begins and ends with a letter or
    digit; no two adjacent periods; not formatted as an IP address.

    Amazon S3 User Guide, "General purpose bucket naming rules"; AWS S3 API Reference, "List of error codes"
    (InvalidBucketName, 400).
    """
    name = INVALID_NAMES[flaw](new_bucket_name(run_id))
    _expect_invalid_name_rejected(admin, target, name, f"CreateBucket named {name!r} ({flaw.replace('_', ' ')})")


VALID_EDGE_NAMES: dict[str, Callable[[str], str]] = {
    "exactly_63_chars": lambda fresh: (fresh + "y" * 63)[:63],
    "with_single_periods": lambda fresh: fresh + ".a.b",
}


@pytest.mark.parametrize("shape", list(VALID_EDGE_NAMES))
def test_create_bucket_accepts_valid_edge_name(target, admin, s3, run_id, own_buckets, shape):
    """Names at the edge of the rules are valid: exactly 63 characters, or containing single periods;
    CreateBucket answers 200 and HeadBucket finds the bucket.

    Amazon S3 User Guide, "General purpose bucket naming rules" (3-63 characters; periods allowed).
    """
    name = own_buckets.add(VALID_EDGE_NAMES[shape](new_bucket_name(run_id)))
    answer = admin.create_bucket(**create_bucket_params(name, target.region))
    expect_equal(status_of(answer), 200, f"CreateBucket named {name!r} ({len(name)} chars)")
    expect_equal(status_of(s3.head_bucket(Bucket=name)), 200, f"HeadBucket on {name!r}")


# --------------------------------------------------------------------------- ListBuckets, GetBucketLocation


def test_list_buckets_shows_bucket_with_creation_date(s3, bucket):
    """ListBuckets includes a newly created bucket with a CreationDate close to now, and the Owner.

    AWS S3 API Reference, ListBuckets: Response (Buckets/Bucket: Name, CreationDate; Owner).
    """
    started = datetime.datetime.now(datetime.timezone.utc)
    answer = s3.list_buckets()
    entries = {b["Name"]: b for b in answer.get("Buckets") or []}
    expect_true(bucket in entries, "ListBuckets shows the bucket just created",
                f"{bucket!r} not among {len(entries)} listed bucket(s)")
    created = entries[bucket].get("CreationDate")
    expect_true(isinstance(created, datetime.datetime), "ListBuckets: CreationDate of the bucket",
                f"server sent {created!r}")
    age = (started - created).total_seconds()
    expect_true(-300 < age < 300, "ListBuckets: CreationDate is the time the bucket was created",
                f"CreationDate {created.isoformat()} is {age:.0f} s away from now")
    expect_true(bool((answer.get("Owner") or {}).get("ID")), "ListBuckets: Owner.ID",
                f"server sent Owner {answer.get('Owner')!r}")


def test_get_bucket_location_returns_region(target, s3, bucket):
    """GetBucketLocation answers the bucket's Region; for us-east-1 the LocationConstraint is empty (null).

    AWS S3 API Reference, GetBucketLocation: Response (LocationConstraint: "Buckets in Region us-east-1 have
    a LocationConstraint of null").
    """
    constraint = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    if target.region in ("", "us-east-1"):
        expect_true(constraint in (None, ""), "GetBucketLocation for a us-east-1 bucket is null",
                    f"server sent LocationConstraint {constraint!r}")
    else:
        expect_equal(constraint, target.region, "GetBucketLocation LocationConstraint")


def test_get_bucket_location_missing_bucket_is_404_nosuchbucket(s3, run_id):
    """GetBucketLocation on a bucket that does not exist answers 404 NoSuchBucket.

    AWS S3 API Reference, GetBucketLocation; "List of error codes" (NoSuchBucket).
    """
    with expect_error(404, "NoSuchBucket", "GetBucketLocation on a missing bucket"):
        s3.get_bucket_location(Bucket=new_bucket_name(run_id))
