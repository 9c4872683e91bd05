"""Objects: PutObject / GetObject / HeadObject / DeleteObject / CopyObject.

Covers the object basics every S3 client relies on: missing-key errors, empty and
large objects, awkward key names, user metadata, content headers and `response-*`
overrides, byte ranges, ETags, copies, overwrites, Last-Modified and Content-MD5.

References: AWS S3 API Reference (PutObject, GetObject, HeadObject, DeleteObject,
CopyObject, "Error responses: List of error codes"), the Amazon S3 User Guide
("Object key naming guidelines", "Working with object metadata"), and RFC 9110
(§14 Range requests, §8.8.2 Last-Modified).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import gzip
import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_true, header, status_of
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.data import MiB, md5_hex, payload
from gauntlet.s3.naming import new_bucket_name

pytestmark = [pytest.mark.objects, pytest.mark.severity("client")]

#: Size of the object the Range cases read from.
RANGE_SIZE = 1000
#: The large single-PUT object.
BIG_SIZE = 64 * MiB


# --------------------------------------------------------------------------- helpers


def quoted_md5(data: bytes) -> str:
    """The ETag S3 gives an object stored by one PutObject without SSE-KMS/SSE-C: its quoted MD5."""
    return f'"{md5_hex(data)}"'


def put(s3: Any, bucket: str, key: str, body: bytes, **kwargs: Any) -> dict[str, Any]:
    return s3.put_object(Bucket=bucket, Key=key, Body=body, **kwargs)


def get_bytes(s3: Any, bucket: str, key: str, **kwargs: Any) -> tuple[dict[str, Any], bytes]:
    """GetObject, returning the response and the whole body."""
    response = s3.get_object(Bucket=bucket, Key=key, **kwargs)
    return response, response["Body"].read()


def list_keys(s3: Any, bucket: str) -> list[str]:
    """Every key ListObjectsV2 returns for the bucket (one page is enough for these cases)."""
    response = s3.list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in response.get("Contents", []) or []]


def http_date(value: str | None) -> dt.datetime | None:
    """Parse an HTTP-date header (RFC 9110 §5.6.7); None when absent or unparseable."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def expect_headers(response: dict[str, Any], expected: dict[str, str], rule: str) -> None:
    """Every header in `expected` must be present with exactly that value; reports all mismatches at once."""
    wrong = []
    for name, value in expected.items():
        got = header(response, name)
        if name.lower() == "expires":
            if http_date(got) != http_date(value):
                wrong.append(f"{name}: expected {value!r}, got {got!r}")
        elif got != value:
            wrong.append(f"{name}: expected {value!r}, got {got!r}")
    if wrong:
        raise S3Mismatch(f"{rule}: S3 returns the stored value of each header; server gave " + "; ".join(wrong))


def lowered(metadata: dict[str, str] | None) -> dict[str, str]:
    """User metadata with keys lowercased, so copy cases don't re-test the key-case rule."""
    return {k.lower(): v for k, v in (metadata or {}).items()}


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


# --------------------------------------------------------------------------- smoke


@pytest.mark.smoke
@pytest.mark.severity("data")
def test_smoke_put_get_delete_roundtrip(s3: Any, bucket: str) -> None:
    """Post-deploy check: put an object, read the same bytes back, delete it, and HEAD then answers 404.

    AWS S3 API Reference, PutObject, GetObject, DeleteObject, HeadObject.
    """
    body = payload(4096, seed=1)
    put(s3, bucket, "smoke/object.bin", body)
    response, got = get_bytes(s3, bucket, "smoke/object.bin")
    expect_equal(status_of(response), 200, "GetObject of a stored object (GetObject)")
    expect_equal(got, body, "GetObject returns the bytes PutObject stored (GetObject)")
    deleted = s3.delete_object(Bucket=bucket, Key="smoke/object.bin")
    expect_equal(status_of(deleted), 204, "DeleteObject answers 204 No Content (DeleteObject)")
    with expect_error(404, None, "HeadObject after DeleteObject (HeadObject: 404 for a missing key)"):
        s3.head_object(Bucket=bucket, Key="smoke/object.bin")


@pytest.mark.smoke
def test_get_missing_key_is_404_nosuchkey(s3: Any, bucket: str) -> None:
    """GetObject on a key that does not exist answers 404 NoSuchKey.

    AWS S3 API Reference, GetObject: Errors; "Error responses: List of error codes" (NoSuchKey).
    """
    with expect_error(404, "NoSuchKey", "GetObject on a missing key (GetObject, NoSuchKey)"):
        s3.get_object(Bucket=bucket, Key="does/not/exist")


# --------------------------------------------------------------------------- basics


