"""Remove the buckets this run created, and nothing else.

Order: abort open multipart uploads, delete every object version and delete
marker, then the bucket. Each step falls back when the server lacks the feature
(no ListObjectVersions → plain listing; DeleteObjects rejected → one DELETE per
key), so a server without versioning or multi-object delete still gets clean
buckets and no case turns into a setup error because of it.

Object lock: a version whose delete is refused with AccessDenied has its legal hold
cleared and is deleted again with x-amz-bypass-governance-retention, so GOVERNANCE
and legal-hold buckets leave nothing behind. A version that is still refused and has
retention (COMPLIANCE, which nobody can lift, or a server that refuses the bypass) makes
the bucket a `LockedBucket`: the run records it with the date it can be deleted, apart
from the buckets cleanup failed on.

Late writes: a request the case gave up on (a cut upload, a racing PUT past its client's
timeout) can still land after the case ended. Three rounds run back to back; if the bucket
still is not empty, rounds go on with a growing pause until `SETTLE_S` seconds have passed
(a poll with a deadline). A bucket still not empty then is a `CleanupError` that names what
the server still lists.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import botocore.exceptions
import botocore.parsers

from gauntlet.s3.errors import client_error_details
from gauntlet.s3.naming import belongs_to_run


class ForeignBucket(Exception):
    """Refusal to touch a bucket this run did not create."""


class CleanupError(Exception):
    pass


class LockedBucket(CleanupError):
    """The bucket keeps versions under retention nobody can lift (COMPLIANCE) until `until` (ISO 8601)."""

    def __init__(self, bucket: str, until: str) -> None:
        super().__init__(f"bucket {bucket} holds object versions locked until {until}")
        self.bucket = bucket
        self.until = until


class _LockedVersions(Exception):
    def __init__(self, until: str) -> None:
        super().__init__(until)
        self.until = until


def _code(exc: botocore.exceptions.ClientError) -> str:
    return client_error_details(exc)[1] or ""


def _abort_uploads(client: Any, bucket: str) -> None:
    try:
        paginator = client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=bucket):
            for upload in page.get("Uploads", []) or []:
                with contextlib.suppress(botocore.exceptions.ClientError):
                    client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    except botocore.exceptions.ClientError:
        pass  # server can't list uploads: nothing more we can do here


def _versions(client: Any, bucket: str) -> list[dict[str, str]] | None:
    """Every version and delete marker, or None when the server can't list versions."""
    keys: list[dict[str, str]] = []
    try:
        for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for item in (page.get("Versions") or []) + (page.get("DeleteMarkers") or []):
                entry = {"Key": item["Key"]}
                if item.get("VersionId") and item["VersionId"] != "null":
                    entry["VersionId"] = item["VersionId"]
                elif item.get("VersionId") == "null":
                    entry["VersionId"] = "null"
                keys.append(entry)
    except (botocore.exceptions.ClientError, botocore.parsers.ResponseParserError):
        return None
    return keys


def _objects(client: Any, bucket: str) -> list[dict[str, str]]:
    keys: list[dict[str, str]] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys.extend({"Key": o["Key"]} for o in page.get("Contents") or [])
    except botocore.exceptions.ClientError:
        for page in client.get_paginator("list_objects").paginate(Bucket=bucket):
            keys.extend({"Key": o["Key"]} for o in page.get("Contents") or [])
    return keys


_GONE = ("NoSuchKey", "NoSuchVersion", "404")


def _retain_until(client: Any, bucket: str, entry: dict[str, str]) -> str | None:
    """The version's retain-until date (ISO 8601), or None when it has no retention."""
    try:
        until = client.get_object_retention(Bucket=bucket, **entry).get("Retention", {}).get("RetainUntilDate")
    except (botocore.exceptions.ClientError, botocore.parsers.ResponseParserError):
        return None
    if until is None:
        return None
    return until.isoformat() if hasattr(until, "isoformat") else str(until)


