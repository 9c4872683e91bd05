"""gauntlet.s3.sigv4 against botocore's signers and the AWS published S3 examples (no network)."""

from __future__ import annotations

import hashlib
import io
import urllib.parse
from datetime import datetime, timedelta, timezone
from unittest import mock

import botocore.auth
import botocore.config
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum

from gauntlet.s3 import sigv4

AK = "AKIAIOSFODNN7EXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLE//////////wEaDEXAMPLE+token/with=odd&chars"
REGION = "eu-central-1"
WHEN = datetime(2025, 3, 9, 23, 59, 58, tzinfo=timezone.utc)
STAMP = "20250309T235958Z"


# --------------------------------------------------------------------------- botocore reference


def _botocore_url(endpoint: str, bucket: str, key: str | None) -> str:
    """The URL botocore itself would build: key quoted with ``safe='/~'`` (independent of sigv4)."""
    path = f"/{bucket}" if key is None else f"/{bucket}/" + urllib.parse.quote(key, safe="/~")
    return endpoint + path


def _botocore_sign(
    method: str,
    url: str,
    *,
    params: list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    token: str | None = None,
    unsigned_payload: bool = False,
    context: dict | None = None,
) -> AWSRequest:
    request = AWSRequest(method=method, url=url, headers=dict(headers or {}), data=body, params=params or {})
    request.context = dict(context or {})
    if unsigned_payload:
        request.context["client_config"] = botocore.config.Config(s3={"payload_signing_enabled": False})
    auth = botocore.auth.S3SigV4Auth(Credentials(AK, SK, token), "s3", REGION)
    with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN.replace(tzinfo=None)):
        auth.add_auth(request)
    return request


def _botocore_presign(url: str, *, expires: int = 3600, token: str | None = None, method: str = "GET") -> str:
    request = AWSRequest(method=method, url=url)
    auth = botocore.auth.S3SigV4QueryAuth(Credentials(AK, SK, token), "s3", REGION, expires=expires)
    with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN.replace(tzinfo=None)):
        auth.add_auth(request)
    return request.url


# --------------------------------------------------------------------------- header auth vs botocore

