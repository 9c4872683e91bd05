"""SigV4 streaming with signed trailers, and `Expect: 100-continue` on signed uploads.

STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER ("Signature Calculations for the Authorization Header:
Including Trailing Headers (Chunked Upload)"): the chunks are signed as in a chunked upload (each
signature chains from the one before, the first from the header signature), the zero-length chunk
ends the data, and then the trailing headers follow with their own signature:

    0;chunk-signature=<final chunk signature>\\r\\n
    x-amz-checksum-crc32:<base64>\\r\\n
    x-amz-trailer-signature:<hex>\\r\\n
    \\r\\n

where the trailer signature is HMAC(signing key, "AWS4-HMAC-SHA256-TRAILER\\n<date>\\n<scope>\\n
<final chunk signature>\\n<hex SHA-256 of "x-amz-checksum-crc32:<base64>\\n">). The request carries
`x-amz-trailer: x-amz-checksum-crc32`, `Content-Encoding: aws-chunked` and
`x-amz-decoded-content-length`.

`Expect: 100-continue` (RFC 9110 §10.1.1) is sent over a raw socket: the client sends the headers,
waits a bounded time for `100 Continue` (a server may answer the final status at once instead,
which RFC 9110 allows), then sends the body. Only what S3 requires is checked: the final status and
what is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import select
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

import pytest

from gauntlet.plugin.checks import expect_equal, expect_http_error, expect_status, expect_true
from gauntlet.plugin.verdict import S3Mismatch
from gauntlet.s3 import sigv4
from gauntlet.s3.data import KiB, payload
from suites._support.signing import expect_not_stored

pytestmark = [pytest.mark.sigv4, pytest.mark.severity("client")]

STREAMING_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
TRAILER = "x-amz-checksum-crc32"
CHUNK = 64 * KiB
#: How long the client waits for `100 Continue` before sending the body anyway (RFC 9110 allows it).
CONTINUE_WAIT_S = 3.0


def _framed(body: bytes, req: sigv4.SignedRequest, trailer_value: str, *, tamper_trailer_signature: bool) -> bytes:
    """The aws-chunked body of a signed-trailer upload: signed chunks, the zero chunk, the signed trailer."""
    out = []
    previous = req.signature
    for chunk in [*(body[i : i + CHUNK] for i in range(0, len(body), CHUNK)), b""]:
        previous = sigv4.chunk_signature(req.signing_key, req.amz_date, req.credential_scope, previous, chunk)
        out.append(b"%x;chunk-signature=%s\r\n" % (len(chunk), previous.encode()))
        if chunk:
            out.append(chunk + b"\r\n")
    trailer = f"{TRAILER}:{trailer_value}\n"
    sts = (f"AWS4-HMAC-SHA256-TRAILER\n{req.amz_date}\n{req.credential_scope}\n{previous}\n"
           f"{hashlib.sha256(trailer.encode()).hexdigest()}")
    signature = hmac.new(req.signing_key, sts.encode(), hashlib.sha256).hexdigest()
    if tamper_trailer_signature:
        signature = ("0" if signature[0] != "0" else "1") + signature[1:]
    out.append(f"{TRAILER}:{trailer_value}\r\nx-amz-trailer-signature:{signature}\r\n\r\n".encode())
    return b"".join(out)


def _trailer_upload(raw: Any, target: Any, bucket: str, key: str, body: bytes, *, trailer_value: str | None = None,
                    tamper_trailer_signature: bool = False) -> Any:
    """Send a STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER PutObject; returns the `requests` response."""
    value = trailer_value if trailer_value is not None else sigv4.checksum_value("crc32", body)
    creds = target.credentials
    # the framed length does not depend on signature values: frame once with a probe signature to size it
    headers = {"Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": str(len(body)),
               "X-Amz-Trailer": TRAILER}
    probe = sigv4.sign_request("PUT", raw.url(bucket, key), headers, None, access_key=creds.access_key,
                               secret_key=creds.secret_key, session_token=creds.session_token,
                               region=target.region, payload_hash=STREAMING_TRAILER)
    length = len(_framed(body, probe, value, tamper_trailer_signature=False))
    req = sigv4.sign_request("PUT", raw.url(bucket, key), {**headers, "Content-Length": str(length)}, None,
                             access_key=creds.access_key, secret_key=creds.secret_key,
                             session_token=creds.session_token, region=target.region,
                             payload_hash=STREAMING_TRAILER)
    return raw.send(req, body=_framed(body, req, value, tamper_trailer_signature=tamper_trailer_signature))


def _get_bytes(s3: Any, bucket: str, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


# --------------------------------------------------------------------------- signed trailers


@pytest.mark.severity("data")
def test_signed_trailer_upload_stores_exact_bytes(raw: Any, target: Any, s3: Any, bucket: str) -> None:
    """A STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER upload with a correct crc32 trailer stores exactly the payload.

    AWS S3 API Reference, "Signature Calculations for the Authorization Header: Including Trailing Headers
    (Chunked Upload) (AWS Signature Version 4)": the chunk framing, the chunk signatures and the trailer
    are transport; the object is the chunk data (x-amz-decoded-content-length bytes).
    """
    body = payload(150 * KiB, seed=301)
    expect_status(_trailer_upload(raw, target, bucket, "t.bin", body), 200,
                  "PutObject with STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
    expect_equal(_get_bytes(s3, bucket, "t.bin"), body, "GetObject after a signed-trailer PutObject")


def test_signed_trailer_checksum_is_reported_on_head(raw: Any, target: Any, s3: Any, bucket: str) -> None:
    """The crc32 sent in a signed trailer is the object's checksum: HeadObject with ChecksumMode ENABLED gives it.

    AWS S3 API Reference, "... Including Trailing Headers (Chunked Upload)" (x-amz-trailer names the
    checksum header sent as a trailer); HeadObject: x-amz-checksum-mode, ChecksumCRC32.
    """
    body = payload(100 * KiB, seed=302)
    expect_status(_trailer_upload(raw, target, bucket, "c.bin", body), 200,
                  "PutObject with STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
    head = s3.head_object(Bucket=bucket, Key="c.bin", ChecksumMode="ENABLED")
    expect_equal(head.get("ChecksumCRC32"), sigv4.checksum_value("crc32", body),
                 "HeadObject ChecksumMode=ENABLED after a signed-trailer upload with x-amz-checksum-crc32")


@pytest.mark.severity("security")
def test_signed_trailer_with_wrong_trailer_signature_is_403_signaturedoesnotmatch(raw: Any, target: Any,
                                                                                  bucket: str) -> None:
    """A signed-trailer upload whose x-amz-trailer-signature is wrong is refused with 403 SignatureDoesNotMatch.

    AWS S3 API Reference, "... Including Trailing Headers (Chunked Upload)": the trailer signature chains
    from the final chunk's signature; "Error responses" (SignatureDoesNotMatch, 403).
    """
    body = payload(90 * KiB, seed=303)
    resp = _trailer_upload(raw, target, bucket, "bad-sig.bin", body, tamper_trailer_signature=True)
    expect_http_error(resp, 403, "SignatureDoesNotMatch", "signed-trailer PutObject with a wrong trailer signature")


@pytest.mark.severity("data")
def test_signed_trailer_with_wrong_trailer_signature_stores_nothing(raw: Any, target: Any, s3: Any,
                                                                    bucket: str) -> None:
    """A signed-trailer upload whose trailer signature is wrong stores nothing.

    AWS S3 API Reference, "... Including Trailing Headers (Chunked Upload)"; PutObject ("Amazon S3 never
    adds partial objects"): a request that fails authentication changes nothing.
    """
    body = payload(90 * KiB, seed=304)
    resp = _trailer_upload(raw, target, bucket, "bad-sig.bin", body, tamper_trailer_signature=True)
    expect_not_stored(s3, bucket, "bad-sig.bin", "signed-trailer PutObject with a wrong trailer signature", resp)


def test_signed_trailer_with_wrong_crc32_is_400_baddigest(raw: Any, target: Any, bucket: str) -> None:
    """A signed-trailer upload whose (correctly signed) crc32 trailer does not match the data is 400 BadDigest.

    AWS S3 API Reference, "Checking object integrity" / PutObject x-amz-checksum-crc32 ("the base64-encoded,
    32-bit CRC32 checksum of the object"); "Error responses" (BadDigest: "The Content-MD5 or checksum value
    that you specified did not match what was received", 400; InvalidRequest also seen in the docs).
    """
    body = payload(90 * KiB, seed=305)
    wrong = sigv4.checksum_value("crc32", body + b"x")
    resp = _trailer_upload(raw, target, bucket, "bad-crc.bin", body, trailer_value=wrong)
    expect_http_error(resp, 400, ("BadDigest", "InvalidRequest"), "signed-trailer PutObject with a wrong crc32")


@pytest.mark.severity("data")
def test_signed_trailer_with_wrong_crc32_stores_nothing(raw: Any, target: Any, s3: Any, bucket: str) -> None:
    """A signed-trailer upload whose crc32 trailer does not match the data stores nothing.

    AWS S3 API Reference, PutObject: x-amz-checksum-crc32 (S3 checks the checksum and fails the request on
    a mismatch), "Amazon S3 never adds partial objects".
    """
    body = payload(90 * KiB, seed=306)
    wrong = sigv4.checksum_value("crc32", body + b"x")
    resp = _trailer_upload(raw, target, bucket, "bad-crc.bin", body, trailer_value=wrong)
    expect_not_stored(s3, bucket, "bad-crc.bin", "signed-trailer PutObject with a wrong crc32", resp)


# --------------------------------------------------------------------------- Expect: 100-continue


class _Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes, interim: int | None) -> None:
        self.status_code, self.headers, self.content, self.interim = status, headers, body, interim
        self.ok = status < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


def _read_head(reader: Any) -> tuple[int, dict[str, str]]:
    line = reader.readline(65536)
    if not line:
        raise S3Mismatch("Expect: 100-continue PutObject: the server closed the connection without an answer")
    parts = line.decode("latin-1").split(" ", 2)
    status = int(parts[1])
    headers: dict[str, str] = {}
    while True:
        line = reader.readline(65536)
        if line in (b"\r\n", b"\n", b""):
            return status, headers
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()


def _read_body(reader: Any, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        out = b""
        while True:
            size = int(reader.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                reader.readline(1024)
                return out
            out += reader.read(size)
            reader.readline(1024)
    return bytes(reader.read(int(headers.get("content-length") or 0)))


def _expect_continue_put(target: Any, signed: sigv4.SignedRequest, body: bytes) -> _Answer:
    """Send headers with `Expect: 100-continue`, wait (bounded) for 100, send the body, read the final answer."""
    url = urlsplit(signed.url)
    sock = socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)), timeout=30)
    if url.scheme == "https":
        context = ssl.create_default_context(cafile=target.verify if isinstance(target.verify, str) else None)
        if target.verify is False:
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        sock = context.wrap_socket(sock, server_hostname=url.hostname)
    with sock:
        target_path = url.path + (f"?{url.query}" if url.query else "")
        head = [f"PUT {target_path} HTTP/1.1", *(f"{k}: {v}" for k, v in signed.headers.items()), "", ""]
        sock.sendall("\r\n".join(head).encode("latin-1"))
        reader = sock.makefile("rb")
        interim = None
        readable, _, _ = select.select([sock], [], [], CONTINUE_WAIT_S)
        if readable or (isinstance(sock, ssl.SSLSocket) and sock.pending()):
            status, headers = _read_head(reader)
            if status != 100:  # the final answer came first (allowed): the body is not sent
                return _Answer(status, headers, _read_body(reader, headers), None)
            interim = status
        sock.sendall(body)
        status, headers = _read_head(reader)
        while status == 100:
            status, headers = _read_head(reader)
        return _Answer(status, headers, _read_body(reader, headers), interim)


def _signed_put(raw: Any, target: Any, bucket: str, key: str, body: bytes, *, wrong_secret: bool = False) -> Any:
    creds = target.credentials
    return sigv4.sign_request("PUT", raw.url(bucket, key), {"Content-Length": str(len(body)),
                                                            "Expect": "100-continue"}, body,
                              access_key=creds.access_key,
                              secret_key=creds.secret_key + ("x" if wrong_secret else ""),
                              session_token=creds.session_token, region=target.region,
                              unsigned_headers=("expect",))


@pytest.mark.severity("data")
def test_expect_100_continue_put_stores_the_body(raw: Any, target: Any, s3: Any, bucket: str) -> None:
    """A signed PutObject sent with `Expect: 100-continue` is answered 200 and stores the body exactly.

    AWS S3 API Reference, PutObject: Expect ("When your application uses 100-continue, it does not send the
    request body until it receives an acknowledgment"); RFC 9110 §10.1.1 (a server may also answer the
    final status directly).
    """
    body = payload(200 * KiB, seed=307)
    answer = _expect_continue_put(target, _signed_put(raw, target, bucket, "e.bin", body), body)
    expect_true(answer.status_code == 200, "PutObject with Expect: 100-continue",
                f"S3 answers 100 Continue, then 200 once the body is sent; the server answered "
                f"{answer.interim or 'no 100'}, then {answer.status_code}: {answer.text[:200]}")
    expect_equal(_get_bytes(s3, bucket, "e.bin"), body, "GetObject after a PutObject sent with Expect: 100-continue")


@pytest.mark.severity("security")
def test_expect_100_continue_with_bad_signature_is_403_and_stores_nothing(raw: Any, target: Any, s3: Any,
                                                                          bucket: str) -> None:
    """A PutObject with `Expect: 100-continue` signed with a wrong secret is refused with 403 and stores nothing
    (S3 answers before the body is sent).

    AWS S3 API Reference, PutObject: Expect ("If the message is rejected based on the headers, the body of
    the message is not sent"); "Error responses" (SignatureDoesNotMatch, 403).
    """
    body = payload(200 * KiB, seed=308)
    answer = _expect_continue_put(target, _signed_put(raw, target, bucket, "e-bad.bin", body, wrong_secret=True),
                                  body)
    expect_true(answer.status_code == 403, "PutObject with Expect: 100-continue signed with a wrong secret",
                f"S3 refuses it with 403 SignatureDoesNotMatch; the server answered "
                f"{answer.interim or 'no 100'}, then {answer.status_code}: {answer.text[:200]}")
    expect_not_stored(s3, bucket, "e-bad.bin", "PutObject with Expect: 100-continue and a wrong signature")
