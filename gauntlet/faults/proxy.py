"""The fault proxy: an HTTP/1.1 proxy on loopback that plays one fault in front of a target.

asyncio streams with h11 on both sides, so the proxy controls every byte: the
request target is forwarded exactly as sent (``a//b``, ``./x``, ``%2F`` survive),
header names keep their case, and bodies stream through in 256 KiB pieces (a
64 MiB object is never held in memory) unless the fault asks for one body to be
buffered. Client connections are kept alive; upstream connections are pooled and
reused. ``Expect: 100-continue`` is answered by the proxy and forwarded.

Run as a subprocess by :func:`start_proxy` (its own interpreter, so it does not
share pytest's GIL; ``pid`` works for the plugin's liveness checks), or in a thread
by :func:`serve_in_thread` for tests and benchmarks. Configuration, credentials
included, goes to the subprocess on stdin, never on its command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import h11

from gauntlet import paths
from gauntlet.faults.model import BUFFER_LIMIT, REASONS, Headers, Request, Response, error_document
from gauntlet.faults.registry import FAULTS, Fault
from gauntlet.faults.signing import Signing
from gauntlet.s3.credentials import Credentials

LOOPBACK = "127.0.0.1"
READ_SIZE = 256 * 1024
MAX_HEAD = 1024 * 1024
#: Unread request body the proxy drains to keep a client connection alive (more: it closes the connection).
DRAIN_LIMIT = 1024 * 1024
IDLE_TIMEOUT_S = 20.0
#: Headers that describe one connection, not the message (never forwarded either way).
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
                        "proxy-authenticate", "proxy-authorization"})

log = logging.getLogger("gauntlet.faults.proxy")


def _enc(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _dec(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


async def _next_event(conn: h11.Connection, reader: asyncio.StreamReader) -> Any:
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(READ_SIZE))
            continue
        return event


class _Upstream:
    """One pooled connection to the target."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        self.idle_since = time.monotonic()
        self.reused = False

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class UpstreamPool:
    """Keep-alive connections to the upstream, reused across client connections."""

    def __init__(self, endpoint: str, verify: bool | str = True, max_idle: int = 64) -> None:
        parts = urlsplit(endpoint)
        self.host = parts.hostname or LOOPBACK
        self.tls = parts.scheme == "https"
        self.port = parts.port or (443 if self.tls else 80)
        self.max_idle = max_idle
        self.idle: list[_Upstream] = []
        self.ssl: ssl.SSLContext | None = None
        if self.tls:
            ctx = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
            if verify is False:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            self.ssl = ctx

    async def get(self) -> _Upstream:
        now = time.monotonic()
        while self.idle:
            up = self.idle.pop()
            if now - up.idle_since < IDLE_TIMEOUT_S and not up.reader.at_eof() and not up.writer.is_closing():
                up.reused = True
                return up
            up.close()
        reader, writer = await asyncio.open_connection(
            self.host, self.port, ssl=self.ssl, server_hostname=self.host if self.ssl else None, limit=READ_SIZE)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Upstream(reader, writer)

    def put(self, up: _Upstream) -> None:
        if up.conn.our_state is h11.DONE and up.conn.their_state is h11.DONE and len(self.idle) < self.max_idle:
            up.conn.start_next_cycle()
            up.idle_since = time.monotonic()
            self.idle.append(up)
        else:
            up.close()

    def close(self) -> None:
        for up in self.idle:
            up.close()
        self.idle.clear()


@dataclass
class ProxyStats:
    """What the proxy saw: requests, how often the fault acted, signature checks."""

    requests: int = 0
    applied: int = 0
    applied_ops: Counter[str] = field(default_factory=Counter)
    signing: Counter[str] = field(default_factory=Counter)
    signature_disagreements: int = 0
    errors: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "applied": self.applied, "applied_ops": dict(self.applied_ops),
                "signing": dict(self.signing), "signature_disagreements": self.signature_disagreements,
                "errors": self.errors}


