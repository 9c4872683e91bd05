"""Flexible checksums as S3 computes them, and a look at what boto3 really sent.

S3 defines five checksum algorithms (CRC32, CRC32C, SHA1, SHA256, CRC64NVME); a
checksum travels as the base64 of the big-endian digest in ``x-amz-checksum-<alg>``.
botocore computes CRC32C and CRC64NVME only with ``awscrt`` installed; where it is
missing the harness computes them itself (pure Python, slicing-by-8 tables) and
passes the value explicitly, so the case still tests the server, not the client.
The implementations are checked against awscrt's values in
``tests/unit/test_checksum_helpers.py``.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import struct
import uuid
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import botocore.httpchecksum

#: The algorithms S3 defines, as the API spells them.
ALGORITHMS: tuple[str, ...] = ("CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME")

_CRC32C_POLY = 0x82F63B78  # Castagnoli, reflected
_CRC64NVME_POLY = 0x9A6C9329AC4BC9B5  # CRC-64/NVME, reflected
_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
#: What this botocore computes itself (private table; CRC32/SHA1/SHA256 are always there).
_BOTOCORE_CHECKSUMS = frozenset(getattr(botocore.httpchecksum, "_CHECKSUM_CLS", ("crc32", "sha1", "sha256")))


def _byte_table(poly: int) -> list[int]:
    table = []
    for index in range(256):
        crc = index
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


def _slicing_tables(poly: int) -> tuple[list[int], ...]:
    """Eight tables for slicing-by-8: table k advances a byte through k further zero bytes."""
    tables = [_byte_table(poly)]
    base = tables[0]
    for _ in range(7):
        prev = tables[-1]
        tables.append([(prev[i] >> 8) ^ base[prev[i] & 0xFF] for i in range(256)])
    return tuple(tables)


_CRC32C_TABLES = _slicing_tables(_CRC32C_POLY)
_CRC64NVME_TABLES = _slicing_tables(_CRC64NVME_POLY)


def _reflected_crc(data: bytes, crc: int, tables: tuple[list[int], ...], mask: int) -> int:
    """A reflected CRC with init/xorout `mask`, continuing from a previous result `crc`."""
    t0, t1, t2, t3, t4, t5, t6, t7 = tables
    crc ^= mask
    view = memoryview(data)
    whole = len(view) - len(view) % 8
    for (word,) in struct.iter_unpack("<Q", view[:whole]):
        x = crc ^ word
        crc = (t7[x & 0xFF] ^ t6[(x >> 8) & 0xFF] ^ t5[(x >> 16) & 0xFF] ^ t4[(x >> 24) & 0xFF]
               ^ t3[(x >> 32) & 0xFF] ^ t2[(x >> 40) & 0xFF] ^ t1[(x >> 48) & 0xFF] ^ t0[x >> 56])
    for byte in view[whole:]:
        crc = t0[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ mask


def crc32c(data: bytes, crc: int = 0) -> int:
    """CRC-32C (Castagnoli), as S3's CRC32C; `crc` continues an earlier result."""
    return _reflected_crc(data, crc, _CRC32C_TABLES, _MASK32)


def crc64nvme(data: bytes, crc: int = 0) -> int:
    """CRC-64/NVME, as S3's CRC64NVME; `crc` continues an earlier result."""
    return _reflected_crc(data, crc, _CRC64NVME_TABLES, _MASK64)


def _normal(algorithm: str) -> str:
    name = algorithm.upper().removeprefix("X-AMZ-CHECKSUM-")
    if name not in ALGORITHMS:
        raise ValueError(f"unknown checksum algorithm {algorithm!r} (S3 defines {', '.join(ALGORITHMS)})")
    return name


@functools.lru_cache(maxsize=64)
def digest(algorithm: str, data: bytes) -> bytes:
    """The binary checksum of `data` (big-endian for the CRCs), cached per process."""
    name = _normal(algorithm)
    if name == "CRC32":
        return (zlib.crc32(data) & _MASK32).to_bytes(4, "big")
    if name == "CRC32C":
        return crc32c(data).to_bytes(4, "big")
    if name == "CRC64NVME":
        return crc64nvme(data).to_bytes(8, "big")
    return hashlib.new(name.lower(), data).digest()


def checksum_b64(algorithm: str, data: bytes) -> str:
    """The value S3 puts in ``x-amz-checksum-<alg>`` for `data`."""
    return base64.b64encode(digest(algorithm, data)).decode()


def composite_b64(algorithm: str, parts: Sequence[bytes]) -> str:
    """A COMPOSITE multipart checksum: the checksum of the concatenated binary part checksums, then ``-N``."""
    joined = b"".join(digest(algorithm, part) for part in parts)
    return f"{checksum_b64(algorithm, joined)}-{len(parts)}"


