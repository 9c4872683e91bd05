"""Object and bucket tagging; bucket CORS configuration and CORS requests.

Two areas in one file: the tagging classes carry the `tagging` marker, the CORS class
the `cors` marker (class-level `pytestmark`), each with its `requires(...)` feature.
CORS preflights (OPTIONS) are unauthenticated by definition and go out unsigned
through the raw client.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
import requests

from gauntlet.plugin.checks import expect_equal, expect_error, expect_status, expect_true, header, status_of
from suites._support.versioning import set_versioning

KEY = "tags/object.txt"
BODY = b"tagged object\n"


def _tag_set(pairs: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def _as_dict(tag_set: list[dict[str, str]]) -> dict[str, str]:
    """A TagSet as a dict (S3 does not promise an order); duplicates would show as a length mismatch."""
    return {t["Key"]: t["Value"] for t in tag_set}


def _expect_tags(tag_set: list[dict[str, str]], expected: dict[str, str], rule: str) -> None:
    expect_equal(len(tag_set), len(expected), f"{rule}: number of tags")
    expect_equal(_as_dict(tag_set), expected, rule)


def _object_tags(s3: Any, bucket: str, key: str = KEY, **kwargs: Any) -> list[dict[str, str]]:
    return s3.get_object_tagging(Bucket=bucket, Key=key, **kwargs)["TagSet"]


# =========================================================================== object tagging


class TestObjectTagging:
    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.tagging, pytest.mark.requires("tagging"),
                                                    pytest.mark.severity("client")]

    def test_put_object_tagging_header_round_trips(self, s3: Any, bucket: str) -> None:
        """Tags set with the x-amz-tagging header on PutObject come back from GetObjectTagging.

        AWS S3 API Reference, PutObject: x-amz-tagging (URL query parameters); GetObjectTagging.
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY, Tagging="project=gauntlet&tier=gold%20plus")
        _expect_tags(_object_tags(s3, bucket), {"project": "gauntlet", "tier": "gold plus"},
                     "GetObjectTagging after PutObject with x-amz-tagging")

    def test_put_object_tagging_replaces_tag_set(self, s3: Any, bucket: str) -> None:
        """PutObjectTagging replaces the whole tag set; GetObjectTagging returns exactly the new one.

        AWS S3 API Reference, PutObjectTagging ("Sets the supplied tag-set to an object ... replaces
        the existing tag-set"); GetObjectTagging.
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY, Tagging="old=1&gone=2")
        tags = {"color": "blue", "owner": "team-a", "path": "a/b:c=d+e"}
        s3.put_object_tagging(Bucket=bucket, Key=KEY, Tagging={"TagSet": _tag_set(tags)})
        _expect_tags(_object_tags(s3, bucket), tags, "GetObjectTagging after PutObjectTagging")

    @pytest.mark.severity("data")
    def test_put_object_tagging_leaves_object_data_unchanged(self, s3: Any, bucket: str) -> None:
        """PutObjectTagging changes the tag set only: the object's bytes and ETag stay as they were.

        AWS S3 API Reference, PutObjectTagging ("Sets the supplied tag-set to an object that already
        exists in a bucket"; a tagging subresource request, not an object write).
        """
        etag = s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)["ETag"]
        s3.put_object_tagging(Bucket=bucket, Key=KEY, Tagging={"TagSet": _tag_set({"a": "1"})})
        response = s3.get_object(Bucket=bucket, Key=KEY)
        expect_equal(response["Body"].read(), BODY, "GetObject after PutObjectTagging")
        expect_equal(response["ETag"], etag, "ETag after PutObjectTagging")

    def test_get_object_reports_tag_count(self, s3: Any, bucket: str) -> None:
        """GetObject reports the number of tags in x-amz-tagging-count.

        AWS S3 API Reference, GetObject: Response syntax, x-amz-tagging-count.
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY, Tagging="a=1&b=2&c=3")
        response = s3.get_object(Bucket=bucket, Key=KEY)
        response["Body"].read()
        expect_equal(header(response, "x-amz-tagging-count"), "3", "GetObject x-amz-tagging-count of a 3-tag object")

    def test_head_object_reports_tag_count(self, s3: Any, bucket: str) -> None:
        """HeadObject reports the number of tags in x-amz-tagging-count.

        AWS S3 API Reference, HeadObject: Response syntax, x-amz-tagging-count ("The number of tags, if
        any, on the object").
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY, Tagging="a=1&b=2")
        response = s3.head_object(Bucket=bucket, Key=KEY)
        expect_equal(header(response, "x-amz-tagging-count"), "2", "HeadObject x-amz-tagging-count of a 2-tag object")

    def test_delete_object_tagging_empties_tag_set(self, s3: Any, bucket: str) -> None:
        """DeleteObjectTagging answers 204 and leaves the object with an empty tag set.

        AWS S3 API Reference, DeleteObjectTagging ("Removes the entire tag set"; 204 No Content).
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY, Tagging="a=1&b=2")
        response = s3.delete_object_tagging(Bucket=bucket, Key=KEY)
        expect_equal(status_of(response), 204, "DeleteObjectTagging status")
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        expect_equal(listed, [KEY], "DeleteObjectTagging removes the tags only; the object must still be listed")
        expect_equal(_object_tags(s3, bucket), [], "GetObjectTagging after DeleteObjectTagging")

    def test_put_object_tagging_accepts_ten_tags_and_maximum_lengths(self, s3: Any, bucket: str) -> None:
        """Ten tags, a 128-character key and a 256-character value are all within the limits.

        S3 User Guide, "Categorizing your storage using tags" (up to 10 tags per object; key up to 128
        Unicode characters, value up to 256); AWS S3 API Reference, PutObjectTagging.
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        tags = {f"k{i}": f"v{i}" for i in range(8)}
        tags["k" * 128] = "long key"
        tags["long-value"] = "v" * 256
        s3.put_object_tagging(Bucket=bucket, Key=KEY, Tagging={"TagSet": _tag_set(tags)})
        _expect_tags(_object_tags(s3, bucket), tags, "GetObjectTagging after ten tags at the length limits")

    def test_put_object_tagging_eleven_tags_is_400_badrequest(self, s3: Any, bucket: str) -> None:
        """PutObjectTagging with 11 tags answers 400 BadRequest ("Object tags cannot be greater than 10").

        S3 User Guide, "Categorizing your storage using tags" (at most 10 tags per object);
        AWS S3 API Reference, PutObjectTagging. AWS answers BadRequest for this limit.
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        tags = {f"k{i}": f"v{i}" for i in range(11)}
        with expect_error(400, "BadRequest", "PutObjectTagging with 11 tags"):
            s3.put_object_tagging(Bucket=bucket, Key=KEY, Tagging={"TagSet": _tag_set(tags)})

    def test_put_object_tagging_key_of_129_chars_is_400_invalidtag(self, s3: Any, bucket: str) -> None:
        """A tag key of 129 characters answers 400 InvalidTag.

        S3 User Guide, "Categorizing your storage using tags" (key up to 128 characters);
        AWS S3 API Reference, PutObjectTagging / "List of error codes" (InvalidTag).
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        with expect_error(400, "InvalidTag", "PutObjectTagging with a 129-character key"):
            s3.put_object_tagging(Bucket=bucket, Key=KEY, Tagging={"TagSet": _tag_set({"k" * 129: "v"})})

    def test_put_object_tagging_value_of_257_chars_is_400_invalidtag(self, s3: Any, bucket: str) -> None:
        """A tag value of 257 characters answers 400 InvalidTag.

        S3 User Guide, "Categorizing your storage using tags" (value up to 256 characters);
        AWS S3 API Reference, PutObjectTagging / "List of error codes" (InvalidTag).
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        with expect_error(400, "InvalidTag", "PutObjectTagging with a 257-character value"):
            s3.put_object_tagging(Bucket=bucket, Key=KEY, Tagging={"TagSet": _tag_set({"k": "v" * 257})})

    def test_put_object_tagging_duplicate_keys_is_400_invalidtag(self, s3: Any, bucket: str) -> None:
        """A tag set with the same key twice answers 400 InvalidTag.

        S3 User Guide, "Categorizing your storage using tags" (tag keys must be unique per object);
        AWS S3 API Reference, PutObjectTagging / "List of error codes" (InvalidTag).
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        tag_set = [{"Key": "dup", "Value": "1"}, {"Key": "dup", "Value": "2"}]
        with expect_error(400, "InvalidTag", "PutObjectTagging with a duplicate key"):
            s3.put_object_tagging(Bucket=bucket, Key=KEY, Tagging={"TagSet": tag_set})

    def test_get_object_tagging_missing_key_is_404_nosuchkey(self, s3: Any, bucket: str) -> None:
        """GetObjectTagging on a key that does not exist answers 404 NoSuchKey.

        AWS S3 API Reference, GetObjectTagging; "List of error codes" (NoSuchKey).
        """
        with expect_error(404, "NoSuchKey", "GetObjectTagging on a missing key"):
            s3.get_object_tagging(Bucket=bucket, Key="missing")

    @pytest.mark.requires("versioning")
    @pytest.mark.severity("data")
    def test_put_object_tagging_by_version_id_leaves_latest_untouched(self, s3: Any, bucket: str) -> None:
        """PutObjectTagging with the VersionId of an older version tags that version only.

        AWS S3 API Reference, PutObjectTagging: versionId ("The versionId of the object that the
        tag-set will be added to"; response x-amz-version-id); GetObjectTagging: versionId.
        """
        set_versioning(s3, bucket)
        old = s3.put_object(Bucket=bucket, Key=KEY, Body=b"version one")["VersionId"]
        s3.put_object(Bucket=bucket, Key=KEY, Body=b"version two")
        s3.put_object_tagging(Bucket=bucket, Key=KEY, VersionId=old,
                              Tagging={"TagSet": _tag_set({"state": "archived"})})
        _expect_tags(_object_tags(s3, bucket, VersionId=old), {"state": "archived"},
                     "GetObjectTagging of the older version")
        expect_equal(_object_tags(s3, bucket), [], "the latest version keeps its own (empty) tag set")

    @pytest.mark.requires("versioning")
    def test_put_object_tagging_by_version_id_reports_that_version(self, s3: Any, bucket: str) -> None:
        """PutObjectTagging with a VersionId answers with x-amz-version-id = that version.

        AWS S3 API Reference, PutObjectTagging: Response syntax, x-amz-version-id ("The versionId of
        the object the tag-set was added to").
        """
        set_versioning(s3, bucket)
        old = s3.put_object(Bucket=bucket, Key=KEY, Body=b"version one")["VersionId"]
        s3.put_object(Bucket=bucket, Key=KEY, Body=b"version two")
        response = s3.put_object_tagging(Bucket=bucket, Key=KEY, VersionId=old,
                                         Tagging={"TagSet": _tag_set({"state": "archived"})})
        expect_equal(header(response, "x-amz-version-id"), old, "PutObjectTagging x-amz-version-id")

    def test_copy_object_copies_tags_by_default(self, s3: Any, bucket: str) -> None:
        """CopyObject without x-amz-tagging-directive copies the source's tags (default COPY).

        AWS S3 API Reference, CopyObject: x-amz-tagging-directive ("The default value is COPY").
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY, Tagging="a=1&b=2")
        s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": KEY})
        _expect_tags(_object_tags(s3, bucket, "copy"), {"a": "1", "b": "2"}, "tags of a copy made with COPY")

    def test_copy_object_replace_directive_sets_new_tags(self, s3: Any, bucket: str) -> None:
        """CopyObject with x-amz-tagging-directive REPLACE gives the copy exactly x-amz-tagging.

        AWS S3 API Reference, CopyObject: x-amz-tagging-directive, x-amz-tagging.
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY, Tagging="a=1&b=2")
        s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": KEY},
                       TaggingDirective="REPLACE", Tagging="c=3")
        _expect_tags(_object_tags(s3, bucket, "copy"), {"c": "3"}, "tags of a copy made with REPLACE")
        _expect_tags(_object_tags(s3, bucket), {"a": "1", "b": "2"}, "the source keeps its tags")


# =========================================================================== bucket tagging


class TestBucketTagging:
    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.tagging, pytest.mark.requires("tagging"),
                                                    pytest.mark.severity("client")]

    def test_put_bucket_tagging_round_trips(self, s3: Any, bucket: str) -> None:
        """PutBucketTagging then GetBucketTagging returns the same tag set.

        AWS S3 API Reference, PutBucketTagging; GetBucketTagging.
        """
        tags = {"cost-center": "1234", "env": "test run"}
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tag_set(tags)})
        _expect_tags(s3.get_bucket_tagging(Bucket=bucket)["TagSet"], tags, "GetBucketTagging after PutBucketTagging")

    def test_get_bucket_tagging_untagged_is_404_nosuchtagset(self, s3: Any, bucket: str) -> None:
        """GetBucketTagging on a bucket without tags answers 404 NoSuchTagSet.

        AWS S3 API Reference, GetBucketTagging: Errors (NoSuchTagSetError: "There is no tag set
        associated with the bucket", code NoSuchTagSet).
        """
        with expect_error(404, "NoSuchTagSet", "GetBucketTagging on an untagged bucket"):
            s3.get_bucket_tagging(Bucket=bucket)

    def test_delete_bucket_tagging_removes_tag_set(self, s3: Any, bucket: str) -> None:
        """DeleteBucketTagging answers 204; GetBucketTagging then answers 404 NoSuchTagSet.

        AWS S3 API Reference, DeleteBucketTagging (204 No Content); GetBucketTagging: Errors.
        """
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tag_set({"a": "1"})})
        response = s3.delete_bucket_tagging(Bucket=bucket)
        expect_equal(status_of(response), 204, "DeleteBucketTagging status")
        with expect_error(404, "NoSuchTagSet", "GetBucketTagging after DeleteBucketTagging"):
            s3.get_bucket_tagging(Bucket=bucket)


# =========================================================================== CORS

APP_ORIGIN = "https://app.example.com"
OTHER_ORIGIN = "https://evil.example.net"
CORS_RULES: list[dict[str, Any]] = [
    {
        "ID": "app",
        "AllowedOrigins": [APP_ORIGIN],
        "AllowedMethods": ["GET", "PUT"],
        "AllowedHeaders": ["content-type", "x-amz-meta-owner"],
        "ExposeHeaders": ["ETag", "x-amz-request-id"],
        "MaxAgeSeconds": 3000,
    },
    {
        "ID": "public-read",
        "AllowedOrigins": ["*"],
        "AllowedMethods": ["HEAD"],
        "MaxAgeSeconds": 600,
    },
]


def _put_cors(s3: Any, bucket: str) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": CORS_RULES})


def _comma_list(value: str | None) -> list[str]:
    """A comma-separated header value as lower-case items."""
    return [item.strip().lower() for item in (value or "").split(",") if item.strip()]


def _preflight(raw: Any, bucket: str, key: str, origin: str, method: str,
               request_headers: str | None = None) -> requests.Response:
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if request_headers:
        headers["Access-Control-Request-Headers"] = request_headers
    return raw.request("OPTIONS", bucket, key, headers=headers, sign=None)


def _expect_refused_preflight(response: requests.Response, rule: str) -> None:
    """A preflight no rule allows: 403 Forbidden and no Access-Control-Allow-Origin."""
    expect_status(response, 403, rule)
    expect_equal(response.headers.get("Access-Control-Allow-Origin"), None,
                 f"{rule}: a refused preflight carries no Access-Control-Allow-Origin")


class TestCors:
    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.cors, pytest.mark.requires("cors"),
                                                    pytest.mark.severity("client")]

    def test_put_bucket_cors_round_trips(self, s3: Any, bucket: str) -> None:
        """PutBucketCors with two rules, then GetBucketCors returns the same rules in the same order.

        AWS S3 API Reference, PutBucketCors (CORSRule: ID, AllowedHeaders, AllowedMethods,
        AllowedOrigins, ExposeHeaders, MaxAgeSeconds); GetBucketCors.
        """
        _put_cors(s3, bucket)
        rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
        expect_equal(rules, CORS_RULES, "GetBucketCors after PutBucketCors")

    def test_get_bucket_cors_without_configuration_is_404(self, s3: Any, bucket: str) -> None:
        """GetBucketCors on a bucket without a CORS configuration answers 404 NoSuchCORSConfiguration.

        AWS S3 API Reference, GetBucketCors; "List of error codes" (NoSuchCORSConfiguration).
        """
        with expect_error(404, "NoSuchCORSConfiguration", "GetBucketCors without a configuration"):
            s3.get_bucket_cors(Bucket=bucket)

    def test_delete_bucket_cors_removes_configuration(self, s3: Any, bucket: str) -> None:
        """DeleteBucketCors answers 204; GetBucketCors then answers 404 NoSuchCORSConfiguration.

        AWS S3 API Reference, DeleteBucketCors (204 No Content); GetBucketCors.
        """
        _put_cors(s3, bucket)
        response = s3.delete_bucket_cors(Bucket=bucket)
        expect_equal(status_of(response), 204, "DeleteBucketCors status")
        with expect_error(404, "NoSuchCORSConfiguration", "GetBucketCors after DeleteBucketCors"):
            s3.get_bucket_cors(Bucket=bucket)

    def test_preflight_matching_rule_is_200_with_cors_headers(self, raw: Any, s3: Any, bucket: str) -> None:
        """A preflight a rule allows answers 200 with the Access-Control-Allow-* headers of that rule.

        S3 User Guide, "Using cross-origin resource sharing (CORS)" / "How does Amazon S3 evaluate the
        CORS configuration"; AWS S3 API Reference, PutBucketCors (MaxAgeSeconds, AllowedHeaders).
        """
        _put_cors(s3, bucket)
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        response = _preflight(raw, bucket, KEY, APP_ORIGIN, "GET", "Content-Type, x-amz-meta-owner")
        rule = f"OPTIONS preflight from {APP_ORIGIN} for GET"
        expect_status(response, 200, rule)
        h = response.headers
        expect_equal(h.get("Access-Control-Allow-Origin"), APP_ORIGIN, f"{rule}: Access-Control-Allow-Origin")
        methods = _comma_list(h.get("Access-Control-Allow-Methods"))
        expect_true("get" in methods, f"{rule}: Access-Control-Allow-Methods must include GET",
                    f"server gave {h.get('Access-Control-Allow-Methods')!r}")
        allowed = _comma_list(h.get("Access-Control-Allow-Headers"))
        expect_true({"content-type", "x-amz-meta-owner"} <= set(allowed),
                    f"{rule}: Access-Control-Allow-Headers must list the requested headers",
                    f"server gave {h.get('Access-Control-Allow-Headers')!r}")
        expect_equal(h.get("Access-Control-Max-Age"), "3000", f"{rule}: Access-Control-Max-Age")

    def test_preflight_wildcard_rule_allows_any_origin_with_star(self, raw: Any, s3: Any, bucket: str) -> None:
        """A preflight matched by an AllowedOrigin "*" rule answers 200 with Access-Control-Allow-Origin: *.

        S3 User Guide, "Using cross-origin resource sharing (CORS)" / "CORS configuration" (AllowedOrigin
        "*" allows all origins); AWS S3 API Reference, PutBucketCors.
        """
        _put_cors(s3, bucket)
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        response = _preflight(raw, bucket, KEY, OTHER_ORIGIN, "HEAD")
        rule = f"OPTIONS preflight from {OTHER_ORIGIN} for HEAD (rule with AllowedOrigin *)"
        expect_status(response, 200, rule)
        expect_equal(response.headers.get("Access-Control-Allow-Origin"), "*", f"{rule}: Access-Control-Allow-Origin")
        expect_equal(response.headers.get("Access-Control-Max-Age"), "600", f"{rule}: Access-Control-Max-Age")

    @pytest.mark.severity("security")
    def test_preflight_unlisted_origin_is_403(self, raw: Any, s3: Any, bucket: str) -> None:
        """A preflight from an origin no rule allows (for that method) answers 403 Forbidden.

        S3 User Guide, "Using cross-origin resource sharing (CORS)" (no matching rule: 403
        "CORSResponse: This CORS request is not allowed").
        """
        _put_cors(s3, bucket)
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        response = _preflight(raw, bucket, KEY, OTHER_ORIGIN, "GET")
        _expect_refused_preflight(response, f"OPTIONS preflight from unlisted origin {OTHER_ORIGIN} for GET")

    @pytest.mark.severity("security")
    def test_preflight_method_not_allowed_is_403(self, raw: Any, s3: Any, bucket: str) -> None:
        """A preflight asking for a method no rule allows for that origin answers 403 Forbidden.

        S3 User Guide, "Using cross-origin resource sharing (CORS)" (the Access-Control-Request-Method
        must be one of the rule's AllowedMethods).
        """
        _put_cors(s3, bucket)
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        response = _preflight(raw, bucket, KEY, APP_ORIGIN, "DELETE")
        _expect_refused_preflight(response, f"OPTIONS preflight from {APP_ORIGIN} for DELETE")

    @pytest.mark.severity("security")
    def test_preflight_header_not_allowed_is_403(self, raw: Any, s3: Any, bucket: str) -> None:
        """A preflight asking for a header outside the rule's AllowedHeaders answers 403 Forbidden.

        S3 User Guide, "Using cross-origin resource sharing (CORS)" (every header in
        Access-Control-Request-Headers must match an AllowedHeader of the rule).
        """
        _put_cors(s3, bucket)
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        response = _preflight(raw, bucket, KEY, APP_ORIGIN, "PUT", "x-amz-meta-secret")
        _expect_refused_preflight(response, f"OPTIONS preflight from {APP_ORIGIN} asking for x-amz-meta-secret")

    @pytest.mark.severity("security")
    def test_preflight_without_cors_configuration_is_403(self, raw: Any, s3: Any, bucket: str) -> None:
        """A preflight to a bucket without a CORS configuration answers 403 Forbidden.

        S3 User Guide, "Using cross-origin resource sharing (CORS)" (403 "CORSResponse: CORS is not
        enabled for this bucket").
        """
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        response = _preflight(raw, bucket, KEY, APP_ORIGIN, "GET")
        _expect_refused_preflight(response, "OPTIONS preflight to a bucket without CORS configuration")

    def test_get_with_allowed_origin_carries_cors_headers(self, raw: Any, s3: Any, bucket: str) -> None:
        """A GET with an allowed Origin answers 200 with Access-Control-Allow-Origin and the ExposeHeaders.

        S3 User Guide, "Using cross-origin resource sharing (CORS)"; AWS S3 API Reference, PutBucketCors
        (ExposeHeaders: headers customers may access from their applications).
        """
        _put_cors(s3, bucket)
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        response = raw.request("GET", bucket, KEY, headers={"Origin": APP_ORIGIN})
        rule = f"GET with Origin {APP_ORIGIN}"
        expect_status(response, 200, rule)
        expect_equal(response.content, BODY, f"{rule}: body")
        h = response.headers
        expect_equal(h.get("Access-Control-Allow-Origin"), APP_ORIGIN, f"{rule}: Access-Control-Allow-Origin")
        exposed = _comma_list(h.get("Access-Control-Expose-Headers"))
        expect_true({"etag", "x-amz-request-id"} <= set(exposed),
                    f"{rule}: Access-Control-Expose-Headers must list the rule's ExposeHeaders",
                    f"server gave {h.get('Access-Control-Expose-Headers')!r}")

    @pytest.mark.severity("security")
    def test_get_with_unlisted_origin_has_no_cors_headers(self, raw: Any, s3: Any, bucket: str) -> None:
        """A GET from an origin no rule allows still answers 200, but without Access-Control-Allow-Origin.

        S3 User Guide, "Using cross-origin resource sharing (CORS)" (CORS headers are added only when a
        rule matches; the request itself is authorised as usual).
        """
        _put_cors(s3, bucket)
        s3.put_object(Bucket=bucket, Key=KEY, Body=BODY)
        response = raw.request("GET", bucket, KEY, headers={"Origin": OTHER_ORIGIN})
        rule = f"GET with unlisted Origin {OTHER_ORIGIN}"
        expect_status(response, 200, rule)
        expect_equal(response.headers.get("Access-Control-Allow-Origin"), None,
                     f"{rule}: no Access-Control-Allow-Origin for an origin no GET rule allows")
