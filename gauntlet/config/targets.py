"""Load and validate targets.yaml.

A target is one S3 endpoint the suites run against: either a remote endpoint the
user brings (MinIO, AWS, R2 ...) or a local server the harness launches itself
(`launch:`). Credentials are referenced by environment variable name; literal keys
are accepted only for throwaway local servers (a `launch:` target, or an endpoint
on a loopback address).

Every validation error names the file, the line and the target and key, e.g.
``targets.yaml:14: target 'minio': unknown key 'regoin' (known: ...)``.

An untracked ``targets.local.yaml`` beside the main file may add targets or
override keys of existing ones, and an untracked ``.gauntlet.env`` (KEY=VALUE
lines) supplies credential variables that are not set in the environment.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gauntlet import masking
from gauntlet.config.yamlfile import Checker, LineDict, line_of, parse_yaml
from gauntlet.errors import ConfigError, CredentialMissing, UnknownTarget
from gauntlet.paths import TARGETS_FILE
from gauntlet.s3.credentials import Credentials

DEFAULT_TARGET = "seaweedfs"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

#: Features a target may declare absent (``features: {versioning: false}``).
#: Cases that need one of them come out *unsupported* on such a target.
FEATURES: dict[str, str] = {
    "versioning": "bucket versioning and ListObjectVersions",
    "multipart": "multipart upload",
    "delete_objects": "DeleteObjects (multi-object delete)",
    "presign": "presigned URLs (query-string authentication)",
    "post_policy": "browser POST uploads with a POST policy",
    "sse_s3": "SSE-S3 (AES256) server-side encryption",
    "sse_c": "SSE-C (customer-provided keys)",
    "sse_kms": "SSE-KMS (needs kms_key_id)",
    "checksums": "x-amz-checksum-* data-integrity checksums",
    "conditional_writes": "conditional PUT (If-None-Match / If-Match on PutObject)",
    "tagging": "object and bucket tagging",
    "cors": "bucket CORS configuration",
    "object_lock": "object lock and retention",
    "compliance_lock": "COMPLIANCE-mode retention, which can never be lifted early (present only on launched "
                       "servers unless declared)",
    "sigv4_enforced": "rejects requests whose SigV4 signature is wrong",
    "alt_user": "a second user (alt_credentials)",
    "virtual_host": "virtual-host-style addressing (needs virtual_host_domain)",
    "lifecycle_expiry": "lifecycle rules acted on within a minute (a debug 'day' of seconds; opt-in: absent unless "
                        "declared true)",
}

#: Features a target has only when it declares them true (the others are present unless declared false).
OPT_IN_FEATURES = frozenset({"lifecycle_expiry"})

ADDRESSING = ("path", "virtual")
CHECKSUM_MODES = ("when_supported", "when_required")

_TARGET_KEYS = {
    "description": str,
    "endpoint": str,
    "launch": (dict, str),
    "region": str,
    "addressing": str,
    "virtual_host_domain": str,
    "tls": (dict, bool),
    "credentials": dict,
    "alt_credentials": dict,
    "features": dict,
    "tags": dict,
    "checksum_mode": str,
    "kms_key_id": str,
    "start_hint": str,
    "faults": dict,
}
_LAUNCH_KEYS = {"server": str, "port": int, "auth": bool, "tls": bool, "startup_timeout_s": (int, float)}
_FAULTS_KEYS = {"wraps": str, "fault": str}
_TLS_KEYS = {"verify": bool, "ca_bundle": str}
_CRED_LITERAL = {"access_key", "secret_key", "session_token"}
_CRED_ENV = {"access_key_env", "secret_key_env", "session_token_env"}
_TOP_KEYS = {"defaults", "targets"}

@dataclass(frozen=True)
class CredentialRef:
    """Where a key pair comes from: literal values or environment variable names."""

    literal: Mapping[str, str] | None = None
    env: Mapping[str, str] | None = None
    where: str = ""

    def resolve(self, environ: Mapping[str, str], target: str) -> Credentials:
        if self.literal is not None:
            creds = Credentials(
                self.literal["access_key"], self.literal["secret_key"], self.literal.get("session_token")
            )
        else:
            assert self.env is not None
            values: dict[str, str | None] = {}
            for key, var in self.env.items():
                value = environ.get(var)
                if not value and key != "session_token_env":
                    raise CredentialMissing(
                        f"{self.where}: target '{target}' needs environment variable {var} "
                        f"({key.removesuffix('_env')}) and it is not set"
                    )
                values[key.removesuffix("_env")] = value or None
            creds = Credentials(values["access_key"] or "", values["secret_key"] or "", values.get("session_token"))
        masking.register(creds.secret_key, creds.session_token, creds.access_key)
        return creds


@dataclass(frozen=True)
class LaunchConfig:
    server: str
    port: int | None = None
    auth: bool = False
    tls: bool = False
    startup_timeout_s: float = 60.0


@dataclass(frozen=True)
class FaultsConfig:
    """A fault-injecting proxy in front of another target (`faults: {wraps: NAME, fault: FAULT}`)."""

    wraps: str
    fault: str


@dataclass(frozen=True)
class Target:
    """One entry of targets.yaml, validated but not yet resolved (no env lookups)."""

    name: str
    source: str  # "targets.yaml:12"
    endpoint: str | None = None
    launch: LaunchConfig | None = None
    description: str = ""
    region: str = "us-east-1"
    addressing: str = "path"
    virtual_host_domain: str | None = None
    tls_verify: bool | str = True  # True, False, or a CA bundle path
    credentials: CredentialRef | None = None
    alt_credentials: CredentialRef | None = None
    features: Mapping[str, bool] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    checksum_mode: str = "when_supported"
    kms_key_id: str | None = None
    start_hint: str | None = None
    faults: FaultsConfig | None = None

    def has_feature(self, feature: str) -> bool:
        """False only when the target declares the feature absent."""
        if feature == "alt_user" and self.alt_credentials is None:
            return False
        if feature == "virtual_host" and not self.virtual_host_domain:
            return False
        if feature == "sse_kms" and not self.kms_key_id:
            return False
        return self.features.get(feature, feature not in OPT_IN_FEATURES)

    def why_absent(self, feature: str) -> str:
        if feature == "alt_user" and self.alt_credentials is None:
            return f"target '{self.name}' has no alt_credentials (a second user)"
        if feature == "virtual_host" and not self.virtual_host_domain:
            return f"target '{self.name}' declares no virtual_host_domain"
        if feature == "sse_kms" and not self.kms_key_id:
            return f"target '{self.name}' declares no kms_key_id"
        if feature in OPT_IN_FEATURES and feature not in self.features:
            return f"target '{self.name}' does not declare feature '{feature}: true' ({FEATURES[feature]})"
        return f"target '{self.name}' declares feature '{feature}' ({FEATURES.get(feature, feature)}) absent"


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: targets file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read targets file ({exc.strerror})") from None
    return parse_yaml(text, path)


def _check_keys(mapping: Any, allowed: Mapping[str, Any], path: Path, what: str) -> None:
    Checker(path).keys(mapping, dict(sorted(allowed.items())), what)  # known keys listed alphabetically


def _check_endpoint(endpoint: str, where: str) -> None:
    parts = urlsplit(_VAR.sub("x", endpoint))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: endpoint '{endpoint}' must be http(s)://host[:port]")


def _is_loopback(endpoint: str) -> bool:
    host = urlsplit(endpoint).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse_credentials(raw: Mapping, path: Path, what: str, local: bool) -> CredentialRef:
    line = line_of(raw)
    keys = set(raw)
    unknown = keys - _CRED_LITERAL - _CRED_ENV
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(
            f"{path}:{line_of(raw, key)}: {what}: unknown key '{key}' "
            f"(use access_key_env/secret_key_env, or access_key/secret_key for a local server)"
        )
    for key, value in raw.items():
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}:{line_of(raw, key)}: {what}: key '{key}' must be a non-empty string")
    literal = keys & _CRED_LITERAL
    env = keys & _CRED_ENV
    if literal and env:
        raise ConfigError(f"{path}:{line}: {what}: mix of literal keys and *_env keys; use one kind")
    if literal:
        if not local:
            raise ConfigError(
                f"{path}:{line}: {what}: literal keys are only allowed for a launched or loopback "
                f"server; reference environment variables with access_key_env/secret_key_env"
            )
        if not {"access_key", "secret_key"} <= literal:
            raise ConfigError(f"{path}:{line}: {what}: needs both access_key and secret_key")
        return CredentialRef(literal=dict(raw), where=f"{path}:{line}")
    if not {"access_key_env", "secret_key_env"} <= env:
        raise ConfigError(f"{path}:{line}: {what}: needs both access_key_env and secret_key_env")
    return CredentialRef(env=dict(raw), where=f"{path}:{line}")


@dataclass(frozen=True)
class KnownNames:
    """The launch servers and faults a harness has. The fleet and the fault catalogue own these lists, and
    gauntlet.fleet.targets passes them in: configuration never imports the layers that use it."""

    servers: Collection[str]
    faults: Collection[str]


def _check_name(kind: str, name: str, known: Collection[str] | None, where: str) -> None:
    if known is not None and name not in known:
        raise ConfigError(f"{where}: unknown {kind} '{name}' (known: {', '.join(sorted(known))})")


def _parse_target(name: str, raw: Any, defaults: Mapping, path: Path, known: KnownNames | None = None) -> Target:
    what = f"target '{name}'"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}:{line_of(raw)}: {what}: must be a mapping of keys, got {type(raw).__name__}")
    merged: dict[str, Any] = {**defaults, **raw}
    lines_source = raw
    _check_keys(raw, _TARGET_KEYS, path, what)
    line = line_of(lines_source)
    source = f"{path}:{line}"

    launch: LaunchConfig | None = None
    launch_raw = merged.get("launch")
    if launch_raw is not None:
        if isinstance(launch_raw, str):
            launch_raw = {"server": launch_raw}
        _check_keys(launch_raw, _LAUNCH_KEYS, path, f"{what}: launch")
        if "server" not in launch_raw:
            raise ConfigError(f"{path}:{line_of(raw, 'launch')}: {what}: launch needs 'server'")
        _check_name("launch server", launch_raw["server"], known.servers if known else None,
                    f"{path}:{line_of(raw, 'launch')}: {what}")
        launch = LaunchConfig(**{k: v for k, v in launch_raw.items() if v is not None})

    faults: FaultsConfig | None = None
    faults_raw = raw.get("faults")
    if faults_raw is not None:
        _check_keys(faults_raw, _FAULTS_KEYS, path, f"{what}: faults")
        for key in ("wraps", "fault"):
            if not faults_raw.get(key):
                raise ConfigError(f"{path}:{line_of(raw, 'faults')}: {what}: faults needs '{key}'")
        _check_name("fault", faults_raw["fault"], known.faults if known else None,
                    f"{path}:{line_of(faults_raw, 'fault')}: {what}")
        if launch is not None or raw.get("endpoint"):
            raise ConfigError(f"{path}:{line_of(raw, 'faults')}: {what}: a faults target has no endpoint or launch "
                              f"of its own; it wraps '{faults_raw['wraps']}'")
        faults = FaultsConfig(wraps=faults_raw["wraps"], fault=faults_raw["fault"])

    endpoint = merged.get("endpoint")
    if launch is None and not endpoint and faults is None:
        raise ConfigError(f"{source}: {what}: needs 'endpoint' or 'launch'")
    if launch is not None and endpoint:
        raise ConfigError(f"{path}:{line_of(raw, 'endpoint')}: {what}: give 'endpoint' or 'launch', not both")
    if endpoint and not _VAR.match(endpoint):  # `${VAR}` holding the whole URL is checked once it is filled in
        _check_endpoint(endpoint, f"{path}:{line_of(raw, 'endpoint')}: {what}")

    addressing = merged.get("addressing", "path")
    if addressing not in ADDRESSING:
        raise ConfigError(
            f"{path}:{line_of(raw, 'addressing')}: {what}: addressing must be one of {', '.join(ADDRESSING)}, "
            f"got '{addressing}'"
        )
    checksum_mode = merged.get("checksum_mode", "when_supported")
    if checksum_mode not in CHECKSUM_MODES:
        raise ConfigError(
            f"{path}:{line_of(raw, 'checksum_mode')}: {what}: checksum_mode must be one of "
            f"{', '.join(CHECKSUM_MODES)}, got '{checksum_mode}'"
        )

    tls_verify: bool | str = True
    tls_raw = merged.get("tls")
    if isinstance(tls_raw, bool):
        tls_verify = tls_raw
    elif isinstance(tls_raw, Mapping):
        _check_keys(tls_raw, _TLS_KEYS, path, f"{what}: tls")
        tls_verify = tls_raw.get("ca_bundle") or tls_raw.get("verify", True)

    local = launch is not None or (endpoint is not None and _is_loopback(endpoint))
    creds_raw = merged.get("credentials")
    if creds_raw is None:
        if launch is None and faults is None:
            raise ConfigError(f"{source}: {what}: needs 'credentials' (access_key_env/secret_key_env)")
        credentials = None  # the launcher supplies its own throwaway keys
    else:
        credentials = _parse_credentials(creds_raw, path, f"{what}: credentials", local)
    alt_raw = merged.get("alt_credentials")
    alt_credentials = _parse_credentials(alt_raw, path, f"{what}: alt_credentials", local) if alt_raw else None

    features_raw = merged.get("features") or {}
    for feature, value in features_raw.items():
        fline = line_of(features_raw, feature)
        if feature not in FEATURES:
            raise ConfigError(
                f"{path}:{fline}: {what}: unknown feature '{feature}' (known: {', '.join(sorted(FEATURES))})"
            )
        if not isinstance(value, bool):
            raise ConfigError(f"{path}:{fline}: {what}: feature '{feature}' must be true or false")

    tags = {str(k): str(v) for k, v in (merged.get("tags") or {}).items()}
    return Target(
        name=name,
        source=source,
        endpoint=endpoint,
        launch=launch,
        description=merged.get("description") or "",
        region=merged.get("region") or "us-east-1",
        addressing=addressing,
        virtual_host_domain=merged.get("virtual_host_domain"),
        tls_verify=tls_verify,
        credentials=credentials,
        alt_credentials=alt_credentials,
        features=dict(features_raw),
        tags=tags,
        checksum_mode=checksum_mode,
        kms_key_id=merged.get("kms_key_id"),
        start_hint=merged.get("start_hint"),
        faults=faults,
    )


def _parse_document(doc: Any, path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    if doc is None:
        return {}, {}
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{path}:1: top level must be a mapping with a 'targets' key")
    for key in doc:
        if key not in _TOP_KEYS:
            raise ConfigError(f"{path}:{line_of(doc, key)}: unknown top-level key '{key}' (known: defaults, targets)")
    defaults = doc.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise ConfigError(f"{path}:{line_of(doc, 'defaults')}: 'defaults' must be a mapping")
    _check_keys(defaults, _TARGET_KEYS, path, "defaults")
    targets = doc.get("targets") or {}
    if not isinstance(targets, Mapping):
        raise ConfigError(f"{path}:{line_of(doc, 'targets')}: 'targets' must be a mapping of name to target")
    return dict(defaults), dict(targets)


@dataclass
class TargetsFile:
    """Every target of one targets.yaml (plus its local override), validated."""

    path: Path
    targets: dict[str, Target]
    environ: Mapping[str, str]
    #: Entries that did not validate: an error only for a run that uses them, a warning for the rest.
    invalid: dict[str, ConfigError] = field(default_factory=dict)

    def names(self) -> list[str]:
        return list(self.targets)

    def check(self) -> None:
        """Raise the first invalid entry's error (for a check of the whole file)."""
        for error in self.invalid.values():
            raise error

    def warnings(self) -> list[str]:
        """One line per invalid entry, for commands that don't use it."""
        return [f"ignoring invalid target '{name}': {error}" for name, error in self.invalid.items()]

    def get(self, name: str) -> Target:
        if name in self.invalid:
            raise self.invalid[name]
        try:
            return self.targets[name]
        except KeyError:
            raise UnknownTarget(
                f"unknown target '{name}' (not in {self.path}; known: {', '.join(self.targets)})"
            ) from None

    def select(self, spec: str | None) -> list[Target]:
        """Targets named by a comma-separated `--target` value (default: seaweedfs)."""
        names = [n.strip() for n in (DEFAULT_TARGET if spec is None else spec).split(",") if n.strip()]
        if not names:
            raise UnknownTarget("--target is empty; name at least one target")
        seen: list[Target] = []
        for name in names:
            target = self.get(name)
            if target not in seen:
                seen.append(target)
        return seen

    def resolve_credentials(self, target: Target) -> tuple[Credentials | None, Credentials | None]:
        """The main key pair (its env vars must be set) and the alt pair (absent if its vars are unset)."""
        main = target.credentials.resolve(self.environ, target.name) if target.credentials else None
        alt = None
        if target.alt_credentials is not None:
            try:
                alt = target.alt_credentials.resolve(self.environ, target.name)
            except CredentialMissing:
                alt = None  # cases needing a second user come out unsupported
        return main, alt

    def resolve_endpoint(self, target: Target) -> str | None:
        """The endpoint with ${VAR} parts filled from the environment."""
        if target.endpoint is None:
            return None

        def fill(match: re.Match[str]) -> str:
            var = match.group(1)
            value = self.environ.get(var)
            if not value:
                raise CredentialMissing(
                    f"{target.source}: target '{target.name}' endpoint needs environment variable {var} "
                    f"and it is not set"
                )
            return value

        endpoint = _VAR.sub(fill, target.endpoint).rstrip("/")
        if endpoint != target.endpoint.rstrip("/"):
            _check_endpoint(endpoint, f"{target.source}: target '{target.name}' (endpoint {target.endpoint})")
        return endpoint


