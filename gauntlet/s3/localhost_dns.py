"""`*.localhost` resolves to 127.0.0.1 inside the harness's own processes, with no system change.

Virtual-hosted-style requests put the bucket in the host name (`bucket.localhost:port`). RFC 6761
section 6.3 reserves `localhost` and every name under it for loopback, but glibc resolves only
the bare `localhost` unless the machine has libnss-myhostname or a resolver that knows the rule.
boto3, urllib3 and requests all look names up through `socket.getaddrinfo`, so wrapping that one
function (for names under `localhost` only; everything else goes to the original) is enough.
The launched servers listen on 127.0.0.1, so the names map to IPv4 loopback.

Standard library only: the pytest plugin and the Locust workers both install it.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit, urlunsplit

LOOPBACK = "127.0.0.1"
_original = socket.getaddrinfo


def is_localhost_name(host: object) -> bool:
    """True for `localhost` and any name under it (`bucket.localhost`, `a.b.localhost.`)."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def _getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0,
                 flags: int = 0) -> Any:
    if is_localhost_name(host) and family in (0, socket.AF_INET, socket.AF_UNSPEC):
        return _original(LOOPBACK, port, socket.AF_INET, type, proto, flags)
    return _original(host, port, family, type, proto, flags)


def install() -> None:
    """Resolve `*.localhost` to 127.0.0.1 in this process from now on (idempotent)."""
    socket.getaddrinfo = _getaddrinfo  # type: ignore[assignment]


def installed() -> bool:
    return socket.getaddrinfo is _getaddrinfo


def uninstall() -> None:
    socket.getaddrinfo = _original  # type: ignore[assignment]


def needed(domains: Any) -> bool:
    """Whether any of these virtual-host domains lies under `localhost`."""
    return any(is_localhost_name(d) for d in domains if d)


def virtual_endpoint(endpoint: str, domain: str) -> str:
    """The endpoint with its host name replaced by the virtual-host domain (scheme, port and path kept).

    `http://127.0.0.1:9000` with domain `localhost` gives `http://localhost:9000`: a client in
    virtual-host style then sends `bucket.localhost:9000`.
    """
    parts = urlsplit(endpoint)
    userinfo, at, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}{at}{domain.rstrip('.')}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
