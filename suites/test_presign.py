"""Presigned URLs (query-string SigV4); browser POST uploads are in suites/test_post_object.py.

Presigned URLs come from boto3 (`generate_presigned_url`) and from the harness presigner
(gauntlet.s3.sigv4.presign), and are used with plain `requests`, as a browser or curl would.
Negative cases tamper with a valid URL or sign one already expired (no sleeping).

References: Amazon S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS
Signature Version 4)" and "Error responses".
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest

from gauntlet.plugin.checks import expect_equal, expect_http_error, expect_status
from gauntlet.s3 import sigv4
from gauntlet.s3.credentials import Credentials
from gauntlet.s3.data import KiB, payload
from suites._support.signing import (
    expect_message_contains,
    expect_not_stored,
    list_keys,
)

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