def _bucket_lock(client: Any, bucket: str) -> str | None:
    """For a version still refused whose retention can't be read: 'unknown (...)' when the bucket has
    object lock enabled (the version may be under its default retention), else None."""
    try:
        config = client.get_object_lock_configuration(Bucket=bucket).get("ObjectLockConfiguration") or {}
    except (botocore.exceptions.ClientError, botocore.parsers.ResponseParserError):
        return None
    if config.get("ObjectLockEnabled") != "Enabled":
        return None
    rule = (config.get("Rule") or {}).get("DefaultRetention") or {}
    period = " ".join(f"{rule[unit]} {unit.lower()}" for unit in ("Days", "Years") if rule.get(unit))
    return f"unknown (default retention {rule.get('Mode')} {period})" if rule else "unknown"


def _unlock_and_delete(client: Any, bucket: str, entry: dict[str, str]) -> tuple[bool, str | None]:
    """A version whose delete was refused may be under object lock: clear its legal hold and delete it
    again bypassing GOVERNANCE retention. Returns (deleted, retain-until date of a version still
    refused that has retention, i.e. COMPLIANCE)."""
    with contextlib.suppress(botocore.exceptions.ClientError, botocore.parsers.ResponseParserError):
        client.put_object_legal_hold(Bucket=bucket, LegalHold={"Status": "OFF"}, **entry)
    try:
        client.delete_object(Bucket=bucket, BypassGovernanceRetention=True, **entry)
    except botocore.exceptions.ClientError as exc:
        if _code(exc) in _GONE:
            return True, None
        return False, _retain_until(client, bucket, entry) or _bucket_lock(client, bucket)
    return True, None


def _delete_one_by_one(client: Any, bucket: str, keys: list[dict[str, str]]) -> None:
    locked: list[str] = []
    for entry in keys:
        try:
            client.delete_object(Bucket=bucket, **entry)
        except botocore.exceptions.ClientError as exc:
            if _code(exc) in _GONE:
                continue
            if entry.get("VersionId") not in (None, "null"):
                # refused (AWS: 403 AccessDenied; MinIO: 400 InvalidRequest): object lock?
                deleted, until = _unlock_and_delete(client, bucket, entry)
                if deleted:
                    continue
                if until is not None:
                    locked.append(until)
                    continue
            if "VersionId" in entry:
                # a "null" version id on a server without versioning: try the plain key
                client.delete_object(Bucket=bucket, Key=entry["Key"])
            else:
                raise
    if locked:
        raise _LockedVersions(max(locked, key=lambda until: (not until.startswith("unknown"), until)))


def _delete_keys(client: Any, bucket: str, keys: list[dict[str, str]], bulk: bool) -> bool:
    """Delete `keys`; returns whether DeleteObjects worked (so later rounds can skip it)."""
    if not keys:
        return bulk
    if bulk:
        try:
            for start in range(0, len(keys), 1000):
                chunk = keys[start : start + 1000]
                answer = client.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
                if answer.get("Errors"):
                    _delete_one_by_one(client, bucket, [
                        {k: v for k, v in e.items() if k in ("Key", "VersionId")} for e in answer["Errors"]
                    ])
            return True
        except (botocore.exceptions.ClientError, botocore.parsers.ResponseParserError):
            pass  # e.g. MissingContentMD5, NotImplemented: fall back
    _delete_one_by_one(client, bucket, keys)
    return False


QUICK_ROUNDS = 3
SETTLE_S = 10.0


def delete_bucket(client: Any, bucket: str, run_id: str, settle_s: float = SETTLE_S) -> None:
    """Empty and delete `bucket`, which must belong to run `run_id` (a bucket already gone is done).
    Rounds go on for up to `settle_s` seconds while the bucket is not empty (writes still landing)."""
    if not belongs_to_run(bucket, run_id):
        raise ForeignBucket(f"refusing to delete bucket '{bucket}': it was not created by run {run_id}")
    try:
        _empty_and_delete(client, bucket, settle_s)
    except _LockedVersions as locked:
        raise LockedBucket(bucket, locked.until) from None
    except botocore.exceptions.ClientError as exc:
        if _code(exc) not in ("NoSuchBucket", "404"):
            raise CleanupError(f"{exc.operation_name} {bucket}: {_code(exc)}") from None


