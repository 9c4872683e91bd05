"""boto3 clients for a target, built once and reused.

Compatibility runs want to see the server's first answer, so retries are off
(one attempt) and timeouts are short enough that a dead server ends a case in
seconds instead of hanging the run.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.config

from gauntlet.targets import Credentials

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
    signature_version: str | None = None,
) -> Any:
    """A boto3 S3 client. `cached=True` returns the same client for the same arguments."""
    key = (endpoint, credentials, region, verify, addressing, checksum_mode, connect_timeout, read_timeout,
           max_pool, service, signature_version)
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
    if cached:
        with _lock:
            client = _cache.setdefault(key, client)
    return client
