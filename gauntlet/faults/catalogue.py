"""The catalogue: each fault is a real kind of S3 server bug, in a few lines.

Each docstring's first line says what the broken server does; ``areas`` name the
suites whose cases should catch it. The mutation run (``python -m
gauntlet.faults.mutation``) checks that they do.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re

from gauntlet.faults.model import BUFFER_LIMIT, Request, Response, decode_aws_chunked, error_document
from gauntlet.faults.registry import Fault, register, request_fault, response_fault
from gauntlet.faults.signing import now_amz_date, parse_auth, presign_expired
from gauntlet.s3 import sigv4

OBJECT_READS = ("GetObject", "HeadObject")
OBJECT_WRITES = ("PutObject", "CopyObject", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload",
                 "CreateMultipartUpload")
LISTINGS = ("ListObjects", "ListObjectsV2")
ALL_LISTINGS = (*LISTINGS, "ListObjectVersions", "ListMultipartUploads")
SSE_C = "x-amz-server-side-encryption-customer-"

#: How long `slow-responses` stalls: past boto3's 60 s read timeout (the harness's clients).
STALL_S = float(os.environ.get("GAUNTLET_FAULT_STALL_S", "65"))


# --------------------------------------------------------------------------- small helpers


def _ok_xml(req: Request, resp: Response, ops: tuple[str, ...]) -> bool:
    """Buffer predicate: a 200 answer to one of ``ops`` (an XML document)."""
    return resp.status == 200 and req.op in ops


def _error_body(req: Request, resp: Response) -> bool:
    """Buffer predicate: an error answer that has a body."""
    return resp.status >= 400 and req.method != "HEAD"


def _object_body(req: Request, resp: Response) -> int:
    """Length of a GetObject body the fault may edit (0 when there is none to edit)."""
    if req.op != "GetObject" or resp.status not in (200, 206):
        return 0
    return resp.content_length or 0


def _text(body: bytes, tag: str) -> str | None:
    match = re.search(rb"<%s>(.*?)</%s>" % (tag.encode(), tag.encode()), body, re.S)
    return html.unescape(match.group(1).decode("utf-8", "replace")) if match else None


def _flip_hex(value: str) -> str:
    """The same string with its last hex digit changed (an ETag that is wrong but well-formed)."""
    for i in range(len(value) - 1, -1, -1):
        if value[i] in "0123456789abcdefABCDEF":
            return value[:i] + ("1" if value[i] == "0" else "0") + value[i + 1 :]
    return value + "0"


# --------------------------------------------------------------------------- the pass-through


register(Fault("none", ("smoke",), "No fault: forwards every request and answer unchanged (the baseline).",
               passthrough=True))

#: What `added-latency` adds to every answer.
ADDED_LATENCY_S = 0.05


def _added_latency(req: Request, resp: Response) -> None:
    resp.delay_s = ADDED_LATENCY_S


register(Fault("added-latency", ("smoke",), "Not a bug: every answer waits 50 ms more (a slowed server, the "
               "regression `gauntlet load cmp` must report).", on_response=_added_latency, passthrough=True))


# --------------------------------------------------------------------------- objects: ranges, bodies, ETags


@request_fault("ignore-range", areas=("objects",))
def ignore_range(req: Request) -> None:
    """Ignores the Range header: GET and HEAD answer 200 with the whole object instead of 206 and the range."""
    if req.op in OBJECT_READS:
        req.drop_header("range")


@response_fault("wrong-content-range", areas=("objects",))
def wrong_content_range(req: Request, resp: Response) -> None:
    """Off by one in Content-Range: a 206 answer for bytes 0-9 says `bytes 1-10/SIZE` (the body is right)."""
    match = re.fullmatch(r"bytes (\d+)-(\d+)/(\S+)", resp.headers.get("content-range") or "")
    if resp.status == 206 and match:
        first, last, size = match.groups()
        resp.headers.set("Content-Range", f"bytes {int(first) + 1}-{int(last) + 1}/{size}")


@response_fault("drop-etag", areas=("objects",))
def drop_etag(req: Request, resp: Response) -> None:
    """Sends no ETag header with object answers (PUT, GET, HEAD, UploadPart)."""
    if req.op in (*OBJECT_READS, "PutObject", "UploadPart"):
        resp.headers.remove("etag")


@response_fault("corrupt-etag", areas=("objects",))
def corrupt_etag(req: Request, resp: Response) -> None:
    """Sends a well-formed but wrong ETag (one hex digit off) with object answers (PUT, GET, HEAD)."""
    etag = resp.headers.get("etag")
    if etag and req.op in (*OBJECT_READS, "PutObject"):
        resp.headers.set("ETag", _flip_hex(etag))


def _strip_part_count(text: str) -> str:
    return re.sub(r"([0-9a-fA-F]{32})-\d+", r"\1", text)


@response_fault("multipart-etag-without-count", areas=("multipart",),
                buffer=lambda req, resp: _ok_xml(req, resp, ("CompleteMultipartUpload", *ALL_LISTINGS)))
def multipart_etag_without_count(req: Request, resp: Response) -> None:
    """Gives a multipart object the ETag MD5(part MD5s) without the `-N` part count (headers and XML)."""
    etag = resp.headers.get("etag")
    if etag:
        resp.headers.set("ETag", _strip_part_count(etag))
    if resp.body:
        resp.replace_body(re.sub(rb"(<ETag>[^<]*?[0-9a-fA-F]{32})-\d+", rb"\1", resp.body))


@response_fault("corrupt-body-byte", areas=("objects",))
def corrupt_body_byte(req: Request, resp: Response) -> None:
    """Flips one bit in the middle of every GET body (same length, same headers)."""
    size = _object_body(req, resp)
    if not size:
        return
    where = size // 2

    def flip(chunk: bytes, offset: int) -> bytes:
        if offset <= where < offset + len(chunk):
            i = where - offset
            return chunk[:i] + bytes([chunk[i] ^ 0x01]) + chunk[i + 1 :]
        return chunk

    resp.body_filter = flip


@response_fault("truncate-body", areas=("objects",))
def truncate_body(req: Request, resp: Response) -> None:
    """Sends GET bodies one byte short, with a Content-Length that agrees (so HTTP sees nothing wrong)."""
    size = _object_body(req, resp)
    if not size:
        return
    keep = size - 1
    resp.headers.set("Content-Length", str(keep))
    resp.body_filter = lambda chunk, offset: chunk[: max(0, keep - offset)]


# --------------------------------------------------------------------------- objects: metadata, errors


@response_fault("drop-user-metadata", areas=("objects",))
def drop_user_metadata(req: Request, resp: Response) -> None:
    """Loses user metadata: GET and HEAD answers carry no x-amz-meta-* headers."""
    if req.op in OBJECT_READS:
        resp.headers.remove_where(lambda name: name.startswith("x-amz-meta-"))


@response_fault("metadata-key-case", areas=("objects",))
def metadata_key_case(req: Request, resp: Response) -> None:
    """Returns user metadata names in Title-Case (`x-amz-meta-Color`) instead of the lowercase S3 stores."""
    if req.op in OBJECT_READS:
        for name in resp.headers.names():
            if name.lower().startswith("x-amz-meta-"):
                resp.headers.rename(name, "x-amz-meta-" + name[len("x-amz-meta-") :].title())


@response_fault("missing-key-200", areas=("objects",), buffer=_error_body)
def missing_key_200(req: Request, resp: Response) -> None:
    """Answers 200 with an empty body for a key that does not exist, instead of 404 NoSuchKey."""
    if req.op in OBJECT_READS and resp.status == 404 and (req.method == "HEAD" or resp.error_code == "NoSuchKey"):
        resp.answer(200, b"", content_type="binary/octet-stream")
        resp.headers.set("Content-Length", "0")


@response_fault("swap-nosuchkey-nosuchbucket", areas=("objects", "buckets", "listing"), buffer=_error_body)
def swap_error_codes(req: Request, resp: Response) -> None:
    """Mixes up error codes: answers NoSuchBucket for a missing key and NoSuchKey for a missing bucket."""
    code = resp.error_code
    swap = {"NoSuchKey": "NoSuchBucket", "NoSuchBucket": "NoSuchKey"}
    if resp.body and code in swap:
        resp.replace_body(resp.body.replace(f"<Code>{code}</Code>".encode(), f"<Code>{swap[code]}</Code>".encode()))


@response_fault("missing-bucket-403", areas=("buckets",), buffer=_error_body)
def missing_bucket_403(req: Request, resp: Response) -> None:
    """Answers 403 AccessDenied for a bucket that does not exist, instead of 404 NoSuchBucket."""
    if resp.status != 404:
        return
    if req.method == "HEAD" and req.op == "HeadBucket":
        resp.answer(403)
    elif resp.error_code == "NoSuchBucket":
        resp.answer(403, error_document("AccessDenied", "Access Denied", req.path))


# --------------------------------------------------------------------------- versioning


@response_fault("drop-version-id", areas=("versioning",))
def drop_version_id(req: Request, resp: Response) -> None:
    """Sends no x-amz-version-id header (PUT, GET, HEAD, DELETE in a versioned bucket)."""
    resp.headers.remove("x-amz-version-id")


@request_fault("ignore-version-id", areas=("versioning",))
def ignore_version_id(req: Request) -> None:
    """Ignores versionId on GET and HEAD: always answers with the latest version."""
    if req.op in OBJECT_READS:
        req.drop_query("versionId")


@response_fault("omit-delete-markers", areas=("versioning",),
                buffer=lambda req, resp: _ok_xml(req, resp, ("ListObjectVersions",)))
def omit_delete_markers(req: Request, resp: Response) -> None:
    """Leaves delete markers out of ListObjectVersions (only <Version> entries are listed)."""
    if resp.body:
        resp.replace_body(re.sub(rb"\s*<DeleteMarker>.*?</DeleteMarker>", b"", resp.body, flags=re.S))


# --------------------------------------------------------------------------- listing


@response_fault("listing-truncated-without-token", areas=("listing",),
                buffer=lambda req, resp: _ok_xml(req, resp, LISTINGS))
def listing_truncated_without_token(req: Request, resp: Response) -> None:
    """Truncates a listing (IsTruncated true) without NextContinuationToken / NextMarker to go on from."""
    if resp.body and b"<IsTruncated>true</IsTruncated>" in resp.body:
        resp.replace_body(re.sub(rb"<(NextContinuationToken|NextMarker)>[^<]*</\1>", b"", resp.body))


def _repeat_last_key(req: Request, resp: Response) -> None:
    """Repeats keys across pages: each page after the first starts again with the last key of the page before."""
    body = resp.body
    if not body:
        return
    memory: dict[tuple[str | None, str], bytes] = req.state.setdefault("listing-repeats-keys", {})
    query = req.query
    resume = query.get("continuation-token") or query.get("marker")
    remembered = memory.get((req.bucket, resume)) if resume else None
    if remembered is not None and remembered not in body:
        at = body.find(b"<Contents>")
        at = at if at >= 0 else body.rfind(b"</ListBucketResult>")
        body = body[:at] + remembered + body[at:]
        body = re.sub(rb"<KeyCount>(\d+)</KeyCount>", lambda m: b"<KeyCount>%d</KeyCount>" % (int(m[1]) + 1), body)
        resp.replace_body(body)
    if b"<IsTruncated>true</IsTruncated>" in body:
        blocks = re.findall(rb"<Contents>.*?</Contents>", body, re.S)
        if blocks:
            for token in (_text(body, "NextContinuationToken"), _text(body, "NextMarker"), _text(blocks[-1], "Key")):
                if token:
                    memory[(req.bucket, token)] = blocks[-1]


register(Fault("listing-repeats-keys", ("listing",), _repeat_last_key.__doc__ or "", on_response=_repeat_last_key,
               buffer_response=lambda req, resp: _ok_xml(req, resp, LISTINGS)))


@request_fault("ignore-prefix", areas=("listing",))
def ignore_prefix(req: Request) -> None:
    """Ignores `prefix` on listings: lists every key of the bucket."""
    if req.op in ALL_LISTINGS:
        req.drop_query("prefix")


@request_fault("ignore-delimiter", areas=("listing",))
def ignore_delimiter(req: Request) -> None:
    """Ignores `delimiter` on listings: no CommonPrefixes, every key listed flat."""
    if req.op in ALL_LISTINGS:
        req.drop_query("delimiter")


# --------------------------------------------------------------------------- server-side encryption


@response_fault("drop-sse-headers", areas=("sse",))
def drop_sse_headers(req: Request, resp: Response) -> None:
    """Encrypts but never says so: answers carry no x-amz-server-side-encryption* headers."""
    resp.headers.remove_where(lambda name: name.startswith("x-amz-server-side-encryption"))


def _remember_sse_c(req: Request) -> dict[str, str] | None:
    """Remember the SSE-C key an object is stored with; returns the key the object was stored with, if known."""
    memory: dict[tuple[str | None, str | None], dict[str, str]] = req.state.setdefault("sse-c", {})
    given = req.sse_c()
    if given and req.op in ("PutObject", "CreateMultipartUpload", "CopyObject"):
        memory[(req.bucket, req.key)] = given
    return memory.get((req.bucket, req.key))


@request_fault("ssec-without-key", areas=("sse",))
def ssec_without_key(req: Request) -> None:
    """Serves an SSE-C object to a GET or HEAD that gives no key (it uses the key it kept)."""
    stored = _remember_sse_c(req)
    if req.op in OBJECT_READS and stored and not req.sse_c():
        for part, value in stored.items():
            req.set_header(SSE_C + part, value)


def _ssec_any_key_request(req: Request) -> None:
    """Accepts a wrong SSE-C key: a GET or HEAD with another key is served (with the key the object was stored with)."""
    stored = _remember_sse_c(req)
    given = req.sse_c()
    if req.op in OBJECT_READS and stored and given and given.get("key") != stored.get("key"):
        for part, value in stored.items():
            req.set_header(SSE_C + part, value)


def _ssec_any_key_response(req: Request, resp: Response) -> None:
    asked = {k.lower(): v for k, v in req.original[2]}.get(SSE_C + "key-md5")
    if req.modified and asked and resp.headers.get(SSE_C + "key-md5"):
        resp.headers.set(SSE_C + "key-MD5", asked)


register(Fault("ssec-wrong-key", ("sse",), _ssec_any_key_request.__doc__ or "", on_request=_ssec_any_key_request,
               on_response=_ssec_any_key_response))


# --------------------------------------------------------------------------- checksums


_CHECKSUM_HEADER = re.compile(r"^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$")


def _has_checksum(req: Request) -> bool:
    names = [n.lower() for n in req.headers.names()]
    wanted = any(_CHECKSUM_HEADER.match(n) for n in names) or "content-md5" in names or "x-amz-trailer" in names
    return wanted and req.op in ("PutObject", "UploadPart") and (req.content_length or 0) <= BUFFER_LIMIT


def _is_aws_chunked(req: Request) -> bool:
    return "aws-chunked" in (req.headers.get("content-encoding") or "") or (
        req.headers.get("x-amz-content-sha256") or "").startswith("STREAMING-")


@request_fault("accept-wrong-checksum", areas=("checksums",), buffer=_has_checksum)
def accept_wrong_checksum(req: Request) -> None:
    """Never checks checksums: stores a body whose x-amz-checksum-* (header or trailer) or Content-MD5 is wrong."""
    from gauntlet.s3.checksums import checksum_b64

    body = req.body
    if body is None:
        return
    if _is_aws_chunked(req):
        data, trailers = decode_aws_chunked(body)
        for name, value in trailers:
            match = _CHECKSUM_HEADER.match(name.lower())
            right = checksum_b64(match.group(1), data) if match else value
            if right != value:
                body = body.replace(f"{name}:{value}".encode(), f"{name}:{right}".encode())
        if body != req.body:
            req.replace_body(body)
        return
    for name, value in req.headers.items():
        match = _CHECKSUM_HEADER.match(name.lower())
        if match and checksum_b64(match.group(1), body) != value:
            req.set_header(name, checksum_b64(match.group(1), body))
    md5 = req.headers.get("content-md5")
    if md5 is not None:
        right = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
        if md5 != right:
            req.set_header("Content-MD5", right)


@request_fault("store-trailer-in-object", areas=("checksums", "sigv4"),
               buffer=lambda req: _has_checksum(req) and req.headers.get("x-amz-trailer") is not None)
def store_trailer_in_object(req: Request) -> None:
    """Decodes aws-chunked uploads but keeps the checksum trailer lines as part of the stored object."""
    if req.body is None or not _is_aws_chunked(req):
        return
    data, trailers = decode_aws_chunked(req.body)
    stored = data + b"".join(f"{name}:{value}\r\n".encode() for name, value in trailers)
    encodings = [e.strip() for e in (req.headers.get("content-encoding") or "").split(",")
                 if e.strip() and e.strip() != "aws-chunked"]
    if encodings:
        req.set_header("Content-Encoding", ",".join(encodings))
    else:
        req.drop_header("content-encoding")
    for name in ("x-amz-decoded-content-length", "x-amz-trailer", "x-amz-sdk-checksum-algorithm"):
        req.drop_header(name)
    req.set_header("x-amz-content-sha256", sigv4.UNSIGNED_PAYLOAD)
    req.replace_body(stored)


@response_fault("drop-checksum-headers", areas=("checksums",))
def drop_checksum_headers(req: Request, resp: Response) -> None:
    """Stores checksums but never returns them: GET and HEAD answers carry no x-amz-checksum-* headers."""
    if req.op in OBJECT_READS:
        resp.headers.remove_where(lambda name: name.startswith("x-amz-checksum-"))


# --------------------------------------------------------------------------- conditional requests


@request_fault("ignore-if-none-match", areas=("conditional",))
def ignore_if_none_match(req: Request) -> None:
    """Ignores If-None-Match on GET and HEAD: answers 200 with the object instead of 304 Not Modified."""
    if req.op in OBJECT_READS:
        req.drop_header("if-none-match")


@request_fault("ignore-if-match", areas=("conditional",))
def ignore_if_match(req: Request) -> None:
    """Ignores If-Match on GET and HEAD: answers 200 with the object instead of 412 Precondition Failed."""
    if req.op in OBJECT_READS:
        req.drop_header("if-match")


@request_fault("ignore-put-if-none-match-star", areas=("conditional",))
def ignore_put_if_none_match(req: Request) -> None:
    """Ignores `If-None-Match: *` on PutObject and CompleteMultipartUpload: overwrites an existing key."""
    if req.op in ("PutObject", "CompleteMultipartUpload"):
        req.drop_header("if-none-match")


# --------------------------------------------------------------------------- multipart


def _parts(body: bytes) -> list[tuple[int, bytes]]:
    out = []
    for block in re.findall(rb"<Part>.*?</Part>", body, re.S):
        number = re.search(rb"<PartNumber>\s*(\d+)\s*</PartNumber>", block)
        out.append((int(number.group(1)) if number else 0, block))
    return out


def _accept_small_part(req: Request, resp: Response) -> None:
    """Completes an upload whose non-last part is smaller than 5 MiB instead of answering 400 EntityTooSmall."""
    if req.op != "CompleteMultipartUpload" or resp.status != 400 or resp.error_code != "EntityTooSmall":
        return
    parts = _parts(req.body or b"")
    digests = b"".join(bytes.fromhex(re.sub(r"[^0-9a-fA-F]", "", _text(block, "ETag") or "")[:32] or "00")
                       for _, block in parts)
    etag = f'"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{len(parts)}"'
    result = (f'<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult '
              f'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>http://{req.host}{req.path}</Location>'
              f"<Bucket>{html.escape(req.bucket or '')}</Bucket><Key>{html.escape(req.key or '')}</Key>"
              f"<ETag>{html.escape(etag)}</ETag></CompleteMultipartUploadResult>")
    resp.answer(200, result.encode())


register(Fault("accept-small-part", ("multipart",), _accept_small_part.__doc__ or "", on_response=_accept_small_part,
               buffer_request=lambda req: req.op == "CompleteMultipartUpload",
               buffer_response=lambda req, resp: req.op == "CompleteMultipartUpload" and resp.status >= 400))


@request_fault("accept-parts-out-of-order", areas=("multipart",),
               buffer=lambda req: req.op == "CompleteMultipartUpload")
def accept_parts_out_of_order(req: Request) -> None:
    """Sorts the part list of CompleteMultipartUpload itself instead of answering 400 InvalidPartOrder."""
    parts = _parts(req.body or b"")
    if not req.body or [n for n, _ in parts] == sorted(n for n, _ in parts):
        return
    body = req.body
    start, end = body.find(parts[0][1]), body.rfind(parts[-1][1]) + len(parts[-1][1])
    ordered = b"".join(block for _, block in sorted(parts, key=lambda p: p[0]))
    req.replace_body(body[:start] + ordered + body[end:])


# --------------------------------------------------------------------------- object lock

LOCK_HEADERS = ("x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date", "x-amz-object-lock-legal-hold")


@request_fault("drop-object-lock-headers", areas=("object_lock",))
def drop_object_lock_headers(req: Request) -> None:
    """Ignores x-amz-object-lock-* on PutObject, CopyObject and CreateMultipartUpload: objects are stored unlocked."""
    if req.op in ("PutObject", "CopyObject", "CreateMultipartUpload"):
        for name in LOCK_HEADERS:
            req.drop_header(name)


@request_fault("ignore-governance-retention", areas=("object_lock",))
def ignore_governance_retention(req: Request) -> None:
    """GOVERNANCE retention does not protect: version deletes and retention changes act as if bypass were set."""
    deletes_version = req.op == "DeleteObject" and req.has_query("versionId")
    if deletes_version or req.op == "DeleteObjects" or (req.method == "PUT" and req.has_query("retention")):
        req.set_header("x-amz-bypass-governance-retention", "true")


# --------------------------------------------------------------------------- tagging and CORS


@response_fault("drop-last-tag", areas=("tagging",),
                buffer=lambda req, resp: _ok_xml(req, resp, ("GetObjectTagging", "GetBucketTagging")))
def drop_last_tag(req: Request, resp: Response) -> None:
    """Loses a tag: GetObjectTagging / GetBucketTagging list every tag but the last."""
    if resp.body:
        tags = list(re.finditer(rb"\s*<Tag>.*?</Tag>", resp.body, re.S))
        if tags:
            last = tags[-1]
            resp.replace_body(resp.body[: last.start()] + resp.body[last.end() :])


@response_fault("drop-cors-headers", areas=("cors",))
def drop_cors_headers(req: Request, resp: Response) -> None:
    """Stores CORS rules but never applies them: no Access-Control-* headers on preflights or requests."""
    resp.headers.remove_where(lambda name: name.startswith("access-control-"))


# --------------------------------------------------------------------------- signatures, presigned URLs, POST


@request_fault("accept-bad-signature", areas=("sigv4", "presign"))
def accept_bad_signature(req: Request) -> None:
    """Skips signature checks: a request signed with the wrong secret (or altered after signing) is accepted."""
    if req.signing is not None and req.signing.verify_original(req) is False:
        req.force_resign = True


@request_fault("ignore-payload-hash", areas=("sigv4",))
def ignore_payload_hash(req: Request) -> None:
    """Never compares the body with x-amz-content-sha256: a body that does not match its hash is stored."""
    payload_hash = req.headers.get("x-amz-content-sha256") or ""
    if (req.has_body and re.fullmatch(r"[0-9a-fA-F]{64}", payload_hash) and req.signing is not None
            and req.signing.verify_original(req)):
        req.set_header("x-amz-content-sha256", sigv4.UNSIGNED_PAYLOAD)


@request_fault("ignore-presign-expiry", areas=("presign",))
def ignore_presign_expiry(req: Request) -> None:
    """Never checks X-Amz-Expires: an expired presigned URL still works."""
    auth = parse_auth(req.method, req.target, req.headers.items())
    if (auth is not None and auth.kind == "query" and presign_expired(auth) and req.signing is not None
            and req.signing.verify_original(req)):
        req.signing.resign(req, amz_date=now_amz_date())


def _form_field(body: bytes, name: str) -> re.Match[bytes] | None:
    return re.search(rb'name="%s"\r\n(?:[^\r\n]+\r\n)*\r\n([^\r]*)\r\n' % re.escape(name.encode()), body, re.I)


@request_fault("accept-tampered-post-policy", areas=("presign",),
               buffer=lambda req: req.op == "PostObject" and (req.content_length or 0) <= BUFFER_LIMIT)
def accept_tampered_post_policy(req: Request) -> None:
    """Skips the POST policy signature check: a form whose x-amz-signature does not match its policy is accepted."""
    body = req.body
    if not body or req.signing is None:
        return
    policy, credential, signature = (_form_field(body, n) for n in ("policy", "x-amz-credential", "x-amz-signature"))
    if not (policy and credential and signature):
        return
    right = req.signing.post_policy_signature(policy.group(1).decode(), credential.group(1).decode())
    if right and right.encode() != signature.group(1):
        req.replace_body(body[: signature.start(1)] + right.encode() + body[signature.end(1) :])


# --------------------------------------------------------------------------- transport


@response_fault("slow-responses", areas=("objects",), select="smoke", stall_s=STALL_S)
def slow_responses(req: Request, resp: Response) -> None:
    """Stalls object downloads (GET 200/206) for longer than the client's read timeout (65 s; boto3 waits 60 s)."""
    if req.op == "GetObject" and resp.status in (200, 206):
        resp.delay_s = STALL_S


