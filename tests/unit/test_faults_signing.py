"""The proxy's signature checks agree with botocore, and its re-signing produces valid signatures (no network)."""

from __future__ import annotations

import functools
import io
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.config
import pytest
from botocore.awsrequest import AWSResponse

from gauntlet.faults.model import Headers, Request
from gauntlet.faults.signing import Signing, parse_auth, presign_expired
from gauntlet.s3 import sigv4
from gauntlet.s3.credentials import Credentials

AK, SK, TOKEN = "AKIDSIGNING", "signing-secret/key+0001", "session/token=="
ENDPOINT = "http://127.0.0.1:9"
SIGNING = Signing([Credentials(AK, SK), Credentials("ALT", "alt-secret")])


class _Captured(Exception):
    pass


@functools.cache
def _boto3(token: str | None = None, **config: Any) -> Any:
    return boto3.session.Session().client(
        "s3", endpoint_url=ENDPOINT, aws_access_key_id=AK, aws_secret_access_key=SK, aws_session_token=token,
        region_name="us-east-1",
        config=botocore.config.Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}, **config))


def _sent(client: Any, call: str, **params: Any) -> tuple[str, str, list[tuple[str, str]]]:
    """(method, target, headers) of the request botocore would send (captured, never sent)."""
    seen: list[Any] = []

    def capture(request: Any, **_: Any) -> AWSResponse:
        seen.append(request)
        return AWSResponse(request.url, 200, {}, io.BytesIO(b""))

    client.meta.events.register("before-send.s3", capture)
    try:
        getattr(client, call)(**params)
    except Exception:  # the fake empty answer may not parse; only the request matters
        pass
    finally:
        client.meta.events.unregister("before-send.s3", capture)
    request = seen[-1]
    url = urlsplit(request.url)
    target = url.path + (f"?{url.query}" if url.query else "")
    headers = [(k, v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", url.netloc))
    return request.method, target, headers


KEYS = ["plain.txt", "a b/c+d", "café/日本語-😀", "a//b", "100%.txt", "what?=&#", "~user/x~1"]


@pytest.mark.parametrize("key", KEYS)
def test_botocore_signed_requests_verify(key: str) -> None:
    client = _boto3()
    for call, params in (("get_object", {"Range": "bytes=0-9"}), ("put_object", {"Body": b"data", "Metadata": {
            "Color": "Deep  Blue"}}), ("head_object", {"IfNoneMatch": '"x"'})):
        method, target, headers = _sent(client, call, Bucket="bkt", Key=key, **params)
        assert SIGNING.verify(method, target, headers) is True, (call, target)


def test_botocore_listing_and_session_token_verify() -> None:
    method, target, headers = _sent(_boto3(TOKEN), "list_objects_v2", Bucket="bkt", Prefix="a b/é", Delimiter="/",
                                    StartAfter="x+y")
    signing = Signing([Credentials(AK, SK, TOKEN)])
    assert signing.verify(method, target, headers) is True


def test_tampering_is_detected() -> None:
    method, target, headers = _sent(_boto3(), "get_object", Bucket="bkt", Key="k")
    assert SIGNING.verify(method, target + "x", headers) is False
    wrong = Signing([Credentials(AK, "not-the-secret")])
    assert wrong.verify(method, target, headers) is False
    assert Signing([]).verify(method, target, headers) is None
    assert SIGNING.verify("GET", "/bkt/k", [("Host", "h")]) is None


@pytest.mark.parametrize("key", KEYS)
def test_botocore_presigned_urls_verify(key: str) -> None:
    url = _boto3(signature_version="s3v4").generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": key},
                                                                  ExpiresIn=600)
    parts = urlsplit(url)
    target = parts.path + "?" + parts.query
    assert SIGNING.verify("GET", target, [("Host", parts.netloc)]) is True
    assert SIGNING.verify("PUT", target, [("Host", parts.netloc)]) is False


def test_resign_after_an_edit_and_after_a_new_date() -> None:
    method, target, headers = _sent(_boto3(), "get_object", Bucket="bkt", Key="a b", Range="bytes=1-2",
                                    VersionId="v1")
    req = Request(method, target, Headers(headers), signing=SIGNING)
    req.drop_header("range")
    req.drop_query("versionId")
    req.set_header("x-amz-meta-added", "1")
    assert SIGNING.finalize(req) == "re-signed"
    assert SIGNING.verify(req.method, req.target, req.headers.items()) is True
    assert "x-amz-meta-added" in req.headers.get("authorization") and "range" not in req.headers.get("authorization")


def test_presign_expiry_and_resign() -> None:
    past = datetime.now(timezone.utc) - timedelta(hours=2)
    url = sigv4.presign_url("GET", "http://h:1/bkt/k", access_key=AK, secret_key=SK, region="us-east-1", expires=60,
                            amz_date=past)
    parts = urlsplit(url)
    req = Request("GET", parts.path + "?" + parts.query, Headers([("Host", "h:1")]), signing=SIGNING)
    auth = parse_auth(req.method, req.target, req.headers.items())
    assert auth is not None and auth.kind == "query" and presign_expired(auth)
    assert SIGNING.resign(req, amz_date=sigv4.amz_date())
    fresh = parse_auth(req.method, req.target, req.headers.items())
    assert fresh is not None and not presign_expired(fresh)
    assert SIGNING.verify(req.method, req.target, req.headers.items()) is True


def test_post_policy_signature_matches_botocore() -> None:
    post = _boto3(signature_version="s3v4").generate_presigned_post("bkt", "k", ExpiresIn=600)
    fields = post["fields"]
    assert SIGNING.post_policy_signature(fields["policy"], fields["x-amz-credential"]) == fields["x-amz-signature"]