def _read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        if "=" not in line:
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def default_targets_path() -> Path:
    env = os.environ.get("GAUNTLET_TARGETS")
    if env:
        return Path(env)
    return TARGETS_FILE


def load_targets(path: str | Path | None = None, environ: Mapping[str, str] | None = None,
                 known: KnownNames | None = None) -> TargetsFile:
    """Read targets.yaml (and targets.local.yaml / .gauntlet.env beside it) and validate every entry.

    Launch server and fault names are checked only against `known`; commands load targets through
    gauntlet.fleet.targets.load_targets, which passes the fleet's and the catalogue's names.
    """
    path = Path(path) if path else default_targets_path()
    defaults, raw_targets = _parse_document(_read_yaml(path), path)
    sources: dict[str, Path] = dict.fromkeys(raw_targets, path)
    local_path = path.with_name("targets.local.yaml")
    if local_path.is_file() and local_path != path:
        local_defaults, local_targets = _parse_document(_read_yaml(local_path), local_path)
        defaults.update(local_defaults)
        for name, raw in local_targets.items():
            if name in raw_targets and isinstance(raw, Mapping) and isinstance(raw_targets[name], Mapping):
                merged = LineDict({**raw_targets[name], **raw})
                merged.lines = {**getattr(raw_targets[name], "lines", {}), **getattr(raw, "lines", {})}
                merged.line = getattr(raw, "line", 0)
                raw_targets[name] = merged
            else:
                raw_targets[name] = raw
            sources[name] = local_path
    if not raw_targets:
        raise ConfigError(f"{path}: no targets defined (expected a 'targets:' mapping)")
    env = {**_read_env_file(path.with_name(".gauntlet.env")), **(os.environ if environ is None else environ)}
    targets: dict[str, Target] = {}
    invalid: dict[str, ConfigError] = {}
    for name, raw in raw_targets.items():
        try:
            if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
                raise ConfigError(f"{sources[name]}: target name '{name}' must be letters, digits, '-' or '_'")
            targets[name] = _parse_target(name, raw, defaults, sources[name], known)
        except ConfigError as error:  # one bad entry must not block a run of the others
            invalid[str(name)] = error
    for target in list(targets.values()):
        if target.faults is None:
            continue
        wrapped = targets.get(target.faults.wraps)
        problem = ""
        if target.faults.wraps in invalid:
            problem = f"faults wraps target '{target.faults.wraps}', which is invalid"
        elif wrapped is None:
            problem = f"faults wraps unknown target '{target.faults.wraps}' (known: {', '.join(targets)})"
        elif wrapped.faults is not None:
            problem = f"faults cannot wrap another faults target ('{wrapped.name}')"
        if problem:
            invalid[target.name] = ConfigError(f"{target.source}: target '{target.name}': {problem}")
            del targets[target.name]
    return TargetsFile(path=path, targets=targets, environ=env, invalid=invalid)