@response_fault("reset-mid-body", areas=("objects",))
def reset_mid_body(req: Request, resp: Response) -> None:
    """Resets the connection (TCP RST) half-way through every GET body."""
    size = _object_body(req, resp)
    if size >= 2:
        resp.reset_after = size // 2


# --------------------------------------------------------------------------- access control

#: The region `anonymous-as-owner` signs in (that of the launched local servers).
ANON_REGION = os.environ.get("GAUNTLET_FAULT_ANON_REGION", "us-east-1")


@request_fault("anonymous-as-owner", areas=("access_control",))
def anonymous_as_owner(req: Request) -> None:
    """Serves anonymous (unsigned) requests as the owner's: private objects and buckets are open to everyone."""
    if req.signing is None or not req.signing.keys or "authorization" in req.headers:
        return
    if any(name.lower() == "x-amz-credential" for name, _ in req.query_pairs):
        return
    owner = next(iter(req.signing.keys.values()))  # the proxy holds the main user's keys first
    amz_date = now_amz_date()
    headers = {"host": req.headers.get("host") or "localhost", "x-amz-content-sha256": sigv4.UNSIGNED_PAYLOAD,
               "x-amz-date": amz_date}
    signed = sigv4.sign_request(req.method, f"http://{headers['host']}{req.target}", headers, None,
                                access_key=owner.access_key, secret_key=owner.secret_key, region=ANON_REGION,
                                payload_hash=sigv4.UNSIGNED_PAYLOAD, amz_date=amz_date, signed_headers=sorted(headers))
    assert signed.authorization is not None
    req.set_header("x-amz-content-sha256", sigv4.UNSIGNED_PAYLOAD)
    req.set_header("x-amz-date", amz_date)
    req.set_header("Authorization", signed.authorization)


