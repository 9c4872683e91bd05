"""minio-py (the MinIO client SDK for Python) through the SDK scenario of interop/README.md.

Defaults kept: minio-py's own part size (the smallest that fits, at least 5 MiB) and its
single-PUT / multipart choice; it sends no flexible checksums by default. minio-py has no
public page-size setting for listings, so `list_paginated` checks the keys and their order only.
"""

from __future__ import annotations

import io
import sys
from datetime import timedelta
from importlib.metadata import version

import urllib3
from _contract import (
    LARGE,
    LIST_KEYS,
    RANGE_FIRST,
    RANGE_LAST,
    Env,
    Step,
    is_multipart_etag,
    md5_hex,
    payload,
    presigned_get,
    presigned_put,
    require,
    run,
    same_bytes,
    short,
)
from minio import Minio
from minio.commonconfig import CopySource
from minio.deleteobjects import DeleteObject
from minio.error import InvalidResponseError, S3Error, ServerError

env = Env.read()
SMALL, BIG, PUT = payload(1024, 1), payload(LARGE, 2), payload(2048, 4)
pool = urllib3.PoolManager(ca_certs=env.ca_bundle or None, retries=False) if env.secure else None
mc = Minio(env.host_port, access_key=env.access_key, secret_key=env.secret_key, secure=env.secure,
           region=env.region, http_client=pool)
B = env.bucket


def describe(exc: BaseException) -> tuple[int | None, str | None, str]:
    if isinstance(exc, S3Error):
        status = exc.response.status if exc.response is not None else None
        return status, exc.code, f"the server refused: {exc.code} ({status}): {exc.message}"
    if isinstance(exc, ServerError):
        return exc.status_code, None, short(exc)
    if isinstance(exc, InvalidResponseError):
        return None, None, f"the client could not read the server's answer: {short(exc)}"
    return None, None, short(exc)


def get(key: str, **kwargs: int) -> tuple[int, dict[str, str], bytes]:
    answer = mc.get_object(B, key, **kwargs)
    try:
        return answer.status, dict(answer.headers), answer.read()
    finally:
        answer.close()
        answer.release_conn()


def create_bucket() -> None:
    mc.make_bucket(B, location=env.region)


def put_small() -> None:
    result = mc.put_object(B, "small.bin", io.BytesIO(SMALL), len(SMALL), content_type="application/octet-stream",
                           metadata={"client": env.client})
    etag = (result.etag or "").strip('"')
    require(etag == md5_hex(SMALL), f"PutObject ETag: S3 requires the MD5 {md5_hex(SMALL)}; got {etag!r}")


def put_multipart() -> None:
    mc.put_object(B, "large.bin", io.BytesIO(BIG), len(BIG))
    stat = mc.stat_object(B, "large.bin")
    require(stat.size == LARGE, f"HeadObject after the upload: S3 requires ContentLength {LARGE}; got {stat.size}")
    require(is_multipart_etag(stat.etag),
            f"the upload's ETag: S3 requires a multipart ETag (\"…-N\"); got {stat.etag!r}")


def get_whole() -> None:
    for key, data in (("small.bin", SMALL), ("large.bin", BIG)):
        status, _headers, body = get(key)
        require(status == 200, f"GetObject {key}: S3 requires 200; got {status}", status)
        same_bytes(body, data, f"GetObject {key}")


def get_range() -> None:
    status, headers, body = get("large.bin", offset=RANGE_FIRST, length=RANGE_LAST - RANGE_FIRST + 1)
    want = f"bytes {RANGE_FIRST}-{RANGE_LAST}/{LARGE}"
    require(status == 206, f"GetObject Range: S3 requires 206; got {status} ({len(body)} bytes)", status)
    got = {k.lower(): v for k, v in headers.items()}.get("content-range")
    require(got == want, f"GetObject Range: S3 requires Content-Range {want!r}; got {got!r}", status)
    same_bytes(body, BIG[RANGE_FIRST:RANGE_LAST + 1], "GetObject Range")


def head() -> None:
    stat = mc.stat_object(B, "small.bin")
    meta = {k.lower(): v for k, v in (stat.metadata or {}).items()}
    require(stat.size == len(SMALL), f"HeadObject: S3 requires ContentLength 1024; got {stat.size}")
    require((stat.etag or "").strip('"') == md5_hex(SMALL),
            f"HeadObject ETag: S3 requires {md5_hex(SMALL)}; got {stat.etag!r}")
    require(meta.get("x-amz-meta-client") == env.client,
            f"HeadObject x-amz-meta-client: S3 requires {env.client!r}; got {meta.get('x-amz-meta-client')!r}")
    require(stat.content_type == "application/octet-stream",
            f"HeadObject Content-Type: S3 requires 'application/octet-stream'; got {stat.content_type!r}")


def list_paginated() -> None:
    for key in LIST_KEYS:
        mc.put_object(B, key, io.BytesIO(payload(10, 3)), 10)
    keys = [o.object_name for o in mc.list_objects(B, prefix="dir/", recursive=True)]
    require(keys == LIST_KEYS, f"ListObjectsV2 prefix dir/: S3 requires {LIST_KEYS}; got {keys}")


def copy() -> None:
    mc.copy_object(B, "copy.bin", CopySource(B, "small.bin"))
    same_bytes(get("copy.bin")[2], SMALL, "GetObject of the copy")


def presign_get() -> None:
    presigned_get(env, mc.presigned_get_object(B, "small.bin", expires=timedelta(seconds=300)), SMALL)


def presign_put() -> None:
    presigned_put(env, mc.presigned_put_object(B, "presigned.bin", expires=timedelta(seconds=300)), PUT)
    same_bytes(get("presigned.bin")[2], PUT, "GetObject of the presigned upload")


def delete_many() -> None:
    keys = [o.object_name for o in mc.list_objects(B, recursive=True)]
    errors = list(mc.remove_objects(B, [DeleteObject(k) for k in keys]))
    require(not errors, f"DeleteObjects: S3 requires no Errors; got {[(e.name, e.code) for e in errors][:3]}")
    left = [o.object_name for o in mc.list_objects(B, recursive=True)]
    require(not left, f"ListObjectsV2 after DeleteObjects: S3 requires no keys; got {left[:5]}")


def delete_bucket() -> None:
    mc.remove_bucket(B)
    require(not mc.bucket_exists(B), "HeadBucket after DeleteBucket: S3 requires 404; the bucket still exists")


STEPS = [
    Step("create_bucket", create_bucket),
    Step("put_small", put_small, ["create_bucket"]),
    Step("put_multipart", put_multipart, ["create_bucket"]),
    Step("get_whole", get_whole, ["put_small", "put_multipart"]),
    Step("get_range", get_range, ["put_multipart"]),
    Step("head", head, ["put_small"]),
    Step("list_paginated", list_paginated, ["create_bucket"]),
    Step("copy", copy, ["put_small"]),
    Step("presign_get", presign_get, ["put_small"]),
    Step("presign_put", presign_put, ["create_bucket"]),
    Step("delete_many", delete_many, ["create_bucket"]),
    Step("delete_bucket", delete_bucket, ["create_bucket"]),
]

if __name__ == "__main__":
    sys.exit(run("minio-py", version("minio"), STEPS, describe))
