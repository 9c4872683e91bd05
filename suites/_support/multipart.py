"""Shared pieces for multipart cases: part payloads, uploading parts, completing, expected ETags.

Part payloads come from `gauntlet.s3.data.payload`, so every case in a process reuses
the same few 5 MiB buffers instead of generating new data. Helpers return what S3
answered; the cases make the assertions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gauntlet.plugin.checks import status_of
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.data import KiB, MiB, md5_hex, multipart_etag, payload

#: The smallest size S3 accepts for a part that is not the last one (UploadPart; CompleteMultipartUpload).
MIN_PART = 5 * MiB
#: a well-formed ETag that no part has
ZERO_ETAG = '"00000000000000000000000000000000"'

__all__ = [
    "MIN_PART",
    "complete",
    "create_upload",
    "multipart_etag",
    "one_part_upload",
    "part",
    "part_etag",
    "put_multipart_object",
    "small",
    "upload_parts",
]


def part(index: int) -> bytes:
    """The shared 5 MiB part payload number `index` (seed `index`)."""
    return payload(MIN_PART, seed=index)


def small(size: int = 100 * KiB, seed: int = 900) -> bytes:
    """A small payload, for last parts and parts that only need to exist (listing, errors)."""
    return payload(size, seed=seed)


def part_etag(data: bytes) -> str:
    """The ETag S3 gives an uploaded part: the quoted hex MD5 of its bytes."""
    return f'"{md5_hex(data)}"'


def create_upload(s3: Any, bucket: str, key: str, **kwargs: Any) -> str:
    """CreateMultipartUpload; returns the upload id."""
    return str(s3.create_multipart_upload(Bucket=bucket, Key=key, **kwargs)["UploadId"])


def one_part_upload(s3: Any, bucket: str, key: str, body: bytes) -> tuple[str, list[dict[str, Any]]]:
    """CreateMultipartUpload and one UploadPart of `body`: the upload id and the part list to complete with
    (for cases about CompleteMultipartUpload itself: conditions, races)."""
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=body)
    return upload_id, [{"PartNumber": 1, "ETag": part["ETag"]}]


def upload_parts(
    s3: Any,
    bucket: str,
    key: str,
    upload_id: str,
    parts: Sequence[bytes],
    *,
    order: Iterable[int] | None = None,
    threads: int = 1,
) -> list[dict[str, Any]]:
    """Upload `parts` as part numbers 1..N (in `order` of part numbers if given, else ascending).

    Returns the CompleteMultipartUpload part list (PartNumber, ETag as the server answered),
    sorted by part number. `threads` > 1 uploads in a small thread pool (boto3 clients are
    thread-safe).
    """
    numbers = list(order) if order is not None else list(range(1, len(parts) + 1))

    def one(number: int) -> dict[str, Any]:
        answer = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                Body=parts[number - 1])
        etag = answer.get("ETag")
        if not etag:
            raise S3Mismatch(f"UploadPart {number}: S3 requires an ETag header in the answer; the server sent none",
                             status_of(answer), None)
        return {"PartNumber": number, "ETag": etag}

    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            done = list(pool.map(one, numbers))
    else:
        done = [one(n) for n in numbers]
    return sorted(done, key=lambda p: p["PartNumber"])


def complete(s3: Any, bucket: str, key: str, upload_id: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """CompleteMultipartUpload with this part list."""
    return dict(s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                             MultipartUpload={"Parts": parts}))


def put_multipart_object(
    s3: Any, bucket: str, key: str, parts: Sequence[bytes], *, threads: int = 1, **create_kwargs: Any
) -> dict[str, Any]:
    """Create, upload `parts` in order, complete; returns the CompleteMultipartUpload answer."""
    upload_id = create_upload(s3, bucket, key, **create_kwargs)
    listed = upload_parts(s3, bucket, key, upload_id, parts, threads=threads)
    return complete(s3, bucket, key, upload_id, listed)