def whole_object_b64(algorithm: str, parts: Sequence[bytes]) -> str:
    """A FULL_OBJECT checksum: the checksum of the parts' concatenation (CRCs continued part by part)."""
    name = _normal(algorithm)
    if name in ("CRC32", "CRC32C", "CRC64NVME"):
        width = 8 if name == "CRC64NVME" else 4
        crc = 0
        for index, part in enumerate(parts):
            if index == 0:
                crc = int.from_bytes(digest(name, part), "big")
            elif name == "CRC32":
                crc = zlib.crc32(part, crc) & _MASK32
            else:
                crc = (crc32c if name == "CRC32C" else crc64nvme)(part, crc)
        return base64.b64encode(crc.to_bytes(width, "big")).decode()
    return checksum_b64(name, b"".join(parts))


def wrong_checksum_b64(algorithm: str, data: bytes) -> str:
    """A well-formed checksum (right length, valid base64) that does not match `data`."""
    value = checksum_b64(algorithm, data + b"\x00not-the-uploaded-bytes")
    assert value != checksum_b64(algorithm, data)
    return value


def header_name(algorithm: str) -> str:
    """``x-amz-checksum-crc32`` …"""
    return f"x-amz-checksum-{_normal(algorithm).lower()}"


def param_name(algorithm: str) -> str:
    """The boto3 parameter / response field: ``ChecksumCRC32``, ``ChecksumCRC64NVME`` …"""
    return f"Checksum{_normal(algorithm)}"


def botocore_computes(algorithm: str) -> bool:
    """Whether this botocore install can compute the algorithm itself (CRC32C/CRC64NVME need awscrt)."""
    return _normal(algorithm).lower() in _BOTOCORE_CHECKSUMS


def request_checksum_params(algorithm: str, data: bytes) -> dict[str, str]:
    """PutObject/UploadPart parameters asking for `algorithm`.

    ``ChecksumAlgorithm`` alone where botocore computes the value (it then sends a
    header over HTTP and an aws-chunked trailer over HTTPS); where it can't, the
    harness's value goes in the header explicitly (botocore then computes nothing).
    """
    params = {"ChecksumAlgorithm": _normal(algorithm)}
    if not botocore_computes(algorithm):
        params[param_name(algorithm)] = checksum_b64(algorithm, data)
    return params


# --------------------------------------------------------------------------- what went over the wire


@dataclass
class SentRequest:
    """The headers of one request as botocore sent it."""

    operation: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    def wire_format(self) -> str:
        """A short description of how the payload and its checksum travelled."""
        scheme = self.url.split(":", 1)[0]
        encoding = self.get("Content-Encoding") or ""
        trailer = self.get("X-Amz-Trailer")
        checksum_headers = sorted(k.lower() for k in self.headers if k.lower().startswith("x-amz-checksum-")
                                  and k.lower() not in ("x-amz-checksum-algorithm", "x-amz-checksum-type"))
        if "aws-chunked" in encoding and trailer:
            how = f"aws-chunked body with trailer {trailer.lower()}"
        elif "aws-chunked" in encoding:
            how = "aws-chunked body"
        elif checksum_headers:
            how = f"plain body with header {', '.join(checksum_headers)}"
        else:
            how = "plain body, no checksum"
        if self.get("Content-MD5"):
            how += " and Content-MD5"
        return f"{how} over {scheme.upper()}"


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value)


@contextlib.contextmanager
def capture_requests(client: Any, operation: str | None = None) -> Iterator[list[SentRequest]]:
    """Record the headers of every request `client` sends inside the block (optionally one operation).

    The handler is registered under a unique id and removed afterwards, so the
    (cached, shared) client is left as it was.
    """
    sent: list[SentRequest] = []
    event = f"before-send.s3.{operation}" if operation else "before-send.s3"
    unique_id = f"s3gauntlet-capture-{uuid.uuid4().hex}"

    def record(request: Any, **kwargs: Any) -> None:
        op = kwargs.get("event_name", "").rsplit(".", 1)[-1]
        sent.append(SentRequest(op, str(request.url), {_text(k): _text(v) for k, v in request.headers.items()}))

    client.meta.events.register_first(event, record, unique_id=unique_id)
    try:
        yield sent
    finally:
        client.meta.events.unregister(event, unique_id=unique_id)


def wire_of(sent: list[SentRequest]) -> str:
    """The wire format of the last captured request, or a note that none was captured."""
    return sent[-1].wire_format() if sent else "request not captured"