def test_head_missing_key_is_404_without_body(s3: Any, bucket: str) -> None:
    """HeadObject on a missing key answers 404 (a HEAD answer has no body, so no error code).

    AWS S3 API Reference, HeadObject: "If the object you request doesn't exist, the error that Amazon S3
    returns depends on whether you also have the s3:ListBucket permission" (404 Not Found with it).
    """
    with expect_error(404, None, "HeadObject on a missing key (HeadObject)"):
        s3.head_object(Bucket=bucket, Key="does/not/exist")


def test_delete_missing_key_is_204(s3: Any, bucket: str) -> None:
    """DeleteObject on a key that does not exist succeeds with 204 No Content (deletes are idempotent).

    AWS S3 API Reference, DeleteObject: "If there isn't a null version, Amazon S3 does not remove any
    objects but will still respond that the command was successful."
    """
    response = s3.delete_object(Bucket=bucket, Key="never/stored")
    expect_equal(status_of(response), 204, "DeleteObject on a missing key answers 204 (DeleteObject)")


@pytest.mark.severity("data")
def test_delete_existing_object_is_204_and_removes_it(s3: Any, bucket: str) -> None:
    """DeleteObject answers 204; afterwards GetObject is 404 NoSuchKey and the key is gone from listings.

    AWS S3 API Reference, DeleteObject; GetObject: Errors (NoSuchKey); ListObjectsV2.
    """
    put(s3, bucket, "victim", b"delete me")
    response = s3.delete_object(Bucket=bucket, Key="victim")
    expect_equal(status_of(response), 204, "DeleteObject of an existing object answers 204 (DeleteObject)")
    with expect_error(404, "NoSuchKey", "GetObject after DeleteObject (GetObject, NoSuchKey)"):
        s3.get_object(Bucket=bucket, Key="victim")
    expect_equal(list_keys(s3, bucket), [], "ListObjectsV2 after DeleteObject lists no keys (ListObjectsV2)")


def test_head_reports_length_etag_and_content_type(s3: Any, bucket: str) -> None:
    """HeadObject answers 200 with the object's Content-Length, ETag and Content-Type, like GetObject would.

    AWS S3 API Reference, HeadObject: Response Syntax (Content-Length, ETag, Content-Type).
    """
    body = payload(3000, seed=2)
    put(s3, bucket, "head-me", body, ContentType="application/x-gauntlet")
    response = s3.head_object(Bucket=bucket, Key="head-me")
    expect_equal(status_of(response), 200, "HeadObject on a stored object answers 200 (HeadObject)")
    expect_equal(response.get("ContentLength"), len(body), "HeadObject Content-Length is the object size")
    expect_equal(response.get("ETag"), quoted_md5(body), "HeadObject ETag is the quoted MD5 of a single-PUT body")
    expect_equal(response.get("ContentType"), "application/x-gauntlet",
                 "HeadObject Content-Type is the one given to PutObject")


@pytest.mark.severity("data")
def test_empty_object_roundtrip(s3: Any, bucket: str) -> None:
    """A 0-byte object can be stored and read back: length 0, empty body, ETag = MD5 of nothing.

    AWS S3 API Reference, PutObject; GetObject; HeadObject (Content-Length, ETag).
    """
    put(s3, bucket, "empty", b"")
    head = s3.head_object(Bucket=bucket, Key="empty")
    expect_equal(head.get("ContentLength"), 0, "HeadObject Content-Length of an empty object (HeadObject)")
    expect_equal(head.get("ETag"), quoted_md5(b""), "ETag of an empty object is the quoted MD5 of no bytes")
    response, got = get_bytes(s3, bucket, "empty")
    expect_equal(status_of(response), 200, "GetObject of an empty object answers 200 (GetObject)")
    expect_equal(got, b"", "GetObject of an empty object returns no bytes (GetObject)")
    expect_equal(response.get("ContentLength"), 0, "GetObject Content-Length of an empty object (GetObject)")


@pytest.mark.severity("data")
def test_64mib_single_put_is_byte_exact(s3: Any, bucket: str) -> None:
    """A 64 MiB object stored with one PutObject comes back byte for byte, with ETag = quoted MD5.

    AWS S3 API Reference, PutObject (a single PUT takes up to 5 GB; ETag of a plain object is its MD5);
    GetObject; HeadObject.
    """
    body = payload(BIG_SIZE)
    etag = quoted_md5(body)
    put_response = put(s3, bucket, "big/64mib.bin", body)
    expect_equal(put_response.get("ETag"), etag, "PutObject ETag of a 64 MiB single PUT is its quoted MD5")
    head = s3.head_object(Bucket=bucket, Key="big/64mib.bin")
    expect_equal(head.get("ContentLength"), BIG_SIZE, "HeadObject Content-Length of the 64 MiB object")
    expect_equal(head.get("ETag"), etag, "HeadObject ETag of the 64 MiB object is its quoted MD5")
    response, got = get_bytes(s3, bucket, "big/64mib.bin")
    expect_equal(response.get("ETag"), etag, "GetObject ETag of the 64 MiB object is its quoted MD5")
    expect_equal(md5_hex(got), md5_hex(body), "MD5 of the 64 MiB object read back (GetObject)")
    expect_equal(got, body, "GetObject returns the 64 MiB object byte for byte")