HEADER_CASES = [
    # id, method, endpoint, bucket, key, query pairs, extra headers, body, token, unsigned payload
    ("get-plain", "GET", "http://127.0.0.1:9000", "bkt", "plain.txt", None, {}, b"", None, False),
    ("get-space", "GET", "http://127.0.0.1:9000", "bkt", "a b.txt", None, {}, b"", None, False),
    ("get-plus", "GET", "http://localhost:8333", "bkt", "a+b=c&d", None, {}, b"", None, False),
    ("get-percent", "GET", "http://localhost:8333", "bkt", "100%25 sure %", None, {}, b"", None, False),
    ("get-tilde", "GET", "http://localhost:8333", "bkt", "~user/file~1", None, {}, b"", None, False),
    ("get-unicode", "GET", "https://s3.example.com", "bkt", "café/日本語.txt", None, {}, b"", None, False),
    ("get-specials", "GET", "http://h:1", "bkt", "!$'()*,;:@[]#?", None, {}, b"", None, False),
    ("get-double-slash", "GET", "http://h:9000", "bkt", "a//b", None, {}, b"", None, False),
    ("get-dot", "GET", "http://h:9000", "bkt", "./x", None, {}, b"", None, False),
    ("get-dotdot", "GET", "http://h:9000", "bkt", "../y", None, {}, b"", None, False),
    ("get-trailing-slash", "GET", "http://h:9000", "bkt", "dir/", None, {}, b"", None, False),
    (
        "get-range-session",
        "GET",
        "https://h:8443",
        "bkt",
        "k",
        None,
        {"Range": "bytes=0-9"},
        b"",
        TOKEN,
        False,
    ),
    (
        "list-v2",
        "GET",
        "http://h:9000",
        "bkt",
        None,
        [("list-type", "2"), ("prefix", "a b"), ("delimiter", "/"), ("max-keys", "5")],
        {},
        b"",
        None,
        False,
    ),
    (
        "list-repeated-key",
        "GET",
        "http://h:9000",
        "bkt",
        None,
        [("z", "1"), ("a", "b"), ("a", "a"), ("A", "x"), ("prefix", "é/+~*")],
        {},
        b"",
        None,
        False,
    ),
    ("uploads", "POST", "http://h:9000", "bkt", "big object", [("uploads", "")], {}, b"", None, False),
    (
        "version-id",
        "DELETE",
        "http://h:9000",
        "bkt",
        "k/v",
        [("versionId", "3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo")],
        {},
        b"",
        None,
        False,
    ),
    ("head", "HEAD", "http://h:9000", "bkt", "k", None, {"If-None-Match": '"abc"'}, b"", None, False),
    (
        "put-meta-spaces",
        "PUT",
        "http://h:9000",
        "bkt",
        "dir/file name.bin",
        None,
        {
            "Content-Type": "application/octet-stream",
            "x-amz-meta-note": "  several   spaces\tand tab  ",
            "X-Amz-Meta-Other": "a  b",
        },
        b"hello world" * 100,
        None,
        False,
    ),
    (
        "put-session",
        "PUT",
        "https://s3.eu-central-1.amazonaws.com",
        "bkt",
        "k",
        None,
        {"x-amz-storage-class": "STANDARD_IA"},
        b"\x00\x01binary",
        TOKEN,
        False,
    ),
    (
        "put-unsigned-payload",
        "PUT",
        "https://h:9443",
        "bkt",
        "u p",
        None,
        {"Content-Type": "text/plain"},
        b"x" * 1000,
        None,
        True,
    ),
    (
        "put-unsigned-session",
        "PUT",
        "https://h",
        "bkt",
        "k",
        [("partNumber", "2"), ("uploadId", "a/b+c=")],
        {},
        b"part",
        TOKEN,
        True,
    ),
    ("delete-bucket", "DELETE", "http://h:80", "bkt", None, None, {}, b"", None, False),
    ("default-https-port", "GET", "https://h:443", "bkt", "k", None, {}, b"", None, False),
]


@pytest.mark.parametrize(
    "method,endpoint,bucket,key,query,headers,body,token,unsigned",
    [c[1:] for c in HEADER_CASES],
    ids=[c[0] for c in HEADER_CASES],
)
def test_header_signature_matches_botocore(
    method, endpoint, bucket, key, query, headers, body, token, unsigned
):
    url = sigv4.s3_url(endpoint, bucket, key, query)
    ours = sigv4.sign_request(
        method,
        url,
        {**headers, "User-Agent": "gauntlet/1"},
        body,
        access_key=AK,
        secret_key=SK,
        region=REGION,
        session_token=token,
        payload_hash=sigv4.UNSIGNED_PAYLOAD if unsigned else None,
        amz_date=WHEN,
        unsigned_headers=["user-agent"],
    )
    ref = _botocore_sign(
        method,
        _botocore_url(endpoint, bucket, key),
        params=query,
        headers={**headers, "User-Agent": "gauntlet/1"},
        body=body,
        token=token,
        unsigned_payload=unsigned,
    )
    assert ours.headers["Authorization"] == ref.headers["Authorization"], ours.canonical_request
    assert ours.headers["X-Amz-Content-SHA256"] == ref.headers["X-Amz-Content-SHA256"]
    assert ours.headers["X-Amz-Date"] == ref.headers["X-Amz-Date"] == STAMP
    if token:
        assert ours.headers["X-Amz-Security-Token"] == TOKEN
    # s3_url encodes keys as botocore does, and sign_request sends that URL unchanged ...
    assert urllib.parse.urlsplit(url).path == urllib.parse.urlsplit(_botocore_url(endpoint, bucket, key)).path
    assert ours.url == url
    # ... and what is sent is what is signed: the URL path is the canonical URI, verbatim.
    assert ours.canonical_request.split("\n")[1] == urllib.parse.urlsplit(ours.url).path
    assert "user-agent" not in ours.signed_headers


