"""The interop contract (interop/README.md) for the Python clients: environment in, JSON lines out.

Each client program builds a list of `Step`s and calls `run`; a step is a function that raises
`Failed` (a check did not hold) or lets the client's own exception through (`describe` turns it
into status, error code and message). Only the standard library here: every client's virtualenv
has it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import ssl
import sys
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

MiB = 1024 * 1024
LARGE = 17 * MiB
RANGE_FIRST, RANGE_LAST = 1048576, 1048675
LIST_KEYS = [f"dir/{i}" for i in range(5)]
PARQUET_ROWS = 10_000
#: Seconds a plain HTTP request (a presigned URL) may wait for its answer.
HTTP_TIMEOUT_S = 20.0


def payload(n: int, seed: int) -> bytes:
    """Byte i is (seed + 31*i) % 251: the same bytes in every client's language."""
    table = bytes((seed + 31 * i) % 251 for i in range(251))
    return (table * (n // 251 + 1))[:n] if n else b""


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def is_multipart_etag(etag: str | None) -> bool:
    match = re.search(r"-(\d+)\"?$", etag or "")
    return bool(match) and int(match.group(1)) >= 2


class Failed(Exception):
    """A check of the step did not hold: `message` says what S3 requires and what happened."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def require(condition: bool, message: str, status: int | None = None) -> None:
    if not condition:
        raise Failed(message, status)


def same_bytes(got: bytes, expected: bytes, what: str) -> None:
    if got != expected:
        where = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
                     min(len(got), len(expected)))
        raise Failed(f"{what}: S3 requires the {len(expected)} bytes written; got {len(got)} bytes, "
                     f"first difference at byte {where}")


@dataclass
class Env:
    endpoint: str
    region: str
    access_key: str
    secret_key: str
    bucket: str
    ca_bundle: str
    client: str

    @classmethod
    def read(cls) -> Env:
        get = os.environ.get
        return cls(get("GAUNTLET_ENDPOINT", ""), get("GAUNTLET_REGION") or "us-east-1",
                   get("GAUNTLET_ACCESS_KEY", ""), get("GAUNTLET_SECRET_KEY", ""), get("GAUNTLET_BUCKET", ""),
                   get("GAUNTLET_CA_BUNDLE", ""), get("GAUNTLET_CLIENT", ""))

    @property
    def secure(self) -> bool:
        return self.endpoint.startswith("https://")

    @property
    def host_port(self) -> str:
        return self.endpoint.split("://", 1)[-1].rstrip("/")


@dataclass
class Step:
    name: str
    run: Callable[[], Any]
    needs: Sequence[str] = field(default=())


def http(env: Env, method: str, url: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """A plain HTTP request (urllib): the status and body, error statuses included."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    context = ssl.create_default_context(cafile=env.ca_bundle or None) if url.startswith("https") else None
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S, context=context) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except TimeoutError:
        raise Failed(f"plain {method} of the presigned URL: S3 requires an answer; none came within "
                     f"{HTTP_TIMEOUT_S:.0f} s") from None


def presigned_get(env: Env, url: str, expected: bytes, method: str = "GET",
                  headers: dict[str, str] | None = None) -> None:
    """GET a presigned URL with plain HTTP: S3 requires 200 and exactly the object's bytes."""
    status, body = http(env, method, url, headers=headers)
    require(status == 200,
            f"plain GET of the presigned URL: S3 requires 200; got {status} {error_code_in(body)}", status)
    same_bytes(body, expected, "plain GET of the presigned URL")


def presigned_put(env: Env, url: str, data: bytes, method: str = "PUT",
                  headers: dict[str, str] | None = None) -> None:
    """PUT `data` to a presigned URL with plain HTTP: S3 requires 200 (the caller reads it back)."""
    status, body = http(env, method, url, data, headers=headers)
    if status != 200:
        raise Failed(f"plain PUT to the presigned URL: S3 requires 200; got {status} {error_code_in(body)}",
                     status, error_code_in(body))


def error_code_in(body: bytes) -> str | None:
    match = re.search(rb"<Code>([^<]+)</Code>", body)
    return match.group(1).decode() if match else None


def run(client: str, version: str, steps: Sequence[Step],
        describe: Callable[[BaseException], tuple[int | None, str | None, str]]) -> int:
    """Run the steps in order and print one JSON line per step (the contract); 0 unless crashed."""
    emit({"client": client, "version": version})
    failed: set[str] = set()
    for step in steps:
        blocker = next((n for n in step.needs if n in failed), None)
        if blocker is not None:
            failed.add(step.name)
            emit({"step": step.name, "ok": False, "status": None, "error_code": None,
                  "message": f"not run: {blocker} failed", "duration_s": 0.0, "blocked_by": blocker})
            continue
        started = time.monotonic()
        line: dict[str, Any] = {"step": step.name, "ok": True, "status": None, "error_code": None, "message": ""}
        try:
            step.run()
        except Failed as failure:
            line.update(ok=False, status=failure.status, error_code=failure.code, message=str(failure))
        except Exception as exc:  # the client's own error: the server refused, or the client broke
            status, code, message = describe(exc)
            if status is None and code is None:
                print(traceback.format_exc(), file=sys.stderr)
            line.update(ok=False, status=status, error_code=code, message=message)
        if not line["ok"]:
            failed.add(step.name)
        line["duration_s"] = round(time.monotonic() - started, 4)
        emit(line)
    return 0


def emit(line: dict[str, Any]) -> None:
    print(json.dumps(line), flush=True)


def describe_text(exc: BaseException, markers: Sequence[str]) -> tuple[int | None, str | None, str]:
    """For clients whose errors are only text: the 3-digit HTTP status after the first of `markers`
    found in it, the S3 error code of an XML body quoted in it, and the shortened message."""
    text = str(exc)
    status = None
    for marker in markers:
        index = text.find(marker)
        digits = text[index + len(marker):index + len(marker) + 3] if index >= 0 else ""
        if digits.isdigit():
            status = int(digits)
            break
    return status, error_code_in(text.encode()), short(exc)


def short(exc: BaseException, limit: int = 300) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