@pytest.mark.severity("data")
def test_overwrite_replaces_content(s3: Any, bucket: str) -> None:
    """A second PutObject on the same key replaces the object: new bytes, length and ETag.

    AWS S3 API Reference, PutObject: "If an object already exists in a bucket, the new object will
    overwrite it" (unversioned bucket).
    """
    first, second = payload(5000, seed=3), payload(1234, seed=4)
    put(s3, bucket, "same-key", first)
    put(s3, bucket, "same-key", second)
    response, got = get_bytes(s3, bucket, "same-key")
    expect_equal(got, second, "GetObject after an overwrite returns the new bytes (PutObject)")
    expect_equal(response.get("ContentLength"), len(second), "Content-Length after an overwrite")
    expect_equal(response.get("ETag"), quoted_md5(second), "ETag after an overwrite is the new object's MD5")
    expect_equal(list_keys(s3, bucket), ["same-key"], "an overwritten key is listed once (ListObjectsV2)")


def test_get_from_missing_bucket_is_404_nosuchbucket(s3: Any, run_id: str) -> None:
    """GetObject in a bucket that does not exist answers 404 NoSuchBucket.

    AWS S3 API Reference, "Error responses: List of error codes" (NoSuchBucket: the specified bucket
    does not exist); GetObject.
    """
    with expect_error(404, "NoSuchBucket", "GetObject in a missing bucket (NoSuchBucket)"):
        s3.get_object(Bucket=new_bucket_name(run_id), Key="anything")


def test_last_modified_present_and_sane(s3: Any, bucket: str) -> None:
    """Last-Modified is sent on GET and HEAD, agrees between them and with ListObjectsV2, and is about now.

    AWS S3 API Reference, GetObject / HeadObject (Last-Modified), ListObjectsV2 (LastModified);
    RFC 9110 §8.8.2 (Last-Modified, an HTTP-date with one-second resolution).
    """
    before = dt.datetime.now(dt.timezone.utc)
    put(s3, bucket, "dated", b"when was I written?")
    after = dt.datetime.now(dt.timezone.utc)
    head = s3.head_object(Bucket=bucket, Key="dated")
    response, _ = get_bytes(s3, bucket, "dated")
    head_lm, get_lm = http_date(header(head, "last-modified")), http_date(header(response, "last-modified"))
    expect_true(head_lm is not None, "HeadObject sends Last-Modified as an HTTP-date (RFC 9110 §8.8.2)",
                f"server sent Last-Modified {header(head, 'last-modified')!r}")
    expect_true(get_lm is not None, "GetObject sends Last-Modified as an HTTP-date (RFC 9110 §8.8.2)",
                f"server sent Last-Modified {header(response, 'last-modified')!r}")
    assert head_lm is not None and get_lm is not None
    expect_equal(get_lm, head_lm, "GetObject and HeadObject report the same Last-Modified")
    slack = dt.timedelta(minutes=2)
    expect_true(before.replace(microsecond=0) - slack <= head_lm <= after + slack,
                "Last-Modified is the time the object was written (PutObject)",
                f"object written between {before:%Y-%m-%d %H:%M:%S} and {after:%H:%M:%S} UTC, "
                f"server says {head_lm:%Y-%m-%d %H:%M:%S %Z}")
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", []) or []
    expect_equal(len(listed), 1, "ListObjectsV2 lists the one object")
    expect_equal(listed[0]["LastModified"].replace(microsecond=0), head_lm,
                 "ListObjectsV2 LastModified agrees (to the second) with the Last-Modified header")


# --------------------------------------------------------------------------- key names

# ids name the kind of character, never the key itself (keys with such characters make bad ids)
ODD_KEYS = [
    pytest.param("my file name.txt", id="space"),
    pytest.param("a+b+c.txt", id="plus"),
    pytest.param("100%.txt", id="percent"),
    pytest.param("a%2Fb", id="percent_encoded_slash"),
    pytest.param("café/crème.txt", id="unicode"),
    pytest.param("日本語/ファイル.txt", id="cjk"),
    pytest.param("emoji-😀🚀.txt", id="emoji"),
    pytest.param("a//b", id="double_slash"),
    pytest.param("./x", id="dot_slash"),
    pytest.param("~user/file~1", id="tilde"),
    pytest.param("what?.txt", id="question_mark"),
    pytest.param("issue#1.txt", id="hash"),
    pytest.param("this&that.txt", id="ampersand"),
    pytest.param("k=v.txt", id="equals"),
]


