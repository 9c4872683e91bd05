"""Bucket versioning: status, versions, delete markers, suspended buckets, listing.

AWS S3 API Reference: PutBucketVersioning, GetBucketVersioning, ListObjectVersions,
GetObject / HeadObject / DeleteObject / DeleteObjects / CopyObject (versionId);
Amazon S3 User Guide: "Working with objects in a versioning-enabled bucket",
"Managing objects in a versioning-suspended bucket", "Deleting object versions",
"Working with delete markers".

A server that answers NotImplemented (501) to PutBucketVersioning comes out
*unsupported* for the area (each case enables versioning first through
`suites._support.versioning.set_versioning`); one that answers anything else, or answers 200 and ignores the
setting, fails with a message saying exactly that.
"""

from __future__ import annotations

import contextlib
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import botocore.exceptions
import pytest

from gauntlet.fleet.cleanup import CleanupError, delete_bucket
from gauntlet.plugin.checks import expect_equal, expect_error, expect_true, header, status_of
from gauntlet.plugin.fixtures import OwnBuckets
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.data import md5_hex
from gauntlet.s3.errors import client_error_details
from gauntlet.s3.naming import create_bucket_params
from suites._support.multipart import complete, create_upload, upload_parts
from suites._support.versioning import put_version, set_versioning

pytestmark = [pytest.mark.versioning, pytest.mark.requires("versioning"), pytest.mark.severity("data")]

_hook_ids = itertools.count()


# --------------------------------------------------------------------------- helpers


def _read(s3: Any, bucket: str, key: str, version: str | None = None) -> bytes:
    kwargs = {"VersionId": version} if version is not None else {}
    return bytes(s3.get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read())


