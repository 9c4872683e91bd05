"""The AWS CLI (v1, PyPI `awscli`) against the target: `aws s3 ...` and `aws s3api ...`.

The CLI gets the target from the environment only (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, AWS_CA_BUNDLE for a CA path) and a private
config file (AWS_CONFIG_FILE: path-style addressing, one attempt, `multipart_threshold`
and `multipart_chunksize` lowered to 5 MB so a ~12 MiB file is a 3-part multipart
upload, copy or ranged download). The caller's own AWS_* variables and profiles are
never used.

Uploads run twice where the checksum mode matters: with the CLI's default
(`when_supported`: CRC32 checksum headers on PutObject / UploadPart, ChecksumAlgorithm
on CreateMultipartUpload) and with AWS_REQUEST_CHECKSUM_CALCULATION=when_required
(no checksum unless an operation requires one); the case ids end in [cli-default] or
[when_required].

Every case works on its own bucket(s), checks the result with boto3 (when_required
mode) and fails, with the CLI's exit code and first error line, when the CLI cannot
do what S3 semantics say must work.
"""

from __future__ import annotations

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
    AWSCLI,
    LocalTree,
    ProgramRun,
    awscli_env,
    awscli_flags,
    bucket_contents,
    bucket_exists,
    describe_key_differences,
    expect_same_objects,
    expect_success,
    run_program,
)
from gauntlet.plugin.checks import expect_equal, expect_error, expect_true
from gauntlet.plugin.fixtures import OwnBuckets
from gauntlet.s3.data import MiB, payload

pytestmark = [pytest.mark.interop, pytest.mark.severity("client")]

MTIME_NS = 1_614_834_367_250_000_000  # 2021-03-04T05:06:07.25Z: well before any LastModified
BIG_KEY = "above-threshold.bin"
BIG_SIZE = 12 * MiB  # > 5 MB threshold: parts of 5, 5 and 2 MiB

# No empty file in this tree: the empty-file upload has its own case below (the CLI stalls on the
# request that follows it on some servers, and which request that is depends on thread timing).
SMALL_FILES: dict[str, bytes] = {
    "top.txt": b"top-level file\n",
    "docs/readme.md": payload(3000, seed=21),
    "docs/nested/deeper/notes.txt": b"three levels down\n" * 20,
    "photos 2024/summer trip/beach day.jpg": payload(40 * 1024, seed=22),
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
}

#: Deletes one at a time: with the CLI's 10 parallel requests, s3rver sometimes answers 500 to a
#: DeleteObject whose parent "directory" another delete just removed (ENOENT). That race is real but
#: timing-dependent, so it is reported, not pinned; these cases check what S3 requires of each delete.
SEQUENTIAL = {"max_concurrent_requests": "1"}

#: The two checksum behaviours of the CLI: its default, and AWS_REQUEST_CHECKSUM_CALCULATION=when_required.
CHECKSUM_MODES = pytest.mark.parametrize("mode", [None, "when_required"], ids=["cli-default", "when_required"])


@dataclass
class Trees:
    small: LocalTree
    big: LocalTree
    reserved: LocalTree


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Trees:
    """The local data, written once per worker process (old mtimes: sync must see the bucket as newer)."""
    base = tmp_path_factory.mktemp("awscli-data")
    small, big, reserved = (LocalTree(base / n, mtime_ns=MTIME_NS) for n in ("small", "big", "reserved"))
    for rel, data in SMALL_FILES.items():
        small.write(rel, data)
    big.write(BIG_KEY, payload(BIG_SIZE, seed=23))
    for rel, data in RESERVED_FILES.items():
        reserved.write(rel, data)
    return Trees(small, big, reserved)


Aws = Callable[..., ProgramRun]


@pytest.fixture
def aws_cli(target: LiveTarget, tmp_path: Path) -> Callable[..., Aws]:
    """`aws_cli(mode, **s3_config)` → a runner of `aws ...` for the target; unsupported when the CLI is missing."""
    exe = AWSCLI.require()

    def make(mode: str | None = None, **s3_extra: str) -> Aws:
        env = awscli_env(target, tmp_path / f"aws-{mode or 'default'}-{len(s3_extra)}", mode, s3_extra=s3_extra)

        def run(*args: str, timeout: float = 180) -> ProgramRun:
            return run_program([exe, *args, *awscli_flags(target)], env, timeout=timeout)

        return run

    return make


