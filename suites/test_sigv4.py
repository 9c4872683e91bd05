"""SigV4 header authentication: what a server must accept, and what it must reject.

Authentication is where S3-compatible servers are most often silently wrong: some
accept any signature, some reject valid requests from real SDKs. Valid requests are
signed by boto3 or by the harness signer (gauntlet.s3.sigv4, which signs exactly what
it sends: no path normalisation); negative cases sign one thing and send another.

References: Amazon S3 API Reference, "Authenticating Requests (AWS Signature Version 4)",
"Signature Calculations for the Authorization Header: Transferring Payload in a Single
Chunk", "... in Multiple Chunks (Chunked Upload)", "Create a canonical request for
Signature Version 4", and "Error responses: List of error codes".
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

from gauntlet.plugin.checks import expect_equal, expect_http_error, expect_status, expect_true
from gauntlet.s3 import sigv4
from gauntlet.s3.credentials import Credentials
from gauntlet.s3.data import KiB, payload
from suites._support.signing import error_message, expect_not_stored, list_keys

pytestmark = [pytest.mark.sigv4, pytest.mark.severity("security")]


def _other_region(region: str) -> str:
    return "eu-west-3" if region != "eu-west-3" else "ap-south-1"


def _get_bytes(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xml_list(text: str) -> tuple[list[str], list[str]]:
    """(keys, common prefixes) of a ListObjectsV2 XML answer (any XML namespace)."""
    root = ET.fromstring(text)
    keys: list[str] = []
    prefixes: list[str] = []
    for el in root:
        name = _local(el.tag)
        if name in ("Contents", "CommonPrefixes"):
            wanted = "Key" if name == "Contents" else "Prefix"
            value = next((child.text or "" for child in el if _local(child.tag) == wanted), "")
            (keys if name == "Contents" else prefixes).append(value)
    return keys, prefixes


# --------------------------------------------------------------------------- valid requests from boto3


@pytest.mark.parametrize("checksum_mode", ["when_supported", "when_required"])
@pytest.mark.severity("client")
def test_boto3_path_style_put_get_list_succeed(s3_client, bucket, checksum_mode):
    """boto3 (both request-checksum modes) can PUT, GET and LIST with path-style SigV4 requests.

    AWS S3 API Reference, "Authenticating Requests (AWS Signature Version 4)"; PutObject,
    GetObject, ListObjectsV2. botocore >= 1.36 sends CRC32 checksums by default
    (`when_supported`); `when_required` sends none. Both must be accepted and store the bytes exactly.
    """
    client = s3_client(checksum_mode=checksum_mode, addressing="path")
    body = payload(100 * KiB, seed=11)
    client.put_object(Bucket=bucket, Key="dir/boto3.bin", Body=body, Metadata={"mode": checksum_mode})
    expect_equal(_get_bytes(client, bucket, "dir/boto3.bin"), body, "GetObject after a boto3 PutObject")
    expect_equal(list_keys(client, bucket), ["dir/boto3.bin"], "ListObjectsV2 after a boto3 PutObject")


@pytest.mark.requires("virtual_host")
@pytest.mark.severity("client")
def test_boto3_virtual_host_style_put_get_list_succeed(s3_client, bucket):
    """boto3 with virtual-host-style addressing (bucket in the Host header) is accepted.

    AWS S3 User Guide, "Virtual hosting of buckets"; the Host header is part of the signed
    canonical headers ("Create a canonical request for Signature Version 4").
    """
    client = s3_client(addressing="virtual")
    body = payload(10 * KiB, seed=12)
    client.put_object(Bucket=bucket, Key="vhost.bin", Body=body)
    expect_equal(_get_bytes(client, bucket, "vhost.bin"), body, "GetObject (virtual-host style)")
    expect_equal(list_keys(client, bucket), ["vhost.bin"], "ListObjectsV2 (virtual-host style)")


# --------------------------------------------------------------------------- credential rejections


def test_wrong_secret_key_is_403_signaturedoesnotmatch(raw, target, bucket):
    """A request signed with the wrong secret key is rejected with 403 SignatureDoesNotMatch.

    AWS S3 API Reference, "Error responses" (SignatureDoesNotMatch: "The request signature we
    calculated does not match the signature you provided").
    """
    creds = Credentials(target.credentials.access_key, target.credentials.secret_key + "-wrong")
    resp = raw.request("GET", bucket, query={"list-type": "2"}, credentials=creds)
    expect_http_error(resp, 403, "SignatureDoesNotMatch", "ListObjectsV2 signed with a wrong secret key")


def test_wrong_secret_key_put_stores_nothing(raw, target, s3, bucket):
    """A PutObject signed with the wrong secret is rejected (403 SignatureDoesNotMatch) and stores nothing.

    AWS S3 API Reference, "Error responses" (SignatureDoesNotMatch); PutObject.
    """
    creds = Credentials(target.credentials.access_key, target.credentials.secret_key + "-wrong")
    resp = raw.request("PUT", bucket, "forged.txt", body=b"forged", credentials=creds)
    expect_not_stored(s3, bucket, "forged.txt", "PutObject signed with a wrong secret key", resp)
    expect_http_error(resp, 403, "SignatureDoesNotMatch", "PutObject signed with a wrong secret key")


def test_unknown_access_key_is_403_invalidaccesskeyid(raw, bucket):
    """A request from an access key the server does not know is rejected with 403 InvalidAccessKeyId.

    AWS S3 API Reference, "Error responses" (InvalidAccessKeyId: "The AWS access key ID you
    provided does not exist in our records").
    """
    creds = Credentials("AKIAGAUNTLETUNKNOWN0", "unknown-secret-key-for-s3gauntlet-0000000")
    resp = raw.request("GET", bucket, query={"list-type": "2"}, credentials=creds)
    expect_http_error(resp, 403, "InvalidAccessKeyId", "ListObjectsV2 signed with an unknown access key")


def test_bogus_security_token_is_400_invalidtoken(raw, target, bucket):
    """A request carrying an x-amz-security-token the server never issued is rejected: 400 InvalidToken.

    AWS S3 API Reference, "Error responses: List of error codes" (InvalidToken: "The provided token
    is malformed or otherwise invalid", 400 Bad Request). The token is signed, so a server that
    ignores it accepts the request.
    """
    creds = Credentials(target.credentials.access_key, target.credentials.secret_key,
                        session_token="s3gauntlet-bogus-session-token")
    resp = raw.request("GET", bucket, query={"list-type": "2"}, credentials=creds)
    expect_http_error(resp, 400, "InvalidToken", "ListObjectsV2 with a bogus x-amz-security-token")


@pytest.mark.parametrize("resource", ["list-objects", "get-object", "put-object"])
def test_anonymous_request_to_private_resource_is_403_accessdenied(raw, s3, bucket, resource):
    """A request without Authorization (anonymous) to a private bucket or object is 403 AccessDenied.

    AWS S3 User Guide, "Access control" (buckets and objects are private by default); AWS S3 API
    Reference, "Error responses" (AccessDenied).
    """
    s3.put_object(Bucket=bucket, Key="private.txt", Body=b"private")
    if resource == "list-objects":
        resp = raw.request("GET", bucket, query={"list-type": "2"}, sign=None)
    elif resource == "get-object":
        resp = raw.request("GET", bucket, "private.txt", sign=None)
    else:
        resp = raw.request("PUT", bucket, "anonymous.txt", body=b"anonymous", sign=None)
        expect_not_stored(s3, bucket, "anonymous.txt", "anonymous PutObject to a private bucket", resp)
    expect_http_error(resp, 403, "AccessDenied", f"anonymous {resource} on a private bucket")


# --------------------------------------------------------------------------- scope and time


def test_wrong_region_in_scope_is_400_authorizationheadermalformed(raw, target, bucket):
    """A credential scope naming another region is rejected: 400 AuthorizationHeaderMalformed.

    AWS S3 API Reference, "Error responses" (AuthorizationHeaderMalformed); AWS answers "the region
    'X' is wrong; expecting 'Y'" with a <Region> element. The request is otherwise correctly signed
    (for the wrong region), so a server that ignores the region accepts it.
    """
    resp = raw.request("GET", bucket, query={"list-type": "2"}, region=_other_region(target.region))
    expect_http_error(resp, 400, "AuthorizationHeaderMalformed",
                      "ListObjectsV2 signed for another region than the target's")


def test_wrong_service_in_scope_is_400_authorizationheadermalformed(raw, bucket):
    """A credential scope naming another service than s3 is rejected: 400 AuthorizationHeaderMalformed.

    AWS S3 API Reference, "Error responses" (AuthorizationHeaderMalformed); AWS answers
    'incorrect service "ec2". This endpoint belongs to "s3".'
    """
    resp = raw.request("GET", bucket, query={"list-type": "2"}, service="ec2")
    expect_http_error(resp, 400, "AuthorizationHeaderMalformed", "ListObjectsV2 signed for service ec2")


@pytest.mark.parametrize("direction", ["past", "future"])
def test_request_time_skewed_over_15_minutes_is_403_requesttimetooskewed(raw, bucket, direction):
    """An x-amz-date more than 15 minutes from the server's clock is rejected: 403 RequestTimeTooSkewed.

    AWS S3 API Reference, "Authenticating Requests (AWS Signature Version 4)": the request time
    must be within 15 minutes; "Error responses" (RequestTimeTooSkewed, 403 Forbidden).
    """
    delta = timedelta(minutes=20)
    now = datetime.now(timezone.utc)
    when = now - delta if direction == "past" else now + delta
    resp = raw.request("GET", bucket, query={"list-type": "2"}, amz_date=when)
    expect_http_error(resp, 403, "RequestTimeTooSkewed", f"x-amz-date 20 minutes in the {direction}")


# --------------------------------------------------------------------------- malformed Authorization


@pytest.mark.severity("client")
def test_authorization_without_signedheaders_is_400_authorizationheadermalformed(raw, bucket):
    """An Authorization header without its SignedHeaders component is 400 AuthorizationHeaderMalformed.

    AWS S3 API Reference, "Authenticating Requests: Using the Authorization Header": the header
    has three components, Credential, SignedHeaders and Signature; AWS answers "the authorization
    header requires three components".
    """
    signed = raw.sign("GET", bucket, query={"list-type": "2"})
    auth = signed.headers["Authorization"]
    signed.headers["Authorization"] = auth.replace(f" SignedHeaders={signed.signed_headers},", "")
    resp = raw.send(signed)
    expect_http_error(resp, 400, "AuthorizationHeaderMalformed", "Authorization header without SignedHeaders")


@pytest.mark.severity("client")
def test_unknown_signing_algorithm_is_400(raw, bucket):
    """An Authorization header naming an unknown algorithm (AWS4-HMAC-SHA512) is rejected with 400.

    AWS S3 API Reference, "Authenticating Requests (AWS Signature Version 4)": the algorithm is
    AWS4-HMAC-SHA256; AWS answers an unknown scheme with 400 InvalidArgument "Unsupported
    Authorization Type" (AuthorizationHeaderMalformed is accepted too).
    """
    signed = raw.sign("GET", bucket, query={"list-type": "2"})
    signed.headers["Authorization"] = signed.headers["Authorization"].replace(
        "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1)
    resp = raw.send(signed)
    expect_http_error(resp, 400, ("InvalidArgument", "AuthorizationHeaderMalformed"),
                      "Authorization header with algorithm AWS4-HMAC-SHA512")


# --------------------------------------------------------------------------- headers sent but not signed


def test_unsigned_host_header_is_403_accessdenied(raw, bucket):
    """A request whose SignedHeaders leaves out host is rejected: 403 AccessDenied.

    "Create a canonical request for Signature Version 4": host must be signed; AWS answers
    403 AccessDenied "There were headers present in the request which were not signed"
    (HeadersNotSigned: host).
    """
    rule = "request with host left out of SignedHeaders"
    resp = raw.request("GET", bucket, query={"list-type": "2"}, unsigned_headers=["host"])
    expect_http_error(resp, 403, "AccessDenied", rule)
    expect_true("not signed" in error_message(resp).lower(), rule,
                f"S3 says 'There were headers present in the request which were not signed'; "
                f"server said {error_message(resp)!r}")


def test_unsigned_amz_meta_header_is_403_accessdenied(raw, s3, bucket):
    """A PutObject carrying an x-amz-meta-* header that is not signed is rejected: 403 AccessDenied.

    "Create a canonical request for Signature Version 4": every x-amz-* header sent must be
    signed; AWS answers 403 AccessDenied "There were headers present in the request which were not
    signed". A server that accepts it lets anyone on the path add metadata.
    """
    rule = "PutObject with an unsigned x-amz-meta-color header"
    resp = raw.request("PUT", bucket, "meta.txt", body=b"meta", headers={"x-amz-meta-color": "red"},
                       unsigned_headers=["x-amz-meta-color"])
    expect_not_stored(s3, bucket, "meta.txt", rule, resp)
    expect_http_error(resp, 403, "AccessDenied", rule)
    expect_true("not signed" in error_message(resp).lower(), rule,
                f"S3 says 'There were headers present in the request which were not signed'; "
                f"server said {error_message(resp)!r}")


# --------------------------------------------------------------------------- tampering after signing


@pytest.mark.severity("data")
def test_content_sha256_not_matching_body_is_400_xamzcontentsha256mismatch(raw, s3, bucket):
    """A body whose SHA-256 differs from the signed x-amz-content-sha256 is 400 XAmzContentSHA256Mismatch.

    "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk":
    the header carries the payload hash, which is part of the signature, and S3 checks the body
    against it. Here the signature is valid (it covers the header as sent) but the body is another
    of the same length: S3 answers 400 XAmzContentSHA256Mismatch and stores nothing.
    """
    original, sent = b"original body 0001", b"tampered body 0002"
    signed = raw.sign("PUT", bucket, "body.txt", body=original)
    resp = raw.send(signed, body=sent)
    rule = "PutObject whose body does not match x-amz-content-sha256"
    expect_http_error(resp, 400, "XAmzContentSHA256Mismatch", rule)


@pytest.mark.severity("data")
def test_content_sha256_not_matching_body_stores_nothing(raw, s3, bucket):
    """A PutObject whose body does not match the signed x-amz-content-sha256 leaves no object behind.

    "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk": the
    request is rejected, so nothing is stored (a server that answers 400 yet keeps the body would serve
    bytes no client vouched for). Split from the status case so each finding shows on its own.
    """
    original, sent = b"original body 0001", b"tampered body 0002"
    signed = raw.sign("PUT", bucket, "body.txt", body=original)
    resp = raw.send(signed, body=sent)
    expect_not_stored(s3, bucket, "body.txt", "PutObject whose body does not match x-amz-content-sha256", resp)


def test_body_and_payload_hash_replaced_after_signing_is_403_signaturedoesnotmatch(raw, s3, bucket):
    """Replacing both the body and x-amz-content-sha256 after signing is 403 SignatureDoesNotMatch.

    "Create a canonical request for Signature Version 4": the payload hash is the last line of the
    canonical request, so a new hash (even one matching the new body) breaks the signature.
    """
    original, sent = b"original body 0001", b"tampered body 0002"
    signed = raw.sign("PUT", bucket, "body.txt", body=original)
    signed.headers["X-Amz-Content-SHA256"] = hashlib.sha256(sent).hexdigest()
    resp = raw.send(signed, body=sent)
    rule = "PutObject whose body and x-amz-content-sha256 were replaced after signing"
    expect_not_stored(s3, bucket, "body.txt", rule, resp)
    expect_http_error(resp, 403, "SignatureDoesNotMatch", rule)


def test_key_changed_after_signing_is_403_signaturedoesnotmatch(raw, s3, bucket):
    """A request sent to another key than the one signed is rejected: 403 SignatureDoesNotMatch.

    "Create a canonical request for Signature Version 4": the canonical URI (bucket and key) is
    signed.
    """
    signed = raw.sign("PUT", bucket, "signed-key.txt", body=b"payload")
    signed.url = raw.url(bucket, "other-key.txt")
    resp = raw.send(signed)
    rule = "PutObject sent to another key than the one signed"
    expect_not_stored(s3, bucket, "other-key.txt", rule, resp)
    expect_http_error(resp, 403, "SignatureDoesNotMatch", rule)


def test_query_changed_after_signing_is_403_signaturedoesnotmatch(raw, s3, bucket):
    """A request whose query string is changed after signing is rejected: 403 SignatureDoesNotMatch.

    "Create a canonical request for Signature Version 4": the canonical query string is signed.
    """
    s3.put_object(Bucket=bucket, Key="a/one.txt", Body=b"1")
    signed = raw.sign("GET", bucket, query={"list-type": "2", "prefix": "a/"})
    signed.url = signed.url.replace("prefix=a%2F", "prefix=b%2F")
    expect_true("prefix=b%2F" in signed.url, "harness", f"could not tamper the query of {signed.url}")
    resp = raw.send(signed)
    expect_http_error(resp, 403, "SignatureDoesNotMatch", "ListObjectsV2 whose prefix was changed after signing")


# --------------------------------------------------------------------------- canonicalisation

# A server that resolves dot segments turns "/bucket/../y" into "/y": the segment after ".." is one
# character so that, resolved, it is never a valid bucket name (no stray bucket can be created).
_ODD_KEYS = {
    "spaces": "a b/c  d.txt",
    "plus-equals-ampersand": "a+b=c&d.txt",
    "percent": "100%/50%25 off",
    "tilde": "~user/a~b.txt",
    "unicode": "ünï/中文/ключ-ü.txt",
    "sub-delims": "x!$'()*,;:@.txt",
    "double-slash": "a//b",
    "leading-slash": "/lead",
    "dot-segment": "./x",
    "inner-dot-segment": "a/./b",
    "dot-dot-segment": "../y",
    "inner-dot-dot-segment": "a/../b",
    "trailing-slash": "dir/",
    "trailing-dot": "ends-with-dot.",
}


@pytest.mark.parametrize("key", list(_ODD_KEYS.values()), ids=list(_ODD_KEYS))
@pytest.mark.severity("client")
def test_key_needing_uri_encoding_is_accepted_and_stored_exactly(raw, s3, bucket, key):
    """Keys that exercise the canonical URI (encoding, no normalisation) are accepted and kept verbatim.

    "Create a canonical request for Signature Version 4": S3 URI-encodes each path segment once and
    does NOT normalise the path ("a//b", "./x", "../y" and a trailing "/" are kept); AWS S3 User
    Guide, "Naming Amazon S3 objects" (any UTF-8 key). PUT and GET signed by the harness, then
    ListObjectsV2 must list exactly the key sent: a server that collapses or resolves segments fails.
    """
    body = f"body of {key}".encode()
    put = raw.request("PUT", bucket, key, body=body)
    expect_status(put, 200, f"PutObject of key {key!r}")
    get = raw.request("GET", bucket, key)
    expect_status(get, 200, f"GetObject of key {key!r}")
    expect_equal(get.content, body, f"GetObject of key {key!r}")
    expect_equal(list_keys(s3, bucket), [key], f"ListObjectsV2 after PutObject of key {key!r}")


@pytest.mark.severity("client")
def test_list_query_needing_sort_and_encoding_is_accepted(raw, s3, bucket):
    """A ListObjectsV2 query sent unsorted, with a prefix containing spaces and delimiter=/, is accepted.

    "Create a canonical request for Signature Version 4": query parameters are URI-encoded
    (space as %20, "/" as %2F) and sorted by name in the canonical query string, whatever order
    they are sent in. ListObjectsV2: prefix, delimiter, max-keys.
    """
    for key in ("dir one/a b.txt", "dir one/sub dir/c.txt", "dir one/x+y.txt", "other.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    query = [("prefix", "dir one/"), ("max-keys", "10"), ("list-type", "2"), ("delimiter", "/")]
    resp = raw.request("GET", bucket, query=query)
    expect_status(resp, 200, "ListObjectsV2 with an unsorted query needing encoding")
    keys, prefixes = _xml_list(resp.text)
    expect_equal(keys, ["dir one/a b.txt", "dir one/x+y.txt"], "ListObjectsV2 prefix='dir one/' delimiter='/' keys")
    expect_equal(prefixes, ["dir one/sub dir/"], "ListObjectsV2 prefix='dir one/' delimiter='/' CommonPrefixes")


@pytest.mark.severity("client")
def test_list_prefix_with_plus_is_literal_plus(raw, s3, bucket):
    """A query value with '+' (sent as %2B) is signed and matched as a literal '+', not a space.

    "Create a canonical request for Signature Version 4": UriEncode encodes '+' as %2B; the query
    is not form-encoded, so '+' never means space. ListObjectsV2: prefix.
    """
    for key in ("x+y.txt", "x y.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    resp = raw.request("GET", bucket, query=[("list-type", "2"), ("prefix", "x+")])
    expect_status(resp, 200, "ListObjectsV2 with prefix 'x+'")
    keys, _ = _xml_list(resp.text)
    expect_equal(keys, ["x+y.txt"], "ListObjectsV2 prefix='x+' (sent as x%2B)")


@pytest.mark.severity("client")
def test_header_value_with_repeated_spaces_is_accepted(raw, s3, bucket):
    """A signed header whose value has runs of spaces is accepted (canonical form collapses them).

    "Create a canonical request for Signature Version 4": canonical header values are trimmed and
    sequential spaces collapsed to one (Trimall); the header is sent as is. The request must be
    accepted and the object stored.
    """
    resp = raw.request("PUT", bucket, "spaced.txt", body=b"spaced",
                       headers={"x-amz-meta-spaced": "a    b   c", "Content-Type": "text/plain;   charset=utf-8"})
    expect_status(resp, 200, "PutObject with signed header values containing repeated spaces")
    expect_equal(_get_bytes(s3, bucket, "spaced.txt"), b"spaced", "GetObject after that PutObject")


@pytest.mark.severity("client")
def test_signed_headers_in_mixed_case_are_accepted(raw, s3, bucket):
    """Header names sent in mixed case are lower-cased in the canonical request and accepted.

    "Create a canonical request for Signature Version 4": header names are lower-cased and sorted.
    """
    resp = raw.request("PUT", bucket, "mixed.txt", body=b"mixed",
                       headers={"X-Amz-Meta-MiXeD": "value", "CONTENT-TYPE": "text/plain"})
    expect_status(resp, 200, "PutObject with mixed-case header names")
    expect_equal(_get_bytes(s3, bucket, "mixed.txt"), b"mixed", "GetObject after that PutObject")


# --------------------------------------------------------------------------- payload modes


@pytest.mark.severity("client")
def test_unsigned_payload_is_accepted(raw, s3, bucket):
    """x-amz-content-sha256: UNSIGNED-PAYLOAD is accepted and the body stored exactly.

    "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk":
    UNSIGNED-PAYLOAD is a valid payload hash for S3.
    """
    body = payload(64 * KiB, seed=13)
    resp = raw.request("PUT", bucket, "unsigned.bin", body=body, payload_hash=sigv4.UNSIGNED_PAYLOAD)
    expect_status(resp, 200, "PutObject with UNSIGNED-PAYLOAD")
    expect_equal(_get_bytes(s3, bucket, "unsigned.bin"), body, "GetObject after an UNSIGNED-PAYLOAD PutObject")


def _streaming(raw, target, bucket: str, key: str, body: bytes, **kwargs) -> sigv4.SignedRequest:
    creds = target.credentials
    req, _ = sigv4.sign_streaming_request(
        "PUT", raw.url(bucket, key), body, access_key=creds.access_key, secret_key=creds.secret_key,
        session_token=creds.session_token, region=target.region, **kwargs,
    )
    return req


@pytest.mark.severity("data")
def test_signed_chunked_upload_stores_exact_bytes(raw, target, s3, bucket):
    """A STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload is accepted and stores the decoded bytes exactly.

    "Signature Calculations for the Authorization Header: Transferring Payload in Multiple Chunks
    (Chunked Upload)": the object is the concatenation of the chunk data, without framing or
    signatures; x-amz-decoded-content-length is its length.
    """
    body = payload(150 * KiB, seed=14)
    req = _streaming(raw, target, bucket, "chunked.bin", body, chunk_size=64 * KiB)
    expect_status(raw.send(req), 200, "signed chunked PutObject")
    expect_equal(_get_bytes(s3, bucket, "chunked.bin"), body, "GetObject after a signed chunked PutObject")


def test_signed_chunked_upload_with_bad_chunk_signature_is_403(raw, target, s3, bucket):
    """A chunked upload whose second chunk carries a wrong signature is 403 SignatureDoesNotMatch.

    "... Transferring Payload in Multiple Chunks (Chunked Upload)": each chunk signature chains
    from the previous one; S3 verifies every chunk and stores nothing on a mismatch.
    """
    body = payload(150 * KiB, seed=15)
    req = _streaming(raw, target, bucket, "badchunk.bin", body, chunk_size=64 * KiB)
    framed = bytearray(req.body or b"")
    marker = b";chunk-signature="
    second = framed.find(marker, framed.find(marker) + 1) + len(marker)
    framed[second] = ord("0") if framed[second] != ord("0") else ord("1")
    resp = raw.send(req, body=bytes(framed))
    rule = "signed chunked PutObject with a bad signature on chunk 2"
    expect_not_stored(s3, bucket, "badchunk.bin", rule, resp)
    expect_http_error(resp, 403, "SignatureDoesNotMatch", rule)


@pytest.mark.severity("data")
def test_signed_chunked_upload_cut_inside_a_chunk_is_400_incompletebody(raw, target, s3, bucket):
    """A chunked upload whose body stops inside a chunk's data is 400 IncompleteBody and stores nothing.

    "... Transferring Payload in Multiple Chunks (Chunked Upload)": each chunk carries the size of
    its data and the decoded object is x-amz-decoded-content-length bytes; "Error responses"
    (IncompleteBody: "You did not provide the number of bytes specified by the Content-Length HTTP
    header", 400). The HTTP message itself is complete (Content-Length is the length sent, and
    signed), only the aws-chunked stream is cut: half of the third chunk's data is missing.
    """
    body = payload(150 * KiB, seed=16)
    chunk = 64 * KiB
    # Chunk frame offsets do not depend on the signature values: find the cut once, then sign
    # again with Content-Length set to it.
    probe = _streaming(raw, target, bucket, "truncated.bin", body, chunk_size=chunk).body or b""
    marker = b";chunk-signature="
    third = probe.find(marker, probe.find(marker, probe.find(marker) + 1) + 1)
    data_start = probe.index(b"\r\n", third) + 2
    cut = data_start + (len(body) - 2 * chunk) // 2
    req = _streaming(raw, target, bucket, "truncated.bin", body, chunk_size=chunk,
                     headers={"Content-Length": str(cut)})
    resp = raw.send(req, body=(req.body or b"")[:cut])
    rule = "signed chunked PutObject whose stream stops inside chunk 3"
    expect_not_stored(s3, bucket, "truncated.bin", rule, resp)
    expect_http_error(resp, 400, "IncompleteBody", rule)


@pytest.mark.severity("data")
def test_unsigned_payload_trailer_stores_exact_bytes(raw, target, s3, bucket):
    """STREAMING-UNSIGNED-PAYLOAD-TRAILER with an x-amz-checksum-crc32 trailer stores exactly the payload.

    AWS S3 User Guide, "Checking object integrity" (trailing checksums) and "... Chunked Upload":
    the chunk framing and the trailer are transport, not data. This is what boto3 >= 1.36 sends over
    HTTPS; a server that stores the framing or the trailer inside the object corrupts it (seen in
    SeaweedFS).
    """
    body = payload(100 * KiB, seed=17)
    creds = target.credentials
    req, _ = sigv4.sign_unsigned_trailer_request(
        "PUT", raw.url(bucket, "trailer.bin"), body, access_key=creds.access_key,
        secret_key=creds.secret_key, session_token=creds.session_token, region=target.region,
        trailer_name="x-amz-checksum-crc32", chunk_size=64 * KiB,
    )
    expect_status(raw.send(req), 200, "PutObject with STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    stored = _get_bytes(s3, bucket, "trailer.bin")
    expect_equal(stored, body, "GetObject after a STREAMING-UNSIGNED-PAYLOAD-TRAILER PutObject")
    head = s3.head_object(Bucket=bucket, Key="trailer.bin")
    expect_equal(head["ContentLength"], len(body), "Content-Length of the stored object")

