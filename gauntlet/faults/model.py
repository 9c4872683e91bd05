"""What a fault sees: one S3 request and its response, small and easy to edit.

The proxy builds a :class:`Request` from what the client sent and a :class:`Response`
from what the upstream answered; a fault edits them in place. Bodies stream
through the proxy untouched unless a fault asks for one to be buffered (then
``.body`` holds the bytes and may be replaced) or installs a stream filter.

Editing a request that the client signed (a header, the query, the body) makes
the proxy sign it again with the target's credentials before forwarding it, but
only when the client's own signature was valid: a fault that drops a header never
turns a badly signed request into an accepted one by accident (see signing.py).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

#: Responses a fault may buffer are capped at this size (listings, errors, small objects).
BUFFER_LIMIT = 32 * 1024 * 1024

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class Headers:
    """An ordered, case-preserving, case-insensitive list of HTTP header fields."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = [(str(k), str(v)) for k, v in items]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name`` (any case), else ``default``."""
        lname = name.lower()
        for k, v in self._items:
            if k.lower() == lname:
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        lname = name.lower()
        return [v for k, v in self._items if k.lower() == lname]

    def names(self) -> list[str]:
        return [k for k, _ in self._items]

    def set(self, name: str, value: str) -> None:
        """Replace every ``name`` field by one (in the place of the first), or append it."""
        lname = name.lower()
        out: list[tuple[str, str]] = []
        done = False
        for k, v in self._items:
            if k.lower() == lname:
                if not done:
                    out.append((k, value))
                    done = True
            else:
                out.append((k, v))
        if not done:
            out.append((name, value))
        self._items = out

    def remove(self, name: str) -> bool:
        """Remove every ``name`` field; True if there was one."""
        lname = name.lower()
        kept = [(k, v) for k, v in self._items if k.lower() != lname]
        removed = len(kept) != len(self._items)
        self._items = kept
        return removed

    def remove_where(self, predicate: Callable[[str], bool]) -> list[str]:
        """Remove the fields whose lower-cased name matches; returns the names removed."""
        removed = [k for k, _ in self._items if predicate(k.lower())]
        self._items = [(k, v) for k, v in self._items if not predicate(k.lower())]
        return removed

    def rename(self, old: str, new: str) -> None:
        lold = old.lower()
        self._items = [(new if k.lower() == lold else k, v) for k, v in self._items]

    def copy(self) -> Headers:
        return Headers(self._items)


def split_query(query: str) -> list[tuple[str, str | None]]:
    """Raw ``(name, value)`` pairs of a query string, as sent (``None`` for a bare ``?uploads``)."""
    pairs: list[tuple[str, str | None]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, eq, value = piece.partition("=")
        pairs.append((name, value if eq else None))
    return pairs


def join_query(pairs: Iterable[tuple[str, str | None]]) -> str:
    return "&".join(name if value is None else f"{name}={value}" for name, value in pairs)


def _decoded(text: str) -> str:
    return unquote(text.replace("+", "%20"))


# --------------------------------------------------------------------------- operations

_BUCKET_SUBRESOURCES = {
    "versioning": "BucketVersioning", "cors": "BucketCors", "tagging": "BucketTagging",
    "encryption": "BucketEncryption", "location": "BucketLocation", "acl": "BucketAcl",
    "policy": "BucketPolicy", "lifecycle": "BucketLifecycleConfiguration", "object-lock": "ObjectLockConfiguration",
    "ownershipControls": "BucketOwnershipControls", "publicAccessBlock": "PublicAccessBlock",
    "notification": "BucketNotificationConfiguration", "website": "BucketWebsite", "logging": "BucketLogging",
    "replication": "BucketReplication", "requestPayment": "BucketRequestPayment",
}
_VERB = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}


def s3_operation(method: str, bucket: str | None, key: str | None, query: Mapping[str, str], headers: Headers) -> str:
    """The S3 API operation a request is (``GetObject``, ``ListObjectsV2`` ...), or ``Unknown``."""
    if method == "OPTIONS":
        return "PreflightRequest"
    if not bucket:
        return "ListBuckets" if method == "GET" else "Unknown"
    if key is None or key == "":
        for sub, name in _BUCKET_SUBRESOURCES.items():
            if sub in query and method in _VERB:
                return _VERB[method] + name
        if method == "GET":
            if "versions" in query:
                return "ListObjectVersions"
            if "uploads" in query:
                return "ListMultipartUploads"
            if query.get("list-type") == "2":
                return "ListObjectsV2"
            return "ListObjects"
        if method == "PUT":
            return "CreateBucket"
        if method == "DELETE":
            return "DeleteBucket"
        if method == "HEAD":
            return "HeadBucket"
        if method == "POST":
            return "DeleteObjects" if "delete" in query else "PostObject"
        return "Unknown"
    copy = headers.get("x-amz-copy-source") is not None
    if method == "GET":
        if "uploadId" in query:
            return "ListParts"
        if "tagging" in query:
            return "GetObjectTagging"
        if "acl" in query:
            return "GetObjectAcl"
        if "attributes" in query:
            return "GetObjectAttributes"
        return "GetObject"
    if method == "HEAD":
        return "HeadObject"
    if method == "PUT":
        if "partNumber" in query and "uploadId" in query:
            return "UploadPartCopy" if copy else "UploadPart"
        if "tagging" in query:
            return "PutObjectTagging"
        if "acl" in query:
            return "PutObjectAcl"
        return "CopyObject" if copy else "PutObject"
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        if "uploadId" in query:
            return "CompleteMultipartUpload"
        return "Unknown"
    if method == "DELETE":
        if "uploadId" in query:
            return "AbortMultipartUpload"
        if "tagging" in query:
            return "DeleteObjectTagging"
        return "DeleteObject"
    return "Unknown"