class _ClientBody:
    """The request body as it arrives from the client (h11 decodes the framing)."""

    def __init__(self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.conn = conn
        self.reader = reader
        self.writer = writer
        self.done = False

    async def chunks(self) -> AsyncIterator[bytes]:
        if self.done:
            return
        if self.conn.they_are_waiting_for_100_continue:
            self.writer.write(self.conn.send(h11.InformationalResponse(status_code=100, headers=[])))
        while True:
            event = await _next_event(self.conn, self.reader)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self.done = True
                return
            else:
                raise ConnectionError(f"client sent {type(event).__name__} inside a request body")

    async def read_all(self, limit: int | None = None) -> bytes:
        out = bytearray()
        async for chunk in self.chunks():
            out += chunk
            if limit is not None and len(out) > limit:
                raise ValueError("request body larger than the buffer limit")
        return bytes(out)

    async def drain(self, limit: int) -> bool:
        """Read and drop the rest of the body; False if there is more than `limit` bytes."""
        total = 0
        async for chunk in self.chunks():
            total += len(chunk)
            if total > limit:
                return False
        return True


class FaultProxy:
    """One proxy: one upstream, one fault."""

    def __init__(self, upstream: str, fault: Fault, credentials: list[Credentials] | None = None,
                 verify: bool | str = True, virtual_host_domain: str | None = None,
                 check_signatures: bool = False) -> None:
        self.upstream = upstream
        self.fault = fault
        self.signing = Signing(credentials or [])
        self.virtual_host_domain = virtual_host_domain
        self.check_signatures = check_signatures
        self.pool = UpstreamPool(upstream, verify)
        self.state: dict[str, Any] = {}
        self.stats = ProxyStats()
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self, host: str = LOOPBACK, port: int = 0) -> int:
        if host not in (LOOPBACK, "localhost", "::1"):
            raise ValueError("the fault proxy listens on loopback only")
        self.server = await asyncio.start_server(self._client, host, port, limit=READ_SIZE, backlog=512)
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self.port

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        self.pool.close()

    # ---------------------------------------------------------------- one client connection

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        try:
            while True:
                event = await _next_event(conn, reader)
                if not isinstance(event, h11.Request):
                    break
                keep = await self._exchange(conn, reader, writer, event)
                if not keep or conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    break
                conn.start_next_cycle()
        except h11.RemoteProtocolError as exc:
            log.warning("client protocol error: %s", exc)
            with contextlib.suppress(Exception):
                if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    await self._send_simple(conn, writer, exc.error_status_hint, "BadRequest", str(exc), "HEAD")
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError) as exc:
            log.debug("client connection ended: %s", exc)
        except Exception:  # a bug in a fault or the proxy: log it, never kill the server
            self.stats.errors += 1
            log.exception("proxy error")
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _send_simple(self, conn: h11.Connection, writer: asyncio.StreamWriter, status: int, code: str,
                           message: str, method: str) -> None:
        body = error_document(code, message) if method != "HEAD" else b""
        headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(body))), ("Connection", "close")]
        writer.write(conn.send(h11.Response(status_code=status, headers=headers, reason=REASONS.get(status, ""))))
        if body:
            writer.write(conn.send(h11.Data(data=body)))
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()

    # ---------------------------------------------------------------- one request and its answer

    async def _exchange(self, cconn: h11.Connection, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter,
                        event: h11.Request) -> bool:
        self.stats.requests += 1
        fault = self.fault
        req = Request(method=_dec(event.method), target=_dec(event.target),
                      headers=Headers((_dec(k), _dec(v)) for k, v in event.headers.raw_items()),
                      state=self.state, virtual_host_domain=self.virtual_host_domain, signing=self.signing)
        body = _ClientBody(cconn, creader, cwriter)
        applied = False
        if fault.buffer_request is not None and fault.buffer_request(req):
            req.body = await body.read_all(BUFFER_LIMIT)
        short: Response | None = None
        if fault.on_request is not None:
            short = fault.on_request(req)
            applied = req.changed or short is not None
        expected_ok = self.signing.verify_original(req) if self.check_signatures and not req.modified else None
        self.stats.signing[self.signing.finalize(req)] += 1

        up: _Upstream | None = None
        if short is not None:
            resp, chunks = short, None
        else:
            try:
                up, resp, chunks = await self._forward(req, body)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, h11.ProtocolError, ssl.SSLError) as exc:
                self.stats.errors += 1
                log.warning("upstream failed for %s %s: %s", req.method, req.path[:200], exc)
                await self._send_simple(cconn, cwriter, 502, "BadGateway", f"fault proxy: upstream failed: {exc}",
                                        req.method)
                return False
        if expected_ok is False and resp.status < 400:
            self.stats.signature_disagreements += 1
            log.warning("signature check disagrees with the upstream (%s %s answered %s)", req.method,
                        req.path[:200], resp.status)

        keep = True
        if fault.on_response is not None:
            before = (resp.status, resp.headers.items())
            if fault.buffer_response is not None and fault.buffer_response(req, resp) and chunks is not None:
                size = resp.content_length
                if size is None or size <= BUFFER_LIMIT:
                    resp.body = b"".join([c async for c in chunks])
                    chunks = None
            fault.on_response(req, resp)
            applied = applied or before != (resp.status, resp.headers.items()) or resp.body_modified or bool(
                resp.body_filter or resp.delay_s or resp.reset_after is not None)
        if applied:
            self.stats.applied += 1
            self.stats.applied_ops[req.op] += 1
            log.info("fault %s acted on %s %s (%s) -> %s", fault.name, req.method, req.path[:200], req.op,
                     resp.status)
        try:
            keep = await self._answer(cconn, cwriter, req, resp, chunks)
        finally:
            if up is not None:
                if keep:
                    self.pool.put(up)  # only if both directions of the exchange completed
                else:
                    up.close()
        if not body.done:
            keep = keep and await body.drain(DRAIN_LIMIT)
        return keep

    async def _forward(self, req: Request, body: _ClientBody
                       ) -> tuple[_Upstream, Response, AsyncIterator[bytes] | None]:
        headers = [(k, v) for k, v in req.headers if k.lower() not in HOP_BY_HOP]
        if req.body is not None:
            headers = [(k, v) for k, v in headers if k.lower() not in ("transfer-encoding", "content-length")]
            headers.append(("Content-Length", str(len(req.body))))
        for attempt in (1, 2):
            up = await self.pool.get()
            try:
                head = h11.Request(method=_enc(req.method), target=_enc(req.target),
                                   headers=[(_enc(k), _enc(v)) for k, v in headers])
                up.writer.write(up.conn.send(head))
                sender = asyncio.ensure_future(self._send_body(up, req, body))
                reader = asyncio.ensure_future(self._read_head(up))
                await asyncio.wait({sender, reader}, return_when=asyncio.FIRST_COMPLETED)
                if not sender.done():  # answered (or failed) before the whole body was sent: stop sending
                    sender.cancel()
                    with contextlib.suppress(BaseException):
                        await sender
                elif sender.exception() is not None and not isinstance(sender.exception(), OSError):
                    reader.cancel()
                    raise sender.exception()  # type: ignore[misc]
                # a send that failed with a connection error: the upstream may have answered and closed
                resp = await reader
            except (OSError, ConnectionError, asyncio.IncompleteReadError, h11.RemoteProtocolError):
                up.close()
                # a reused connection the upstream had already closed: try once more on a new one,
                # unless part of the client's body is gone already
                if attempt == 1 and up.reused and (req.body is not None or not req.has_body):
                    continue
                raise
            return up, resp, self._response_chunks(up, req)
        raise AssertionError("unreachable")

    async def _send_body(self, up: _Upstream, req: Request, body: _ClientBody) -> None:
        if req.body is not None:
            if req.body:
                up.writer.write(up.conn.send(h11.Data(data=req.body)))
        elif req.has_body:
            async for chunk in body.chunks():
                up.writer.write(up.conn.send(h11.Data(data=chunk)))
                await up.writer.drain()
        else:
            await body.drain(0)
        up.writer.write(up.conn.send(h11.EndOfMessage()))
        await up.writer.drain()

    async def _read_head(self, up: _Upstream) -> Response:
        while True:
            event = await _next_event(up.conn, up.reader)
            if isinstance(event, h11.InformationalResponse):
                continue  # the client already had its 100 Continue from the proxy
            if isinstance(event, h11.Response):
                return Response(status=event.status_code, reason=_dec(event.reason),
                                headers=Headers((_dec(k), _dec(v)) for k, v in event.headers.raw_items()))
            raise ConnectionError(f"upstream sent {type(event).__name__} instead of a response")

    async def _response_chunks(self, up: _Upstream, req: Request) -> AsyncIterator[bytes]:
        while True:
            event = await _next_event(up.conn, up.reader)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            else:
                raise ConnectionError(f"upstream sent {type(event).__name__} inside a response body")

    async def _answer(self, conn: h11.Connection, writer: asyncio.StreamWriter, req: Request, resp: Response,
                      chunks: AsyncIterator[bytes] | None) -> bool:
        """Send the (faulty) answer to the client; True if both connections can be kept."""
        headers = [(k, v) for k, v in resp.headers if k.lower() not in HOP_BY_HOP]
        no_body = req.method == "HEAD" or resp.status in (204, 304) or resp.status < 200
        if resp.body is not None and not no_body:
            headers = [(k, v) for k, v in headers if k.lower() not in ("transfer-encoding", "content-length")]
            headers.append(("Content-Length", str(len(resp.body))))
        if resp.delay_s:
            await asyncio.sleep(resp.delay_s)
        writer.write(conn.send(h11.Response(status_code=resp.status, reason=_enc(resp.reason or ""),
                                            headers=[(_enc(k), _enc(v)) for k, v in headers])))
        keep = True
        if resp.body is not None:
            if resp.body and not no_body:
                writer.write(conn.send(h11.Data(data=resp.body)))
        elif chunks is not None:
            offset = 0
            async for chunk in chunks:
                if no_body:
                    continue
                if resp.body_filter is not None:
                    chunk = resp.body_filter(chunk, offset)
                if resp.reset_after is not None and offset + len(chunk) >= resp.reset_after:
                    writer.write(conn.send(h11.Data(data=chunk[: resp.reset_after - offset])))
                    await writer.drain()
                    _reset(writer)
                    return False
                offset += len(chunk)
                if chunk:
                    writer.write(conn.send(h11.Data(data=chunk)))
                    await writer.drain()
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()
        return keep


