"""The lean HTTP/1.1 connection of the load users, against a scripted loopback server (blocking sockets)."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator

import pytest

from gauntlet.load.transport import DISCARD, KEEP, MD5, ConnectionClosed, LeanConnection, ProtocolError

CLOSE = b"<close>"


class ScriptedServer:
    """Answers each request with the next scripted response.

    ``CLOSE`` after a response closes the connection right after sending it; ``None``
    reads the next request and closes without answering (an idle keep-alive timeout).
    """

    def __init__(self, script: list[bytes | None]) -> None:
        self.script = list(script)
        self.requests: list[bytes] = []
        self.connections = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read_request(self, conn: socket.socket, buf: bytes) -> tuple[bytes | None, bytes]:
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return None, b""
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None, b""
            rest += chunk
        return head + b"\r\n\r\n" + rest[:length], rest[length:]

    def _serve(self) -> None:
        while self.script:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            buf = b""
            with conn:
                while self.script:
                    request, buf = self._read_request(conn, buf)
                    if request is None:
                        break
                    self.requests.append(request)
                    answer = self.script.pop(0)
                    if answer is None:
                        break
                    conn.sendall(answer)
                    if self.script and self.script[0] == CLOSE:
                        self.script.pop(0)
                        break

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def serve() -> Iterator:
    servers: list[ScriptedServer] = []

    def start(*script: bytes | None) -> tuple[ScriptedServer, LeanConnection]:
        server = ScriptedServer(list(script))
        servers.append(server)
        return server, LeanConnection("127.0.0.1", server.port, timeout=5)

    yield start
    for server in servers:
        server.close()


HEAD = b"GET /b/k HTTP/1.1\r\nHost: x\r\n\r\n"


def ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body


def test_content_length_modes_and_keep_alive(serve) -> None:
    body = bytes(range(256)) * 4000  # ~1 MB: several reads
    server, conn = serve(ok(body, b"ETag: \"e\"\r\n"), ok(body), ok(body), ok(b"tiny"))
    reply = conn.request(HEAD, mode=KEEP)
    assert reply.status == 200 and bytes(reply.body) == body and reply.length == len(body)
    assert reply.headers["etag"] == '"e"' and reply.ttfb <= reply.elapsed
    reply = conn.request(HEAD, mode=MD5)
    assert reply.body is None and reply.md5 == hashlib.md5(body).hexdigest()
    reply = conn.request(HEAD, mode=DISCARD)
    assert reply.body is None and reply.length == len(body)
    assert conn.request(HEAD, mode=KEEP).body == b"tiny"
    assert server.connections == 1 and len(server.requests) == 4


def test_head_and_no_content_have_no_body(serve) -> None:
    server, conn = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n", b"HTTP/1.1 204 No Content\r\n\r\n",
                         ok(b"after"))
    reply = conn.request(b"HEAD /b/k HTTP/1.1\r\nHost: x\r\n\r\n", head_only=True)
    assert reply.status == 200 and reply.length == 0 and reply.headers["content-length"] == "4096"
    assert conn.request(b"DELETE /b/k HTTP/1.1\r\nHost: x\r\n\r\n").status == 204
    assert conn.request(HEAD, mode=KEEP).body == b"after"
    assert server.connections == 1


def test_chunked_body_with_trailer(serve) -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n")
    server, conn = serve(chunked, chunked, ok(b"next"))
    assert conn.request(HEAD, mode=KEEP).body == b"hello world"
    reply = conn.request(HEAD, mode=MD5)
    assert reply.md5 == hashlib.md5(b"hello world").hexdigest() and reply.length == 11
    assert conn.request(HEAD, mode=KEEP).body == b"next"
    assert server.connections == 1


def test_error_bodies_are_kept_for_their_code(serve) -> None:
    error = b"<Error><Code>NoSuchKey</Code></Error>"
    _, conn = serve(b"HTTP/1.1 404 Not Found\r\nContent-Length: " + str(len(error)).encode() + b"\r\n\r\n" + error)
    reply = conn.request(HEAD, mode=DISCARD)
    assert reply.status == 404 and reply.body == error


def test_connection_close_and_read_to_close(serve) -> None:
    server, conn = serve(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", CLOSE,
                         b"HTTP/1.0 200 OK\r\n\r\nuntil close", CLOSE, ok(b"third"))
    assert conn.request(HEAD, mode=KEEP).body == b"ok"
    assert conn.sock is None  # closed as asked
    assert conn.request(HEAD, mode=KEEP).body == b"until close"
    assert conn.sock is None
    assert conn.request(HEAD, mode=KEEP).body == b"third"
    assert server.connections == 3


def test_a_stale_keep_alive_connection_is_retried_once(serve) -> None:
    server, conn = serve(ok(b"one"), None, ok(b"two"))
    assert conn.request(HEAD, mode=KEEP).body == b"one"
    # the server closes the idle connection: the next request is retried on a new one
    assert conn.request(HEAD, mode=KEEP).body == b"two"
    assert server.connections == 2 and conn.connects == 2


def test_a_fresh_connection_closed_without_answer_fails(serve) -> None:
    _, conn = serve(None)
    with pytest.raises(ConnectionClosed):
        conn.request(HEAD)


def test_truncated_body_fails(serve) -> None:
    _, conn = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", CLOSE)
    with pytest.raises(ConnectionClosed, match="after 5 of 100 body bytes"):
        conn.request(HEAD, mode=KEEP)
    assert conn.sock is None


def test_not_http_fails(serve) -> None:
    _, conn = serve(b"SSH-2.0-OpenSSH\r\n\r\n")
    with pytest.raises(ProtocolError):
        conn.request(HEAD)


def test_interim_100_continue_is_skipped(serve) -> None:
    _, conn = serve(b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"final"))
    reply = conn.request(HEAD, mode=KEEP)
    assert reply.status == 200 and reply.body == b"final"


def test_request_body_is_sent(serve) -> None:
    server, conn = serve(ok(b""), ok(b""))
    small = b"s" * 1000
    big = b"b" * (1 << 20)
    conn.request(b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", small)
    conn.request(b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n", memoryview(big))
    assert server.requests[0].endswith(small) and server.requests[1].endswith(big)


def test_refused_connection_raises_oserror() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conn = LeanConnection("127.0.0.1", port, connect_timeout=2)
    with pytest.raises(ConnectionRefusedError):
        conn.request(HEAD)
