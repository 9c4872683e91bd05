"""Conditional writes and deletes: If-Match / If-None-Match on CompleteMultipartUpload, DeleteObject,
per-entry ETag conditions in DeleteObjects, and conditional writes that race each other.

suites/test_conditional.py holds conditional GET/HEAD/COPY, conditional PutObject and
CompleteMultipartUpload If-None-Match: *; this file does not repeat them.

AWS S3 User Guide, "How to prevent object overwrites with conditional writes" and "How to perform
conditional deletes": a failed precondition answers 412 PreconditionFailed; a conflicting concurrent
operation may answer 409 ConditionalRequestConflict instead. Where "refused with another code" and
"done anyway" are different harms there are two cases: the code, and the state read back.

x-amz-if-match-size / x-amz-if-match-last-modified-time on DeleteObject are not checked: the API
reference documents them for directory buckets only, so a general-purpose bucket ignoring them is
no deviation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import botocore.exceptions
import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_refused, expect_true, status_of
from gauntlet.s3.data import md5_hex
from gauntlet.s3.errors import client_error_details
from suites._support.listing import content_md5_delete_client, private_client
from suites._support.multipart import one_part_upload
from suites._support.versioning import set_versioning

pytestmark = [pytest.mark.conditional, pytest.mark.severity("client")]

KEY = "condw/object.txt"
BODY = b"conditional writes: the stored body\n"
NEW = b"conditional writes: the replacement\n"
#: A well-formed ETag that no object in these cases has.
OTHER_ETAG = f'"{md5_hex(b"some other content")}"'
#: Statuses a refused conditional write may have: 412, or 409 when S3 saw a conflicting operation.
REFUSED = (412, 409)
RACE_PAIRS = 8


# --------------------------------------------------------------------------- helpers


def _put(s3: Any, bucket: str, key: str = KEY, body: bytes = BODY) -> str:
    """Store an object; return its ETag."""
    return str(s3.put_object(Bucket=bucket, Key=key, Body=body)["ETag"])


def _body(s3: Any, bucket: str, key: str = KEY) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def _absent(s3: Any, bucket: str, key: str, rule: str) -> None:
    with expect_error(404, None, f"{rule}: HeadObject afterwards must find no object"):
        s3.head_object(Bucket=bucket, Key=key)


def _complete(s3: Any, bucket: str, upload_id: str, parts: list[dict[str, Any]], **conditions: Any) -> Any:
    return s3.complete_multipart_upload(Bucket=bucket, Key=KEY, UploadId=upload_id,
                                        MultipartUpload={"Parts": parts}, **conditions)


@pytest.fixture
def s3(s3_client: Callable[..., Any]) -> Any:
    """The suite's client, response checksum validation off: a server's wrong checksum on a read-back
    is the checksum suite's finding, not a conditional-write one."""
    return s3_client(checksum_mode="when_required")


@pytest.fixture
def deleter(target: Any) -> Any:
    """DeleteObjects with Content-MD5 (no CRC32 header, which MinIO-derived servers reject)."""
    return content_md5_delete_client(target)


# --------------------------------------------------------------------------- CompleteMultipartUpload If-Match


@pytest.mark.requires("conditional_writes", "multipart")
def test_complete_multipart_if_match_current_etag_replaces_object(s3: Any, bucket: str) -> None:
    """CompleteMultipartUpload with If-Match = the current ETag completes and the new bytes read back.

    AWS S3 API Reference, CompleteMultipartUpload: Request syntax, If-Match ("Uploads the object only
    if the ETag ... matches the ETag of the object in S3").
    """
    etag = _put(s3, bucket)
    upload_id, parts = one_part_upload(s3, bucket, KEY, NEW)
    response = _complete(s3, bucket, upload_id, parts, IfMatch=etag)
    expect_equal(status_of(response), 200, "CompleteMultipartUpload with If-Match = current ETag: status")
    expect_equal(_body(s3, bucket), NEW, "CompleteMultipartUpload with If-Match = current ETag: stored body")