@pytest.mark.parametrize("key", ODD_KEYS)
@pytest.mark.severity("data")
def test_key_with_special_characters_roundtrips(s3: Any, bucket: str, key: str) -> None:
    """A key with this character is stored under exactly that name: GET returns the bytes and
    ListObjectsV2 lists the exact key once.

    Amazon S3 User Guide, "Object key naming guidelines" (any UTF-8 sequence up to 1024 bytes is a valid
    key; these characters are "safe" or "might require special handling" but are allowed);
    AWS S3 API Reference, PutObject, GetObject, ListObjectsV2.
    """
    body = f"content of {key}".encode()
    put(s3, bucket, key, body)
    _, got = get_bytes(s3, bucket, key)
    expect_equal(got, body, "GetObject on the same odd key returns its bytes (Object key naming guidelines)")
    expect_equal(list_keys(s3, bucket), [key],
                 "ListObjectsV2 lists the exact key once (Object key naming guidelines; ListObjectsV2)")


# --------------------------------------------------------------------------- user metadata


@pytest.mark.severity("data")
def test_user_metadata_values_roundtrip(s3: Any, bucket: str) -> None:
    """x-amz-meta-* values given to PutObject come back unchanged on HeadObject and GetObject.

    Amazon S3 User Guide, "Working with object metadata" (user-defined metadata);
    AWS S3 API Reference, PutObject (x-amz-meta-*), HeadObject, GetObject.
    """
    metadata = {"color": "Deep Blue", "project": "s3gauntlet", "pairs": "a=1;b=2", "empty-ish": "-"}
    put(s3, bucket, "with-meta", b"m", Metadata=metadata)
    head = s3.head_object(Bucket=bucket, Key="with-meta")
    response, _ = get_bytes(s3, bucket, "with-meta")
    for name, answer in (("HeadObject", head), ("GetObject", response)):
        expect_equal(lowered(answer.get("Metadata")), metadata,
                     f"{name} returns the user metadata values stored (Working with object metadata)")


def test_user_metadata_keys_come_back_lowercase(s3: Any, bucket: str) -> None:
    """S3 stores user metadata keys in lowercase, so a key given as `MixedCase-Key` comes back as
    `x-amz-meta-mixedcase-key` (and boto3, which keeps the header name as sent, exposes `mixedcase-key`).

    Amazon S3 User Guide, "Working with object metadata": "Amazon S3 stores user-defined metadata keys
    in lowercase"; AWS S3 API Reference, HeadObject.
    """
    put(s3, bucket, "meta-case", b"m", Metadata={"MixedCase-Key": "MixedCase Value"})
    head = s3.head_object(Bucket=bucket, Key="meta-case")
    expect_equal(head.get("Metadata"), {"mixedcase-key": "MixedCase Value"},
                 "user metadata key comes back lowercased, value unchanged (Working with object metadata)")


def test_user_metadata_over_2kb_is_400_metadatatoolarge(s3: Any, bucket: str) -> None:
    """PutObject with more than 2 KB of user metadata is rejected with 400 MetadataTooLarge.

    Amazon S3 User Guide, "Working with object metadata": "the user-defined metadata is limited to 2 KB";
    AWS S3 API Reference, "Error responses: List of error codes" (MetadataTooLarge, 400).
    """
    metadata = {"big": "x" * 3000}
    with expect_error(400, "MetadataTooLarge", "PutObject with 3 KB of user metadata (2 KB limit)"):
        put(s3, bucket, "too-much-meta", b"m", Metadata=metadata)


# --------------------------------------------------------------------------- content headers


CONTENT_HEADERS: dict[str, Any] = {
    "ContentType": "application/x-gauntlet-test",
    "ContentEncoding": "gzip",
    "ContentDisposition": 'attachment; filename="report.txt"',
    "ContentLanguage": "en-GB",
    "CacheControl": "max-age=3600, private",
    "Expires": dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
}
CONTENT_HEADER_VALUES = {
    "Content-Type": "application/x-gauntlet-test",
    "Content-Encoding": "gzip",
    "Content-Disposition": 'attachment; filename="report.txt"',
    "Content-Language": "en-GB",
    "Cache-Control": "max-age=3600, private",
    "Expires": "Thu, 02 Jan 2031 03:04:05 GMT",
}


