"""Server-side encryption: SSE-S3 (AES256), SSE-C (customer keys), SSE-KMS, bucket default encryption.

AWS S3 API Reference: PutObject, GetObject, HeadObject, CopyObject, CreateMultipartUpload,
UploadPart, CompleteMultipartUpload, PutBucketEncryption, GetBucketEncryption,
DeleteBucketEncryption; Amazon S3 User Guide, "Protecting data with server-side encryption"
(SSE-S3, SSE-C, SSE-KMS).

The cases use a `when_required` client so that a server's handling of the default
CRC32 checksums (and of aws-chunked trailers over HTTPS) shows up in the checksums
suite, not here. SSE-C over plain HTTP: AWS refuses it ("must be made over a secure
connection"); a server that does the same is behaving like AWS and the case is
*unsupported* there (see `sse_c_transport`), never failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from gauntlet.fleet.running import LiveTarget
from gauntlet.plugin.checks import expect_equal, expect_error, expect_true, header, status_of
from gauntlet.s3.data import KiB, MiB, payload
from gauntlet.s3.errors import client_error_details
from suites._support.sse import (
    AES256,
    CUSTOMER_ALGORITHM,
    KEY_A,
    KEY_B,
    KMS_KEY_HEADER,
    SSE_HEADER,
    allow_sse_c,
    b64,
    body,
    encryption_rules,
    expect_key_not_echoed,
    expect_sse_c_echo,
    key_md5,
    multipart,
    names_kms_key,
    plain_client,
    sse_c_transport,
    ssec,
)

pytestmark = [pytest.mark.sse, pytest.mark.severity("security")]

#: 100,003 bytes: many AES blocks, an odd tail, more than one 64 KiB buffer
BODY = payload(100_003, seed=41)
MIN_PART = 5 * MiB


# --------------------------------------------------------------------------- SSE-S3


@pytest.mark.requires("sse_s3")
@pytest.mark.severity("client")
def test_sse_s3_put_get_head_report_aes256(s3_client: Callable[..., Any], bucket: str) -> None:
    """PutObject with x-amz-server-side-encryption: AES256; PUT, GET and HEAD answers report AES256.

    AWS S3 API Reference, PutObject / GetObject / HeadObject: Response header
    x-amz-server-side-encryption ("The server-side encryption algorithm used when you store this object").
    """
    s3 = plain_client(s3_client)
    put = s3.put_object(Bucket=bucket, Key="sse-s3", Body=BODY, ServerSideEncryption=AES256)
    expect_equal(header(put, SSE_HEADER), AES256, f"PutObject answer: {SSE_HEADER}")
    got = s3.get_object(Bucket=bucket, Key="sse-s3")
    expect_equal(header(got, SSE_HEADER), AES256, f"GetObject answer: {SSE_HEADER}")
    expect_equal(body(got), BODY, "GetObject of an SSE-S3 object")
    head = s3.head_object(Bucket=bucket, Key="sse-s3")
    expect_equal(header(head, SSE_HEADER), AES256, f"HeadObject answer: {SSE_HEADER}")


@pytest.mark.requires("sse_s3")
@pytest.mark.severity("client")
def test_sse_s3_copy_object_reports_aes256(s3_client: Callable[..., Any], bucket: str) -> None:
    """CopyObject with x-amz-server-side-encryption: AES256 encrypts the copy: its answer and HEAD report AES256.

    AWS S3 API Reference, CopyObject: Request header x-amz-server-side-encryption and Response
    header x-amz-server-side-encryption.
    """
    s3 = plain_client(s3_client)
    s3.put_object(Bucket=bucket, Key="source", Body=BODY)
    copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "source"},
                            ServerSideEncryption=AES256)
    expect_equal(header(copied, SSE_HEADER), AES256, f"CopyObject answer: {SSE_HEADER}")
    head = s3.head_object(Bucket=bucket, Key="copy")
    expect_equal(header(head, SSE_HEADER), AES256, f"HeadObject of the copy: {SSE_HEADER}")
    expect_equal(body(s3.get_object(Bucket=bucket, Key="copy")), BODY, "GetObject of the SSE-S3 copy")


@pytest.mark.requires("sse_s3", "multipart")
@pytest.mark.severity("client")
def test_sse_s3_multipart_reports_aes256(s3_client: Callable[..., Any], bucket: str) -> None:
    """A multipart upload created with SSE-S3: Complete, HEAD and GET report AES256; the bytes are exact.

    AWS S3 API Reference, CreateMultipartUpload (x-amz-server-side-encryption),
    CompleteMultipartUpload: Response header x-amz-server-side-encryption; HeadObject, GetObject.
    """
    s3 = plain_client(s3_client)
    parts = [payload(MIN_PART, seed=42), payload(KiB + 7, seed=43)]
    done = multipart(s3, bucket, "mpu-sse-s3", parts, ServerSideEncryption=AES256)
    expect_equal(header(done, SSE_HEADER), AES256, f"CompleteMultipartUpload answer: {SSE_HEADER}")
    head = s3.head_object(Bucket=bucket, Key="mpu-sse-s3")
    expect_equal(header(head, SSE_HEADER), AES256, f"HeadObject answer: {SSE_HEADER}")
    got = s3.get_object(Bucket=bucket, Key="mpu-sse-s3")
    expect_equal(header(got, SSE_HEADER), AES256, f"GetObject answer: {SSE_HEADER}")
    expect_equal(body(got), b"".join(parts), "GetObject of an SSE-S3 multipart object")


# --------------------------------------------------------------------------- bucket default encryption

_AES256_CONFIG = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": AES256}}]}


def _default_algorithms(answer: dict[str, Any]) -> list[str | None]:
    return [r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in encryption_rules(answer)]


@pytest.mark.requires("sse_s3")
@pytest.mark.severity("client")
def test_bucket_encryption_put_get_round_trip(s3_client: Callable[..., Any], bucket: str) -> None:
    """PutBucketEncryption with an AES256 default rule; GetBucketEncryption returns that rule.

    AWS S3 API Reference, PutBucketEncryption and GetBucketEncryption
    (ServerSideEncryptionConfiguration / Rule / ApplyServerSideEncryptionByDefault / SSEAlgorithm).
    """
    s3 = plain_client(s3_client)
    put = s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=_AES256_CONFIG)
    expect_equal(status_of(put), 200, "PutBucketEncryption status")
    got = s3.get_bucket_encryption(Bucket=bucket)
    expect_equal(_default_algorithms(got), [AES256], "GetBucketEncryption: the rules' SSEAlgorithm")


@pytest.mark.requires("sse_s3")
def test_bucket_default_encryption_applies_to_plain_put(s3_client: Callable[..., Any], bucket: str) -> None:
    """With an AES256 bucket default, a PUT without encryption headers is stored SSE-S3: PUT and HEAD say AES256.

    AWS S3 API Reference, PutBucketEncryption ("default encryption ... applies to new objects
    that don't specify encryption"); PutObject / HeadObject: Response header x-amz-server-side-encryption.
    """
    s3 = plain_client(s3_client)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=_AES256_CONFIG)
    put = s3.put_object(Bucket=bucket, Key="plain", Body=BODY)
    expect_equal(header(put, SSE_HEADER), AES256, f"PutObject into a default-encrypted bucket: {SSE_HEADER}")
    head = s3.head_object(Bucket=bucket, Key="plain")
    expect_equal(header(head, SSE_HEADER), AES256, f"HeadObject of an object stored under the default: {SSE_HEADER}")
    expect_equal(body(s3.get_object(Bucket=bucket, Key="plain")), BODY, "GetObject under the bucket default")


@pytest.mark.requires("sse_s3")
@pytest.mark.severity("client")
def test_delete_bucket_encryption_removes_configuration(s3_client: Callable[..., Any], bucket: str) -> None:
    """DeleteBucketEncryption answers 204; afterwards GetBucketEncryption has no configured rule.

    AWS S3 API Reference, DeleteBucketEncryption (204) and GetBucketEncryption: Errors
    (404 ServerSideEncryptionConfigurationNotFoundError). Since 2023 AWS instead resets the bucket
    to the SSE-S3 default ("This implementation of the DELETE action resets the default encryption
    for the bucket as server-side encryption with Amazon S3 managed keys"), so a 200 whose only
    rule is the plain AES256 default is accepted too.
    """
    s3 = plain_client(s3_client)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=_AES256_CONFIG)
    deleted = s3.delete_bucket_encryption(Bucket=bucket)
    expect_equal(status_of(deleted), 204, "DeleteBucketEncryption status")
    try:
        after = s3.get_bucket_encryption(Bucket=bucket)
    except botocore.exceptions.ClientError as exc:
        status, code, message = client_error_details(exc)
        expect_equal((status, code), (404, "ServerSideEncryptionConfigurationNotFoundError"),
                     f"GetBucketEncryption after DeleteBucketEncryption ({message})")
        return
    rules = encryption_rules(after)
    expect_true(
        _default_algorithms(after) == [AES256]
        and not rules[0].get("ApplyServerSideEncryptionByDefault", {}).get("KMSMasterKeyID"),
        "GetBucketEncryption after DeleteBucketEncryption: S3 requires 404 "
        "ServerSideEncryptionConfigurationNotFoundError (or, as AWS does today, the SSE-S3 default)",
        f"server answered 200 with rules {rules!r}",
    )


# --------------------------------------------------------------------------- SSE-C


@pytest.mark.requires("sse_c")
def test_sse_c_put_get_head_echo_key_md5_never_the_key(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """SSE-C PUT/GET/HEAD with the customer key: answers echo the algorithm and key MD5, never the key.

    AWS S3 API Reference, PutObject / GetObject / HeadObject: Response headers
    x-amz-server-side-encryption-customer-algorithm and -customer-key-MD5; Amazon S3 User Guide,
    "Using server-side encryption with customer-provided keys (SSE-C)" (S3 does not store or return the key).
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    with sse_c_transport(target):
        put = s3.put_object(Bucket=bucket, Key="ssec", Body=BODY, **ssec(KEY_A))
    got = s3.get_object(Bucket=bucket, Key="ssec", **ssec(KEY_A))
    expect_equal(body(got), BODY, "GetObject with the customer key")
    head = s3.head_object(Bucket=bucket, Key="ssec", **ssec(KEY_A))
    expect_equal(head.get("ContentLength"), len(BODY), "HeadObject Content-Length of an SSE-C object")
    expect_key_not_echoed([("PutObject", put), ("GetObject", got), ("HeadObject", head)], KEY_A)
    expect_sse_c_echo(put, KEY_A, "PutObject answer")
    expect_sse_c_echo(got, KEY_A, "GetObject answer")
    expect_sse_c_echo(head, KEY_A, "HeadObject answer")


@pytest.mark.requires("sse_c")
def test_sse_c_get_without_key_is_400_invalid_request(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """GetObject of an SSE-C object without the key answers 400 InvalidRequest.

    AWS S3 API Reference, GetObject: "If you encrypt an object by using server-side encryption with
    customer-provided encryption keys (SSE-C) ... you must provide the following headers";
    Error responses: InvalidRequest.
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    with sse_c_transport(target):
        s3.put_object(Bucket=bucket, Key="ssec", Body=BODY, **ssec(KEY_A))
    with expect_error(400, "InvalidRequest", "GetObject of an SSE-C object without the key"):
        s3.get_object(Bucket=bucket, Key="ssec")


@pytest.mark.requires("sse_c")
@pytest.mark.severity("client")
def test_sse_c_head_without_key_is_400(s3_client: Callable[..., Any], bucket: str, target: LiveTarget) -> None:
    """HeadObject of an SSE-C object without the key answers 400 (a HEAD answer has no body, so no code).

    AWS S3 API Reference, HeadObject: SSE-C headers are required for an object stored with SSE-C
    ("you must provide ... headers", else 400 Bad Request).
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    with sse_c_transport(target):
        s3.put_object(Bucket=bucket, Key="ssec", Body=BODY, **ssec(KEY_A))
    with expect_error(400, None, "HeadObject of an SSE-C object without the key"):
        s3.head_object(Bucket=bucket, Key="ssec")


@pytest.mark.requires("sse_c")
def test_sse_c_get_with_wrong_key_is_403_access_denied(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """GetObject of an SSE-C object with another (well-formed) key answers 403 AccessDenied, no bytes.

    AWS S3 API Reference, GetObject (SSE-C: the key must be the one used to store the object);
    Amazon S3 User Guide, "Using server-side encryption with customer-provided keys" (403 for a
    key that does not match).
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    with sse_c_transport(target):
        s3.put_object(Bucket=bucket, Key="ssec", Body=BODY, **ssec(KEY_A))
    with expect_error(403, "AccessDenied", "GetObject of an SSE-C object with the wrong key"):
        s3.get_object(Bucket=bucket, Key="ssec", **ssec(KEY_B))


@pytest.mark.requires("sse_c")
@pytest.mark.severity("client")
def test_sse_c_key_md5_mismatch_is_400_invalid_argument(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """PutObject whose x-amz-server-side-encryption-customer-key-MD5 is not the key's MD5: 400 InvalidArgument.

    AWS S3 API Reference, PutObject: x-amz-server-side-encryption-customer-key-MD5 ("Amazon S3 uses
    this header for a message integrity check to ensure that the encryption key was transmitted
    without error"); Error responses: InvalidArgument.
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    with sse_c_transport(target):  # SSE-C over this transport at all?
        s3.put_object(Bucket=bucket, Key="ssec", Body=BODY, **ssec(KEY_A))
    with expect_error(400, "InvalidArgument", "PutObject with a customer-key MD5 that does not match the key"):
        # with the MD5 given, boto3 sends key and MD5 as they are: the key goes base64-encoded
        s3.put_object(Bucket=bucket, Key="bad-md5", Body=BODY, SSECustomerAlgorithm=AES256,
                      SSECustomerKey=b64(KEY_A), SSECustomerKeyMD5=key_md5(KEY_B))
    with expect_error(404, None, "HeadObject of the key whose PUT was refused (nothing stored)"):
        s3.head_object(Bucket=bucket, Key="bad-md5", **ssec(KEY_A))


@pytest.mark.requires("sse_c")
@pytest.mark.severity("data")
def test_sse_c_ranged_get_returns_exact_bytes(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """Ranged GETs of an SSE-C object with the key return 206 and exactly the requested bytes.

    AWS S3 API Reference, GetObject: Range (RFC 9110 §14.1.2) with SSE-C headers; the ranges here
    start and end off the 16-byte AES block boundaries and include a suffix range.
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    with sse_c_transport(target):
        s3.put_object(Bucket=bucket, Key="ssec", Body=BODY, **ssec(KEY_A))
    size = len(BODY)
    for spec, first, last in (("bytes=33-70000", 33, 70000), (f"bytes={size - 17}-", size - 17, size - 1),
                              ("bytes=-5", size - 5, size - 1)):
        got = s3.get_object(Bucket=bucket, Key="ssec", Range=spec, **ssec(KEY_A))
        expect_equal(status_of(got), 206, f"GetObject Range {spec} of an SSE-C object: status")
        expect_equal(header(got, "content-range"), f"bytes {first}-{last}/{size}", f"Content-Range for {spec}")
        expect_equal(body(got), BODY[first:last + 1], f"GetObject Range {spec} of an SSE-C object")


_COPY_DESTINATIONS = [
    pytest.param("sse_c", id="to-sse-c"),
    pytest.param("sse_s3", id="to-sse-s3", marks=pytest.mark.requires("sse_s3")),
    pytest.param("plain", id="to-plain"),
]


@pytest.mark.requires("sse_c")
@pytest.mark.parametrize("destination", _COPY_DESTINATIONS)
@pytest.mark.severity("data")
def test_sse_c_copy_object(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget, destination: str
) -> None:
    """CopyObject from an SSE-C source (x-amz-copy-source-server-side-encryption-customer-*) to an SSE-C
    (new key), SSE-S3 or unencrypted destination: the copy has the source's bytes and the new encryption.

    AWS S3 API Reference, CopyObject: Request headers x-amz-copy-source-server-side-encryption-customer-
    algorithm/-key/-key-MD5 and x-amz-server-side-encryption(-customer-*); Response headers.
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    with sse_c_transport(target):
        s3.put_object(Bucket=bucket, Key="source", Body=BODY, **ssec(KEY_A))
    source = {"Bucket": bucket, "Key": "source"}
    what = f"CopyObject of an SSE-C object to a {destination.replace('_', '-')} destination"
    if destination == "sse_c":
        copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource=source,
                                **ssec(KEY_A, "CopySourceSSECustomer"), **ssec(KEY_B))
        got = s3.get_object(Bucket=bucket, Key="copy", **ssec(KEY_B))
        expect_equal(body(got), BODY, f"{what}: GetObject of the copy with the new key")
        head = s3.head_object(Bucket=bucket, Key="copy", **ssec(KEY_B))
        expect_key_not_echoed([("CopyObject", copied), ("GetObject", got), ("HeadObject", head)], KEY_A)
        expect_key_not_echoed([("CopyObject", copied), ("GetObject", got), ("HeadObject", head)], KEY_B)
        expect_sse_c_echo(copied, KEY_B, f"{what}: answer")
        expect_sse_c_echo(head, KEY_B, f"{what}: HeadObject with the new key")
        with expect_error(403, "AccessDenied", f"{what}: GetObject of the copy with the source's key"):
            s3.get_object(Bucket=bucket, Key="copy", **ssec(KEY_A))
        return
    extra = {"ServerSideEncryption": AES256} if destination == "sse_s3" else {}
    copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource=source,
                            **ssec(KEY_A, "CopySourceSSECustomer"), **extra)
    expect_equal(body(s3.get_object(Bucket=bucket, Key="copy")), BODY,
                 f"{what}: GetObject of the copy without a key")
    head = s3.head_object(Bucket=bucket, Key="copy")
    expect_key_not_echoed([("CopyObject", copied), ("HeadObject", head)], KEY_A)
    if destination == "sse_s3":
        expect_equal(header(copied, SSE_HEADER), AES256, f"{what}: answer {SSE_HEADER}")
        expect_equal(header(head, SSE_HEADER), AES256, f"{what}: HeadObject {SSE_HEADER}")
    expect_equal(header(head, CUSTOMER_ALGORITHM), None,
                 f"{what}: HeadObject of the copy (no customer key any more) {CUSTOMER_ALGORITHM}")


@pytest.mark.requires("sse_c", "multipart")
@pytest.mark.severity("data")
def test_sse_c_multipart_upload_round_trip(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """A multipart upload with SSE-C (the key on Create, every UploadPart and Complete): parts echo the key
    MD5, and GET/HEAD with the key return the exact bytes and the echo.

    AWS S3 API Reference, CreateMultipartUpload / UploadPart (SSE-C request and response headers:
    "must match the headers you used in the request to initiate the upload"), CompleteMultipartUpload,
    GetObject, HeadObject.
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    parts = [payload(MIN_PART, seed=44), payload(70 * KiB + 3, seed=45)]
    with sse_c_transport(target):
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mpu-ssec", **ssec(KEY_A))["UploadId"]
    answers = [
        s3.upload_part(Bucket=bucket, Key="mpu-ssec", UploadId=upload_id, PartNumber=number, Body=data,
                       **ssec(KEY_A))
        for number, data in enumerate(parts, start=1)
    ]
    listed = [{"PartNumber": number, "ETag": a["ETag"]} for number, a in enumerate(answers, start=1)]
    s3.complete_multipart_upload(Bucket=bucket, Key="mpu-ssec", UploadId=upload_id,
                                 MultipartUpload={"Parts": listed}, **ssec(KEY_A))
    got = s3.get_object(Bucket=bucket, Key="mpu-ssec", **ssec(KEY_A))
    expect_equal(body(got), b"".join(parts), "GetObject of an SSE-C multipart object with the key")
    head = s3.head_object(Bucket=bucket, Key="mpu-ssec", **ssec(KEY_A))
    expect_key_not_echoed([(f"UploadPart {n}", a) for n, a in enumerate(answers, start=1)]
                           + [("GetObject", got), ("HeadObject", head)], KEY_A)
    for number, answer in enumerate(answers, start=1):
        expect_sse_c_echo(answer, KEY_A, f"UploadPart {number} answer")
    expect_sse_c_echo(got, KEY_A, "GetObject of the SSE-C multipart object")
    expect_sse_c_echo(head, KEY_A, "HeadObject of the SSE-C multipart object")
    with expect_error(400, "InvalidRequest", "GetObject of the SSE-C multipart object without the key"):
        s3.get_object(Bucket=bucket, Key="mpu-ssec")


@pytest.mark.requires("sse_c", "multipart")
def test_sse_c_upload_part_without_key_is_400_invalid_request(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """UploadPart without the SSE-C headers into an upload created with SSE-C answers 400 InvalidRequest.

    AWS S3 API Reference, UploadPart: "If you requested server-side encryption using a customer-provided
    encryption key (SSE-C) in your initiate multipart upload request, you must provide identical
    encryption information in each part upload request"; Error responses: InvalidRequest.
    """
    s3 = plain_client(s3_client)
    allow_sse_c(s3, bucket, target)
    with sse_c_transport(target):
        upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mpu-ssec", **ssec(KEY_A))["UploadId"]
    with expect_error(400, "InvalidRequest", "UploadPart without the SSE-C key into an SSE-C upload"):
        s3.upload_part(Bucket=bucket, Key="mpu-ssec", UploadId=upload_id, PartNumber=1, Body=BODY)


# --------------------------------------------------------------------------- SSE-KMS


@pytest.mark.requires("sse_kms")
@pytest.mark.severity("client")
def test_sse_kms_put_head_report_key_id(s3_client: Callable[..., Any], bucket: str, target: LiveTarget) -> None:
    """PutObject with aws:kms and the target's KMS key: PUT and HEAD report aws:kms and that key.

    AWS S3 API Reference, PutObject: x-amz-server-side-encryption (aws:kms) and
    x-amz-server-side-encryption-aws-kms-key-id (AWS answers the key's ARN, which ends in key/<id>).
    """
    assert target.kms_key_id is not None
    key_id = target.kms_key_id
    s3 = plain_client(s3_client)
    put = s3.put_object(Bucket=bucket, Key="kms", Body=BODY, ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id)
    head = s3.head_object(Bucket=bucket, Key="kms")
    for what, answer in (("PutObject", put), ("HeadObject", head)):
        expect_equal(header(answer, SSE_HEADER), "aws:kms", f"{what} answer: {SSE_HEADER}")
        reported = header(answer, KMS_KEY_HEADER) or ""
        expect_true(names_kms_key(reported, key_id),
                    f"{what} answer: S3 requires {KMS_KEY_HEADER} to name the key {key_id!r} (id or ARN)",
                    f"server gave {reported!r}")
    expect_equal(body(s3.get_object(Bucket=bucket, Key="kms")), BODY, "GetObject of an SSE-KMS object")
