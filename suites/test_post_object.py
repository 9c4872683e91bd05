"""Browser POST uploads (PostObject) with a SigV4 POST policy, in depth.

Forms come from boto3 (`generate_presigned_post`) or are built and signed by the harness
(suites._support.signing.post_form, signed by gauntlet.s3.sigv4.post_policy_signature), so a case can
sign a policy boto3 won't produce (expired, another bucket, not JSON) or send the form's parts in
an order a browser would not (suites._support.signing.post_parts). Every refused form is followed
by a read-back: a refused upload must store nothing.

References: Amazon S3 API Reference, PostObject ("POST Object"), "Authenticating Requests in
Browser-Based Uploads Using POST (AWS Signature Version 4)", "Creating a POST Policy" (POST Policy:
expiration, condition matching, conditions) and "Error responses".
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import botocore.exceptions
import pytest
import requests

from gauntlet.plugin.checks import (
    error_code_of,
    expect_equal,
    expect_http_error,
    expect_status,
    expect_true,
    unsupported,
)
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3.credentials import Credentials
from gauntlet.s3.data import KiB, payload
from gauntlet.s3.errors import is_not_implemented
from suites._support.signing import (
    error_message,
    expect_message_contains,
    expect_not_stored,
    list_keys,
    post_form,
    post_parts,
    post_upload,
    xml_field,
)

pytestmark = [pytest.mark.presign, pytest.mark.requires("presign"), pytest.mark.requires("post_policy"),
              pytest.mark.severity("security")]

#: AWS's message for a form its policy does not admit: "Invalid according to Policy: ...".
POLICY_MESSAGE = "Invalid according to Policy"


@pytest.fixture
def s3v4(s3_client):
    """boto3 client that signs POST policies with SigV4 (botocore uses SigV2 for a custom endpoint otherwise)."""
    return s3_client(signature_version="s3v4")


def _get_bytes(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _form(target, bucket: str, key: str, **kwargs: Any) -> dict[str, str]:
    """A harness-built, harness-signed POST form for bucket/key (see post_form for the options)."""
    return post_form(target.credentials, target.region, bucket, key, **kwargs)


def _post(raw, bucket: str, form: dict[str, str], content: bytes, filename: str = "upload.bin") -> requests.Response:
    return post_upload(raw.session, raw.url(bucket), form, content, filename=filename)


def _expect_absent(s3, bucket: str, key: str, rule: str, resp: requests.Response) -> None:
    """GET of `key` must be 404: the refused upload stored nothing."""
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except botocore.exceptions.ClientError as exc:
        if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            return
        raise
    expect_true(False, rule, f"S3 refuses the upload and stores nothing; the server answered {resp.status_code} "
                             f"{error_code_of(resp) or ''} and HEAD {key!r} finds the object".replace("  ", " "))


def _expect_refused(resp: requests.Response, s3, bucket: str, key: str, rule: str) -> None:
    """The upload must be refused with a 4xx (whatever the code) and `key` must read back 404."""
    if is_not_implemented(resp.status_code, error_code_of(resp)):
        unsupported(f"{rule}: server answered {resp.status_code} {error_code_of(resp)}")
    _expect_absent(s3, bucket, key, rule, resp)
    expect_true(400 <= resp.status_code < 500, rule,
                f"S3 refuses this upload with a 4xx; server answered {resp.status_code} {error_code_of(resp) or ''}")


def _expect_policy_denied(resp: requests.Response, s3, bucket: str, key: str, rule: str) -> None:
    """403 AccessDenied "Invalid according to Policy ..." and nothing stored."""
    _expect_absent(s3, bucket, key, rule, resp)
    code = expect_http_error(resp, 403, "AccessDenied", rule)
    message = error_message(resp)
    if POLICY_MESSAGE.lower() not in message.lower():  # refused as required: only the message text differs
        raise S3Mismatch(f"{rule}: S3 answers the message {POLICY_MESSAGE!r}...; server's message was {message!r}",
                         resp.status_code, code, check="policy-message", required_status=403,
                         required_codes=("AccessDenied",))



def _boto3_post(s3v4, bucket: str, key: str, fields: dict[str, str] | None = None,
                conditions: list | None = None) -> tuple[str, dict[str, str]]:
    post = s3v4.generate_presigned_post(Bucket=bucket, Key=key, Fields=fields or {}, Conditions=conditions or [],
                                      ExpiresIn=600)
    return post["url"], dict(post["fields"])


@pytest.mark.severity("client")
def test_post_upload_with_status_201_returns_xml(s3, s3v4, raw, bucket):
    """A POST upload with success_action_status=201 answers 201 with Location, Bucket, Key and ETag.

    AWS S3 API Reference, PostObject (success_action_status: 201 returns an XML document with
    Location, Bucket, Key and ETag); "Creating a POST Policy".
    """
    content = payload(20 * KiB, seed=23)
    url, fields = _boto3_post(s3v4, bucket, "post/201.bin", {"success_action_status": "201"},
                              [{"success_action_status": "201"}])
    resp = post_upload(raw.session, url, fields, content)
    expect_status(resp, 201, "POST upload with success_action_status=201")
    for name in ("Location", "Bucket", "Key", "ETag"):
        expect_true(xml_field(resp, name) is not None, "POST upload with success_action_status=201",
                    f"S3 answers an XML document with <{name}>; server's body was {resp.text[:200]!r}")
    expect_equal(xml_field(resp, "Bucket"), bucket, "PostResponse <Bucket>")
    expect_equal(xml_field(resp, "Key"), "post/201.bin", "PostResponse <Key>")
    etag = (xml_field(resp, "ETag") or "").strip('"')
    expect_equal(etag, hashlib.md5(content, usedforsecurity=False).hexdigest(), "PostResponse <ETag>")
    expect_equal(_get_bytes(s3, bucket, "post/201.bin"), content, "object stored by the POST upload")


@pytest.mark.severity("client")
def test_post_upload_with_status_204_returns_empty(s3, s3v4, raw, bucket):
    """A POST upload with success_action_status=204 answers 204 with no body and stores the file.

    AWS S3 API Reference, PostObject (success_action_status 200 or 204: empty document).
    """
    content = payload(20 * KiB, seed=24)
    url, fields = _boto3_post(s3v4, bucket, "post/204.bin", {"success_action_status": "204"},
                              [{"success_action_status": "204"}])
    resp = post_upload(raw.session, url, fields, content)
    expect_status(resp, 204, "POST upload with success_action_status=204")
    expect_equal(resp.content, b"", "body of a 204 answer to a POST upload")
    expect_equal(_get_bytes(s3, bucket, "post/204.bin"), content, "object stored by the POST upload")


_CONDITIONS = {
    "starts-with": (["starts-with", "$Content-Type", "image/"], "Content-Type", "image/png", "text/plain"),
    "eq": (["eq", "$x-amz-meta-tag", "blue"], "x-amz-meta-tag", "blue", "red"),
}


@pytest.mark.parametrize("kind", list(_CONDITIONS))
@pytest.mark.parametrize("outcome", ["satisfied", "violated"])
def test_post_policy_condition(s3, s3v4, raw, bucket, kind, outcome):
    """A POST policy condition (starts-with, eq) admits a matching form and rejects another with 403.

    "Creating a POST Policy" (condition matching: exact match, starts-with); a form that does not
    satisfy its policy is 403 AccessDenied, AWS's message "Invalid according to Policy: Policy
    Condition failed: ..." (the check asks only that the message is about the policy).
    """
    condition, field, good, bad = _CONDITIONS[kind]
    url, fields = _boto3_post(s3v4, bucket, "cond.txt", {field: good}, [condition])
    fields[field] = good if outcome == "satisfied" else bad
    resp = post_upload(raw.session, url, fields, b"conditional")
    rule = f"POST upload whose {field}={fields[field]!r} against {condition}"
    if outcome == "satisfied":
        expect_status(resp, 204, rule)
        expect_equal(_get_bytes(s3, bucket, "cond.txt"), b"conditional", "object stored by the POST upload")
        return
    expect_not_stored(s3, bucket, "cond.txt", rule, resp)
    expect_http_error(resp, 403, "AccessDenied", rule)
    expect_message_contains(resp, "Policy", rule)


@pytest.mark.parametrize(("size", "code"), [(5, "EntityTooSmall"), (200, "EntityTooLarge")],
                         ids=["too-small", "too-large"])
def test_post_policy_content_length_range(s3, s3v4, raw, bucket, size, code):
    """A file outside the policy's content-length-range is 400 EntityTooSmall / EntityTooLarge.

    "Creating a POST Policy" (content-length-range); "Error responses" (EntityTooSmall,
    EntityTooLarge: 400 Bad Request).
    """
    url, fields = _boto3_post(s3v4, bucket, "sized.bin", conditions=[["content-length-range", 10, 100]])
    resp = post_upload(raw.session, url, fields, b"s" * size)
    rule = f"POST upload of {size} bytes against content-length-range 10..100"
    expect_not_stored(s3, bucket, "sized.bin", rule, resp)
    expect_http_error(resp, 400, code, rule)


def test_post_policy_expired_is_403(raw, target, s3, bucket):
    """A POST whose policy expiration is in the past is 403 AccessDenied "Policy expired".

    "Creating a POST Policy" (expiration: the policy is rejected after it); AWS answers 403
    AccessDenied "Invalid according to Policy: Policy expired." The policy is otherwise valid and
    correctly signed (built and signed by the harness).
    """
    now = datetime.now(timezone.utc)
    form = post_form(target.credentials, target.region, bucket, "expired.txt", now=now,
                     expiration=now - timedelta(hours=1))
    resp = post_upload(raw.session, raw.url(bucket), form, b"expired")
    rule = "POST upload with a policy that expired an hour ago"
    expect_not_stored(s3, bucket, "expired.txt", rule, resp)
    expect_http_error(resp, 403, "AccessDenied", rule)
    expect_message_contains(resp, "expired", rule)


def test_post_form_field_not_in_policy_is_403(s3, s3v4, raw, bucket):
    """A form field the policy does not mention is 403 AccessDenied "Extra input fields".

    "Creating a POST Policy": every form field (except x-amz-signature, file, policy and fields
    prefixed x-ignore-) must be matched by a condition; AWS answers 403 AccessDenied "Invalid
    according to Policy: Extra input fields: x-amz-meta-extra" (the check asks that the message
    names the field).
    """
    url, fields = _boto3_post(s3v4, bucket, "extra.txt")
    fields["x-amz-meta-extra"] = "not-in-policy"
    resp = post_upload(raw.session, url, fields, b"extra")
    rule = "POST upload with a form field (x-amz-meta-extra) that the policy does not cover"
    expect_not_stored(s3, bucket, "extra.txt", rule, resp)
    expect_http_error(resp, 403, "AccessDenied", rule)
    expect_message_contains(resp, "x-amz-meta-extra", rule)


def test_post_policy_bad_signature_is_403(s3, s3v4, raw, bucket):
    """A POST form whose x-amz-signature does not match the policy is 403 SignatureDoesNotMatch.

    "Authenticating Requests in Browser-Based Uploads Using POST (AWS Signature Version 4)": the
    signature is HMAC-SHA256 of the base64 policy with the SigV4 signing key.
    """
    url, fields = _boto3_post(s3v4, bucket, "badsig.txt")
    sig = fields["x-amz-signature"]
    fields["x-amz-signature"] = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    resp = post_upload(raw.session, url, fields, b"bad signature")
    rule = "POST upload with a tampered x-amz-signature"
    expect_not_stored(s3, bucket, "badsig.txt", rule, resp)
    expect_http_error(resp, 403, "SignatureDoesNotMatch", rule)


@pytest.mark.severity("client")
def test_post_policy_built_by_harness_is_accepted(raw, target, s3, bucket):
    """A POST policy built and signed by the harness (as the expired-policy case does) is accepted.

    "Authenticating Requests in Browser-Based Uploads Using POST (AWS Signature Version 4)": the
    control for `test_post_policy_expired_is_403`, which differs only in the expiration.
    """
    form = post_form(target.credentials, target.region, bucket, "harness.txt")
    resp = post_upload(raw.session, raw.url(bucket), form, b"harness policy")
    expect_status(resp, 204, "POST upload with a harness-built policy")
    expect_equal(_get_bytes(s3, bucket, "harness.txt"), b"harness policy", "object stored by the POST upload")


# --------------------------------------------------------------------------- conditions satisfied: read back exactly


@pytest.mark.severity("data")
def test_post_exact_conditions_store_bytes_content_type_and_metadata(s3, raw, target, bucket):
    """Exact-match conditions on key, Content-Type and x-amz-meta-* admit the form; all of it reads back.

    "Creating a POST Policy" (exact matches: {"key": v}); PostObject (Content-Type and x-amz-meta-*
    form fields are stored as the object's Content-Type and user metadata).
    """
    content = payload(12 * KiB, seed=31)
    fields = {"Content-Type": "text/csv", "x-amz-meta-color": "blue", "x-amz-meta-owner": "gauntlet"}
    resp = _post(raw, bucket, _form(target, bucket, "exact/data.csv", fields=fields), content)
    expect_status(resp, 204, "POST upload whose key, Content-Type and x-amz-meta-* match the policy exactly")
    head = s3.head_object(Bucket=bucket, Key="exact/data.csv")
    expect_equal(_get_bytes(s3, bucket, "exact/data.csv"), content, "object stored by the POST upload")
    expect_equal(head.get("ContentType"), "text/csv", "Content-Type of an object stored by a POST upload")
    expect_equal(head.get("Metadata"), {"color": "blue", "owner": "gauntlet"},
                 "user metadata of an object stored by a POST upload")


@pytest.mark.severity("client")
def test_post_key_within_starts_with_prefix_is_stored(s3, raw, target, bucket):
    """["starts-with", "$key", "user/eric/"] admits a key under that prefix.

    "Creating a POST Policy" (condition matching: starts-with).
    """
    form = _form(target, bucket, "user/eric/photo.txt", key_condition=False,
                 conditions=[["starts-with", "$key", "user/eric/"]])
    resp = _post(raw, bucket, form, b"eric's photo")
    expect_status(resp, 204, "POST upload of user/eric/photo.txt against starts-with $key user/eric/")
    expect_equal(_get_bytes(s3, bucket, "user/eric/photo.txt"), b"eric's photo", "object stored by the POST upload")


@pytest.mark.severity("client")
def test_post_starts_with_empty_prefix_accepts_any_value(s3, raw, target, bucket):
    """["starts-with", "$x-amz-meta-note", ""] admits any value, which is stored as metadata.

    "Creating a POST Policy" (starts-with: "To allow any content, use an empty string").
    """
    note = "anything at all, 42"
    form = _form(target, bucket, "any.txt", fields={"x-amz-meta-note": note}, exact_fields=False,
                 conditions=[["starts-with", "$x-amz-meta-note", ""]])
    resp = _post(raw, bucket, form, b"any")
    expect_status(resp, 204, "POST upload against starts-with $x-amz-meta-note \"\"")
    expect_equal(s3.head_object(Bucket=bucket, Key="any.txt").get("Metadata"), {"note": note},
                 "user metadata of an object stored by a POST upload")


@pytest.mark.severity("client")
def test_post_content_type_starts_with_stores_the_sent_type(s3, raw, target, bucket):
    """["starts-with", "$Content-Type", "image/"] admits image/png, stored as the object's Content-Type.

    "Creating a POST Policy" (starts-with on Content-Type); PostObject (Content-Type form field).
    """
    form = _form(target, bucket, "pic.png", fields={"Content-Type": "image/png"}, exact_fields=False,
                 conditions=[["starts-with", "$Content-Type", "image/"]])
    resp = _post(raw, bucket, form, b"\x89PNG fake")
    expect_status(resp, 204, "POST upload with Content-Type image/png against starts-with image/")
    expect_equal(s3.head_object(Bucket=bucket, Key="pic.png").get("ContentType"), "image/png",
                 "Content-Type of an object stored by a POST upload")


@pytest.mark.severity("client")
def test_post_x_ignore_field_needs_no_condition(s3, raw, target, bucket):
    """A form field prefixed x-ignore- need not appear in the policy.

    "Creating a POST Policy": every form field except x-amz-signature, file, policy and fields
    prefixed x-ignore- must appear in the conditions.
    """
    form = _form(target, bucket, "ignored.txt")
    form["x-ignore-tracking"] = "campaign-7"
    resp = _post(raw, bucket, form, b"ignored field")
    expect_status(resp, 204, "POST upload with an x-ignore-tracking field the policy does not name")
    expect_equal(_get_bytes(s3, bucket, "ignored.txt"), b"ignored field", "object stored by the POST upload")


@pytest.mark.severity("client")
@pytest.mark.parametrize("size", [10, 100], ids=["min", "max"])
def test_post_content_length_range_is_inclusive(s3, raw, target, bucket, size):
    """A file exactly at content-length-range's minimum or maximum is accepted (the range is inclusive).

    "Creating a POST Policy" (content-length-range: the minimum and maximum allowed sizes).
    """
    form = _form(target, bucket, "edge.bin", conditions=[["content-length-range", 10, 100]])
    resp = _post(raw, bucket, form, b"e" * size)
    expect_status(resp, 204, f"POST upload of {size} bytes against content-length-range 10..100")
    expect_equal(_get_bytes(s3, bucket, "edge.bin"), b"e" * size, "object stored by the POST upload")


# ------------------------------------------------------------------- conditions violated: refused, nothing stored


def test_post_eq_key_condition_violated_is_403(s3, raw, target, bucket):
    """["eq", "$key", "exact.txt"] refuses a form for another key: 403 AccessDenied, nothing stored.

    "Creating a POST Policy" (exact match with eq); AWS answers 403 AccessDenied "Invalid according
    to Policy: Policy Condition failed".
    """
    form = _form(target, bucket, "other.txt", key_condition=False, conditions=[["eq", "$key", "exact.txt"]])
    resp = _post(raw, bucket, form, b"other")
    _expect_policy_denied(resp, s3, bucket, "other.txt", "POST upload of other.txt against [eq, $key, exact.txt]")


def _outside_prefix(raw, target, bucket: str) -> requests.Response:
    form = _form(target, bucket, "admin/escape.txt", key_condition=False,
                 conditions=[["starts-with", "$key", "user/eric/"]])
    return _post(raw, bucket, form, b"escaped")


def test_post_key_outside_starts_with_prefix_is_403(s3, raw, target, bucket):
    """A key outside the policy's starts-with prefix is 403 AccessDenied "Invalid according to Policy".

    "Creating a POST Policy" (starts-with on $key); "Error responses" (AccessDenied).
    """
    resp = _outside_prefix(raw, target, bucket)
    _expect_policy_denied(resp, s3, bucket, "admin/escape.txt",
                          "POST upload of admin/escape.txt against starts-with $key user/eric/")


def test_post_key_outside_starts_with_prefix_is_refused_and_not_stored(s3, raw, target, bucket):
    """A key outside the starts-with prefix is refused (any 4xx) and the key reads back 404.

    "Creating a POST Policy" (starts-with on $key): the policy confines uploads to a prefix; a server
    that stores the object lets a browser write anywhere in the bucket.
    """
    resp = _outside_prefix(raw, target, bucket)
    _expect_refused(resp, s3, bucket, "admin/escape.txt",
                    "POST upload of admin/escape.txt against starts-with $key user/eric/")


def _other_bucket(raw, target, bucket: str) -> requests.Response:
    form = _form(target, bucket, "elsewhere.txt", bucket_condition=bucket + "-other")
    return _post(raw, bucket, form, b"elsewhere")


def test_post_bucket_condition_for_other_bucket_is_403(s3, raw, target, bucket):
    """A policy whose bucket condition names another bucket is 403 AccessDenied for this one.

    "Creating a POST Policy" (bucket: the bucket the upload may go to); AWS answers 403 AccessDenied
    "Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", ...]".
    """
    resp = _other_bucket(raw, target, bucket)
    _expect_policy_denied(resp, s3, bucket, "elsewhere.txt", "POST upload to a bucket the policy does not name")


def test_post_bucket_condition_for_other_bucket_is_refused_and_not_stored(s3, raw, target, bucket):
    """A form signed for another bucket is refused (any 4xx) and nothing is stored in this one.

    "Creating a POST Policy" (bucket condition): a server that ignores it lets a form issued for
    one bucket write into every bucket of the same account.
    """
    resp = _other_bucket(raw, target, bucket)
    _expect_refused(resp, s3, bucket, "elsewhere.txt", "POST upload to a bucket the policy does not name")


def test_post_acl_condition_violated_is_403(s3, raw, target, bucket):
    """A policy {"acl": "private"} refuses a form with acl=public-read: 403 AccessDenied, nothing stored.

    "Creating a POST Policy" (conditions: acl, exact match).
    """
    form = _form(target, bucket, "acl.txt", fields={"acl": "public-read"}, exact_fields=False,
                 conditions=[{"acl": "private"}])
    resp = _post(raw, bucket, form, b"acl")
    _expect_policy_denied(resp, s3, bucket, "acl.txt", "POST upload with acl=public-read against {acl: private}")


# ------------------------------------------------------------------- success_action_status, redirect, ${filename}


@pytest.mark.severity("client")
def test_post_upload_with_status_200_returns_empty(s3, raw, target, bucket):
    """success_action_status=200 answers 200 with an empty body.

    PostObject (success_action_status: 200 or 204 returns an empty document with that status).
    """
    form = _form(target, bucket, "s200.txt", fields={"success_action_status": "200"})
    resp = _post(raw, bucket, form, b"two hundred")
    expect_status(resp, 200, "POST upload with success_action_status=200")
    expect_equal(resp.content, b"", "body of a 200 answer to a POST upload")
    expect_equal(_get_bytes(s3, bucket, "s200.txt"), b"two hundred", "object stored by the POST upload")


@pytest.mark.severity("client")
def test_post_upload_with_invalid_status_answers_204(s3, raw, target, bucket):
    """An invalid success_action_status (299) is treated as absent: 204 with an empty body.

    PostObject (success_action_status: "If the value is not set or if it is set to an invalid value,
    Amazon S3 returns an empty document with a 204 status code").
    """
    form = _form(target, bucket, "s299.txt", fields={"success_action_status": "299"})
    resp = _post(raw, bucket, form, b"invalid status")
    expect_status(resp, 204, "POST upload with success_action_status=299")
    expect_equal(_get_bytes(s3, bucket, "s299.txt"), b"invalid status", "object stored by the POST upload")


@pytest.mark.severity("client")
def test_post_success_action_redirect_is_303_with_bucket_key_etag(s3, raw, target, bucket):
    """success_action_redirect answers 303 to that URL with bucket, key and etag appended as query parameters.

    PostObject (success_action_redirect: "Amazon S3 appends the bucket, key, and etag values as query
    string parameters to the URL"); the redirect is 303 See Other.
    """
    content = b"redirect me"
    redirect = "https://example.com/uploaded"
    form = _form(target, bucket, "redir/done.txt", fields={"success_action_redirect": redirect})
    resp = _post(raw, bucket, form, content)
    rule = "POST upload with success_action_redirect"
    expect_status(resp, 303, rule)
    location = resp.headers.get("Location") or ""
    expect_true(location.startswith(redirect), rule, f"S3 redirects to {redirect}?...; Location was {location!r}")
    query = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    expect_equal(query.get("bucket"), bucket, "bucket query parameter of the redirect")
    expect_equal(query.get("key"), "redir/done.txt", "key query parameter of the redirect")
    expect_equal((query.get("etag") or "").strip('"'), hashlib.md5(content, usedforsecurity=False).hexdigest(),
                 "etag query parameter of the redirect")
    expect_equal(_get_bytes(s3, bucket, "redir/done.txt"), content, "object stored by the POST upload")


@pytest.mark.severity("client")
def test_post_filename_variable_in_key_is_replaced(s3, raw, target, bucket):
    """A key of uploads/${filename} stores the object under the file's name.

    PostObject (key: "To use the file name provided by the user, use the ${filename} variable").
    """
    form = _form(target, bucket, "uploads/${filename}", key_condition=False,
                 conditions=[["starts-with", "$key", "uploads/"]])
    resp = _post(raw, bucket, form, b"named by the browser", filename="holiday.jpg")
    expect_status(resp, 204, "POST upload with key uploads/${filename} and file holiday.jpg")
    expect_equal(list_keys(s3, bucket), ["uploads/holiday.jpg"], "keys stored by a POST upload to uploads/${filename}")
    expect_equal(_get_bytes(s3, bucket, "uploads/holiday.jpg"), b"named by the browser",
                 "object stored under uploads/holiday.jpg")


# --------------------------------------------------------------------------- form structure


@pytest.mark.severity("client")
def test_post_fields_after_file_are_ignored(s3, raw, target, bucket):
    """A field sent after the file is ignored: the upload is stored without it.

    PostObject (file: "must be the last field in the form"); "HTML Forms (AWS Signature Version 2)",
    HTML form fields (file: "Any fields below it are ignored"). The late
    field is x-amz-meta-late, which the policy does not name: a server that reads it must either
    refuse the form (extra input field) or store the metadata, and S3 does neither.
    """
    form = _form(target, bucket, "late.txt")
    parts = [(name, value, None) for name, value in form.items()]
    parts += [("file", b"file before a field", "late.txt"), ("x-amz-meta-late", "too-late", None)]
    resp = post_parts(raw.session, raw.url(bucket), parts)
    expect_status(resp, 204, "POST upload with x-amz-meta-late after the file field")
    expect_equal(s3.head_object(Bucket=bucket, Key="late.txt").get("Metadata"), {},
                 "user metadata of an object whose x-amz-meta-late came after the file")


@pytest.mark.severity("client")
def test_post_without_file_field_is_400(s3, raw, target, bucket):
    """A form without a file field is 400 (AWS: "POST requires exactly one file upload per request").

    PostObject (file: required); "Error responses" (IncorrectNumberOfFilesInPostRequest; AWS
    answers it as InvalidArgument).
    """
    form = _form(target, bucket, "nofile.txt")
    resp = post_parts(raw.session, raw.url(bucket), [(name, value, None) for name, value in form.items()])
    rule = "POST upload without a file field"
    _expect_absent(s3, bucket, "nofile.txt", rule, resp)
    expect_http_error(resp, 400, ("InvalidArgument", "IncorrectNumberOfFilesInPostRequest"), rule)


@pytest.mark.severity("client")
def test_post_without_key_field_is_400_invalidargument(s3, raw, target, bucket):
    """A form without a key field is 400 InvalidArgument ("Bucket POST must contain a field named 'key'").

    PostObject (key: required).
    """
    form = _form(target, bucket, "nokey.txt", key_condition=False)
    del form["key"]
    resp = _post(raw, bucket, form, b"no key", filename="nokey.txt")
    rule = "POST upload without a key field"
    expect_http_error(resp, 400, "InvalidArgument", rule)
    expect_equal(list_keys(s3, bucket), [], "bucket listing after a POST without a key")


# --------------------------------------------------------------------------- authentication of the form


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


_DEFECTS = {
    "missing-signature": lambda form: form.pop("x-amz-signature"),
    "missing-credential": lambda form: form.pop("x-amz-credential"),
}
_BAD_POLICIES = {
    "policy-not-base64": "this is not base64 at all!",
    "policy-not-json": _b64('{"expiration": "2099-01-01T00:00:00.000Z", "conditions": [{"bucket": '),
}


@pytest.mark.parametrize("defect", [*_DEFECTS, *_BAD_POLICIES])
def test_post_defective_form_is_refused_and_stores_nothing(s3, raw, target, bucket, defect):
    """A form without x-amz-signature or x-amz-credential, or whose policy is not base64 JSON, is refused.

    "Authenticating Requests in Browser-Based Uploads Using POST (AWS Signature Version 4)" (policy,
    x-amz-credential and x-amz-signature are required; the policy is base64-encoded JSON). The bad
    policies are correctly signed. Any 4xx; the key must read back 404.
    """
    form = _form(target, bucket, "defect.txt", policy_b64=_BAD_POLICIES.get(defect))
    if defect in _DEFECTS:
        _DEFECTS[defect](form)
    resp = _post(raw, bucket, form, b"defective")
    _expect_refused(resp, s3, bucket, "defect.txt", f"POST upload with a defective form ({defect})")


def test_post_tampered_policy_is_403_signaturedoesnotmatch(s3, raw, target, bucket):
    """A policy swapped for another after signing is 403 SignatureDoesNotMatch; nothing is stored.

    "Authenticating Requests in Browser-Based Uploads Using POST (AWS Signature Version 4)": the
    signature covers the base64 policy, so a policy edited after signing no longer matches.
    """
    form = _form(target, bucket, "signed.txt")
    form["policy"] = _form(target, bucket, "tampered.txt")["policy"]
    form["key"] = "tampered.txt"
    resp = _post(raw, bucket, form, b"tampered")
    rule = "POST upload whose policy was replaced after signing"
    _expect_absent(s3, bucket, "tampered.txt", rule, resp)
    expect_http_error(resp, 403, "SignatureDoesNotMatch", rule)


def test_post_from_unknown_access_key_is_403_invalidaccesskeyid(s3, raw, target, bucket):
    """A form whose x-amz-credential names an unknown access key is 403 InvalidAccessKeyId.

    "Authenticating Requests in Browser-Based Uploads Using POST"; "Error responses" (InvalidAccessKeyId).
    """
    creds = Credentials("AKIAGAUNTLETUNKNOWN0", "unknown-secret-key-for-s3gauntlet-0000000")
    form = post_form(creds, target.region, bucket, "stranger.txt")
    resp = _post(raw, bucket, form, b"stranger")
    rule = "POST upload signed with an unknown access key"
    _expect_absent(s3, bucket, "stranger.txt", rule, resp)
    expect_http_error(resp, 403, "InvalidAccessKeyId", rule)
