"""The fault proxy's HTTP handling against a small local upstream (no S3 server needed).

Streaming both ways, keep-alive and upstream connection reuse, chunked bodies,
100-continue, exact request targets and header case, and the transport faults.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from gauntlet.faults.proxy import serve_in_thread

BIG = bytes(range(256)) * (8 * 1024 * 4)  # 8 MiB


class _Upstream(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0
    seen: list[tuple[str, str, list[tuple[str, str]]]]

    def get_request(self) -> tuple[socket.socket, Any]:
        self.connections += 1
        return super().get_request()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Upstream

    def log_message(self, *args: Any) -> None:
        pass

    def _record(self) -> None:
        self.server.seen.append((self.command, self.path, list(self.headers.items())))

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        self._record()
        if self.path.endswith("/missing"):
            body = b"<Error><Code>NoSuchKey</Code></Error>"
            self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(BIG)))
        self.send_header("x-amz-meta-MixedCase", "v")
        self.end_headers()
        for i in range(0, len(BIG), 1 << 20):
            self.wfile.write(BIG[i : i + (1 << 20)])

    def do_HEAD(self) -> None:
        self._record()
        self.send_response(200)
        self.send_header("Content-Length", str(len(BIG)))
        self.end_headers()

    def do_PUT(self) -> None:
        self._record()
        body = self._body()
        answer = f"{len(body)} {hashlib.md5(body).hexdigest()}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def upstream() -> Iterator[_Upstream]:
    server = _Upstream(("127.0.0.1", 0), _Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _endpoint(server: _Upstream) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _conn(endpoint: str) -> http.client.HTTPConnection:
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def test_streams_large_bodies_and_reuses_connections(upstream: _Upstream) -> None:
    handle, _ = serve_in_thread(_endpoint(upstream))
    try:
        conn = _conn(handle.endpoint)
        for _ in range(5):
            conn.request("GET", "/b/big")
            answer = conn.getresponse()
            assert answer.status == 200 and answer.read() == BIG
        for _ in range(20):
            conn.request("HEAD", "/b/big")
            answer = conn.getresponse()
            assert answer.getheader("Content-Length") == str(len(BIG)) and answer.read() == b""
        conn.request("GET", "/chunked")
        assert conn.getresponse().read() == b"hello chunked world"
        assert upstream.connections == 1, "one client connection in sequence: one upstream connection, kept alive"
    finally:
        handle.stop()


def test_uploads_stream_fixed_length_and_chunked(upstream: _Upstream) -> None:
    handle, _ = serve_in_thread(_endpoint(upstream))
    try:
        conn = _conn(handle.endpoint)
        conn.request("PUT", "/b/k", body=BIG, headers={"Content-Length": str(len(BIG))})
        assert conn.getresponse().read() == f"{len(BIG)} {hashlib.md5(BIG).hexdigest()}".encode()
        conn.request("PUT", "/b/k", body=iter([b"abc", b"defg"]), encode_chunked=True)
        assert conn.getresponse().read() == f"7 {hashlib.md5(b'abcdefg').hexdigest()}".encode()
    finally:
        handle.stop()


def test_expect_100_continue_is_answered(upstream: _Upstream) -> None:
    handle, _ = serve_in_thread(_endpoint(upstream))
    try:
        host, port = handle.endpoint.rsplit("/", 1)[1].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 100")
            sock.sendall(b"12345")
            answer = b""
            while not answer.endswith(f"5 {hashlib.md5(b'12345').hexdigest()}".encode()):
                piece = sock.recv(1000)
                assert piece, f"connection closed after {answer!r}"
                answer += piece
    finally:
        handle.stop()


def test_request_target_and_header_case_are_forwarded_exactly(upstream: _Upstream) -> None:
    handle, _ = serve_in_thread(_endpoint(upstream))
    try:
        conn = _conn(handle.endpoint)
        conn.putrequest("GET", "/b/a//b/./x%2fy?list-type=2&prefix=a%20b", skip_host=True)
        conn.putheader("Host", "proxy.example:1234")
        conn.putheader("X-Amz-Meta-MixedCase", "Value  With  Spaces")
        conn.endheaders()
        answer = conn.getresponse()
        answer.read()
        method, path, headers = upstream.seen[-1]
        assert (method, path) == ("GET", "/b/a//b/./x%2fy?list-type=2&prefix=a%20b")
        assert ("X-Amz-Meta-MixedCase", "Value  With  Spaces") in headers and ("Host", "proxy.example:1234") in headers
        assert ("x-amz-meta-MixedCase", "v") in answer.getheaders()
    finally:
        handle.stop()


def test_reset_mid_body_resets_the_connection(upstream: _Upstream) -> None:
    handle, _ = serve_in_thread(_endpoint(upstream), "reset-mid-body")
    try:
        conn = _conn(handle.endpoint)
        conn.request("GET", "/b/big")
        answer = conn.getresponse()
        with pytest.raises((ConnectionError, http.client.IncompleteRead)):
            answer.read()
    finally:
        handle.stop()


def test_truncate_body_is_consistent_http(upstream: _Upstream) -> None:
    handle, proxy = serve_in_thread(_endpoint(upstream), "truncate-body")
    try:
        conn = _conn(handle.endpoint)
        for _ in range(2):  # the connection stays usable: the short body agrees with its Content-Length
            conn.request("GET", "/b/big")
            assert conn.getresponse().read() == BIG[:-1]
        assert proxy.stats.applied == 2
    finally:
        handle.stop()


def test_buffered_error_rewrite(upstream: _Upstream) -> None:
    handle, _ = serve_in_thread(_endpoint(upstream), "missing-key-200")
    try:
        conn = _conn(handle.endpoint)
        conn.request("GET", "/b/missing")
        answer = conn.getresponse()
        assert (answer.status, answer.read()) == (200, b"")
        conn.request("GET", "/b/big")
        assert conn.getresponse().read() == BIG
    finally:
        handle.stop()


def test_upstream_down_is_502(upstream: _Upstream) -> None:
    port = upstream.server_address[1]
    upstream.shutdown()
    upstream.server_close()
    handle, _ = serve_in_thread(f"http://127.0.0.1:{port}")
    try:
        conn = _conn(handle.endpoint)
        conn.request("GET", "/b/k")
        answer = conn.getresponse()
        assert answer.status == 502 and b"BadGateway" in answer.read()
    finally:
        handle.stop()


def test_listens_on_loopback_only() -> None:
    import asyncio

    from gauntlet.faults import FAULTS
    from gauntlet.faults.proxy import FaultProxy

    proxy = FaultProxy("http://127.0.0.1:1", FAULTS["none"])
    with pytest.raises(ValueError, match="loopback"):
        asyncio.run(proxy.start(host="0.0.0.0"))