@pytest.mark.requires("conditional_writes", "multipart")
@pytest.mark.severity("data")
def test_complete_multipart_if_match_stale_etag_is_412_and_keeps_object(s3: Any, bucket: str) -> None:
    """CompleteMultipartUpload with If-Match = a stale ETag answers 412 and the object is unchanged.

    AWS S3 API Reference, CompleteMultipartUpload: Request syntax, If-Match ("If the ETag values do
    not match, the operation returns a 412 Precondition Failed error").
    """
    stale = _put(s3, bucket, body=b"first version")
    _put(s3, bucket)
    upload_id, parts = one_part_upload(s3, bucket, KEY, NEW)
    with expect_error(412, "PreconditionFailed", "CompleteMultipartUpload with If-Match = a stale ETag"):
        _complete(s3, bucket, upload_id, parts, IfMatch=stale)
    expect_equal(_body(s3, bucket), BODY, "a refused conditional CompleteMultipartUpload must not change the object")


@pytest.mark.requires("conditional_writes", "multipart")
@pytest.mark.severity("detail")
def test_complete_multipart_if_match_stale_etag_leaves_upload_in_progress(s3: Any, bucket: str) -> None:
    """After a 412 on CompleteMultipartUpload the upload is still in progress: ListParts lists its part.

    AWS S3 API Reference, CompleteMultipartUpload: If-Match / If-None-Match (only a 409
    ConditionalRequestConflict asks the caller to re-initiate the upload with
    CreateMultipartUpload; a 412 ends nothing); ListParts.
    """
    stale = _put(s3, bucket, body=b"first version")
    _put(s3, bucket)
    upload_id, parts = one_part_upload(s3, bucket, KEY, NEW)
    with expect_refused("CompleteMultipartUpload with If-Match = a stale ETag"):
        _complete(s3, bucket, upload_id, parts, IfMatch=stale)
    listed = s3.list_parts(Bucket=bucket, Key=KEY, UploadId=upload_id)
    expect_equal([p["PartNumber"] for p in listed.get("Parts", [])], [1],
                 "ListParts after a refused conditional complete: the upload keeps its part")
    s3.abort_multipart_upload(Bucket=bucket, Key=KEY, UploadId=upload_id)


@pytest.mark.requires("conditional_writes", "multipart")
def test_complete_multipart_if_match_on_missing_key_is_404_nosuchkey(s3: Any, bucket: str) -> None:
    """CompleteMultipartUpload with If-Match on a key with no object answers 404 NoSuchKey; nothing is stored.

    AWS S3 API Reference, CompleteMultipartUpload: If-Match (the ETag is compared with the object
    in S3; there is none), Errors: NoSuchKey; S3 User Guide, "Conditional requests".
    """
    upload_id, parts = one_part_upload(s3, bucket, KEY, NEW)
    with expect_error(404, "NoSuchKey", "CompleteMultipartUpload with If-Match on a missing key"):
        _complete(s3, bucket, upload_id, parts, IfMatch=OTHER_ETAG)
    _absent(s3, bucket, KEY, "CompleteMultipartUpload with If-Match on a missing key")


@pytest.mark.requires("conditional_writes", "multipart")
@pytest.mark.severity("data")
def test_complete_multipart_if_none_match_after_racing_put_is_refused(s3: Any, bucket: str) -> None:
    """If-None-Match: * on CompleteMultipartUpload is checked at completion: a PutObject that landed after
    CreateMultipartUpload makes it 412 (or 409 ConditionalRequestConflict), and the racing object stays.

    AWS S3 API Reference, CompleteMultipartUpload: Request syntax, If-None-Match ("Uploads the object
    only if the object key name does not already exist ... Otherwise, Amazon S3 returns a 412
    Precondition Failed error. If a conflicting operation occurs during the upload S3 returns a 409").
    """
    upload_id, parts = one_part_upload(s3, bucket, KEY, NEW)
    _put(s3, bucket)
    rule = "CompleteMultipartUpload with If-None-Match: * after another PutObject created the key"
    with expect_refused(rule) as seen:
        _complete(s3, bucket, upload_id, parts, IfNoneMatch="*")
    expect_true(seen.status in REFUSED, rule, f"S3 requires 412 or 409; server answered {seen.status} {seen.code}")
    expect_equal(_body(s3, bucket), BODY, f"{rule}: the object that won the race stays")


