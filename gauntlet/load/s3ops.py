"""What the load users send: signed S3 requests, prepared ahead of time where possible.

No Locust and no gevent here (the unit tests import this module; importing Locust
monkey-patches the whole process). Per request the users pay for one signature
(:class:`gauntlet.s3.sigv4.Signer`: derived key cached per day, HMAC pads precomputed)
and one string format; everything else is computed once per process:

* object paths (canonical, percent-encoded) and request names (``GET 4KiB``);
* PUT payloads: a few bodies per size with their MD5 and, when the payload is
  signed, their SHA-256 (``UNSIGNED-PAYLOAD`` otherwise, the default);
* LIST queries per prefix, already in canonical order (sent exactly as signed).

The plan (``plan.json``, written by :mod:`gauntlet.load.run`) says where to go and
what was prefilled; it holds no secrets. Keys come from the environment
(``GAUNTLET_LOAD_ACCESS_KEY`` / ``GAUNTLET_LOAD_SECRET_KEY`` / ``GAUNTLET_LOAD_SESSION_TOKEN``).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gauntlet.config.profiles import (
    Pattern,
    Profile,
    SizeSpec,
    WeightedTable,
    dir_prefix,
    object_key,
    object_sizes,
    pow2_class,
    request_name,
    size_class,
)
from gauntlet.s3.sigv4 import EMPTY_SHA256, UNSIGNED_PAYLOAD, Signer, canonical_query, canonical_uri

ENV_ACCESS_KEY = "GAUNTLET_LOAD_ACCESS_KEY"
ENV_SECRET_KEY = "GAUNTLET_LOAD_SECRET_KEY"
ENV_SESSION_TOKEN = "GAUNTLET_LOAD_SESSION_TOKEN"
USER_AGENT = "s3gauntlet-load/1"
#: Keys a user cycles through for PUT (and DELETE) so storage stays bounded.
PUT_KEYS = 64
MPU_KEYS = 4
#: Nothing but failures for this long (and at least 20 of them) ends the run: the server is down or refusing.
STREAK_S = 15.0

_AUTH_CODES = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken",
                         "ExpiredToken", "AuthorizationHeaderMalformed", "InvalidClientTokenId"})
_CODE_RE = re.compile(rb"<Code>([^<]{1,80})</Code>")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class S3Error(Exception):
    """A response with an unexpected status; the message (``HTTP 404 NoSuchKey``) groups failures."""

    def __init__(self, status: int, code: str = "") -> None:
        super().__init__(f"HTTP {status} {code}".rstrip())
        self.status = status
        self.code = code

    @property
    def auth(self) -> bool:
        return self.status == 403 and (self.code in _AUTH_CODES or not self.code)


class IntegrityError(Exception):
    """The server answered success with the wrong bytes (or a wrong ETag / length)."""


def s3_error(status: int, body: bytes | bytearray | None) -> S3Error:
    match = _CODE_RE.search(body or b"")
    return S3Error(status, match.group(1).decode("utf-8", "replace") if match else "")


# --------------------------------------------------------------------------- signing and request heads


@dataclass(frozen=True)
class Endpoint:
    """Where to connect and what Host header to send."""

    scheme: str
    host: str  # to connect to
    port: int
    netloc: str  # Host header value (default port dropped)
    prefix: str  # an endpoint path prefix, usually ""

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"endpoint must be http(s)://host[:port], got {url!r}")
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
        host = parts.hostname
        shown = f"[{host}]" if ":" in host else host
        netloc = shown if port == _DEFAULT_PORTS[parts.scheme] else f"{shown}:{port}"
        return cls(parts.scheme, host, port, netloc.lower(), parts.path.rstrip("/"))


class RequestBuilder:
    """Signs and formats S3 requests for one endpoint and key pair.

    ``locate`` gives the Host header and canonical path of a bucket/key (path or
    virtual-host style); ``head`` returns the request line and headers as bytes,
    ready for :class:`gauntlet.load.transport.LeanConnection`; ``headers`` returns the
    same headers as a dict for Locust's own FastHttpSession. Signed headers are
    ``host``, ``x-amz-content-sha256``, ``x-amz-date`` (and ``x-amz-security-token``);
    ``Range`` and ``Content-Length`` are sent unsigned, as SigV4 allows.
    """

    def __init__(self, endpoint: str, region: str, access_key: str, secret_key: str,
                 session_token: str | None = None, addressing: str = "path",
                 virtual_host_domain: str | None = None) -> None:
        self.endpoint = Endpoint.parse(endpoint)
        self.region = region
        self.addressing = addressing
        self.virtual_host_domain = virtual_host_domain
        self.signer = Signer(access_key, secret_key, region, session_token=session_token)
        self.access_key = access_key
        self._token_line = f"X-Amz-Security-Token: {session_token}\r\n" if session_token else ""

    def locate(self, bucket: str, key: str | None = None) -> tuple[str, str]:
        """(Host header, canonical path) for ``bucket``/``key``; ``key=None`` is the bucket itself."""
        ep = self.endpoint
        if self.addressing == "virtual":
            domain = self.virtual_host_domain or ep.netloc
            return f"{bucket}.{domain}".lower(), ep.prefix + canonical_uri("/" + (key or ""))
        raw = f"/{bucket}" if key is None else f"/{bucket}/{key}"
        return ep.netloc, ep.prefix + canonical_uri(raw)

    def head(self, method: str, host: str, path: str, query: str = "", payload_hash: str = EMPTY_SHA256,
             extra: str = "") -> bytes:
        """The signed request head. ``query`` must be canonical (sorted, encoded): it is sent as signed;
        ``extra`` holds unsigned header lines, each ending in CRLF."""
        signed = self.signer.headers(method, host, path, query, payload_hash)
        target = f"{path}?{query}" if query else path
        return (
            f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\n"
            f"X-Amz-Date: {signed['X-Amz-Date']}\r\nX-Amz-Content-SHA256: {payload_hash}\r\n{self._token_line}"
            f"Authorization: {signed['Authorization']}\r\n{extra}\r\n"
        ).encode("latin-1")

    def headers(self, method: str, host: str, path: str, query: str = "", payload_hash: str = EMPTY_SHA256,
                extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The same signed headers as a dict (Host included), for Locust's FastHttpSession."""
        out = {"Host": host, "User-Agent": USER_AGENT}
        out.update(self.signer.headers(method, host, path, query, payload_hash))
        if extra:
            out.update(extra)
        return out