def test_path_is_not_normalised():
    url = sigv4.s3_url("http://h:9000", "bkt", "a//b/./c/../d/")
    assert url == "http://h:9000/bkt/a//b/./c/../d/"
    signed = sigv4.sign_request("GET", url, access_key=AK, secret_key=SK, region=REGION, amz_date=WHEN)
    assert signed.canonical_request.split("\n")[1] == "/bkt/a//b/./c/../d/"
    assert signed.url == url


# --------------------------------------------------------------------------- canonical pieces


def test_canonical_uri_encoding():
    assert sigv4.canonical_uri("/bkt/a b+c%~é日本/x") == "/bkt/a%20b%2Bc%25~%C3%A9%E6%97%A5%E6%9C%AC/x"
    assert sigv4.canonical_uri("/bkt/a//b/./x/../y/") == "/bkt/a//b/./x/../y/"
    assert sigv4.canonical_uri("/bkt/A-Za-z0-9-._~") == "/bkt/A-Za-z0-9-._~"
    assert sigv4.canonical_uri("") == "/"
    assert sigv4.canonical_uri("/test$file.text") == "/test%24file.text"
    assert sigv4.canonical_uri("/!$&'()*+,;=:@[]#?") == "/%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A%40%5B%5D%23%3F"


def test_canonical_query_forms_agree():
    expected = "delimiter=%2F&list-type=2&prefix=a%20b"
    assert sigv4.canonical_query("list-type=2&prefix=a b&delimiter=/") == expected
    assert sigv4.canonical_query("?prefix=a%20b&delimiter=%2f&list-type=2") == expected
    assert sigv4.canonical_query([("list-type", "2"), ("prefix", "a b"), ("delimiter", "/")]) == expected
    assert sigv4.canonical_query({"list-type": "2", "prefix": "a b", "delimiter": "/"}) == expected


def test_canonical_query_details():
    assert sigv4.canonical_query("uploads") == "uploads="
    assert sigv4.canonical_query([("uploads", None)]) == "uploads="
    assert sigv4.canonical_query([("b", "2"), ("a", "z"), ("a", "y")]) == "a=y&a=z&b=2"
    # Sorted by encoded name: "%" (0x25) sorts before letters and "_" after upper case.
    assert sigv4.canonical_query([("b", ""), ("é", "1"), ("B", ""), ("_", "")]) == "%C3%A9=1&B=&_=&b="
    # Pairs are raw values: "%" is literal.
    assert sigv4.canonical_query([("prefix", "100%")]) == "prefix=100%25"
    assert sigv4.canonical_query([("k", "a+b")]) == "k=a%2Bb"
    assert sigv4.canonical_query(None) == "" == sigv4.canonical_query("")


def test_canonical_headers():
    block, signed = sigv4.canonical_headers(
        {"Host": "h", "X-Amz-Meta-A": "  a   b  ", "x-amz-meta-a": "c", "Content-Type": "text/plain"}
    )
    assert block == "content-type:text/plain\nhost:h\nx-amz-meta-a:a b,c\n"
    assert signed == "content-type;host;x-amz-meta-a"


def test_signing_key_aws_example():
    # "Examples of how to derive a signing key for Signature Version 4" (IAM, 20120215).
    key = sigv4.signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
    assert (
        sigv4.signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam") is key
    )


def test_amz_date_forms():
    assert sigv4.amz_date(WHEN) == STAMP
    assert sigv4.amz_date(WHEN.replace(tzinfo=None)) == STAMP
    assert sigv4.amz_date(WHEN.astimezone(timezone(timedelta(hours=5, minutes=30)))) == STAMP
    assert sigv4.amz_date(WHEN.timestamp()) == STAMP
    assert sigv4.amz_date("not-a-date") == "not-a-date"


@pytest.mark.parametrize(
    "url",
    [
        "http://h:80/b",
        "https://h:443/b",
        "http://h:443/b",
        "https://H.Example.COM:9443/b",
        "http://[::1]:9000/b",
        "http://user:pw@h:9000/b",
    ],
)
def test_host_header_matches_botocore(url):
    signed = sigv4.sign_request("GET", url, access_key=AK, secret_key=SK, region=REGION, amz_date=WHEN)
    assert signed.headers["Host"] == botocore.auth._host_from_url(url)