# --------------------------------------------------------------------------- bucket policy


@request_fault("drop-policy-deny", areas=("access_control",),
               buffer=lambda req: req.op == "PutBucketPolicy" and (req.content_length or 0) <= BUFFER_LIMIT)
def drop_policy_deny(req: Request) -> None:
    """Never enforces a bucket policy's Deny statements: PutBucketPolicy keeps only the Allow statements."""
    import json

    from gauntlet.s3.checksums import checksum_b64

    try:
        document = json.loads(req.body or b"")
    except ValueError:
        return
    statements = document.get("Statement") if isinstance(document, dict) else None
    if not isinstance(statements, list):
        return
    kept = [s for s in statements if not (isinstance(s, dict) and s.get("Effect") == "Deny")]
    if not kept or len(kept) == len(statements):
        return
    document["Statement"] = kept
    body = json.dumps(document).encode()
    req.replace_body(body)
    for name, _ in req.headers.items():
        match = _CHECKSUM_HEADER.match(name.lower())
        if match:
            req.set_header(name, checksum_b64(match.group(1), body))


# --------------------------------------------------------------------------- conditional writes (condw)


@request_fault("ignore-complete-if-match", areas=("conditional",))
def ignore_complete_if_match(req: Request) -> None:
    """Ignores If-Match on CompleteMultipartUpload: completes over an object whose ETag no longer matches."""
    if req.op == "CompleteMultipartUpload":
        req.drop_header("if-match")