@pytest.mark.parametrize("method", ["get", "head"])
def test_content_headers_roundtrip(s3: Any, bucket: str, method: str) -> None:
    """Content-Type, Content-Encoding, Content-Disposition, Content-Language, Cache-Control and Expires
    given to PutObject are returned unchanged by GetObject and HeadObject.

    AWS S3 API Reference, PutObject (request headers), GetObject / HeadObject (response headers);
    Amazon S3 User Guide, "Working with object metadata" (system-defined metadata a user can set).
    """
    body = gzip.compress(b"compressed content " * 20, mtime=0)
    put(s3, bucket, "described", body, **CONTENT_HEADERS)
    if method == "get":
        response, got = get_bytes(s3, bucket, "described")
        expect_equal(got, body, "GetObject returns the stored (gzip) bytes untouched")
    else:
        response = s3.head_object(Bucket=bucket, Key="described")
    expect_headers(response, CONTENT_HEADER_VALUES, f"{method.upper()} after PutObject with content headers")


RESPONSE_OVERRIDES = [
    pytest.param("ResponseContentType", "Content-Type", "application/x-override", id="content_type"),
    pytest.param("ResponseContentDisposition", "Content-Disposition", 'attachment; filename="override.bin"',
                 id="content_disposition"),
    pytest.param("ResponseCacheControl", "Cache-Control", "no-cache", id="cache_control"),
    pytest.param("ResponseContentLanguage", "Content-Language", "fr-CA", id="content_language"),
    pytest.param("ResponseExpires", "Expires", "Wed, 01 Jan 2031 00:00:00 GMT", id="expires"),
    pytest.param("ResponseContentEncoding", "Content-Encoding", "gzip", id="content_encoding"),
]


@pytest.mark.parametrize(("parameter", "header_name", "value"), RESPONSE_OVERRIDES)
def test_get_response_override_sets_header(s3: Any, bucket: str, parameter: str, header_name: str,
                                           value: str) -> None:
    """A `response-*` query parameter on a signed GetObject replaces that header in the response.

    AWS S3 API Reference, GetObject: "Overriding response header values through the request"
    (response-content-type, response-content-language, response-expires, response-cache-control,
    response-content-disposition, response-content-encoding).
    """
    body = gzip.compress(b"override me " * 10, mtime=0)
    put(s3, bucket, "overridden", body, ContentType="text/plain", CacheControl="max-age=60",
        ContentLanguage="en-US", ContentDisposition="inline", ContentEncoding="identity",
        Expires=dt.datetime(2030, 6, 1, tzinfo=dt.timezone.utc))
    argument: Any = value
    if parameter == "ResponseExpires":
        argument = email.utils.parsedate_to_datetime(value)
    response, got = get_bytes(s3, bucket, "overridden", **{parameter: argument})
    expect_equal(got, body, "GetObject with a response override still returns the stored bytes")
    expect_headers(response, {header_name: value}, f"GetObject with {parameter} (response-* override)")


# --------------------------------------------------------------------------- ranges


@pytest.fixture
def ranged(s3: Any, bucket: str) -> tuple[str, bytes]:
    """An object of RANGE_SIZE bytes for the Range cases."""
    body = payload(RANGE_SIZE, seed=5)
    put(s3, bucket, "ranged.bin", body)
    return "ranged.bin", body


def expect_partial(response: dict[str, Any], got: bytes, expected: bytes, first: int, last: int, rule: str) -> None:
    """A 206 answer carrying bytes first..last (inclusive) of a RANGE_SIZE object."""
    expect_equal(status_of(response), 206, f"{rule}: status (RFC 9110 §15.3.7 206 Partial Content)")
    expect_equal(header(response, "content-range"), f"bytes {first}-{last}/{RANGE_SIZE}",
                 f"{rule}: Content-Range (RFC 9110 §14.4)")
    expect_equal(response.get("ContentLength"), last - first + 1, f"{rule}: Content-Length")
    expect_equal(got, expected, f"{rule}: body")


@pytest.mark.severity("data")
def test_range_first_ten_bytes_is_206_with_content_range(s3: Any, bucket: str, ranged: tuple[str, bytes]) -> None:
    """`Range: bytes=0-9` answers 206 with the first 10 bytes, Content-Length 10, Content-Range bytes 0-9/SIZE.

    AWS S3 API Reference, GetObject: Range; RFC 9110 §14.1.2 (byte ranges), §14.4 (Content-Range).
    """
    key, body = ranged
    response, got = get_bytes(s3, bucket, key, Range="bytes=0-9")
    expect_partial(response, got, body[:10], 0, 9, "GetObject Range bytes=0-9")


