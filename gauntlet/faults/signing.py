"""Checking and redoing SigV4 signatures with the target's credentials.

The proxy holds the wrapped target's key pairs (main and alt user). That lets it

* tell whether the client's signature was right (:meth:`Signing.verify`), the same
  computation a server does: canonical request from the wire path and query, the
  signed headers' values and the payload hash header, then HMAC with the derived key;
* sign a request again after a fault edited it (:meth:`Signing.finalize`), so the
  upstream judges the edited request and not a broken signature;
* simulate a server that skips a check: accept a bad signature, an expired
  presigned URL or a tampered POST policy (the catalogue's signature faults).

Rule of the proxy: an edited request is signed again **only if the client's own
signature was valid** (or the fault says so with ``force_resign``), so editing a
request never turns a badly signed one into an accepted one by accident.
Signing uses :mod:`gauntlet.s3.sigv4` (``sign_request``, ``presign``, ``signing_key``).
"""

from __future__ import annotations

import calendar
import hmac
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from gauntlet.faults.model import Headers, Request, join_query, split_query
from gauntlet.s3 import sigv4
from gauntlet.s3.credentials import Credentials

_AUTH_RE = re.compile(r"^\s*AWS4-HMAC-SHA256\s+(.*)$", re.S)
_QUERY_AUTH = {"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-signedheaders",
               "x-amz-signature", "x-amz-security-token"}