# --------------------------------------------------------------------------- what was prefilled


class Obj:
    """A prefilled object (or a version of one): where it is, how big, what its bytes are."""

    __slots__ = ("get_name", "head_name", "index", "key", "label", "md5", "offset", "path", "query", "size")

    def __init__(self, index: int, key: str, path: str, size: int, label: str, offset: int,
                 query: str = "", get_op: str = "GET") -> None:
        self.index = index
        self.key = key
        self.path = path
        self.size = size
        self.label = label
        self.offset = offset
        self.query = query
        self.md5: str | None = None  # computed on first check
        self.get_name = request_name(get_op, label)
        self.head_name = request_name("HEAD")  # moves no body: no size classes


def list_queries(profile: Profile) -> list[str]:
    """The canonical ListObjectsV2 queries a LIST picks from: the first page of each prefill directory,
    and with ``list.deep`` every later page too (start-after the last key of the page before)."""
    page = profile.list_max_keys
    dirs = profile.prefill.dirs
    if profile.list_prefix != "dir":
        return [canonical_query([("list-type", "2"), ("max-keys", str(page)), ("prefix", "o/")])]
    queries = [canonical_query([("list-type", "2"), ("max-keys", str(page)), ("prefix", dir_prefix(d))])
               for d in range(dirs)]
    if profile.list_deep:
        # directory d holds the objects d, d + dirs, d + 2*dirs ... in key order
        queries += [canonical_query([("list-type", "2"), ("max-keys", str(page)), ("prefix", dir_prefix(d)),
                                     ("start-after", object_key(index, dirs))])
                    for d in range(dirs)
                    for index in range(d + (page - 1) * dirs, profile.prefill.objects - dirs, page * dirs)]
    return queries


class Payload:
    """A PUT body prepared once: bytes, size class, MD5 and (signed payloads) SHA-256."""

    __slots__ = ("body", "length_line", "md5", "name", "payload_hash", "size", "vname")

    def __init__(self, body: bytes, label: str, signed: bool) -> None:
        self.body = body
        self.size = len(body)
        self.md5 = hashlib.md5(body).hexdigest()
        self.payload_hash = hashlib.sha256(body).hexdigest() if signed else UNSIGNED_PAYLOAD
        self.name = request_name("PUT", label)
        self.vname = request_name("VPUT", label)
        self.length_line = f"Content-Length: {self.size}\r\n"


