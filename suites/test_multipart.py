"""Multipart upload: lifecycle, listing, abort, errors, UploadPartCopy, part reads.

AWS S3 API Reference: CreateMultipartUpload, UploadPart, UploadPartCopy,
CompleteMultipartUpload, AbortMultipartUpload, ListParts, ListMultipartUploads,
GetObject / HeadObject (partNumber); Amazon S3 User Guide, "Uploading and copying
objects using multipart upload" and "Checking object integrity" (multipart ETags).

SSE and checksum variants of multipart uploads live in the sse and checksums suites.
Part data is shared: `suites._support.multipart.part(i)` is one cached 5 MiB buffer
per index for the whole process.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_true, header, status_of
from gauntlet.s3.data import MiB, md5_hex, payload
from gauntlet.s3.errors import client_error_details
from suites._support.multipart import (
    MIN_PART,
    ZERO_ETAG,
    complete,
    create_upload,
    multipart_etag,
    part,
    part_etag,
    put_multipart_object,
    small,
    upload_parts,
)

pytestmark = [pytest.mark.multipart, pytest.mark.severity("data")]

UNKNOWN_UPLOAD_ID = "s3gauntlet-no-such-upload-2Zx8QkLm0VbN4rTy7uWp"


def _body(s3: Any, bucket: str, key: str, **kwargs: Any) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read())


def _lower_keys(metadata: dict[str, str] | None) -> dict[str, str]:
    # HTTP header names are case-insensitive (RFC 9110 §5.1); how a server spells x-amz-meta-* names
    # is the objects suite's concern, not the multipart one's.
    return {k.lower(): v for k, v in (metadata or {}).items()}


# --------------------------------------------------------------------------- lifecycle and ETag


@pytest.mark.smoke
def test_multipart_upload_in_order_assembles_exact_bytes(s3: Any, bucket: str) -> None:
    """Create, upload parts 1..3 in order, complete: the object is the parts concatenated, byte for byte.

    AWS S3 API Reference, CreateMultipartUpload, UploadPart, CompleteMultipartUpload ("Amazon S3
    concatenates all the parts in ascending order by part number to create a new object").
    """
    parts = [part(1), part(2), small()]
    answer = put_multipart_object(s3, bucket, "lifecycle", parts)
    expect_equal(status_of(answer), 200, "CompleteMultipartUpload status")
    expect_equal(answer.get("Key"), "lifecycle", "CompleteMultipartUpload Key element")
    expect_equal(_body(s3, bucket, "lifecycle"), b"".join(parts), "GetObject of a completed multipart upload")


def test_parts_uploaded_out_of_order_assemble_by_part_number(s3: Any, bucket: str) -> None:
    """Parts uploaded 3, 1, 2 are assembled by part number, not by upload order.

    AWS S3 API Reference, UploadPart ("A part number uniquely identifies a part and also defines its
    position within the object being created") and CompleteMultipartUpload.
    """
    parts = [part(1), part(2), small()]
    upload_id = create_upload(s3, bucket, "shuffled")
    listed = upload_parts(s3, bucket, "shuffled", upload_id, parts, order=[3, 1, 2])
    complete(s3, bucket, "shuffled", upload_id, listed)
    expect_equal(_body(s3, bucket, "shuffled"), b"".join(parts), "GetObject of parts uploaded out of order")


@pytest.mark.severity("client")
def test_upload_part_returns_md5_etag(s3: Any, bucket: str) -> None:
    """UploadPart answers with the part's ETag, the quoted hex MD5 of its bytes.

    AWS S3 API Reference, UploadPart: Response (ETag); CompleteMultipartUpload needs these ETags.
    """
    upload_id = create_upload(s3, bucket, "etag-part")
    data = small(seed=901)
    answer = s3.upload_part(Bucket=bucket, Key="etag-part", UploadId=upload_id, PartNumber=1, Body=data)
    expect_equal(answer.get("ETag"), part_etag(data), "UploadPart ETag (MD5 of the part)")


@pytest.mark.severity("client")
def test_complete_response_etag_is_md5_of_part_md5s_with_count(s3: Any, bucket: str) -> None:
    """The CompleteMultipartUpload response carries the object's ETag: MD5 of the part MD5s, then `-N`.

    AWS S3 API Reference, CompleteMultipartUpload: Response Syntax (ETag, "Entity tag that identifies
    the newly created object's data"); Amazon S3 User Guide, "Checking object integrity" (multipart ETag).
    """
    parts = [part(1), small()]
    answer = put_multipart_object(s3, bucket, "etag-complete", parts)
    expect_equal(answer.get("ETag"), multipart_etag(parts), "CompleteMultipartUpload ETag")


@pytest.mark.parametrize("where", ["head", "get", "list_objects_v2"])
@pytest.mark.severity("client")
def test_multipart_etag_is_md5_of_part_md5s_with_count(s3: Any, bucket: str, where: str) -> None:
    """HEAD, GET and ListObjectsV2 all give a multipart object the ETag MD5(part MD5s)-N.

    AWS S3 API Reference, HeadObject / GetObject / ListObjectsV2 (ETag); Amazon S3 User Guide,
    "Checking object integrity" (a multipart object's ETag is not the MD5 of its bytes but the MD5 of
    the concatenated binary part MD5s, a hyphen, and the number of parts).
    """
    parts = [part(1), small()]
    put_multipart_object(s3, bucket, "etag", parts)
    if where == "head":
        got = s3.head_object(Bucket=bucket, Key="etag").get("ETag")
    elif where == "get":
        got = s3.get_object(Bucket=bucket, Key="etag").get("ETag")
    else:
        contents = s3.list_objects_v2(Bucket=bucket).get("Contents") or []
        expect_equal([c["Key"] for c in contents], ["etag"], "ListObjectsV2 keys")
        got = contents[0].get("ETag")
    expect_equal(got, multipart_etag(parts), f"ETag of a 2-part object in {where}")


def test_reuploading_a_part_number_replaces_the_part(s3: Any, bucket: str) -> None:
    """Uploading the same part number again overwrites the earlier part.

    AWS S3 API Reference, UploadPart ("If you upload a new part using the same part number that was
    used with a previous part, the previously uploaded part is overwritten"); ListParts.
    """
    first, second = small(1000, seed=910), small(2000, seed=911)
    upload_id = create_upload(s3, bucket, "replaced")
    s3.upload_part(Bucket=bucket, Key="replaced", UploadId=upload_id, PartNumber=1, Body=first)
    etag = s3.upload_part(Bucket=bucket, Key="replaced", UploadId=upload_id, PartNumber=1, Body=second)["ETag"]
    listed = s3.list_parts(Bucket=bucket, Key="replaced", UploadId=upload_id).get("Parts") or []
    expect_equal([(p["PartNumber"], p["Size"], p.get("ETag")) for p in listed], [(1, 2000, part_etag(second))],
                 "ListParts after uploading part 1 twice")
    complete(s3, bucket, "replaced", upload_id, [{"PartNumber": 1, "ETag": etag}])
    expect_equal(_body(s3, bucket, "replaced"), second, "object after replacing part 1")


def test_create_multipart_upload_metadata_and_content_type_reach_the_object(s3: Any, bucket: str) -> None:
    """User metadata and Content-Type given at CreateMultipartUpload are those of the completed object.

    AWS S3 API Reference, CreateMultipartUpload: Request headers (Content-Type, x-amz-meta-*);
    HeadObject / GetObject responses. Metadata names are compared case-insensitively (HTTP header names).
    """
    put_multipart_object(s3, bucket, "meta", [small()], ContentType="application/x-s3gauntlet",
                         Metadata={"color": "blue", "owner": "gauntlet"})
    head = s3.head_object(Bucket=bucket, Key="meta")
    expect_equal(head.get("ContentType"), "application/x-s3gauntlet", "HeadObject Content-Type")
    expect_equal(_lower_keys(head.get("Metadata")), {"color": "blue", "owner": "gauntlet"},
                 "HeadObject x-amz-meta-* (names compared case-insensitively)")
    got = s3.get_object(Bucket=bucket, Key="meta")
    got["Body"].read()
    expect_equal(got.get("ContentType"), "application/x-s3gauntlet", "GetObject Content-Type")
    expect_equal(_lower_keys(got.get("Metadata")), {"color": "blue", "owner": "gauntlet"},
                 "GetObject x-amz-meta-* (names compared case-insensitively)")


@pytest.mark.requires("tagging")
def test_create_multipart_upload_tagging_reaches_the_object(s3: Any, bucket: str) -> None:
    """Tags given at CreateMultipartUpload (x-amz-tagging) are the completed object's tags.

    AWS S3 API Reference, CreateMultipartUpload: x-amz-tagging; GetObjectTagging.
    """
    put_multipart_object(s3, bucket, "tagged", [small()], Tagging="team=gauntlet&tier=gold")
    tags = s3.get_object_tagging(Bucket=bucket, Key="tagged").get("TagSet") or []
    expect_equal(sorted((t["Key"], t["Value"]) for t in tags), [("team", "gauntlet"), ("tier", "gold")],
                 "GetObjectTagging of an object tagged at CreateMultipartUpload")


def test_100mib_object_from_concurrent_10mib_parts_is_exact(s3: Any, bucket: str) -> None:
    """Ten 10 MiB parts uploaded concurrently complete to a 100 MiB object that reads back exactly.

    AWS S3 API Reference, UploadPart, CompleteMultipartUpload, GetObject; Amazon S3 User Guide,
    "Uploading and copying objects using multipart upload" ("You can upload these object parts
    independently and in any order"). ETags have their own cases.
    """
    whole = payload(100 * MiB, seed=77)
    size = 10 * MiB
    parts = [whole[i : i + size] for i in range(0, len(whole), size)]
    upload_id = create_upload(s3, bucket, "big")
    listed = upload_parts(s3, bucket, "big", upload_id, parts, threads=4)
    complete(s3, bucket, "big", upload_id, listed)
    head = s3.head_object(Bucket=bucket, Key="big")
    expect_equal(head.get("ContentLength"), len(whole), "HeadObject Content-Length of the 100 MiB object")
    expect_equal(_body(s3, bucket, "big"), whole, "GetObject of the 100 MiB multipart object")


def test_complete_same_upload_twice_is_idempotent_or_nosuchupload(s3: Any, bucket: str) -> None:
    """Completing an already completed upload again: 200 with the same ETag, or 404 NoSuchUpload.

    AWS S3 API Reference, CompleteMultipartUpload: "applications should be prepared to retry any
    failed requests" (a retried Complete may answer 200 for the finished object) and Special errors,
    NoSuchUpload ("the multipart upload might have been aborted or completed", 404). Either is
    acceptable; anything else, or a changed object, is not.
    """
    data = small()
    upload_id = create_upload(s3, bucket, "twice")
    listed = upload_parts(s3, bucket, "twice", upload_id, [data])
    complete(s3, bucket, "twice", upload_id, listed)
    rule = "second CompleteMultipartUpload of a completed upload"
    try:
        second = complete(s3, bucket, "twice", upload_id, listed)
    except botocore.exceptions.ClientError as exc:
        status, code, message = client_error_details(exc)
        expect_true((status, code) == (404, "NoSuchUpload"), rule,
                    f"S3 requires 200 with the same ETag or 404 NoSuchUpload; server answered {status} {code}: "
                    f"{message}".rstrip(": "))
    else:
        expect_equal(status_of(second), 200, f"{rule}: status")
        expect_equal(second.get("ETag"), multipart_etag([data]), f"{rule}: ETag (the completed object's)")
    expect_equal(_body(s3, bucket, "twice"), data, "object after a repeated CompleteMultipartUpload")


# --------------------------------------------------------------------------- ListParts, ListMultipartUploads, abort


@pytest.mark.severity("client")
def test_list_parts_paginates_with_part_number_marker(s3: Any, bucket: str) -> None:
    """ListParts pages with MaxParts, IsTruncated, NextPartNumberMarker and PartNumberMarker.

    AWS S3 API Reference, ListParts: max-parts, part-number-marker; Response (IsTruncated,
    NextPartNumberMarker, Part: PartNumber, Size, ETag).
    """
    datas = [small(1000 + 100 * i, seed=920 + i) for i in range(5)]
    upload_id = create_upload(s3, bucket, "paged")
    upload_parts(s3, bucket, "paged", upload_id, datas)
    pages: list[list[tuple[int, int, str]]] = []
    marker = 0
    for _ in range(5):
        answer = s3.list_parts(Bucket=bucket, Key="paged", UploadId=upload_id, MaxParts=2, PartNumberMarker=marker)
        parts = [(p["PartNumber"], p["Size"], p.get("ETag")) for p in answer.get("Parts") or []]
        pages.append(parts)
        if not answer.get("IsTruncated"):
            break
        expect_true(bool(parts), "ListParts IsTruncated=true", f"page {len(pages)} is truncated but empty")
        expect_equal(int(answer.get("NextPartNumberMarker") or 0), parts[-1][0],
                     f"ListParts NextPartNumberMarker on page {len(pages)} (the last part listed)")
        marker = int(answer["NextPartNumberMarker"])
    expected = [(i + 1, len(d), part_etag(d)) for i, d in enumerate(datas)]
    expect_equal(pages, [expected[0:2], expected[2:4], expected[4:5]],
                 "ListParts pages of 5 parts with MaxParts=2 (PartNumber, Size, ETag)")


#: Keys for the ListMultipartUploads cases. The delimiter is "-" rather than "/": any string is a valid
#: delimiter, and rclone keeps "/" keys as directories after an abort, which makes DeleteBucket fail.
UPLOAD_KEYS = ["logs-a", "logs-b", "logs-sub-c", "data-x", "top"]


def _start_uploads(s3: Any, bucket: str, keys: list[str]) -> list[tuple[str, str]]:
    return [(key, create_upload(s3, bucket, key)) for key in keys]


@pytest.mark.severity("client")
def test_list_multipart_uploads_filters_by_prefix(s3: Any, bucket: str) -> None:
    """ListMultipartUploads with a prefix lists only the uploads whose keys start with it.

    AWS S3 API Reference, ListMultipartUploads: prefix; Response (Upload: Key, UploadId).
    """
    started = _start_uploads(s3, bucket, UPLOAD_KEYS)
    answer = s3.list_multipart_uploads(Bucket=bucket, Prefix="logs-")
    got = sorted((u["Key"], u["UploadId"]) for u in answer.get("Uploads") or [])
    expect_equal(got, sorted(u for u in started if u[0].startswith("logs-")), "ListMultipartUploads prefix=logs-")


@pytest.mark.severity("client")
def test_list_multipart_uploads_groups_by_delimiter(s3: Any, bucket: str) -> None:
    """ListMultipartUploads with a delimiter rolls keys up into CommonPrefixes, with and without a prefix.

    AWS S3 API Reference, ListMultipartUploads: delimiter ("All keys that contain the same string between
    the prefix, if specified, and the first occurrence of the delimiter after the prefix are grouped under
    a single result element, CommonPrefixes ... not returned elsewhere in the response").
    """
    started = _start_uploads(s3, bucket, UPLOAD_KEYS)
    answer = s3.list_multipart_uploads(Bucket=bucket, Delimiter="-")
    got = sorted((u["Key"], u["UploadId"]) for u in answer.get("Uploads") or [])
    expect_equal(got, [u for u in started if u[0] == "top"], "ListMultipartUploads delimiter=- Uploads")
    prefixes = sorted(p["Prefix"] for p in answer.get("CommonPrefixes") or [])
    expect_equal(prefixes, ["data-", "logs-"], "ListMultipartUploads delimiter=- CommonPrefixes")
    nested = s3.list_multipart_uploads(Bucket=bucket, Prefix="logs-", Delimiter="-")
    got_keys = sorted(u["Key"] for u in nested.get("Uploads") or [])
    expect_equal(got_keys, ["logs-a", "logs-b"], "ListMultipartUploads prefix=logs- delimiter=- Uploads")
    expect_equal([p["Prefix"] for p in nested.get("CommonPrefixes") or []], ["logs-sub-"],
                 "ListMultipartUploads prefix=logs- delimiter=- CommonPrefixes")


@pytest.mark.severity("client")
def test_list_multipart_uploads_paginates_with_key_and_upload_id_markers(s3: Any, bucket: str) -> None:
    """Paging ListMultipartUploads by NextKeyMarker/NextUploadIdMarker visits every upload exactly once.

    AWS S3 API Reference, ListMultipartUploads: max-uploads, key-marker, upload-id-marker ("any
    multipart uploads for a key equal to the key-marker might be included ... only if they have an
    upload ID lexicographically greater"); Response (IsTruncated, NextKeyMarker, NextUploadIdMarker).
    Two uploads share a key, so a page boundary between them needs the upload-id marker.
    """
    started = _start_uploads(s3, bucket, ["k1", "k2", "k2", "k3", "k4"])
    seen: list[tuple[str, str]] = []
    kwargs: dict[str, str] = {}
    for page in range(1, 7):
        answer = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2, **kwargs)
        uploads = [(u["Key"], u["UploadId"]) for u in answer.get("Uploads") or []]
        expect_true(len(uploads) <= 2, "ListMultipartUploads max-uploads=2", f"page {page} has {len(uploads)}")
        seen.extend(uploads)
        if not answer.get("IsTruncated"):
            break
        kwargs = {"KeyMarker": answer.get("NextKeyMarker") or "",
                  "UploadIdMarker": answer.get("NextUploadIdMarker") or ""}
        expect_true(bool(kwargs["KeyMarker"]), "ListMultipartUploads IsTruncated=true",
                    f"page {page} is truncated but has no NextKeyMarker")
    expect_equal(sorted(seen), sorted(started), "uploads seen paging with max-uploads=2 (each exactly once)")
    keys = [k for k, _ in seen]
    expect_equal(keys, sorted(keys), "ListMultipartUploads order (uploads are sorted by key)")


def test_abort_multipart_upload_returns_204_and_drops_the_upload(s3: Any, bucket: str) -> None:
    """AbortMultipartUpload answers 204 and the upload no longer appears in ListMultipartUploads.

    AWS S3 API Reference, AbortMultipartUpload: Response (HTTP/1.1 204); ListMultipartUploads.
    """
    upload_id = create_upload(s3, bucket, "aborted")
    upload_parts(s3, bucket, "aborted", upload_id, [small()])
    answer = s3.abort_multipart_upload(Bucket=bucket, Key="aborted", UploadId=upload_id)
    expect_equal(status_of(answer), 204, "AbortMultipartUpload status")
    listed = s3.list_multipart_uploads(Bucket=bucket).get("Uploads") or []
    expect_equal([u["UploadId"] for u in listed], [], "ListMultipartUploads after AbortMultipartUpload")
    with expect_error(404, "NoSuchKey", "GetObject of an aborted upload's key"):
        s3.get_object(Bucket=bucket, Key="aborted")


def _call_on_upload(s3: Any, op: str, bucket: str, key: str, upload_id: str) -> Any:
    if op == "upload_part":
        return s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=2, Body=b"after")
    if op == "list_parts":
        return s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)
    if op == "complete":
        return complete(s3, bucket, key, upload_id, [{"PartNumber": 1, "ETag": part_etag(small())}])
    return s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)


@pytest.mark.parametrize("op", ["upload_part", "list_parts", "complete"])
def test_aborted_upload_id_is_404_nosuchupload(s3: Any, bucket: str, op: str) -> None:
    """After AbortMultipartUpload, UploadPart / ListParts / CompleteMultipartUpload answer 404 NoSuchUpload.

    AWS S3 API Reference, AbortMultipartUpload; UploadPart, ListParts, CompleteMultipartUpload: Special
    errors, NoSuchUpload ("the multipart upload might have been aborted or completed", 404 Not Found).
    """
    upload_id = create_upload(s3, bucket, "aborted")
    upload_parts(s3, bucket, "aborted", upload_id, [small()])
    s3.abort_multipart_upload(Bucket=bucket, Key="aborted", UploadId=upload_id)
    with expect_error(404, "NoSuchUpload", f"{op} on an aborted upload"):
        _call_on_upload(s3, op, bucket, "aborted", upload_id)


@pytest.mark.parametrize("op", ["upload_part", "list_parts", "complete", "abort"])
@pytest.mark.severity("client")
def test_unknown_upload_id_is_404_nosuchupload(s3: Any, bucket: str, op: str) -> None:
    """An upload id the server never issued is 404 NoSuchUpload.

    AWS S3 API Reference, UploadPart / ListParts / CompleteMultipartUpload / AbortMultipartUpload:
    Special errors, NoSuchUpload ("The upload ID might be invalid", 404 Not Found).
    """
    with expect_error(404, "NoSuchUpload", f"{op} with an unknown upload id"):
        _call_on_upload(s3, op, bucket, "never-started", UNKNOWN_UPLOAD_ID)


# --------------------------------------------------------------------------- CompleteMultipartUpload errors


def test_complete_rejects_part_smaller_than_5mib_that_is_not_last(s3: Any, bucket: str) -> None:
    """A part under 5 MiB that is not the last part makes Complete fail with 400 EntityTooSmall.

    AWS S3 API Reference, CompleteMultipartUpload: Special errors, EntityTooSmall ("Each part must be at
    least 5 MB in size, except the last part", 400 Bad Request).
    """
    upload_id = create_upload(s3, bucket, "too-small")
    listed = upload_parts(s3, bucket, "too-small", upload_id, [small(1024, seed=930), small(1024, seed=931)])
    with expect_error(400, "EntityTooSmall", "CompleteMultipartUpload with a 1 KiB first part"):
        complete(s3, bucket, "too-small", upload_id, listed)


def test_complete_rejects_parts_listed_out_of_order(s3: Any, bucket: str) -> None:
    """A Complete part list not in ascending part-number order is 400 InvalidPartOrder.

    AWS S3 API Reference, CompleteMultipartUpload: Special errors, InvalidPartOrder ("The list of parts
    was not in ascending order. The parts list must be specified in order by part number", 400).
    Both parts are 5 MiB so no size rule can apply first.
    """
    upload_id = create_upload(s3, bucket, "disorder")
    listed = upload_parts(s3, bucket, "disorder", upload_id, [part(1), part(2)])
    with expect_error(400, "InvalidPartOrder", "CompleteMultipartUpload listing part 2 before part 1"):
        complete(s3, bucket, "disorder", upload_id, list(reversed(listed)))


def test_complete_rejects_part_number_never_uploaded(s3: Any, bucket: str) -> None:
    """Completing with a part number that was never uploaded is 400 InvalidPart.

    AWS S3 API Reference, CompleteMultipartUpload: Special errors, InvalidPart ("One or more of the
    specified parts could not be found. The part might not have been uploaded", 400). ListParts first
    confirms that the server holds part 1 only (ListParts: Response, Part), so part 2 is unknown to it.
    """
    data = small()
    upload_id = create_upload(s3, bucket, "missing-part")
    upload_parts(s3, bucket, "missing-part", upload_id, [data])
    held = s3.list_parts(Bucket=bucket, Key="missing-part", UploadId=upload_id).get("Parts") or []
    expect_equal([p["PartNumber"] for p in held], [1], "ListParts before completing (only part 1 uploaded)")
    with expect_error(400, "InvalidPart", "CompleteMultipartUpload naming part 2 (only part 1 uploaded)"):
        complete(s3, bucket, "missing-part", upload_id, [{"PartNumber": 2, "ETag": part_etag(data)}])


def test_complete_rejects_wrong_part_etag(s3: Any, bucket: str) -> None:
    """Completing with an ETag that does not match the uploaded part is 400 InvalidPart.

    AWS S3 API Reference, CompleteMultipartUpload: Special errors, InvalidPart ("... or the specified
    ETag might not have matched the uploaded part's ETag", 400).
    """
    upload_id = create_upload(s3, bucket, "wrong-etag")
    upload_parts(s3, bucket, "wrong-etag", upload_id, [small()])
    with expect_error(400, "InvalidPart", "CompleteMultipartUpload with a wrong ETag for part 1"):
        complete(s3, bucket, "wrong-etag", upload_id, [{"PartNumber": 1, "ETag": ZERO_ETAG}])


@pytest.mark.severity("client")
def test_complete_with_empty_part_list_is_400_malformedxml(s3: Any, bucket: str) -> None:
    """A CompleteMultipartUpload body with no Part element is 400 MalformedXML.

    AWS S3 API Reference, CompleteMultipartUpload: Request Syntax (CompleteMultipartUpload contains one
    or more Part elements) and "Error responses: List of error codes", MalformedXML ("The XML that you
    provided was not well formed or did not validate against our published schema", 400). botocore sends
    an empty list as `<CompleteMultipartUpload xmlns="..."/>`, so the request reaches the server.
    """
    upload_id = create_upload(s3, bucket, "empty")
    upload_parts(s3, bucket, "empty", upload_id, [small()])
    with expect_error(400, "MalformedXML", "CompleteMultipartUpload with an empty part list"):
        complete(s3, bucket, "empty", upload_id, [])


@pytest.mark.parametrize("number", [0, 10001])
@pytest.mark.severity("client")
def test_upload_part_number_out_of_range_is_400_invalidargument(s3: Any, bucket: str, number: int) -> None:
    """UploadPart with part number 0 or 10001 is 400 InvalidArgument.

    AWS S3 API Reference, UploadPart: partNumber ("Part numbers can be any number from 1 to 10,000,
    inclusive"); "Error responses: List of error codes", InvalidArgument (400).
    """
    upload_id = create_upload(s3, bucket, "range")
    with expect_error(400, "InvalidArgument", f"UploadPart with part number {number}"):
        s3.upload_part(Bucket=bucket, Key="range", UploadId=upload_id, PartNumber=number, Body=b"x")


# --------------------------------------------------------------------------- UploadPartCopy


def _copy_etag(answer: dict[str, Any]) -> str | None:
    return (answer.get("CopyPartResult") or {}).get("ETag")


def _unquoted(etag: str | None) -> str | None:
    return etag.strip('"') if etag is not None else None


@pytest.mark.severity("client")
def test_upload_part_copy_result_etag_is_quoted_md5(s3: Any, bucket: str) -> None:
    """UploadPartCopy's CopyPartResult ETag is the copied bytes' MD5 in quotes, like every S3 ETag.

    AWS S3 API Reference, UploadPartCopy: Response Syntax / Examples (`<ETag>"9b2c..."</ETag>` in
    CopyPartResult); RFC 9110 §8.8.3 (entity-tag = opaque-tag in double quotes).
    """
    source = small(seed=940)
    s3.put_object(Bucket=bucket, Key="source", Body=source)
    upload_id = create_upload(s3, bucket, "copied")
    copied = s3.upload_part_copy(Bucket=bucket, Key="copied", UploadId=upload_id, PartNumber=1,
                                 CopySource={"Bucket": bucket, "Key": "source"})
    expect_equal(_copy_etag(copied), part_etag(source), "UploadPartCopy CopyPartResult ETag")


def _copy_part(s3: Any, bucket: str, key: str, upload_id: str, number: int, source_key: str,
               copy_range: str | None = None) -> str:
    """UploadPartCopy; returns the CopyPartResult ETag, which S3 must send (the case fails without it)."""
    extra = {"CopySourceRange": copy_range} if copy_range else {}
    answer = s3.upload_part_copy(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                 CopySource={"Bucket": bucket, "Key": source_key}, **extra)
    etag = _copy_etag(answer)
    expect_true(bool(etag), f"UploadPartCopy part {number}" + (f" {copy_range}" if copy_range else ""),
                "S3 requires a CopyPartResult with the copied part's ETag; the answer has none")
    return str(etag)


def test_upload_part_copy_whole_plain_object(s3: Any, bucket: str) -> None:
    """UploadPartCopy without a range copies a whole plain object into a part.

    AWS S3 API Reference, UploadPartCopy: x-amz-copy-source; Response (CopyPartResult ETag, the MD5 of
    the copied part; quoting is checked by test_upload_part_copy_result_etag_is_quoted_md5);
    CompleteMultipartUpload. The bytes are checked before the ETag.
    """
    source, tail = part(3), small()
    s3.put_object(Bucket=bucket, Key="source", Body=source)
    upload_id = create_upload(s3, bucket, "copied")
    etag = _copy_part(s3, bucket, "copied", upload_id, 1, "source")
    last = s3.upload_part(Bucket=bucket, Key="copied", UploadId=upload_id, PartNumber=2, Body=tail)["ETag"]
    complete(s3, bucket, "copied", upload_id, [{"PartNumber": 1, "ETag": etag}, {"PartNumber": 2, "ETag": last}])
    expect_equal(_body(s3, bucket, "copied"), source + tail, "object built from a copied part and an uploaded part")
    expect_equal(_unquoted(etag), md5_hex(source), "UploadPartCopy CopyPartResult ETag (quotes ignored)")


def test_upload_part_copy_ranges_of_plain_object(s3: Any, bucket: str) -> None:
    """UploadPartCopy with CopySourceRange copies exactly bytes first..last (inclusive) of the source.

    AWS S3 API Reference, UploadPartCopy: x-amz-copy-source-range ("bytes=first-last, where the first and
    last are the zero-based byte offsets to copy"; the source must be over 5 MB, this one is 10 MiB).
    """
    source = part(4) + part(5)
    s3.put_object(Bucket=bucket, Key="source", Body=source)
    ranges = [(1000, 1000 + MIN_PART - 1), (len(source) - 4096, len(source) - 1)]
    upload_id = create_upload(s3, bucket, "ranged")
    etags = [_copy_part(s3, bucket, "ranged", upload_id, n, "source", f"bytes={lo}-{hi}")
             for n, (lo, hi) in enumerate(ranges, start=1)]
    complete(s3, bucket, "ranged", upload_id, [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)])
    pieces = [source[lo : hi + 1] for lo, hi in ranges]
    expect_equal(_body(s3, bucket, "ranged"), b"".join(pieces), "object built from two ranged UploadPartCopy parts")
    expect_equal([_unquoted(e) for e in etags], [md5_hex(p) for p in pieces],
                 "ranged UploadPartCopy CopyPartResult ETags (quotes ignored)")


def test_upload_part_copy_from_multipart_object(s3: Any, bucket: str) -> None:
    """UploadPartCopy copies from a multipart source, whole and by a range spanning its part boundary.

    AWS S3 API Reference, UploadPartCopy: x-amz-copy-source, x-amz-copy-source-range; the source's
    layout in parts must not show in the copy (CopyPartResult ETag is the MD5 of the copied bytes).
    """
    parts = [part(6), part(7)]
    source = b"".join(parts)
    put_multipart_object(s3, bucket, "mp-source", parts)
    lo, hi = MIN_PART - 2048, MIN_PART + 2047
    upload_id = create_upload(s3, bucket, "from-mp")
    etags = [_copy_part(s3, bucket, "from-mp", upload_id, 1, "mp-source"),
             _copy_part(s3, bucket, "from-mp", upload_id, 2, "mp-source", f"bytes={lo}-{hi}")]
    complete(s3, bucket, "from-mp", upload_id, [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)])
    expect_equal(_body(s3, bucket, "from-mp"), source + source[lo : hi + 1],
                 "object built by copying from a multipart object")
    expect_equal([_unquoted(e) for e in etags], [md5_hex(source), md5_hex(source[lo : hi + 1])],
                 "UploadPartCopy CopyPartResult ETags, quotes ignored (whole source, then the range)")


# --------------------------------------------------------------------------- GetObject / HeadObject partNumber


@pytest.mark.severity("client")
def test_head_object_part_number_gives_part_length_and_parts_count(s3: Any, bucket: str) -> None:
    """HEAD with partNumber=1 on a 2-part object: 206, Content-Length of part 1, x-amz-mp-parts-count: 2.

    AWS S3 API Reference, HeadObject: partNumber ("Effectively performs a 'ranged' HEAD request for the
    part specified"); Response x-amz-mp-parts-count ("returned if you specify partNumber in your
    request and the object was uploaded as a multipart upload").
    """
    put_multipart_object(s3, bucket, "parts", [part(1), small()])
    head = s3.head_object(Bucket=bucket, Key="parts", PartNumber=1)
    expect_equal(status_of(head), 206, "HeadObject partNumber=1 status")
    expect_equal(head.get("ContentLength"), MIN_PART, "HeadObject partNumber=1 Content-Length")
    expect_equal(header(head, "x-amz-mp-parts-count"), "2", "HeadObject partNumber=1 x-amz-mp-parts-count")


def test_get_object_part_number_returns_that_part(s3: Any, bucket: str) -> None:
    """GET with partNumber=2 on a 2-part object: 206, exactly part 2's bytes, x-amz-mp-parts-count: 2.

    AWS S3 API Reference, GetObject: partNumber ("Effectively performs a 'ranged' GET request for the
    part specified"); Response x-amz-mp-parts-count.
    """
    tail = small()
    put_multipart_object(s3, bucket, "parts", [part(1), tail])
    got = s3.get_object(Bucket=bucket, Key="parts", PartNumber=2)
    body = got["Body"].read()
    expect_equal(status_of(got), 206, "GetObject partNumber=2 status")
    expect_equal(header(got, "x-amz-mp-parts-count"), "2", "GetObject partNumber=2 x-amz-mp-parts-count")
    expect_equal(body, tail, "GetObject partNumber=2 body")
