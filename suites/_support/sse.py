"""Shared pieces of the server-side encryption suites (test_sse, test_sse_kms, test_sse_copy).

SSE-C keys and their request parameters, the TLS rule for SSE-C (`sse_c_transport`), AWS's
SSE-C block on new buckets (`allow_sse_c`), the header names and the small answer readers.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import botocore.exceptions

from gauntlet.fleet.running import LiveTarget
from gauntlet.plugin.checks import expect_equal, expect_true, header, unsupported
from gauntlet.s3.errors import client_error_details

AES256 = "AES256"
AWS_KMS = "aws:kms"
SSE_HEADER = "x-amz-server-side-encryption"
CUSTOMER_ALGORITHM = "x-amz-server-side-encryption-customer-algorithm"
CUSTOMER_KEY_MD5 = "x-amz-server-side-encryption-customer-key-md5"
KMS_KEY_HEADER = "x-amz-server-side-encryption-aws-kms-key-id"
KMS_CONTEXT_HEADER = "x-amz-server-side-encryption-context"
BUCKET_KEY_HEADER = "x-amz-server-side-encryption-bucket-key-enabled"

KEY_A = hashlib.sha256(b"s3gauntlet SSE-C key A").digest()  # 32 bytes: an AES-256 key
KEY_B = hashlib.sha256(b"s3gauntlet SSE-C key B").digest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def key_md5(key: bytes) -> str:
    return b64(hashlib.md5(key, usedforsecurity=False).digest())


def ssec(key: bytes, prefix: str = "SSECustomer") -> dict[str, Any]:
    """SSE-C parameters; boto3 base64-encodes the key and computes its MD5 itself."""
    return {f"{prefix}Algorithm": AES256, f"{prefix}Key": key}


@contextlib.contextmanager
def sse_c_transport(target: LiveTarget) -> Iterator[None]:
    """Wrap the first SSE-C request of a case.

    AWS requires TLS for SSE-C and answers 400 InvalidRequest "Requests specifying Server
    Side Encryption with Customer provided keys must be made over a secure connection" over
    plain HTTP. A server giving exactly that answer on an http:// endpoint behaves like AWS:
    the case is unsupported there. Any other error stays what it is.
    """
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        status, code, message = client_error_details(exc)
        if (target.endpoint.startswith("http://") and status == 400 and code == "InvalidRequest"
                and "secure connection" in message.lower()):
            unsupported("SSE-C requires TLS; target is plain HTTP")
        raise


def allow_sse_c(client: Any, bucket: str, target: LiveTarget) -> None:
    """On AWS, new buckets block SSE-C by default (since April 2026): unblock it for this bucket.

    Amazon S3 User Guide, "Blocking or unblocking SSE-C for a general purpose bucket"
    (PutBucketEncryption with BlockedEncryptionTypes NONE). Other servers are left as they are.
    """
    if target.tags.get("vendor") != "aws":
        return
    client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": AES256},
        "BlockedEncryptionTypes": {"EncryptionType": ["NONE"]},
    }]})


def plain_client(s3_client: Callable[..., Any]) -> Any:
    """A `when_required` client: default CRC32 checksums are the checksums suite's business."""
    return s3_client(checksum_mode="when_required")


def body(answer: dict[str, Any]) -> bytes:
    return bytes(answer["Body"].read())


def expect_sse_c_echo(answer: dict[str, Any], key: bytes, what: str) -> None:
    expect_equal(header(answer, CUSTOMER_ALGORITHM), AES256, f"{what}: {CUSTOMER_ALGORITHM} echoed")
    expect_equal(header(answer, CUSTOMER_KEY_MD5), key_md5(key), f"{what}: {CUSTOMER_KEY_MD5} echoed")


def expect_key_not_echoed(answers: list[tuple[str, dict[str, Any]]], key: bytes) -> None:
    secret = b64(key)
    for what, answer in answers:
        leaked = [name for name, value in answer["ResponseMetadata"]["HTTPHeaders"].items() if secret in value]
        expect_true(not leaked, f"{what}: S3 never returns the customer key",
                    f"the base64 key appears in response header(s) {', '.join(leaked)}")


def encryption_rules(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The Rules of a GetBucketEncryption answer (empty when it has none)."""
    return list(answer.get("ServerSideEncryptionConfiguration", {}).get("Rules", []))


def names_kms_key(reported: str | None, key_id: str) -> bool:
    """Whether a reported x-amz-server-side-encryption-aws-kms-key-id names `key_id`: the id itself or
    an ARN ending in key/<id> (AWS answers the key's ARN)."""
    value = reported or ""
    return value == key_id or value.endswith("/" + key_id.rsplit("/", 1)[-1])


def multipart(client: Any, bucket: str, key: str, parts: list[bytes], **create: Any) -> dict[str, Any]:
    """Create (with `create` arguments), upload `parts`, complete; returns the Complete answer."""
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    listed = []
    for number, data in enumerate(parts, start=1):
        answer = client.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data)
        listed.append({"PartNumber": number, "ETag": answer["ETag"]})
    return client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                            MultipartUpload={"Parts": listed})