def _empty_and_delete(client: Any, bucket: str, settle_s: float) -> None:
    bulk = True
    started = time.monotonic()
    rounds = 0
    while True:
        rounds += 1
        _abort_uploads(client, bucket)
        versions = _versions(client, bucket)
        bulk = _delete_keys(client, bucket, versions if versions is not None else _objects(client, bucket), bulk)
        if versions is not None:
            # objects a server lists only through the plain listing (versioning half-implemented)
            bulk = _delete_keys(client, bucket, _objects(client, bucket), bulk)
        try:
            client.delete_bucket(Bucket=bucket)
            return
        except botocore.exceptions.ClientError as exc:
            code = _code(exc)
            if code in ("NoSuchBucket", "404"):
                return
            if code != "BucketNotEmpty":
                raise CleanupError(f"DeleteBucket {bucket}: {code}") from None
        # Some servers answer DeleteObjects with success yet keep entries (JuiceFS leaves the
        # parent "dir/" markers of deleted keys): the next round deletes one key at a time.
        bulk = False
        # A file-backed server (rclone serve s3) keeps empty directories: listed only as common
        # prefixes, refused by DeleteBucket, removed by deleting the key "dir/".
        for prefix in reversed(_empty_directories(client, bucket)):
            with contextlib.suppress(botocore.exceptions.ClientError):
                client.delete_object(Bucket=bucket, Key=prefix)
        if rounds < QUICK_ROUNDS:
            continue
        elapsed = time.monotonic() - started
        if elapsed >= settle_s:
            raise CleanupError(f"bucket {bucket} still not empty after {rounds} cleanup rounds over {elapsed:.1f} s; "
                               f"the server still lists {_still_listed(client, bucket)}")
        time.sleep(min(0.25 * 2 ** (rounds - QUICK_ROUNDS), settle_s - elapsed))


def _still_listed(client: Any, bucket: str, shown: int = 5) -> str:
    """What a not-empty bucket still holds, for the leftover's reason: a few keys, uploads and prefixes."""
    found: list[str] = []
    with contextlib.suppress(botocore.exceptions.ClientError, botocore.parsers.ResponseParserError):
        found += [f"key {entry['Key']!r}" for entry in _objects(client, bucket)]
    with contextlib.suppress(botocore.exceptions.ClientError, botocore.parsers.ResponseParserError):
        uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads") or []
        found += [f"upload of {upload['Key']!r}" for upload in uploads]
    found += [f"prefix {prefix!r}" for prefix in _empty_directories(client, bucket)]
    if not found:
        return "nothing (yet DeleteBucket answers BucketNotEmpty)"
    more = f" and {len(found) - shown} more" if len(found) > shown else ""
    return ", ".join(found[:shown]) + more


def _empty_directories(client: Any, bucket: str, prefix: str = "", depth: int = 0) -> list[str]:
    """Every common prefix under `prefix` (delimiter "/"), parents before children, at most 8 deep."""
    if depth >= 8:
        return []
    found: list[str] = []
    try:
        answer = client.list_objects_v2(Bucket=bucket, Prefix=prefix, Delimiter="/")
    except botocore.exceptions.ClientError:
        return found
    for entry in answer.get("CommonPrefixes") or []:
        found.append(entry["Prefix"])
        found += _empty_directories(client, bucket, entry["Prefix"], depth + 1)
    return found


def sweep_run(client: Any, run_id: str) -> list[str]:
    """Delete every bucket of run `run_id` left on a target (after a crashed run); returns their names."""
    removed = []
    for entry in client.list_buckets().get("Buckets", []):
        name = entry["Name"]
        if belongs_to_run(name, run_id):
            delete_bucket(client, name, run_id)
            removed.append(name)
    return removed