@pytest.mark.requires("conditional_writes", "multipart")
def test_complete_multipart_if_match_unquoted_etag_replaces_object(s3: Any, bucket: str) -> None:
    """CompleteMultipartUpload with If-Match = the current ETag without quotes also completes.

    S3 User Guide, "How to prevent object overwrites with conditional writes" (the CLI examples pass
    the ETag's hex digest without quotes); AWS S3 API Reference, CompleteMultipartUpload: If-Match.
    """
    etag = _put(s3, bucket)
    upload_id, parts = one_part_upload(s3, bucket, KEY, NEW)
    response = _complete(s3, bucket, upload_id, parts, IfMatch=etag.strip('"'))
    expect_equal(status_of(response), 200, "CompleteMultipartUpload with If-Match = unquoted current ETag: status")
    expect_equal(_body(s3, bucket), NEW, "CompleteMultipartUpload with If-Match = unquoted current ETag: stored body")


@pytest.mark.requires("conditional_writes", "multipart")
@pytest.mark.severity("data")
def test_racing_if_none_match_completes_have_exactly_one_winner(target: Any, s3: Any, bucket: str) -> None:
    """Two uploads of the same new key completed together with If-None-Match: *: one 200, the other 412
    (or 409), and the stored bytes are the winner's.

    AWS S3 API Reference, CompleteMultipartUpload: If-None-Match ("Uploads the object only if the object
    key name does not already exist ... If a conflicting operation occurs during the upload S3 returns a
    409 ConditionalRequestConflict"); S3 User Guide, "How to prevent object overwrites with conditional writes".
    """
    first, second = _racers(target)
    bodies = (b"multipart racer A\n", b"multipart racer B\n")
    uploads = [one_part_upload(s3, bucket, KEY, body) for body in bodies]
    outcome = _race([
        partial(client.complete_multipart_upload, Bucket=bucket, Key=KEY, UploadId=upload_id,
                MultipartUpload={"Parts": parts}, IfNoneMatch="*")
        for client, (upload_id, parts) in zip((first, second), uploads, strict=True)
    ])
    rule = "two CompleteMultipartUpload If-None-Match: * racing for one new key"
    winners = [i for i, (status, _) in enumerate(outcome) if status == 200]
    expect_true(len(winners) == 1, rule, f"S3 lets exactly one complete win; the answers were {outcome}")
    loser = outcome[1 - winners[0]]
    expect_true(loser[0] in REFUSED, rule, f"the losing complete must get 412 or 409; it got {loser}")
    expect_equal(_body(s3, bucket), bodies[winners[0]], f"{rule}: the stored bytes are the winner's")


# --------------------------------------------------------------------------- DeleteObject If-Match


@pytest.mark.severity("data")
def test_delete_if_match_current_etag_deletes(s3: Any, bucket: str) -> None:
    """DeleteObject with If-Match = the current ETag answers 204 and the object is gone.

    AWS S3 API Reference, DeleteObject: Request syntax, If-Match; S3 User Guide, "How to perform
    conditional deletes" ("the DeleteObject requests succeeds, and returns a 204 No content").
    """
    etag = _put(s3, bucket)
    response = s3.delete_object(Bucket=bucket, Key=KEY, IfMatch=etag)
    expect_equal(status_of(response), 204, "DeleteObject with If-Match = current ETag: status")
    _absent(s3, bucket, KEY, "DeleteObject with If-Match = current ETag")


