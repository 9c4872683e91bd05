"""OpenDAL (Apache OpenDAL, Python binding; the layer object-backed file systems build on) through the
SDK scenario of interop/README.md.

OpenDAL addresses one bucket and has no CreateBucket / DeleteBucket: the harness creates and removes
the bucket, and this program runs the other steps. Defaults kept: a plain `write` of 17 MiB is one
PutObject in OpenDAL, so `put_multipart` uses its chunked writer (`chunk=` 8 MiB, the knob its docs
give for multipart). Presigning lives on the async operator only. Listing pages are set with `limit`.
"""

from __future__ import annotations

import asyncio
import sys
from importlib.metadata import version

import opendal
from _contract import (
    LARGE,
    LIST_KEYS,
    RANGE_FIRST,
    RANGE_LAST,
    Env,
    MiB,
    Step,
    describe_text,
    is_multipart_etag,
    md5_hex,
    payload,
    presigned_get,
    presigned_put,
    require,
    run,
    same_bytes,
)

env = Env.read()
SMALL, BIG, PUT = payload(1024, 1), payload(LARGE, 2), payload(2048, 4)
CONFIG = {"bucket": env.bucket, "endpoint": env.endpoint, "region": env.region, "access_key_id": env.access_key,
          "secret_access_key": env.secret_key, "disable_config_load": "true", "disable_ec2_metadata": "true"}
op = opendal.Operator("s3", **CONFIG)


def describe(exc: BaseException) -> tuple[int | None, str | None, str]:
    # OpenDAL errors carry the server's answer in their text: "... status: 403, ... <Code>AccessDenied</Code>"
    return describe_text(exc, ("status: ", "StatusCode: "))


def put_small() -> None:
    op.write("small.bin", SMALL, content_type="application/octet-stream", user_metadata={"client": env.client})
    etag = (op.stat("small.bin").etag or "").strip('"')
    require(etag == md5_hex(SMALL), f"ETag of the PutObject: S3 requires the MD5 {md5_hex(SMALL)}; got {etag!r}")


def put_multipart() -> None:
    with op.open("large.bin", "wb", chunk=8 * MiB) as writer:
        for start in range(0, LARGE, MiB):
            writer.write(BIG[start:start + MiB])
    meta = op.stat("large.bin")
    require(meta.content_length == LARGE,
            f"HeadObject after the upload: S3 requires ContentLength {LARGE}; got {meta.content_length}")
    require(is_multipart_etag(meta.etag),
            f"the upload's ETag: S3 requires a multipart ETag (\"…-N\"); got {meta.etag!r}")


def get_whole() -> None:
    same_bytes(bytes(op.read("small.bin")), SMALL, "GetObject small.bin")
    same_bytes(bytes(op.read("large.bin")), BIG, "GetObject large.bin")


def get_range() -> None:
    body = bytes(op.read("large.bin", offset=RANGE_FIRST, size=RANGE_LAST - RANGE_FIRST + 1))
    same_bytes(body, BIG[RANGE_FIRST:RANGE_LAST + 1], f"GetObject Range bytes={RANGE_FIRST}-{RANGE_LAST}")


def head() -> None:
    meta = op.stat("small.bin")
    require(meta.content_length == len(SMALL), f"HeadObject: S3 requires ContentLength 1024; got {meta.content_length}")
    require((meta.etag or "").strip('"') == md5_hex(SMALL),
            f"HeadObject ETag: S3 requires {md5_hex(SMALL)}; got {meta.etag!r}")
    got = (meta.user_metadata or {}).get("client")
    require(got == env.client, f"HeadObject x-amz-meta-client: S3 requires {env.client!r}; got {got!r}")
    require(meta.content_type == "application/octet-stream",
            f"HeadObject Content-Type: S3 requires 'application/octet-stream'; got {meta.content_type!r}")


def list_paginated() -> None:
    for key in LIST_KEYS:
        op.write(key, payload(10, 3))
    keys = [e.path for e in op.list("dir/", limit=2) if not e.path.endswith("/")]
    require(keys == LIST_KEYS, f"ListObjectsV2 prefix dir/ max-keys 2: S3 requires {LIST_KEYS}; got {keys}")


def copy() -> None:
    op.copy("small.bin", "copy.bin")
    same_bytes(bytes(op.read("copy.bin")), SMALL, "GetObject of the copy")


async def presigned(action: str, key: str) -> object:
    """A presigned request from the async operator (created inside the event loop, as it requires)."""
    aop = opendal.AsyncOperator("s3", **CONFIG)
    return await (aop.presign_read(key, 300) if action == "read" else aop.presign_write(key, 300))


def presign_get() -> None:
    signed = asyncio.run(presigned("read", "small.bin"))
    presigned_get(env, signed.url, SMALL, signed.method, dict(signed.headers))


def presign_put() -> None:
    signed = asyncio.run(presigned("write", "presigned.bin"))
    presigned_put(env, signed.url, PUT, signed.method, dict(signed.headers))
    same_bytes(bytes(op.read("presigned.bin")), PUT, "GetObject of the presigned upload")


def delete_many() -> None:
    op.remove_all("/") if hasattr(op, "remove_all") else op.delete("/", recursive=True)
    left = [e.path for e in op.list("/", recursive=True) if not e.path.endswith("/")]
    require(not left, f"ListObjectsV2 after deleting every key: S3 requires no keys; got {left[:5]}")


STEPS = [
    Step("put_small", put_small),
    Step("put_multipart", put_multipart),
    Step("get_whole", get_whole, ["put_small", "put_multipart"]),
    Step("get_range", get_range, ["put_multipart"]),
    Step("head", head, ["put_small"]),
    Step("list_paginated", list_paginated),
    Step("copy", copy, ["put_small"]),
    Step("presign_get", presign_get, ["put_small"]),
    Step("presign_put", presign_put),
    Step("delete_many", delete_many),
]

if __name__ == "__main__":
    sys.exit(run("opendal", version("opendal"), STEPS, describe))