@pytest.fixture
def aws(aws_cli: Callable[..., Aws]) -> Aws:
    """The CLI with its default checksum behaviour."""
    return aws_cli(None)


@pytest.fixture
def admin(s3_client: Callable[..., Any]) -> Any:
    """boto3 in when_required mode: seeds and reads back without adding checksums of its own."""
    return s3_client(checksum_mode="when_required")


def s3url(bucket: str, key: str = "") -> str:
    return f"s3://{bucket}/{key}"


def seed(admin: Any, bucket: str, files: dict[str, bytes], **kwargs: Any) -> None:
    for key, data in files.items():
        admin.put_object(Bucket=bucket, Key=key, Body=data, **kwargs)


def local_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


_LS_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s+(\d+) (.+)$")


def parse_ls(stdout: str) -> tuple[dict[str, int], list[str]]:
    """`aws s3 ls` output → ({key: size}, [PRE prefixes])."""
    objects: dict[str, int] = {}
    prefixes: list[str] = []
    for line in stdout.splitlines():
        if line.strip().startswith("PRE "):
            prefixes.append(line.strip()[4:])
            continue
        match = _LS_LINE.match(line)
        if match:
            objects[match.group(3)] = int(match.group(2))
    return objects, prefixes


# =========================================================================== buckets


def test_awscli_s3_mb_creates_bucket(aws: Aws, admin: Any, own_buckets: OwnBuckets) -> None:
    """`aws s3 mb s3://bucket` creates the bucket (HeadBucket 200 afterwards).

    AWS S3 API Reference, CreateBucket; HeadBucket.
    """
    new_bucket = own_buckets.new()
    expect_success(aws("s3", "mb", f"s3://{new_bucket}"), "aws s3 mb of a new bucket (CreateBucket)")
    expect_true(bucket_exists(admin, new_bucket), "HeadBucket after aws s3 mb", "the bucket does not exist (404)")


def test_awscli_s3_rb_removes_empty_bucket(aws: Aws, admin: Any, own_buckets: OwnBuckets) -> None:
    """`aws s3 rb s3://bucket` deletes an empty bucket (HeadBucket 404 afterwards).

    AWS S3 API Reference, DeleteBucket; HeadBucket.
    """
    new_bucket = own_buckets.new()
    admin.create_bucket(Bucket=new_bucket)
    expect_success(aws("s3", "rb", f"s3://{new_bucket}"), "aws s3 rb of an empty bucket (DeleteBucket)")
    with expect_error(404, None, "HeadBucket after aws s3 rb"):
        admin.head_bucket(Bucket=new_bucket)


def test_awscli_s3_rb_force_removes_bucket_with_objects(aws_cli: Callable[..., Aws], admin: Any,
                                                        own_buckets: OwnBuckets) -> None:
    """`aws s3 rb --force` deletes every object (ListObjectsV2 + DeleteObject each), then the bucket.
    Deletes go one at a time (see SEQUENTIAL).

    AWS S3 API Reference, ListObjectsV2; DeleteObject; DeleteBucket.
    """
    new_bucket = own_buckets.new()
    admin.create_bucket(Bucket=new_bucket)
    seed(admin, new_bucket, SMALL_FILES)
    expect_success(aws_cli(None, **SEQUENTIAL)("s3", "rb", "--force", f"s3://{new_bucket}"),
                   "aws s3 rb --force of a bucket with objects")
    with expect_error(404, None, "HeadBucket after aws s3 rb --force"):
        admin.head_bucket(Bucket=new_bucket)


# =========================================================================== uploads


