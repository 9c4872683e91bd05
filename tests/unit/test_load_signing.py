"""The load users' request path, byte for byte, against botocore's S3SigV4Auth (no network, no Locust).

The bytes checked are the ones :class:`gauntlet.load.s3ops.RequestBuilder` hands to the lean
connection (the default transport) and the dict it hands to Locust's FastHttpSession.
botocore gets the same method, path, query (as raw parameters it encodes itself),
host, body and time, and must produce the same Authorization header.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from unittest import mock
from urllib.parse import quote, unquote

import botocore.auth
import botocore.config
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from gauntlet.config.profiles import load_profile
from gauntlet.load.s3ops import LoadContext, RequestBuilder, bucket_ms, classify_failure, s3_error
from gauntlet.s3.sigv4 import EMPTY_SHA256, UNSIGNED_PAYLOAD, canonical_query

AK = "AKIAIOSFODNN7EXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLE//////////wEaDEXAMPLE+token/with=odd"
REGION = "eu-central-1"


def parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    text = head.decode("latin-1")
    assert text.endswith("\r\n\r\n") and text.count("\r\n\r\n") == 1
    lines = text[:-4].split("\r\n")
    method, target, version = lines[0].split(" ")
    assert version == "HTTP/1.1"
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(": ")
        assert name not in headers
        headers[name] = value
    return method, target, headers


def botocore_authorization(method: str, host: str, path: str, params: dict[str, str], amz_date: str,
                           body: bytes = b"", unsigned: bool = False, token: str | None = None) -> str:
    request = AWSRequest(method=method, url=f"http://{host}{path}", headers={"Host": host}, data=body,
                         params=params)
    request.context = {}
    if unsigned:
        request.context["client_config"] = botocore.config.Config(s3={"payload_signing_enabled": False})
    auth = botocore.auth.S3SigV4Auth(Credentials(AK, SK, token), "s3", REGION)
    when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        auth.add_auth(request)
    return request.headers["Authorization"]


def split_query(query: str) -> dict[str, str]:
    """Raw parameters from a canonical query (botocore re-encodes them itself)."""
    out = {}
    for pair in query.split("&") if query else []:
        key, _, value = pair.partition("=")
        out[unquote(key)] = unquote(value)
    return out


def check(builder: RequestBuilder, method: str, bucket: str, key: str | None, query: str = "",
          payload_hash: str = EMPTY_SHA256, body: bytes = b"", extra: str = "", token: str | None = None) -> dict:
    host, path = builder.locate(bucket, key)
    head = builder.head(method, host, path, query, payload_hash, extra)
    sent_method, target, headers = parse_head(head)
    assert sent_method == method
    assert target == (f"{path}?{query}" if query else path)
    assert headers["Host"] == host
    assert headers["X-Amz-Content-SHA256"] == payload_hash
    signed = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]
    expected_signed = "host;x-amz-content-sha256;x-amz-date" + (";x-amz-security-token" if token else "")
    assert signed == expected_signed, "only host and x-amz-* are signed; Range/Content-Length travel unsigned"
    if token:
        assert headers["X-Amz-Security-Token"] == token
    reference = botocore_authorization(method, host, path, split_query(query), headers["X-Amz-Date"], body=body,
                                       unsigned=payload_hash == UNSIGNED_PAYLOAD, token=token)
    assert headers["Authorization"] == reference
    # the dict form (Locust's FastHttpSession) carries the same signature
    as_dict = builder.headers(method, host, path, query, payload_hash)
    if as_dict["X-Amz-Date"] == headers["X-Amz-Date"]:
        assert as_dict["Authorization"] == reference
    assert as_dict["Host"] == host
    return headers


@pytest.fixture
def builder() -> RequestBuilder:
    return RequestBuilder("http://127.0.0.1:9000", REGION, AK, SK)


def test_get_head_delete(builder: RequestBuilder) -> None:
    check(builder, "GET", "bucket", "o/003/0000013")
    check(builder, "HEAD", "bucket", "o/003/0000013")
    check(builder, "DELETE", "bucket", "u/ab12cd-1/0007")


def test_ranged_get_sends_range_unsigned(builder: RequestBuilder) -> None:
    headers = check(builder, "GET", "bucket", "o/000/0000001", extra="Range: bytes=100-1123\r\n")
    assert headers["Range"] == "bytes=100-1123"


def test_put_unsigned_and_signed_payload(builder: RequestBuilder) -> None:
    body = b"x" * 5000
    headers = check(builder, "PUT", "bucket", "u/t/0001", payload_hash=UNSIGNED_PAYLOAD, body=body,
                    extra=f"Content-Length: {len(body)}\r\n")
    assert headers["Content-Length"] == "5000"
    check(builder, "PUT", "bucket", "u/t/0001", payload_hash=hashlib.sha256(body).hexdigest(), body=body,
          extra=f"Content-Length: {len(body)}\r\n")


def test_list_v2_query_is_canonical_and_sent_as_signed(builder: RequestBuilder) -> None:
    query = canonical_query([("list-type", "2"), ("max-keys", "100"), ("prefix", "o/003/")])
    assert query == "list-type=2&max-keys=100&prefix=o%2F003%2F"
    check(builder, "GET", "bucket", None, query)


def test_multipart_queries(builder: RequestBuilder) -> None:
    check(builder, "POST", "bucket", "m/t/0000", "uploads=")
    upload_id = "2~abc/def+ghi=jkl"
    check(builder, "PUT", "bucket", "m/t/0000", canonical_query([("partNumber", "3"), ("uploadId", upload_id)]),
          payload_hash=UNSIGNED_PAYLOAD)
    xml = b"<CompleteMultipartUpload></CompleteMultipartUpload>"
    check(builder, "POST", "bucket", "m/t/0000", canonical_query([("uploadId", upload_id)]),
          payload_hash=hashlib.sha256(xml).hexdigest(), body=xml)


def test_version_id_query(builder: RequestBuilder) -> None:
    check(builder, "GET", "vbucket", "v/00001", canonical_query([("versionId", "3/L4kqtJl+40=kw")]))


def test_odd_keys_are_encoded_like_botocore(builder: RequestBuilder) -> None:
    for key in ("a b/c", "caf\u00e9/\u00fc", "x+y=z&w", "tilde~star*", "a//b", "./x"):
        assert builder.locate("bucket", key)[1] == "/bucket/" + quote(key, safe="/~")  # botocore's own quoting
        check(builder, "GET", "bucket", key)


def test_session_token() -> None:
    builder = RequestBuilder("http://127.0.0.1:9000", REGION, AK, SK, session_token=TOKEN)
    check(builder, "GET", "bucket", "k", token=TOKEN)


def test_virtual_host_style_and_default_port() -> None:
    builder = RequestBuilder("http://s3.example.test", REGION, AK, SK, addressing="virtual")
    host, path = builder.locate("bucket", "k/1")
    assert (host, path) == ("bucket.s3.example.test", "/k/1")
    check(builder, "GET", "bucket", "k/1")
    builder = RequestBuilder("https://s3.example.test:443/prefix/", REGION, AK, SK)
    assert builder.locate("bucket", "k") == ("s3.example.test", "/prefix/bucket/k")
    assert builder.endpoint.tls and builder.endpoint.port == 443


def test_the_users_prepared_requests() -> None:
    """What a LoadContext prepares (object paths, LIST queries, PUT payload hashes) signs like botocore."""
    profile = load_profile("smoke")
    profile.payload = "signed"
    plan = {"endpoint": "http://127.0.0.1:9000", "region": REGION, "bucket": "s3g-20261121-000000-abcd-load-0001",
            "seed": "t", "profile": profile.to_dict(), "etag_is_md5": True}
    ctx = LoadContext(plan, AK, SK)
    obj = ctx.objects[5]
    assert obj.key == "o/001/0000005" and obj.get_name in ("GET 4KiB", "GET 64KiB")
    headers = check(ctx.builder, "GET", plan["bucket"], obj.key)
    assert parse_head(ctx.builder.head("GET", ctx.host, obj.path))[1] == obj.path
    assert headers["Host"] == "127.0.0.1:9000"
    for query in ctx.list_queries:
        check(ctx.builder, "GET", plan["bucket"], None, query)
    payload = ctx.payloads[0]
    assert payload.payload_hash == hashlib.sha256(payload.body).hexdigest()
    assert payload.md5 == hashlib.md5(payload.body).hexdigest()
    check(ctx.builder, "PUT", plan["bucket"], "u/x/0000", payload_hash=payload.payload_hash, body=payload.body,
          extra=payload.length_line)
    assert ctx.expected_md5(obj) == hashlib.md5(ctx.pattern.content(obj.offset, obj.size)).hexdigest()


def test_unsigned_payload_is_the_default() -> None:
    plan = {"endpoint": "http://127.0.0.1:9000", "region": REGION, "bucket": "b", "seed": "t",
            "profile": load_profile("smoke").to_dict()}
    ctx = LoadContext(plan, AK, SK)
    assert {p.payload_hash for p in ctx.payloads} == {UNSIGNED_PAYLOAD}


def test_error_codes_and_fail_fast_classification() -> None:
    error = s3_error(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
    assert str(error) == "HTTP 403 SignatureDoesNotMatch" and error.auth
    assert str(s3_error(503, b"")) == "HTTP 503"
    assert classify_failure(error, 50, 0)[0] == "credentials"
    assert classify_failure(ConnectionRefusedError(111, "Connection refused"), 50, 0)[0] == "unreachable"
    assert classify_failure(s3_error(500, b"<Code>InternalError</Code>"), 2000, 9)[0] == "failing"


def test_fail_fast_and_request_cap_counting() -> None:
    plan = {"endpoint": "http://127.0.0.1:9000", "region": REGION, "bucket": "b", "seed": "t",
            "profile": load_profile("smoke").to_dict()}
    ctx = LoadContext(plan, AK, SK)
    ctx.cap = 60
    for _ in range(49):
        ctx.note(ConnectionRefusedError(111, "Connection refused"))
    assert ctx.abort_reason is None
    ctx.note(ConnectionRefusedError(111, "Connection refused"))
    assert ctx.abort_reason is not None and ctx.abort_reason[0] == "unreachable"
    assert "50 requests in a row failed and none succeeded" in ctx.abort_reason[1]
    for _ in range(10):
        ctx.note(None)
    assert ctx.capped and ctx.consecutive_failures == 0


@pytest.mark.parametrize(("ms", "bucket"), [
    (0.4237, 0.42), (4.237, 4.2), (42.37, 42), (147, 150), (3432, 3400), (58760, 59000), (0.0, 0), (0.00123, 0.0012),
])
def test_latency_buckets_keep_two_significant_digits(ms: float, bucket: float) -> None:
    assert bucket_ms(ms) == pytest.approx(bucket)


def test_a_long_streak_of_failures_ends_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from gauntlet.load import s3ops

    plan = {"endpoint": "http://127.0.0.1:9000", "region": REGION, "bucket": "b", "seed": "t",
            "profile": load_profile("smoke").to_dict()}
    ctx = LoadContext(plan, AK, SK)
    ctx.note(None)  # the server worked once
    clock = [1000.0]
    monkeypatch.setattr(s3ops.time, "monotonic", lambda: clock[0])
    for _ in range(30):
        ctx.note(TimeoutError("timed out"))
    assert ctx.abort_reason is None  # 30 failures in no time, after a success: not yet
    clock[0] += s3ops.STREAK_S
    ctx.note(TimeoutError("timed out"))
    assert ctx.abort_reason is not None and ctx.abort_reason[0] == "unreachable"