def test_s3_url_builder():
    assert sigv4.s3_url("http://h:9000", "bkt", "a b/é") == "http://h:9000/bkt/a%20b/%C3%A9"
    assert sigv4.s3_url("http://h:9000/", "bkt", None) == "http://h:9000/bkt"
    assert sigv4.s3_url("http://h:9000", "bkt", "") == "http://h:9000/bkt/"
    assert sigv4.s3_url("http://h:9000", None) == "http://h:9000/"
    assert sigv4.s3_url("http://h:9000/s3/", "bkt", "k") == "http://h:9000/s3/bkt/k"
    assert (
        sigv4.s3_url("https://s3.amazonaws.com", "bkt", "k", virtual=True) == "https://bkt.s3.amazonaws.com/k"
    )
    assert sigv4.s3_url("http://h", "bkt", None, [("uploads", None)]) == "http://h/bkt?uploads"
    assert (
        sigv4.s3_url("http://h", "bkt", None, [("prefix", "a b/c"), ("delimiter", "/")])
        == "http://h/bkt?prefix=a%20b%2Fc&delimiter=%2F"
    )
    assert sigv4.s3_url("http://h", "bkt", "k", "versionId=a b") == "http://h/bkt/k?versionId=a%20b"


def test_unsigned_and_chosen_signed_headers():
    url = sigv4.s3_url("http://h:9000", "bkt", "k")
    common = {"access_key": AK, "secret_key": SK, "region": REGION, "amz_date": WHEN}
    hdrs = {"x-amz-meta-secret": "v", "Content-Type": "text/plain"}
    signed = sigv4.sign_request("PUT", url, hdrs, b"x", unsigned_headers=["X-Amz-Meta-Secret"], **common)
    assert signed.headers["x-amz-meta-secret"] == "v"  # sent ...
    assert signed.signed_headers == "content-type;host;x-amz-content-sha256;x-amz-date"  # ... not signed
    assert "x-amz-meta-secret" not in signed.canonical_request

    only = sigv4.sign_request("PUT", url, hdrs, b"x", signed_headers=["host", "x-amz-date"], **common)
    assert only.signed_headers == "host;x-amz-date"
    assert f"SignedHeaders=host;x-amz-date, Signature={only.signature}" in only.headers["Authorization"]
    with pytest.raises(ValueError, match="x-amz-meta-missing"):
        sigv4.sign_request("PUT", url, hdrs, b"x", signed_headers=["host", "x-amz-meta-missing"], **common)


def test_caller_headers_are_sent_verbatim():
    url = sigv4.s3_url("http://h:9000", "bkt", "k")
    signed = sigv4.sign_request(
        "PUT",
        url,
        {"Host": "other:1", "X-Amz-Date": "20200101T000000Z", "x-amz-content-sha256": "0" * 64},
        b"body",
        access_key=AK,
        secret_key=SK,
        region=REGION,
    )
    assert signed.headers["Host"] == "other:1"
    assert signed.amz_date == "20200101T000000Z"
    assert signed.credential_scope == f"20200101/{REGION}/s3/aws4_request"
    assert signed.canonical_request.endswith("\n" + "0" * 64)
    assert "X-Amz-Content-SHA256" not in signed.headers  # no duplicate in different case


def test_raw_characters_in_url_are_encoded_consistently():
    signed = sigv4.sign_request(
        "GET",
        "http://h:9000/bkt/a b/é?prefix=x y&list-type=2",
        access_key=AK,
        secret_key=SK,
        region=REGION,
        amz_date=WHEN,
    )
    assert signed.url == "http://h:9000/bkt/a%20b/%C3%A9?prefix=x%20y&list-type=2"
    assert signed.canonical_request.split("\n")[1:3] == ["/bkt/a%20b/%C3%A9", "list-type=2&prefix=x%20y"]


# --------------------------------------------------------------------------- presigned URLs

