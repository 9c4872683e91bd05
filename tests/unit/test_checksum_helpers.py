"""gauntlet.s3.checksums against reference values (awscrt 0.38.1, the CRC catalogue, hashlib, zlib)."""

from __future__ import annotations

import base64
import hashlib
import random
import zlib

import pytest
from botocore.compat import HAS_CRT

from gauntlet.s3 import checksums as ch

RAMP = bytes(range(256)) * 1031 + b"tail"
INPUTS = {"empty": b"", "check": b"123456789", "hello": b"hello world", "ramp": RAMP}

# base64 values computed with awscrt.checksums.crc32c / crc64nvme (awscrt 0.38.1), big-endian
AWSCRT = {
    "empty": ("AAAAAA==", "AAAAAAAAAAA="),
    "check": ("4waSgw==", "rosUhgp5mIg="),
    "hello": ("yZRlqg==", "jSnVw/bqjr4="),
    "ramp": ("khctzw==", "4fNfd1hkA44="),
}


def test_catalogue_check_values() -> None:
    # reveng CRC catalogue: CRC-32/ISCSI check 0xE3069283, CRC-64/NVME check 0xAE8B14860A799888
    assert ch.crc32c(b"123456789") == 0xE3069283
    assert ch.crc64nvme(b"123456789") == 0xAE8B14860A799888


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_crc32c_and_crc64nvme_match_awscrt(name: str) -> None:
    data = INPUTS[name]
    assert ch.checksum_b64("CRC32C", data) == AWSCRT[name][0]
    assert ch.checksum_b64("CRC64NVME", data) == AWSCRT[name][1]


@pytest.mark.parametrize("split", [0, 1, 7, 8, 9, 4096, len(RAMP)])
def test_crcs_continue_across_updates(split: int) -> None:
    head, tail = RAMP[:split], RAMP[split:]
    assert ch.crc32c(tail, ch.crc32c(head)) == ch.crc32c(RAMP)
    assert ch.crc64nvme(tail, ch.crc64nvme(head)) == ch.crc64nvme(RAMP)


def test_stdlib_algorithms() -> None:
    data = random.Random(7).randbytes(70_001)
    assert ch.checksum_b64("crc32", data) == base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    assert ch.checksum_b64("SHA1", data) == base64.b64encode(hashlib.sha1(data).digest()).decode()
    assert ch.checksum_b64("x-amz-checksum-sha256", data) == base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.mark.skipif(not HAS_CRT, reason="awscrt not installed; the fixed awscrt values above cover it")
def test_against_installed_awscrt() -> None:
    from botocore.httpchecksum import CrtCrc32cChecksum, CrtCrc64NvmeChecksum

    data = random.Random(11).randbytes(300_017)
    for cls, alg in ((CrtCrc32cChecksum, "CRC32C"), (CrtCrc64NvmeChecksum, "CRC64NVME")):
        checksum = cls()
        checksum.update(data)
        assert checksum.b64digest() == ch.checksum_b64(alg, data)


def test_botocore_crc32_agrees() -> None:
    from botocore.httpchecksum import Crc32Checksum

    checksum = Crc32Checksum()
    checksum.update(RAMP)
    assert checksum.b64digest() == ch.checksum_b64("CRC32", RAMP)


def test_composite_is_checksum_of_part_checksums() -> None:
    parts = [b"a" * 10, b"b" * 20, b"c"]
    joined = b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts)
    expected = base64.b64encode(zlib.crc32(joined).to_bytes(4, "big")).decode() + "-3"
    assert ch.composite_b64("CRC32", parts) == expected


@pytest.mark.parametrize("alg", ch.ALGORITHMS)
def test_whole_object_checksum_equals_checksum_of_concatenation(alg: str) -> None:
    parts = [RAMP[:70_000], RAMP[70_000:70_001], RAMP[70_001:]]
    assert ch.whole_object_b64(alg, parts) == ch.checksum_b64(alg, RAMP)
    assert ch.whole_object_b64(alg, [RAMP]) == ch.checksum_b64(alg, RAMP)


@pytest.mark.parametrize("alg", ch.ALGORITHMS)
def test_wrong_checksum_is_well_formed_and_different(alg: str) -> None:
    right, wrong = ch.checksum_b64(alg, RAMP), ch.wrong_checksum_b64(alg, RAMP)
    assert wrong != right
    assert len(base64.b64decode(wrong)) == len(base64.b64decode(right))


def test_request_params_pass_a_value_only_where_botocore_cannot_compute() -> None:
    assert ch.request_checksum_params("CRC32", b"x") == {"ChecksumAlgorithm": "CRC32"}
    params = ch.request_checksum_params("CRC64NVME", b"x")
    assert params["ChecksumAlgorithm"] == "CRC64NVME"
    if HAS_CRT:
        assert "ChecksumCRC64NVME" not in params
    else:
        assert params["ChecksumCRC64NVME"] == ch.checksum_b64("CRC64NVME", b"x")


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown checksum algorithm"):
        ch.checksum_b64("MD5", b"")


def test_capture_requests_sees_the_wire_and_unregisters() -> None:
    import boto3
    import botocore.config
    from botocore.awsrequest import AWSResponse

    client = boto3.session.Session().client(
        "s3", endpoint_url="https://127.0.0.1:1", aws_access_key_id="a", aws_secret_access_key="b",
        region_name="us-east-1", config=botocore.config.Config(request_checksum_calculation="when_supported"),
    )

    class _Raw:
        def stream(self) -> list[bytes]:
            return [b""]

    def stop(request: object, **kwargs: object) -> AWSResponse:  # answer without a network
        return AWSResponse("https://127.0.0.1:1/b/k", 200, {}, _Raw())

    client.meta.events.register_last("before-send.s3.PutObject", stop, unique_id="unit-stop")
    with ch.capture_requests(client, "PutObject") as sent:
        client.put_object(Bucket="b", Key="k", Body=b"hello")
    assert len(sent) == 1
    assert sent[0].wire_format() == "aws-chunked body with trailer x-amz-checksum-crc32 over HTTPS"
    client.put_object(Bucket="b", Key="k", Body=b"hello")
    assert len(sent) == 1  # the capture handler is gone
