"""boto3 clients for a target, built once and reused.

Compatibility runs want to see the server's first answer, so retries are off
(one attempt) and timeouts are short enough that a dead server ends a case in
seconds instead of hanging the run.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from gauntlet.s3.credentials import Credentials

_lock = threading.Lock()
_cache: dict[tuple[Any, ...], Any] = {}


def make_client(
    endpoint: str,
    credentials: Credentials,
    *,
    region: str = "us-east-1",
    verify: bool | str = True,
    addressing: str = "path",
    checksum_mode: str = "when_supported",
    connect_timeout: float = 5,
    read_timeout: float = 60,
    max_pool: int = 20,
    service: str = "s3",
    cached: bool = False,
    signature_version: str | None = "s3v4",
    content_md5_deletes: bool = False,
) -> Any:
    """A boto3 S3 client. `cached=True` returns the same client for the same arguments.

    SigV4 everywhere (`signature_version="s3v4"`): left alone, botocore presigns with SigV2 for
    a custom endpoint in us-east-1, which is not what anyone testing a server today wants.

    `content_md5_deletes=True`: DeleteObjects carries Content-MD5 and no flexible checksum
    (botocore >= 1.36 sends CRC32 instead in both checksum modes; MinIO-derived servers
    reject that). Setup and cleanup use it so a server's checksum handling shows up in
    the checksum cases, not as leftover buckets.
    """
    key = (endpoint, credentials, region, verify, addressing, checksum_mode, connect_timeout, read_timeout,
           max_pool, service, signature_version, content_md5_deletes)
    if cached:
        with _lock:
            if key in _cache:
                return _cache[key]
    config = botocore.config.Config(
        region_name=region,
        s3={"addressing_style": addressing},
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_pool_connections=max_pool,
        request_checksum_calculation=checksum_mode,
        response_checksum_validation=checksum_mode,
        signature_version=signature_version,
        tcp_keepalive=True,
    )
    session = boto3.session.Session()
    client = session.client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.session_token,
        verify=verify,
        config=config,
    )
    client.meta.events.register(f"needs-retry.{service}", retry_unanswered_once, unique_id="s3g-retry-unanswered")
    if content_md5_deletes:
        client.meta.events.register("before-sign.s3.DeleteObjects", content_md5_instead_of_checksum,
                                    unique_id="s3g-content-md5-delete-objects")
    if cached:
        with _lock:
            client = _cache.setdefault(key, client)
    return client


def retry_unanswered_once(attempts: int, caught_exception: Exception | None = None, **_: Any) -> float | None:
    """Send a request again, once, when the connection closed before any answer came back.

    The harness otherwise never retries (a case sees the server's first answer). This one exception
    is how a pooled keep-alive connection the server has already closed looks (seen with s3s-fs under
    load: it closes a connection after answering early without `Connection: close`); every SDK resends
    such a request on a fresh connection. Any answer, timeout or refused connection is never retried.
    """
    if attempts == 1 and isinstance(caught_exception, botocore.exceptions.ConnectionClosedError):
        return 0.0
    return None


_CHECKSUM_HEADERS = ("x-amz-sdk-checksum-algorithm", "x-amz-checksum-")


def content_md5_instead_of_checksum(request: Any, **_: Any) -> None:
    """botocore before-sign hook: replace the flexible checksum by a Content-MD5 of the body."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    for name in list(request.headers.keys()):
        if name.lower().startswith(_CHECKSUM_HEADERS):
            del request.headers[name]
    request.headers["Content-MD5"] = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
