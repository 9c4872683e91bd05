"""A fast-but-wrong server can't win: a loopback fake S3 that flips one byte of every GET body.

The fake stores what it is given (prefill works, ETags are honest MD5s) but lies when
reading back. The load run must count the sampled GETs as integrity failures and exit 1.
"""

from __future__ import annotations

import hashlib
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from gauntlet.errors import ExitCode
from tests.integration.test_load_run import gauntlet_lines, read_jsonl, require_load, run_load

pytestmark = pytest.mark.integration


class LyingS3(BaseHTTPRequestHandler):
    """Just enough S3 for a load run (ListBuckets, CreateBucket, Put/Get/Head/DeleteObject, ListObjectsV2)."""

    protocol_version = "HTTP/1.1"
    store: ClassVar[dict[str, dict[str, bytes]]] = {}
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _parts(self) -> tuple[str, str, dict[str, list[str]]]:
        url = urlsplit(self.path)
        bucket, _, key = unquote(url.path).lstrip("/").partition("/")
        return bucket, key, parse_qs(url.query, keep_blank_values=True)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        bucket, key, query = self._parts()
        if not bucket:
            names = "".join(f"<Bucket><Name>{b}</Name></Bucket>" for b in self.store)
            return self._answer(200, f"<ListAllMyBucketsResult><Buckets>{names}</Buckets>"
                                     f"</ListAllMyBucketsResult>".encode())
        if not key:
            if "versions" in query or "uploads" in query:
                return self._answer(501, b"<Error><Code>NotImplemented</Code></Error>")
            prefix = query.get("prefix", [""])[0]
            with self.lock:
                keys = sorted(k for k in self.store.get(bucket, {}) if k.startswith(prefix))
            items = "".join(f"<Contents><Key>{k}</Key><Size>1</Size></Contents>" for k in keys)
            return self._answer(200, f"<ListBucketResult><Name>{bucket}</Name><KeyCount>{len(keys)}</KeyCount>"
                                     f"<IsTruncated>false</IsTruncated>{items}</ListBucketResult>".encode())
        with self.lock:
            data = self.store.get(bucket, {}).get(key)
        if data is None:
            return self._answer(404, b"<Error><Code>NoSuchKey</Code></Error>")
        etag = f'"{hashlib.md5(data).hexdigest()}"'
        lie = bytes([data[0] ^ 0xFF]) + data[1:] if data else data  # the same length, one byte wrong
        return self._answer(200, lie, {"ETag": etag})

    def do_HEAD(self) -> None:
        bucket, key, _ = self._parts()
        with self.lock:
            data = self.store.get(bucket, {}).get(key)
        if data is None:
            return self._answer(404)
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", f'"{hashlib.md5(data).hexdigest()}"')
        self.end_headers()

    def do_PUT(self) -> None:
        bucket, key, _ = self._parts()
        body = self._body()
        with self.lock:
            if not key:
                self.store.setdefault(bucket, {})
                return self._answer(200)
            self.store.setdefault(bucket, {})[key] = body
        return self._answer(200, headers={"ETag": f'"{hashlib.md5(body).hexdigest()}"'})

    def do_POST(self) -> None:
        self._body()
        self._answer(501, b"<Error><Code>NotImplemented</Code></Error>")

    def do_DELETE(self) -> None:
        bucket, key, _ = self._parts()
        with self.lock:
            if key:
                self.store.get(bucket, {}).pop(key, None)
            else:
                self.store.pop(bucket, None)
        self._answer(204)


@pytest.fixture
def lying_server() -> Iterator[str]:
    LyingS3.store = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), LyingS3)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_wrong_bytes_are_integrity_failures(tmp_path: Path, lying_server: str) -> None:
    require_load()
    targets = tmp_path / "targets.yaml"
    targets.write_text(textwrap.dedent(f"""\
        targets:
          liar:
            endpoint: {lying_server}
            credentials: {{access_key: AK, secret_key: SK}}
        """), encoding="utf-8")
    profile = tmp_path / "reads.yaml"
    profile.write_text(textwrap.dedent("""\
        run_time: 3s
        request_cap: 3000
        users: 2
        spawn_rate: 2
        prefill: {objects: 10, size: 4KiB}
        operations: {GET: 3, HEAD: 1}
        integrity: {sample: 0.5}
        """), encoding="utf-8")
    run_dir = tmp_path / "run"
    done = run_load(["--targets-file", str(targets), "--target", "liar", "--profile", str(profile),
                     "--run-dir", str(run_dir)])
    assert done.returncode == ExitCode.CASES_FAILED, done.stdout + done.stderr
    lines = gauntlet_lines(done.stderr)
    assert len(lines) == 1 and "wrong bytes returned" in lines[0], done.stderr
    rows = {row["operation"]: row for row in read_jsonl(run_dir / "load_summary.jsonl")}
    get = rows["GET"]
    assert get["integrity_checked"] > 0 and get["integrity_failures"] == get["integrity_checked"]
    assert get["failures"] == get["integrity_failures"]  # counted as Locust failures too
    assert rows["HEAD"]["integrity_failures"] == 0  # HEAD told the truth
    failures = (run_dir / "locust_failures.csv").read_text(encoding="utf-8")
    assert "body MD5 differs from the object's" in failures
    assert LyingS3.store == {}  # the run's bucket was removed
