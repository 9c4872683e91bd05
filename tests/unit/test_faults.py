"""The fault catalogue: its shape, and each fault function on synthetic requests and answers (no network)."""

from __future__ import annotations

import base64
import hashlib
import re
import textwrap
import zlib
from pathlib import Path

import pytest
import yaml

from gauntlet.errors import ConfigError
from gauntlet.faults import AREAS, FAULTS, Headers, Request, Response, catalogue
from gauntlet.faults.model import decode_aws_chunked, error_document
from gauntlet.faults.mutation import EXPECTATIONS, nodeid
from gauntlet.faults.signing import Signing
from gauntlet.fleet.targets import load_targets
from gauntlet.s3 import sigv4
from gauntlet.s3.credentials import Credentials

AK, SK = "AKIDFAULTS", "fault-secret-key-0001"
CREDS = Credentials(AK, SK)
HOST = "127.0.0.1:9000"


# --------------------------------------------------------------------------- helpers


def request(method: str, target: str, headers: dict[str, str] | None = None, body: bytes | None = None,
            sign: bool = True, state: dict | None = None) -> Request:
    """A request as a client would send it to the proxy, signed with CREDS unless `sign=False`."""
    hdrs = {"Host": HOST, **(headers or {})}
    if sign:
        signed = sigv4.sign_request(method, f"http://{HOST}{target}", hdrs, body or b"", access_key=AK,
                                    secret_key=SK, region="us-east-1")
        hdrs = signed.headers
        target = signed.url.split(HOST, 1)[1]
    if body is not None:
        hdrs.setdefault("Content-Length", str(len(body)))
    return Request(method, target, Headers(hdrs.items()), state=state if state is not None else {},
                   signing=Signing([CREDS]))


def response(status: int = 200, headers: dict[str, str] | None = None, body: bytes | None = None) -> Response:
    hdrs = dict(headers or {})
    if body is not None:
        hdrs.setdefault("Content-Length", str(len(body)))
    return Response(status, Headers(hdrs.items()))


def play(name: str, req: Request, resp: Response | None = None, body: bytes | None = None,
         request_body: bytes | None = None) -> Response | None:
    """Run fault `name` as the proxy would: buffer what it asks for, call its hooks, sign again."""
    fault = FAULTS[name]
    if fault.buffer_request is not None and fault.buffer_request(req):
        req.body = request_body if request_body is not None else b""
    if fault.on_request is not None:
        short = fault.on_request(req)
        if short is not None:
            return short
    req.signing.finalize(req)
    if resp is None:
        return None
    if fault.on_response is not None:
        if fault.buffer_response is not None and fault.buffer_response(req, resp):
            resp.body = body
        fault.on_response(req, resp)
    return resp


def stream(resp: Response, data: bytes, piece: int = 7) -> bytes:
    """The body a client receives through a response's stream filter."""
    out, offset = b"", 0
    for i in range(0, len(data), piece):
        chunk = data[i : i + piece]
        out += resp.body_filter(chunk, offset) if resp.body_filter else chunk
        offset += len(chunk)
    return out


def still_valid(req: Request) -> bool:
    """The request as forwarded carries a valid signature."""
    return bool(req.signing.verify(req.method, req.target, req.headers.items()))


# --------------------------------------------------------------------------- the catalogue


def test_catalogue_has_at_least_30_faults_each_documented_with_areas() -> None:
    faults = catalogue()
    assert len(faults) >= 30
    for fault in faults:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", fault.name), fault.name
        assert fault.summary and fault.summary.endswith("."), f"{fault.name}: docstring's first line"
        assert fault.areas and all(a in AREAS for a in fault.areas), fault.name
        assert fault.on_request or fault.on_response, f"{fault.name} does nothing"
        assert all(a in fault.selection() for a in fault.areas) or fault.select, fault.name


def test_catalogue_covers_every_area_of_the_suites() -> None:
    covered = {a for f in catalogue() for a in f.areas}
    assert covered >= {"buckets", "objects", "listing", "sigv4", "presign", "multipart", "versioning", "sse",
                       "checksums", "conditional", "tagging", "cors"}


