"""Concurrency: what S3 guarantees when requests on one key or bucket overlap.

S3 writes are atomic ("Amazon S3 never adds partial objects", PutObject) and reads after writes are
strongly consistent (user guide, "Amazon S3 data consistency model": "After a successful write of a
new object, or an overwrite or delete of an existing object, any subsequent read request immediately
receives the latest version of the object"; for concurrent writers "the last writer wins"). Each case
runs a few bounded rounds of overlapping requests in a small thread pool (at most 8 workers), each
worker with its own boto3 client (clients are thread-safe, sessions are not: every client is built
in the main thread from its own session). There are no sleeps: the verdicts depend only on what each
answer contains, never on timing.

Every body is a distinct repeated pattern: 32-byte records `<bNN@OFFSET>....` naming the body and
the record's offset, so a torn or mixed read says which bytes came from which body.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import botocore.exceptions
import pytest

from gauntlet.plugin.checks import expect_equal, expect_true, status_of
from gauntlet.plugin.fixtures import OwnBuckets
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.clients import make_client
from gauntlet.s3.data import KiB, md5_hex
from gauntlet.s3.errors import client_error_details, is_not_implemented
from gauntlet.s3.naming import create_bucket_params
from suites._support.multipart import one_part_upload

pytestmark = [pytest.mark.concurrency, pytest.mark.severity("data")]

WORKERS = 8
RECORD = 32
_RECORD_RE = re.compile(rb"<b(\d\d)@(\d{10})>")


@functools.lru_cache(maxsize=64)
def body(index: int, size: int) -> bytes:
    """Body `index`: `size` bytes of 32-byte records naming the body and the record's offset."""
    out = bytearray()
    for offset in range(0, size, RECORD):
        out += f"<b{index:02d}@{offset:010d}>".encode().ljust(RECORD, b".")
    return bytes(out[:size])


def origin(data: bytes, start: int = 0) -> str:
    """Which body each stretch of `data` (read from object offset `start`) came from, as runs of records."""
    runs: list[tuple[int, int, str]] = []
    first = (-start) % RECORD  # the first whole record in `data`
    for at in range(first, len(data), RECORD):
        match = _RECORD_RE.match(data, at)
        if match and int(match.group(2)) == start + at:
            name = f"body {int(match.group(1))}"
        elif match:
            name = f"body {int(match.group(1))} (its offset {int(match.group(2))})"
        else:
            name = "unknown bytes"
        if runs and runs[-1][2] == name:
            runs[-1] = (runs[-1][0], start + at + RECORD - 1, name)
        else:
            runs.append((start + at, start + at + RECORD - 1, name))
    parts = [f"bytes {a}-{min(b, start + len(data) - 1)} from {n}" for a, b, n in runs[:6]]
    return "; ".join(parts) + (f"; … {len(runs) - 6} more runs" if len(runs) > 6 else "")


def whole_match(data: bytes, bodies: list[bytes]) -> int | None:
    """Index of the body `data` is exactly, else None."""
    for index, candidate in enumerate(bodies):
        if data == candidate:
            return index
    return None


def _quoted(etag: str | None) -> str:
    return (etag or "").strip('"')


@pytest.fixture
def clients(target: Any) -> list[Any]:
    """One boto3 client per worker, each from its own session, built in the main thread (and cached per
    process: building a client costs more than a case's requests)."""
    return [make_client(target.endpoint, target.credentials, region=target.region, verify=target.verify,
                        addressing=target.addressing, checksum_mode="when_required", read_timeout=30,
                        max_pool=WORKERS + n, cached=True, content_md5_deletes=True)
            for n in range(WORKERS)]