@pytest.mark.severity("data")
def test_range_suffix_returns_last_bytes_with_206(s3: Any, bucket: str, ranged: tuple[str, bytes]) -> None:
    """`Range: bytes=-10` (a suffix range) answers 206 with the last 10 bytes.

    AWS S3 API Reference, GetObject: Range; RFC 9110 §14.1.2 (suffix-range).
    """
    key, body = ranged
    response, got = get_bytes(s3, bucket, key, Range="bytes=-10")
    expect_partial(response, got, body[-10:], RANGE_SIZE - 10, RANGE_SIZE - 1, "GetObject Range bytes=-10")


@pytest.mark.severity("data")
def test_range_open_ended_returns_rest_of_object(s3: Any, bucket: str, ranged: tuple[str, bytes]) -> None:
    """`Range: bytes=5-` answers 206 with everything from offset 5 to the end.

    AWS S3 API Reference, GetObject: Range; RFC 9110 §14.1.2 (int-range without last-pos).
    """
    key, body = ranged
    response, got = get_bytes(s3, bucket, key, Range="bytes=5-")
    expect_partial(response, got, body[5:], 5, RANGE_SIZE - 1, "GetObject Range bytes=5-")


def test_range_past_end_is_416_invalidrange(s3: Any, bucket: str, ranged: tuple[str, bytes]) -> None:
    """A range starting at or after the end of the object (`bytes=SIZE-`) answers 416 InvalidRange.

    AWS S3 API Reference, "Error responses: List of error codes" (InvalidRange: the requested range
    cannot be satisfied, 416); RFC 9110 §15.5.17 (416 Range Not Satisfiable).
    """
    key, _ = ranged
    with expect_error(416, "InvalidRange", f"GetObject Range bytes={RANGE_SIZE}- on a {RANGE_SIZE}-byte object"):
        s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={RANGE_SIZE}-")


@pytest.mark.severity("data")
def test_range_end_beyond_size_is_clipped(s3: Any, bucket: str, ranged: tuple[str, bytes]) -> None:
    """`bytes=0-(SIZE+100)` answers 206 with the whole object and Content-Range clipped to SIZE-1.

    AWS S3 API Reference, GetObject: Range; RFC 9110 §14.1.2 ("if the last-pos value is absent, or if
    the value is greater than or equal to the current length ... the byte range is interpreted as the
    remainder of the representation").
    """
    key, body = ranged
    response, got = get_bytes(s3, bucket, key, Range=f"bytes=0-{RANGE_SIZE + 100}")
    expect_partial(response, got, body, 0, RANGE_SIZE - 1, f"GetObject Range bytes=0-{RANGE_SIZE + 100}")


def test_head_with_range_is_206_with_range_length(s3: Any, bucket: str, ranged: tuple[str, bytes]) -> None:
    """HeadObject with `Range: bytes=0-9` answers 206 with Content-Length 10 and Content-Range bytes 0-9/SIZE.

    AWS S3 API Reference, HeadObject: Range ("If the Range is satisfiable, only the ContentLength is
    affected in the response"); RFC 9110 §9.3.2 (HEAD sends the header fields GET would).
    """
    key, _ = ranged
    response = s3.head_object(Bucket=bucket, Key=key, Range="bytes=0-9")
    expect_equal(status_of(response), 206, "HeadObject Range bytes=0-9: status (RFC 9110 §9.3.2, §15.3.7)")
    expect_equal(response.get("ContentLength"), 10, "HeadObject Range bytes=0-9: Content-Length (HeadObject: Range)")
    expect_equal(header(response, "content-range"), f"bytes 0-9/{RANGE_SIZE}",
                 "HeadObject Range bytes=0-9: Content-Range (RFC 9110 §9.3.2, §14.4)")


def test_head_with_range_past_end_is_416(s3: Any, bucket: str, ranged: tuple[str, bytes]) -> None:
    """HeadObject with a range that cannot be satisfied answers 416.

    AWS S3 API Reference, HeadObject: Range ("If the Range is not satisfiable, S3 returns a
    416 - Requested Range Not Satisfiable error").
    """
    key, _ = ranged
    with expect_error(416, None, f"HeadObject Range bytes={RANGE_SIZE}- on a {RANGE_SIZE}-byte object"):
        s3.head_object(Bucket=bucket, Key=key, Range=f"bytes={RANGE_SIZE}-")


# --------------------------------------------------------------------------- ETag and Content-MD5


def test_etag_is_quoted_md5_of_body(s3: Any, bucket: str) -> None:
    """For a single PutObject (no SSE-C/KMS), the ETag is the quoted hex MD5 of the body in the
    PutObject, HeadObject and GetObject responses.

    AWS S3 API Reference, "Common Response Headers" (ETag: "the ETag is an MD5 digest of the object
    data" for objects created by PUT and not encrypted by SSE-C or SSE-KMS); PutObject; HeadObject; GetObject.
    """
    body = payload(10_000, seed=6)
    etag = quoted_md5(body)
    answers = {
        "PutObject": put(s3, bucket, "etagged", body).get("ETag"),
        "HeadObject": s3.head_object(Bucket=bucket, Key="etagged").get("ETag"),
        "GetObject": s3.get_object(Bucket=bucket, Key="etagged").get("ETag"),
    }
    wrong = {op: got for op, got in answers.items() if got != etag}
    expect_true(not wrong, "ETag of a single PUT is the quoted MD5 of the body (Common Response Headers: ETag)",
                f"S3 requires {etag!r}; server gave " + ", ".join(f"{op} {got!r}" for op, got in wrong.items()))


