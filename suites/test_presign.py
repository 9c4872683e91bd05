"""Presigned URLs (query-string SigV4) and browser POST uploads with a POST policy.

Presigned URLs come from boto3 (`generate_presigned_url`) and from the harness presigner
(gauntlet.sigv4.presign), and are used with plain `requests`, as a browser or curl would.
Negative cases tamper with a valid URL or sign one already expired (no sleeping).

References: Amazon S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS
Signature Version 4)", "Authenticating Requests in Browser-Based Uploads Using POST (AWS
Signature Version 4)", "Creating a POST Policy", PostObject, and "Error responses".
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest

from gauntlet import sigv4
from gauntlet.checks import expect_equal, expect_http_error, expect_status, expect_true
from gauntlet.data import KiB, payload
from gauntlet.sigv4_helpers import (
    expect_message_contains,
    expect_not_stored,
    list_keys,
    post_form,
    post_upload,
    xml_field,
)
from gauntlet.targets import Credentials

pytestmark = [pytest.mark.presign, pytest.mark.requires("presign"), pytest.mark.severity("security")]

SIGNERS = ["boto3", "harness"]


@pytest.fixture
def s3v4(s3_client):
    """boto3 client that presigns with SigV4.

    botocore presigns with Signature Version 2 (AWSAccessKeyId/Signature/Expires, and a SigV2 POST
    policy) for a custom endpoint in us-east-1 unless told `signature_version="s3v4"`; these cases
    are about SigV4 query authentication.
    """
    return s3_client(signature_version="s3v4")


def _presign(signer: str, s3v4, raw, method: str, bucket: str, key: str, expires: int = 300) -> str:
    """A presigned URL for `method` on bucket/key, from boto3 or from the harness."""
    if signer == "boto3":
        operation = {"GET": "get_object", "PUT": "put_object", "HEAD": "head_object",
                     "DELETE": "delete_object"}[method]
        return s3v4.generate_presigned_url(operation, Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)
    return raw.presign(method, bucket, key, expires=expires)


def _get_bytes(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


# --------------------------------------------------------------------------- presigned URLs that work


@pytest.mark.parametrize("signer", SIGNERS)
@pytest.mark.severity("client")
def test_presigned_get_returns_object(s3, s3v4, raw, bucket, signer):
    """A presigned GET URL, used without any other credentials, returns the object's bytes.

    AWS S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)";
    GetObject.
    """
    body = payload(32 * KiB, seed=21)
    s3.put_object(Bucket=bucket, Key="get.bin", Body=body)
    resp = raw.send_url("GET", _presign(signer, s3v4, raw, "GET", bucket, "get.bin"))
    expect_status(resp, 200, f"GET with a {signer} presigned URL")
    expect_equal(resp.content, body, f"GET with a {signer} presigned URL")


@pytest.mark.parametrize("signer", SIGNERS)
@pytest.mark.severity("data")
def test_presigned_put_stores_object(s3, s3v4, raw, bucket, signer):
    """A presigned PUT URL stores the body sent with it.

    AWS S3 API Reference, "Authenticating Requests: Using Query Parameters"; PutObject.
    """
    body = payload(32 * KiB, seed=22)
    resp = raw.send_url("PUT", _presign(signer, s3v4, raw, "PUT", bucket, "put.bin"), body=body)
    expect_status(resp, 200, f"PUT with a {signer} presigned URL")
    expect_equal(_get_bytes(s3, bucket, "put.bin"), body, f"object stored by a {signer} presigned PUT")


@pytest.mark.parametrize("signer", SIGNERS)
@pytest.mark.severity("client")
def test_presigned_head_returns_length(s3, s3v4, raw, bucket, signer):
    """A presigned HEAD URL answers 200 with the object's Content-Length.

    AWS S3 API Reference, "Authenticating Requests: Using Query Parameters"; HeadObject.
    """
    s3.put_object(Bucket=bucket, Key="head.bin", Body=b"0123456789")
    resp = raw.send_url("HEAD", _presign(signer, s3v4, raw, "HEAD", bucket, "head.bin"))
    expect_status(resp, 200, f"HEAD with a {signer} presigned URL")
    expect_equal(resp.headers.get("Content-Length"), "10", f"Content-Length of HEAD with a {signer} presigned URL")


@pytest.mark.parametrize("signer", SIGNERS)
@pytest.mark.severity("data")
def test_presigned_delete_removes_object(s3, s3v4, raw, bucket, signer):
    """A presigned DELETE URL answers 204 and removes the object.

    AWS S3 API Reference, "Authenticating Requests: Using Query Parameters"; DeleteObject (204).
    """
    s3.put_object(Bucket=bucket, Key="delete.bin", Body=b"bye")
    resp = raw.send_url("DELETE", _presign(signer, s3v4, raw, "DELETE", bucket, "delete.bin"))
    expect_status(resp, 204, f"DELETE with a {signer} presigned URL")
    expect_equal(list_keys(s3, bucket), [], f"bucket listing after a {signer} presigned DELETE")


_SPECIAL_KEYS = {
    "reserved": "a b+c&d=e:f,g;h@i$.txt",
    "unicode-tilde": "ünï/~(x)*'!.txt",
    "percent-question-hash": "100%?#x.txt",
}


@pytest.mark.parametrize("key", list(_SPECIAL_KEYS.values()), ids=list(_SPECIAL_KEYS))
@pytest.mark.severity("client")
def test_presigned_urls_for_keys_with_special_characters(s3, s3v4, raw, bucket, key):
    """Presigned PUT (harness) and GET (boto3) work for keys with characters that need encoding.

    "Authenticating Requests: Using Query Parameters": the canonical URI is the URI-encoded key
    ('?' as %3F, '#' as %23, space as %20, '+' as %2B); AWS S3 User Guide, "Naming Amazon S3 objects".
    """
    body = f"presigned {key}".encode()
    put = raw.send_url("PUT", raw.presign("PUT", bucket, key), body=body)
    expect_status(put, 200, f"presigned PUT of key {key!r}")
    expect_equal(list_keys(s3, bucket), [key], f"ListObjectsV2 after a presigned PUT of key {key!r}")
    get = raw.send_url("GET", s3v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}))
    expect_status(get, 200, f"boto3 presigned GET of key {key!r}")
    expect_equal(get.content, body, f"boto3 presigned GET of key {key!r}")


# --------------------------------------------------------------------------- presigned URLs that must fail


def test_presigned_put_with_other_content_type_is_403(s3, s3v4, raw, bucket):
    """A presigned PUT signed for one Content-Type and sent with another is 403 SignatureDoesNotMatch.

    "Authenticating Requests: Using Query Parameters": headers named in X-Amz-SignedHeaders are
    part of the signature (boto3 signs Content-Type when ContentType is given). The same URL with the
    signed Content-Type must then work.
    """
    url = s3v4.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "typed.txt",
                                                            "ContentType": "text/plain"}, ExpiresIn=300)
    signed_headers = dict(parse_qsl(urlsplit(url).query)).get("X-Amz-SignedHeaders", "")
    if "content-type" not in signed_headers.split(";"):
        raise AssertionError(f"harness: boto3 did not sign content-type (X-Amz-SignedHeaders={signed_headers!r})")
    rule = "presigned PUT signed for Content-Type text/plain, sent with image/png"
    resp = raw.send_url("PUT", url, headers={"Content-Type": "image/png"}, body=b"typed")
    expect_not_stored(s3, bucket, "typed.txt", rule, resp)
    expect_http_error(resp, 403, "SignatureDoesNotMatch", rule)
    ok = raw.send_url("PUT", url, headers={"Content-Type": "text/plain"}, body=b"typed")
    expect_status(ok, 200, "the same presigned PUT sent with the signed Content-Type text/plain")


def _replace_param(url: str, name: str, value: str) -> str:
    base, _, query = url.partition("?")
    parts = []
    for piece in query.split("&"):
        key = piece.partition("=")[0]
        parts.append(f"{name}={value}" if key == name else piece)
    tampered = f"{base}?{'&'.join(parts)}"
    if tampered == url:
        raise AssertionError(f"harness: could not change {name} in {url}")
    return tampered


@pytest.mark.parametrize("part", ["signature", "key", "expires"])
def test_tampered_presigned_url_is_403_signaturedoesnotmatch(s3, raw, bucket, part):
    """A presigned URL whose signature, key or X-Amz-Expires was changed is 403 SignatureDoesNotMatch.

    "Authenticating Requests: Using Query Parameters": the canonical request covers the path and
    every query parameter except X-Amz-Signature. Both keys exist, so a server that ignores the
    signature answers 200.
    """
    s3.put_object(Bucket=bucket, Key="signed.txt", Body=b"signed")
    s3.put_object(Bucket=bucket, Key="other.txt", Body=b"other")
    url = raw.presign("GET", bucket, "signed.txt", expires=300)
    if part == "signature":
        sig = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
        url = _replace_param(url, "X-Amz-Signature", sig[:-1] + ("0" if sig[-1] != "0" else "1"))
    elif part == "key":
        url = url.replace("/signed.txt?", "/other.txt?")
    else:
        url = _replace_param(url, "X-Amz-Expires", "301")
    resp = raw.send_url("GET", url)
    expect_http_error(resp, 403, "SignatureDoesNotMatch", f"presigned GET URL with a tampered {part}")


def test_presigned_url_signed_with_wrong_secret_is_403(s3, raw, target, bucket):
    """A presigned URL signed with the wrong secret key is 403 SignatureDoesNotMatch.

    "Authenticating Requests: Using Query Parameters"; "Error responses" (SignatureDoesNotMatch).
    """
    s3.put_object(Bucket=bucket, Key="secret.txt", Body=b"secret")
    creds = Credentials(target.credentials.access_key, target.credentials.secret_key + "-wrong")
    resp = raw.send_url("GET", raw.presign("GET", bucket, "secret.txt", credentials=creds))
    expect_http_error(resp, 403, "SignatureDoesNotMatch", "presigned GET signed with a wrong secret key")


def test_presigned_url_from_unknown_access_key_is_403_invalidaccesskeyid(s3, raw, bucket):
    """A presigned URL naming an access key the server does not know is 403 InvalidAccessKeyId.

    "Authenticating Requests: Using Query Parameters"; "Error responses" (InvalidAccessKeyId).
    """
    s3.put_object(Bucket=bucket, Key="unknown.txt", Body=b"x")
    creds = Credentials("AKIAGAUNTLETUNKNOWN0", "unknown-secret-key-for-s3gauntlet-0000000")
    resp = raw.send_url("GET", raw.presign("GET", bucket, "unknown.txt", credentials=creds))
    expect_http_error(resp, 403, "InvalidAccessKeyId", "presigned GET from an unknown access key")


def test_expired_presigned_url_is_403_accessdenied(s3, raw, bucket):
    """A presigned URL past X-Amz-Date + X-Amz-Expires is 403 AccessDenied "Request has expired".

    "Authenticating Requests: Using Query Parameters" (X-Amz-Expires: the validity period from
    X-Amz-Date). Signed two hours ago for 60 seconds, so it is already expired.
    """
    s3.put_object(Bucket=bucket, Key="expired.txt", Body=b"x")
    signed_at = datetime.now(timezone.utc) - timedelta(hours=2)
    resp = raw.send_url("GET", raw.presign("GET", bucket, "expired.txt", expires=60, amz_date=signed_at))
    rule = "presigned GET URL that expired over an hour ago"
    expect_http_error(resp, 403, "AccessDenied", rule)
    expect_message_contains(resp, "Request has expired", rule)


@pytest.mark.severity("client")
def test_presigned_expires_over_seven_days_is_400(s3, raw, bucket):
    """X-Amz-Expires above 604800 (7 days) is 400 AuthorizationQueryParametersError.

    "Authenticating Requests: Using Query Parameters": X-Amz-Expires is at most 604800 seconds;
    "Error responses" (AuthorizationQueryParametersError).
    """
    s3.put_object(Bucket=bucket, Key="week.txt", Body=b"x")
    resp = raw.send_url("GET", raw.presign("GET", bucket, "week.txt", expires=604801))
    expect_http_error(resp, 400, "AuthorizationQueryParametersError", "presigned GET with X-Amz-Expires=604801")


@pytest.mark.severity("client")
def test_presigned_url_for_other_region_is_400(s3, raw, target, bucket):
    """A presigned URL whose credential scope names another region is 400 AuthorizationQueryParametersError.

    "Authenticating Requests: Using Query Parameters" (X-Amz-Credential scope); AWS answers
    "Error parsing the X-Amz-Credential parameter; the region 'X' is wrong; expecting 'Y'".
    """
    s3.put_object(Bucket=bucket, Key="region.txt", Body=b"x")
    other = "eu-west-3" if target.region != "eu-west-3" else "ap-south-1"
    creds = target.credentials
    url = sigv4.presign_url("GET", raw.url(bucket, "region.txt"), access_key=creds.access_key,
                            secret_key=creds.secret_key, session_token=creds.session_token, region=other)
    resp = raw.send_url("GET", url)
    expect_http_error(resp, 400, "AuthorizationQueryParametersError", f"presigned GET signed for region {other}")


# --------------------------------------------------------------------------- browser POST uploads


def _boto3_post(s3v4, bucket: str, key: str, fields: dict[str, str] | None = None,
                conditions: list | None = None) -> tuple[str, dict[str, str]]:
    post = s3v4.generate_presigned_post(Bucket=bucket, Key=key, Fields=fields or {}, Conditions=conditions or [],
                                      ExpiresIn=600)
    return post["url"], dict(post["fields"])


@pytest.mark.requires("post_policy")
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


@pytest.mark.requires("post_policy")
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


@pytest.mark.requires("post_policy")
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


@pytest.mark.requires("post_policy")
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


@pytest.mark.requires("post_policy")
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


@pytest.mark.requires("post_policy")
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


@pytest.mark.requires("post_policy")
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


@pytest.mark.requires("post_policy")
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