def _run(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Run the tasks at once in a bounded pool; an exception in any of them is raised here, after all ended."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(task) for task in tasks]
        return [future.result() for future in futures]


def _check_whole(data: bytes, etag: str | None, bodies: list[bytes], rule: str, start: int = 0) -> int:
    """`data` (a whole-object GET) must be one of `bodies` whole, with that body's MD5 as its ETag."""
    index = whole_match(data, bodies)
    expect_true(index is not None, rule,
                f"S3 never adds partial objects, so a GET returns exactly one write's bytes; the server returned "
                f"{len(data)} bytes that are none of the {len(bodies)} bodies written (sizes "
                f"{sorted({len(b) for b in bodies})}): {origin(data, start)}")
    assert index is not None
    expect_equal(_quoted(etag), md5_hex(bodies[index]), f"{rule}: the ETag of the body returned (body {index})")
    return index


def _read(answer: dict[str, Any], what: str) -> bytes:
    """The body of a GetObject answer; a body cut short of its Content-Length is a torn read, not a harness error."""
    try:
        return bytes(answer["Body"].read())
    except botocore.exceptions.ResponseStreamingError as exc:
        raise S3Mismatch(f"{what}: S3 never adds partial objects, so a GET sends one whole object; the server "
                         f"sent {answer.get('ContentLength')} as Content-Length, then ended the body early: {exc}",
                         status_of(answer), None) from None


def _get(client: Any, bucket: str, key: str, **kwargs: Any) -> tuple[bytes, str | None]:
    answer = client.get_object(Bucket=bucket, Key=key, **kwargs)
    return _read(answer, f"GetObject {key} {kwargs or ''}".rstrip()), answer.get("ETag")


# --------------------------------------------------------------------------- one key, many writers


def test_gets_during_concurrent_puts_of_one_key_return_one_whole_body(clients: list[Any], bucket: str) -> None:
    """GETs racing PUTs of one key each return exactly one of the written bodies, whole, with its ETag.

    AWS S3 API Reference, PutObject: "Amazon S3 never adds partial objects; if you receive a success
    response, Amazon S3 added the entire object to the bucket"; user guide, "Amazon S3 data consistency
    model" (concurrent writers: reads see the old or a new object, never a mix).
    """
    bodies = [body(i, 256 * KiB + i * 64 * KiB) for i in range(6)]
    clients[0].put_object(Bucket=bucket, Key="k", Body=bodies[0])
    rule = "GetObject while PutObjects of other bodies to the same key are under way"
    for _round in range(2):
        writes = [lambda c=clients[i], b=bodies[i]: c.put_object(Bucket=bucket, Key="k", Body=b)
                  for i in range(1, 6)]
        reads = [lambda c=clients[i]: [_get(c, bucket, "k") for _ in range(4)] for i in range(6, 8)]
        results = _run(writes + reads)
        for batch in results[5:]:
            for data, etag in batch:
                _check_whole(data, etag, bodies, rule)


def test_object_after_concurrent_puts_is_one_of_the_writes_whole(clients: list[Any], bucket: str) -> None:
    """After concurrent PUTs of one key all succeed, the object is exactly one of them (last writer wins).

    AWS S3 API Reference, PutObject: "If Amazon S3 receives multiple write requests for the same object
    simultaneously, it overwrites all but the last object written"; "Amazon S3 never adds partial objects".
    """
    bodies = [body(i, 512 * KiB + i * 32 * KiB) for i in range(WORKERS)]
    rule = "GetObject after concurrent PutObjects of one key"
    for _round in range(2):
        answers = _run([lambda c=clients[i], b=bodies[i]: c.put_object(Bucket=bucket, Key="k", Body=b)
                        for i in range(WORKERS)])
        for i, answer in enumerate(answers):
            expect_equal(_quoted(answer.get("ETag")), md5_hex(bodies[i]), f"PutObject {i}'s ETag (MD5 of its body)")
        data, etag = _get(clients[0], bucket, "k")
        index = _check_whole(data, etag, bodies, rule)
        head = clients[1].head_object(Bucket=bucket, Key="k")
        expect_equal((head.get("ContentLength"), _quoted(head.get("ETag"))),
                     (len(bodies[index]), md5_hex(bodies[index])),
                     f"{rule}: HeadObject right after GetObject returned body {index} (size, ETag)")


def test_heads_during_concurrent_puts_pair_size_and_etag_of_one_write(clients: list[Any], bucket: str) -> None:
    """HEADs racing PUTs of bodies of different sizes report the size and the ETag of one and the same write.

    AWS S3 API Reference, HeadObject (Content-Length, ETag of the object); PutObject ("Amazon S3 never
    adds partial objects"); user guide, "Amazon S3 data consistency model".
    """
    bodies = [body(i, 256 * KiB + i * 16 * KiB) for i in range(6)]
    pairs = {(len(b), md5_hex(b)): i for i, b in enumerate(bodies)}
    clients[0].put_object(Bucket=bucket, Key="k", Body=bodies[0])
    for _round in range(2):
        writes = [lambda c=clients[i], b=bodies[i]: c.put_object(Bucket=bucket, Key="k", Body=b)
                  for i in range(1, 6)]
        reads = [lambda c=clients[i]: [c.head_object(Bucket=bucket, Key="k") for _ in range(6)] for i in range(6, 8)]
        for batch in _run(writes + reads)[5:]:
            for head in batch:
                pair = (head.get("ContentLength"), _quoted(head.get("ETag")))
                expect_true(pair in pairs, "HeadObject while PutObjects to the same key are under way",
                            f"S3 reports the size and ETag of one stored object; the server gave size {pair[0]} "
                            f"with ETag {pair[1]}, which is no write's pair (sizes written: "
                            f"{sorted(len(b) for b in bodies)})")


def test_ranged_gets_during_overwrites_come_from_one_body(clients: list[Any], bucket: str) -> None:
    """Ranged GETs racing overwrites of the key return the range of one body, never bytes of two.

    AWS S3 API Reference, GetObject: Range ("Downloads the specified byte range of an object");
    PutObject: "Amazon S3 never adds partial objects".
    """
    size = 768 * KiB
    bodies = [body(i, size) for i in range(6)]
    clients[0].put_object(Bucket=bucket, Key="k", Body=bodies[0])
    ranges = [(0, 1023), (100_000, 400_000), (size - 70_000, size - 1), (5, 600_000)]
    rule = "GetObject with Range while PutObjects of the same size to the key are under way"

    def ranged(client: Any) -> list[tuple[int, int, bytes, str | None]]:
        out = []
        for first, last in ranges:
            answer = client.get_object(Bucket=bucket, Key="k", Range=f"bytes={first}-{last}")
            data = _read(answer, f"GetObject Range bytes={first}-{last}")
            out.append((first, last, data, answer.get("ContentRange")))
        return out

    for _round in range(2):
        writes = [lambda c=clients[i], b=bodies[i]: c.put_object(Bucket=bucket, Key="k", Body=b)
                  for i in range(1, 6)]
        reads = [lambda c=clients[i]: ranged(c) for i in range(6, 8)]
        for batch in _run(writes + reads)[5:]:
            for first, last, data, content_range in batch:
                slices = [b[first : last + 1] for b in bodies]
                expect_true(data in slices, rule,
                            f"S3 serves a range of one stored object; the server returned {len(data)} bytes for "
                            f"bytes={first}-{last} (Content-Range {content_range}): {origin(data, first)}")


def test_put_and_delete_racing_leave_nothing_or_one_whole_body(clients: list[Any], bucket: str) -> None:
    """PUTs and DELETEs of one key racing each other: every GET and the final state are 404 or one whole body.

    AWS S3 API Reference, PutObject ("Amazon S3 never adds partial objects"); DeleteObject; user guide,
    "Amazon S3 data consistency model" (a read after a delete sees the delete or a later write).
    """
    bodies = [body(i, 300 * KiB + i * 8 * KiB) for i in range(4)]
    rule = "GetObject while PutObjects and DeleteObjects of the same key are under way"

    def reader(client: Any) -> list[tuple[bytes, str | None] | None]:
        seen: list[tuple[bytes, str | None] | None] = []
        for _ in range(4):
            try:
                seen.append(_get(client, bucket, "k"))
            except botocore.exceptions.ClientError as exc:
                status, _code, _msg = client_error_details(exc)
                if status != 404:
                    raise
                seen.append(None)
        return seen

    for _round in range(2):
        writes = [lambda c=clients[i], b=bodies[i]: c.put_object(Bucket=bucket, Key="k", Body=b) for i in range(4)]
        deletes = [lambda c=clients[i]: c.delete_object(Bucket=bucket, Key="k") for i in range(4, 6)]
        reads = [lambda c=clients[i]: reader(c) for i in range(6, 8)]
        for batch in _run(writes + deletes + reads)[6:]:
            for seen in batch:
                if seen is not None:
                    _check_whole(seen[0], seen[1], bodies, rule)
    final = reader(clients[0])[-1]
    if final is not None:
        _check_whole(final[0], final[1], bodies, "GetObject after the racing PutObjects and DeleteObjects")


# --------------------------------------------------------------------------- multipart


def _complete(client: Any, bucket: str, key: str, upload: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
    upload_id, parts = upload
    return dict(client.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                                 MultipartUpload={"Parts": parts}))


@pytest.mark.parametrize("last", ["created_first", "created_second"])
def test_two_multipart_uploads_of_one_key_the_last_completed_wins(clients: list[Any], bucket: str, last: str) -> None:
    """Two multipart uploads of one key, open at once: the one completed last is the object, byte for byte,
    and neither upload remains listed.

    AWS S3 API Reference, CompleteMultipartUpload ("Completes a multipart upload by assembling previously
    uploaded parts"); CreateMultipartUpload; user guide, "Amazon S3 data consistency model" (last writer wins);
    ListMultipartUploads (a completed upload is no longer in progress; checked where the server implements it).
    """
    first, second = body(1, 320 * KiB), body(2, 200 * KiB)
    uploads = _run([lambda: one_part_upload(clients[0], bucket, "k", first),
                    lambda: one_part_upload(clients[1], bucket, "k", second)])
    order = [0, 1] if last == "created_second" else [1, 0]
    for index in order:
        _complete(clients[index], bucket, "k", uploads[index])
    winner = [first, second][order[-1]]
    data, _etag = _get(clients[2], bucket, "k")
    expect_equal(data, winner, f"GetObject after completing both uploads (the {last.replace('_', ' ')} last)")
    try:  # the bytes are the verdict; the upload listing is checked where the server implements it
        listed = clients[2].list_multipart_uploads(Bucket=bucket).get("Uploads") or []
    except botocore.exceptions.ClientError as exc:
        if not is_not_implemented(*client_error_details(exc)[:2]):
            raise
        return
    expect_equal([u.get("UploadId") for u in listed], [],
                 "ListMultipartUploads after both uploads of the key were completed")


def test_concurrent_completes_of_one_key_store_one_upload_whole(clients: list[Any], bucket: str) -> None:
    """Two multipart uploads of one key completed at the same moment: the object is one of them whole, and
    its ETag is the one that upload's CompleteMultipartUpload answered.

    AWS S3 API Reference, CompleteMultipartUpload (ETag of the assembled object); PutObject ("Amazon S3
    never adds partial objects"); user guide, "Amazon S3 data consistency model".
    """
    bodies = [body(3, 280 * KiB), body(4, 360 * KiB)]
    for _round in range(2):
        uploads = _run([lambda i=i: one_part_upload(clients[i], bucket, "k", bodies[i]) for i in range(2)])
        answers = _run([lambda i=i, u=uploads: _complete(clients[i], bucket, "k", u[i]) for i in range(2)])
        data, etag = _get(clients[2], bucket, "k")
        index = whole_match(data, bodies)
        expect_true(index is not None, "GetObject after two racing CompleteMultipartUploads of one key",
                    f"S3 stores one upload whole; the server returned {len(data)} bytes: {origin(data)}")
        assert index is not None
        answered = _quoted(answers[index].get("ETag")) or "(no ETag in the CompleteMultipartUpload answer)"
        expect_equal(_quoted(etag), answered,
                     f"the object's ETag (it holds upload {index}'s bytes) against that CompleteMultipartUpload's")


# --------------------------------------------------------------------------- many keys


def test_parallel_deleteobjects_of_overlapping_keys_report_every_key_deleted(clients: list[Any], bucket: str) -> None:
    """DeleteObjects requests racing over overlapping key sets report every key Deleted, and none remains.

    AWS S3 API Reference, DeleteObjects ("The result contains Deleted ... elements"; deleting a key that
    does not exist is reported as deleted: "If the object specified in the request isn't found, Amazon S3
    confirms the deletion by returning the result as deleted"); DeleteObject.
    """
    keys = [f"d/{n:03d}" for n in range(48)]
    _run([lambda c=clients[w], w=w: [c.put_object(Bucket=bucket, Key=k, Body=k.encode()) for k in keys[w::WORKERS]]
          for w in range(WORKERS)])
    sets = [keys[start : start + 24] for start in range(0, 48, 6)]  # 8 windows of 24 keys, overlapping by 18

    def delete(client: Any, chosen: list[str]) -> dict[str, Any]:
        return dict(client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chosen]}))

    answers = _run([lambda c=clients[i], s=sets[i]: delete(c, s) for i in range(len(sets))])
    for chosen, answer in zip(sets, answers, strict=True):
        deleted = {str(d.get("Key")) for d in answer.get("Deleted") or []}
        errors = [(e.get("Key"), e.get("Code"), e.get("Message")) for e in answer.get("Errors") or []]
        missing = sorted(set(chosen) - deleted)
        expect_true(not missing and not errors, "DeleteObjects racing others over the same keys",
                    f"S3 reports each of the {len(chosen)} keys Deleted (those another request deleted first too), "
                    f"and no Errors; {len(missing)} keys not reported Deleted (e.g. {missing[:3]}), "
                    f"Errors {errors[:3]}")
    left = clients[0].list_objects_v2(Bucket=bucket).get("Contents") or []
    expect_equal([c.get("Key") for c in left], [], "ListObjectsV2 after the racing DeleteObjects")