class Extras:
    """What Locust's statistics don't hold: integrity checks and time to first byte, per request name.

    Workers send theirs to the master with each stats report (``report_to_master``);
    the master merges them (``worker_report``).
    """

    def __init__(self) -> None:
        self.checked: dict[str, int] = {}
        self.bad: dict[str, int] = {}
        self.ttfb: dict[str, dict[float, int]] = {}
        self._lock = threading.Lock()

    def check(self, name: str, ok: bool) -> None:
        self.checked[name] = self.checked.get(name, 0) + 1
        if not ok:
            self.bad[name] = self.bad.get(name, 0) + 1

    def first_byte(self, name: str, ms: float) -> None:
        hist = self.ttfb.get(name)
        if hist is None:
            hist = self.ttfb[name] = {}
        key = bucket_ms(ms)
        hist[key] = hist.get(key, 0) + 1

    def drain(self) -> dict[str, Any]:
        """Everything since the last drain, as plain data, and reset."""
        with self._lock:
            data = {"checked": self.checked, "bad": self.bad,
                    "ttfb": {name: list(hist.items()) for name, hist in self.ttfb.items()}}
            self.checked, self.bad, self.ttfb = {}, {}, {}
        return data

    def merge(self, data: Mapping[str, Any]) -> None:
        with self._lock:
            for name, count in data.get("checked", {}).items():
                self.checked[name] = self.checked.get(name, 0) + count
            for name, count in data.get("bad", {}).items():
                self.bad[name] = self.bad.get(name, 0) + count
            for name, pairs in data.get("ttfb", {}).items():
                hist = self.ttfb.setdefault(name, {})
                for key, count in pairs:
                    hist[key] = hist.get(key, 0) + count

    def reset(self) -> None:
        self.drain()


def bucket_ms(ms: float) -> float:
    """Round a latency to two significant digits (0.4237 → 0.42, 4.237 → 4.2, 147 → 150).

    Locust rounds below 100 ms to whole milliseconds, which on loopback turns every
    percentile into 0 or 1; :mod:`gauntlet.load.locust_hooks` installs this as Locust's bucket
    function (it matches Locust's own rounding from 100 ms up).
    """
    if ms <= 0:
        return 0
    digits = 1 - math.floor(math.log10(ms))
    value = round(ms, digits)
    return int(value) if digits <= 0 else value


def percentile(hist: Mapping[float, int], fraction: float) -> float | None:
    """The value below which ``fraction`` of the samples fall, from a bucketed histogram."""
    total = sum(hist.values())
    if not total:
        return None
    wanted = fraction * total
    seen = 0
    for key in sorted(hist):
        seen += hist[key]
        if seen >= wanted:
            return float(key)
    return float(max(hist))


# --------------------------------------------------------------------------- the per-process context


