"""Raw signed HTTP requests, for cases boto3 can't express.

Two signers:
- ``sign="harness"`` (default): gauntlet.s3.sigv4, which signs exactly what is sent —
  keys like ``a//b``, ``./x`` or ``../y`` stay as they are — and lets a case sign
  one thing and send another (wrong secret, unsigned header, tampered body);
- ``sign="aws4auth"``: requests-aws4auth, for ordinary signed requests (it
  normalises paths, so never use it for keys with ``//`` or dot segments);
- ``sign=None``: anonymous.

The URL requests sends is pinned after preparation: requests would otherwise
remove dot segments from the path (``/b/./x`` → ``/b/x``), which S3 must not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import requests
from requests_aws4auth import AWS4Auth

from gauntlet.s3 import sigv4
from gauntlet.s3.credentials import Credentials


class Endpoint(Protocol):
    """What a raw client needs of a target (gauntlet.fleet.running.LiveTarget is one): the wire, not the fleet."""

    endpoint: str
    region: str
    addressing: str
    virtual_host_domain: str | None
    credentials: Credentials

    @property
    def verify(self) -> bool | str: ...

    @property
    def virtual_endpoint(self) -> str: ...


class RawClient:
    """Signed `requests` calls against one target (a session reused across calls)."""

    def __init__(self, target: Endpoint, timeout: float = 30) -> None:
        self.target = target
        self.timeout = timeout
        self.session = requests.Session()
        self.session.verify = target.verify

    # -------------------------------------------------------------------- URLs and signing

    def url(self, bucket: str | None, key: str | None = None, query: sigv4.Query | None = None) -> str:
        virtual = self.target.addressing == "virtual" and bool(self.target.virtual_host_domain)
        endpoint = self.target.virtual_endpoint if virtual else self.target.endpoint
        return sigv4.s3_url(endpoint, bucket, key, query, virtual=virtual)

    def sign(
        self,
        method: str,
        bucket: str | None = None,
        key: str | None = None,
        *,
        query: sigv4.Query | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        credentials: Credentials | None = None,
        region: str | None = None,
        **kwargs: Any,
    ) -> sigv4.SignedRequest:
        """A harness-signed request, not yet sent: tamper with it, then `send` it."""
        creds = credentials or self.target.credentials
        return sigv4.sign_request(
            method, self.url(bucket, key, query), headers, body,
            access_key=creds.access_key, secret_key=creds.secret_key, session_token=creds.session_token,
            region=region or self.target.region, **kwargs,
        )

    def presign(self, method: str, bucket: str, key: str | None = None, *, expires: int = 3600,
                credentials: Credentials | None = None, **kwargs: Any) -> str:
        creds = credentials or self.target.credentials
        return sigv4.presign_url(
            method, self.url(bucket, key), access_key=creds.access_key, secret_key=creds.secret_key,
            session_token=creds.session_token, region=self.target.region, expires=expires, **kwargs,
        )

    # -------------------------------------------------------------------- sending

    def send_url(self, method: str, url: str, headers: Mapping[str, str] | None = None,
                 body: bytes | None = None, auth: Any = None, stream: bool = False) -> requests.Response:
        """Send to exactly `url` (no path normalisation by requests)."""
        prepared = self.session.prepare_request(
            requests.Request(method, url, headers=dict(headers or {}), data=body, auth=auth)
        )
        prepared.url = url if auth is None else prepared.url
        return self.session.send(prepared, timeout=self.timeout, allow_redirects=False, stream=stream)

    def send(self, signed: sigv4.SignedRequest, body: bytes | None = None) -> requests.Response:
        """Send a harness-signed request as built (its headers, its URL, `body` or its own body)."""
        payload = body if body is not None else signed.body
        return self.send_url(signed.method, signed.url, signed.headers, payload)

    def request(
        self,
        method: str,
        bucket: str | None = None,
        key: str | None = None,
        *,
        query: sigv4.Query | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        sign: str | None = "harness",
        credentials: Credentials | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Sign (or not) and send one request; returns the `requests.Response`."""
        if sign == "harness":
            signed = self.sign(method, bucket, key, query=query, headers=headers, body=body,
                               credentials=credentials, **kwargs)
            return self.send(signed, body)
        url = self.url(bucket, key, query)
        if sign == "aws4auth":
            creds = credentials or self.target.credentials
            auth = AWS4Auth(creds.access_key, creds.secret_key, self.target.region, "s3",
                            session_token=creds.session_token)
            return self.send_url(method, url, headers, body, auth=auth)
        if sign is None:
            return self.send_url(method, url, headers, body)
        raise ValueError(f"unknown signer {sign!r} (harness, aws4auth or None)")
