"""Conditional requests: If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since.

Reads (GetObject, HeadObject), conditional writes (PutObject, CompleteMultipartUpload)
and conditional copies (CopyObject x-amz-copy-source-if-*).

Dates are built from the object's own Last-Modified (read with HeadObject), never
from the wall clock, so no case waits. "Not modified since" uses the Last-Modified
value itself (RFC 9110 §13.1.3: a last modification date *earlier or equal* to the
field value makes If-Modified-Since false) rather than a date in the future, which
some HTTP implementations treat as invalid and ignore.

Conditional GET/HEAD go through a client with response checksum validation off
(`when_required`): with botocore's default (`when_supported`) a 304 that carries an
x-amz-checksum-* header makes botocore itself crash (TypeError while parsing the
error) instead of reporting the 304 — that is a checksum/botocore interop matter,
not a conditional-request one, and is left to the checksum suite.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_status, status_of
from gauntlet.s3.data import md5_hex
from suites._support.multipart import one_part_upload

pytestmark = [pytest.mark.conditional, pytest.mark.severity("client")]

KEY = "cond/object.txt"
BODY = b"conditional requests: the stored body\n"
DAY = timedelta(days=1)
#: A well-formed ETag that no object in these cases has.
OTHER_ETAG = f'"{md5_hex(b"some other content")}"'
METHODS = ("get", "head")


@pytest.fixture
def reader(s3_client: Any) -> Any:
    """Client for the conditional reads: response checksum validation off (see the module docstring)."""
    return s3_client(checksum_mode="when_required")


# --------------------------------------------------------------------------- helpers


def _put(s3: Any, bucket: str, key: str = KEY, body: bytes = BODY) -> tuple[str, datetime]:
    """Store an object; return its ETag and Last-Modified as HeadObject reports them."""
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    head = s3.head_object(Bucket=bucket, Key=key)
    return head["ETag"], head["LastModified"]


def _read(s3: Any, method: str, bucket: str, key: str = KEY, **conditions: Any) -> dict[str, Any]:
    """GetObject or HeadObject with the given conditions; GET bodies are read into `Data`."""
    if method == "head":
        return s3.head_object(Bucket=bucket, Key=key, **conditions)
    response = s3.get_object(Bucket=bucket, Key=key, **conditions)
    response["Data"] = response["Body"].read()
    return response


def _expect_object(response: dict[str, Any], method: str, rule: str) -> None:
    """A satisfied condition answers 200 with the object (its bytes, for GET)."""
    expect_equal(status_of(response), 200, f"{rule}: status")
    if method == "get":
        expect_equal(response["Data"], BODY, f"{rule}: body")


def _precondition_code(method: str) -> str | None:
    """GET 412 carries an XML body with code PreconditionFailed; a HEAD answer has no body."""
    return "PreconditionFailed" if method == "get" else None


def _absent(s3: Any, bucket: str, key: str, rule: str) -> None:
    """After a refused copy or write, no object may exist under `key`."""
    with expect_error(404, None, f"{rule}: the destination must not exist"):
        s3.head_object(Bucket=bucket, Key=key)


def _body(s3: Any, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


# --------------------------------------------------------------------------- GetObject / HeadObject


@pytest.mark.parametrize("method", METHODS)
def test_if_match_current_etag_returns_object(s3: Any, reader: Any, bucket: str, method: str) -> None:
    """If-Match with the object's current ETag is satisfied: 200 and the object.

    AWS S3 API Reference, GetObject / HeadObject: Request syntax, If-Match; RFC 9110 §13.1.1.
    """
    etag, _ = _put(s3, bucket)
    response = _read(reader, method, bucket, IfMatch=etag)
    _expect_object(response, method, f"{method.upper()} with If-Match = current ETag")


@pytest.mark.parametrize("method", METHODS)
def test_if_match_other_etag_is_412(s3: Any, reader: Any, bucket: str, method: str) -> None:
    """If-Match with an ETag the object does not have answers 412 Precondition Failed.

    AWS S3 API Reference, GetObject / HeadObject: Request syntax, If-Match ("otherwise, return a
    412 Precondition Failed error"); RFC 9110 §13.1.1.
    """
    _put(s3, bucket)
    with expect_error(412, _precondition_code(method), f"{method.upper()} with If-Match = another ETag"):
        _read(reader, method, bucket, IfMatch=OTHER_ETAG)


@pytest.mark.parametrize("method", METHODS)
def test_if_none_match_current_etag_is_304(s3: Any, reader: Any, bucket: str, method: str) -> None:
    """If-None-Match with the object's current ETag answers 304 Not Modified.

    AWS S3 API Reference, GetObject / HeadObject: Request syntax, If-None-Match ("otherwise, return a
    304 Not Modified error"); RFC 9110 §13.1.2.
    """
    etag, _ = _put(s3, bucket)
    with expect_error(304, None, f"{method.upper()} with If-None-Match = current ETag"):
        _read(reader, method, bucket, IfNoneMatch=etag)


def test_get_304_has_no_body_and_carries_etag(raw: Any, s3: Any, bucket: str) -> None:
    """A 304 answer to a conditional GET has no body and repeats the ETag a 200 would carry.

    RFC 9110 §15.4.5 (304 Not Modified: "cannot contain content"; the server MUST send the ETag
    it would have sent in a 200); AWS S3 API Reference, GetObject: Request syntax, If-None-Match.
    """
    etag, _ = _put(s3, bucket)
    response = raw.request("GET", bucket, KEY, headers={"If-None-Match": etag})
    expect_status(response, 304, "GET with If-None-Match = current ETag")
    expect_equal(response.content, b"", "a 304 answer carries no body")
    expect_equal(response.headers.get("ETag"), etag, "a 304 answer carries the object's ETag (RFC 9110 §15.4.5)")


@pytest.mark.parametrize("method", METHODS)
def test_if_none_match_other_etag_returns_object(s3: Any, reader: Any, bucket: str, method: str) -> None:
    """If-None-Match with an ETag the object does not have is satisfied: 200 and the object.

    AWS S3 API Reference, GetObject / HeadObject: Request syntax, If-None-Match; RFC 9110 §13.1.2.
    """
    _put(s3, bucket)
    response = _read(reader, method, bucket, IfNoneMatch=OTHER_ETAG)
    _expect_object(response, method, f"{method.upper()} with If-None-Match = another ETag")


@pytest.mark.parametrize("method", METHODS)
def test_if_modified_since_last_modified_is_304(s3: Any, reader: Any, bucket: str, method: str) -> None:
    """If-Modified-Since equal to the object's Last-Modified answers 304 (not modified since then).

    AWS S3 API Reference, GetObject / HeadObject: Request syntax, If-Modified-Since ("otherwise,
    return a 304 Not Modified error"); RFC 9110 §13.1.3 (last modification date earlier than or
    equal to the field value: condition false). Also catches servers that compare the
    sub-second modification time with a whole-second HTTP date.
    """
    _, last_modified = _put(s3, bucket)
    with expect_error(304, None, f"{method.upper()} with If-Modified-Since = Last-Modified"):
        _read(reader, method, bucket, IfModifiedSince=last_modified)


@pytest.mark.parametrize("method", METHODS)
def test_if_modified_since_earlier_date_returns_object(s3: Any, reader: Any, bucket: str, method: str) -> None:
    """If-Modified-Since a day before Last-Modified is satisfied: 200 and the object.

    AWS S3 API Reference, GetObject / HeadObject: Request syntax, If-Modified-Since; RFC 9110 §13.1.3.
    """
    _, last_modified = _put(s3, bucket)
    response = _read(reader, method, bucket, IfModifiedSince=last_modified - DAY)
    _expect_object(response, method, f"{method.upper()} with If-Modified-Since = Last-Modified - 1 day")


@pytest.mark.parametrize("method", METHODS)
def test_if_unmodified_since_earlier_date_is_412(s3: Any, reader: Any, bucket: str, method: str) -> None:
    """If-Unmodified-Since a day before Last-Modified answers 412 Precondition Failed.

    AWS S3 API Reference, GetObject / HeadObject: Request syntax, If-Unmodified-Since ("otherwise,
    return a 412 Precondition Failed error"); RFC 9110 §13.1.4.
    """
    _, last_modified = _put(s3, bucket)
    with expect_error(412, _precondition_code(method),
                      f"{method.upper()} with If-Unmodified-Since = Last-Modified - 1 day"):
        _read(reader, method, bucket, IfUnmodifiedSince=last_modified - DAY)


@pytest.mark.parametrize("method", METHODS)
def test_if_unmodified_since_later_date_returns_object(s3: Any, reader: Any, bucket: str, method: str) -> None:
    """If-Unmodified-Since a day after Last-Modified is satisfied: 200 and the object.

    AWS S3 API Reference, GetObject / HeadObject: Request syntax, If-Unmodified-Since; RFC 9110 §13.1.4.
    """
    _, last_modified = _put(s3, bucket)
    response = _read(reader, method, bucket, IfUnmodifiedSince=last_modified + DAY)
    _expect_object(response, method, f"{method.upper()} with If-Unmodified-Since = Last-Modified + 1 day")


@pytest.mark.parametrize("method", METHODS)
def test_if_match_true_wins_over_if_unmodified_since_false(s3: Any, reader: Any, bucket: str, method: str) -> None:
    """If-Match true with If-Unmodified-Since false: S3 returns 200 OK and the data.

    AWS S3 API Reference, GetObject / HeadObject: Request syntax, If-Match ("If both of the If-Match
    and If-Unmodified-Since headers are present ... then, S3 returns 200 OK"); RFC 9110 §13.2.2
    (If-Unmodified-Since is evaluated only without If-Match).
    """
    etag, last_modified = _put(s3, bucket)
    response = _read(reader, method, bucket, IfMatch=etag, IfUnmodifiedSince=last_modified - DAY)
    _expect_object(response, method, f"{method.upper()} with If-Match true and If-Unmodified-Since false")


@pytest.mark.parametrize("method", METHODS)
def test_if_none_match_false_wins_over_if_modified_since_true(s3: Any, reader: Any, bucket: str, method: str) -> None:
    """If-None-Match false with If-Modified-Since true: S3 returns 304 Not Modified.

    AWS S3 API Reference, GetObject / HeadObject: Request syntax, If-None-Match ("If both of the
    If-None-Match and If-Modified-Since headers are present ... S3 returns 304 Not Modified");
    RFC 9110 §13.2.2 (If-Modified-Since is ignored when If-None-Match is present).
    """
    etag, last_modified = _put(s3, bucket)
    with expect_error(304, None, f"{method.upper()} with If-None-Match false and If-Modified-Since true"):
        _read(reader, method, bucket, IfNoneMatch=etag, IfModifiedSince=last_modified - DAY)


# --------------------------------------------------------------------------- conditional PutObject


@pytest.mark.requires("conditional_writes")
@pytest.mark.severity("data")
def test_put_if_none_match_star_on_existing_key_is_412(s3: Any, bucket: str) -> None:
    """PutObject with If-None-Match: * on a key that exists answers 412 and leaves the object alone.

    AWS S3 API Reference, PutObject: Request syntax, If-None-Match ("Otherwise, Amazon S3 returns a
    412 Precondition Failed error"); S3 User Guide, "Conditional requests" (conditional writes).
    """
    _put(s3, bucket)
    with expect_error(412, "PreconditionFailed", "PutObject with If-None-Match: * on an existing key"):
        s3.put_object(Bucket=bucket, Key=KEY, Body=b"overwrite attempt", IfNoneMatch="*")
    expect_equal(_body(s3, bucket, KEY), BODY, "a refused conditional PUT must not change the object")


@pytest.mark.requires("conditional_writes")
def test_put_if_none_match_star_on_new_key_creates_it(s3: Any, bucket: str) -> None:
    """PutObject with If-None-Match: * on a key that does not exist stores the object (200).

    AWS S3 API Reference, PutObject: Request syntax, If-None-Match ("Uploads the object only if the
    object key name does not already exist"); S3 User Guide, "Conditional requests".
    """
    response = s3.put_object(Bucket=bucket, Key=KEY, Body=BODY, IfNoneMatch="*")
    expect_equal(status_of(response), 200, "PutObject with If-None-Match: * on a new key: status")
    expect_equal(_body(s3, bucket, KEY), BODY, "PutObject with If-None-Match: * on a new key: stored body")


@pytest.mark.requires("conditional_writes")
def test_put_if_match_current_etag_replaces_object(s3: Any, bucket: str) -> None:
    """PutObject with If-Match = the current ETag replaces the object (compare-and-swap).

    AWS S3 API Reference, PutObject: Request syntax, If-Match ("Uploads the object only if the ETag
    ... matches the ETag of the object in S3"); S3 User Guide, "Conditional requests".
    """
    etag, _ = _put(s3, bucket)
    response = s3.put_object(Bucket=bucket, Key=KEY, Body=b"second version", IfMatch=etag)
    expect_equal(status_of(response), 200, "PutObject with If-Match = current ETag: status")
    expect_equal(_body(s3, bucket, KEY), b"second version", "PutObject with If-Match = current ETag: stored body")


@pytest.mark.requires("conditional_writes")
def test_put_if_match_unquoted_etag_replaces_object(s3: Any, bucket: str) -> None:
    """PutObject with If-Match = the current ETag without its quotes also replaces the object.

    S3 User Guide, "Conditional requests" / conditional writes: the put-object --if-match example
    passes the ETag hex digest without quotes; AWS S3 API Reference, PutObject: If-Match.
    """
    etag, _ = _put(s3, bucket)
    response = s3.put_object(Bucket=bucket, Key=KEY, Body=b"second version", IfMatch=etag.strip('"'))
    expect_equal(status_of(response), 200, "PutObject with If-Match = current ETag without quotes: status")
    expect_equal(_body(s3, bucket, KEY), b"second version",
                 "PutObject with If-Match = current ETag without quotes: stored body")


@pytest.mark.requires("conditional_writes")
@pytest.mark.severity("data")
def test_put_if_match_stale_etag_is_412(s3: Any, bucket: str) -> None:
    """PutObject with If-Match = an ETag the object no longer has answers 412 and changes nothing.

    AWS S3 API Reference, PutObject: Request syntax, If-Match ("If the ETag values do not match, the
    operation returns a 412 Precondition Failed error"); S3 User Guide, "Conditional requests".
    """
    stale, _ = _put(s3, bucket, body=b"first version")
    s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
    with expect_error(412, "PreconditionFailed", "PutObject with If-Match = a stale ETag"):
        s3.put_object(Bucket=bucket, Key=KEY, Body=b"lost update", IfMatch=stale)
    expect_equal(_body(s3, bucket, KEY), BODY, "a refused conditional PUT must not change the object")


@pytest.mark.requires("conditional_writes")
@pytest.mark.severity("data")
def test_put_if_match_on_missing_key_is_404_nosuchkey(s3: Any, bucket: str) -> None:
    """PutObject with If-Match on a key that does not exist answers 404 NoSuchKey and stores nothing.

    AWS S3 API Reference, PutObject: If-Match; S3 User Guide, "Conditional requests" (If-Match
    needs an existing object to compare with; AWS answers 404 NoSuchKey, as ceph/s3-tests
    test_put_object_ifmatch_nonexisted_failed pins).
    """
    with expect_error(404, "NoSuchKey", "PutObject with If-Match on a missing key"):
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY, IfMatch=OTHER_ETAG)
    _absent(s3, bucket, KEY, "PutObject with If-Match on a missing key")


# --------------------------------------------------------------------------- conditional CompleteMultipartUpload


@pytest.mark.requires("conditional_writes", "multipart")
@pytest.mark.severity("data")
def test_complete_multipart_if_none_match_star_on_existing_key_is_412(s3: Any, bucket: str) -> None:
    """CompleteMultipartUpload with If-None-Match: * on a key that exists answers 412; the object stays.

    AWS S3 API Reference, CompleteMultipartUpload: Request syntax, If-None-Match ("Uploads the object
    only if the object key name does not already exist ... Otherwise, Amazon S3 returns a 412
    Precondition Failed error").
    """
    _put(s3, bucket)
    upload_id, parts = one_part_upload(s3, bucket, KEY, b"multipart replacement")
    with expect_error(412, "PreconditionFailed", "CompleteMultipartUpload with If-None-Match: * on an existing key"):
        s3.complete_multipart_upload(Bucket=bucket, Key=KEY, UploadId=upload_id,
                                     MultipartUpload={"Parts": parts}, IfNoneMatch="*")
    expect_equal(_body(s3, bucket, KEY), BODY,
                 "a refused conditional CompleteMultipartUpload must not change the object")


@pytest.mark.requires("conditional_writes", "multipart")
def test_complete_multipart_if_none_match_star_on_new_key_completes(s3: Any, bucket: str) -> None:
    """CompleteMultipartUpload with If-None-Match: * on a key that does not exist completes (200).

    AWS S3 API Reference, CompleteMultipartUpload: Request syntax, If-None-Match.
    """
    body = b"multipart body, one part\n"
    upload_id, parts = one_part_upload(s3, bucket, KEY, body)
    response = s3.complete_multipart_upload(Bucket=bucket, Key=KEY, UploadId=upload_id,
                                            MultipartUpload={"Parts": parts}, IfNoneMatch="*")
    expect_equal(status_of(response), 200, "CompleteMultipartUpload with If-None-Match: * on a new key: status")
    expect_equal(_body(s3, bucket, KEY), body, "CompleteMultipartUpload with If-None-Match: * on a new key: body")


# --------------------------------------------------------------------------- conditional CopyObject

DEST = "cond/copy.txt"


def _copy(s3: Any, bucket: str, **conditions: Any) -> dict[str, Any]:
    return s3.copy_object(Bucket=bucket, Key=DEST, CopySource={"Bucket": bucket, "Key": KEY}, **conditions)


def _expect_copied(s3: Any, bucket: str, response: dict[str, Any], rule: str) -> None:
    expect_equal(status_of(response), 200, f"{rule}: status")
    expect_equal(_body(s3, bucket, DEST), BODY, f"{rule}: the copy holds the source's bytes")


def _expect_refused(s3: Any, bucket: str, rule: str, **conditions: Any) -> None:
    with expect_error(412, "PreconditionFailed", rule):
        _copy(s3, bucket, **conditions)
    _absent(s3, bucket, DEST, rule)


def test_copy_if_match_current_etag_copies(s3: Any, bucket: str) -> None:
    """CopyObject with x-amz-copy-source-if-match = the source's ETag copies the object.

    AWS S3 API Reference, CopyObject: Request syntax, x-amz-copy-source-if-match.
    """
    etag, _ = _put(s3, bucket)
    _expect_copied(s3, bucket, _copy(s3, bucket, CopySourceIfMatch=etag), "CopyObject with copy-source-if-match true")


@pytest.mark.severity("data")
def test_copy_if_match_other_etag_is_412(s3: Any, bucket: str) -> None:
    """CopyObject with x-amz-copy-source-if-match = another ETag answers 412 and makes no copy.

    AWS S3 API Reference, CopyObject: Request syntax, x-amz-copy-source-if-match; S3 User Guide,
    "Conditional requests" (CopyObject: 412 Precondition Failed when the condition is not met).
    """
    _put(s3, bucket)
    _expect_refused(s3, bucket, "CopyObject with copy-source-if-match false", CopySourceIfMatch=OTHER_ETAG)


@pytest.mark.severity("data")
def test_copy_if_none_match_current_etag_is_412(s3: Any, bucket: str) -> None:
    """CopyObject with x-amz-copy-source-if-none-match = the source's ETag answers 412, no copy.

    AWS S3 API Reference, CopyObject: Request syntax, x-amz-copy-source-if-none-match ("Copies the
    object if its entity tag (ETag) is different than the specified ETag").
    """
    etag, _ = _put(s3, bucket)
    _expect_refused(s3, bucket, "CopyObject with copy-source-if-none-match false", CopySourceIfNoneMatch=etag)


def test_copy_if_none_match_other_etag_copies(s3: Any, bucket: str) -> None:
    """CopyObject with x-amz-copy-source-if-none-match = another ETag copies the object.

    AWS S3 API Reference, CopyObject: Request syntax, x-amz-copy-source-if-none-match.
    """
    _put(s3, bucket)
    response = _copy(s3, bucket, CopySourceIfNoneMatch=OTHER_ETAG)
    _expect_copied(s3, bucket, response, "CopyObject with copy-source-if-none-match true")


@pytest.mark.severity("data")
def test_copy_if_modified_since_last_modified_is_412(s3: Any, bucket: str) -> None:
    """CopyObject with x-amz-copy-source-if-modified-since = the source's Last-Modified: 412, no copy.

    AWS S3 API Reference, CopyObject: Request syntax, x-amz-copy-source-if-modified-since ("Copies the
    object if it has been modified since the specified time"); RFC 9110 §13.1.3 (equal date: not
    modified since).
    """
    _, last_modified = _put(s3, bucket)
    _expect_refused(s3, bucket, "CopyObject with copy-source-if-modified-since = Last-Modified",
                    CopySourceIfModifiedSince=last_modified)


def test_copy_if_modified_since_earlier_date_copies(s3: Any, bucket: str) -> None:
    """CopyObject with x-amz-copy-source-if-modified-since a day before Last-Modified copies.

    AWS S3 API Reference, CopyObject: Request syntax, x-amz-copy-source-if-modified-since.
    """
    _, last_modified = _put(s3, bucket)
    response = _copy(s3, bucket, CopySourceIfModifiedSince=last_modified - DAY)
    _expect_copied(s3, bucket, response, "CopyObject with copy-source-if-modified-since = Last-Modified - 1 day")


@pytest.mark.severity("data")
def test_copy_if_unmodified_since_earlier_date_is_412(s3: Any, bucket: str) -> None:
    """CopyObject with x-amz-copy-source-if-unmodified-since a day before Last-Modified: 412, no copy.

    AWS S3 API Reference, CopyObject: Request syntax, x-amz-copy-source-if-unmodified-since ("Copies the
    object if it hasn't been modified since the specified time").
    """
    _, last_modified = _put(s3, bucket)
    _expect_refused(s3, bucket, "CopyObject with copy-source-if-unmodified-since = Last-Modified - 1 day",
                    CopySourceIfUnmodifiedSince=last_modified - DAY)


def test_copy_if_unmodified_since_later_date_copies(s3: Any, bucket: str) -> None:
    """CopyObject with x-amz-copy-source-if-unmodified-since a day after Last-Modified copies.

    AWS S3 API Reference, CopyObject: Request syntax, x-amz-copy-source-if-unmodified-since.
    """
    _, last_modified = _put(s3, bucket)
    response = _copy(s3, bucket, CopySourceIfUnmodifiedSince=last_modified + DAY)
    _expect_copied(s3, bucket, response, "CopyObject with copy-source-if-unmodified-since = Last-Modified + 1 day")


def test_copy_if_match_true_wins_over_if_unmodified_since_false(s3: Any, bucket: str) -> None:
    """copy-source-if-match true with copy-source-if-unmodified-since false: 200 OK and the copy.

    AWS S3 API Reference, CopyObject: Request syntax, x-amz-copy-source-if-match ("If both ... are
    present in the request and evaluate as follows, Amazon S3 returns 200 OK and copies the data").
    """
    etag, last_modified = _put(s3, bucket)
    response = _copy(s3, bucket, CopySourceIfMatch=etag, CopySourceIfUnmodifiedSince=last_modified - DAY)
    _expect_copied(s3, bucket, response, "CopyObject with copy-source-if-match true, if-unmodified-since false")


@pytest.mark.severity("data")
def test_copy_if_none_match_false_wins_over_if_modified_since_true(s3: Any, bucket: str) -> None:
    """copy-source-if-none-match false with copy-source-if-modified-since true: 412, no copy.

    AWS S3 API Reference, CopyObject: Request syntax, x-amz-copy-source-if-none-match ("If both ...
    evaluate as follows, Amazon S3 returns the 412 Precondition Failed response code").
    """
    etag, last_modified = _put(s3, bucket)
    _expect_refused(s3, bucket, "CopyObject with copy-source-if-none-match false, if-modified-since true",
                    CopySourceIfNoneMatch=etag, CopySourceIfModifiedSince=last_modified - DAY)