@CHECKSUM_MODES
def test_awscli_s3_cp_recursive_uploads_tree(aws_cli: Callable[..., Aws], admin: Any, trees: Trees,
                                             bucket: str, mode: str | None) -> None:
    """`aws s3 cp --recursive` of a tree (nested prefixes, unicode and spaces, an empty file) stores exactly
    those keys and bytes, in the CLI's default checksum mode and in when_required mode.

    AWS S3 API Reference, PutObject (x-amz-checksum-crc32, x-amz-sdk-checksum-algorithm); GetObject.
    """
    expect_success(aws_cli(mode)("s3", "cp", "--recursive", "--no-progress", str(trees.small.root), s3url(bucket)),
                   "aws s3 cp --recursive of a small tree")
    expect_same_objects(bucket_contents(admin, bucket), trees.small.files, "objects after aws s3 cp --recursive")


@CHECKSUM_MODES
@pytest.mark.severity("data")
def test_awscli_s3_cp_above_multipart_threshold(aws_cli: Callable[..., Aws], admin: Any, trees: Trees,
                                                bucket: str, mode: str | None) -> None:
    """A 12 MiB file above `multipart_threshold = 5MB` goes up as a 3-part multipart upload (with CRC32
    part checksums in the default mode) and reads back byte for byte.

    AWS S3 API Reference, CreateMultipartUpload (x-amz-checksum-algorithm); UploadPart
    (x-amz-checksum-crc32); CompleteMultipartUpload (ChecksumCRC32 per part); GetObject.
    """
    expect_success(aws_cli(mode)("s3", "cp", "--no-progress", str(trees.big.root / BIG_KEY), s3url(bucket, BIG_KEY)),
                   "aws s3 cp of a file above the multipart threshold")
    expect_same_objects(bucket_contents(admin, bucket), trees.big.files, "object after multipart aws s3 cp")


@pytest.mark.severity("data")
def test_awscli_s3_cp_empty_files_then_more_uploads(target: LiveTarget, admin: Any, bucket: str,
                                                   tmp_path: Path) -> None:
    """`aws s3 cp --recursive` (one request at a time) of empty files interleaved with small ones stores
    them all; the uploads that follow an empty one on the same connection must not stall.

    The CLI sends every PutObject with `Expect: 100-continue` and waits up to one second for the interim
    answer. For a 0-byte body a server may answer 200 at once without 100 Continue (RFC 9110 §10.1.1
    allows it); AWS CLI 1.46.2, whose vendored botocore predates the fix, then mistakes the next
    exchange on that connection and times out. The bucket is warmed up first so the empty PUTs are
    answered within that second (a slower answer hides the problem).
    AWS S3 API Reference, PutObject (Expect: 100-continue; zero-length objects); RFC 9110 §10.1.1.
    """
    exe = AWSCLI.require()
    files = {f"{n}-empty.txt" if n in (0, 4) else f"{n}.txt": b"" if n in (0, 4) else f"file {n}\n".encode()
             for n in range(9)}
    tree = LocalTree(tmp_path / "tree")
    for rel, data in files.items():
        tree.write(rel, data)
    admin.put_object(Bucket=bucket, Key="warm-up", Body=b"")
    admin.delete_object(Bucket=bucket, Key="warm-up")
    env = awscli_env(target, tmp_path / "aws", s3_extra={"max_concurrent_requests": "1"})
    done = run_program([exe, "s3", "cp", "--recursive", "--no-progress", str(tree.root), s3url(bucket),
                        "--cli-read-timeout", "10", *awscli_flags(target)], env)
    expect_success(done, "aws s3 cp --recursive of empty files followed by more uploads")
    expect_same_objects(bucket_contents(admin, bucket), files, "objects after aws s3 cp with empty files")


def test_awscli_s3_cp_recursive_exclude_include_filters_keys(aws: Aws, admin: Any, trees: Trees,
                                                             bucket: str) -> None:
    """`aws s3 cp --recursive --exclude "*" --include "*.txt"` uploads exactly the .txt files.

    AWS S3 API Reference, PutObject; ListObjectsV2 (the CLI's filters are client-side: the bucket must
    then hold exactly the selected keys).
    """
    expect_success(aws("s3", "cp", "--recursive", "--no-progress", str(trees.small.root), s3url(bucket),
                       "--exclude", "*", "--include", "*.txt"),
                   "aws s3 cp --recursive with --exclude/--include")
    wanted = {k: v for k, v in trees.small.files.items() if k.endswith(".txt")}
    expect_same_objects(bucket_contents(admin, bucket), wanted, "objects after filtered aws s3 cp")


