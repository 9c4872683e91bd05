"""Refused, and nothing changed: the state a refused request must leave behind, read back.

A server can get a refusal wrong in two ways that harm users very differently: it refuses with
another status or error code (a `client` or `detail` finding, checked by the `..._is_<status>_<code>`
case of each area), or it accepts the request and changes what is stored (checked here). Each case
makes a request S3 must refuse, accepts any 4xx as the refusal (`expect_refused`), and then reads
the state back: the object, tag set, upload or bucket is exactly what it was before.

AWS S3 API Reference sections are named in each case.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_refused
from gauntlet.s3.checksums import param_name, wrong_checksum_b64
from gauntlet.s3.data import md5_hex, payload
from suites._support.listing import content_md5_delete_client, put_keys
from suites._support.multipart import ZERO_ETAG, complete, create_upload, part, part_etag, small, upload_parts

pytestmark = pytest.mark.severity("data")

BODY = payload(10_003, seed=71)
OTHER = payload(9_001, seed=72)


def _b64_md5(data: bytes) -> str:
    import base64

    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


@pytest.fixture
def plain(s3_client: Callable[..., Any]) -> Any:
    """boto3 without flexible checksums: sets up and reads back without adding headers of its own."""
    return s3_client(checksum_mode="when_required")


def _expect_absent(client: Any, bucket: str, key: str, rule: str) -> None:
    with expect_error(404, None, f"{rule}: HeadObject afterwards (a refused upload stores nothing)"):
        client.head_object(Bucket=bucket, Key=key)


def _expect_object(client: Any, bucket: str, key: str, body: bytes, rule: str) -> None:
    got = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    expect_equal(got, body, f"{rule}: the object read back afterwards")


def _keys(client: Any, bucket: str) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []) or []]


# --------------------------------------------------------------------------- objects


@pytest.mark.objects
def test_put_with_mismatched_content_md5_stores_nothing(plain: Any, bucket: str) -> None:
    """PutObject whose Content-MD5 is the MD5 of other bytes is refused and stores nothing.

    AWS S3 API Reference, PutObject: Content-MD5 ("used as a message integrity check"); BadDigest.
    """
    rule = "PutObject with the Content-MD5 of other bytes"
    with expect_refused(rule):
        plain.put_object(Bucket=bucket, Key="k", Body=BODY, ContentMD5=_b64_md5(OTHER))
    _expect_absent(plain, bucket, "k", rule)


@pytest.mark.objects
def test_overwrite_with_mismatched_content_md5_keeps_the_previous_object(plain: Any, bucket: str) -> None:
    """An overwrite whose Content-MD5 does not match its body is refused and the previous object stays intact.

    AWS S3 API Reference, PutObject: Content-MD5; BadDigest (the request fails as a whole).
    """
    plain.put_object(Bucket=bucket, Key="k", Body=OTHER)
    rule = "PutObject over an existing key with the Content-MD5 of other bytes"
    with expect_refused(rule):
        plain.put_object(Bucket=bucket, Key="k", Body=BODY, ContentMD5=_b64_md5(OTHER + b"!"))
    _expect_object(plain, bucket, "k", OTHER, rule)


@pytest.mark.objects
@pytest.mark.parametrize("digest", [
    pytest.param("not base64 at all!", id="not_base64"),
    pytest.param("MDEyMzQ1Njc4OQ==", id="ten_bytes"),
])
def test_put_with_malformed_content_md5_stores_nothing(plain: Any, bucket: str, digest: str) -> None:
    """PutObject whose Content-MD5 is not the base64 of 16 bytes is refused and stores nothing.

    AWS S3 API Reference, PutObject: Content-MD5; "List of error codes" (InvalidDigest).
    """
    rule = f"PutObject with a malformed Content-MD5 {digest!r}"
    with expect_refused(rule):
        plain.put_object(Bucket=bucket, Key="k", Body=BODY, ContentMD5=digest)
    _expect_absent(plain, bucket, "k", rule)


@pytest.mark.objects
@pytest.mark.severity("client")
def test_put_with_user_metadata_over_2kb_stores_nothing(plain: Any, bucket: str) -> None:
    """PutObject with more than 2 KB of user metadata is refused and stores nothing.

    Amazon S3 User Guide, "Working with object metadata" (user-defined metadata is limited to 2 KB);
    AWS S3 API Reference, "List of error codes" (MetadataTooLarge).
    """
    rule = "PutObject with 3 KB of user metadata"
    with expect_refused(rule):
        plain.put_object(Bucket=bucket, Key="k", Body=BODY, Metadata={"big": "x" * 3000})
    _expect_absent(plain, bucket, "k", rule)


@pytest.mark.objects
@pytest.mark.severity("client")
def test_copy_onto_itself_without_replace_keeps_metadata_and_bytes(plain: Any, bucket: str) -> None:
    """A self-copy that changes nothing is refused, and the object keeps its bytes, ETag and metadata.

    AWS S3 API Reference, CopyObject ("This copy request is illegal because it is trying to copy an object
    to itself without changing the object's metadata ..."; InvalidRequest).
    """
    plain.put_object(Bucket=bucket, Key="self", Body=BODY, Metadata={"version": "1"})
    rule = "CopyObject onto itself without REPLACE"
    with expect_refused(rule):
        plain.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"})
    head = plain.head_object(Bucket=bucket, Key="self")
    expect_equal(head.get("Metadata"), {"version": "1"}, f"{rule}: metadata afterwards")
    expect_equal(head.get("ETag"), f'"{md5_hex(BODY)}"', f"{rule}: ETag afterwards")


# --------------------------------------------------------------------------- checksums


@pytest.mark.checksums
@pytest.mark.requires("checksums")
@pytest.mark.parametrize("algorithm", [pytest.param(a, id=a.lower()) for a in ("CRC32", "CRC32C", "SHA1", "SHA256")])
def test_put_with_wrong_checksum_stores_nothing(s3: Any, plain: Any, bucket: str, algorithm: str) -> None:
    """PutObject whose x-amz-checksum-<alg> does not match the body is refused and stores nothing.

    AWS S3 API Reference, PutObject (x-amz-checksum-<alg>: "used as a data integrity check"); BadDigest.
    """
    rule = f"PutObject with a wrong x-amz-checksum-{algorithm.lower()}"
    with expect_refused(rule):
        s3.put_object(Bucket=bucket, Key="k", Body=BODY, ChecksumAlgorithm=algorithm,
                      **{param_name(algorithm): wrong_checksum_b64(algorithm, BODY)})
    _expect_absent(plain, bucket, "k", rule)


@pytest.mark.checksums
@pytest.mark.requires("checksums")
@pytest.mark.requires("multipart")
def test_upload_part_with_wrong_checksum_keeps_no_part(s3: Any, plain: Any, bucket: str) -> None:
    """UploadPart whose x-amz-checksum-crc32 does not match the part is refused; ListParts shows no part.

    AWS S3 API Reference, UploadPart (x-amz-checksum-crc32); ListParts (Response: Part); BadDigest.
    """
    upload_id = plain.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="CRC32")["UploadId"]
    rule = "UploadPart with a wrong x-amz-checksum-crc32"
    with expect_refused(rule):
        s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=BODY,
                       ChecksumAlgorithm="CRC32", ChecksumCRC32=wrong_checksum_b64("CRC32", BODY))
    parts = plain.list_parts(Bucket=bucket, Key="k", UploadId=upload_id).get("Parts") or []
    expect_equal([p["PartNumber"] for p in parts], [], f"{rule}: ListParts afterwards")
    plain.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id)


# --------------------------------------------------------------------------- tagging


TAG_LIMITS = {
    "eleven_tags": [{"Key": f"k{i}", "Value": f"v{i}"} for i in range(11)],
    "key_of_129_chars": [{"Key": "k" * 129, "Value": "v"}],
    "value_of_257_chars": [{"Key": "k", "Value": "v" * 257}],
    "duplicate_keys": [{"Key": "dup", "Value": "1"}, {"Key": "dup", "Value": "2"}],
}


@pytest.mark.tagging
@pytest.mark.requires("tagging")
@pytest.mark.severity("client")
@pytest.mark.parametrize("flaw", list(TAG_LIMITS))
def test_put_object_tagging_over_a_limit_keeps_the_tag_set(plain: Any, bucket: str, flaw: str) -> None:
    """PutObjectTagging over a documented limit is refused and the object keeps its previous tag set.

    Amazon S3 User Guide, "Categorizing your storage using tags" (at most 10 tags, keys up to 128 and values
    up to 256 characters, unique keys); AWS S3 API Reference, PutObjectTagging.
    """
    plain.put_object(Bucket=bucket, Key="k", Body=BODY, Tagging="keep=1")
    rule = f"PutObjectTagging with {flaw.replace('_', ' ')}"
    with expect_refused(rule):
        plain.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": TAG_LIMITS[flaw]})
    tags = plain.get_object_tagging(Bucket=bucket, Key="k").get("TagSet") or []
    expect_equal(tags, [{"Key": "keep", "Value": "1"}], f"{rule}: GetObjectTagging afterwards")


# --------------------------------------------------------------------------- multipart


@pytest.mark.multipart
@pytest.mark.requires("multipart")
def test_complete_with_wrong_part_etag_creates_no_object(plain: Any, bucket: str) -> None:
    """Complete naming an ETag that is not the uploaded part's is refused: no object appears.

    AWS S3 API Reference, CompleteMultipartUpload: Special errors, InvalidPart.
    """
    upload_id = create_upload(plain, bucket, "k")
    upload_parts(plain, bucket, "k", upload_id, [small()])
    rule = "CompleteMultipartUpload with a wrong ETag for part 1"
    with expect_refused(rule):
        complete(plain, bucket, "k", upload_id, [{"PartNumber": 1, "ETag": ZERO_ETAG}])
    _expect_absent(plain, bucket, "k", rule)


@pytest.mark.multipart
@pytest.mark.requires("multipart")
def test_complete_with_part_never_uploaded_creates_no_object(plain: Any, bucket: str) -> None:
    """Complete naming a part number that was never uploaded is refused: no object appears.

    AWS S3 API Reference, CompleteMultipartUpload: Special errors, InvalidPart; ListParts first confirms
    that the server holds part 1 only.
    """
    data = small()
    upload_id = create_upload(plain, bucket, "k")
    upload_parts(plain, bucket, "k", upload_id, [data])
    held = plain.list_parts(Bucket=bucket, Key="k", UploadId=upload_id).get("Parts") or []
    expect_equal([p["PartNumber"] for p in held], [1], "ListParts before completing (only part 1 uploaded)")
    rule = "CompleteMultipartUpload naming part 2 (only part 1 uploaded)"
    with expect_refused(rule):
        complete(plain, bucket, "k", upload_id, [{"PartNumber": 2, "ETag": part_etag(data)}])
    _expect_absent(plain, bucket, "k", rule)


@pytest.mark.multipart
@pytest.mark.requires("multipart")
@pytest.mark.severity("client")
def test_complete_with_small_first_part_creates_no_object_and_keeps_the_upload(plain: Any, bucket: str) -> None:
    """Complete with a first part under 5 MiB is refused: no object, and the upload and its parts remain.

    AWS S3 API Reference, CompleteMultipartUpload: Special errors, EntityTooSmall; ListParts.
    """
    upload_id = create_upload(plain, bucket, "k")
    listed = upload_parts(plain, bucket, "k", upload_id, [small(1024, seed=930), small(1024, seed=931)])
    rule = "CompleteMultipartUpload with a 1 KiB first part"
    with expect_refused(rule):
        complete(plain, bucket, "k", upload_id, listed)
    _expect_absent(plain, bucket, "k", rule)
    parts = plain.list_parts(Bucket=bucket, Key="k", UploadId=upload_id).get("Parts") or []
    expect_equal([p["PartNumber"] for p in parts], [1, 2], f"{rule}: ListParts afterwards")


@pytest.mark.multipart
@pytest.mark.requires("multipart")
@pytest.mark.severity("client")
def test_complete_with_parts_out_of_order_creates_no_object(plain: Any, bucket: str) -> None:
    """Complete listing part 2 before part 1 is refused: no object appears.

    AWS S3 API Reference, CompleteMultipartUpload: Special errors, InvalidPartOrder.
    """
    upload_id = create_upload(plain, bucket, "k")
    listed = upload_parts(plain, bucket, "k", upload_id, [part(1), part(2)])
    rule = "CompleteMultipartUpload listing part 2 before part 1"
    with expect_refused(rule):
        complete(plain, bucket, "k", upload_id, list(reversed(listed)))
    _expect_absent(plain, bucket, "k", rule)


# --------------------------------------------------------------------------- buckets and DeleteObjects


@pytest.mark.buckets
def test_delete_nonempty_bucket_keeps_the_bucket_and_its_objects(plain: Any,
                                                                  bucket_factory: Callable[..., str]) -> None:
    """DeleteBucket on a bucket holding an object is refused: the bucket and the object stay.

    AWS S3 API Reference, DeleteBucket ("All objects ... in the bucket must be deleted before the bucket
    itself can be deleted"); BucketNotEmpty.
    """
    bucket = bucket_factory()
    plain.put_object(Bucket=bucket, Key="still-here", Body=BODY)
    rule = "DeleteBucket on a non-empty bucket"
    with expect_refused(rule):
        plain.delete_bucket(Bucket=bucket)
    _expect_object(plain, bucket, "still-here", BODY, rule)


@pytest.mark.listing
@pytest.mark.requires("delete_objects")
def test_delete_objects_over_1000_keys_deletes_nothing(target: Any, plain: Any, bucket: str) -> None:
    """A DeleteObjects request naming more than 1000 keys is refused as a whole: nothing is deleted.

    AWS S3 API Reference, DeleteObjects ("The request can contain a list of up to 1000 keys"); MalformedXML.
    """
    put_keys(plain, bucket, ["survivor"])
    objects = [{"Key": "survivor"}] + [{"Key": f"ghost-{i:04d}"} for i in range(1000)]
    rule = "DeleteObjects with 1001 keys"
    with expect_refused(rule):
        content_md5_delete_client(target).delete_objects(Bucket=bucket, Delete={"Objects": objects})
    expect_equal(_keys(plain, bucket), ["survivor"], f"{rule}: keys left afterwards")
