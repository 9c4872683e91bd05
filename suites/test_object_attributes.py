"""GetObjectAttributes: ETag, ObjectSize, StorageClass, Checksum and ObjectParts of an object in one call.

AWS S3 API Reference, GetObjectAttributes (and the GetObjectAttributesParts / ObjectPart / Checksum
data types). The ETag in this API carries no quotes. For a general purpose bucket, ObjectParts lists
the parts (Parts) only when the object was uploaded with an additional checksum; TotalPartsCount is
there for any multipart object. A server without the API answers 501: unsupported.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from gauntlet.plugin.checks import expect_equal, expect_error, expect_http_error
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.checksums import checksum_b64, composite_b64
from gauntlet.s3.data import md5_hex, multipart_etag, payload
from suites._support.listing import private_client
from suites._support.multipart import part, put_multipart_object, small
from suites._support.versioning import set_versioning

pytestmark = [pytest.mark.objects, pytest.mark.severity("client")]

KEY = "attrs/object.bin"
BODY = payload(4_099, seed=81)
ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


@functools.cache
def _parts() -> tuple[bytes, ...]:
    """Three parts: two of the 5 MiB minimum and a small last one (built on first use, not at import)."""
    return part(1), part(2), small(seed=82)


def _not_an_attributes_document(response_dict: dict[str, Any] | None = None, **_: Any) -> None:
    """The answer must be an XML document. Servers that ignore `?attributes` answer as GetObject, 200 with
    the object's bytes, which botocore reports as a 500 (its "error inside a 200" rule, run before this
    hook, rewrites the status): say what really happened instead."""
    if response_dict is None or response_dict.get("status_code") not in (200, 500):
        return
    body = response_dict.get("body") or b""
    if body and not body.lstrip().startswith(b"<"):
        raise S3Mismatch(
            "GetObjectAttributes: S3 answers with a GetObjectAttributesOutput XML document; the server answered "
            f"with {len(body)} bytes that are not XML (GET ?attributes answered as GetObject, with the object)",
            200, None, check="GetObjectAttributes#answer")


@pytest.fixture
def attrs(target: Any) -> Any:
    """The client for GetObjectAttributes calls (a private one: it carries the hook above)."""
    client = private_client(target, "get-object-attributes")
    client.meta.events.register_first("before-parse.s3.GetObjectAttributes", _not_an_attributes_document,
                                      unique_id="s3g-attributes-document")
    return client


def _attributes(client: Any, bucket: str, attributes: list[str], key: str = KEY, **kwargs: Any) -> dict[str, Any]:
    return dict(client.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=attributes, **kwargs))


def _sha256_multipart(s3: Any, bucket: str, key: str = KEY) -> None:
    """A multipart object whose parts carry SHA256 checksums (COMPOSITE)."""
    parts = _parts()
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256")["UploadId"]
    listed = []
    for number, data in enumerate(parts, start=1):
        answer = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data,
                                ChecksumAlgorithm="SHA256")
        listed.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": checksum_b64("SHA256", data)})
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": listed})


# --------------------------------------------------------------------------- single-part objects


def test_etag_is_the_unquoted_md5(s3: Any, attrs: Any, bucket: str) -> None:
    """GetObjectAttributes ETag is the object's ETag without quotes (the MD5 hex of a single PUT).

    AWS S3 API Reference, GetObjectAttributes: Response elements, ETag; "Common Response Headers"
    (ETag of a single-part upload is the MD5 of the object).
    """
    s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
    response = _attributes(attrs, bucket, ["ETag"])
    expect_equal(response.get("ETag"), md5_hex(BODY), "GetObjectAttributes ETag (no quotes)")


def test_object_size_is_the_byte_count(s3: Any, attrs: Any, bucket: str) -> None:
    """GetObjectAttributes ObjectSize is the object's size in bytes.

    AWS S3 API Reference, GetObjectAttributes: Response elements, ObjectSize.
    """
    s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
    response = _attributes(attrs, bucket, ["ObjectSize"])
    expect_equal(response.get("ObjectSize"), len(BODY), "GetObjectAttributes ObjectSize")


@pytest.mark.severity("detail")
def test_storage_class_is_standard_by_default(s3: Any, attrs: Any, bucket: str) -> None:
    """GetObjectAttributes StorageClass of an object stored without a class is STANDARD.

    AWS S3 API Reference, GetObjectAttributes: Response elements, StorageClass; PutObject:
    x-amz-storage-class (default STANDARD).
    """
    s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
    response = _attributes(attrs, bucket, ["StorageClass"])
    expect_equal(response.get("StorageClass"), "STANDARD", "GetObjectAttributes StorageClass")


@pytest.mark.severity("detail")
def test_only_requested_attributes_are_returned(s3: Any, attrs: Any, bucket: str) -> None:
    """GetObjectAttributes returns only the attributes named in x-amz-object-attributes.

    AWS S3 API Reference, GetObjectAttributes: x-amz-object-attributes ("Specifies the fields at the
    root level that you want returned in the response. Fields that you do not specify are not returned").
    """
    s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
    response = _attributes(attrs, bucket, ["ObjectSize"])
    present = sorted(name for name in ALL if name in response)
    expect_equal(present, ["ObjectSize"], "GetObjectAttributes with only ObjectSize requested: fields returned")


@pytest.mark.requires("checksums")
def test_checksum_of_object_put_with_sha256(s3: Any, attrs: Any, bucket: str) -> None:
    """An object stored with x-amz-checksum-sha256 reports that checksum, type FULL_OBJECT.

    AWS S3 API Reference, GetObjectAttributes: Response elements, Checksum; Checksum data type
    (ChecksumSHA256, ChecksumType: FULL_OBJECT for a single-part upload).
    """
    s3.put_object(Bucket=bucket, Key=KEY, Body=BODY, ChecksumAlgorithm="SHA256")
    checksum = _attributes(attrs, bucket, ["Checksum"]).get("Checksum") or {}
    expect_equal(checksum.get("ChecksumSHA256"), checksum_b64("SHA256", BODY), "GetObjectAttributes ChecksumSHA256")
    expect_equal(checksum.get("ChecksumType"), "FULL_OBJECT", "GetObjectAttributes ChecksumType of a single PUT")


def test_missing_key_is_404_nosuchkey(s3: Any, attrs: Any, bucket: str) -> None:
    """GetObjectAttributes on a key that does not exist answers 404 NoSuchKey.

    AWS S3 API Reference, GetObjectAttributes: Errors (NoSuchKey: "The specified key does not exist").
    """
    with expect_error(404, "NoSuchKey", "GetObjectAttributes on a missing key"):
        _attributes(attrs, bucket, ["ETag"], key="attrs/missing")


def test_missing_attributes_header_is_400_invalidargument(s3: Any, raw: Any, attrs: Any, bucket: str) -> None:
    """GetObjectAttributes without the x-amz-object-attributes header answers 400 InvalidArgument.

    AWS S3 API Reference, GetObjectAttributes: Request syntax, x-amz-object-attributes ("Required: Yes").
    """
    s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
    response = raw.request("GET", bucket, KEY, query={"attributes": ""})
    expect_http_error(response, 400, "InvalidArgument", "GetObjectAttributes without x-amz-object-attributes")


def test_unknown_attribute_is_400_invalidargument(s3: Any, raw: Any, attrs: Any, bucket: str) -> None:
    """GetObjectAttributes naming an attribute that does not exist answers 400 InvalidArgument.

    AWS S3 API Reference, GetObjectAttributes: x-amz-object-attributes ("Valid Values: ETag |
    Checksum | ObjectParts | StorageClass | ObjectSize").
    """
    s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
    response = raw.request("GET", bucket, KEY, query={"attributes": ""},
                           headers={"x-amz-object-attributes": "ETag,NoSuchAttribute"})
    expect_http_error(response, 400, "InvalidArgument", "GetObjectAttributes with an unknown attribute name")


# --------------------------------------------------------------------------- multipart objects


@pytest.mark.requires("multipart")
def test_multipart_etag_and_total_parts_count(s3: Any, attrs: Any, bucket: str) -> None:
    """For a multipart object, ETag is the unquoted MD5-of-part-MD5s with -N, and TotalPartsCount is N.

    AWS S3 API Reference, GetObjectAttributes: Response elements, ETag and ObjectParts;
    GetObjectAttributesParts data type, TotalPartsCount.
    """
    parts = _parts()
    put_multipart_object(s3, bucket, KEY, parts)
    response = _attributes(attrs, bucket, ["ETag", "ObjectParts", "ObjectSize"])
    expect_equal(response.get("ETag"), multipart_etag(list(parts)).strip('"'), "GetObjectAttributes multipart ETag")
    expect_equal((response.get("ObjectParts") or {}).get("TotalPartsCount"), len(parts),
                 "GetObjectAttributes ObjectParts TotalPartsCount")
    expect_equal(response.get("ObjectSize"), sum(len(p) for p in parts), "GetObjectAttributes multipart ObjectSize")


@pytest.mark.requires("multipart", "checksums")
def test_multipart_parts_have_size_and_checksum(s3: Any, attrs: Any, bucket: str) -> None:
    """For a multipart object uploaded with SHA256, ObjectParts lists each part's Size and ChecksumSHA256,
    and Checksum is the COMPOSITE checksum of the parts.

    AWS S3 API Reference, GetObjectAttributes: ObjectParts; GetObjectAttributesParts (Parts: returned
    when an additional checksum was applied); ObjectPart data type (PartNumber, Size, ChecksumSHA256);
    Checksum data type (ChecksumType COMPOSITE).
    """
    _sha256_multipart(s3, bucket)
    parts = _parts()
    response = _attributes(attrs, bucket, ["ObjectParts", "Checksum"])
    listed = (response.get("ObjectParts") or {}).get("Parts") or []
    got = [(p.get("PartNumber"), p.get("Size"), p.get("ChecksumSHA256")) for p in listed]
    want = [(n, len(d), checksum_b64("SHA256", d)) for n, d in enumerate(parts, start=1)]
    expect_equal(got, want, "GetObjectAttributes ObjectParts Parts (PartNumber, Size, ChecksumSHA256)")
    checksum = response.get("Checksum") or {}
    # compared without the "-N" part-count suffix, which this API may leave out
    expect_equal(str(checksum.get("ChecksumSHA256")).split("-")[0], composite_b64("SHA256", parts).split("-")[0],
                 "GetObjectAttributes ChecksumSHA256 of a multipart object (checksum of the part checksums)")
    expect_equal(checksum.get("ChecksumType"), "COMPOSITE", "GetObjectAttributes ChecksumType of a multipart object")


@pytest.mark.requires("multipart", "checksums")
def test_multipart_parts_page_with_max_parts_and_marker(s3: Any, attrs: Any, bucket: str) -> None:
    """MaxParts=1 returns part 1 with IsTruncated and NextPartNumberMarker 1; PartNumberMarker=1 returns the rest.

    AWS S3 API Reference, GetObjectAttributes: x-amz-max-parts, x-amz-part-number-marker ("Specifies
    the part after which listing should begin"); GetObjectAttributesParts (IsTruncated, MaxParts,
    NextPartNumberMarker).
    """
    _sha256_multipart(s3, bucket)
    first = _attributes(attrs, bucket, ["ObjectParts"], MaxParts=1).get("ObjectParts") or {}
    expect_equal([p.get("PartNumber") for p in first.get("Parts") or []], [1], "first page with MaxParts=1: parts")
    expect_equal(first.get("IsTruncated"), True, "first page with MaxParts=1: IsTruncated")
    expect_equal(str(first.get("NextPartNumberMarker")), "1", "first page with MaxParts=1: NextPartNumberMarker")
    rest = _attributes(attrs, bucket, ["ObjectParts"], PartNumberMarker=1).get("ObjectParts") or {}
    expect_equal([p.get("PartNumber") for p in rest.get("Parts") or []], [2, 3], "page after PartNumberMarker=1: parts")
    expect_equal(bool(rest.get("IsTruncated")), False, "page after PartNumberMarker=1: IsTruncated")


# --------------------------------------------------------------------------- versions


@pytest.mark.requires("versioning")
def test_version_id_selects_an_older_version(s3: Any, attrs: Any, bucket: str) -> None:
    """GetObjectAttributes with versionId describes that version and echoes its x-amz-version-id.

    AWS S3 API Reference, GetObjectAttributes: URI request parameters, versionId; Response syntax,
    x-amz-version-id.
    """
    set_versioning(s3, bucket)
    old = s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)["VersionId"]
    s3.put_object(Bucket=bucket, Key=KEY, Body=b"newer version")
    response = _attributes(attrs, bucket, ["ETag", "ObjectSize"], VersionId=old)
    expect_equal(response.get("VersionId"), old, "GetObjectAttributes with versionId: x-amz-version-id")
    expect_equal(response.get("ETag"), md5_hex(BODY), "GetObjectAttributes with versionId: ETag of that version")
    expect_equal(response.get("ObjectSize"), len(BODY), "GetObjectAttributes with versionId: ObjectSize")