# --------------------------------------------------------------------------- lifecycle


@response_fault("lifecycle-first-rule-only", areas=("lifecycle",),
                buffer=lambda req, resp: _ok_xml(req, resp, ("GetBucketLifecycleConfiguration",)))
def lifecycle_first_rule_only(req: Request, resp: Response) -> None:
    """Loses lifecycle rules: GetBucketLifecycleConfiguration answers only the first <Rule> of the configuration."""
    if resp.body:
        rules = list(re.finditer(rb"\s*<Rule>.*?</Rule>", resp.body, re.S))
        if len(rules) > 1:
            resp.replace_body(resp.body[: rules[1].start()] + resp.body[rules[-1].end() :])


def _lifecycle_put(req: Request) -> bool:
    return req.op == "PutBucketLifecycleConfiguration" and (req.content_length or 0) <= BUFFER_LIMIT


@request_fault("lifecycle-drop-filter", areas=("lifecycle",), buffer=_lifecycle_put)
def lifecycle_drop_filter(req: Request) -> None:
    """Widens every lifecycle rule to the whole bucket: PutBucketLifecycleConfiguration stores <Filter><Prefix/>."""
    from gauntlet.s3.checksums import checksum_b64

    body = req.body or b""
    widened = re.sub(rb"<Filter>.*?</Filter>", b"<Filter><Prefix></Prefix></Filter>", body, flags=re.S)
    if widened == body:
        return
    req.replace_body(widened)
    for name, _ in req.headers.items():
        match = _CHECKSUM_HEADER.match(name.lower())
        if match:
            req.set_header(name, checksum_b64(match.group(1), widened))