PRESIGN_CASES = [
    ("plain", "GET", "http://127.0.0.1:9000", "bkt", "k.txt", None, 3600, None),
    ("odd-key", "GET", "https://h:8443", "bkt", "a b/./é+~//x/", None, 900, None),
    ("put-token", "PUT", "https://s3.amazonaws.com", "bkt", "up load", None, 604800, TOKEN),
    (
        "version",
        "GET",
        "http://h",
        "bkt",
        "k",
        [("versionId", "a/b+c"), ("response-content-type", "text/x y")],
        60,
        None,
    ),
    ("uploads", "POST", "http://h:9000", "bkt", "k", [("uploads", "")], 3600, None),
]


@pytest.mark.parametrize(
    "method,endpoint,bucket,key,query,expires,token",
    [c[1:] for c in PRESIGN_CASES],
    ids=[c[0] for c in PRESIGN_CASES],
)
def test_presign_matches_botocore(method, endpoint, bucket, key, query, expires, token):
    ours = sigv4.presign_url(
        method,
        sigv4.s3_url(endpoint, bucket, key, query),
        access_key=AK,
        secret_key=SK,
        region=REGION,
        expires=expires,
        amz_date=WHEN,
        session_token=token,
    )
    ref_url = _botocore_url(endpoint, bucket, key)
    if query:
        ref_url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    assert ours == _botocore_presign(ref_url, expires=expires, token=token, method=method)


def test_presign_extra_query_and_details():
    signed = sigv4.presign(
        "GET",
        sigv4.s3_url("http://h:9000", "bkt", "k"),
        access_key=AK,
        secret_key=SK,
        region=REGION,
        amz_date=WHEN,
        extra_query=[("response-cache-control", "no cache")],
    )
    assert "?response-cache-control=no%20cache&X-Amz-Algorithm=AWS4-HMAC-SHA256&" in signed.url
    assert signed.url.endswith(f"&X-Amz-Signature={signed.signature}")
    assert signed.canonical_request.endswith("\nhost:h:9000\n\nhost\nUNSIGNED-PAYLOAD")
    ref = _botocore_presign("http://h:9000/bkt/k?response-cache-control=no%20cache")
    assert signed.url == ref


# --------------------------------------------------------------------------- AWS published examples

EX_KW = {"access_key": AK, "secret_key": SK, "region": "us-east-1", "amz_date": "20130524T000000Z"}
EX_ENDPOINT = "https://s3.amazonaws.com"