def test_delete_if_match_stale_etag_is_412_preconditionfailed(s3: Any, bucket: str) -> None:
    """DeleteObject with If-Match = an ETag the object no longer has answers 412 PreconditionFailed.

    AWS S3 API Reference, DeleteObject: If-Match ("If the ETag values do not match, the operation
    returns a 412 Precondition Failed error"); S3 User Guide, "How to perform conditional deletes".
    """
    stale = _put(s3, bucket, body=b"first version")
    _put(s3, bucket)
    with expect_error(412, "PreconditionFailed", "DeleteObject with If-Match = a stale ETag"):
        s3.delete_object(Bucket=bucket, Key=KEY, IfMatch=stale)


@pytest.mark.severity("data")
def test_delete_if_match_stale_etag_keeps_object(s3: Any, bucket: str) -> None:
    """DeleteObject with If-Match = a stale ETag is refused and the object is still there.

    S3 User Guide, "How to perform conditional deletes" ("If the ETag doesn't match, the delete
    operation fails"); AWS S3 API Reference, DeleteObject: If-Match.
    """
    stale = _put(s3, bucket, body=b"first version")
    _put(s3, bucket)
    rule = "DeleteObject with If-Match = a stale ETag"
    with expect_refused(rule):
        s3.delete_object(Bucket=bucket, Key=KEY, IfMatch=stale)
    expect_equal(_body(s3, bucket), BODY, f"{rule}: the object read back afterwards")


@pytest.mark.severity("detail")
def test_delete_if_match_on_missing_key_is_404_nosuchkey(s3: Any, bucket: str) -> None:
    """DeleteObject with If-Match on a key with no object answers 404 NoSuchKey.

    S3 User Guide, "How to perform conditional deletes" (If-Match evaluates against an existing
    object; "How to check if your object exists before deleting it"); AWS S3 API Reference,
    DeleteObject: If-Match. AWS answers 404 NoSuchKey for general purpose buckets (the API
    reference's "204 if the object doesn't exist" wording comes from the directory-bucket
    headers x-amz-if-match-size / -last-modified-time); hence severity detail.
    """
    with expect_error(404, "NoSuchKey", "DeleteObject with If-Match on a missing key"):
        s3.delete_object(Bucket=bucket, Key=KEY, IfMatch=OTHER_ETAG)


@pytest.mark.severity("data")
def test_delete_if_match_star_on_existing_key_deletes(s3: Any, bucket: str) -> None:
    """DeleteObject with If-Match: * on a key that exists answers 204 and the object is gone.

    S3 User Guide, "How to perform conditional deletes" ("use the HTTP If-Match header with the
    precondition value * to check if object exists"); AWS S3 API Reference, DeleteObject: If-Match.
    """
    _put(s3, bucket)
    response = s3.delete_object(Bucket=bucket, Key=KEY, IfMatch="*")
    expect_equal(status_of(response), 204, "DeleteObject with If-Match: * on an existing key: status")
    _absent(s3, bucket, KEY, "DeleteObject with If-Match: * on an existing key")


@pytest.mark.severity("data")
def test_delete_if_match_unquoted_etag_deletes(s3: Any, bucket: str) -> None:
    """DeleteObject with If-Match = the current ETag without quotes deletes (the CLI example form).

    S3 User Guide, "How to perform conditional deletes" (the delete-object --if-match example passes
    the hex digest without quotes); AWS S3 API Reference, DeleteObject: If-Match.
    """
    etag = _put(s3, bucket)
    response = s3.delete_object(Bucket=bucket, Key=KEY, IfMatch=etag.strip('"'))
    expect_equal(status_of(response), 204, "DeleteObject with If-Match = unquoted current ETag: status")
    _absent(s3, bucket, KEY, "DeleteObject with If-Match = unquoted current ETag")


