"""A lean HTTP/1.1 keep-alive connection for the load users.

Locust's ``FastHttpUser`` session is already far cheaper than requests/boto3, but per
request it still builds a URL object, a request object, a cookie jar pass, a
case-insensitive header multi-dict (twice), validates every header with regular
expressions and parses the response through Python callbacks per header. For an S3
GET of 4 KiB that is most of the client's CPU, so a load generator built on it
measures itself long before a fast server runs out of breath.

:class:`LeanConnection` does only what an S3 request needs: it sends a request head
the caller formatted (and signed) and reads one response, framed by Content-Length,
chunked transfer or connection close. It works on whatever ``socket``/``ssl`` the
process has: gevent's when Locust has monkey-patched them (so greenlets yield on
I/O), the standard library's in unit tests.

Bodies are handled without building what the caller doesn't need: ``DISCARD``
counts bytes through one reusable buffer (large GETs cost no allocation), ``MD5``
hashes them on the fly (sampled integrity checks), ``KEEP`` returns them. Error
responses (status >= 300) are always kept when small, for their S3 error code.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import ssl
from time import perf_counter

__all__ = ["DISCARD", "KEEP", "MD5", "ConnectionClosed", "LeanConnection", "ProtocolError", "Reply"]

DISCARD = 0
KEEP = 1
MD5 = 2

_MAX_HEAD = 64 << 10
_KEEP_ERROR_BODY = 64 << 10
_RECV = 256 << 10
_JOIN_LIMIT = 256 << 10


class ProtocolError(ConnectionError):
    """The server's answer is not HTTP/1.x as expected."""


class ConnectionClosed(ConnectionError):
    """The server closed the connection before the response was complete."""


class _Stale(Exception):
    """A reused keep-alive connection turned out closed before any response byte."""


class Reply:
    """One response: status, lower-cased headers, body (KEEP / small errors), byte count, MD5, timings (s)."""

    __slots__ = ("body", "elapsed", "headers", "length", "md5", "status", "ttfb")

    def __init__(self, status: int, headers: dict[str, str], body: bytes | bytearray | None, length: int,
                 md5: str | None, ttfb: float, elapsed: float) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.length = length
        self.md5 = md5
        self.ttfb = ttfb
        self.elapsed = elapsed

    def __repr__(self) -> str:
        return f"Reply(status={self.status}, length={self.length})"


