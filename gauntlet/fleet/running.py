"""From targets.yaml entries to live endpoints: launch local servers, check the rest.

`Fleet.start(targets)` launches every `launch:` target (in parallel; RGW takes
a while), then runs one preflight ListBuckets per target so that an unreachable
endpoint or rejected credentials become one clear error up front instead of
hundreds of failed cases.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import botocore.exceptions

from gauntlet import masking
from gauntlet.config.targets import Target, TargetsFile
from gauntlet.errors import CredentialsRejected, EndpointUnreachable, GauntletError
from gauntlet.fleet.launch import ServerLauncher, make_launcher
from gauntlet.rundir import layout
from gauntlet.s3 import localhost_dns
from gauntlet.s3.clients import make_client
from gauntlet.s3.credentials import Credentials
from gauntlet.s3.errors import client_error_details

_REJECTED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "AccessDenied",
             "InvalidClientTokenId", "AuthorizationHeaderMalformed"}


@dataclass
class LiveTarget:
    """A target ready for cases: where it is, how to sign, what it declares."""

    name: str
    endpoint: str
    region: str
    addressing: str
    verify: bool | str
    credentials: Credentials
    alt_credentials: Credentials | None
    features: dict[str, bool]
    checksum_mode: str
    virtual_host_domain: str | None = None
    kms_key_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    server: str | None = None  # launcher name, None for a remote endpoint
    version: str = "unknown"
    pids: list[int] = field(default_factory=list)
    log_path: str | None = None

    @property
    def launched(self) -> bool:
        return self.server is not None

    @property
    def disposable(self) -> bool:
        """Launched here for this run (directly or behind a fault proxy): its data goes away with it."""
        return self.server is not None and not self.server.startswith("remote")

    def has_feature(self, feature: str) -> bool:
        if feature == "compliance_lock" and feature not in self.features:
            # COMPLIANCE retention can never be undone: only on servers launched for the run, unless declared
            return self.disposable and _declared(self).has_feature("object_lock")
        return _declared(self).has_feature(feature)

    def why_absent(self, feature: str) -> str:
        if feature == "compliance_lock" and feature not in self.features and not self.disposable:
            return (f"target '{self.name}' is not launched for this run and does not declare "
                    f"'compliance_lock: true' (COMPLIANCE retention can never be lifted early)")
        return _declared(self).why_absent(feature)

    def to_dict(self, secrets: bool = True) -> dict[str, Any]:
        data = asdict(self)
        if not secrets:
            data["credentials"] = {"access_key": masking.MASK, "secret_key": masking.MASK}
            data["alt_credentials"] = data["credentials"] if self.alt_credentials else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LiveTarget:
        data = dict(data)
        data["credentials"] = Credentials(**data["credentials"])
        if data.get("alt_credentials"):
            data["alt_credentials"] = Credentials(**data["alt_credentials"])
        live = cls(**data)
        masking.register(live.credentials.secret_key, live.credentials.access_key)
        if live.alt_credentials:
            masking.register(live.alt_credentials.secret_key, live.alt_credentials.access_key)
        return live

    def client(self, checksum_mode: str | None = None, alt: bool = False, addressing: str | None = None,
               **kwargs: Any) -> Any:
        creds = self.alt_credentials if alt else self.credentials
        assert creds is not None
        addressing = addressing or self.addressing
        endpoint = self.virtual_endpoint if addressing == "virtual" else self.endpoint
        return make_client(
            endpoint, creds, region=self.region, verify=self.verify,
            addressing=addressing, checksum_mode=checksum_mode or self.checksum_mode,
            cached=True, **kwargs,
        )

    @property
    def virtual_endpoint(self) -> str:
        """The endpoint a virtual-host-style client uses: its host is virtual_host_domain (port kept),
        so the bucket goes in front of the domain (`bucket.localhost:9000`), not of an IP address."""
        if not self.virtual_host_domain:
            return self.endpoint
        return localhost_dns.virtual_endpoint(self.endpoint, self.virtual_host_domain)

    def dead_process(self) -> int | None:
        """The PID of a launched process that has exited, if any."""
        for pid in self.pids:
            if not pid_alive(pid):
                return pid
        return None


def _declared(live: LiveTarget) -> Target:
    from gauntlet.config.targets import CredentialRef

    alt = CredentialRef(literal={}) if live.alt_credentials else None
    return Target(name=live.name, source="", features=live.features, alt_credentials=alt,
                  virtual_host_domain=live.virtual_host_domain, kms_key_id=live.kms_key_id)


def pid_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, exited but not yet reaped, counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _connection_reason(exc: BaseException) -> str:
    """'connection refused', 'timed out', 'name not resolved' ... rather than botocore's wording."""
    text = str(exc)
    chain = f"{text} {exc.__cause__!r} {exc.__context__!r}".lower()
    if isinstance(exc, (botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError)):
        return f"timed out: {masking.mask(text.split(': ', 1)[-1])}"
    for needle, reason in (("refused", "connection refused"), ("name or service not known", "host name not resolved"),
                           ("nodename nor servname", "host name not resolved"), ("no route", "no route to host"),
                           ("reset", "connection reset")):
        if needle in chain:
            return reason
    return masking.mask(text.split(": ", 1)[-1])