def test_none_is_a_pass_through_outside_the_catalogue() -> None:
    assert FAULTS["none"].passthrough and FAULTS["none"] not in catalogue()
    req, resp = request("GET", "/b/k"), response(200, {"ETag": '"x"'}, b"data")
    assert play("none", req, resp) is resp and resp.headers.get("etag") == '"x"' and not req.modified


def test_recorded_score_matches_the_catalogue() -> None:
    """tests/expectations/mutation.yaml: every fault is pinned killed or a listed survivor; the score adds up."""
    doc = yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))
    names = {f.name for f in catalogue()}
    killers, survivors = doc.get("killers") or {}, doc.get("survivors") or {}
    assert set(killers) | set(survivors) == names, "every fault must be killed (with a pinned case) or a survivor"
    assert not set(killers) & set(survivors)
    assert doc["score"] == f"{len(killers)}/{len(names)}"
    known = {f.name for f in catalogue() if f.known_survivor}
    assert known <= set(survivors), "a fault the catalogue calls a known survivor is recorded as killed"
    for fault, entry in killers.items():
        assert entry["pin"].startswith("test_") and "::" in entry["pin"], fault


def test_nodeid_puts_the_target_last() -> None:
    assert nodeid("test_objects.py::test_x", "f-a") == "suites/test_objects.py::test_x[f-a]"
    assert nodeid("test_objects.py::test_x[get]", "f-a") == "suites/test_objects.py::test_x[get-f-a]"
    assert nodeid("test_tagging_cors.py::TestCors::test_y", "f-b") == (
        "suites/test_tagging_cors.py::TestCors::test_y[f-b]")


# --------------------------------------------------------------------------- targets files