class LeanConnection:
    """One keep-alive connection to ``host:port`` (TLS when ``tls``), reconnecting as needed.

    Not shared between greenlets: each Locust user owns one.
    """

    def __init__(self, host: str, port: int, *, tls: bool = False, verify: bool | str = True,
                 connect_timeout: float = 10.0, timeout: float = 60.0) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.verify = verify
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.served = 0  # requests answered on the current connection
        self.connects = 0
        self._buf = bytearray(_RECV)
        self._view = memoryview(self._buf)
        self._ssl_context: ssl.SSLContext | None = None

    # ------------------------------------------------------------------ connection

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            if self.verify is False:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif isinstance(self.verify, str):
                context = ssl.create_default_context(cafile=self.verify)
            else:
                context = ssl.create_default_context()
            self._ssl_context = context
        return self._ssl_context

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls:
                sock = self._context().wrap_socket(sock, server_hostname=self.host)
            sock.settimeout(self.timeout)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self.served = 0
        self.connects += 1

    def close(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    # ------------------------------------------------------------------ one exchange

    def request(self, head: bytes, body: bytes | bytearray | memoryview | None = None, *, head_only: bool = False,
                mode: int = DISCARD) -> Reply:
        """Send ``head`` (request line and headers, ending in a blank line) and ``body``; read the answer.

        A keep-alive connection the server closed while idle is retried once on a
        fresh connection (only when not a single response byte had arrived).
        Raises OSError (ConnectionError, TimeoutError ...) on transport failures.
        """
        for attempt in (0, 1):
            if self.sock is None:
                self.connect()
            reused = self.served > 0
            start = perf_counter()
            try:
                self._send(head, body)
                reply = self._read(start, head_only, mode)
            except (_Stale, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if reused and attempt == 0:
                    continue
                if isinstance(exc, _Stale):
                    raise ConnectionClosed("connection closed before any response byte") from None
                raise
            except BaseException:
                self.close()
                raise
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, head: bytes, body: bytes | bytearray | memoryview | None) -> None:
        sock = self.sock
        assert sock is not None
        if not body:
            sock.sendall(head)
        elif len(body) <= _JOIN_LIMIT:
            sock.sendall(head + bytes(body) if not isinstance(body, bytes) else head + body)
        else:
            sock.sendall(head)
            sock.sendall(body)

    def _recv(self) -> bytes:
        assert self.sock is not None
        return self.sock.recv(_RECV)

    def _read(self, start: float, head_only: bool, mode: int) -> Reply:
        data = self._recv()
        if not data:
            raise _Stale()
        ttfb = perf_counter() - start
        while True:
            end = data.find(b"\r\n\r\n")
            while end < 0:
                if len(data) > _MAX_HEAD:
                    raise ProtocolError("response header longer than 64 KiB")
                more = self._recv()
                if not more:
                    raise ConnectionClosed("connection closed inside the response header")
                data += more
                end = data.find(b"\r\n\r\n")
            line_end = data.find(b"\r\n")
            status_line = data[:line_end]
            if not status_line.startswith(b"HTTP/1.") or len(status_line) < 12:
                raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:40]!r}")
            try:
                status = int(status_line[9:12])
            except ValueError:
                raise ProtocolError(f"bad status line: {status_line[:40]!r}") from None
            headers: dict[str, str] = {}
            for line in data[line_end + 2 : end].split(b"\r\n"):
                name, sep, value = line.partition(b":")
                if sep:
                    key = name.strip().lower().decode("latin-1")
                    text = value.strip().decode("latin-1")
                    headers[key] = f"{headers[key]}, {text}" if key in headers else text
            rest = data[end + 4 :]
            if 100 <= status < 200:  # interim answer (100 Continue): the real one follows
                data = rest or self._recv()
                if not data:
                    raise ConnectionClosed("connection closed after an interim response")
                continue
            break

        keep_alive = status_line[7:8] == b"1"
        connection = headers.get("connection", "").lower()
        if "close" in connection:
            keep_alive = False
        elif "keep-alive" in connection:
            keep_alive = True
        if status >= 300 and mode == DISCARD:
            mode = KEEP  # small error bodies carry the S3 error code
        md5 = None
        if head_only or status in (204, 304):
            body, length = (b"" if mode != DISCARD else None), 0
            if mode == MD5:
                md5 = hashlib.md5(b"").hexdigest()
            if rest:
                keep_alive = False
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body, length, md5, leftover = self._read_chunked(rest, mode)
            if leftover:
                keep_alive = False
        elif "content-length" in headers:
            try:
                size = int(headers["content-length"])
            except ValueError:
                raise ProtocolError(f"bad Content-Length: {headers['content-length']!r}") from None
            if status >= 300 and size > _KEEP_ERROR_BODY:
                mode = DISCARD
            body, length, md5 = self._read_exact(rest, size, mode)
            if len(rest) > size:
                keep_alive = False
        else:
            body, length, md5 = self._read_to_close(rest, mode)
            keep_alive = False
        if keep_alive:
            self.served += 1
        else:
            self.close()
        return Reply(status, headers, body, length, md5, ttfb, perf_counter() - start)

    # ------------------------------------------------------------------ body framing

    def _read_exact(self, rest: bytes, size: int, mode: int) -> tuple[bytes | bytearray | None, int, str | None]:
        have = rest[:size]
        if len(have) == size:
            if mode == KEEP:
                return have, size, None
            if mode == MD5:
                return None, size, hashlib.md5(have).hexdigest()
            return None, size, None
        sock = self.sock
        assert sock is not None
        if mode == KEEP:
            buf = bytearray(size)
            buf[: len(have)] = have
            view = memoryview(buf)
            pos = len(have)
            while pos < size:
                got = sock.recv_into(view[pos:], size - pos)
                if not got:
                    raise ConnectionClosed(f"connection closed after {pos} of {size} body bytes")
                pos += got
            return buf, size, None
        digest = hashlib.md5(have) if mode == MD5 else None
        remaining = size - len(have)
        scratch = self._view
        while remaining:
            got = sock.recv_into(scratch, min(remaining, _RECV))
            if not got:
                raise ConnectionClosed(f"connection closed after {size - remaining} of {size} body bytes")
            if digest is not None:
                digest.update(scratch[:got])
            remaining -= got
        return None, size, digest.hexdigest() if digest is not None else None

    def _read_to_close(self, rest: bytes, mode: int) -> tuple[bytes | None, int, str | None]:
        parts = [rest] if mode == KEEP else []
        digest = hashlib.md5(rest) if mode == MD5 else None
        length = len(rest)
        while True:
            chunk = self._recv()
            if not chunk:
                break
            length += len(chunk)
            if mode == KEEP:
                parts.append(chunk)
            elif digest is not None:
                digest.update(chunk)
        body = b"".join(parts) if mode == KEEP else None
        return body, length, digest.hexdigest() if digest is not None else None

    def _read_chunked(self, rest: bytes, mode: int) -> tuple[bytes | None, int, str | None, bytes]:
        buf = rest
        parts: list[bytes] = []
        digest = hashlib.md5() if mode == MD5 else None
        length = 0

        def fill(buf: bytes) -> bytes:
            more = self._recv()
            if not more:
                raise ConnectionClosed("connection closed inside a chunked body")
            return buf + more

        while True:
            line_end = buf.find(b"\r\n")
            while line_end < 0:
                if len(buf) > _MAX_HEAD:
                    raise ProtocolError("chunk size line too long")
                buf = fill(buf)
                line_end = buf.find(b"\r\n")
            try:
                size = int(buf[:line_end].split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ProtocolError(f"bad chunk size line: {buf[:line_end][:40]!r}") from None
            buf = buf[line_end + 2 :]
            if size == 0:
                # trailer fields, then an empty line
                while True:
                    line_end = buf.find(b"\r\n")
                    while line_end < 0:
                        buf = fill(buf)
                        line_end = buf.find(b"\r\n")
                    line, buf = buf[:line_end], buf[line_end + 2 :]
                    if not line:
                        break
                body = b"".join(parts) if mode == KEEP else None
                return body, length, digest.hexdigest() if digest is not None else None, buf
            while len(buf) < size + 2:
                buf = fill(buf)
            chunk, buf = buf[:size], buf[size + 2 :]
            length += size
            if mode == KEEP:
                parts.append(chunk)
            elif digest is not None:
                digest.update(chunk)