def preflight(live: LiveTarget) -> str | None:
    """One ListBuckets: raises EndpointUnreachable / CredentialsRejected; returns the Server header."""
    client = make_client(live.endpoint, live.credentials, region=live.region, verify=live.verify,
                         addressing=live.addressing, connect_timeout=5, read_timeout=20)
    try:
        answer = client.list_buckets()
    except botocore.exceptions.ClientError as exc:
        status, code, message = client_error_details(exc)
        if code in _REJECTED or status == 403:
            raise CredentialsRejected(
                f"target '{live.name}' at {live.endpoint}: credentials rejected "
                f"(ListBuckets answered {status} {code}{': ' + message if message else ''})"
            ) from None
        raise EndpointUnreachable(
            f"target '{live.name}' at {live.endpoint}: ListBuckets answered {status} {code}; "
            f"is this an S3 endpoint?"
        ) from None
    except botocore.exceptions.SSLError as exc:
        raise EndpointUnreachable(f"target '{live.name}' at {live.endpoint}: TLS failed: {exc}") from None
    except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError,
            botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectionClosedError) as exc:
        reason = _connection_reason(exc)
        raise EndpointUnreachable(f"target '{live.name}' at {live.endpoint}: unreachable ({reason})") from None
    return answer["ResponseMetadata"]["HTTPHeaders"].get("server")


class Fleet:
    """The targets of one run, and the local servers launched for them."""

    def __init__(self, targets_file: TargetsFile, run_dir: Path) -> None:
        self.targets_file = targets_file
        self.run_dir = run_dir
        self.launchers: dict[str, ServerLauncher] = {}
        self.proxies: dict[str, Any] = {}
        self._plain: dict[str, LiveTarget] = {}
        self._name_locks: dict[str, threading.Lock] = {}
        self.live: dict[str, LiveTarget] = {}
        self._lock = threading.Lock()

    def _start_faulty(self, target: Target) -> LiveTarget:
        """Start the wrapped target, then the fault proxy in front of it."""
        from gauntlet.faults import start_proxy  # local import: only fault targets need the proxy

        assert target.faults is not None
        upstream = self._start_plain(self.targets_file.get(target.faults.wraps))
        proxy = start_proxy(upstream, target.faults.fault, self.run_dir / layout.SERVERS / target.name)
        with self._lock:
            self.proxies[target.name] = proxy
        return dataclasses.replace(
            upstream, name=target.name, endpoint=proxy.endpoint, verify=True,
            server=f"{upstream.server or 'remote'}+fault", version=f"{upstream.version} fault={target.faults.fault}",
            features={**upstream.features, **target.features}, tags={**upstream.tags, "fault": target.faults.fault},
            pids=[*upstream.pids, *([proxy.pid] if proxy.pid else [])],
        )

    def _start_one(self, target: Target) -> LiveTarget:
        if target.faults is not None:
            live = self._start_faulty(target)
            preflight(live)
            return live
        return self._start_plain(target)

    def _start_plain(self, target: Target) -> LiveTarget:
        """Launch or check a target once per fleet: fault targets wrapping it share the same server."""
        with self._lock:
            name_lock = self._name_locks.setdefault(target.name, threading.Lock())
        with name_lock:
            if target.name not in self._plain:
                self._plain[target.name] = self._launch_or_check(target)
            return self._plain[target.name]

    def _launch_or_check(self, target: Target) -> LiveTarget:
        creds, alt = self.targets_file.resolve_credentials(target)
        if target.launch is not None:
            launcher = make_launcher(target.launch, self.run_dir, target.name, credentials=creds,
                                     alt_credentials=alt, region=target.region)
            with self._lock:
                self.launchers[target.name] = launcher
            server = launcher.start()
            live = LiveTarget(
                name=target.name, endpoint=server.endpoint, region=target.region, addressing=target.addressing,
                verify=server.ca_bundle or target.tls_verify, credentials=server.credentials,
                alt_credentials=server.alt_credentials, features=dict(target.features),
                checksum_mode=target.checksum_mode, virtual_host_domain=target.virtual_host_domain,
                kms_key_id=target.kms_key_id, tags=dict(target.tags), server=server.server,
                version=server.version, pids=server.pids, log_path=str(server.log_path),
            )
        else:
            endpoint = self.targets_file.resolve_endpoint(target)
            assert creds is not None and endpoint is not None
            live = LiveTarget(
                name=target.name, endpoint=endpoint, region=target.region,
                addressing=target.addressing, verify=target.tls_verify, credentials=creds, alt_credentials=alt,
                features=dict(target.features), checksum_mode=target.checksum_mode,
                virtual_host_domain=target.virtual_host_domain, kms_key_id=target.kms_key_id,
                tags=dict(target.tags), version=target.tags.get("version", "unknown"),
            )
        server_header = preflight(live)
        if not live.launched and server_header and live.version == "unknown":
            live.version = server_header
        return live

    def start(self, targets: list[Target]) -> dict[str, LiveTarget]:
        """Launch/check every target; on the first error stop what was started and re-raise it."""
        errors: list[BaseException] = []
        results: dict[str, LiveTarget] = {}

        def run(target: Target) -> None:
            try:
                results[target.name] = self._start_one(target)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(t,), daemon=True) for t in targets]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        except BaseException:
            self.stop()
            raise
        if errors:
            self.stop()
            gauntlet_errors = [e for e in errors if isinstance(e, GauntletError)]
            raise (gauntlet_errors or errors)[0]
        self.live = {t.name: results[t.name] for t in targets}
        return self.live

    def stop(self) -> None:
        with self._lock:
            launchers = list(self.launchers.values())
            proxies = list(self.proxies.values())
            self.launchers.clear()
            self.proxies.clear()
            self._plain.clear()
        for proxy in proxies:
            with contextlib.suppress(Exception):
                proxy.stop()
        for launcher in launchers:
            with contextlib.suppress(Exception):
                launcher.stop()