def test_awscli_s3_cp_reserved_characters_in_keys(aws: Aws, admin: Any, trees: Trees, bucket: str) -> None:
    """Files whose names hold URL-reserved characters (+ % & = # ? , ; : @ ~ $ ') are stored under exactly
    those keys.

    AWS S3 API Reference, PutObject; "Creating object key names" (characters that might require special
    handling); ListObjectsV2 (encoding-type=url, which the CLI always asks for).
    """
    expect_success(aws("s3", "cp", "--recursive", "--no-progress", str(trees.reserved.root), s3url(bucket)),
                   "aws s3 cp --recursive of reserved-character names")
    expect_same_objects(bucket_contents(admin, bucket), trees.reserved.files,
                        "objects after aws s3 cp of reserved-character names")


@CHECKSUM_MODES
def test_awscli_s3_sync_uploads_tree_then_second_sync_is_noop(aws_cli: Callable[..., Aws], admin: Any,
                                                             trees: Trees, bucket: str, mode: str | None) -> None:
    """`aws s3 sync` uploads the tree; a second sync uploads nothing, because the listing's Size and
    LastModified (later than the local files) show every object up to date.

    AWS S3 API Reference, ListObjectsV2 (Size, LastModified); PutObject.
    """
    aws = aws_cli(mode)
    expect_success(aws("s3", "sync", "--no-progress", str(trees.small.root), s3url(bucket)), "aws s3 sync of a tree")
    expect_same_objects(bucket_contents(admin, bucket), trees.small.files, "objects after aws s3 sync")
    again = expect_success(aws("s3", "sync", "--no-progress", str(trees.small.root), s3url(bucket)),
                           "second aws s3 sync of the unchanged tree")
    redone = [line for line in again.stdout.splitlines() if line.startswith("upload:")]
    expect_true(not redone, "a second aws s3 sync of an unchanged tree uploads nothing",
                f"it uploaded {len(redone)} file(s) again, first: {redone[0] if redone else ''}")


def test_awscli_s3_sync_delete_removes_extraneous_keys(aws: Aws, admin: Any, trees: Trees, bucket: str) -> None:
    """`aws s3 sync --delete` uploads what is missing and deletes keys the local tree does not have.

    AWS S3 API Reference, ListObjectsV2; PutObject; DeleteObject.
    """
    # no two stale keys share a parent "directory" (see SEQUENTIAL)
    seed(admin, bucket, {"stale.txt": b"must be deleted\n", "old/deeper/older.txt": b"this too\n"})
    expect_success(aws("s3", "sync", "--delete", "--no-progress", str(trees.small.root), s3url(bucket)),
                   "aws s3 sync --delete")
    expect_same_objects(bucket_contents(admin, bucket), trees.small.files, "objects after aws s3 sync --delete")


# =========================================================================== listing and downloads


def test_awscli_s3_ls_recursive_lists_keys_and_sizes(aws: Aws, admin: Any, bucket: str) -> None:
    """`aws s3 ls --recursive` lists every key (unicode, spaces, reserved characters) with its size.

    AWS S3 API Reference, ListObjectsV2 (encoding-type=url: keys come back URL-encoded and the CLI
    decodes them; Size).
    """
    files = {**SMALL_FILES, **RESERVED_FILES}
    seed(admin, bucket, files)
    done = expect_success(aws("s3", "ls", "--recursive", s3url(bucket)), "aws s3 ls --recursive")
    objects, _ = parse_ls(done.stdout)
    expect_true(set(objects) == set(files), "aws s3 ls --recursive must list exactly the stored keys",
                describe_key_differences(set(objects), set(files)))
    expect_equal(dict(sorted(objects.items())), {k: len(v) for k, v in sorted(files.items())},
                 "sizes in aws s3 ls --recursive")