def _reset(writer: asyncio.StreamWriter) -> None:
    """Abort the connection with a TCP RST (SO_LINGER 0), as a crashing server would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


# --------------------------------------------------------------------------- running it


@dataclass
class ProxyConfig:
    """Everything the proxy process needs (credentials included: sent on stdin, never on argv)."""

    upstream: str
    fault: str
    credentials: list[dict[str, str | None]] = field(default_factory=list)
    verify: bool | str = True
    virtual_host_domain: str | None = None
    check_signatures: bool = False
    port: int = 0
    stats_path: str | None = None

    def build(self) -> FaultProxy:
        creds = [Credentials(c["access_key"] or "", c["secret_key"] or "", c.get("session_token"))
                 for c in self.credentials]
        return FaultProxy(self.upstream, FAULTS[self.fault], creds, self.verify, self.virtual_host_domain,
                          self.check_signatures)


def _creds_dict(creds: Credentials) -> dict[str, str | None]:
    return {"access_key": creds.access_key, "secret_key": creds.secret_key, "session_token": creds.session_token}


class ProxyHandle:
    """A running proxy: ``endpoint``, ``pid`` (None when in-process) and ``stop()``."""

    def __init__(self, endpoint: str, pid: int | None, stopper: Any, log_path: Path | None = None,
                 stats_path: Path | None = None) -> None:
        self.endpoint = endpoint
        self.pid = pid
        self._stopper = stopper
        self.log_path = log_path
        self.stats_path = stats_path

    def stop(self) -> None:
        self._stopper()

    def stats(self) -> dict[str, Any] | None:
        if self.stats_path is None or not self.stats_path.is_file():
            return None
        return json.loads(self.stats_path.read_text(encoding="utf-8"))

    def __enter__(self) -> ProxyHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_proxy(upstream: Any, fault: str, log_dir: Path, *, check_signatures: bool | None = None,
                timeout: float = 30) -> ProxyHandle:
    """Start a proxy process in front of ``upstream`` (a LiveTarget) playing ``fault``.

    Its log and ``proxy-stats.json`` go to ``log_dir``. ``check_signatures`` (default: on
    for the ``none`` pass-through) logs every request whose signature the proxy judges
    differently from the upstream. Returns once the proxy listens.
    """
    if fault not in FAULTS:
        from gauntlet.errors import ConfigError

        raise ConfigError(f"unknown fault '{fault}' (known: {', '.join(sorted(FAULTS))})")
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"proxy-{fault}.log"
    stats_path = log_dir / f"proxy-{fault}-stats.json"
    creds = [c for c in (upstream.credentials, upstream.alt_credentials) if c is not None]
    config = ProxyConfig(
        upstream=upstream.endpoint, fault=fault, credentials=[_creds_dict(c) for c in creds],
        verify=upstream.verify, virtual_host_domain=getattr(upstream, "virtual_host_domain", None),
        check_signatures=(fault == "none") if check_signatures is None else check_signatures,
        stats_path=str(stats_path),
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(paths.PROJECT_ROOT),
                                                         os.environ.get("PYTHONPATH", "")])}
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "gauntlet.faults.serve", "--log", str(log_path)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file, env=env,
                                start_new_session=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(config.__dict__).encode())
    proc.stdin.close()
    ready: list[str] = []
    reader = threading.Thread(target=lambda: ready.append(proc.stdout.readline().decode()), daemon=True)
    reader.start()
    reader.join(timeout)
    line = ready[0] if ready else ""
    if not line.startswith("READY "):
        with contextlib.suppress(Exception):
            proc.kill()
        from gauntlet.errors import LaunchFailed

        raise LaunchFailed(f"fault proxy '{fault}' did not start (log: {log_path})")
    port = int(line.split()[1])

    def stop() -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    return ProxyHandle(f"http://{LOOPBACK}:{port}", proc.pid, stop, log_path, stats_path)


def serve_in_thread(upstream: str, fault: str = "none", credentials: list[Credentials] | None = None,
                    verify: bool | str = True, check_signatures: bool = False) -> tuple[ProxyHandle, FaultProxy]:
    """Run a proxy on an event loop in a daemon thread of this process (tests, benchmarks)."""
    proxy = FaultProxy(upstream, FAULTS[fault], credentials, verify, check_signatures=check_signatures)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(proxy.start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(proxy.close())
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()

    thread = threading.Thread(target=run, daemon=True, name=f"fault-proxy-{fault}")
    thread.start()
    started.wait(10)

    def stop() -> None:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return ProxyHandle(f"http://{LOOPBACK}:{proxy.port}", None, stop), proxy


async def _serve(config: ProxyConfig) -> None:
    proxy = config.build()
    port = await proxy.start(port=config.port)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    sys.stdout.write(f"READY {port}\n")
    sys.stdout.flush()
    log.info("fault proxy '%s' on %s:%d in front of %s", config.fault, LOOPBACK, port, config.upstream)
    parent = os.getppid()

    async def watch_parent() -> None:  # an orphaned proxy (its pytest was killed) stops by itself
        while os.getppid() == parent:
            await asyncio.sleep(2)
        stopping.set()

    watcher = asyncio.ensure_future(watch_parent())
    await stopping.wait()
    watcher.cancel()
    await proxy.close()
    if config.stats_path:
        Path(config.stats_path).write_text(json.dumps(proxy.stats.to_dict(), indent=1), encoding="utf-8")
    log.info("fault proxy '%s' stopped: %s", config.fault, json.dumps(proxy.stats.to_dict()))


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="fault proxy (started by gauntlet.faults.start_proxy)")
    parser.add_argument("--log", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        handlers=[logging.FileHandler(args.log)] if args.log else None)
    config = ProxyConfig(**json.loads(sys.stdin.read()))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(config))
    return 0