def test_put_with_correct_content_md5_is_accepted(s3_client: Callable[..., Any], bucket: str) -> None:
    """PutObject with a correct Content-MD5 header succeeds and stores the bytes.

    AWS S3 API Reference, PutObject: Content-MD5 (RFC 1864 base64 MD5 of the body, checked on arrival).
    """
    client = s3_client(checksum_mode="when_required")
    body = payload(2048, seed=7)
    client.put_object(Bucket=bucket, Key="md5-ok", Body=body, ContentMD5=md5_b64(body))
    _, got = get_bytes(client, bucket, "md5-ok")
    expect_equal(got, body, "PutObject with a correct Content-MD5 stores the body (PutObject)")


def test_put_with_mismatched_content_md5_is_400_baddigest(s3_client: Callable[..., Any], bucket: str) -> None:
    """PutObject whose Content-MD5 is a valid MD5 of other bytes is rejected with 400 BadDigest.

    AWS S3 API Reference, PutObject: Content-MD5; "Error responses: List of error codes" (BadDigest:
    the Content-MD5 you specified did not match what we received, 400).
    """
    client = s3_client(checksum_mode="when_required")
    with expect_error(400, "BadDigest", "PutObject with a Content-MD5 of different bytes (BadDigest)"):
        client.put_object(Bucket=bucket, Key="md5-bad", Body=b"the real body", ContentMD5=md5_b64(b"another body"))


@pytest.mark.parametrize("digest", [
    pytest.param("not base64 at all!", id="not_base64"),
    pytest.param(base64.b64encode(b"0123456789").decode(), id="ten_bytes"),
])
def test_put_with_malformed_content_md5_is_400_invaliddigest(s3_client: Callable[..., Any], bucket: str,
                                                             digest: str) -> None:
    """PutObject whose Content-MD5 is not the base64 of 16 bytes is rejected with 400 InvalidDigest.

    AWS S3 API Reference, PutObject: Content-MD5; "Error responses: List of error codes" (InvalidDigest:
    the Content-MD5 you specified is not valid, 400).
    """
    client = s3_client(checksum_mode="when_required")
    with expect_error(400, "InvalidDigest", "PutObject with a malformed Content-MD5 (InvalidDigest)"):
        client.put_object(Bucket=bucket, Key="md5-malformed", Body=b"body", ContentMD5=digest)


# --------------------------------------------------------------------------- CopyObject


@pytest.mark.severity("data")
def test_copy_within_bucket_copies_bytes(s3: Any, bucket: str) -> None:
    """CopyObject to another key of the same bucket creates an identical object (same bytes and ETag).

    AWS S3 API Reference, CopyObject (CopyObjectResult ETag; the copy has the source's data).
    """
    body = payload(20_000, seed=8)
    put(s3, bucket, "source", body)
    result = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "source"})
    expect_equal(result.get("CopyObjectResult", {}).get("ETag"), quoted_md5(body),
                 "CopyObjectResult ETag is the quoted MD5 of the copied bytes (CopyObject)")
    _, got = get_bytes(s3, bucket, "copy")
    expect_equal(got, body, "CopyObject within a bucket copies the bytes (CopyObject)")
    _, original = get_bytes(s3, bucket, "source")
    expect_equal(original, body, "CopyObject leaves the source unchanged (CopyObject)")


@pytest.mark.severity("data")
def test_copy_across_buckets_copies_bytes(s3: Any, bucket: str, bucket_factory: Callable[..., str]) -> None:
    """CopyObject into another bucket creates an identical object there.

    AWS S3 API Reference, CopyObject (x-amz-copy-source names the source bucket and key).
    """
    destination = bucket_factory()
    body = payload(20_000, seed=9)
    put(s3, bucket, "source", body)
    s3.copy_object(Bucket=destination, Key="copied", CopySource={"Bucket": bucket, "Key": "source"})
    response, got = get_bytes(s3, destination, "copied")
    expect_equal(got, body, "CopyObject across buckets copies the bytes (CopyObject)")
    expect_equal(response.get("ETag"), quoted_md5(body), "ETag of a cross-bucket copy is the MD5 of its bytes")