def test_awscli_s3_ls_shows_common_prefixes(aws: Aws, admin: Any, bucket: str) -> None:
    """`aws s3 ls s3://bucket/` shows the top-level keys and one PRE line per common prefix, including
    prefixes whose keys sit several levels deeper.

    AWS S3 API Reference, ListObjectsV2 (Delimiter, CommonPrefixes: "all keys that contain the same
    string between the prefix and the first occurrence of the delimiter").
    """
    seed(admin, bucket, SMALL_FILES)
    done = expect_success(aws("s3", "ls", s3url(bucket)), "aws s3 ls of the bucket root")
    objects, prefixes = parse_ls(done.stdout)
    expect_equal(sorted(prefixes), sorted({k.split("/", 1)[0] + "/" for k in SMALL_FILES if "/" in k}),
                 "PRE lines (CommonPrefixes with delimiter '/')")
    expect_equal(sorted(objects), sorted(k for k in SMALL_FILES if "/" not in k), "top-level keys")


@CHECKSUM_MODES
@pytest.mark.severity("data")
def test_awscli_s3_cp_recursive_download_round_trips(aws_cli: Callable[..., Aws], admin: Any, trees: Trees,
                                                     bucket: str, tmp_path: Path, mode: str | None) -> None:
    """`aws s3 cp --recursive s3://bucket dir` downloads every object byte for byte; the 12 MiB object
    above the threshold comes down in ranged GETs.

    AWS S3 API Reference, ListObjectsV2; HeadObject; GetObject (Range: bytes=first-last); RFC 9110 §14.
    """
    files = {**trees.small.files, **trees.big.files}
    seed(admin, bucket, files)
    into = tmp_path / "download"
    expect_success(aws_cli(mode)("s3", "cp", "--recursive", "--no-progress", s3url(bucket), str(into)),
                   "aws s3 cp --recursive download")
    expect_same_objects(local_files(into), files, "files downloaded by aws s3 cp --recursive")


def test_awscli_s3_rm_recursive_removes_prefix(aws_cli: Callable[..., Aws], admin: Any, bucket: str) -> None:
    """`aws s3 rm --recursive s3://bucket/docs/` deletes every key under docs/ and nothing else
    (one DeleteObject at a time, see SEQUENTIAL).

    AWS S3 API Reference, ListObjectsV2 (Prefix); DeleteObject.
    """
    seed(admin, bucket, SMALL_FILES)
    expect_success(aws_cli(None, **SEQUENTIAL)("s3", "rm", "--recursive", s3url(bucket, "docs/")),
                   "aws s3 rm --recursive of a prefix")
    expect_same_objects(bucket_contents(admin, bucket),
                        {k: v for k, v in SMALL_FILES.items() if not k.startswith("docs/")},
                        "objects left after aws s3 rm --recursive docs/")


# =========================================================================== s3api


def test_awscli_s3api_head_object_reports_size_etag_metadata(aws: Aws, trees: Trees, bucket: str) -> None:
    """After `aws s3 cp --metadata ... --content-type ...`, `aws s3api head-object` reports the size, the
    MD5 ETag, the user metadata and the Content-Type.

    AWS S3 API Reference, PutObject (x-amz-meta-*, Content-Type); HeadObject (Content-Length, ETag,
    x-amz-meta-*, Content-Type).
    """
    source = trees.small.root / "docs" / "readme.md"
    data = source.read_bytes()
    expect_success(aws("s3", "cp", "--no-progress", str(source), s3url(bucket, "docs/readme.md"),
                       "--metadata", "owner=ann,project=gauntlet", "--content-type", "text/x-gauntlet"),
                   "aws s3 cp with --metadata and --content-type")
    done = expect_success(aws("s3api", "head-object", "--bucket", bucket, "--key", "docs/readme.md",
                              "--output", "json"), "aws s3api head-object")
    head = json.loads(done.stdout)
    expect_equal(head.get("ContentLength"), len(data), "ContentLength from head-object")
    expect_equal(head.get("ETag"), f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"',
                 "ETag from head-object (MD5 of a single-part upload)")
    expect_equal(head.get("Metadata"), {"owner": "ann", "project": "gauntlet"}, "Metadata from head-object")
    expect_equal(head.get("ContentType"), "text/x-gauntlet", "ContentType from head-object")