def _targets(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_fault_target_parses(tmp_path: Path) -> None:
    path = _targets(tmp_path, """
        targets:
          sw: {launch: {server: seaweedfs}}
          broken: {faults: {wraps: sw, fault: ignore-range}}
        """)
    target = load_targets(path, environ={}).get("broken")
    assert target.faults is not None and target.faults.fault == "ignore-range"


def test_unknown_fault_is_one_line_naming_file_line_and_known_faults(tmp_path: Path) -> None:
    path = _targets(tmp_path, """
        targets:
          sw: {launch: {server: seaweedfs}}
          broken:
            faults: {wraps: sw, fault: ignore-everything}
        """)
    with pytest.raises(ConfigError) as err:
        load_targets(path, environ={}).get("broken")
    line = err.value.line
    assert "\n" not in line and f"{path}:" in line and "ignore-everything" in line and "ignore-range" in line


def test_wrapping_an_unknown_target_is_one_line(tmp_path: Path) -> None:
    path = _targets(tmp_path, """
        targets:
          broken: {faults: {wraps: nosuch, fault: drop-etag}}
        """)
    with pytest.raises(ConfigError) as err:
        load_targets(path, environ={}).get("broken")
    assert "\n" not in err.value.line and "nosuch" in err.value.line and f"{path}:" in err.value.line


# --------------------------------------------------------------------------- the model


def test_headers_are_case_insensitive_and_keep_case() -> None:
    h = Headers([("X-Amz-Meta-A", "1"), ("ETag", '"e"')])
    assert h.get("etag") == '"e"' and "x-amz-meta-a" in h
    h.set("etag", '"f"')
    h.rename("X-Amz-Meta-A", "x-amz-meta-B")
    assert h.items() == [("x-amz-meta-B", "1"), ("ETag", '"f"')]
    assert h.remove_where(lambda n: n.startswith("x-amz-meta-")) == ["x-amz-meta-B"]


@pytest.mark.parametrize(("method", "path", "headers", "op"), [
    ("GET", "/", {}, "ListBuckets"),
    ("GET", "/b?list-type=2&prefix=a", {}, "ListObjectsV2"),
    ("GET", "/b", {}, "ListObjects"),
    ("GET", "/b?versions", {}, "ListObjectVersions"),
    ("GET", "/b?uploads", {}, "ListMultipartUploads"),
    ("PUT", "/b?versioning", {}, "PutBucketVersioning"),
    ("GET", "/b?tagging", {}, "GetBucketTagging"),
    ("PUT", "/b", {}, "CreateBucket"),
    ("HEAD", "/b", {}, "HeadBucket"),
    ("POST", "/b?delete", {}, "DeleteObjects"),
    ("POST", "/b", {}, "PostObject"),
    ("GET", "/b/k%20x", {}, "GetObject"),
    ("HEAD", "/b/a//b", {}, "HeadObject"),
    ("PUT", "/b/k", {}, "PutObject"),
    ("PUT", "/b/k", {"x-amz-copy-source": "/b/j"}, "CopyObject"),
    ("PUT", "/b/k?partNumber=1&uploadId=u", {}, "UploadPart"),
    ("PUT", "/b/k?partNumber=1&uploadId=u", {"x-amz-copy-source": "/b/j"}, "UploadPartCopy"),
    ("POST", "/b/k?uploads", {}, "CreateMultipartUpload"),
    ("POST", "/b/k?uploadId=u", {}, "CompleteMultipartUpload"),
    ("DELETE", "/b/k?uploadId=u", {}, "AbortMultipartUpload"),
    ("GET", "/b/k?uploadId=u", {}, "ListParts"),
    ("GET", "/b/k?tagging", {}, "GetObjectTagging"),
    ("DELETE", "/b/k", {}, "DeleteObject"),
    ("OPTIONS", "/b/k", {}, "PreflightRequest"),
])
def test_operation_of_a_request(method: str, path: str, headers: dict[str, str], op: str) -> None:
    assert request(method, path, headers, sign=False).op == op


def test_bucket_and_key_path_and_virtual_host() -> None:
    req = request("GET", "/bkt/a%2Fb/c%20d", sign=False)
    assert (req.bucket, req.key) == ("bkt", "a/b/c d")
    vreq = Request("GET", "/k/x", Headers([("Host", "bkt.s3.local:9000")]), virtual_host_domain="s3.local")
    assert (vreq.bucket, vreq.key) == ("bkt", "k/x")


def test_drop_query_keeps_the_rest_as_sent() -> None:
    req = request("GET", "/b?list-type=2&prefix=a%2Fb&delimiter=%2F", sign=False)
    assert req.drop_query("prefix") and req.target == "/b?list-type=2&delimiter=%2F" and req.modified


def test_decode_aws_chunked_signed_and_unsigned() -> None:
    data = bytes(range(256)) * 300
    unsigned = sigv4.unsigned_trailer_body(data, 4096, "x-amz-checksum-crc32", "AAAAAA==")
    assert decode_aws_chunked(unsigned) == (data, [("x-amz-checksum-crc32", "AAAAAA==")])
    _, signed = sigv4.sign_streaming_request("PUT", f"http://{HOST}/b/k", data, access_key=AK, secret_key=SK,
                                             region="us-east-1", chunk_size=8192)
    assert decode_aws_chunked(signed) == (data, [])


# --------------------------------------------------------------------------- objects


def test_ignore_range_drops_range_and_signs_again() -> None:
    req = request("GET", "/b/k", {"Range": "bytes=0-9"})
    play("ignore-range", req)
    assert req.headers.get("range") is None and still_valid(req)
    assert "range" not in req.headers.get("authorization").split("SignedHeaders=")[1].split(",")[0]


def test_request_fault_keeps_a_bad_signature_bad() -> None:
    req = request("GET", "/b/k", {"Range": "bytes=0-9"})
    req.headers.set("Authorization", req.headers.get("authorization")[:-4] + "0000")
    req._original = (req.method, req.target, req.headers.items())
    play("ignore-range", req)
    assert req.headers.get("range") is None and not still_valid(req)


def test_wrong_content_range_is_off_by_one() -> None:
    resp = play("wrong-content-range", request("GET", "/b/k"), response(206, {"Content-Range": "bytes 0-9/1000"}))
    assert resp.headers.get("content-range") == "bytes 1-10/1000"


@pytest.mark.parametrize("name", ["drop-etag", "corrupt-etag"])
def test_etag_faults(name: str) -> None:
    etag = '"5d41402abc4b2a76b9719d911017c592"'
    resp = play(name, request("HEAD", "/b/k"), response(200, {"ETag": etag}))
    assert resp.headers.get("etag") != etag
    if name == "corrupt-etag":
        assert re.fullmatch(r'"[0-9a-f]{32}"', resp.headers.get("etag"))


def test_multipart_etag_without_count_header_and_xml() -> None:
    resp = play("multipart-etag-without-count", request("HEAD", "/b/k"),
                response(200, {"ETag": '"5d41402abc4b2a76b9719d911017c592-3"'}))
    assert resp.headers.get("etag") == '"5d41402abc4b2a76b9719d911017c592"'
    xml = b"<CompleteMultipartUploadResult><ETag>&quot;5d41402abc4b2a76b9719d911017c592-2&quot;</ETag></Complete"
    resp = play("multipart-etag-without-count", request("POST", "/b/k?uploadId=u", body=b"x"),
                response(200, {}, xml), body=xml)
    assert b"-2" not in resp.body and b"5d41402abc4b2a76b9719d911017c592&quot;" in resp.body


def test_corrupt_body_byte_flips_one_byte_keeping_length() -> None:
    data = bytes(1000)
    resp = play("corrupt-body-byte", request("GET", "/b/k"), response(200, {"Content-Length": "1000"}))
    got = stream(resp, data)
    assert len(got) == 1000 and sum(a != b for a, b in zip(got, data, strict=True)) == 1


def test_truncate_body_agrees_with_its_content_length() -> None:
    data = b"0123456789" * 10
    resp = play("truncate-body", request("GET", "/b/k"), response(206, {"Content-Length": "100"}))
    assert stream(resp, data) == data[:99] and resp.headers.get("content-length") == "99"


def test_metadata_faults() -> None:
    meta = {"x-amz-meta-color": "blue", "x-amz-meta-mixedcase-key": "v"}
    resp = play("drop-user-metadata", request("GET", "/b/k"), response(200, meta))
    assert not [n for n in resp.headers.names() if n.lower().startswith("x-amz-meta-")]
    resp = play("metadata-key-case", request("HEAD", "/b/k"), response(200, meta))
    assert resp.headers.names() == ["x-amz-meta-Color", "x-amz-meta-Mixedcase-Key"]


def test_missing_key_200() -> None:
    body = error_document("NoSuchKey", "The specified key does not exist.")
    resp = play("missing-key-200", request("GET", "/b/k"), response(404, {"Content-Type": "application/xml"}, body),
                body=body)
    assert resp.status == 200 and resp.body == b"" and resp.headers.get("content-type") != "application/xml"
    resp = play("missing-key-200", request("HEAD", "/b/k"), response(404, {}))
    assert resp.status == 200


def test_error_code_faults() -> None:
    body = error_document("NoSuchBucket", "The specified bucket does not exist")
    resp = play("swap-nosuchkey-nosuchbucket", request("GET", "/b/k"), response(404, {}, body), body=body)
    assert resp.error_code == "NoSuchKey" and resp.status == 404
    resp = play("missing-bucket-403", request("GET", "/b/k"), response(404, {}, body), body=body)
    assert resp.status == 403 and resp.error_code == "AccessDenied"
    resp = play("missing-bucket-403", request("HEAD", "/b"), response(404, {}))
    assert resp.status == 403


# --------------------------------------------------------------------------- versioning and listing


def test_version_faults() -> None:
    resp = play("drop-version-id", request("PUT", "/b/k", body=b"x"), response(200, {"x-amz-version-id": "v1"}))
    assert resp.headers.get("x-amz-version-id") is None
    req = request("GET", "/b/k?versionId=v1")
    play("ignore-version-id", req)
    assert "versionId" not in req.target and still_valid(req)
    xml = (b"<ListVersionsResult><Version><Key>k</Key></Version>\n  <DeleteMarker><Key>k</Key>"
           b"<VersionId>m</VersionId></DeleteMarker></ListVersionsResult>")
    resp = play("omit-delete-markers", request("GET", "/b?versions"), response(200, {}, xml), body=xml)
    assert b"DeleteMarker" not in resp.body and b"<Version>" in resp.body


def test_listing_truncated_without_token() -> None:
    xml = (b"<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t1</NextContinuationToken>"
           b"<Contents><Key>a</Key></Contents></ListBucketResult>")
    resp = play("listing-truncated-without-token", request("GET", "/b?list-type=2&max-keys=1"),
                response(200, {}, xml), body=xml)
    assert b"NextContinuationToken" not in resp.body and b"<IsTruncated>true" in resp.body


def test_listing_repeats_the_last_key_of_the_previous_page() -> None:
    state: dict = {}
    page1 = (b"<ListBucketResult><KeyCount>2</KeyCount><IsTruncated>true</IsTruncated>"
             b"<NextContinuationToken>t1</NextContinuationToken><Contents><Key>a</Key></Contents>"
             b"<Contents><Key>b</Key></Contents></ListBucketResult>")
    page2 = (b"<ListBucketResult><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>"
             b"<Contents><Key>c</Key></Contents></ListBucketResult>")
    play("listing-repeats-keys", request("GET", "/b?list-type=2", state=state), response(200, {}, page1), body=page1)
    resp = play("listing-repeats-keys", request("GET", "/b?list-type=2&continuation-token=t1", state=state),
                response(200, {}, page2), body=page2)
    assert re.findall(rb"<Key>(\w)</Key>", resp.body) == [b"b", b"c"] and b"<KeyCount>2</KeyCount>" in resp.body


@pytest.mark.parametrize(("name", "param"), [("ignore-prefix", "prefix"), ("ignore-delimiter", "delimiter")])
def test_listing_parameter_faults(name: str, param: str) -> None:
    req = request("GET", "/b?delimiter=%2F&list-type=2&prefix=a%2F")
    play(name, req)
    assert param not in req.query and still_valid(req)


# --------------------------------------------------------------------------- SSE


SSEC_A = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
          "x-amz-server-side-encryption-customer-key": base64.b64encode(b"A" * 32).decode(),
          "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(hashlib.md5(b"A" * 32).digest()).decode()}
SSEC_B = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
          "x-amz-server-side-encryption-customer-key": base64.b64encode(b"B" * 32).decode(),
          "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(hashlib.md5(b"B" * 32).digest()).decode()}


def test_drop_sse_headers() -> None:
    resp = play("drop-sse-headers", request("HEAD", "/b/k"),
                response(200, {"x-amz-server-side-encryption": "AES256", "ETag": '"e"'}))
    assert resp.headers.names() == ["ETag"]


def test_ssec_without_key_adds_the_key_the_object_was_stored_with() -> None:
    state: dict = {}
    play("ssec-without-key", request("PUT", "/b/k", SSEC_A, b"x", state=state))
    get = request("GET", "/b/k", state=state)
    play("ssec-without-key", get)
    assert get.headers.get("x-amz-server-side-encryption-customer-key") == SSEC_A[
        "x-amz-server-side-encryption-customer-key"] and still_valid(get)


def test_ssec_wrong_key_is_replaced_and_the_asked_md5_echoed() -> None:
    state: dict = {}
    play("ssec-wrong-key", request("PUT", "/b/k", SSEC_A, b"x", state=state))
    get = request("GET", "/b/k", SSEC_B, state=state)
    resp = play("ssec-wrong-key", get, response(200, {
        "x-amz-server-side-encryption-customer-key-MD5": SSEC_A["x-amz-server-side-encryption-customer-key-MD5"]}))
    assert get.headers.get("x-amz-server-side-encryption-customer-key") == SSEC_A[
        "x-amz-server-side-encryption-customer-key"] and still_valid(get)
    assert resp.headers.get("x-amz-server-side-encryption-customer-key-md5") == SSEC_B[
        "x-amz-server-side-encryption-customer-key-MD5"]


# --------------------------------------------------------------------------- checksums


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def test_accept_wrong_checksum_header_and_content_md5() -> None:
    body = b"the body"
    req = request("PUT", "/b/k", {"x-amz-checksum-crc32": _crc32(b"other"), "Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="},
                  body)
    play("accept-wrong-checksum", req, request_body=body)
    assert req.headers.get("x-amz-checksum-crc32") == _crc32(body) and still_valid(req)
    assert req.headers.get("content-md5") == base64.b64encode(hashlib.md5(body).digest()).decode()


def test_accept_wrong_checksum_trailer() -> None:
    data = b"trailer body" * 1000
    framed = sigv4.unsigned_trailer_body(data, 4096, "x-amz-checksum-crc32", _crc32(b"other"))
    req = request("PUT", "/b/k", {"Content-Encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32",
                                  "x-amz-content-sha256": sigv4.STREAMING_UNSIGNED_TRAILER}, framed)
    play("accept-wrong-checksum", req, request_body=framed)
    assert decode_aws_chunked(req.body) == (data, [("x-amz-checksum-crc32", _crc32(data))])


def test_store_trailer_in_object() -> None:
    data = b"stored" * 100
    framed = sigv4.unsigned_trailer_body(data, 64, "x-amz-checksum-crc32", _crc32(data))
    req = request("PUT", "/b/k", {"Content-Encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32",
                                  "x-amz-decoded-content-length": str(len(data)),
                                  "x-amz-content-sha256": sigv4.STREAMING_UNSIGNED_TRAILER}, framed)
    play("store-trailer-in-object", req, request_body=framed)
    assert req.body == data + f"x-amz-checksum-crc32:{_crc32(data)}\r\n".encode()
    assert req.headers.get("content-encoding") is None and req.headers.get("content-length") == str(len(req.body))
    assert req.headers.get("x-amz-content-sha256") == sigv4.UNSIGNED_PAYLOAD and still_valid(req)


def test_drop_checksum_headers() -> None:
    resp = play("drop-checksum-headers", request("GET", "/b/k"),
                response(200, {"x-amz-checksum-crc32": "AAAAAA==", "x-amz-checksum-type": "FULL_OBJECT"}))
    assert not resp.headers.names()


# --------------------------------------------------------------------------- object lock


def test_drop_object_lock_headers_strips_them_from_writes_only() -> None:
    lock = {"x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": "2030-01-01T00:00:00Z",
            "x-amz-object-lock-legal-hold": "ON"}
    req = request("PUT", "/b/k", dict(lock), b"x")
    play("drop-object-lock-headers", req)
    assert all(req.headers.get(name) is None for name in lock) and still_valid(req)
    req = request("POST", "/b/k?uploads", dict(lock))
    play("drop-object-lock-headers", req)
    assert req.headers.get("x-amz-object-lock-mode") is None and still_valid(req)
    req = request("GET", "/b/k", {"x-amz-object-lock-mode": "GOVERNANCE"})
    play("drop-object-lock-headers", req)
    assert not req.modified


@pytest.mark.parametrize(("method", "path", "bypassed"), [
    ("DELETE", "/b/k?versionId=v1", True),
    ("PUT", "/b/k?retention&versionId=v1", True),
    ("POST", "/b?delete", True),
    ("DELETE", "/b/k", False),
    ("PUT", "/b/k", False),
])
def test_ignore_governance_retention_sets_bypass(method: str, path: str, bypassed: bool) -> None:
    req = request(method, path, body=b"<x/>" if method != "DELETE" else None)
    play("ignore-governance-retention", req)
    assert (req.headers.get("x-amz-bypass-governance-retention") == "true") is bypassed and still_valid(req)


# --------------------------------------------------------------------------- access control


def test_anonymous_as_owner_signs_unsigned_requests_with_the_main_key() -> None:
    req = request("GET", "/b/k", sign=False)
    play("anonymous-as-owner", req)
    assert f"Credential={AK}/" in (req.headers.get("authorization") or "") and still_valid(req)
    signed = request("GET", "/b/k")
    before = signed.headers.get("authorization")
    play("anonymous-as-owner", signed)
    assert signed.headers.get("authorization") == before and not signed.modified
    presigned = request("GET", "/b/k?X-Amz-Credential=x&X-Amz-Signature=y", sign=False)
    play("anonymous-as-owner", presigned)
    assert presigned.headers.get("authorization") is None


# --------------------------------------------------------------------------- conditional, multipart


@pytest.mark.parametrize(("name", "method", "path", "header"), [
    ("ignore-if-none-match", "GET", "/b/k", "If-None-Match"),
    ("ignore-if-match", "HEAD", "/b/k", "If-Match"),
    ("ignore-put-if-none-match-star", "PUT", "/b/k", "If-None-Match"),
])
def test_conditional_faults(name: str, method: str, path: str, header: str) -> None:
    req = request(method, path, {header: "*" if "put" in name else '"abc"'}, b"x" if method == "PUT" else None)
    play(name, req)
    assert req.headers.get(header) is None and still_valid(req)


COMPLETE = (b'<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b'<Part><ETag>"%s"</ETag><PartNumber>2</PartNumber></Part>'
            b'<Part><ETag>"%s"</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>'
            % (b"a" * 32, b"b" * 32))


def test_accept_parts_out_of_order_sorts_the_list_and_signs_again() -> None:
    req = request("POST", "/b/k?uploadId=u", {}, COMPLETE)
    play("accept-parts-out-of-order", req, request_body=COMPLETE)
    assert re.findall(rb"<PartNumber>(\d)</PartNumber>", req.body) == [b"1", b"2"]
    assert req.headers.get("x-amz-content-sha256") == hashlib.sha256(req.body).hexdigest() and still_valid(req)


def test_accept_small_part_answers_a_completed_upload() -> None:
    req = request("POST", "/b/k?uploadId=u", {}, COMPLETE)
    error = error_document("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
    resp = play("accept-small-part", req, response(400, {}, error), body=error, request_body=COMPLETE)
    expected = hashlib.md5(bytes.fromhex("a" * 32) + bytes.fromhex("b" * 32)).hexdigest() + "-2"
    assert resp.status == 200 and expected.encode() in resp.body and b"<Key>k</Key>" in resp.body


# --------------------------------------------------------------------------- tagging, CORS


def test_drop_last_tag() -> None:
    xml = (b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>2</Value></Tag>"
           b"</TagSet></Tagging>")
    resp = play("drop-last-tag", request("GET", "/b/k?tagging"), response(200, {}, xml), body=xml)
    assert b"<Key>a</Key>" in resp.body and b"<Key>b</Key>" not in resp.body


def test_drop_cors_headers() -> None:
    resp = play("drop-cors-headers", request("OPTIONS", "/b/k", sign=False),
                response(200, {"Access-Control-Allow-Origin": "*", "Vary": "Origin"}))
    assert resp.headers.names() == ["Vary"]


# --------------------------------------------------------------------------- signatures


def test_accept_bad_signature_resigns_only_bad_signatures() -> None:
    good = request("GET", "/b/k")
    auth = good.headers.get("authorization")
    play("accept-bad-signature", good)
    assert good.headers.get("authorization") == auth
    bad = request("GET", "/b/k")
    bad.headers.set("Authorization", bad.headers.get("authorization")[:-4] + "0000")
    bad._original = (bad.method, bad.target, bad.headers.items())
    play("accept-bad-signature", bad)
    assert still_valid(bad)


def test_ignore_payload_hash_sends_unsigned_payload() -> None:
    req = request("PUT", "/b/k", {}, b"signed body")
    play("ignore-payload-hash", req)
    assert req.headers.get("x-amz-content-sha256") == sigv4.UNSIGNED_PAYLOAD and still_valid(req)


def test_ignore_presign_expiry_signs_an_expired_url_again() -> None:
    url = sigv4.presign_url("GET", f"http://{HOST}/b/k", access_key=AK, secret_key=SK, region="us-east-1",
                            expires=60, amz_date="20200101T000000Z")
    req = request("GET", url.split(HOST, 1)[1], sign=False)
    play("ignore-presign-expiry", req)
    assert "20200101T000000Z" not in req.target and still_valid(req)


def test_accept_tampered_post_policy_fixes_the_signature() -> None:
    signing = Signing([CREDS])
    policy = base64.b64encode(b'{"expiration": "2030-01-01T00:00:00Z", "conditions": []}').decode()
    credential = f"{AK}/20250101/us-east-1/s3/aws4_request"
    right = signing.post_policy_signature(policy, credential)
    fields = {"key": "k", "policy": policy, "x-amz-credential": credential, "x-amz-signature": "0" * 64}
    body = b"".join(b'--XX\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (k.encode(), v.encode())
                    for k, v in fields.items()) + b"--XX--\r\n"
    req = request("POST", "/b", {"Content-Type": "multipart/form-data; boundary=XX"}, body, sign=False)
    play("accept-tampered-post-policy", req, request_body=body)
    assert right is not None and right.encode() in req.body and len(req.body) == len(body)


def test_transport_faults() -> None:
    resp = play("slow-responses", request("GET", "/b/k"), response(200, {"Content-Length": "10"}))
    assert resp.delay_s > 60
    resp = play("reset-mid-body", request("GET", "/b/k"), response(200, {"Content-Length": "10"}))
    assert resp.reset_after == 5


# --------------------------------------------------------------------------- judging a fault


def _rows(**outcomes: tuple[str, str]) -> list[dict]:
    return [{"case": f"test_{area}.py::{name}", "area": area, "outcome": outcome, "http_status": 200,
             "error_code": None, "message": "m", "duration_s": 0.1} for name, (area, outcome) in outcomes.items()]


def test_judge_kills_on_a_baseline_pass_that_fails_or_errors() -> None:
    from gauntlet.faults.mutation import ChildRun, judge

    baseline = {r["case"]: r for r in _rows(a=("objects", "pass"), b=("objects", "fail"), c=("sse", "pass"),
                                             d=("sse", "pass"))}
    run = ChildRun("x", Path("."), 1, 1.0, _rows(a=("objects", "pass"), b=("objects", "error"),
                                                 c=("sse", "error"), d=("sse", "unsupported")), stats={"applied": 3})
    result = judge(FAULTS["ignore-range"], baseline, run, "objects or smoke", None)
    assert result.killed and [k["case"] for k in result.killing_cases] == ["test_sse.py::c"]
    assert result.killing_areas == ["sse"] and not result.expected_area_hit  # killed only outside `objects`
    assert result.softened == ["test_sse.py::d"] and result.applied == 3 and result.run_error is None
    survived = judge(FAULTS["ignore-range"], baseline, ChildRun("x", Path("."), 0, 1.0, _rows(a=("objects", "pass"))),
                     "objects or smoke", "no case yet")
    assert not survived.killed and survived.known_survivor == "no case yet"
    broken = judge(FAULTS["ignore-range"], baseline, ChildRun("x", Path("."), 13, 1.0, [], "unreachable"), "x", None)
    assert not broken.killed and broken.run_error and "13" in broken.run_error


def test_judge_kills_on_a_baseline_failure_whose_fingerprint_changes() -> None:
    from gauntlet.faults.mutation import ChildRun, judge

    baseline = {"a": {"case": "a", "area": "objects", "outcome": "fail", "fingerprint": "200|-|expect_error#1"}}
    rows = [{"case": "a", "area": "objects", "outcome": "fail", "fingerprint": "400|X|expect_error#1"}]
    result = judge(FAULTS["ignore-range"], baseline, ChildRun("x", Path("."), 1, 1.0, rows), "objects", None)
    assert result.killed
    assert result.killing_cases[0]["fingerprint_changed"] == "200|-|expect_error#1 -> 400|X|expect_error#1"
    same = [{**rows[0], "fingerprint": "200|-|expect_error#1"}]
    unchanged = judge(FAULTS["ignore-range"], baseline, ChildRun("x", Path("."), 1, 1.0, same), "objects", None)
    assert not unchanged.killed