def _versions(answer: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(Key, VersionId, IsLatest) of the Versions in one ListObjectVersions answer, in answer order."""
    return [(v["Key"], v["VersionId"], bool(v.get("IsLatest"))) for v in answer.get("Versions") or []]


def _markers(answer: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(m["Key"], m["VersionId"], bool(m.get("IsLatest"))) for m in answer.get("DeleteMarkers") or []]


@contextlib.contextmanager
def _raw_bodies(client: Any, operation: str) -> Iterator[list[bytes]]:
    """Collect the raw response bodies of `operation` on `client` while the block runs."""
    bodies: list[bytes] = []
    event, unique = f"after-call.s3.{operation}", f"s3gauntlet-raw-{next(_hook_ids)}"

    def keep(http_response: Any, **_: Any) -> None:
        bodies.append(bytes(http_response.content or b""))

    client.meta.events.register(event, keep, unique_id=unique)
    try:
        yield bodies
    finally:
        client.meta.events.unregister(event, unique_id=unique)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --------------------------------------------------------------------------- status


@pytest.mark.severity("client")
def test_new_bucket_has_no_versioning_status(s3: Any, bucket: str) -> None:
    """GetBucketVersioning on a new bucket answers a VersioningConfiguration with no Status.

    AWS S3 API Reference, GetBucketVersioning: Response Syntax (root element VersioningConfiguration)
    and PutBucketVersioning ("If the versioning state has never been set on a bucket, it has no
    versioning state; a GetBucketVersioning request does not return a versioning state value").
    """
    with _raw_bodies(s3, "GetBucketVersioning") as bodies:
        answer = s3.get_bucket_versioning(Bucket=bucket)
    expect_equal(answer.get("Status"), None, "GetBucketVersioning Status of a new bucket")
    expect_equal(answer.get("MFADelete"), None, "GetBucketVersioning MfaDelete of a new bucket")
    root = ET.fromstring(bodies[-1]) if bodies and bodies[-1].strip() else None
    expect_equal(_local(root.tag) if root is not None else None, "VersioningConfiguration",
                 "GetBucketVersioning response root element")


@pytest.mark.severity("client")
def test_versioning_status_round_trip(s3: Any, bucket: str) -> None:
    """Enabled, Suspended, Enabled again: GetBucketVersioning reports each status PutBucketVersioning set.

    AWS S3 API Reference, PutBucketVersioning (Status: Enabled | Suspended) and GetBucketVersioning.
    """
    for status in ("Enabled", "Suspended", "Enabled"):
        set_versioning(s3, bucket, status)


# --------------------------------------------------------------------------- versions and listing


def test_each_put_creates_a_version_listed_newest_first(s3: Any, bucket: str) -> None:
    """Three PUTs of one key make three versions; ListObjectVersions lists them newest first, IsLatest on the newest.

    AWS S3 API Reference, ListObjectVersions: Response (Version: Key, VersionId, IsLatest, ETag, Size) and
    Examples ("in the order they were stored, returning the most recently stored first"); Amazon S3 User
    Guide, "Working with objects in a versioning-enabled bucket" (each PUT adds a version).
    """
    set_versioning(s3, bucket)
    bodies = [f"generation {i}".encode() * (i + 1) for i in range(3)]
    ids = [put_version(s3, bucket, "doc", body) for body in bodies]
    expect_equal(len(set(ids)), 3, "distinct version ids for three PUTs")
    answer = s3.list_object_versions(Bucket=bucket)
    expect_equal(_versions(answer), [("doc", ids[2], True), ("doc", ids[1], False), ("doc", ids[0], False)],
                 "ListObjectVersions (Key, VersionId, IsLatest), newest first")
    listed = answer.get("Versions") or []
    expect_equal([(v.get("ETag"), v.get("Size")) for v in listed],
                 [(f'"{md5_hex(b)}"', len(b)) for b in reversed(bodies)], "ListObjectVersions ETag and Size")
    expect_equal(_markers(answer), [], "ListObjectVersions DeleteMarkers")


@pytest.mark.severity("client")
def test_list_object_versions_paginates_with_key_and_version_id_markers(s3: Any, bucket: str) -> None:
    """Paging ListObjectVersions with MaxKeys=2 via NextKeyMarker/NextVersionIdMarker returns every version once.

    AWS S3 API Reference, ListObjectVersions: max-keys, key-marker, version-id-marker; Response
    (IsTruncated, NextKeyMarker, NextVersionIdMarker). A page boundary falls between two versions of
    the same key, so the version-id marker matters.
    """
    set_versioning(s3, bucket)
    ids = {key: [put_version(s3, bucket, key, f"{key}{i}".encode()) for i in range(n)] for key, n in
           (("a", 3), ("b", 2), ("c", 1))}
    expected = [(key, vid) for key in ("a", "b", "c") for vid in reversed(ids[key])]
    pages: list[list[tuple[str, str]]] = []
    kwargs: dict[str, str] = {}
    for _ in range(6):
        answer = s3.list_object_versions(Bucket=bucket, MaxKeys=2, **kwargs)
        pages.append([(k, v) for k, v, _latest in _versions(answer)])
        if not answer.get("IsTruncated"):
            break
        kwargs = {"KeyMarker": answer.get("NextKeyMarker") or "",
                  "VersionIdMarker": answer.get("NextVersionIdMarker") or ""}
        expect_true(bool(kwargs["KeyMarker"]), "ListObjectVersions IsTruncated=true",
                    f"page {len(pages)} is truncated but has no NextKeyMarker")
    expect_equal(pages, [expected[0:2], expected[2:4], expected[4:6]],
                 "ListObjectVersions pages with MaxKeys=2 (Key, VersionId)")


@pytest.mark.severity("client")
def test_list_object_versions_prefix_and_delimiter(s3: Any, bucket: str) -> None:
    """ListObjectVersions honours prefix and delimiter: rolled-up keys appear only in CommonPrefixes.

    AWS S3 API Reference, ListObjectVersions: prefix, delimiter ("All keys that contain the same string
    between the prefix and the first occurrence of the delimiter are grouped under a single result
    element in CommonPrefixes ... not returned elsewhere in the response").
    """
    set_versioning(s3, bucket)
    ids = {key: [put_version(s3, bucket, key, key.encode() * (i + 1)) for i in range(n)]
           for key, n in (("dir/a", 2), ("dir/b", 1), ("dir/sub/c", 1), ("top", 1))}
    nested = s3.list_object_versions(Bucket=bucket, Prefix="dir/", Delimiter="/")
    expect_equal([(k, v) for k, v, _ in _versions(nested)],
                 [("dir/a", ids["dir/a"][1]), ("dir/a", ids["dir/a"][0]), ("dir/b", ids["dir/b"][0])],
                 "ListObjectVersions prefix=dir/ delimiter=/ Versions")
    expect_equal([p["Prefix"] for p in nested.get("CommonPrefixes") or []], ["dir/sub/"],
                 "ListObjectVersions prefix=dir/ delimiter=/ CommonPrefixes")
    top = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    expect_equal([(k, v) for k, v, _ in _versions(top)], [("top", ids["top"][0])],
                 "ListObjectVersions delimiter=/ Versions")
    expect_equal([p["Prefix"] for p in top.get("CommonPrefixes") or []], ["dir/"],
                 "ListObjectVersions delimiter=/ CommonPrefixes")


def test_get_and_head_by_version_id_return_that_version(s3: Any, bucket: str) -> None:
    """GET and HEAD with versionId return that version (bytes, length, x-amz-version-id); without it the latest.

    AWS S3 API Reference, GetObject / HeadObject: versionId; Amazon S3 User Guide, "Working with objects
    in a versioning-enabled bucket" (retrieving object versions).
    """
    set_versioning(s3, bucket)
    old, new = b"the old version", b"the new version, longer"
    v1, v2 = put_version(s3, bucket, "k", old), put_version(s3, bucket, "k", new)
    got = s3.get_object(Bucket=bucket, Key="k", VersionId=v1)
    expect_equal(got["Body"].read(), old, "GetObject versionId=<first> body")
    expect_equal(got.get("VersionId"), v1, "GetObject versionId=<first> x-amz-version-id")
    head = s3.head_object(Bucket=bucket, Key="k", VersionId=v1)
    expect_equal((head.get("ContentLength"), head.get("VersionId")), (len(old), v1),
                 "HeadObject versionId=<first> (Content-Length, x-amz-version-id)")
    latest = s3.get_object(Bucket=bucket, Key="k")
    expect_equal((latest["Body"].read(), latest.get("VersionId")), (new, v2), "GetObject without versionId")


# --------------------------------------------------------------------------- delete markers and deleting versions


def test_delete_without_version_id_creates_delete_marker(s3: Any, bucket: str) -> None:
    """DELETE without versionId adds a delete marker: x-amz-delete-marker: true, its version id, latest in listings.

    AWS S3 API Reference, DeleteObject ("If bucket versioning is enabled, the operation inserts a delete
    marker, which becomes the current version of the object"; Response x-amz-delete-marker,
    x-amz-version-id); ListObjectVersions (DeleteMarker, IsLatest); User Guide, "Working with delete markers".
    """
    set_versioning(s3, bucket)
    v1 = put_version(s3, bucket, "k", b"content")
    answer = s3.delete_object(Bucket=bucket, Key="k")
    expect_equal(status_of(answer), 204, "DeleteObject status")
    expect_equal(header(answer, "x-amz-delete-marker"), "true", "DeleteObject x-amz-delete-marker")
    marker = answer.get("VersionId")
    expect_true(bool(marker) and marker not in ("null", v1), "DeleteObject x-amz-version-id",
                f"S3 requires the new delete marker's version id; server gave {marker!r}")
    listing = s3.list_object_versions(Bucket=bucket)
    expect_equal(_markers(listing), [("k", marker, True)],
                 "ListObjectVersions DeleteMarkers (Key, VersionId, IsLatest)")
    expect_equal(_versions(listing), [("k", v1, False)], "ListObjectVersions Versions after the delete marker")
    expect_equal(s3.list_objects_v2(Bucket=bucket).get("KeyCount"), 0, "ListObjectsV2 KeyCount under a delete marker")


@pytest.mark.parametrize("method", ["get", "head"])
def test_read_under_delete_marker_is_404_with_delete_marker_header(s3: Any, bucket: str, method: str) -> None:
    """GET/HEAD of a key whose latest version is a delete marker: 404 (NoSuchKey) with x-amz-delete-marker: true.

    AWS S3 API Reference, GetObject / HeadObject: Versioning ("If the current version of the object is a
    delete marker, Amazon S3 behaves as if the object was deleted and includes x-amz-delete-marker: true
    in the response"); User Guide, "Working with delete markers".
    """
    set_versioning(s3, bucket)
    put_version(s3, bucket, "k", b"content")
    s3.delete_object(Bucket=bucket, Key="k")
    with expect_error(404, "NoSuchKey" if method == "get" else None, f"{method.upper()} under a delete marker") as seen:
        if method == "get":
            s3.get_object(Bucket=bucket, Key="k")
        else:
            s3.head_object(Bucket=bucket, Key="k")
    expect_equal(seen.headers.get("x-amz-delete-marker"), "true",
                 f"{method.upper()} under a delete marker: x-amz-delete-marker header")


@pytest.mark.severity("client")
def test_get_version_that_is_a_delete_marker_is_405(s3: Any, bucket: str) -> None:
    """GET with the versionId of a delete marker is 405 MethodNotAllowed.

    AWS S3 API Reference, GetObject: Versioning ("If the specified version is a delete marker, the
    response returns a 405 Method Not Allowed error"); User Guide, "Working with delete markers".
    """
    set_versioning(s3, bucket)
    put_version(s3, bucket, "k", b"content")
    marker = s3.delete_object(Bucket=bucket, Key="k").get("VersionId")
    with expect_error(405, "MethodNotAllowed", "GetObject versionId=<delete marker>"):
        s3.get_object(Bucket=bucket, Key="k", VersionId=marker)


def test_deleting_the_delete_marker_restores_the_object(s3: Any, bucket: str) -> None:
    """DELETE of the delete marker by its versionId removes it (x-amz-delete-marker: true) and the object is back.

    AWS S3 API Reference, DeleteObject ("If the object deleted is a delete marker, Amazon S3 sets the
    response header x-amz-delete-marker to true"); User Guide, "Deleting object versions" / "Working
    with delete markers" (removing the marker makes the previous version current).
    """
    set_versioning(s3, bucket)
    v1 = put_version(s3, bucket, "k", b"still here")
    marker = s3.delete_object(Bucket=bucket, Key="k").get("VersionId")
    answer = s3.delete_object(Bucket=bucket, Key="k", VersionId=marker)
    expect_equal((header(answer, "x-amz-delete-marker"), answer.get("VersionId")), ("true", marker),
                 "DeleteObject versionId=<marker> (x-amz-delete-marker, x-amz-version-id)")
    got = s3.get_object(Bucket=bucket, Key="k")
    expect_equal((got["Body"].read(), got.get("VersionId")), (b"still here", v1), "GetObject after removing the marker")


def test_delete_by_version_id_removes_only_that_version(s3: Any, bucket: str) -> None:
    """DELETE with versionId permanently removes that version only; no delete marker is added.

    AWS S3 API Reference, DeleteObject ("To remove a specific version, you must use the versionId query
    parameter. Using this query parameter permanently deletes the version"); User Guide, "Deleting
    object versions".
    """
    set_versioning(s3, bucket)
    v1, v2, v3 = (put_version(s3, bucket, "k", f"v{i}".encode()) for i in (1, 2, 3))
    answer = s3.delete_object(Bucket=bucket, Key="k", VersionId=v2)
    expect_equal(answer.get("VersionId"), v2, "DeleteObject versionId=<middle> x-amz-version-id")
    expect_true(header(answer, "x-amz-delete-marker") in (None, "false"), "DeleteObject of a plain version",
                f"x-amz-delete-marker is {header(answer, 'x-amz-delete-marker')!r} for a version that was no marker")
    listing = s3.list_object_versions(Bucket=bucket)
    expect_equal(_versions(listing), [("k", v3, True), ("k", v1, False)], "ListObjectVersions after deleting v2")
    expect_equal(_markers(listing), [], "ListObjectVersions DeleteMarkers after deleting a version")
    expect_equal(_read(s3, bucket, "k"), b"v3", "GetObject after deleting an older version")


def test_delete_objects_with_version_ids(s3: Any, bucket: str) -> None:
    """DeleteObjects with VersionIds removes exactly those versions and reports them in Deleted.

    AWS S3 API Reference, DeleteObjects: Request (Object: Key, VersionId); Response (Deleted: Key,
    VersionId); User Guide, "Deleting object versions".
    """
    set_versioning(s3, bucket)
    a1, a2 = put_version(s3, bucket, "a", b"a1"), put_version(s3, bucket, "a", b"a2")
    b1, b2 = put_version(s3, bucket, "b", b"b1"), put_version(s3, bucket, "b", b"b2")
    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a", "VersionId": a1},
                                                                  {"Key": "b", "VersionId": b2}]})
    expect_equal(answer.get("Errors") or [], [], "DeleteObjects Errors")
    deleted = sorted((d.get("Key"), d.get("VersionId")) for d in answer.get("Deleted") or [])
    expect_equal(deleted, [("a", a1), ("b", b2)], "DeleteObjects Deleted (Key, VersionId)")
    listing = s3.list_object_versions(Bucket=bucket)
    expect_equal(_versions(listing), [("a", a2, True), ("b", b1, True)], "ListObjectVersions after DeleteObjects")
    expect_equal(_markers(listing), [], "ListObjectVersions DeleteMarkers after DeleteObjects with version ids")


def test_get_deleted_version_id_is_404_nosuchversion(s3: Any, bucket: str) -> None:
    """GET with the (well-formed) id of a version that was deleted is 404 NoSuchVersion.

    AWS S3 API Reference, "Error responses: List of error codes", NoSuchVersion ("Indicates that the
    version ID specified in the request does not match an existing version", 404); GetObject: versionId.
    """
    set_versioning(s3, bucket)
    gone = put_version(s3, bucket, "k", b"old")
    put_version(s3, bucket, "k", b"new")
    s3.delete_object(Bucket=bucket, Key="k", VersionId=gone)
    with expect_error(404, "NoSuchVersion", "GetObject versionId=<deleted version>"):
        s3.get_object(Bucket=bucket, Key="k", VersionId=gone)


@pytest.mark.severity("client")
def test_get_malformed_version_id_is_rejected(s3: Any, bucket: str) -> None:
    """GET with a versionId that no server could have issued is 400 InvalidArgument (or 404 NoSuchVersion).

    AWS S3 API Reference, "Error responses: List of error codes": InvalidArgument (400; S3 answers
    "Invalid version id specified" for a malformed id) and NoSuchVersion (404). Returning the current
    object, or NoSuchKey, is wrong.
    """
    set_versioning(s3, bucket)
    put_version(s3, bucket, "k", b"current")
    rule = "GetObject versionId=<malformed>: S3 requires 400 InvalidArgument or 404 NoSuchVersion"
    try:
        s3.get_object(Bucket=bucket, Key="k", VersionId="not-a-version-id")
    except botocore.exceptions.ClientError as exc:
        status, code, message = client_error_details(exc)
        expect_true((status, code) in ((400, "InvalidArgument"), (404, "NoSuchVersion")), rule,
                    f"server answered {status} {code}: {message}".rstrip(": "))
    else:
        raise S3Mismatch(f"{rule}; the server answered 200 with an object", 200, None)


# --------------------------------------------------------------------------- suspended versioning


def test_suspended_put_writes_null_version_overwritten_in_place(s3: Any, bucket: str) -> None:
    """With versioning suspended, a PUT writes the version "null", and the next PUT replaces it in place.

    AWS S3 API Reference, PutBucketVersioning ("Suspended ... All objects added to the bucket receive
    the version ID null"); ListObjectVersions (newest first); User Guide, "Managing objects in a
    versioning-suspended bucket" (a PUT replaces an existing null version, earlier versions stay).
    """
    set_versioning(s3, bucket)
    v1 = put_version(s3, bucket, "k", b"enabled-era")
    set_versioning(s3, bucket, "Suspended")
    s3.put_object(Bucket=bucket, Key="k", Body=b"suspended-1")
    first = s3.list_object_versions(Bucket=bucket)
    expect_equal(_versions(first), [("k", "null", True), ("k", v1, False)],
                 "ListObjectVersions after a PUT in a suspended bucket")
    s3.put_object(Bucket=bucket, Key="k", Body=b"suspended-2, longer")
    second = s3.list_object_versions(Bucket=bucket)
    expect_equal(_versions(second), [("k", "null", True), ("k", v1, False)],
                 "ListObjectVersions after a second PUT in a suspended bucket (null replaced, not added)")
    expect_equal((second.get("Versions") or [{}])[0].get("ETag"), f'"{md5_hex(b"suspended-2, longer")}"',
                 "ETag of the null version after the second PUT")
    expect_equal(_read(s3, bucket, "k", "null"), b"suspended-2, longer", "GetObject versionId=null")


def test_suspending_keeps_versions_made_before(s3: Any, bucket: str) -> None:
    """Suspending versioning keeps every existing version readable by its id.

    AWS S3 API Reference, PutBucketVersioning; User Guide, "Managing objects in a versioning-suspended
    bucket" ("Suspending versioning doesn't change the existing objects in your bucket").
    """
    set_versioning(s3, bucket)
    v1, v2 = put_version(s3, bucket, "k", b"one"), put_version(s3, bucket, "k", b"two")
    set_versioning(s3, bucket, "Suspended")
    s3.put_object(Bucket=bucket, Key="k", Body=b"three")
    expect_equal((_read(s3, bucket, "k", v1), _read(s3, bucket, "k", v2), _read(s3, bucket, "k")),
                 (b"one", b"two", b"three"), "GetObject of v1, v2 and the current null version")
    expect_equal(sorted(_versions(s3.list_object_versions(Bucket=bucket))),
                 sorted([("k", "null", True), ("k", v2, False), ("k", v1, False)]),
                 "ListObjectVersions after suspending (Key, VersionId, IsLatest; order not checked here)")


# --------------------------------------------------------------------------- copy, multipart, cleanup


def test_copy_object_from_specific_source_version(s3: Any, bucket: str) -> None:
    """CopyObject with a source versionId copies that version and names it in x-amz-copy-source-version-id.

    AWS S3 API Reference, CopyObject: x-amz-copy-source (?versionId=), Response
    x-amz-copy-source-version-id and x-amz-version-id. The copied bytes are checked first.
    """
    set_versioning(s3, bucket)
    v1 = put_version(s3, bucket, "src", b"first version of the source")
    put_version(s3, bucket, "src", b"second version")
    answer = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src", "VersionId": v1})
    expect_equal(_read(s3, bucket, "dst"), b"first version of the source", "copy of a specific source version")
    expect_equal(answer.get("CopySourceVersionId"), v1, "CopyObject x-amz-copy-source-version-id")
    expect_true(bool(answer.get("VersionId")), "CopyObject into a versioning-enabled bucket",
                "S3 requires x-amz-version-id for the new copy; the server gave none")


def test_multipart_upload_in_versioned_bucket_makes_one_version(s3: Any, bucket: str) -> None:
    """A completed multipart upload in a versioning-enabled bucket adds exactly one version, the one Complete names.

    AWS S3 API Reference, CompleteMultipartUpload: Response x-amz-version-id ("Version ID of the newly
    created object, in case the bucket has versioning turned on"); ListObjectVersions.
    """
    set_versioning(s3, bucket)
    upload_id = create_upload(s3, bucket, "mp")
    answer = complete(s3, bucket, "mp", upload_id, upload_parts(s3, bucket, "mp", upload_id, [b"one part" * 100]))
    version = answer.get("VersionId")
    expect_true(bool(version) and version != "null", "CompleteMultipartUpload in a versioning-enabled bucket",
                f"S3 requires x-amz-version-id of the new version; server gave {version!r}")
    expect_equal(_versions(s3.list_object_versions(Bucket=bucket)), [("mp", version, True)],
                 "ListObjectVersions after one multipart upload")


def test_many_versions_and_delete_markers_are_fully_cleaned_up(
    s3: Any, s3_client: Callable[..., Any], target: Any, run_id: str, own_buckets: OwnBuckets
) -> None:
    """A bucket holding 30 versions and 3 delete markers is emptied and deleted by the harness's cleanup.

    AWS S3 API Reference, ListObjectVersions, DeleteObjects (VersionId), DeleteBucket ("All objects
    (including all object versions and delete markers) in the bucket must be deleted before the bucket
    itself can be deleted"); HeadBucket (404 once gone). The bucket is created here rather than by the
    `bucket` fixture, whose teardown expects the bucket still there (`own_buckets` skips one already gone).
    """
    admin = s3_client(checksum_mode="when_required")
    name = own_buckets.new()
    admin.create_bucket(**create_bucket_params(name, target.region))
    set_versioning(s3, name)
    for key in ("a", "b", "nested/c"):
        for i in range(10):
            put_version(s3, name, key, f"{key} {i}".encode())
        s3.delete_object(Bucket=name, Key=key)
    listing = s3.list_object_versions(Bucket=name)
    expect_equal((len(listing.get("Versions") or []), len(listing.get("DeleteMarkers") or [])), (30, 3),
                 "ListObjectVersions (versions, delete markers) before cleanup")
    try:
        delete_bucket(admin, name, run_id)
    except CleanupError as exc:
        raise S3Mismatch(f"emptying a versioned bucket (ListObjectVersions, DeleteObjects with version ids, "
                         f"DeleteBucket) did not work: {exc}") from None
    with expect_error(404, None, "HeadBucket after the cleanup deleted the bucket"):
        admin.head_bucket(Bucket=name)