@pytest.mark.severity("detail")
def test_delete_if_match_star_on_missing_key_is_404_nosuchkey(s3: Any, bucket: str) -> None:
    """DeleteObject with If-Match: * on a key with no object answers 404 NoSuchKey.

    S3 User Guide, "How to perform conditional deletes" / "How to check if your object exists before
    deleting it" (If-Match: * succeeds only when the object exists); AWS S3 API Reference, DeleteObject:
    If-Match.
    """
    with expect_error(404, "NoSuchKey", "DeleteObject with If-Match: * on a missing key"):
        s3.delete_object(Bucket=bucket, Key=KEY, IfMatch="*")


@pytest.mark.requires("versioning")
@pytest.mark.severity("data")
def test_delete_if_match_in_versioned_bucket_adds_delete_marker_and_keeps_version(s3: Any, bucket: str) -> None:
    """In a versioned bucket, DeleteObject with If-Match = the current ETag adds a delete marker and keeps
    the version, whose bytes still read back by versionId.

    S3 User Guide, "How to perform conditional deletes" ("Conditional delete evaluations only apply to
    the current version of the object"); AWS S3 API Reference, DeleteObject: If-Match, x-amz-delete-marker.
    """
    set_versioning(s3, bucket)
    put = s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
    response = s3.delete_object(Bucket=bucket, Key=KEY, IfMatch=put["ETag"])
    rule = "DeleteObject with If-Match = current ETag in a versioned bucket"
    expect_equal(response.get("DeleteMarker"), True, f"{rule}: x-amz-delete-marker")
    kept = s3.get_object(Bucket=bucket, Key=KEY, VersionId=put["VersionId"])["Body"].read()
    expect_equal(kept, BODY, f"{rule}: the version read back by versionId")


# --------------------------------------------------------------------------- DeleteObjects per-entry ETag