# --------------------------------------------------------------------------- browser POST uploads (post)


@response_fault("post-refusal-as-204", areas=("presign",),
                buffer=lambda req, resp: req.op == "PostObject" and resp.status == 403)
def post_refusal_as_204(req: Request, resp: Response) -> None:
    """Answers 204 No Content to a browser POST upload it refused with 403: the browser is told the file was stored."""
    if req.op == "PostObject" and resp.status == 403:
        resp.answer(204, b"")


# --------------------------------------------------------------------------- SSE-KMS and SSE × copy (ssekms)


@response_fault("sse-algorithm-swapped", areas=("sse",))
def sse_algorithm_swapped(req: Request, resp: Response) -> None:
    """Misreports the encryption: answers say AES256 for aws:kms (no KMS key id or context) and aws:kms for AES256."""
    reported = (resp.headers.get("x-amz-server-side-encryption") or "").lower()
    if reported == "aws:kms":
        resp.headers.set("x-amz-server-side-encryption", "AES256")
        resp.headers.remove_where(lambda name: name.startswith("x-amz-server-side-encryption-aws-kms")
                                  or name == "x-amz-server-side-encryption-context")
    elif reported == "aes256":
        resp.headers.set("x-amz-server-side-encryption", "aws:kms")


@request_fault("copy-source-key-remembered", areas=("sse",))
def copy_source_key_remembered(req: Request) -> None:
    """Copies an SSE-C source without its key: a copy naming no copy-source key gets the one the source was PUT with.

    Applies to CopyObject and UploadPartCopy; the key is the one kept from the source's PutObject or
    CreateMultipartUpload.
    """
    from urllib.parse import unquote

    memory: dict[tuple[str | None, str | None], dict[str, str]] = req.state.setdefault("sse-c-copy", {})
    given = req.sse_c()
    if given and req.op in ("PutObject", "CreateMultipartUpload"):
        memory[(req.bucket, req.key)] = given
    copy_prefix = "x-amz-copy-source-server-side-encryption-customer-"
    if req.op not in ("CopyObject", "UploadPartCopy") or req.sse_c(copy_prefix):
        return
    source = unquote(req.headers.get("x-amz-copy-source") or "").split("?", 1)[0].lstrip("/")
    bucket, _, key = source.partition("/")
    stored = memory.get((bucket, key))
    for part, value in (stored or {}).items():
        req.set_header(copy_prefix + part, value)