def test_aws_example_get_object_range():
    # "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk",
    # example GET Object.
    url = sigv4.s3_url(EX_ENDPOINT, "examplebucket", "test.txt", virtual=True)
    signed = sigv4.sign_request("GET", url, {"Range": "bytes=0-9"}, **EX_KW)
    assert signed.canonical_request == (
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
        f"x-amz-content-sha256:{sigv4.EMPTY_SHA256}\nx-amz-date:20130524T000000Z\n\n"
        f"host;range;x-amz-content-sha256;x-amz-date\n{sigv4.EMPTY_SHA256}"
    )
    assert signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    assert signed.headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_aws_example_put_object():
    url = sigv4.s3_url(EX_ENDPOINT, "examplebucket", "test$file.text", virtual=True)
    headers = {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"}
    signed = sigv4.sign_request("PUT", url, headers, b"Welcome to Amazon S3.", **EX_KW)
    assert signed.headers["X-Amz-Content-SHA256"] == (
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
    )
    assert signed.signed_headers == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class"
    assert signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"


def test_aws_example_get_lifecycle():
    url = sigv4.s3_url(EX_ENDPOINT, "examplebucket", None, [("lifecycle", None)], virtual=True)
    assert url == "https://examplebucket.s3.amazonaws.com/?lifecycle"
    signed = sigv4.sign_request("GET", url, **EX_KW)
    assert signed.canonical_request.split("\n")[:3] == ["GET", "/", "lifecycle="]
    assert signed.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"


def test_aws_example_list_objects():
    url = sigv4.s3_url(EX_ENDPOINT, "examplebucket", None, [("max-keys", "2"), ("prefix", "J")], virtual=True)
    signed = sigv4.sign_request("GET", url, **EX_KW)
    assert signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"


def test_aws_example_presigned_url():
    # "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)".
    url = sigv4.presign_url(
        "GET",
        sigv4.s3_url(EX_ENDPOINT, "examplebucket", "test.txt", virtual=True),
        access_key=AK,
        secret_key=SK,
        region="us-east-1",
        amz_date="20130524T000000Z",
        expires=86400,
    )
    assert url == (
        "https://examplebucket.s3.amazonaws.com/test.txt"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )


def test_aws_example_chunked_upload():
    # "Signature Calculations for the Authorization Header: Transferring Payload in Multiple Chunks".
    signed, framed = sigv4.sign_streaming_request(
        "PUT",
        sigv4.s3_url(EX_ENDPOINT, "examplebucket", "chunkObject.txt"),
        b"a" * 66560,
        headers={"x-amz-storage-class": "REDUCED_REDUNDANCY"},
        chunk_size=64 * 1024,
        **EX_KW,
    )
    assert signed.signed_headers == (
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class"
    )
    assert signed.headers["Content-Length"] == "66824" == str(len(framed))
    assert signed.headers["X-Amz-Decoded-Content-Length"] == "66560"
    assert signed.headers["X-Amz-Content-SHA256"] == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    assert signed.signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    assert signed.body is framed

    first = b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
    second = b"400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"
    final = b"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"
    assert framed == first + b"a" * 65536 + b"\r\n" + second + b"a" * 1024 + b"\r\n" + final

    # The same chain from the lower-level pieces.
    again = sigv4.chunked_body(
        b"a" * 66560,
        65536,
        seed_signature=signed.signature,
        signing_key=sigv4.signing_key(SK, "20130524", "us-east-1", "s3"),
        amz_date="20130524T000000Z",
        scope="20130524/us-east-1/s3/aws4_request",
    )
    assert again == framed


@pytest.mark.parametrize("length,chunk", [(0, 8192), (1, 8192), (8192, 8192), (8193, 8192), (100_000, 65536)])
def test_signed_chunked_length(length, chunk):
    body = bytes(range(256)) * (length // 256) + b"x" * (length % 256)
    framed = sigv4.chunked_body(
        body, chunk, seed_signature="0" * 64, signing_key=b"k" * 32, amz_date=STAMP, scope="s"
    )
    assert len(framed) == sigv4.signed_chunked_length(length, chunk)


# --------------------------------------------------------------------------- aws-chunked with a trailer


@pytest.mark.parametrize("length,chunk", [(0, 1024), (10, 1024), (1024, 1024), (5000, 1024)])
def test_unsigned_trailer_body_matches_botocore(length, chunk):
    body = bytes(i % 251 for i in range(length))
    value = sigv4.checksum_value("crc32", body)
    ours = sigv4.unsigned_trailer_body(body, chunk, "x-amz-checksum-crc32", value)
    ref = AwsChunkedWrapper(io.BytesIO(body), Crc32Checksum, "x-amz-checksum-crc32", chunk).read()
    assert ours == ref
    assert len(ours) == sigv4.unsigned_trailer_length(length, chunk, "x-amz-checksum-crc32", value)


def test_unsigned_trailer_request_matches_botocore():
    body = b"0123456789" * 1000
    url = sigv4.s3_url("https://h:9443", "bkt", "k")
    ours, framed = sigv4.sign_unsigned_trailer_request(
        "PUT", url, body, access_key=AK, secret_key=SK, region=REGION, amz_date=WHEN, chunk_size=4096
    )
    assert ours.headers["X-Amz-Content-SHA256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert ours.headers["X-Amz-Trailer"] == "x-amz-checksum-crc32"
    assert ours.headers["Content-Length"] == str(len(framed))
    assert framed.endswith(
        b"0\r\nx-amz-checksum-crc32:" + sigv4.checksum_value("crc32", body).encode() + b"\r\n\r\n"
    )
    sent = {
        k: v
        for k, v in ours.headers.items()
        if k not in ("Authorization", "Host", "X-Amz-Date", "X-Amz-Content-SHA256")
    }
    ref = _botocore_sign(
        "PUT",
        _botocore_url("https://h:9443", "bkt", "k"),
        headers=sent,
        body=framed,
        context={
            "checksum": {
                "request_algorithm": {"in": "trailer", "name": "x-amz-checksum-crc32", "algorithm": "crc32"}
            }
        },
    )
    assert ours.headers["Authorization"] == ref.headers["Authorization"]


def test_checksum_values():
    # CRC32 of "hello world" is 0x0d4a1185; SHA-256 of "" is the well-known empty hash.
    assert sigv4.checksum_value("crc32", b"hello world") == "DUoRhQ=="
    assert (
        sigv4.checksum_value("x-amz-checksum-sha256", b"") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    )
    with pytest.raises(ValueError):
        sigv4.checksum_value("crc64nvme", b"")


# --------------------------------------------------------------------------- the hot-path Signer


def _signer_vs_sign_request(signer: sigv4.Signer, token: str | None, extra: dict[str, str] | None):
    url = sigv4.s3_url(
        "http://127.0.0.1:9000", "bkt", "dir/a b.txt", [("partNumber", "1"), ("uploadId", "x/y")]
    )
    body = b"payload"
    payload = hashlib.sha256(body).hexdigest()
    got = signer.headers(
        "PUT",
        "127.0.0.1:9000",
        sigv4.canonical_uri("/bkt/dir/a b.txt"),
        sigv4.canonical_query([("uploadId", "x/y"), ("partNumber", "1")]),
        payload,
        extra_headers=extra,
        now=WHEN,
    )
    ref = sigv4.sign_request(
        "PUT",
        url,
        extra,
        body,
        access_key=AK,
        secret_key=SK,
        region=REGION,
        session_token=token,
        amz_date=WHEN,
    )
    assert got["Authorization"] == ref.headers["Authorization"]
    assert got["X-Amz-Date"] == STAMP
    assert got["X-Amz-Content-SHA256"] == payload
    bc = _botocore_sign(
        "PUT",
        _botocore_url("http://127.0.0.1:9000", "bkt", "dir/a b.txt"),
        params=[("partNumber", "1"), ("uploadId", "x/y")],
        headers=extra,
        body=body,
        token=token,
    )
    assert got["Authorization"] == bc.headers["Authorization"]
    return got


@pytest.mark.parametrize("token", [None, TOKEN])
@pytest.mark.parametrize("extra", [None, {"Content-Type": "text/plain", "x-amz-meta-k": " v  w "}])
def test_signer_matches_sign_request_and_botocore(token, extra):
    signer = sigv4.Signer(AK, SK, REGION, session_token=token)
    got = _signer_vs_sign_request(signer, token, extra)
    if token:
        assert got["X-Amz-Security-Token"] == token
    if extra:
        assert got["x-amz-meta-k"] == " v  w "
    # Second call reuses the cached day state and must give the same answer.
    assert _signer_vs_sign_request(signer, token, extra) == got


def test_signer_now_and_day_rollover():
    signer = sigv4.Signer(AK, SK, REGION)
    live = signer.headers("GET", "h:9000", "/bkt/k")
    again = sigv4.sign_request(
        "GET", "http://h:9000/bkt/k", access_key=AK, secret_key=SK, region=REGION, amz_date=live["X-Amz-Date"]
    )
    assert live["Authorization"] == again.headers["Authorization"]
    for when in (WHEN, WHEN + timedelta(seconds=3), WHEN - timedelta(days=1)):
        got = signer.headers("GET", "h:9000", "/bkt/k", now=when)
        ref = sigv4.sign_request(
            "GET", "http://h:9000/bkt/k", access_key=AK, secret_key=SK, region=REGION, amz_date=when
        )
        assert got["Authorization"] == ref.headers["Authorization"]
        assert f"/{sigv4.amz_date(when)[:8]}/" in got["Authorization"]
