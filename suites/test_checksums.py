"""Data-integrity checksums: x-amz-checksum-* on PUT/GET/HEAD, Content-MD5, aws-chunked trailers,
multipart part / COMPOSITE / FULL_OBJECT checksums, and what botocore ≥ 1.36 sends by default.

AWS S3 API Reference: PutObject, GetObject, HeadObject (ChecksumMode), CreateMultipartUpload
(ChecksumAlgorithm, ChecksumType), UploadPart, CompleteMultipartUpload, DeleteObjects; Amazon S3
User Guide, "Checking object integrity in Amazon S3"; AWS S3 API Reference, "Signature Calculations
for the Authorization Header: Transferring Payload in Multiple Chunks (Chunked Upload)" (trailers).

boto3 ≥ 1.36 (`request_checksum_calculation=when_supported`, the default) adds a CRC32 to every
upload: as a plain `x-amz-checksum-crc32` header over HTTP, as an `aws-chunked` body with an
`x-amz-checksum-crc32` trailer over HTTPS (the seaweedfs-tls / rclone-tls targets). The stored-bytes
cases run both client modes side by side and always read back with a `when_required` client, and
their failure messages say how the upload travelled.

CRC32C and CRC64NVME: botocore computes them only with awscrt; without it the harness computes them
(gauntlet.s3.checksums) and sends the value as a header, so the server is still what is tested.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig

from gauntlet.plugin.checks import expect_equal, expect_error, expect_http_error, expect_status, expect_true, header
from gauntlet.s3 import sigv4
from gauntlet.s3.checksums import (
    ALGORITHMS,
    capture_requests,
    checksum_b64,
    composite_b64,
    header_name,
    param_name,
    request_checksum_params,
    whole_object_b64,
    wire_of,
    wrong_checksum_b64,
)
from gauntlet.s3.data import KiB, MiB, md5_hex, payload

pytestmark = [pytest.mark.checksums, pytest.mark.requires("checksums"), pytest.mark.severity("data")]

ALGORITHM_PARAMS = [pytest.param(alg, id=alg.lower()) for alg in ALGORITHMS]
MODES = ("when_supported", "when_required")
#: 100,003 bytes: more than one 64 KiB buffer, an odd length
BODY = payload(100_003, seed=51)
#: sizes for the stored-bytes cases: empty, small, and more than one 1 MiB aws-chunked chunk
SIZES = {"empty": 0, "1000B": 1000, "1.1MiB": MiB + 70 * KiB + 3}
MIN_PART = 5 * MiB


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _read_back(s3_client: Callable[..., Any], bucket: str, key: str) -> bytes:
    """The stored bytes, read by a client that neither sends nor validates checksums."""
    return bytes(s3_client(checksum_mode="when_required").get_object(Bucket=bucket, Key=key)["Body"].read())


def _expect_absent(s3_client: Callable[..., Any], bucket: str, key: str, rule: str) -> None:
    with expect_error(404, None, f"{rule}: HeadObject afterwards (S3 stores nothing when it rejects an upload)"):
        s3_client(checksum_mode="when_required").head_object(Bucket=bucket, Key=key)


def _expect_type(answer: dict[str, Any], expected: str, what: str) -> None:
    """The checksum type (x-amz-checksum-type, or <ChecksumType> in a Complete answer), where reported."""
    reported = answer.get("ChecksumType")
    if reported is not None:
        expect_equal(reported, expected, f"{what}: checksum type")


# --------------------------------------------------------------------------- one algorithm at a time


@pytest.mark.parametrize("algorithm", ALGORITHM_PARAMS)
@pytest.mark.severity("client")
def test_put_object_returns_checksum(s3: Any, bucket: str, algorithm: str) -> None:
    """PutObject with a checksum algorithm: the answer carries x-amz-checksum-<alg> equal to the object's checksum.

    AWS S3 API Reference, PutObject: Request x-amz-sdk-checksum-algorithm / x-amz-checksum-<alg>; Response
    headers x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1, -sha256 and x-amz-checksum-type (FULL_OBJECT).
    """
    with capture_requests(s3, "PutObject") as sent:
        put = s3.put_object(Bucket=bucket, Key="obj", Body=BODY, **request_checksum_params(algorithm, BODY))
    what = f"PutObject with {algorithm} ({wire_of(sent)}): answer"
    expect_equal(put.get(param_name(algorithm)), checksum_b64(algorithm, BODY), f"{what} {header_name(algorithm)}")
    _expect_type(put, "FULL_OBJECT", what)


@pytest.mark.parametrize("algorithm", ALGORITHM_PARAMS)
@pytest.mark.severity("client")
def test_get_object_checksum_mode_returns_checksum(
    s3: Any, s3_client: Callable[..., Any], bucket: str, algorithm: str
) -> None:
    """GetObject with x-amz-checksum-mode: ENABLED returns the stored x-amz-checksum-<alg> and the exact bytes.

    AWS S3 API Reference, GetObject: Request header x-amz-checksum-mode; Response x-amz-checksum-<alg>
    ("only returned if the object was uploaded with the checksum").
    """
    s3.put_object(Bucket=bucket, Key="obj", Body=BODY, **request_checksum_params(algorithm, BODY))
    got = s3_client(checksum_mode="when_required").get_object(Bucket=bucket, Key="obj", ChecksumMode="ENABLED")
    expect_equal(bytes(got["Body"].read()), BODY, f"GetObject (ChecksumMode=ENABLED) of an object put with {algorithm}")
    expect_equal(header(got, header_name(algorithm)), checksum_b64(algorithm, BODY),
                 f"GetObject with ChecksumMode=ENABLED: {header_name(algorithm)}")


@pytest.mark.parametrize("algorithm", ALGORITHM_PARAMS)
@pytest.mark.severity("client")
def test_head_object_checksum_mode_returns_checksum(
    s3: Any, s3_client: Callable[..., Any], bucket: str, algorithm: str
) -> None:
    """HeadObject with x-amz-checksum-mode: ENABLED returns the stored x-amz-checksum-<alg>.

    AWS S3 API Reference, HeadObject: Request header x-amz-checksum-mode; Response x-amz-checksum-<alg>
    and x-amz-checksum-type.
    """
    s3.put_object(Bucket=bucket, Key="obj", Body=BODY, **request_checksum_params(algorithm, BODY))
    head = s3_client(checksum_mode="when_required").head_object(Bucket=bucket, Key="obj", ChecksumMode="ENABLED")
    what = "HeadObject with ChecksumMode=ENABLED"
    expect_equal(header(head, header_name(algorithm)), checksum_b64(algorithm, BODY),
                 f"{what}: {header_name(algorithm)}")
    _expect_type(head, "FULL_OBJECT", what)


@pytest.mark.parametrize("algorithm", ALGORITHM_PARAMS)
@pytest.mark.severity("client")
def test_put_object_wrong_checksum_is_400_bad_digest(
    s3: Any, s3_client: Callable[..., Any], bucket: str, algorithm: str
) -> None:
    """PutObject whose x-amz-checksum-<alg> does not match the body is rejected with 400 BadDigest.

    AWS S3 API Reference, PutObject (x-amz-checksum-<alg>: "used as a data integrity check"); "Error
    responses: List of error codes": BadDigest ("The Content-MD5 or checksum value that you specified did
    not match what the server received"; AWS says e.g. "The CRC32 you specified did not match the
    calculated checksum").
    """
    wrong = wrong_checksum_b64(algorithm, BODY)
    rule = f"PutObject with a well-formed but wrong {header_name(algorithm)}"
    with expect_error(400, "BadDigest", rule):
        s3.put_object(Bucket=bucket, Key="obj", Body=BODY, ChecksumAlgorithm=algorithm,
                      **{param_name(algorithm): wrong})


@pytest.mark.severity("client")
def test_put_object_content_md5_mismatch_is_400_bad_digest(
    s3: Any, s3_client: Callable[..., Any], bucket: str
) -> None:
    """PutObject whose Content-MD5 is the MD5 of other bytes is rejected with 400 BadDigest.

    AWS S3 API Reference, PutObject: Content-MD5; "Error responses: List of error codes": BadDigest.
    """
    wrong = _b64(hashlib.md5(BODY + b"!", usedforsecurity=False).digest())
    rule = "PutObject with a well-formed but wrong Content-MD5"
    with expect_error(400, "BadDigest", rule):
        s3.put_object(Bucket=bucket, Key="obj", Body=BODY, ContentMD5=wrong)


# --------------------------------------------------------------------------- what boto3 sends by default


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
@pytest.mark.parametrize("mode", MODES)
def test_put_object_stored_bytes_exact(s3_client: Callable[..., Any], bucket: str, mode: str, size: str) -> None:
    """A plain put_object from a boto3 client in each checksum mode stores exactly the body (no aws-chunked
    framing or trailer inside the object) and its ETag is the body's MD5.

    AWS S3 API Reference, PutObject and GetObject; "Transferring Payload in Multiple Chunks" (the
    aws-chunked framing and trailer are transport, the decoded bytes are the object,
    x-amz-decoded-content-length); Amazon S3 User Guide, "Checking object integrity" (ETag of a single
    PUT is the MD5 of the object).
    """
    data = payload(SIZES[size], seed=52)
    client = s3_client(checksum_mode=mode)
    with capture_requests(client, "PutObject") as sent:
        put = client.put_object(Bucket=bucket, Key="obj", Body=data)
    how = f"a {size} PutObject from a {mode} client sent as {wire_of(sent)}"
    expect_equal(_read_back(s3_client, bucket, "obj"), data, f"GetObject after {how}")
    expect_equal(put.get("ETag"), f'"{md5_hex(data)}"', f"PutObject ETag after {how}")


@pytest.mark.requires("multipart")
@pytest.mark.parametrize("mode", MODES)
def test_transfer_manager_multipart_stored_bytes_exact(
    s3_client: Callable[..., Any], bucket: str, mode: str
) -> None:
    """boto3's upload_fileobj (s3transfer) in each checksum mode: a two-part upload stores exactly the bytes.

    In when_supported mode s3transfer asks for CRC32 on CreateMultipartUpload and UploadPart and passes
    the part checksums to CompleteMultipartUpload. AWS S3 API Reference, CreateMultipartUpload,
    UploadPart, CompleteMultipartUpload, GetObject.
    """
    data = payload(MIN_PART, seed=53) + payload(70 * KiB + 3, seed=54)
    client = s3_client(checksum_mode=mode)
    config = TransferConfig(multipart_threshold=MIN_PART, multipart_chunksize=MIN_PART, use_threads=False)
    with capture_requests(client, "UploadPart") as sent:
        client.upload_fileobj(io.BytesIO(data), bucket, "obj", Config=config)
    how = f"a two-part upload_fileobj from a {mode} client, parts sent as {wire_of(sent)}"
    expect_equal(len(sent), 2, f"{how}: number of UploadPart requests")
    expect_equal(_read_back(s3_client, bucket, "obj"), data, f"GetObject after {how}")


def _trailer_put(raw: Any, bucket: str, key: str, data: bytes, trailer_value: str | None) -> Any:
    creds = raw.target.credentials
    signed, _ = sigv4.sign_unsigned_trailer_request(
        "PUT", raw.url(bucket, key), data, access_key=creds.access_key, secret_key=creds.secret_key,
        session_token=creds.session_token, region=raw.target.region, trailer_name="x-amz-checksum-crc32",
        trailer_value=trailer_value, chunk_size=64 * KiB, headers={"x-amz-sdk-checksum-algorithm": "CRC32"},
    )
    return raw.send(signed)


def test_unsigned_trailer_upload_stores_decoded_bytes(
    raw: Any, s3_client: Callable[..., Any], bucket: str
) -> None:
    """A STREAMING-UNSIGNED-PAYLOAD-TRAILER PutObject (64 KiB aws-chunked chunks, CRC32 trailer) — what boto3
    sends over HTTPS — stores exactly the decoded bytes, on any transport.

    AWS S3 API Reference, "Transferring Payload in Multiple Chunks (Chunked Upload)" and "Trailing
    checksums" (x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER, Content-Encoding: aws-chunked,
    x-amz-trailer, x-amz-decoded-content-length); PutObject.
    """
    data = payload(MiB + 70 * KiB + 3, seed=55)
    answer = _trailer_put(raw, bucket, "obj", data, None)
    expect_status(answer, 200, "PutObject with an aws-chunked body and a CRC32 trailer")
    expect_equal(_read_back(s3_client, bucket, "obj"), data, "GetObject after an aws-chunked PutObject with a trailer")
    expect_equal(answer.headers.get("ETag"), f'"{md5_hex(data)}"', "ETag after an aws-chunked PutObject")


def test_unsigned_trailer_wrong_checksum_is_400_bad_digest(
    raw: Any, s3_client: Callable[..., Any], bucket: str
) -> None:
    """An aws-chunked PutObject whose x-amz-checksum-crc32 trailer does not match the body: 400 BadDigest,
    nothing stored.

    AWS S3 API Reference, "Trailing checksums"; "Error responses: List of error codes": BadDigest.
    """
    data = payload(200 * KiB + 1, seed=56)
    rule = "aws-chunked PutObject with a wrong x-amz-checksum-crc32 trailer"
    answer = _trailer_put(raw, bucket, "obj", data, wrong_checksum_b64("CRC32", data))
    expect_http_error(answer, 400, "BadDigest", rule)
    _expect_absent(s3_client, bucket, "obj", rule)


# --------------------------------------------------------------------------- multipart


def _create(client: Any, bucket: str, key: str, **kwargs: Any) -> str:
    return str(client.create_multipart_upload(Bucket=bucket, Key=key, **kwargs)["UploadId"])


@pytest.mark.requires("multipart")
@pytest.mark.severity("client")
def test_upload_part_returns_part_checksum(s3: Any, bucket: str) -> None:
    """UploadPart with CRC32 into an upload created with ChecksumAlgorithm=CRC32 answers the part's
    x-amz-checksum-crc32.

    AWS S3 API Reference, UploadPart: Response header x-amz-checksum-crc32; CreateMultipartUpload:
    x-amz-checksum-algorithm.
    """
    upload_id = _create(s3, bucket, "obj", ChecksumAlgorithm="CRC32")
    with capture_requests(s3, "UploadPart") as sent:
        answer = s3.upload_part(Bucket=bucket, Key="obj", UploadId=upload_id, PartNumber=1, Body=BODY,
                                ChecksumAlgorithm="CRC32")
    expect_equal(answer.get("ChecksumCRC32"), checksum_b64("CRC32", BODY),
                 f"UploadPart ({wire_of(sent)}) answer x-amz-checksum-crc32")


@pytest.mark.requires("multipart")
def test_upload_part_wrong_checksum_is_400_bad_digest(s3: Any, bucket: str) -> None:
    """UploadPart whose x-amz-checksum-crc32 does not match the part is rejected with 400 BadDigest.

    AWS S3 API Reference, UploadPart (x-amz-checksum-crc32); "Error responses: List of error codes": BadDigest.
    """
    upload_id = _create(s3, bucket, "obj", ChecksumAlgorithm="CRC32")
    with expect_error(400, "BadDigest", "UploadPart with a well-formed but wrong x-amz-checksum-crc32"):
        s3.upload_part(Bucket=bucket, Key="obj", UploadId=upload_id, PartNumber=1, Body=BODY,
                       ChecksumAlgorithm="CRC32", ChecksumCRC32=wrong_checksum_b64("CRC32", BODY))


@pytest.mark.requires("multipart")
@pytest.mark.parametrize("algorithm", [pytest.param("CRC32", id="crc32"), pytest.param("SHA256", id="sha256")])
@pytest.mark.severity("client")
def test_complete_multipart_composite_checksum(
    s3: Any, s3_client: Callable[..., Any], bucket: str, algorithm: str
) -> None:
    """A COMPOSITE multipart checksum: Complete and HEAD (ChecksumMode) give the checksum of the concatenated
    binary part checksums followed by -N (x-amz-checksum-type COMPOSITE where reported); bytes exact.

    AWS S3 API Reference, CreateMultipartUpload (x-amz-checksum-algorithm, x-amz-checksum-type COMPOSITE),
    UploadPart, CompleteMultipartUpload (Response x-amz-checksum-<alg>, x-amz-checksum-type); Amazon S3
    User Guide, "Checking object integrity: Using part-level checksums for multipart uploads".
    """
    parts = [payload(MIN_PART, seed=57), payload(70 * KiB + 3, seed=58)]
    member = param_name(algorithm)
    upload_id = _create(s3, bucket, "obj", ChecksumAlgorithm=algorithm, ChecksumType="COMPOSITE")
    listed = []
    with capture_requests(s3, "UploadPart") as sent:
        for number, data in enumerate(parts, start=1):
            answer = s3.upload_part(Bucket=bucket, Key="obj", UploadId=upload_id, PartNumber=number, Body=data,
                                    **request_checksum_params(algorithm, data))
            expect_equal(answer.get(member), checksum_b64(algorithm, data),
                         f"UploadPart {number} ({wire_of(sent)}) answer {header_name(algorithm)}")
            listed.append({"PartNumber": number, "ETag": answer["ETag"], member: checksum_b64(algorithm, data)})
    done = s3.complete_multipart_upload(Bucket=bucket, Key="obj", UploadId=upload_id,
                                        MultipartUpload={"Parts": listed})
    expected = composite_b64(algorithm, parts)
    expect_equal(_read_back(s3_client, bucket, "obj"), b"".join(parts), "GetObject of a COMPOSITE-checksum upload")
    expect_equal(done.get(member), expected,
                 f"CompleteMultipartUpload answer <{member}> (checksum of the part checksums, then -2)")
    _expect_type(done, "COMPOSITE", "CompleteMultipartUpload answer")
    head = s3_client(checksum_mode="when_required").head_object(Bucket=bucket, Key="obj", ChecksumMode="ENABLED")
    expect_equal(header(head, header_name(algorithm)), expected,
                 f"HeadObject (ChecksumMode=ENABLED) of a COMPOSITE upload: {header_name(algorithm)}")
    _expect_type(head, "COMPOSITE", "HeadObject (ChecksumMode=ENABLED) of a COMPOSITE upload")


@pytest.mark.requires("multipart")
@pytest.mark.severity("client")
def test_complete_multipart_full_object_crc64nvme(s3: Any, s3_client: Callable[..., Any], bucket: str) -> None:
    """A FULL_OBJECT CRC64NVME multipart upload: Complete and HEAD (ChecksumMode) give the CRC64NVME of the
    whole object (no -N), x-amz-checksum-type FULL_OBJECT where reported; bytes exact.

    AWS S3 API Reference, CreateMultipartUpload (x-amz-checksum-algorithm CRC64NVME, x-amz-checksum-type
    FULL_OBJECT), UploadPart (x-amz-checksum-crc64nvme), CompleteMultipartUpload; Amazon S3 User Guide,
    "Checking object integrity: Full object checksums" (the server combines the part CRCs; the full
    value is not sent here, so the server has to compute it).
    """
    parts = [payload(MIN_PART, seed=59), payload(70 * KiB + 3, seed=60)]
    upload_id = _create(s3, bucket, "obj", ChecksumAlgorithm="CRC64NVME", ChecksumType="FULL_OBJECT")
    listed = []
    for number, data in enumerate(parts, start=1):
        answer = s3.upload_part(Bucket=bucket, Key="obj", UploadId=upload_id, PartNumber=number, Body=data,
                                **request_checksum_params("CRC64NVME", data))
        listed.append({"PartNumber": number, "ETag": answer["ETag"],
                       "ChecksumCRC64NVME": checksum_b64("CRC64NVME", data)})
    done = s3.complete_multipart_upload(Bucket=bucket, Key="obj", UploadId=upload_id,
                                        MultipartUpload={"Parts": listed})
    expected = whole_object_b64("CRC64NVME", parts)
    expect_equal(_read_back(s3_client, bucket, "obj"), b"".join(parts), "GetObject of a FULL_OBJECT upload")
    expect_equal(done.get("ChecksumCRC64NVME"), expected,
                 "CompleteMultipartUpload answer <ChecksumCRC64NVME> (CRC64NVME of the whole object)")
    _expect_type(done, "FULL_OBJECT", "CompleteMultipartUpload answer")
    head = s3_client(checksum_mode="when_required").head_object(Bucket=bucket, Key="obj", ChecksumMode="ENABLED")
    expect_equal(header(head, "x-amz-checksum-crc64nvme"), expected,
                 "HeadObject (ChecksumMode=ENABLED) of a FULL_OBJECT upload: x-amz-checksum-crc64nvme")
    _expect_type(head, "FULL_OBJECT", "HeadObject (ChecksumMode=ENABLED) of a FULL_OBJECT upload")


# --------------------------------------------------------------------------- DeleteObjects


@pytest.mark.requires("delete_objects")
@pytest.mark.severity("client")
def test_delete_objects_without_content_md5_is_accepted(
    s3: Any, s3_client: Callable[..., Any], bucket: str
) -> None:
    """DeleteObjects as botocore ≥ 1.36 sends it (a CRC32 checksum header, no Content-MD5) deletes the keys.

    AWS S3 API Reference, DeleteObjects: "The Content-MD5 or x-amz-sdk-checksum-algorithm header is
    required for all Multi-Object Delete requests" (either one; a flexible checksum replaces Content-MD5).
    """
    admin = s3_client(checksum_mode="when_required")
    keys = ["one", "two/three"]
    for key in keys:
        admin.put_object(Bucket=bucket, Key=key, Body=b"x")
    with capture_requests(s3, "DeleteObjects") as sent:
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": False})
    what = f"DeleteObjects sent with {wire_of(sent)}"
    expect_true(not sent or sent[-1].get("Content-MD5") is None,
                f"{what}: this case needs a request without Content-MD5", "botocore sent Content-MD5")
    expect_equal(answer.get("Errors", []), [], f"{what}: Errors in the answer")
    expect_equal(sorted(d["Key"] for d in answer.get("Deleted", [])), sorted(keys), f"{what}: Deleted keys")
    left = admin.list_objects_v2(Bucket=bucket).get("Contents", [])
    expect_equal([o["Key"] for o in left], [], f"{what}: keys still listed afterwards")
