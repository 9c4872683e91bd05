"""SSE-KMS: objects, multipart uploads, copies and bucket default encryption with a KMS key.

AWS S3 API Reference: PutObject, GetObject, HeadObject, CopyObject, CreateMultipartUpload,
UploadPart, CompleteMultipartUpload (x-amz-server-side-encryption: aws:kms,
x-amz-server-side-encryption-aws-kms-key-id, -context, -bucket-key-enabled); PutBucketEncryption,
GetBucketEncryption, DeleteBucketEncryption (ApplyServerSideEncryptionByDefault, KMSMasterKeyID,
BucketKeyEnabled); Amazon S3 User Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)".

Every case needs the target's `kms_key_id` (targets.yaml): without one the feature is absent and
the cases are unsupported. Only one case checks how the key id is reported on GET; the others check
the algorithm and the bytes, so that one naming difference does not hide the rest.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from gauntlet.fleet.running import LiveTarget
from gauntlet.plugin.checks import expect_equal, expect_error, expect_refused, expect_true, header, status_of
from gauntlet.s3.data import KiB, MiB, payload
from gauntlet.s3.errors import client_error_details
from suites._support.sse import (
    AES256,
    AWS_KMS,
    BUCKET_KEY_HEADER,
    KMS_CONTEXT_HEADER,
    KMS_KEY_HEADER,
    SSE_HEADER,
    b64,
    body,
    encryption_rules,
    multipart,
    names_kms_key,
    plain_client,
)

pytestmark = [pytest.mark.sse, pytest.mark.severity("client"), pytest.mark.requires("sse_kms")]

#: 70,001 bytes: many AES blocks and an odd tail
BODY = payload(70_001, seed=51)
MIN_PART = 5 * MiB
#: a key id no KMS has: a fresh UUID-shaped id
UNKNOWN_KEY = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"


def _key(target: LiveTarget) -> str:
    assert target.kms_key_id is not None  # requires("sse_kms") makes the case unsupported without one
    return target.kms_key_id


def _kms(target: LiveTarget, **extra: Any) -> dict[str, Any]:
    return {"ServerSideEncryption": AWS_KMS, "SSEKMSKeyId": _key(target), **extra}


def _expect_kms(answer: dict[str, Any], what: str) -> None:
    expect_equal(header(answer, SSE_HEADER), AWS_KMS, f"{what}: {SSE_HEADER}")


def _expect_key_named(answer: dict[str, Any], key_id: str, what: str) -> None:
    reported = header(answer, KMS_KEY_HEADER)
    expect_true(names_kms_key(reported, key_id),
                f"{what}: S3 requires {KMS_KEY_HEADER} to name the key {key_id!r} (id or ARN ending key/<id>)",
                f"server gave {reported!r}")


def _kms_config(key_id: str, bucket_key: bool | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": AWS_KMS, "KMSMasterKeyID": key_id}}
    if bucket_key is not None:
        rule["BucketKeyEnabled"] = bucket_key
    return {"Rules": [rule]}


# --------------------------------------------------------------------------- objects


def test_sse_kms_get_reports_kms_and_names_the_key(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """GetObject of an object stored with aws:kms and the target's key: exact bytes; the answer reports
    aws:kms and names the key.

    AWS S3 API Reference, GetObject: Response headers x-amz-server-side-encryption and
    x-amz-server-side-encryption-aws-kms-key-id ("the ID of the AWS KMS key that was used for the object").
    """
    s3 = plain_client(s3_client)
    s3.put_object(Bucket=bucket, Key="kms", Body=BODY, **_kms(target))
    got = s3.get_object(Bucket=bucket, Key="kms")
    expect_equal(body(got), BODY, "GetObject of an SSE-KMS object")
    _expect_kms(got, "GetObject answer")
    _expect_key_named(got, _key(target), "GetObject answer")


@pytest.mark.severity("data")
def test_sse_kms_ranged_get_returns_exact_bytes(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """Ranged GETs of an SSE-KMS object return 206, the right Content-Range and exactly those bytes.

    AWS S3 API Reference, GetObject: Range (RFC 9110 §14.1.2); the ranges start and end off the
    16-byte AES block boundaries and include a suffix range.
    """
    s3 = plain_client(s3_client)
    s3.put_object(Bucket=bucket, Key="kms", Body=BODY, **_kms(target))
    size = len(BODY)
    for spec, first, last in (("bytes=17-40000", 17, 40000), (f"bytes={size - 33}-", size - 33, size - 1),
                              ("bytes=-7", size - 7, size - 1)):
        got = s3.get_object(Bucket=bucket, Key="kms", Range=spec)
        expect_equal(status_of(got), 206, f"GetObject Range {spec} of an SSE-KMS object: status")
        expect_equal(header(got, "content-range"), f"bytes {first}-{last}/{size}", f"Content-Range for {spec}")
        expect_equal(body(got), BODY[first:last + 1], f"GetObject Range {spec} of an SSE-KMS object")


@pytest.mark.severity("data")
def test_sse_kms_encryption_context_round_trip(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """PutObject with x-amz-server-side-encryption-context (base64 JSON) is stored; GET needs no context and
    returns the bytes; an echoed context holds the pairs given.

    AWS S3 API Reference, PutObject: x-amz-server-side-encryption-context ("a Base64 encoded string of a
    UTF-8 encoded JSON, which contains the encryption context as key-value pairs ... stored as object
    metadata and automatically gets passed on to AWS KMS for future GetObject operations").
    """
    s3 = plain_client(s3_client)
    context = {"project": "s3gauntlet", "case": "context"}
    put = s3.put_object(Bucket=bucket, Key="kms-ctx", Body=BODY,
                        **_kms(target, SSEKMSEncryptionContext=b64(json.dumps(context).encode())))
    _expect_kms(put, "PutObject with an encryption context")
    echoed = header(put, KMS_CONTEXT_HEADER)
    if echoed is not None:
        try:
            pairs = json.loads(base64.b64decode(echoed))
        except ValueError:
            pairs = None
        expect_true(isinstance(pairs, dict) and context.items() <= pairs.items(),
                    f"PutObject answer: {KMS_CONTEXT_HEADER} is the base64 JSON context holding the pairs given",
                    f"server gave {echoed!r}")
    got = s3.get_object(Bucket=bucket, Key="kms-ctx")
    expect_equal(body(got), BODY, "GetObject of an SSE-KMS object stored with an encryption context")
    _expect_kms(s3.head_object(Bucket=bucket, Key="kms-ctx"), "HeadObject of the object stored with a context")


def test_sse_kms_bucket_key_enabled_is_reported(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """PutObject with x-amz-server-side-encryption-bucket-key-enabled: true; PUT and HEAD answers report it.

    AWS S3 API Reference, PutObject / HeadObject: Response header
    x-amz-server-side-encryption-bucket-key-enabled ("Indicates whether the uploaded object uses an
    S3 Bucket Key for server-side encryption with AWS KMS").
    """
    s3 = plain_client(s3_client)
    put = s3.put_object(Bucket=bucket, Key="kms-bk", Body=BODY, **_kms(target, BucketKeyEnabled=True))
    head = s3.head_object(Bucket=bucket, Key="kms-bk")
    for what, answer in (("PutObject", put), ("HeadObject", head)):
        _expect_kms(answer, f"{what} answer")
        expect_equal((header(answer, BUCKET_KEY_HEADER) or "").lower(), "true", f"{what} answer: {BUCKET_KEY_HEADER}")


def test_sse_kms_without_key_id_uses_a_default_key(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """PutObject with aws:kms and no key id is encrypted with the default KMS key: answers report aws:kms
    and a key id; GET returns the bytes.

    AWS S3 API Reference, PutObject: x-amz-server-side-encryption-aws-kms-key-id ("If you specify
    x-amz-server-side-encryption:aws:kms ... but do not provide x-amz-server-side-encryption-aws-kms-key-id,
    Amazon S3 uses the AWS managed key (aws/s3) to protect the data").
    """
    s3 = plain_client(s3_client)
    put = s3.put_object(Bucket=bucket, Key="kms-default", Body=BODY, ServerSideEncryption=AWS_KMS)
    _expect_kms(put, "PutObject with aws:kms and no key id")
    head = s3.head_object(Bucket=bucket, Key="kms-default")
    _expect_kms(head, "HeadObject of an object stored with the default KMS key")
    expect_true(bool(header(head, KMS_KEY_HEADER)), f"HeadObject answer: S3 names the key used in {KMS_KEY_HEADER}",
                "the header is missing or empty")
    expect_equal(body(s3.get_object(Bucket=bucket, Key="kms-default")), BODY, "GetObject under the default KMS key")


@pytest.mark.severity("detail")
def test_sse_kms_unknown_key_is_400_kms_not_found(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """PutObject with aws:kms and a key id no KMS knows answers 400 KMS.NotFoundException.

    AWS S3 API Reference, PutObject: x-amz-server-side-encryption-aws-kms-key-id (the key must exist);
    AWS answers 400 KMS.NotFoundException ("Invalid keyId") for a key it cannot find.
    """
    s3 = plain_client(s3_client)
    with expect_error(400, "KMS.NotFoundException", "PutObject with an unknown KMS key id"):
        s3.put_object(Bucket=bucket, Key="kms-unknown", Body=BODY, ServerSideEncryption=AWS_KMS,
                      SSEKMSKeyId=UNKNOWN_KEY)


@pytest.mark.severity("security")
def test_sse_kms_unknown_key_put_is_refused_and_nothing_stored(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """PutObject with aws:kms and an unknown key id is refused (4xx) and stores nothing: HEAD answers 404.

    AWS S3 API Reference, PutObject: x-amz-server-side-encryption-aws-kms-key-id; an object S3 cannot
    encrypt as asked is not stored (a server that stores it unencrypted, or under another key, breaks
    the caller's encryption requirement silently).
    """
    s3 = plain_client(s3_client)
    with expect_refused("PutObject with an unknown KMS key id"):
        s3.put_object(Bucket=bucket, Key="kms-unknown", Body=BODY, ServerSideEncryption=AWS_KMS,
                      SSEKMSKeyId=UNKNOWN_KEY)
    with expect_error(404, None, "HeadObject of the key whose PUT was refused (nothing stored)"):
        s3.head_object(Bucket=bucket, Key="kms-unknown")


@pytest.mark.severity("detail")
def test_sse_kms_key_id_with_aes256_is_400_invalid_argument(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """PutObject with x-amz-server-side-encryption: AES256 and a KMS key id answers 400 InvalidArgument.

    AWS S3 API Reference, PutObject: x-amz-server-side-encryption-aws-kms-key-id is only valid with
    aws:kms ("If you specify x-amz-server-side-encryption:aws:kms ..."); AWS answers 400 InvalidArgument
    ("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms").
    """
    s3 = plain_client(s3_client)
    with expect_error(400, "InvalidArgument", "PutObject with AES256 and a KMS key id"):
        s3.put_object(Bucket=bucket, Key="kms-mixed", Body=BODY, ServerSideEncryption=AES256,
                      SSEKMSKeyId=_key(target))


# --------------------------------------------------------------------------- multipart


@pytest.mark.requires("multipart")
@pytest.mark.severity("data")
def test_sse_kms_multipart_upload_returns_exact_bytes(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """A multipart upload created with aws:kms and the key: GET returns the parts' bytes exactly and HEAD
    reports aws:kms.

    AWS S3 API Reference, CreateMultipartUpload (x-amz-server-side-encryption, -aws-kms-key-id),
    UploadPart, CompleteMultipartUpload, GetObject, HeadObject.
    """
    s3 = plain_client(s3_client)
    parts = [payload(MIN_PART, seed=52), payload(3 * KiB + 5, seed=53)]
    multipart(s3, bucket, "mpu-kms", parts, **_kms(target))
    expect_equal(body(s3.get_object(Bucket=bucket, Key="mpu-kms")), b"".join(parts),
                 "GetObject of an SSE-KMS multipart object")
    _expect_kms(s3.head_object(Bucket=bucket, Key="mpu-kms"), "HeadObject of an SSE-KMS multipart object")


@pytest.mark.requires("multipart")
def test_sse_kms_multipart_answers_report_kms(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """CreateMultipartUpload, UploadPart and CompleteMultipartUpload answers of an aws:kms upload report aws:kms.

    AWS S3 API Reference, CreateMultipartUpload / UploadPart / CompleteMultipartUpload: Response header
    x-amz-server-side-encryption (and -aws-kms-key-id naming the key, on CreateMultipartUpload).
    """
    s3 = plain_client(s3_client)
    created = s3.create_multipart_upload(Bucket=bucket, Key="mpu-kms", **_kms(target))
    upload_id = created["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mpu-kms", UploadId=upload_id, PartNumber=1, Body=BODY)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mpu-kms", UploadId=upload_id,
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    _expect_kms(created, "CreateMultipartUpload answer")
    _expect_key_named(created, _key(target), "CreateMultipartUpload answer")
    _expect_kms(part, "UploadPart answer")
    _expect_kms(done, "CompleteMultipartUpload answer")


# --------------------------------------------------------------------------- copies


@pytest.mark.severity("data")
def test_copy_plain_to_sse_kms_encrypts_the_copy(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """CopyObject of an unencrypted object with aws:kms and the key: answer and HEAD report aws:kms; bytes exact.

    AWS S3 API Reference, CopyObject: Request headers x-amz-server-side-encryption and
    x-amz-server-side-encryption-aws-kms-key-id; Response header x-amz-server-side-encryption.
    """
    s3 = plain_client(s3_client)
    s3.put_object(Bucket=bucket, Key="plain", Body=BODY)
    copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "plain"}, **_kms(target))
    expect_equal(body(s3.get_object(Bucket=bucket, Key="copy")), BODY, "GetObject of the SSE-KMS copy")
    _expect_kms(copied, "CopyObject answer")
    _expect_kms(s3.head_object(Bucket=bucket, Key="copy"), "HeadObject of the SSE-KMS copy")


@pytest.mark.severity("data")
def test_copy_sse_kms_without_sse_headers_is_not_kms(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """CopyObject of an SSE-KMS object without encryption headers, into a bucket with no KMS default: the copy
    takes the bucket's default (none, or AWS's SSE-S3 default), not the source's aws:kms; bytes exact.

    AWS S3 API Reference, CopyObject: "When you copy an object, if you don't specify encryption information
    in your copy request, the encryption setting of the target object is set to the default encryption
    configuration of the destination bucket."
    """
    s3 = plain_client(s3_client)
    s3.put_object(Bucket=bucket, Key="kms", Body=BODY, **_kms(target))
    copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "kms"})
    expect_equal(body(s3.get_object(Bucket=bucket, Key="copy")), BODY, "GetObject of the copy of an SSE-KMS object")
    head = s3.head_object(Bucket=bucket, Key="copy")
    for what, answer in (("CopyObject answer", copied), ("HeadObject of the copy", head)):
        expect_true(header(answer, SSE_HEADER) in (None, AES256),
                    f"{what}: a copy without encryption headers takes the bucket default (no {SSE_HEADER}, "
                    "or AES256 where the default is SSE-S3)",
                    f"server reports {SSE_HEADER}: {header(answer, SSE_HEADER)!r}")


# --------------------------------------------------------------------------- bucket default encryption


def test_bucket_encryption_kms_round_trip(s3_client: Callable[..., Any], bucket: str, target: LiveTarget) -> None:
    """PutBucketEncryption with an aws:kms rule, the key and BucketKeyEnabled; GetBucketEncryption returns them.

    AWS S3 API Reference, PutBucketEncryption / GetBucketEncryption: ServerSideEncryptionRule
    (ApplyServerSideEncryptionByDefault: SSEAlgorithm, KMSMasterKeyID; BucketKeyEnabled).
    """
    s3 = plain_client(s3_client)
    put = s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=_kms_config(_key(target), True))
    expect_equal(status_of(put), 200, "PutBucketEncryption status")
    rules = encryption_rules(s3.get_bucket_encryption(Bucket=bucket))
    expect_equal(len(rules), 1, "GetBucketEncryption: number of rules")
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
    expect_equal(default.get("SSEAlgorithm"), AWS_KMS, "GetBucketEncryption: SSEAlgorithm")
    expect_true(names_kms_key(default.get("KMSMasterKeyID"), _key(target)),
                f"GetBucketEncryption: KMSMasterKeyID names the key {_key(target)!r}",
                f"server gave {default.get('KMSMasterKeyID')!r}")
    expect_equal(rules[0].get("BucketKeyEnabled"), True, "GetBucketEncryption: BucketKeyEnabled")


@pytest.mark.severity("security")
def test_bucket_default_kms_applies_to_plain_put(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """With an aws:kms bucket default naming the key, a PUT without encryption headers is stored SSE-KMS
    under that key: PUT and HEAD say so; bytes exact.

    AWS S3 API Reference, PutBucketEncryption (the default applies to new objects that specify no
    encryption); PutObject / HeadObject: Response headers x-amz-server-side-encryption and -aws-kms-key-id.
    """
    s3 = plain_client(s3_client)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=_kms_config(_key(target)))
    put = s3.put_object(Bucket=bucket, Key="plain", Body=BODY)
    head = s3.head_object(Bucket=bucket, Key="plain")
    expect_equal(body(s3.get_object(Bucket=bucket, Key="plain")), BODY, "GetObject under the aws:kms bucket default")
    _expect_kms(put, "PutObject into the bucket")
    _expect_kms(head, "HeadObject of the object")


def test_bucket_default_kms_object_names_the_default_key(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """An object stored under an aws:kms bucket default (no encryption headers on the PUT): HEAD names the
    bucket's default key in x-amz-server-side-encryption-aws-kms-key-id.

    AWS S3 API Reference, PutBucketEncryption (KMSMasterKeyID: the key used for the default encryption);
    HeadObject: Response header x-amz-server-side-encryption-aws-kms-key-id.
    """
    s3 = plain_client(s3_client)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=_kms_config(_key(target)))
    s3.put_object(Bucket=bucket, Key="plain", Body=BODY)
    head = s3.head_object(Bucket=bucket, Key="plain")
    _expect_kms(head, "HeadObject of the object")
    _expect_key_named(head, _key(target), "HeadObject of the object")


@pytest.mark.severity("security")
def test_bucket_default_kms_applies_to_copy(s3_client: Callable[..., Any], bucket: str, target: LiveTarget) -> None:
    """With an aws:kms bucket default, a CopyObject without encryption headers stores the copy SSE-KMS.

    AWS S3 API Reference, CopyObject ("the encryption setting of the target object is set to the default
    encryption configuration of the destination bucket"); HeadObject: x-amz-server-side-encryption.
    """
    s3 = plain_client(s3_client)
    s3.put_object(Bucket=bucket, Key="source", Body=BODY)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=_kms_config(_key(target)))
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "source"})
    _expect_kms(s3.head_object(Bucket=bucket, Key="copy"), "HeadObject of a copy made under the aws:kms default")
    expect_equal(body(s3.get_object(Bucket=bucket, Key="copy")), BODY, "GetObject of the copy")


def test_delete_bucket_encryption_kms_then_get_is_404(
    s3_client: Callable[..., Any], bucket: str, target: LiveTarget
) -> None:
    """DeleteBucketEncryption of an aws:kms default answers 204; GetBucketEncryption then answers 404
    ServerSideEncryptionConfigurationNotFoundError (or, as AWS does today, the plain SSE-S3 default).

    AWS S3 API Reference, DeleteBucketEncryption and GetBucketEncryption: Errors; DeleteBucketEncryption
    ("resets the default encryption for the bucket as server-side encryption with Amazon S3 managed keys").
    """
    s3 = plain_client(s3_client)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=_kms_config(_key(target)))
    expect_equal(status_of(s3.delete_bucket_encryption(Bucket=bucket)), 204, "DeleteBucketEncryption status")
    try:
        rules = encryption_rules(s3.get_bucket_encryption(Bucket=bucket))
    except botocore.exceptions.ClientError as exc:
        status, code, message = client_error_details(exc)
        expect_equal((status, code), (404, "ServerSideEncryptionConfigurationNotFoundError"),
                     f"GetBucketEncryption after DeleteBucketEncryption ({message})")
        return
    defaults = [r.get("ApplyServerSideEncryptionByDefault", {}) for r in rules]
    expect_true(len(defaults) == 1 and defaults[0].get("SSEAlgorithm") == AES256
                and not defaults[0].get("KMSMasterKeyID"),
                "GetBucketEncryption after DeleteBucketEncryption: S3 requires 404 "
                "ServerSideEncryptionConfigurationNotFoundError (or the SSE-S3 default)",
                f"server answered 200 with rules {rules!r}")