def test_copy_directive_copy_keeps_metadata_and_content_type(s3: Any, bucket: str) -> None:
    """With x-amz-metadata-directive COPY the copy keeps the source's user metadata and Content-Type.

    AWS S3 API Reference, CopyObject: x-amz-metadata-directive ("COPY: the metadata is copied from the
    source object"; COPY is the default).
    """
    put(s3, bucket, "source", b"meta source", ContentType="text/x-source", Metadata={"origin": "source-value"})
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "source"},
                   MetadataDirective="COPY")
    head = s3.head_object(Bucket=bucket, Key="copy")
    expect_equal(head.get("ContentType"), "text/x-source", "COPY directive keeps Content-Type (CopyObject)")
    expect_equal(lowered(head.get("Metadata")), {"origin": "source-value"},
                 "COPY directive keeps user metadata (CopyObject)")


def test_copy_directive_replace_replaces_metadata_and_content_type(s3: Any, bucket: str) -> None:
    """With x-amz-metadata-directive REPLACE the copy gets exactly the metadata and Content-Type of the request.

    AWS S3 API Reference, CopyObject: x-amz-metadata-directive ("REPLACE: the metadata is replaced with
    the metadata provided in the request").
    """
    body = b"meta source"
    put(s3, bucket, "source", body, ContentType="text/x-source", Metadata={"origin": "source-value"})
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "source"},
                   MetadataDirective="REPLACE", ContentType="text/x-replaced", Metadata={"fresh": "new-value"})
    response, got = get_bytes(s3, bucket, "copy")
    expect_equal(got, body, "REPLACE directive still copies the bytes (CopyObject)")
    expect_equal(response.get("ContentType"), "text/x-replaced", "REPLACE directive sets the new Content-Type")
    expect_equal(lowered(response.get("Metadata")), {"fresh": "new-value"},
                 "REPLACE directive replaces the user metadata entirely (CopyObject)")


def test_copy_onto_itself_without_replace_is_400_invalidrequest(s3: Any, bucket: str) -> None:
    """Copying an object onto itself without changing anything (no REPLACE) is rejected with 400 InvalidRequest.

    AWS S3 API Reference, CopyObject ("This copy request is illegal because it is trying to copy an object
    to itself without changing the object's metadata, storage class, website redirect location or
    encryption attributes"); "Error responses: List of error codes" (InvalidRequest, 400).
    """
    put(s3, bucket, "self", b"me, myself")
    with expect_error(400, "InvalidRequest", "CopyObject onto itself without REPLACE (CopyObject)"):
        s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"})


def test_copy_onto_itself_with_replace_updates_metadata(s3: Any, bucket: str) -> None:
    """Copying an object onto itself with REPLACE is the documented way to change its metadata; bytes stay.

    AWS S3 API Reference, CopyObject (x-amz-metadata-directive REPLACE; copying to itself is allowed
    when the metadata changes).
    """
    body = b"me, myself"
    put(s3, bucket, "self", body, Metadata={"version": "1"})
    s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"},
                   MetadataDirective="REPLACE", Metadata={"version": "2"})
    response, got = get_bytes(s3, bucket, "self")
    expect_equal(got, body, "self-copy with REPLACE keeps the bytes (CopyObject)")
    expect_equal(lowered(response.get("Metadata")), {"version": "2"}, "self-copy with REPLACE sets the new metadata")


def test_copy_missing_source_is_404_nosuchkey(s3: Any, bucket: str) -> None:
    """CopyObject from a source key that does not exist answers 404 NoSuchKey.

    AWS S3 API Reference, CopyObject; "Error responses: List of error codes" (NoSuchKey).
    """
    with expect_error(404, "NoSuchKey", "CopyObject from a missing source key (CopyObject, NoSuchKey)"):
        s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "no/such/source"})


@pytest.mark.parametrize("key", [
    pytest.param("source with spaces.txt", id="space"),
    pytest.param("source+plus+signs.txt", id="plus"),
    pytest.param("sourcé/日本語-😀.txt", id="unicode"),
])
@pytest.mark.severity("data")
def test_copy_source_with_special_characters(s3: Any, bucket: str, key: str) -> None:
    """CopyObject works from a source key with this character (x-amz-copy-source is URL-encoded).

    AWS S3 API Reference, CopyObject: x-amz-copy-source ("The value must be URL-encoded");
    Amazon S3 User Guide, "Object key naming guidelines".
    """
    body = payload(777, seed=10)
    put(s3, bucket, key, body)
    s3.copy_object(Bucket=bucket, Key="destination", CopySource={"Bucket": bucket, "Key": key})
    _, got = get_bytes(s3, bucket, "destination")
    expect_equal(got, body, "CopyObject from an odd source key copies its bytes (CopyObject: x-amz-copy-source)")