def _delete_objects(client: Any, bucket: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    return dict(client.delete_objects(Bucket=bucket, Delete={"Objects": entries, "Quiet": False}))


@pytest.mark.requires("delete_objects")
@pytest.mark.severity("data")
def test_delete_objects_matching_etag_deletes_entry(s3: Any, deleter: Any, bucket: str) -> None:
    """DeleteObjects with an entry whose ETag matches deletes that object and lists it under Deleted.

    AWS S3 API Reference, DeleteObjects: Request syntax, Object ETag; S3 User Guide, "How to perform
    conditional deletes" ("If the precondition is successful, the object's response is captured in
    the <Deleted> element").
    """
    etag = _put(s3, bucket)
    response = _delete_objects(deleter, bucket, [{"Key": KEY, "ETag": etag}])
    expect_equal([d.get("Key") for d in response.get("Deleted", [])], [KEY], "DeleteObjects, matching ETag: Deleted")
    _absent(s3, bucket, KEY, "DeleteObjects with a matching per-entry ETag")


@pytest.mark.requires("delete_objects")
def test_delete_objects_mismatching_etag_reports_preconditionfailed(s3: Any, deleter: Any, bucket: str) -> None:
    """DeleteObjects with an entry whose ETag does not match reports it under Errors with Code PreconditionFailed.

    AWS S3 API Reference, DeleteObjects: Object ETag, Error; S3 User Guide, "How to perform conditional
    deletes" ("If the precondition fails, the object's response is captured in the <Error> element").
    """
    _put(s3, bucket)
    response = _delete_objects(deleter, bucket, [{"Key": KEY, "ETag": OTHER_ETAG}])
    errors = [(e.get("Key"), e.get("Code")) for e in response.get("Errors", [])]
    expect_equal(errors, [(KEY, "PreconditionFailed")], "DeleteObjects, mismatching ETag: Errors")


@pytest.mark.requires("delete_objects")
@pytest.mark.severity("data")
def test_delete_objects_mismatching_etag_keeps_object(s3: Any, deleter: Any, bucket: str) -> None:
    """DeleteObjects with an entry whose ETag does not match leaves that object in place.

    S3 User Guide, "How to perform conditional deletes" (DeleteObjects: the ETag element makes the
    deletion of that object conditional); AWS S3 API Reference, DeleteObjects: Object ETag.
    """
    _put(s3, bucket)
    rule = "DeleteObjects with a mismatching per-entry ETag"
    response = _delete_objects(deleter, bucket, [{"Key": KEY, "ETag": OTHER_ETAG}])
    expect_equal([d.get("Key") for d in response.get("Deleted", [])], [], f"{rule}: Deleted")
    expect_equal(_body(s3, bucket), BODY, f"{rule}: the object read back afterwards")


@pytest.mark.requires("delete_objects")
@pytest.mark.severity("data")
def test_delete_objects_mixed_batch_deletes_only_matching_entries(s3: Any, deleter: Any, bucket: str) -> None:
    """In one DeleteObjects batch, entries with a matching ETag (or none) are deleted, the others kept.

    AWS S3 API Reference, DeleteObjects: Object ETag (conditions are per object; the response carries
    a Deleted or Error element per object); S3 User Guide, "How to perform conditional deletes".
    """
    keys = [f"condw/mixed-{i}" for i in range(4)]
    etags = [_put(s3, bucket, key, f"mixed {i}\n".encode()) for i, key in enumerate(keys)]
    entries = [
        {"Key": keys[0], "ETag": etags[0]},
        {"Key": keys[1], "ETag": OTHER_ETAG},
        {"Key": keys[2]},
        {"Key": keys[3], "ETag": etags[0]},
    ]
    rule = "DeleteObjects batch mixing matching, mismatching and unconditional entries"
    response = _delete_objects(deleter, bucket, entries)
    expect_equal(sorted(str(d.get("Key")) for d in response.get("Deleted", [])), [keys[0], keys[2]], f"{rule}: Deleted")
    expect_equal(sorted(str(e.get("Key")) for e in response.get("Errors", [])), [keys[1], keys[3]], f"{rule}: Errors")
    remaining = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    expect_equal(remaining, [keys[1], keys[3]], f"{rule}: keys left in the bucket")


# --------------------------------------------------------------------------- versioned bucket


@pytest.mark.requires("conditional_writes", "versioning")
def test_put_if_none_match_star_over_delete_marker_creates(s3: Any, bucket: str) -> None:
    """PutObject with If-None-Match: * succeeds when the key's current version is a delete marker.

    S3 User Guide, "How to prevent object overwrites with conditional writes" (a delete marker as the
    current version counts as no object: the conditional write succeeds); AWS S3 API Reference,
    PutObject: If-None-Match.
    """
    set_versioning(s3, bucket)
    _put(s3, bucket)
    s3.delete_object(Bucket=bucket, Key=KEY)
    response = s3.put_object(Bucket=bucket, Key=KEY, Body=NEW, IfNoneMatch="*")
    expect_equal(status_of(response), 200, "PutObject with If-None-Match: * over a delete marker: status")
    expect_equal(_body(s3, bucket), NEW, "PutObject with If-None-Match: * over a delete marker: stored body")


@pytest.mark.requires("conditional_writes")
def test_put_if_none_match_star_after_delete_creates(s3: Any, bucket: str) -> None:
    """PutObject with If-None-Match: * on a key whose object was deleted stores the object again.

    AWS S3 API Reference, PutObject: If-None-Match ("Uploads the object only if the object key name
    does not already exist"); S3 User Guide, "Conditional requests".
    """
    _put(s3, bucket)
    s3.delete_object(Bucket=bucket, Key=KEY)
    response = s3.put_object(Bucket=bucket, Key=KEY, Body=NEW, IfNoneMatch="*")
    expect_equal(status_of(response), 200, "PutObject with If-None-Match: * after DeleteObject: status")
    expect_equal(_body(s3, bucket), NEW, "PutObject with If-None-Match: * after DeleteObject: stored body")


# --------------------------------------------------------------------------- racing conditional writes


def _race(calls: list[Callable[[], Any]]) -> list[tuple[int | None, str | None]]:
    """Run the calls together (a barrier lines them up); each gives (status, error code or None)."""
    barrier = threading.Barrier(len(calls), timeout=30)

    def run(call: Callable[[], Any]) -> tuple[int | None, str | None]:
        barrier.wait()
        try:
            return status_of(call()), None
        except botocore.exceptions.ClientError as exc:
            status, code, _ = client_error_details(exc)
            return status, code

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _racers(target: Any) -> tuple[Any, Any]:
    """Two clients of their own, one per racing thread."""
    return private_client(target, "condw-race-a"), private_client(target, "condw-race-b")


@pytest.mark.requires("conditional_writes")
@pytest.mark.severity("data")
def test_racing_if_none_match_puts_have_exactly_one_winner(target: Any, s3: Any, bucket: str) -> None:
    """Two PutObject If-None-Match: * for the same new key sent together: one 200, the other 412 (or 409),
    and the stored bytes are the winner's. Eight pairs.

    S3 User Guide, "How to prevent object overwrites with conditional writes" (concurrent conditional
    writes: only one succeeds); AWS S3 API Reference, PutObject: If-None-Match (412, or 409
    ConditionalRequestConflict for a conflicting operation).
    """
    first, second = _racers(target)
    for pair in range(RACE_PAIRS):
        key = f"condw/race-{pair}"
        bodies = (f"racer A, pair {pair}\n".encode(), f"racer B, pair {pair}\n".encode())
        outcome = _race([
            partial(first.put_object, Bucket=bucket, Key=key, Body=bodies[0], IfNoneMatch="*"),
            partial(second.put_object, Bucket=bucket, Key=key, Body=bodies[1], IfNoneMatch="*"),
        ])
        rule = f"two racing PutObject If-None-Match: * on a new key (pair {pair})"
        winners = [i for i, (status, _) in enumerate(outcome) if status == 200]
        expect_true(len(winners) == 1, rule, f"S3 lets exactly one write win; the answers were {outcome}")
        loser = outcome[1 - winners[0]]
        expect_true(loser[0] in REFUSED, rule, f"the losing write must get 412 or 409; it got {loser}")
        expect_equal(_body(s3, bucket, key), bodies[winners[0]], f"{rule}: the stored bytes are the winner's")


@pytest.mark.requires("conditional_writes")
@pytest.mark.severity("data")
def test_racing_if_match_puts_have_at_most_one_winner(target: Any, s3: Any, bucket: str) -> None:
    """Two PutObject If-Match = the same current ETag sent together: at most one 200, the other 412 (or 409),
    and the stored bytes are the winner's (the original if none won). Eight pairs.

    S3 User Guide, "How to prevent object overwrites with conditional writes" (If-Match: the write
    succeeds only if the ETag still matches, so two writers with the same ETag cannot both win);
    AWS S3 API Reference, PutObject: If-Match.
    """
    first, second = _racers(target)
    for pair in range(RACE_PAIRS):
        key = f"condw/cas-{pair}"
        original = f"original, pair {pair}\n".encode()
        etag = _put(s3, bucket, key, original)
        bodies = (f"racer A, pair {pair}\n".encode(), f"racer B, pair {pair}\n".encode())
        outcome = _race([
            partial(first.put_object, Bucket=bucket, Key=key, Body=bodies[0], IfMatch=etag),
            partial(second.put_object, Bucket=bucket, Key=key, Body=bodies[1], IfMatch=etag),
        ])
        rule = f"two racing PutObject If-Match = the same ETag (pair {pair})"
        winners = [i for i, (status, _) in enumerate(outcome) if status == 200]
        expect_true(len(winners) <= 1, rule, f"S3 lets at most one write win; the answers were {outcome}")
        losers = [answer for i, answer in enumerate(outcome) if i not in winners]
        expect_true(all(status in REFUSED for status, _ in losers), rule,
                    f"a losing write must get 412 or 409; the answers were {outcome}")
        expected = bodies[winners[0]] if winners else original
        expect_equal(_body(s3, bucket, key), expected, f"{rule}: the stored bytes are the winner's")
