"""The Locust user: S3 operations as tasks, measured through ``events.request``.

:class:`S3User` is a ``FastHttpUser``. With ``transport: fasthttp`` every request goes
through Locust's own FastHttpSession (``self.client``); with ``transport: lean`` (the
default) it goes through a :class:`~gauntlet.load.transport.LeanConnection` owned by the
user, which skips the session's per-request URL, cookie and header machinery (see
``benchmarks/bench_load.py`` for what that buys). Either way each request is signed
with :class:`gauntlet.s3.sigv4.Signer` and reported with the operation and size class
as its name (``GET 4KiB``), bytes moved as its length, and failures as exceptions:
an unexpected status (``HTTP 503 SlowDown``) or wrong bytes (``IntegrityError``).

Task weights come from the profile's ``operations`` (set by :mod:`gauntlet.load.locust_hooks`
when a test starts, before users spawn).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import deque
from random import random
from time import perf_counter
from typing import Any

from locust import FastHttpUser, task

from gauntlet.load import s3ops
from gauntlet.load.s3ops import IntegrityError, LoadContext, Obj, S3Error, s3_error
from gauntlet.load.transport import DISCARD, KEEP, MD5, LeanConnection, Reply
from gauntlet.s3.sigv4 import EMPTY_SHA256, UNSIGNED_PAYLOAD, canonical_query

_UPLOAD_ID_RE = re.compile(rb"<UploadId>([^<]+)</UploadId>")
_NO_CONTEXT = {}  # the context dict passed with every request event (shared, never mutated)


class _Exchange:
    """One request done: the reply or the transport error (with the time it took), and for
    FastHttpSession the response context manager that reports it."""

    __slots__ = ("cm", "elapsed", "exc", "reply")

    def __init__(self, reply: Reply | None, exc: BaseException | None, cm: Any = None, elapsed: float = 0.0) -> None:
        self.reply = reply
        self.exc = exc
        self.cm = cm
        self.elapsed = reply.elapsed if reply is not None else elapsed


_CONTEXT: list[LoadContext | None] = [None]


def current_context() -> LoadContext | None:
    """The process's LoadContext (set by gauntlet.load.locust_hooks when a test starts)."""
    return _CONTEXT[0]


def set_context(ctx: LoadContext | None) -> None:
    _CONTEXT[0] = ctx


def _pace(user: S3User) -> float:
    """wait_time: the profile's pause, or a long one once the request cap is reached or the run given up."""
    ctx = _CONTEXT[0]
    return 3600.0 if ctx is None or ctx.capped or ctx.abort_reason else ctx.wait


