"""Test payloads, generated once per process and shared by every case."""

from __future__ import annotations

import functools
import hashlib
import random

KiB = 1024
MiB = 1024 * KiB


@functools.lru_cache(maxsize=16)
def payload(size: int, seed: int = 0) -> bytes:
    """`size` deterministic pseudo-random bytes (incompressible, so no server can cheat)."""
    return random.Random(f"s3gauntlet-{seed}").randbytes(size)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def multipart_etag(parts: list[bytes]) -> str:
    """The ETag S3 gives a multipart object: MD5 of the concatenated part MD5s, then `-N`."""
    digests = b"".join(hashlib.md5(p, usedforsecurity=False).digest() for p in parts)
    return f'"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{len(parts)}"'


def first_difference(actual: bytes, expected: bytes) -> str:
    """Where two byte strings part ways, for failure messages that don't dump megabytes."""
    if actual == expected:
        return "identical"
    if len(actual) != len(expected):
        prefix = f"length {len(actual)} where {len(expected)} was stored"
    else:
        prefix = f"same length {len(actual)}"
    for index, (a, b) in enumerate(zip(actual, expected, strict=False)):
        if a != b:
            return f"{prefix}, first differing byte at offset {index}"
    return f"{prefix}, one is a prefix of the other"
