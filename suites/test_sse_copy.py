"""Server-side encryption × copy: CopyObject and UploadPartCopy between plain, SSE-C, SSE-S3 and SSE-KMS,
and bucket default encryption applied to copies and multipart uploads.

AWS S3 API Reference: CopyObject, UploadPartCopy (x-amz-copy-source-server-side-encryption-customer-*
and the destination's x-amz-server-side-encryption*), GetObject, HeadObject, CreateMultipartUpload,
PutBucketEncryption; Amazon S3 User Guide, "Using server-side encryption with customer-provided keys
(SSE-C)". The SSE-C cases behave like suites/test_sse.py over plain HTTP (`sse_c_transport`). The
copies that suites/test_sse.py already makes (SSE-C source to SSE-C, SSE-S3 and plain; plain to SSE-S3)
are not repeated here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gauntlet.fleet.running import LiveTarget
from gauntlet.plugin.checks import expect_equal, expect_error, expect_refused, expect_true, header
from gauntlet.s3.data import KiB, MiB, payload
from suites._support.sse import (
    AES256,
    AWS_KMS,
    CUSTOMER_ALGORITHM,
    KEY_A,
    KEY_B,
    SSE_HEADER,
    allow_sse_c,
    body,
    expect_key_not_echoed,
    expect_sse_c_echo,
    multipart,
    plain_client,
    sse_c_transport,
    ssec,
)

pytestmark = [pytest.mark.sse, pytest.mark.severity("data")]

#: 90,007 bytes: many AES blocks and an odd tail
BODY = payload(90_007, seed=61)
MIN_PART = 5 * MiB
_AES256_CONFIG = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": AES256}}]}


def _source(bucket: str, key: str = "source") -> dict[str, str]:
    return {"Bucket": bucket, "Key": key}


def _put_sse_c(s3: Any, bucket: str, target: LiveTarget, key: str = "source", data: bytes = BODY) -> None:
    allow_sse_c(s3, bucket, target)
    with sse_c_transport(target):
        s3.put_object(Bucket=bucket, Key=key, Body=data, **ssec(KEY_A))


# --------------------------------------------------------------------------- into SSE-C


@pytest.mark.requires("sse_c")
def test_copy_plain_to_sse_c_reads_back_with_the_key(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """CopyObject of an unencrypted object with SSE-C headers: GET with the key returns the bytes; no answer
    carries the key.

    AWS S3 API Reference, CopyObject: Request headers x-amz-server-side-encryption-customer-algorithm/-key/
    -key-MD5 (encrypt the destination with this key); GetObject with the same headers.
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    s3.put_object(Bucket=bucket, Key="plain", Body=BODY)
    with sse_c_transport(target):
        copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource=_source(bucket, "plain"), **ssec(KEY_A))
    got = s3.get_object(Bucket=bucket, Key="copy", **ssec(KEY_A))
    expect_equal(body(got), BODY, "GetObject with the key of a plain object copied to SSE-C")
    expect_key_not_echoed([("CopyObject", copied), ("GetObject", got)], KEY_A)