def test_concurrent_puts_of_distinct_keys_are_all_listed_and_readable(clients: list[Any], bucket: str) -> None:
    """Keys PUT concurrently by 8 writers are all listed right after the writes, with their sizes, and each
    writer reads its own key back right after its PUT.

    AWS S3 API Reference, ListObjectsV2 (Contents: Key, Size); user guide, "Amazon S3 data consistency
    model" ("strong read-after-write consistency ... for List operations").
    """
    def write(w: int) -> list[tuple[str, bytes]]:
        written = []
        for n in range(8):
            key, data = f"p/{w}-{n:02d}", body(w * 8 + n, 1 * KiB + w * 97 + n)
            clients[w].put_object(Bucket=bucket, Key=key, Body=data)
            got, _etag = _get(clients[w], bucket, key)
            expect_equal(got, data, f"GetObject of {key} right after its PutObject (others writing meanwhile)")
            written.append((key, data))
        return written

    expected = {key: len(data) for batch in _run([lambda w=w: write(w) for w in range(WORKERS)])
                for key, data in batch}
    listed: dict[str, int | None] = {}
    token = None
    for _page in range(10):
        kwargs = {"ContinuationToken": token} if token else {}
        page = clients[0].list_objects_v2(Bucket=bucket, Prefix="p/", **kwargs)
        listed.update({c["Key"]: c.get("Size") for c in page.get("Contents") or []})
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            break
    missing = sorted(set(expected) - set(listed))
    expect_true(not missing, "ListObjectsV2 right after concurrent PutObjects of 64 keys",
                f"S3 lists every key whose PutObject succeeded; {len(missing)} missing: {missing[:8]}")
    wrong = {key: listed[key] for key in sorted(expected) if listed.get(key) != expected[key]}
    expect_true(not wrong, "ListObjectsV2 after concurrent PutObjects (Size of each key)",
                f"S3 lists each key with the size of its body; {len(wrong)} keys differ, e.g. "
                + ", ".join(f"{k}: listed {listed[k]}, written {expected[k]}" for k in list(wrong)[:3]))