@dataclass
class Auth:
    """How a request is signed."""

    kind: str  # "header" or "query"
    access_key: str
    date: str  # YYYYMMDD of the credential scope
    region: str
    service: str
    signed_headers: list[str]
    signature: str
    amz_date: str
    expires: int | None = None  # presigned URLs
    session_token: str | None = None

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def _header_values(headers: Iterable[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in headers if k.lower() == name]


def parse_auth(method: str, target: str, headers: Iterable[tuple[str, str]]) -> Auth | None:
    """The SigV4 authentication of a request (Authorization header or presigned query), if any."""
    headers = list(headers)
    authorization = _header_values(headers, "authorization")
    if authorization:
        match = _AUTH_RE.match(authorization[0])
        if not match:
            return None
        fields: dict[str, str] = {}
        for piece in match.group(1).split(","):
            name, _, value = piece.strip().partition("=")
            fields[name.strip()] = value.strip()
        try:
            access_key, date, region, service, _terminal = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            signature = fields["Signature"]
        except (KeyError, ValueError):
            return None
        amz_dates = _header_values(headers, "x-amz-date")
        tokens = _header_values(headers, "x-amz-security-token")
        return Auth("header", access_key, date, region, service, signed, signature,
                    amz_dates[0] if amz_dates else "", session_token=tokens[0] if tokens else None)
    query = target.split("?", 1)[1] if "?" in target else ""
    params = {k.lower(): unquote(v or "") for k, v in split_query(query)}
    if "x-amz-signature" not in params or "x-amz-credential" not in params:
        return None
    try:
        access_key, date, region, service, _terminal = params["x-amz-credential"].split("/")
        expires = int(params.get("x-amz-expires", "0") or 0)
    except ValueError:
        return None
    return Auth("query", access_key, date, region, service, params.get("x-amz-signedheaders", "host").split(";"),
                params["x-amz-signature"], params.get("x-amz-date", ""), expires=expires,
                session_token=params.get("x-amz-security-token"))


def _signed_subset(headers: Iterable[tuple[str, str]], names: Iterable[str]) -> dict[str, str]:
    """``{name: value}`` of the signed headers (values of a repeated field joined with ``,``)."""
    headers = list(headers)
    return {name: ",".join(" ".join(v.split()) for v in _header_values(headers, name)) for name in names}


def amz_date_epoch(stamp: str) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ")))
    except (TypeError, ValueError):
        return None


class Signing:
    """The target's key pairs, and what can be done with them."""

    def __init__(self, credentials: Iterable[Credentials | None]) -> None:
        self.keys: dict[str, Credentials] = {c.access_key: c for c in credentials if c is not None}

    # ---------------------------------------------------------------- computing signatures

    def _header_signed(self, method: str, target: str, headers: list[tuple[str, str]], auth: Auth,
                       secret: str, names: list[str]) -> sigv4.SignedRequest:
        values = _signed_subset(headers, names)
        host = values.get("host") or (_header_values(headers, "host") or ["localhost"])[0]
        payload = (_header_values(headers, "x-amz-content-sha256") or [sigv4.UNSIGNED_PAYLOAD])[0]
        return sigv4.sign_request(
            method, f"http://{host}{target}", values, None, access_key=auth.access_key, secret_key=secret,
            region=auth.region, service=auth.service, payload_hash=payload, amz_date=auth.amz_date,
            signed_headers=names,
        )

    def _presigned(self, method: str, target: str, headers: list[tuple[str, str]], auth: Auth, secret: str,
                   amz_date: str | None = None, expires: int | None = None) -> sigv4.SignedRequest:
        path, _, query = target.partition("?")
        rest = [(k, v) for k, v in split_query(query) if k.lower() not in _QUERY_AUTH]
        host = (_header_values(headers, "host") or ["localhost"])[0]
        url = f"http://{host}{path}" + (f"?{join_query(rest)}" if rest else "")
        extra = {n: v for n, v in _signed_subset(headers, auth.signed_headers).items() if n != "host"}
        return sigv4.presign(
            method, url, access_key=auth.access_key, secret_key=secret, region=auth.region, service=auth.service,
            expires=auth.expires if expires is None else expires, amz_date=amz_date or auth.amz_date,
            session_token=auth.session_token, headers=extra or None,
        )

    def expected_signature(self, method: str, target: str, headers: Iterable[tuple[str, str]]) -> str | None:
        """The signature a server would compute for this request, or None (unsigned, unknown key)."""
        headers = list(headers)
        auth = parse_auth(method, target, headers)
        if auth is None or auth.access_key not in self.keys:
            return None
        secret = self.keys[auth.access_key].secret_key
        if auth.kind == "header":
            return self._header_signed(method, target, headers, auth, secret, auth.signed_headers).signature
        return self._presigned(method, target, headers, auth, secret).signature

    def verify(self, method: str, target: str, headers: Iterable[tuple[str, str]]) -> bool | None:
        """True/False: the signature is right/wrong; None: unsigned or signed with a key the proxy doesn't hold."""
        headers = list(headers)
        auth = parse_auth(method, target, headers)
        expected = self.expected_signature(method, target, headers)
        if auth is None or expected is None:
            return None
        return hmac.compare_digest(expected, auth.signature.lower())

    def verify_original(self, req: Request) -> bool | None:
        method, target, headers = req.original
        return self.verify(method, target, headers)

    # ---------------------------------------------------------------- signing again

    def resign(self, req: Request, amz_date: str | None = None, expires: int | None = None) -> bool:
        """Sign the request as it is now with the key it names; False if there is no key to sign with."""
        method, target, original_headers = req.original
        auth = parse_auth(method, target, original_headers)
        if auth is None or auth.access_key not in self.keys:
            return False
        secret = self.keys[auth.access_key].secret_key
        current = req.headers.items()
        if auth.kind == "header":
            before = {k.lower() for k, _ in original_headers}
            present = {k.lower() for k, _ in current}
            names = [n for n in auth.signed_headers if n in present]
            added = sorted({k.lower() for k, _ in current} - before - {"authorization", "content-length"})
            names = sorted(set(names) | set(added))
            if amz_date:
                auth.amz_date = amz_date
                req.headers.set("x-amz-date", amz_date)
                current = req.headers.items()
            signed = self._header_signed(req.method, req.target, current, auth, secret, names)
            assert signed.authorization is not None
            req.headers.set("Authorization", signed.authorization)
        else:
            signed = self._presigned(req.method, req.target, current, auth, secret, amz_date=amz_date,
                                     expires=expires)
            after_scheme = signed.url.split("://", 1)[1]
            req.target = after_scheme[after_scheme.index("/"):] if "/" in after_scheme else "/"
        req.resigned = True
        return True

    def finalize(self, req: Request) -> str:
        """Just before forwarding: sign an edited request again where the rule allows. Returns what was done."""
        if req.resigned and not req.modified:
            return "re-signed-by-fault"
        if not req.modified and not req.force_resign:
            return "as-sent"
        method, target, headers = req.original
        auth = parse_auth(method, target, headers)
        if auth is None:
            return "unsigned"
        if auth.access_key not in self.keys:
            return "unknown-key"
        if not req.force_resign and not self.verify_original(req):
            return "kept-bad-signature"
        self.resign(req)
        return "re-signed"

    # ---------------------------------------------------------------- POST policies

    def post_policy_signature(self, policy_b64: str, credential: str) -> str | None:
        """HMAC-SHA256 of the base64 policy with the signing key of ``credential`` (AK/date/region/service/...)."""
        try:
            access_key, date, region, service, _terminal = credential.split("/")
        except ValueError:
            return None
        creds = self.keys.get(access_key)
        if creds is None:
            return None
        return sigv4.post_policy_signature(creds.secret_key, policy_b64, date, region, service)


def now_amz_date() -> str:
    return sigv4.amz_date()


def presign_expired(auth: Auth, now: float | None = None) -> bool:
    """True when a presigned URL is past X-Amz-Date + X-Amz-Expires."""
    start = amz_date_epoch(auth.amz_date)
    if start is None or auth.expires is None:
        return False
    return (now if now is not None else time.time()) > start + auth.expires


__all__ = ["Auth", "Headers", "Signing", "amz_date_epoch", "now_amz_date", "parse_auth", "presign_expired"]