# --------------------------------------------------------------------------- concurrency and ListBuckets (concur)


@response_fault("stale-etag-after-overwrite", areas=("concurrency",))
def stale_etag_after_overwrite(req: Request, resp: Response) -> None:
    """Once a key was written twice, GET and HEAD answer its bytes with the ETag of another write of the key.

    Metadata lagging data, as in a server that replaces an object's bytes and its attributes in two steps.
    """
    memory: dict[tuple[str | None, str | None], list[str]] = req.state.setdefault("stale-etag-after-overwrite", {})
    etag = resp.headers.get("etag")
    if not etag:
        return
    history = memory.setdefault((req.bucket, req.key), [])
    if req.op == "PutObject" and resp.status == 200:
        history[:] = [*(e for e in history if e != etag), etag][-16:]
    elif req.op in OBJECT_READS and resp.status in (200, 206) and etag in history and len(history) > 1:
        at = history.index(etag)
        resp.headers.set("ETag", history[at - 1] if at else history[1])


@request_fault("ignore-max-buckets", areas=("buckets",))
def ignore_max_buckets(req: Request) -> None:
    """Ignores max-buckets on ListBuckets: every bucket on one page, no ContinuationToken."""
    if req.op == "ListBuckets":
        req.drop_query("max-buckets")


@response_fault("racing-delete-omits-keys", areas=("concurrency",),
                buffer=lambda req, resp: req.op == "DeleteObjects" and resp.status == 200)
def racing_delete_omits_keys(req: Request, resp: Response) -> None:
    """DeleteObjects leaves out of <Deleted> every key an earlier delete already removed (S3 reports it deleted).

    Deletes that are not idempotent in their answer, as when a DeleteObjects races another one over the
    same keys: a client that checks the answer thinks those keys were not deleted.
    """
    gone: set[tuple[str | None, bytes]] = req.state.setdefault("racing-delete-omits-keys", set())
    if req.op != "DeleteObjects" or resp.status != 200 or not resp.body:
        return
    entries = list(re.finditer(rb"\s*<Deleted>.*?<Key>(.*?)</Key>.*?</Deleted>", resp.body, re.S))
    body = resp.body
    for entry in reversed(entries):
        if (req.bucket, entry.group(1)) in gone:
            body = body[: entry.start()] + body[entry.end():]
    gone.update((req.bucket, entry.group(1)) for entry in entries)
    if body != resp.body:
        resp.replace_body(body)