class S3User(FastHttpUser):
    """One simulated S3 client: a keep-alive connection, its own PUT keys, tasks weighted by the profile."""

    host = "http://127.0.0.1"  # replaced by the plan's endpoint when a test starts
    wait_time = _pace
    network_timeout = 60.0
    connection_timeout = 10.0

    ctx: LoadContext
    conn: LeanConnection | None

    def on_start(self) -> None:
        ctx = current_context()
        if ctx is None:  # pragma: no cover - hooks refuse to start without a plan
            raise RuntimeError("no load plan: run through python -m gauntlet.load.run")
        self.ctx = ctx
        ep = ctx.endpoint
        self.conn = (LeanConnection(ep.host, ep.port, tls=ep.tls, verify=ctx.verify,
                                    connect_timeout=self.connection_timeout, timeout=self.network_timeout)
                     if ctx.transport == "lean" else None)
        self.tag = ctx.next_user_tag()
        self.put_paths = ctx.put_paths(self.tag) if ctx.payloads else []
        self.mpu_paths = ctx.put_paths(self.tag, "m", s3ops.MPU_KEYS) if ctx.part else []
        self.own: deque[tuple[str, s3ops.Payload]] = deque()
        self.puts = 0
        self.uploads = 0
        self.fire = self.environment.events.request.fire

    def on_stop(self) -> None:
        if self.conn is not None:
            self.conn.close()

    # ------------------------------------------------------------------ plumbing

    def _send(self, op: str, name: str, method: str, host: str, path: str, query: str = "",
              payload_hash: str = EMPTY_SHA256, body: bytes | None = None, extra: str = "",
              head_only: bool = False, mode: int = DISCARD) -> _Exchange:
        ctx = self.ctx
        if self.conn is not None:
            head = ctx.builder.head(method, host, path, query, payload_hash, extra)
            start = perf_counter()
            try:
                return _Exchange(self.conn.request(head, body, head_only=head_only, mode=mode), None)
            except Exception as exc:
                return _Exchange(None, exc, elapsed=perf_counter() - start)
        # Locust's own FastHttpSession
        extra_headers = dict(line.split(": ", 1) for line in extra.split("\r\n") if line)
        headers = ctx.builder.headers(method, host, path, query, payload_hash, extra_headers)
        ep = ctx.endpoint
        url = f"{ep.scheme}://{ep.netloc}{path}?{query}" if query else f"{ep.scheme}://{ep.netloc}{path}"
        cm = self.client.request(method, url, name=name, data=body, headers=headers, catch_response=True)
        cm.__enter__()
        if not cm.status_code:
            return _Exchange(None, getattr(cm, "error", None) or ConnectionError("no response"), cm)
        content = cm.content or b""
        reply = Reply(cm.status_code, {k.lower(): v for k, v in (cm.headers or {}).items()}, content, len(content),
                      None, 0.0, 0.0)
        if mode == MD5:
            reply.md5 = hashlib.md5(content).hexdigest()
        reply.ttfb = math.nan  # not measured through the session
        return _Exchange(reply, None, cm)

    def _report(self, op: str, name: str, ex: _Exchange, nbytes: int, exc: BaseException | None,
                elapsed: float | None = None) -> None:
        ctx = self.ctx
        if ex.cm is not None:
            meta = ex.cm.request_meta
            meta["request_type"] = op
            meta["response_length"] = nbytes
            if exc is None:
                ex.cm.success()
            else:
                ex.cm.failure(exc)
            ex.cm.__exit__(None, None, None)
        else:
            reply = ex.reply
            if elapsed is None:
                elapsed = ex.elapsed
            self.fire(request_type=op, name=name, response_time=elapsed * 1000, response_length=nbytes,
                      exception=exc, context=_NO_CONTEXT)
            if reply is not None and exc is None and op in ("GET", "GET-RANGE", "VGET"):
                ctx.extras.first_byte(name, reply.ttfb * 1000)
        ctx.note(exc)

    def _check(self, name: str, problem: str | None) -> BaseException | None:
        self.ctx.extras.check(name, problem is None)
        return IntegrityError(problem) if problem else None

    def _verify_object(self, obj: Obj, reply: Reply) -> str | None:
        if reply.length != obj.size:
            return "body length differs from the object's"
        want = self.ctx.expected_md5(obj)
        got = reply.md5
        if got is None and reply.body is not None:
            got = hashlib.md5(reply.body).hexdigest()
        if got != want:
            return "body MD5 differs from the object's"
        if self.ctx.etag_is_md5 and reply.headers.get("etag", "").strip('"') != want:
            return "ETag differs from the object's MD5"
        return None

    # ------------------------------------------------------------------ operations

    def _get(self, obj: Obj, op: str, host: str) -> None:
        check = random() < self.ctx.sample
        ex = self._send(op, obj.get_name, "GET", host, obj.path, obj.query, mode=MD5 if check else DISCARD)
        exc, nbytes = ex.exc, 0
        if exc is None:
            reply = ex.reply
            nbytes = reply.length
            if reply.status != 200:
                exc = s3_error(reply.status, reply.body)
            elif check:
                exc = self._check(obj.get_name, self._verify_object(obj, reply))
        self._report(op, obj.get_name, ex, nbytes, exc)

    @task
    def get(self) -> None:
        """GetObject of a whole prefilled object."""
        ctx = self.ctx
        self._get(ctx.objects[int(random() * ctx.n_objects)], "GET", ctx.host)

    @task
    def get_range(self) -> None:
        """GetObject of ``range_size`` bytes at a random offset (expects 206 and the exact bytes)."""
        ctx = self.ctx
        obj = ctx.objects[int(random() * ctx.n_objects)]
        length = min(ctx.profile.range_size, obj.size)
        start = int(random() * (obj.size - length + 1))
        name = f"GET-RANGE {ctx.range_label(length)}"
        check = random() < ctx.sample
        ex = self._send("GET-RANGE", name, "GET", ctx.host, obj.path,
                        extra=f"Range: bytes={start}-{start + length - 1}\r\n", mode=KEEP if check else DISCARD)
        exc, nbytes = ex.exc, 0
        if exc is None:
            reply = ex.reply
            nbytes = reply.length
            exact = reply.length == length and ("content-range" in reply.headers or length == obj.size)
            if reply.status != 206 and not (reply.status == 200 and exact):
                # (a 200 carrying exactly the requested bytes, as rclone answers, is let through)
                exc = s3_error(reply.status, reply.body) if reply.status >= 300 else S3Error(
                    reply.status, "range ignored (expected 206)")
            elif check:
                problem = None
                if reply.length != length:
                    problem = "ranged body length differs from the range"
                elif bytes(reply.body or b"") != ctx.pattern.content(obj.offset, length, start):
                    problem = "ranged body bytes differ from the object's"
                exc = self._check(name, problem)
        self._report("GET-RANGE", name, ex, nbytes, exc)

    @task
    def head(self) -> None:
        """HeadObject of a prefilled object (checks Content-Length and ETag when sampled)."""
        ctx = self.ctx
        obj = ctx.objects[int(random() * ctx.n_objects)]
        ex = self._send("HEAD", obj.head_name, "HEAD", ctx.host, obj.path, head_only=True)
        exc = ex.exc
        if exc is None:
            reply = ex.reply
            if reply.status != 200:
                exc = S3Error(reply.status)
            elif random() < ctx.sample:
                problem = None
                if reply.headers.get("content-length") != str(obj.size):
                    problem = "HEAD Content-Length differs from the object's size"
                elif ctx.etag_is_md5 and reply.headers.get("etag", "").strip('"') != ctx.expected_md5(obj):
                    problem = "HEAD ETag differs from the object's MD5"
                exc = self._check(obj.head_name, problem)
        self._report("HEAD", obj.head_name, ex, 0, exc)

    @task
    def put(self) -> None:
        """PutObject to one of the user's own keys (a cycle of PUT_KEYS keys)."""
        ctx = self.ctx
        payload = ctx.payload_table.pick(random())
        path = self.put_paths[self.puts % len(self.put_paths)]
        self.puts += 1
        ex = self._send("PUT", payload.name, "PUT", ctx.host, path, payload_hash=payload.payload_hash,
                        body=payload.body, extra=payload.length_line)
        exc = ex.exc
        if exc is None:
            reply = ex.reply
            if reply.status != 200:
                exc = s3_error(reply.status, reply.body)
            else:
                if ctx.etag_is_md5 and random() < ctx.sample:
                    exc = self._check(payload.name, None if reply.headers.get("etag", "").strip('"') == payload.md5
                                      else "PUT ETag differs from the body's MD5")
                if exc is None:
                    self.own.append((path, payload))
                    if len(self.own) > len(self.put_paths):
                        self.own.popleft()
        self._report("PUT", payload.name, ex, payload.size, exc)

    @task
    def delete(self) -> None:
        """DeleteObject of an object this user put (puts one first when it has none)."""
        if not self.own:
            self.put()
            if not self.own:
                return
        ctx = self.ctx
        path, _payload = self.own.popleft()
        name = "DELETE"  # moves no body: no size classes
        ex = self._send("DELETE", name, "DELETE", ctx.host, path)
        exc = ex.exc
        if exc is None and ex.reply.status not in (200, 204):
            exc = s3_error(ex.reply.status, ex.reply.body)
        self._report("DELETE", name, ex, 0, exc)

    @task
    def list_objects(self) -> None:
        """ListObjectsV2 with a prefix (a prefill directory) and max-keys."""
        ctx = self.ctx
        query = ctx.list_queries[int(random() * len(ctx.list_queries))]
        ex = self._send("LIST", "LIST", "GET", ctx.host, ctx.bucket_path, query)
        exc, nbytes = ex.exc, 0
        if exc is None:
            nbytes = ex.reply.length
            if ex.reply.status != 200:
                exc = s3_error(ex.reply.status, ex.reply.body)
        self._report("LIST", "LIST", ex, nbytes, exc)

    @task
    def multipart(self) -> None:
        """CreateMultipartUpload, ``parts`` x UploadPart, CompleteMultipartUpload; reported per step and whole."""
        ctx = self.ctx
        part = ctx.part
        assert part is not None
        path = self.mpu_paths[self.uploads % len(self.mpu_paths)]
        self.uploads += 1
        start = perf_counter()
        ex = self._send("MPU-INIT", "MPU-INIT", "POST", ctx.host, path, "uploads=", extra="Content-Length: 0\r\n",
                        mode=KEEP)
        exc = ex.exc
        upload_id = None
        if exc is None:
            match = _UPLOAD_ID_RE.search(bytes(ex.reply.body or b""))
            if ex.reply.status != 200:
                exc = s3_error(ex.reply.status, ex.reply.body)
            elif not match:
                exc = S3Error(ex.reply.status, "no UploadId in the answer")
            else:
                upload_id = match.group(1).decode()
        self._report("MPU-INIT", "MPU-INIT", ex, 0, exc)
        sent = 0
        etags: list[str] = []
        if upload_id is not None:
            for number in range(1, ctx.profile.parts + 1):
                query = canonical_query([("partNumber", str(number)), ("uploadId", upload_id)])
                ex = self._send("MPU-PART", ctx.part_name, "PUT", ctx.host, path, query,
                                payload_hash=part.payload_hash, body=part.body, extra=part.length_line)
                exc = ex.exc
                if exc is None and ex.reply.status != 200:
                    exc = s3_error(ex.reply.status, ex.reply.body)
                if exc is None:
                    etags.append(ex.reply.headers.get("etag", ""))
                    sent += part.size
                self._report("MPU-PART", ctx.part_name, ex, part.size if exc is None else 0, exc)
                if exc is not None:
                    break
            if exc is None:
                xml = "<CompleteMultipartUpload>" + "".join(
                    f"<Part><PartNumber>{i}</PartNumber><ETag>{etag}</ETag></Part>"
                    for i, etag in enumerate(etags, start=1)) + "</CompleteMultipartUpload>"
                body = xml.encode()
                payload_hash = hashlib.sha256(body).hexdigest() if ctx.signed else UNSIGNED_PAYLOAD
                query = canonical_query([("uploadId", upload_id)])
                ex = self._send("MPU-COMPLETE", "MPU-COMPLETE", "POST", ctx.host, path, query,
                                payload_hash=payload_hash, body=body, extra=f"Content-Length: {len(body)}\r\n",
                                mode=KEEP)
                exc = ex.exc
                if exc is None:
                    answer = bytes(ex.reply.body or b"")
                    if ex.reply.status != 200 or b"<Error>" in answer:
                        exc = s3_error(ex.reply.status if ex.reply.status != 200 else 500, answer)
                self._report("MPU-COMPLETE", "MPU-COMPLETE", ex, 0, exc)
            if exc is not None:
                self._abort_upload(path, upload_id)
        whole = _Exchange(None, exc)
        self._report("MPU", ctx.mpu_name, whole, sent if exc is None else 0, exc, elapsed=perf_counter() - start)

    def _abort_upload(self, path: str, upload_id: str) -> None:
        ctx = self.ctx
        ex = self._send("MPU-ABORT", "MPU-ABORT", "DELETE", ctx.host, path, canonical_query([("uploadId", upload_id)]))
        if ex.cm is not None:  # FastHttpSession: close the request without recording it as a failure
            ex.cm.success()
            ex.cm.__exit__(None, None, None)

    @task
    def versioned_put(self) -> None:
        """PutObject of a new version of a key in the versioned bucket (expects x-amz-version-id)."""
        ctx = self.ctx
        payload = ctx.payload_table.pick(random())
        host, path = ctx.version_keys[int(random() * len(ctx.version_keys))]
        ex = self._send("VPUT", payload.vname, "PUT", host, path, payload_hash=payload.payload_hash,
                        body=payload.body, extra=payload.length_line)
        exc = ex.exc
        if exc is None:
            reply = ex.reply
            if reply.status != 200:
                exc = s3_error(reply.status, reply.body)
            elif not reply.headers.get("x-amz-version-id") or reply.headers["x-amz-version-id"] == "null":
                exc = S3Error(reply.status, "no x-amz-version-id (versioning not enabled?)")
        self._report("VPUT", payload.vname, ex, payload.size, exc)

    @task
    def versioned_get(self) -> None:
        """GetObject of a given versionId (prefilled versions; bytes checked when sampled)."""
        ctx = self.ctx
        self._get(ctx.versions[int(random() * len(ctx.versions))], "VGET", ctx.vhost)


#: profile operation -> task
TASKS = {
    "GET": S3User.get,
    "GET-RANGE": S3User.get_range,
    "PUT": S3User.put,
    "HEAD": S3User.head,
    "DELETE": S3User.delete,
    "LIST": S3User.list_objects,
    "MPU": S3User.multipart,
    "VPUT": S3User.versioned_put,
    "VGET": S3User.versioned_get,
}


def weighted_tasks(operations: dict[str, int]) -> list[Any]:
    """Locust's task list for the profile's weights (each task repeated weight/gcd times)."""
    weights = {op: w for op, w in operations.items() if w > 0}
    divisor = math.gcd(*weights.values())
    out: list[Any] = []
    for op, weight in weights.items():
        out.extend([TASKS[op]] * (weight // divisor))
    return out