# --------------------------------------------------------------------------- buckets


@pytest.mark.severity("client")
def test_concurrent_createbucket_of_one_name_by_its_owner(target: Any, clients: list[Any],
                                                          own_buckets: OwnBuckets) -> None:
    """Concurrent CreateBucket of one new name by one owner: one creates it, the others get 409
    BucketAlreadyOwnedByYou (or, in us-east-1, 200), and the bucket exists once, empty.

    AWS S3 API Reference, CreateBucket: Errors / BucketAlreadyOwnedByYou ("Amazon S3 returns this error in
    all AWS Regions except in the North Virginia Region. For legacy compatibility, if you re-create an
    existing bucket that you already own in the North Virginia Region, Amazon S3 returns 200 OK").
    """
    name = own_buckets.new()
    params = create_bucket_params(name, target.region)
    legacy_ok = target.region in ("", "us-east-1")

    def create(client: Any) -> tuple[int | None, str | None, str]:
        try:
            return status_of(client.create_bucket(**params)), None, ""
        except botocore.exceptions.ClientError as exc:
            return client_error_details(exc)

    answers = _run([lambda c=c: create(c) for c in clients[:6]])
    created = sum(1 for status, _code, _msg in answers if status == 200)
    expect_true(created >= 1, "CreateBucket of a new name, six at once by its owner",
                f"one of them creates the bucket; none answered 200: {answers}")
    allowed = {(409, "BucketAlreadyOwnedByYou")} | ({(200, None)} if legacy_ok else set())
    others = sorted(answers, key=lambda a: a[0] != 200)[1:]
    wrong = [a for a in others if (a[0], a[1]) not in allowed]
    if wrong:
        required = "409 BucketAlreadyOwnedByYou" + (" or 200" if legacy_ok else "")
        raise S3Mismatch(f"CreateBucket of a name another of the same owner's requests just created (region "
                         f"{target.region}): S3 requires {required}; the server answered "
                         f"{wrong[0][0]} {wrong[0][1]}: {wrong[0][2]}", wrong[0][0], wrong[0][1])
    names = [b.get("Name") for b in clients[0].list_buckets().get("Buckets") or []]
    expect_equal(names.count(name), 1, "ListBuckets after the concurrent CreateBuckets (times listed)")
    contents = clients[0].list_objects_v2(Bucket=name).get("Contents") or []
    expect_equal(contents, [], "ListObjectsV2 of the bucket just created")
