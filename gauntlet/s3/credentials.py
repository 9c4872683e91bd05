"""A key pair to sign with: the one type the wire (gauntlet.s3) and the configuration share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Credentials:
    """A resolved key pair. Its repr never shows the secret."""

    access_key: str
    secret_key: str
    session_token: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(access_key={self.access_key[:4]}…, secret_key=***)"

    __str__ = __repr__
