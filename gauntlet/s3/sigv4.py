"""A small, exact AWS Signature Version 4 signer for S3.

Two users:

* compatibility cases that need requests boto3 cannot express: a header sent but
  not signed, a key such as ``a//b`` or ``./x`` signed without path normalisation,
  a presigned URL with extra query parameters, a signed chunked (streaming) body
  or an ``aws-chunked`` body with a checksum trailer;
* Locust load users: :class:`Signer` signs one request in a few microseconds
  (derived key cached per day, HMAC pads precomputed, no URL parsing).

The rules implemented are those of the AWS documentation pages cited on each
function ("Create a canonical request for Signature Version 4", "Signature
Calculations for the Authorization Header: Transferring Payload in a Single
Chunk", "... in Multiple Chunks (Chunked Upload)", "Authenticating Requests:
Using Query Parameters (AWS Signature Version 4)"), checked against botocore's
``S3SigV4Auth`` / ``S3SigV4QueryAuth`` and the published S3 example signatures.

One principle throughout: **what is sent is what is signed.** :func:`s3_url`
percent-encodes a key exactly as :func:`canonical_uri` does and never collapses
``//`` or resolves dot segments, and :func:`sign_request` signs the path and query
of the URL it is given as they stand (it only percent-encodes characters that
may not appear raw, and upper-cases ``%xx`` escapes as urllib3 does on the
wire). Note that ``requests`` removes dot segments when it *prepares* a URL; to
send ``/bucket/./x`` set ``prepared.url = signed.url`` after ``prepare()``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import TypeAlias
from urllib.parse import quote

__all__ = [
    "ALGORITHM",
    "EMPTY_SHA256",
    "STREAMING_PAYLOAD",
    "STREAMING_UNSIGNED_TRAILER",
    "UNSIGNED_PAYLOAD",
    "SignedRequest",
    "Signer",
    "amz_date",
    "canonical_headers",
    "canonical_query",
    "canonical_uri",
    "checksum_value",
    "chunk_signature",
    "chunked_body",
    "credential_scope",
    "post_policy_signature",
    "presign",
    "presign_url",
    "s3_url",
    "sign_request",
    "sign_streaming_request",
    "sign_unsigned_trailer_request",
    "signed_chunked_length",
    "signing_key",
    "unsigned_trailer_body",
    "unsigned_trailer_length",
    "uri_encode",
]

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

_AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_CHUNK_SIG_LEN = 64  # hex SHA-256 HMAC
_CHUNK_EXT = ";chunk-signature="
_DEFAULT_PORTS = {"http": "80", "https": "443"}

#: A query given as a string (``"a=1&b"``), a mapping, or (key, value) pairs;
#: a value of ``None`` means a bare key (``?uploads``).
Query: TypeAlias = str | Mapping[str, str | None] | Iterable[tuple[str, str | None]]
#: A timestamp: aware or naive-UTC datetime, epoch seconds, or an ``x-amz-date`` string.
When: TypeAlias = datetime | float | int | str


# --------------------------------------------------------------------------- encoding


def uri_encode(value: str, *, keep_slash: bool = False) -> str:
    """``UriEncode()`` from "Create a canonical request for Signature Version 4".

    Every byte of the UTF-8 encoding is percent-encoded as ``%XX`` (upper-case hex)
    except the RFC 3986 unreserved characters ``A-Za-z0-9-._~``; ``/`` is kept only
    when ``keep_slash`` (object key names in the canonical URI).
    """
    return quote(value, safe="/" if keep_slash else "")


def canonical_uri(path: str) -> str:
    """The S3 ``CanonicalURI`` for a raw (decoded) path such as ``/bucket/a b/é``.

    "Create a canonical request for Signature Version 4": URI-encode each path
    segment once. S3 is the exception to the normalisation rule of other services:
    the path is *not* normalised, so ``a//b``, ``./x``, ``../y`` and a trailing
    ``/`` are kept exactly (requests-aws4auth gets this wrong). An empty path is
    ``/``.
    """
    if not path:
        return "/"
    return quote(path, safe="/")


_ESCAPE_RE = re.compile(r"%[0-9A-Fa-f]{2}")


def _requote(text: str, safe: str) -> str:
    """Percent-encode what is not unreserved or in ``safe``, keeping ``%XX`` escapes.

    Escapes are kept as given except that their hex digits are upper-cased (urllib3
    does the same on the wire); a ``%`` not followed by two hex digits becomes
    ``%25``. Idempotent.
    """
    out: list[str] = []
    pos = 0
    for m in _ESCAPE_RE.finditer(text):
        out.append(quote(text[pos : m.start()], safe=safe))
        out.append(m.group().upper())
        pos = m.end()
    out.append(quote(text[pos:], safe=safe))
    return "".join(out)


def _pairs(params: Query | None) -> list[tuple[str, str | None]]:
    if params is None:
        return []
    if isinstance(params, str):
        raise TypeError("a query string is not a sequence of pairs")
    if isinstance(params, Mapping):
        return list(params.items())
    return list(params)


def _encode_pairs(params: Query | None) -> list[tuple[str, str]]:
    """URI-encode raw (name, value) pairs; ``None`` values become empty."""
    return [(quote(k, safe=""), quote("" if v is None else str(v), safe="")) for k, v in _pairs(params)]


def _split_query(query: str) -> list[tuple[str, str]]:
    """Split a query string (``a=1&b&c=``) into raw text pairs; empty pieces are dropped."""
    pairs = []
    for piece in query.lstrip("?").split("&"):
        if piece:
            key, _, value = piece.partition("=")
            pairs.append((key, value))
    return pairs


def canonical_query(params: Query | None) -> str:
    """The ``CanonicalQueryString`` ("Create a canonical request for Signature Version 4").

    Each name and value is URI-encoded (``/`` encoded too), the pairs are sorted by
    encoded name, then by encoded value, and joined as ``k=v&...``; a name without a
    value gives ``k=``.

    ``params`` given as pairs or a mapping are *raw* values (``prefix="a b"``, every
    ``%`` is literal). Given as a string, it is a query string as it appears in a
    URL: existing ``%XX`` escapes are kept (hex upper-cased) and anything else that
    is not unreserved is encoded, so ``"list-type=2&prefix=a b&delimiter=/"`` and
    ``"prefix=a%20b&delimiter=%2F&list-type=2"`` both work.
    """
    if params is None:
        return ""
    if isinstance(params, str):
        encoded = [(_requote(k, ""), _requote(v, "")) for k, v in _split_query(params)]
    else:
        encoded = _encode_pairs(params)
    encoded.sort()
    return "&".join(f"{k}={v}" for k, v in encoded)


def _url_query(params: Query | None) -> str:
    """A query string to send, in the order given; ``None`` values become bare keys."""
    if params is None:
        return ""
    if isinstance(params, str):
        return _requote(params.lstrip("?"), "=&")
    parts = []
    for k, v in _pairs(params):
        key = quote(k, safe="")
        parts.append(key if v is None else f"{key}={quote(str(v), safe='')}")
    return "&".join(parts)


def _trimall(value: str) -> str:
    return " ".join(str(value).split())


def canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """``CanonicalHeaders`` and ``SignedHeaders`` for ``headers`` (all of them are signed).

    "Create a canonical request for Signature Version 4": names lower-cased, values
    trimmed with sequential whitespace collapsed to one space (``Trimall``), entries
    sorted by name, each ``name:value\\n``; a name given more than once (in
    different case) has its values joined with ``,`` in the given order. Returns
    ``(block, "name1;name2;...")``; the block ends with a newline.
    """
    merged: dict[str, list[str]] = {}
    for name, value in headers.items():
        merged.setdefault(name.strip().lower(), []).append(_trimall(value))
    names = sorted(merged)
    block = "".join(f"{n}:{','.join(merged[n])}\n" for n in names)
    return block, ";".join(names)


# --------------------------------------------------------------------------- keys and dates


@lru_cache(maxsize=512)
def signing_key(secret_key: str, date: str, region: str, service: str = "s3") -> bytes:
    """The derived signing key ``kSigning`` for ``date`` (``YYYYMMDD``), cached.

    ``kDate = HMAC("AWS4" + secret, date)``, ``kRegion = HMAC(kDate, region)``,
    ``kService = HMAC(kRegion, service)``, ``kSigning = HMAC(kService, "aws4_request")``
    ("Create a signature for an AWS API request", step "Derive a signing key").
    """
    key = hmac.digest(f"AWS4{secret_key}".encode(), date.encode(), "sha256")
    for part in (region, service, "aws4_request"):
        key = hmac.digest(key, part.encode(), "sha256")
    return key


def post_policy_signature(secret_key: str, policy_b64: str, date: str, region: str, service: str = "s3") -> str:
    """The ``x-amz-signature`` of a browser POST form: HMAC-SHA256 of the base64 policy text, hex.

    The key is the SigV4 signing key of the credential scope (``date`` is ``YYYYMMDD``);
    "Authenticating Requests in Browser-Based Uploads Using POST (AWS Signature Version 4)".
    The one place the harness signs a POST policy (the suites' forms and the fault proxy).
    """
    return _hmac_hex(signing_key(secret_key, date[:8], region, service), policy_b64)


def credential_scope(date: str, region: str, service: str = "s3") -> str:
    """``YYYYMMDD/region/service/aws4_request``."""
    return f"{date[:8]}/{region}/{service}/aws4_request"


def amz_date(when: When | None = None) -> str:
    """An ``x-amz-date`` timestamp (``20130524T000000Z``).

    A naive datetime is taken as UTC; a string is returned unchanged (so a case can
    sign with a malformed date); ``None`` means now.
    """
    if when is None:
        return time.strftime(_AMZ_DATE_FORMAT, time.gmtime())
    if isinstance(when, str):
        return when
    if isinstance(when, datetime):
        if when.tzinfo is not None:
            when = when.astimezone(timezone.utc)
        return when.strftime(_AMZ_DATE_FORMAT)
    return time.strftime(_AMZ_DATE_FORMAT, time.gmtime(when))


_to_amz_date = amz_date  # for functions whose ``amz_date`` parameter shadows the name


def _hmac_hex(key: bytes, msg: str) -> str:
    return hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- URLs


@dataclass(frozen=True)
class _Url:
    scheme: str
    netloc: str
    path: str
    query: str | None  # None: no "?" at all

    def unsplit(self, query: str | None = None) -> str:
        q = self.query if query is None else query
        return f"{self.scheme}://{self.netloc}{self.path}" + (f"?{q}" if q is not None else "")


def _split_url(url: str) -> _Url:
    """Split ``scheme://netloc/path?query#frag`` without normalising anything."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not an absolute URL: {url!r}")
    rest = rest.split("#", 1)[0]
    cut = len(rest)
    for ch in "/?":
        i = rest.find(ch)
        if i != -1:
            cut = min(cut, i)
    netloc, rest = rest[:cut], rest[cut:]
    path, qsep, query = rest.partition("?")
    return _Url(scheme.lower(), netloc, _requote(path or "/", "/"), _requote(query, "=&") if qsep else None)


def _host_header(scheme: str, netloc: str) -> str:
    """The ``Host`` value for a URL: lower-cased, no userinfo, default port dropped."""
    host = netloc.rpartition("@")[2].lower()
    default = _DEFAULT_PORTS.get(scheme)
    if default and host.endswith(f":{default}") and not host.endswith("]"):
        host = host[: -len(default) - 1]
    return host


def s3_url(
    endpoint: str,
    bucket: str | None,
    key: str | None = None,
    query: Query | None = None,
    *,
    virtual: bool = False,
) -> str:
    """A URL for ``bucket``/``key`` whose path is exactly the S3 canonical URI.

    Path-style by default (``endpoint/bucket/key``); ``virtual=True`` puts the
    bucket in the host name (``bucket.host/key``). The key is encoded as
    :func:`canonical_uri` does (never normalised: ``a//b``, ``./x`` and a trailing
    ``/`` survive). ``key=None`` addresses the bucket itself (``/bucket``); ``key=""``
    gives ``/bucket/``. ``query`` is a string (used as given, illegal characters
    encoded) or pairs/a mapping of raw values, sent in the order given; a value of
    ``None`` gives a bare key (``?uploads``). An endpoint path prefix is kept.
    """
    u = _split_url(endpoint)
    prefix = u.path.rstrip("/")
    netloc = u.netloc
    if virtual:
        if not bucket:
            raise ValueError("virtual-host style needs a bucket")
        userinfo, at, hostport = netloc.rpartition("@")
        netloc = f"{userinfo}{at}{bucket}.{hostport}"
        raw = "/" + (key or "")
    elif bucket is None:
        raw = "/" + (key or "")
    else:
        raw = f"/{bucket}" + ("" if key is None else f"/{key}")
    q = _url_query(query)
    return f"{u.scheme}://{netloc}{prefix}{canonical_uri(raw)}" + (f"?{q}" if q else "")


# --------------------------------------------------------------------------- header auth


@dataclass
class SignedRequest:
    """A signed request, with every intermediate string for debugging and negative cases.

    ``headers`` are the headers to send (``Host`` included); ``url`` is the URL to
    send (path and query exactly as signed). ``signing_key``/``credential_scope``/
    ``amz_date`` are what chunk signatures need.
    """

    method: str
    url: str
    headers: dict[str, str]
    canonical_request: str
    string_to_sign: str
    signature: str
    signed_headers: str = ""
    amz_date: str = ""
    credential_scope: str = ""
    signing_key: bytes = field(default=b"", repr=False)
    body: bytes | None = field(default=None, repr=False)

    @property
    def authorization(self) -> str | None:
        """The ``Authorization`` header, if this is a header-signed request."""
        return self.headers.get("Authorization")


def _find(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive lookup of the first header called ``name``."""
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return None


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = b"",
    *,
    access_key: str,
    secret_key: str,
    region: str,
    service: str = "s3",
    session_token: str | None = None,
    payload_hash: str | None = None,
    amz_date: When | None = None,
    signed_headers: Iterable[str] | None = None,
    unsigned_headers: Iterable[str] = (),
) -> SignedRequest:
    """Sign ``method url`` with an ``Authorization`` header.

    "Signature Calculations for the Authorization Header: Transferring Payload in a
    Single Chunk (AWS Signature Version 4)" and "Create a canonical request for
    Signature Version 4". ``url`` should come from :func:`s3_url`: its path and query
    are signed as they stand (not normalised; characters that may not appear raw are
    percent-encoded, in the returned ``url`` too).

    Headers added unless the caller already gives them (explicit headers are sent
    verbatim, which lets a case send values that disagree with the signature):

    * ``Host`` from the URL (port kept when not the scheme's default);
    * ``X-Amz-Date`` from ``amz_date`` (default now);
    * ``X-Amz-Content-SHA256``: ``payload_hash`` if given (e.g. ``UNSIGNED-PAYLOAD``),
      else the SHA-256 of ``body`` (``None`` counts as empty);
    * ``X-Amz-Security-Token`` when ``session_token``.

    The timestamp in the string to sign is ``amz_date``, else a caller's
    ``x-amz-date`` header, else now. The payload line of the canonical request is
    ``payload_hash``, else a caller's ``x-amz-content-sha256``, else the body hash.

    Every header is signed except those named in ``unsigned_headers``; with
    ``signed_headers`` exactly those names are signed (each must be present).
    """
    u = _split_url(url)
    out: dict[str, str] = dict(headers or {})

    caller_date = _find(out, "x-amz-date")
    stamp = _to_amz_date(amz_date if amz_date is not None or caller_date is None else caller_date)
    caller_hash = _find(out, "x-amz-content-sha256")
    if payload_hash is None:
        payload_hash = caller_hash if caller_hash is not None else hashlib.sha256(body or b"").hexdigest()

    if _find(out, "host") is None:
        out = {"Host": _host_header(u.scheme, u.netloc), **out}
    if caller_date is None:
        out["X-Amz-Date"] = stamp
    if caller_hash is None:
        out["X-Amz-Content-SHA256"] = payload_hash
    if session_token is not None and _find(out, "x-amz-security-token") is None:
        out["X-Amz-Security-Token"] = session_token

    if signed_headers is not None:
        wanted = {h.lower() for h in signed_headers}
        present = {k.lower() for k in out}
        missing = wanted - present
        if missing:
            raise ValueError(f"signed_headers names headers that are not sent: {sorted(missing)}")
    else:
        skip = {h.lower() for h in unsigned_headers} | {"authorization"}
        wanted = {k.lower() for k in out} - skip
    to_sign = {k: v for k, v in out.items() if k.lower() in wanted}
    block, signed = canonical_headers(to_sign)

    creq = "\n".join([method.upper(), u.path, canonical_query(u.query), block, signed, payload_hash])
    scope = credential_scope(stamp, region, service)
    sts = f"{ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(creq.encode()).hexdigest()}"
    key = signing_key(secret_key, stamp[:8], region, service)
    sig = _hmac_hex(key, sts)
    out["Authorization"] = (
        f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={sig}"
    )
    return SignedRequest(
        method=method.upper(),
        url=u.unsplit(),
        headers=out,
        canonical_request=creq,
        string_to_sign=sts,
        signature=sig,
        signed_headers=signed,
        amz_date=stamp,
        credential_scope=scope,
        signing_key=key,
        body=body,
    )


# --------------------------------------------------------------------------- presigned URLs


def presign(
    method: str,
    url: str,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    expires: int = 3600,
    amz_date: When | None = None,
    service: str = "s3",
    extra_query: Query | None = None,
    session_token: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> SignedRequest:
    """Query-string authentication; like :func:`presign_url` but returns every intermediate.

    "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)": the
    URL's own parameters, then ``extra_query``, then ``X-Amz-Algorithm``,
    ``X-Amz-Credential``, ``X-Amz-Date``, ``X-Amz-Expires``, ``X-Amz-SignedHeaders``
    (and ``X-Amz-Security-Token``) are all part of the canonical query string; the
    payload line is ``UNSIGNED-PAYLOAD``; ``X-Amz-Signature`` is appended last.
    Only ``host`` is signed unless ``headers`` (which the client must then send)
    are given. ``expires`` is not range-checked, so a case can exceed 604800.
    """
    u = _split_url(url)
    stamp = _to_amz_date(amz_date)
    scope = credential_scope(stamp, region, service)
    sign_hdrs = {"host": _host_header(u.scheme, u.netloc)}
    for k, v in (headers or {}).items():
        sign_hdrs[k] = v
    block, signed = canonical_headers(sign_hdrs)

    pairs: list[tuple[str, str]] = [(k, v) for k, v in _split_query(u.query or "")]
    pairs += _encode_pairs(extra_query)
    auth = [
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{access_key}/{scope}"),
        ("X-Amz-Date", stamp),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", signed),
    ]
    if session_token is not None:
        auth.append(("X-Amz-Security-Token", session_token))
    pairs += [(k, quote(v, safe="")) for k, v in auth]
    query = "&".join(f"{k}={v}" for k, v in pairs)

    creq = "\n".join([method.upper(), u.path, canonical_query(query), block, signed, UNSIGNED_PAYLOAD])
    sts = f"{ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(creq.encode()).hexdigest()}"
    key = signing_key(secret_key, stamp[:8], region, service)
    sig = _hmac_hex(key, sts)
    return SignedRequest(
        method=method.upper(),
        url=u.unsplit(f"{query}&X-Amz-Signature={sig}"),
        headers=dict(headers or {}),
        canonical_request=creq,
        string_to_sign=sts,
        signature=sig,
        signed_headers=signed,
        amz_date=stamp,
        credential_scope=scope,
        signing_key=key,
    )


def presign_url(
    method: str,
    url: str,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    expires: int = 3600,
    amz_date: When | None = None,
    service: str = "s3",
    extra_query: Query | None = None,
    session_token: str | None = None,
) -> str:
    """A presigned URL ("Authenticating Requests: Using Query Parameters (AWS Signature Version 4)").

    ``X-Amz-SignedHeaders=host``, payload ``UNSIGNED-PAYLOAD``; see :func:`presign`.
    """
    return presign(
        method,
        url,
        access_key=access_key,
        secret_key=secret_key,
        region=region,
        expires=expires,
        amz_date=amz_date,
        service=service,
        extra_query=extra_query,
        session_token=session_token,
    ).url


# --------------------------------------------------------------------------- chunked uploads


def chunk_signature(key: bytes, amz_date: str, scope: str, previous_signature: str, chunk: bytes) -> str:
    """The signature of one chunk of a ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` body.

    "Signature Calculations for the Authorization Header: Transferring Payload in
    Multiple Chunks (Chunked Upload)": the string to sign is
    ``AWS4-HMAC-SHA256-PAYLOAD\\n<date>\\n<scope>\\n<previous signature>\\n<SHA-256 of "">\\n
    <SHA-256 of chunk data>``; the first chunk chains from the seed (header) signature.
    """
    sts = (
        f"{ALGORITHM}-PAYLOAD\n{amz_date}\n{scope}\n{previous_signature}\n"
        f"{EMPTY_SHA256}\n{hashlib.sha256(chunk).hexdigest()}"
    )
    return _hmac_hex(key, sts)


def _chunks(body: bytes, chunk_size: int) -> list[bytes]:
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    return [body[i : i + chunk_size] for i in range(0, len(body), chunk_size)]


def chunked_body(
    body: bytes,
    chunk_size: int,
    *,
    seed_signature: str,
    signing_key: bytes,
    amz_date: str,
    scope: str,
) -> bytes:
    """Frame ``body`` as a signed ``aws-chunked`` body.

    "Signature Calculations for the Authorization Header: Transferring Payload in
    Multiple Chunks (Chunked Upload)": each chunk is
    ``hex(size);chunk-signature=<sig>\\r\\n<data>\\r\\n``, signatures chained from
    ``seed_signature``, and the body ends with a zero-size chunk
    ``0;chunk-signature=<sig>\\r\\n\\r\\n``. ``scope`` is ``date/region/service/aws4_request``.
    S3 wants chunks of at least 8 KiB except the last; this is not enforced.
    """
    out: list[bytes] = []
    prev = seed_signature
    for chunk in [*_chunks(body, chunk_size), b""]:
        prev = chunk_signature(signing_key, amz_date, scope, prev, chunk)
        out.append(b"%x%s%s\r\n%s\r\n" % (len(chunk), _CHUNK_EXT.encode(), prev.encode(), chunk))
    return b"".join(out)


def signed_chunked_length(body_length: int, chunk_size: int) -> int:
    """The length of :func:`chunked_body`'s output for a body of ``body_length`` bytes."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    full, rest = divmod(body_length, chunk_size)
    sizes = [chunk_size] * full + ([rest] if rest else []) + [0]
    overhead = len(_CHUNK_EXT) + _CHUNK_SIG_LEN + 4  # two CRLFs
    return sum(len(f"{n:x}") + overhead + n for n in sizes)


def _with_defaults(headers: Mapping[str, str] | None, defaults: Iterable[tuple[str, str]]) -> dict[str, str]:
    """`headers` plus each default the caller did not give (names compared case-insensitively)."""
    hdrs: dict[str, str] = dict(headers or {})
    for name, value in defaults:
        if _find(hdrs, name.lower()) is None:
            hdrs[name] = value
    return hdrs


def sign_streaming_request(
    method: str,
    url: str,
    body: bytes,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    chunk_size: int = 64 * 1024,
    service: str = "s3",
    headers: Mapping[str, str] | None = None,
    session_token: str | None = None,
    amz_date: When | None = None,
    signed_headers: Iterable[str] | None = None,
    unsigned_headers: Iterable[str] = (),
) -> tuple[SignedRequest, bytes]:
    """Sign a ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` upload and frame its body.

    "Signature Calculations for the Authorization Header: Transferring Payload in
    Multiple Chunks (Chunked Upload)". Adds (unless given) ``Content-Encoding:
    aws-chunked``, ``Content-Length`` (framed length) and
    ``X-Amz-Decoded-Content-Length`` (object length); the header signature is the
    seed of the chunk chain. Returns the signed request (``.body`` is the framed
    body) and the framed body.
    """
    hdrs = _with_defaults(headers, (
        ("Content-Encoding", "aws-chunked"),
        ("Content-Length", str(signed_chunked_length(len(body), chunk_size))),
        ("X-Amz-Decoded-Content-Length", str(len(body))),
    ))
    req = sign_request(
        method, url, hdrs, None, access_key=access_key, secret_key=secret_key, region=region, service=service,
        session_token=session_token, payload_hash=STREAMING_PAYLOAD, amz_date=amz_date,
        signed_headers=signed_headers, unsigned_headers=unsigned_headers,
    )
    framed = chunked_body(
        body,
        chunk_size,
        seed_signature=req.signature,
        signing_key=req.signing_key,
        amz_date=req.amz_date,
        scope=req.credential_scope,
    )
    req.body = framed
    return req, framed


def checksum_value(algorithm: str, data: bytes) -> str:
    """Base64 of a flexible checksum (``crc32``, ``sha1`` or ``sha256``) as S3 headers carry it."""
    alg = algorithm.lower().removeprefix("x-amz-checksum-")
    if alg == "crc32":
        digest = (zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big")
    elif alg in ("sha1", "sha256"):
        digest = hashlib.new(alg, data).digest()
    else:
        raise ValueError(f"no built-in implementation of {algorithm!r}; pass the value explicitly")
    return base64.b64encode(digest).decode()


def unsigned_trailer_body(body: bytes, chunk_size: int, trailer_name: str, trailer_value: str) -> bytes:
    """Frame ``body`` as ``aws-chunked`` with an unsigned trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER).

    The framing botocore (``httpchecksum.AwsChunkedWrapper``) sends: each chunk
    ``hex(size)\\r\\n<data>\\r\\n``, then ``0\\r\\n``, then the trailer
    ``name:value\\r\\n`` and a closing ``\\r\\n``.
    """
    out = [b"%x\r\n%s\r\n" % (len(c), c) for c in _chunks(body, chunk_size)]
    out.append(b"0\r\n%s:%s\r\n\r\n" % (trailer_name.encode(), trailer_value.encode()))
    return b"".join(out)


def unsigned_trailer_length(body_length: int, chunk_size: int, trailer_name: str, trailer_value: str) -> int:
    """The length of :func:`unsigned_trailer_body`'s output."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    full, rest = divmod(body_length, chunk_size)
    sizes = [chunk_size] * full + ([rest] if rest else [])
    return sum(len(f"{n:x}") + 4 + n for n in sizes) + 3 + len(trailer_name) + 1 + len(trailer_value) + 4


def sign_unsigned_trailer_request(
    method: str,
    url: str,
    body: bytes,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    trailer_name: str = "x-amz-checksum-crc32",
    trailer_value: str | None = None,
    chunk_size: int = 64 * 1024,
    service: str = "s3",
    headers: Mapping[str, str] | None = None,
    session_token: str | None = None,
    amz_date: When | None = None,
    signed_headers: Iterable[str] | None = None,
    unsigned_headers: Iterable[str] = (),
) -> tuple[SignedRequest, bytes]:
    """Sign a ``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` upload and frame its body.

    The form boto3 ≥ 1.36 uses for checksummed uploads over HTTPS. Adds (unless
    given) ``Content-Encoding: aws-chunked``, ``X-Amz-Trailer``,
    ``X-Amz-Decoded-Content-Length`` and ``Content-Length`` (framed length; botocore
    sends ``Transfer-Encoding: chunked`` instead). ``trailer_value`` defaults to the
    checksum of ``body`` named by ``trailer_name`` (crc32, sha1, sha256).
    """
    if trailer_value is None:
        trailer_value = checksum_value(trailer_name, body)
    hdrs = _with_defaults(headers, (
        ("Content-Encoding", "aws-chunked"),
        ("Content-Length", str(unsigned_trailer_length(len(body), chunk_size, trailer_name, trailer_value))),
        ("X-Amz-Decoded-Content-Length", str(len(body))),
        ("X-Amz-Trailer", trailer_name),
    ))
    req = sign_request(
        method, url, hdrs, None, access_key=access_key, secret_key=secret_key, region=region, service=service,
        session_token=session_token, payload_hash=STREAMING_UNSIGNED_TRAILER, amz_date=amz_date,
        signed_headers=signed_headers, unsigned_headers=unsigned_headers,
    )
    framed = unsigned_trailer_body(body, chunk_size, trailer_name, trailer_value)
    req.body = framed
    return req, framed


# --------------------------------------------------------------------------- hot path


class Signer:
    """A lean header signer for load generation (Locust ``FastHttpUser`` and the like).

    ``Signer(ak, sk, region).headers("GET", "host:9000", "/bucket/key", "", EMPTY_SHA256)``
    returns the headers to add (``Authorization``, ``X-Amz-Date``,
    ``X-Amz-Content-SHA256``, ``X-Amz-Security-Token`` if any, and ``extra_headers``).
    The caller supplies the pieces already canonical: ``host`` exactly as the client
    sends it, ``path_encoded`` from :func:`canonical_uri`, ``query_canonical`` from
    :func:`canonical_query` (the client must send that path and a query with the
    same pairs), ``method`` upper-case. ``extra_headers`` are sent and signed; they
    must not repeat ``host`` or the ``x-amz-*`` headers added here. Per call: one
    SHA-256 and one HMAC (inner/outer pads of the day's key precomputed), plus
    ``strftime`` once per second. Safe to share between greenlets and threads
    (state is swapped as one tuple).
    """

    __slots__ = ("_access_key", "_region", "_secret_key", "_service", "_state", "_token", "_token_line")

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        region: str,
        service: str = "s3",
        session_token: str | None = None,
    ) -> None:
        self._access_key = access_key
        self._secret_key = secret_key
        self._region = region
        self._service = service
        self._token = session_token
        self._token_line = (
            "" if session_token is None else f"x-amz-security-token:{_trimall(session_token)}\n"
        )
        # (epoch second, amz date, scope, inner hash, outer hash, auth prefix, signed headers)
        self._state: tuple = (None, "", "", None, None, "", "")

    def _state_for(self, second: int | None, stamp: str) -> tuple:
        state = self._state
        if state[1][:8] == stamp[:8] and state[3] is not None:
            # Same day: keep the key pads, refresh the timestamp.
            state = (second, stamp, *state[2:])
        else:
            date = stamp[:8]
            scope = credential_scope(date, self._region, self._service)
            key = signing_key(self._secret_key, date, self._region, self._service).ljust(64, b"\0")
            inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
            outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
            signed = "host;x-amz-content-sha256;x-amz-date" + (";x-amz-security-token" if self._token else "")
            prefix = f"{ALGORITHM} Credential={self._access_key}/{scope}, SignedHeaders="
            state = (second, stamp, scope, inner, outer, prefix, signed)
        self._state = state
        return state

    def headers(
        self,
        method: str,
        host: str,
        path_encoded: str,
        query_canonical: str = "",
        payload_hash: str = EMPTY_SHA256,
        extra_headers: Mapping[str, str] | None = None,
        now: When | None = None,
    ) -> dict[str, str]:
        """Headers that sign ``method host path_encoded?query_canonical`` at ``now`` (default: now)."""
        if now is None:
            second = int(time.time())
            state = self._state
            if state[0] != second:
                state = self._state_for(second, time.strftime(_AMZ_DATE_FORMAT, time.gmtime(second)))
        else:
            state = self._state_for(None, amz_date(now))
        _, stamp, scope, inner, outer, prefix, signed = state

        if extra_headers:
            all_headers = {"host": host, "x-amz-content-sha256": payload_hash, "x-amz-date": stamp}
            if self._token is not None:
                all_headers["x-amz-security-token"] = self._token
            all_headers.update(extra_headers)
            block, signed = canonical_headers(all_headers)
        else:
            block = (
                f"host:{host}\nx-amz-content-sha256:{payload_hash}\nx-amz-date:{stamp}\n{self._token_line}"
            )
        creq = f"{method}\n{path_encoded}\n{query_canonical}\n{block}\n{signed}\n{payload_hash}"
        sts = f"{ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(creq.encode()).hexdigest()}"
        h = inner.copy()
        h.update(sts.encode())
        o = outer.copy()
        o.update(h.digest())
        out = {
            "Authorization": f"{prefix}{signed}, Signature={o.hexdigest()}",
            "X-Amz-Date": stamp,
            "X-Amz-Content-SHA256": payload_hash,
        }
        if self._token is not None:
            out["X-Amz-Security-Token"] = self._token
        if extra_headers:
            out.update(extra_headers)
        return out