class LoadContext:
    """Everything the users of one Locust process share, built once from the plan and the keys."""

    def __init__(self, plan: Mapping[str, Any], access_key: str, secret_key: str,
                 session_token: str | None = None) -> None:
        self.plan = plan
        self.profile: Profile = Profile.from_dict(plan["profile"])
        profile = self.profile
        self.builder = RequestBuilder(plan["endpoint"], plan["region"], access_key, secret_key, session_token,
                                      addressing=plan.get("addressing", "path"),
                                      virtual_host_domain=plan.get("virtual_host_domain"))
        self.endpoint = self.builder.endpoint
        self.verify: bool | str = plan.get("verify", True)
        self.bucket: str = plan["bucket"]
        self.host, self.bucket_path = self.builder.locate(self.bucket)
        self.pattern = Pattern(plan["seed"])
        self.etag_is_md5: bool = bool(plan.get("etag_is_md5", True))
        self.sample = profile.integrity_sample
        self.cap = profile.request_cap
        self.wait = profile.wait_time
        self.signed = profile.payload == "signed"
        self.transport = profile.transport
        self.extras = Extras()
        self.requests = 0
        self.successes = 0
        self.consecutive_failures = 0
        self.streak_started = 0.0
        self.capped = False
        self.abort_reason: tuple[str, str] | None = None
        self.abort_sent = False  # a worker tells its master once
        self._ids = itertools.count(1)
        self.process_tag = plan.get("process_tag") or os.urandom(3).hex()

        # prefilled objects: sizes and contents derive from the seed
        spec = profile.prefill.size
        sizes = object_sizes(spec, profile.prefill.objects, plan["seed"])
        self.objects: list[Obj] = []
        for index, size in enumerate(sizes):
            key = object_key(index, profile.prefill.dirs)
            _, path = self.builder.locate(self.bucket, key)
            self.objects.append(Obj(index, key, path, size, spec.label(size), self.pattern.offset(index)))
        self.n_objects = len(self.objects)

        self.list_queries = list_queries(profile)

        # PUT payloads
        table = profile.put_size.table(seed=profile.seed)
        self.payloads = [
            Payload(self.pattern.content(self.pattern.offset(10_000_000 + i), size), profile.put_size.label(size),
                    self.signed)
            for i, (size, _) in enumerate(table)
        ] if (profile.operations.get("PUT") or profile.operations.get("DELETE")
              or profile.operations.get("VPUT")) else []
        self.payload_table = WeightedTable(self.payloads, [w for _, w in table]) if self.payloads else None

        # multipart: one part body, reused for every part
        self.part: Payload | None = None
        if profile.operations.get("MPU"):
            self.part = Payload(self.pattern.content(self.pattern.offset(20_000_000), profile.part_size),
                                size_class(profile.part_size), self.signed)
            self.mpu_name = request_name("MPU", size_class(profile.mpu_size))
            self.part_name = request_name("MPU-PART", size_class(profile.part_size))

        # versioned objects
        self.versioned_bucket: str | None = plan.get("versioned_bucket")
        self.versions: list[Obj] = []
        self.version_keys: list[tuple[str, str]] = []  # (host, path) of each versioned key
        if self.versioned_bucket:
            vhost, _ = self.builder.locate(self.versioned_bucket)
            self.vhost = vhost
            for entry in plan.get("versions", []):
                key, version_id, size, offset_index = entry
                _, path = self.builder.locate(self.versioned_bucket, key)
                label = spec.label(size)
                self.versions.append(Obj(len(self.versions), key, path, size, label,
                                         self.pattern.offset(offset_index),
                                         query=canonical_query([("versionId", version_id)]), get_op="VGET"))
            for key in sorted({v.key for v in self.versions}):
                self.version_keys.append((vhost, self.builder.locate(self.versioned_bucket, key)[1]))

    # ------------------------------------------------------------------ helpers for users

    def next_user_tag(self) -> str:
        return f"{self.process_tag}-{next(self._ids)}"

    def put_paths(self, user_tag: str, prefix: str = "u", count: int = PUT_KEYS) -> list[str]:
        return [self.builder.locate(self.bucket, f"{prefix}/{user_tag}/{i:04d}")[1] for i in range(count)]

    def expected_md5(self, obj: Obj) -> str:
        if obj.md5 is None:
            digest = hashlib.md5()
            step = 8 << 20
            for start in range(0, obj.size, step):
                digest.update(self.pattern.content(obj.offset, min(step, obj.size - start), start))
            obj.md5 = digest.hexdigest()
        return obj.md5

    def range_label(self, length: int) -> str:
        spec: SizeSpec = self.profile.prefill.size
        if length == self.profile.range_size or spec.exact:
            return size_class(length)
        return pow2_class(length)

    def note(self, exc: BaseException | None) -> None:
        """Count a finished request: request cap, and fail-fast when every request fails.

        The run is given up (``abort_reason``) after 50 failures in a row before any
        success, 2,000 in a row at any time, or at least 20 in a row spanning 15 s.
        """
        self.requests += 1
        if self.requests >= self.cap:
            self.capped = True
        if exc is None:
            self.successes += 1
            self.consecutive_failures = 0
            return
        self.consecutive_failures += 1
        if self.consecutive_failures == 1:
            self.streak_started = time.monotonic()
        if self.abort_reason is None and (
            (self.successes == 0 and self.consecutive_failures >= 50)
            or self.consecutive_failures >= 2000
            or (self.consecutive_failures >= 20 and time.monotonic() - self.streak_started >= STREAK_S)
        ):
            self.abort_reason = classify_failure(exc, self.consecutive_failures, self.successes)


def classify_failure(exc: BaseException, count: int, successes: int) -> tuple[str, str]:
    """(kind, one-line reason) for a run that only fails: ``unreachable``, ``credentials`` or ``failing``."""
    what = f"{count} requests in a row failed" + (" and none succeeded" if not successes else "")
    if isinstance(exc, S3Error):
        if exc.auth:
            return "credentials", f"{what}: the server rejects the load requests' signatures or keys ({exc})"
        return "failing", f"{what}: last answer {exc}"
    if isinstance(exc, OSError):
        return "unreachable", f"{what}: {type(exc).__name__}: {exc}".rstrip(": ")
    return "failing", f"{what}: {type(exc).__name__}: {exc}"


def context_from_env(plan: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> LoadContext:
    """A LoadContext with keys from GAUNTLET_LOAD_ACCESS_KEY / _SECRET_KEY (/ _SESSION_TOKEN)."""
    env = os.environ if environ is None else environ
    access_key, secret_key = env.get(ENV_ACCESS_KEY), env.get(ENV_SECRET_KEY)
    if not access_key or not secret_key:
        raise RuntimeError(f"set {ENV_ACCESS_KEY} and {ENV_SECRET_KEY} (python -m gauntlet.load.run does it for you)")
    return LoadContext(plan, access_key, secret_key, env.get(ENV_SESSION_TOKEN) or None)


__all__ = [
    "ENV_ACCESS_KEY", "ENV_SECRET_KEY", "ENV_SESSION_TOKEN", "MPU_KEYS", "PUT_KEYS", "STREAK_S", "Endpoint",
    "Extras", "IntegrityError", "LoadContext", "Obj", "Payload", "RequestBuilder", "S3Error", "bucket_ms",
    "classify_failure", "context_from_env", "percentile", "s3_error",
]