@pytest.mark.requires("versioning")
def test_awscli_s3api_list_object_versions_counts_versions_and_marker(aws: Aws, tmp_path: Path,
                                                                       bucket: str) -> None:
    """With versioning on (`aws s3api put-bucket-versioning`), two `aws s3 cp` and one `aws s3 rm` of a key
    leave two versions and one delete marker, the marker being the latest.

    AWS S3 API Reference, PutBucketVersioning; ListObjectVersions (Version, DeleteMarker, IsLatest);
    DeleteObject (on a versioning-enabled bucket inserts a delete marker).
    """
    expect_success(aws("s3api", "put-bucket-versioning", "--bucket", bucket,
                       "--versioning-configuration", "Status=Enabled"), "aws s3api put-bucket-versioning")
    for generation in (1, 2):
        local = tmp_path / f"v{generation}.txt"
        local.write_bytes(f"generation {generation}\n".encode())
        expect_success(aws("s3", "cp", "--no-progress", str(local), s3url(bucket, "doc.txt")),
                       f"aws s3 cp (version {generation})")
    expect_success(aws("s3", "rm", s3url(bucket, "doc.txt")), "aws s3 rm on a versioned bucket")
    done = expect_success(aws("s3api", "list-object-versions", "--bucket", bucket, "--output", "json"),
                          "aws s3api list-object-versions")
    listing = json.loads(done.stdout or "{}")
    versions = [v for v in listing.get("Versions") or [] if v.get("Key") == "doc.txt"]
    markers = [m for m in listing.get("DeleteMarkers") or [] if m.get("Key") == "doc.txt"]
    expect_equal(len(versions), 2, "versions of doc.txt in list-object-versions")
    expect_equal(len(markers), 1, "delete markers of doc.txt in list-object-versions")
    expect_equal([m.get("IsLatest") for m in markers], [True], "IsLatest of the delete marker")
    expect_equal(sorted(v.get("IsLatest") for v in versions), [False, False], "IsLatest of the two versions")


# =========================================================================== copies between buckets


def test_awscli_s3_cp_between_buckets_copies_server_side(aws: Aws, admin: Any, trees: Trees,
                                                         bucket_factory: Callable[..., str]) -> None:
    """`aws s3 cp --recursive s3://a s3://b` copies each object with CopyObject; b then holds the same keys
    and bytes.

    AWS S3 API Reference, CopyObject (x-amz-copy-source, URL-encoded key).
    """
    source, dest = bucket_factory(), bucket_factory()
    seed(admin, source, trees.small.files)
    expect_success(aws("s3", "cp", "--recursive", "--no-progress", s3url(source), s3url(dest)),
                   "aws s3 cp --recursive between buckets")
    expect_same_objects(bucket_contents(admin, dest), trees.small.files, "objects after aws s3 cp between buckets")


def test_awscli_s3_cp_between_buckets_above_threshold_uses_part_copy(aws: Aws, admin: Any, trees: Trees,
                                                                     bucket_factory: Callable[..., str]) -> None:
    """`aws s3 cp s3://a/big s3://b/big` of a 12 MiB object above the threshold is a multipart copy
    (UploadPartCopy with x-amz-copy-source-range) and reads back byte for byte.

    AWS S3 API Reference, CreateMultipartUpload; UploadPartCopy (x-amz-copy-source-range);
    CompleteMultipartUpload.
    """
    source, dest = bucket_factory(), bucket_factory()
    seed(admin, source, trees.big.files)
    expect_success(aws("s3", "cp", "--no-progress", s3url(source, BIG_KEY), s3url(dest, BIG_KEY)),
                   "aws s3 cp of an object above the threshold between buckets")
    expect_same_objects(bucket_contents(admin, dest), trees.big.files, "object after multipart copy")