@pytest.mark.requires("sse_c")
@pytest.mark.severity("client")
def test_copy_plain_to_sse_c_answer_echoes_the_key_md5(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """CopyObject of an unencrypted object with SSE-C headers: its answer echoes the customer algorithm and key MD5.

    AWS S3 API Reference, CopyObject: Response headers x-amz-server-side-encryption-customer-algorithm and
    x-amz-server-side-encryption-customer-key-MD5 ("the response will include this header to confirm ...").
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    s3.put_object(Bucket=bucket, Key="plain", Body=BODY)
    with sse_c_transport(target):
        copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource=_source(bucket, "plain"), **ssec(KEY_A))
    expect_sse_c_echo(copied, KEY_A, "CopyObject to SSE-C answer")


@pytest.mark.requires("sse_c")
@pytest.mark.severity("security")
def test_copy_plain_to_sse_c_get_without_key_is_400_invalid_request(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """A plain object copied to SSE-C is encrypted: GetObject without the key answers 400 InvalidRequest.

    AWS S3 API Reference, GetObject ("If you encrypt an object by using server-side encryption with
    customer-provided encryption keys (SSE-C) ... you must provide the following headers"); Errors: InvalidRequest.
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    s3.put_object(Bucket=bucket, Key="plain", Body=BODY)
    with sse_c_transport(target):
        s3.copy_object(Bucket=bucket, Key="copy", CopySource=_source(bucket, "plain"), **ssec(KEY_A))
    with expect_error(400, "InvalidRequest", "GetObject without the key of a plain object copied to SSE-C"):
        s3.get_object(Bucket=bucket, Key="copy")


@pytest.mark.requires("sse_c")
@pytest.mark.severity("security")
def test_copy_sse_c_in_place_with_a_new_key_rotates_the_key(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """CopyObject of an SSE-C object onto itself with a new key (key rotation, metadata replaced so the
    in-place copy is legal on any reading): the new key opens it, the old key no longer does (403 AccessDenied).

    AWS S3 API Reference, CopyObject (an object may be copied onto itself when its metadata or encryption
    changes; the copy-source key headers open the source); GetObject with a key that does not match: 403 AccessDenied
    (Amazon S3 User Guide, "Using server-side encryption with customer-provided keys").
    """
    s3 = plain_client(s3_client)
    _put_sse_c(s3, bucket, target, key="obj")
    s3.copy_object(Bucket=bucket, Key="obj", CopySource=_source(bucket, "obj"), MetadataDirective="REPLACE",
                   Metadata={"rotated": "yes"}, **ssec(KEY_A, "CopySourceSSECustomer"), **ssec(KEY_B))
    expect_equal(body(s3.get_object(Bucket=bucket, Key="obj", **ssec(KEY_B))), BODY,
                 "GetObject with the new key after an in-place key rotation")
    with expect_error(403, "AccessDenied", "GetObject with the old key after an in-place key rotation"):
        s3.get_object(Bucket=bucket, Key="obj", **ssec(KEY_A))


@pytest.mark.requires("sse_c")
@pytest.mark.severity("security")
def test_copy_sse_c_source_without_copy_source_key_is_400_invalid_request(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """CopyObject of an SSE-C source without the x-amz-copy-source-server-side-encryption-customer-* headers
    answers 400 InvalidRequest, and no copy is stored.

    AWS S3 API Reference, CopyObject: "If the source object is encrypted using SSE-C, you must provide the
    necessary encryption information in your request" (x-amz-copy-source-server-side-encryption-customer-
    algorithm/-key/-key-MD5); Errors: InvalidRequest.
    """
    s3 = plain_client(s3_client)
    _put_sse_c(s3, bucket, target)
    with expect_error(400, "InvalidRequest", "CopyObject of an SSE-C source without the copy-source key"):
        s3.copy_object(Bucket=bucket, Key="copy", CopySource=_source(bucket))
    with expect_error(404, None, "HeadObject of the copy whose CopyObject was refused (nothing stored)"):
        s3.head_object(Bucket=bucket, Key="copy")


@pytest.mark.requires("sse_c")
@pytest.mark.severity("security")
def test_copy_sse_c_source_with_wrong_copy_source_key_is_refused(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """CopyObject of an SSE-C source with another (well-formed) copy-source key is refused and stores nothing:
    the wrong key must not open the source.

    AWS S3 API Reference, CopyObject: x-amz-copy-source-server-side-encryption-customer-key ("The encryption
    key provided in this header must be the same one that was used when the source object was created").
    """
    s3 = plain_client(s3_client)
    _put_sse_c(s3, bucket, target)
    with expect_refused("CopyObject of an SSE-C source with the wrong copy-source key"):
        s3.copy_object(Bucket=bucket, Key="copy", CopySource=_source(bucket), **ssec(KEY_B, "CopySourceSSECustomer"))
    with expect_error(404, None, "HeadObject of the copy whose CopyObject was refused (nothing stored)"):
        s3.head_object(Bucket=bucket, Key="copy")


@pytest.mark.requires("sse_c", "sse_kms")
def test_copy_sse_c_to_sse_kms(s3_client: Callable[..., Any], bucket: str, target: LiveTarget) -> None:
    """CopyObject of an SSE-C source (copy-source key given) to aws:kms: the copy reads back without a key,
    HEAD reports aws:kms and no customer algorithm.

    AWS S3 API Reference, CopyObject: x-amz-copy-source-server-side-encryption-customer-* with
    x-amz-server-side-encryption: aws:kms and -aws-kms-key-id; HeadObject.
    """
    s3 = plain_client(s3_client)
    _put_sse_c(s3, bucket, target)
    s3.copy_object(Bucket=bucket, Key="copy", CopySource=_source(bucket), **ssec(KEY_A, "CopySourceSSECustomer"),
                   ServerSideEncryption=AWS_KMS, SSEKMSKeyId=target.kms_key_id)
    expect_equal(body(s3.get_object(Bucket=bucket, Key="copy")), BODY, "GetObject of an SSE-C object copied to SSE-KMS")
    head = s3.head_object(Bucket=bucket, Key="copy")
    expect_equal(header(head, SSE_HEADER), AWS_KMS, f"HeadObject of the SSE-KMS copy: {SSE_HEADER}")
    expect_equal(header(head, CUSTOMER_ALGORITHM), None, f"HeadObject of the SSE-KMS copy: {CUSTOMER_ALGORITHM}")


@pytest.mark.requires("sse_c", "sse_s3")
def test_copy_sse_s3_to_sse_c(s3_client: Callable[..., Any], bucket: str, target: LiveTarget) -> None:
    """CopyObject of an SSE-S3 object with SSE-C headers: GET with the key returns the bytes; GET without it
    answers 400 InvalidRequest.

    AWS S3 API Reference, CopyObject (destination SSE-C headers); GetObject: SSE-C headers required,
    Errors: InvalidRequest.
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    s3.put_object(Bucket=bucket, Key="source", Body=BODY, ServerSideEncryption=AES256)
    with sse_c_transport(target):
        s3.copy_object(Bucket=bucket, Key="copy", CopySource=_source(bucket), **ssec(KEY_B))
    expect_equal(body(s3.get_object(Bucket=bucket, Key="copy", **ssec(KEY_B))), BODY,
                 "GetObject with the key of an SSE-S3 object copied to SSE-C")
    with expect_error(400, "InvalidRequest", "GetObject without the key of an SSE-S3 object copied to SSE-C"):
        s3.get_object(Bucket=bucket, Key="copy")


# --------------------------------------------------------------------------- SSE-S3 and bucket defaults


@pytest.mark.requires("sse_s3")
@pytest.mark.severity("client")
def test_copy_sse_s3_without_sse_headers_takes_the_bucket_default(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """CopyObject of an SSE-S3 object without encryption headers, into a bucket with no default: the copy is
    plain (no x-amz-server-side-encryption) or AES256 (AWS's SSE-S3 default), never anything else; bytes exact.

    AWS S3 API Reference, CopyObject: "if you don't specify encryption information in your copy request, the
    encryption setting of the target object is set to the default encryption configuration of the
    destination bucket".
    """
    s3 = plain_client(s3_client)
    s3.put_object(Bucket=bucket, Key="source", Body=BODY, ServerSideEncryption=AES256)
    s3.copy_object(Bucket=bucket, Key="copy", CopySource=_source(bucket))
    expect_equal(body(s3.get_object(Bucket=bucket, Key="copy")), BODY, "GetObject of the copy of an SSE-S3 object")
    reported = header(s3.head_object(Bucket=bucket, Key="copy"), SSE_HEADER)
    expect_true(reported in (None, AES256),
                f"HeadObject of the copy: {SSE_HEADER} absent or AES256 (the bucket default)",
                f"server reports {reported!r}")


@pytest.mark.requires("sse_s3")
@pytest.mark.severity("security")
def test_bucket_default_aes256_applies_to_copy(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """With an AES256 bucket default, CopyObject of a plain object without encryption headers stores the copy
    SSE-S3: HEAD of the copy reports AES256; bytes exact.

    AWS S3 API Reference, CopyObject (the destination takes the bucket's default encryption) and
    PutBucketEncryption; HeadObject: x-amz-server-side-encryption.
    """
    s3 = plain_client(s3_client)
    s3.put_object(Bucket=bucket, Key="source", Body=BODY)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=_AES256_CONFIG)
    s3.copy_object(Bucket=bucket, Key="copy", CopySource=_source(bucket))
    expect_equal(body(s3.get_object(Bucket=bucket, Key="copy")), BODY, "GetObject of the copy")
    expect_equal(header(s3.head_object(Bucket=bucket, Key="copy"), SSE_HEADER), AES256,
                 f"HeadObject of a copy made under the AES256 bucket default: {SSE_HEADER}")


@pytest.mark.requires("sse_s3", "multipart")
@pytest.mark.severity("security")
def test_bucket_default_aes256_applies_to_multipart_upload(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """With an AES256 bucket default, a multipart upload created without encryption headers is stored SSE-S3:
    HEAD reports AES256; bytes exact.

    AWS S3 API Reference, CreateMultipartUpload (objects take the bucket's default encryption when the request
    has none) and PutBucketEncryption; HeadObject: x-amz-server-side-encryption.
    """
    s3 = plain_client(s3_client)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=_AES256_CONFIG)
    parts = [payload(MIN_PART, seed=62), payload(2 * KiB + 1, seed=63)]
    multipart(s3, bucket, "mpu", parts)
    expect_equal(body(s3.get_object(Bucket=bucket, Key="mpu")), b"".join(parts),
                 "GetObject of a multipart object under the AES256 default")
    expect_equal(header(s3.head_object(Bucket=bucket, Key="mpu"), SSE_HEADER), AES256,
                 f"HeadObject of a multipart object made under the AES256 bucket default: {SSE_HEADER}")


# --------------------------------------------------------------------------- UploadPartCopy


@pytest.mark.requires("sse_c", "multipart")
def test_upload_part_copy_sse_c_source_into_sse_c_upload(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """UploadPartCopy of an SSE-C source (copy-source key A) into an SSE-C upload (key B), then a plain
    UploadPart (key B): the completed object opens with key B and holds exactly both parts.

    AWS S3 API Reference, UploadPartCopy: x-amz-copy-source-server-side-encryption-customer-* (open the
    source) and x-amz-server-side-encryption-customer-* ("must match the headers you used in the request
    to initiate the upload"); CompleteMultipartUpload; GetObject.
    """
    s3 = plain_client(s3_client)
    first = payload(MIN_PART, seed=64)
    _put_sse_c(s3, bucket, target, data=first)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mpu", **ssec(KEY_B))["UploadId"]
    copied = s3.upload_part_copy(Bucket=bucket, Key="mpu", UploadId=upload_id, PartNumber=1, CopySource=_source(bucket),
                                 **ssec(KEY_A, "CopySourceSSECustomer"), **ssec(KEY_B))
    copied_etag = copied.get("CopyPartResult", {}).get("ETag")
    expect_true(bool(copied_etag), "UploadPartCopy answer: S3 returns CopyPartResult/ETag",
                f"the answer has no part ETag ({copied.get('CopyPartResult')!r})")
    second = s3.upload_part(Bucket=bucket, Key="mpu", UploadId=upload_id, PartNumber=2, Body=BODY, **ssec(KEY_B))
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mpu", UploadId=upload_id, **ssec(KEY_B),
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": copied_etag},
                                   {"PartNumber": 2, "ETag": second["ETag"]}]})
    got = s3.get_object(Bucket=bucket, Key="mpu", **ssec(KEY_B))
    expect_equal(body(got), first + BODY, "GetObject with key B of an upload built by UploadPartCopy from key A")
    expect_key_not_echoed([("UploadPartCopy", copied), ("GetObject", got)], KEY_A)
    expect_key_not_echoed([("UploadPartCopy", copied), ("GetObject", got)], KEY_B)


@pytest.mark.requires("sse_c", "multipart")
@pytest.mark.severity("security")
def test_upload_part_copy_sse_c_source_without_copy_source_key_is_refused(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """UploadPartCopy of an SSE-C source without the copy-source key headers, into a plain upload, is refused
    with 400 InvalidRequest: the source's bytes are not readable without its key.

    AWS S3 API Reference, UploadPartCopy: x-amz-copy-source-server-side-encryption-customer-algorithm/-key/
    -key-MD5 ("Specifies the customer-provided encryption key for Amazon S3 to use to decrypt the source
    object"); Errors: InvalidRequest.
    """
    s3 = plain_client(s3_client)
    _put_sse_c(s3, bucket, target, data=payload(MIN_PART, seed=65))
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mpu")["UploadId"]
    with expect_error(400, "InvalidRequest", "UploadPartCopy of an SSE-C source without the copy-source key"):
        s3.upload_part_copy(Bucket=bucket, Key="mpu", UploadId=upload_id, PartNumber=1, CopySource=_source(bucket))