# --------------------------------------------------------------------------- request


@dataclass
class Request:
    """One request as the client sent it (``target`` is the raw path and query)."""

    method: str
    target: str
    headers: Headers
    body: bytes | None = None  # set only when the fault buffered it
    #: per-proxy memory for faults that need it (e.g. the SSE-C key an object was stored with)
    state: dict[str, Any] = field(default_factory=dict)
    #: the base domain of virtual-host addressing, when the target uses it
    virtual_host_domain: str | None = None
    #: set by the proxy: checks and re-signs signatures with the target's credentials
    signing: Any = None
    #: a fault asks for the request to be signed again even though the client's signature was wrong
    force_resign: bool = False
    #: the fault already signed the request again itself (e.g. with a new date)
    resigned: bool = False
    _original: tuple[str, str, list[tuple[str, str]]] | None = field(default=None, repr=False)
    _modified: bool = field(default=False, repr=False)
    _body_modified: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self._original is None:
            self._original = (self.method, self.target, self.headers.items())

    # ---------------------------------------------------------------- URL parts

    @property
    def path(self) -> str:
        """The raw (still percent-encoded) path."""
        return self.target.split("?", 1)[0]

    @property
    def query_string(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    @property
    def query_pairs(self) -> list[tuple[str, str | None]]:
        return split_query(self.query_string)

    @property
    def query(self) -> dict[str, str]:
        """Decoded query parameters (first value of each; ``""`` for a bare name)."""
        out: dict[str, str] = {}
        for name, value in self.query_pairs:
            out.setdefault(_decoded(name), _decoded(value or ""))
        return out

    def has_query(self, name: str) -> bool:
        return name in self.query

    def drop_query(self, *names: str) -> bool:
        """Remove query parameters (by decoded name); True if one was there."""
        wanted = set(names)
        pairs = self.query_pairs
        kept = [(k, v) for k, v in pairs if _decoded(k) not in wanted]
        if len(kept) == len(pairs):
            return False
        self.target = self.path + ("?" + join_query(kept) if kept else "")
        self._modified = True
        return True

    @property
    def host(self) -> str:
        return self.headers.get("host") or ""

    def _bucket_key(self) -> tuple[str | None, str | None]:
        path = self.path
        hostname = self.host.rsplit(":", 1)[0] if not self.host.endswith("]") else self.host
        domain = self.virtual_host_domain
        if domain and hostname.endswith("." + domain):
            bucket = hostname[: -len(domain) - 1]
            key = _decoded_path(path[1:]) if len(path) > 1 else None
            return bucket, key
        parts = path[1:].split("/", 1) if path.startswith("/") else [path]
        bucket = unquote(parts[0]) or None
        key = unquote(parts[1]) if len(parts) > 1 else None
        return bucket, key

    @property
    def bucket(self) -> str | None:
        return self._bucket_key()[0]

    @property
    def key(self) -> str | None:
        return self._bucket_key()[1]

    @property
    def op(self) -> str:
        """The S3 operation (``GetObject``, ``ListObjectsV2``, ``CompleteMultipartUpload`` ...)."""
        bucket, key = self._bucket_key()
        return s3_operation(self.method, bucket, key, self.query, self.headers)

    # ---------------------------------------------------------------- headers and body

    def set_header(self, name: str, value: str) -> None:
        self.headers.set(name, value)
        self._modified = True

    def drop_header(self, name: str) -> bool:
        removed = self.headers.remove(name)
        self._modified = self._modified or removed
        return removed

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("content-length")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    @property
    def has_body(self) -> bool:
        return bool(self.content_length) or self.headers.get("transfer-encoding") is not None

    def replace_body(self, body: bytes) -> None:
        """Replace a buffered body; Content-Length, Content-MD5 and a hex payload hash follow it."""
        self.body = body
        self._body_modified = True
        self._modified = True
        self.headers.remove("transfer-encoding")
        self.headers.set("Content-Length", str(len(body)))
        if self.headers.get("content-md5") is not None:
            md5 = hashlib.md5(body, usedforsecurity=False).digest()
            self.headers.set("Content-MD5", base64.b64encode(md5).decode())
        payload_hash = self.headers.get("x-amz-content-sha256")
        if payload_hash is not None and _HEX64.match(payload_hash):
            self.headers.set("x-amz-content-sha256", hashlib.sha256(body).hexdigest())

    def set_target(self, target: str) -> None:
        self.target = target
        self._modified = True

    @property
    def modified(self) -> bool:
        """True when a fault changed what is forwarded (the proxy then signs it again)."""
        return self._modified

    @property
    def changed(self) -> bool:
        """True when the fault did anything to the request."""
        return self._modified or self.force_resign or self.resigned

    @property
    def original(self) -> tuple[str, str, list[tuple[str, str]]]:
        """``(method, target, headers)`` exactly as the client sent them."""
        assert self._original is not None
        return self._original

    def sse_c(self, prefix: str = "x-amz-server-side-encryption-customer-") -> dict[str, str] | None:
        """The SSE-C headers (algorithm, key, key-md5) of the request, if any."""
        found = {part: self.headers.get(prefix + part) for part in ("algorithm", "key", "key-md5")}
        if found["key"] is None:
            return None
        return {k: v for k, v in found.items() if v is not None}


def _decoded_path(text: str) -> str:
    return unquote(text)


# --------------------------------------------------------------------------- response


@dataclass
class Response:
    """The upstream's answer, on its way back to the client."""

    status: int
    headers: Headers
    reason: str = ""
    body: bytes | None = None  # set only when the fault buffered it
    #: streaming edit of the body: called with each chunk and the offset of its first byte
    body_filter: Callable[[bytes, int], bytes] | None = None
    #: seconds to wait before answering
    delay_s: float = 0.0
    #: reset the client's connection (TCP RST) after this many body bytes
    reset_after: int | None = None
    _body_modified: bool = field(default=False, repr=False)

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("content-length")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    def replace_body(self, body: bytes) -> None:
        """Replace the (buffered) body; Content-Length follows."""
        self.body = body
        self._body_modified = True
        self.headers.remove("transfer-encoding")
        self.headers.set("Content-Length", str(len(body)))

    @property
    def body_modified(self) -> bool:
        return self._body_modified

    @property
    def error_code(self) -> str | None:
        """``<Code>`` of a buffered S3 error document."""
        if not self.body:
            return None
        match = re.search(rb"<Code>([^<]*)</Code>", self.body)
        return match.group(1).decode("utf-8", "replace") if match else None

    def answer(self, status: int, body: bytes = b"", content_type: str | None = "application/xml",
               reason: str = "") -> None:
        """Turn this response into another one (status, body, content headers)."""
        self.status = status
        self.reason = reason or REASONS.get(status, "")
        for name in ("content-type", "content-length", "transfer-encoding", "content-range", "etag",
                     "last-modified", "x-amz-delete-marker"):
            self.headers.remove(name)
        if content_type and body:
            self.headers.set("Content-Type", content_type)
        self.replace_body(body)


REASONS = {200: "OK", 204: "No Content", 206: "Partial Content", 304: "Not Modified", 400: "Bad Request",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
           412: "Precondition Failed", 416: "Requested Range Not Satisfiable", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}


def error_document(code: str, message: str, resource: str = "", request_id: str = "s3gauntlet-fault") -> bytes:
    """An S3 error body."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<Resource>{resource}</Resource><RequestId>{request_id}</RequestId></Error>").encode()


# --------------------------------------------------------------------------- aws-chunked bodies


def decode_aws_chunked(body: bytes) -> tuple[bytes, list[tuple[str, str]]]:
    """The decoded bytes and the trailer fields of an ``aws-chunked`` body (signed or unsigned chunks).

    Framing: ``hex-size[;chunk-signature=...]\\r\\n data \\r\\n`` ... ``0[;...]\\r\\n``, then
    ``name:value\\r\\n`` trailer lines and a closing ``\\r\\n``. Raises ValueError if malformed.
    """
    data: list[bytes] = []
    pos = 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            raise ValueError("aws-chunked: chunk header without CRLF")
        size = int(body[pos:end].split(b";", 1)[0].strip() or b"x", 16)
        pos = end + 2
        if size == 0:
            break
        data.append(body[pos : pos + size])
        if body[pos + size : pos + size + 2] != b"\r\n":
            raise ValueError("aws-chunked: chunk data not followed by CRLF")
        pos += size + 2
    trailers: list[tuple[str, str]] = []
    for line in body[pos:].split(b"\r\n"):
        if line.strip():
            name, _, value = line.decode("latin-1").partition(":")
            trailers.append((name.strip(), value.strip()))
    return b"".join(data), trailers
