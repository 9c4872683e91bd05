"""Load profiles (``loadtests/profiles/*.yaml``), object sizes, size classes and object contents.

Shared by the runner (:mod:`gauntlet.load.run`, which prefills with boto3) and the
Locust users in ``gauntlet/load/`` (which must not import boto3). Nothing here imports
Locust or gevent, so the unit tests can import it freely.

A profile names everything one bounded run needs::

    description: 4 KiB objects, read-heavy
    run_time: 60s            # stops by itself after this ...
    request_cap: 500000      # ... or after this many requests, whichever comes first
    users: 32
    spawn_rate: 32
    prefill: {objects: 2000, size: 4KiB, dirs: 10}
    operations: {GET: 80, HEAD: 10, PUT: 10}

Every validation error names the file, the line, the profile and the key, e.g.
``loadtests/profiles/mixed.yaml:7: profile 'mixed': operations: unknown operation 'GETT' (known: ...)``.

Size specs (``prefill.size``, ``put_size``): a fixed size (``4KiB``, ``1MiB``, ``4096``),
a weighted list (``[{size: 4KiB, weight: 9}, {size: 1MiB, weight: 1}]``), or a
distribution with bounds (``{distribution: uniform, min: 1KiB, max: 1MiB}``,
``{distribution: lognormal, min: 1KiB, max: 16MiB, median: 64KiB, sigma: 1.0}``).

Size classes name sizes in Locust's statistics (``GET 4KiB``): an exact size gets an
exact label (``4KiB``, ``1.5MiB``, ``1000B``); a size drawn from a distribution falls
into a power-of-two class (``4KiB-8KiB``) so latencies stay comparable.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any

from gauntlet.config.yamlfile import Checker, kind_of, parse_yaml
from gauntlet.errors import ConfigError, UnknownProfile
from gauntlet.paths import PROFILES_DIR

#: Operations a profile may weigh, and what each one does.
OPERATIONS: dict[str, str] = {
    "GET": "GetObject of a whole prefilled object",
    "GET-RANGE": "GetObject with a Range header (range_size bytes at a random offset)",
    "PUT": "PutObject of put_size bytes (keys of the user's own, overwritten in a cycle)",
    "HEAD": "HeadObject of a prefilled object",
    "DELETE": "DeleteObject of an object the user put before",
    "LIST": "ListObjectsV2 with a prefix (one prefill directory) and max-keys",
    "MPU": "multipart upload: CreateMultipartUpload, parts, CompleteMultipartUpload",
    "VPUT": "PutObject into a versioned bucket (a new version each time)",
    "VGET": "GetObject of a given versionId in the versioned bucket",
}
#: Operations whose request names carry no size class.
SIZELESS = frozenset({"LIST", "MPU-INIT", "MPU-COMPLETE"})
PAYLOAD_MODES = ("unsigned", "signed")
TRANSPORTS = ("lean", "fasthttp")
LIST_PREFIXES = ("dir", "all")

_UNITS = {
    "": 1, "b": 1,
    "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
    "k": 1 << 10, "m": 1 << 20, "g": 1 << 30,
    "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|h|m|s)")
_MIN_PART = 5 << 20  # S3: every part but the last is at least 5 MiB
_MAX_OBJECT = 5 << 40
_NORMAL = NormalDist()


# --------------------------------------------------------------------------- sizes and durations


def parse_size(value: Any) -> int:
    """``4KiB`` → 4096, ``1.5MiB`` → 1572864, ``10MB`` → 10000000, ``4096`` → 4096. Raises ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"negative size: {value}")
        return value
    if isinstance(value, float):
        if value < 0 or not value.is_integer():
            raise ValueError(f"not a whole number of bytes: {value}")
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f"not a size: {value!r}")
    match = _SIZE_RE.match(value)
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"not a size: {value!r} (use e.g. 4KiB, 1MiB, 10MB or a byte count)")
    number, unit = float(match.group(1)), _UNITS[match.group(2).lower()]
    size = number * unit
    if not size.is_integer():
        raise ValueError(f"not a whole number of bytes: {value!r}")
    return int(size)


def parse_duration(value: Any) -> float:
    """``30s``, ``2m``, ``1h30m``, ``500ms`` or a number of seconds → seconds. Raises ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a duration: {value!r}")
    text = value.strip().lower()
    try:
        return float(text)
    except ValueError:
        pass
    pos, total = 0, 0.0
    for match in _DURATION_RE.finditer(text):
        if text[pos : match.start()].strip():
            break
        number, unit = float(match.group(1)), match.group(2)
        total += number * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[unit]
        pos = match.end()
    if pos == 0 or text[pos:].strip():
        raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 2m, 1h30m)")
    return total


def format_duration(seconds: float) -> str:
    """Seconds as Locust's ``--run-time`` wants them (``90s``)."""
    return f"{max(1, math.ceil(seconds))}s"


def size_class(size: int) -> str:
    """An exact label: ``4KiB``, ``1MiB``, ``1.5KiB``, ``100B``; ``1000B`` when no short exact label exists."""
    for unit, label in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit:
            for digits in (0, 1, 2):
                value = round(size / unit, digits)
                if value * unit == size:
                    text = f"{value:.{digits}f}" if digits else str(int(value))
                    return f"{text}{label}"
            break
    return f"{size}B"


def pow2_class(size: int) -> str:
    """The power-of-two range a size falls in: 5000 → ``4KiB-8KiB``; 0 → ``0B``."""
    if size <= 0:
        return "0B"
    low = 1 << (size.bit_length() - 1)
    return f"{size_class(low)}-{size_class(low * 2)}"


def class_bounds(label: str) -> tuple[int, int] | None:
    """``4KiB-8KiB`` → (4096, 8192); an exact label → (n, n); ``-`` → None."""
    if label == "-":
        return None
    if "-" in label:
        low, high = label.split("-", 1)
        return parse_size(low), parse_size(high)
    size = parse_size(label)
    return size, size


@dataclass(frozen=True)
class SizeSpec:
    """Where object sizes come from: fixed, weighted list, or a bounded distribution."""

    kind: str  # fixed | weighted | uniform | lognormal
    sizes: tuple[int, ...] = ()
    weights: tuple[float, ...] = ()
    min: int = 0
    max: int = 0
    median: float = 0.0
    sigma: float = 1.0

    @property
    def exact(self) -> bool:
        """True when every size is known in advance (exact size-class labels)."""
        return self.kind in ("fixed", "weighted")

    @property
    def largest(self) -> int:
        return max(self.sizes) if self.exact else self.max

    def size_at(self, u: float) -> int:
        """The size at quantile ``u`` in [0, 1) (inverse CDF): the same everywhere for the same ``u``."""
        if self.kind == "fixed":
            return self.sizes[0]
        if self.kind == "weighted":
            return WeightedTable(self.sizes, self.weights).pick(u)
        if self.kind == "uniform":
            return min(self.max, self.min + int(u * (self.max - self.min + 1)))
        # log-normal around the median, clamped to [min, max]
        u = min(max(u, 1e-12), 1 - 1e-12)
        value = math.exp(math.log(self.median) + self.sigma * _NORMAL.inv_cdf(u))
        return int(min(self.max, max(self.min, round(value))))

    def sample(self, rng: random.Random) -> int:
        """One size drawn with ``rng``."""
        return self.size_at(rng.random())

    def label(self, size: int) -> str:
        """The size class for ``size`` under this spec."""
        return size_class(size) if self.exact else pow2_class(size)

    def table(self, variants: int = 32, seed: int = 1, budget: int = 512 << 20) -> list[tuple[int, float]]:
        """(size, weight) pairs to precompute payloads for: every size of an exact spec,
        else up to ``variants`` draws whose total stays under ``budget`` bytes (at least one)."""
        if self.kind == "fixed":
            return [(self.sizes[0], 1.0)]
        if self.kind == "weighted":
            return list(zip(self.sizes, self.weights, strict=True))
        rng = random.Random(seed)
        out: list[tuple[int, float]] = []
        total = 0
        for _ in range(variants):
            size = self.sample(rng)
            if out and total + size > budget:
                break
            out.append((size, 1.0))
            total += size
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form that :meth:`from_dict` reads back (the plan and meta.json use it)."""
        data: dict[str, Any] = {"kind": self.kind}
        if self.exact:
            data["sizes"] = list(self.sizes)
            data["weights"] = list(self.weights)
            data["classes"] = [size_class(s) for s in self.sizes]
        else:
            data.update(min=self.min, max=self.max)
            if self.kind == "lognormal":
                data.update(median=self.median, sigma=self.sigma)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SizeSpec:
        return cls(kind=data["kind"], sizes=tuple(data.get("sizes", ())), weights=tuple(data.get("weights", ())),
                   min=int(data.get("min", 0)), max=int(data.get("max", 0)), median=float(data.get("median", 0.0)),
                   sigma=float(data.get("sigma", 1.0)))


def unit_random(seed: str, index: int) -> float:
    """A uniform number in [0, 1) from ``seed`` and ``index`` (SHA-256: identical on every machine)."""
    digest = hashlib.sha256(f"{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def object_sizes(spec: SizeSpec, count: int, seed: str) -> list[int]:
    """The sizes of prefilled objects 0..count-1 (derived, so workers need not be told)."""
    if spec.kind == "fixed":
        return [spec.sizes[0]] * count
    return [spec.size_at(unit_random(seed, i)) for i in range(count)]


def fixed_size(size: int) -> SizeSpec:
    return SizeSpec(kind="fixed", sizes=(size,), weights=(1.0,))


# --------------------------------------------------------------------------- the profile


@dataclass
class Prefill:
    objects: int
    size: SizeSpec
    dirs: int = 1
    versioned_objects: int = 0
    versions: int = 2


@dataclass
class Profile:
    """A validated load profile; ``to_dict()`` is what meta.json records."""

    name: str
    source: str
    description: str
    run_time: float
    request_cap: int
    users: int
    spawn_rate: float
    prefill: Prefill
    operations: dict[str, int]
    put_size: SizeSpec
    range_size: int = 64 << 10
    list_max_keys: int = 100
    list_prefix: str = "dir"
    list_deep: bool = False  # LIST starts at a random page of its directory (start-after), not always the first
    part_size: int = 5 << 20
    parts: int = 2
    integrity_sample: float = 0.1
    payload: str = "unsigned"
    transport: str = "lean"
    wait_time: float = 0.0
    max_failure_ratio: float = 0.01
    seed: int = 1
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def versioned(self) -> bool:
        return bool(self.operations.get("VPUT") or self.operations.get("VGET"))

    @property
    def mpu_size(self) -> int:
        return self.part_size * self.parts

    def override(self, **values: Any) -> Profile:
        """Command-line overrides (run_time, users, spawn_rate, request_cap, payload, transport); None = keep."""
        for key, value in values.items():
            if value is None:
                continue
            if not hasattr(self, key):
                raise ConfigError(f"profile '{self.name}': cannot override unknown setting '{key}'")
            setattr(self, key, value)
            self.overrides[key] = value
        _check_ranges(self)
        return self

    def to_dict(self) -> dict[str, Any]:
        """The resolved profile as JSON (meta.json, the plan); :meth:`from_dict` reads it back."""
        data = asdict(self)
        data["prefill"]["size"] = self.prefill.size.to_dict()
        data["put_size"] = self.put_size.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        values = dict(data)
        prefill = dict(values["prefill"])
        prefill["size"] = SizeSpec.from_dict(prefill["size"])
        values["prefill"] = Prefill(**prefill)
        values["put_size"] = SizeSpec.from_dict(values["put_size"])
        return cls(**values)


def _check_ranges(profile: Profile) -> None:
    where = f"profile '{profile.name}'"
    if profile.run_time <= 0:
        raise ConfigError(f"{where}: run time must be positive, got {profile.run_time:g}s")
    for key in ("users", "request_cap"):
        if getattr(profile, key) < 1:
            raise ConfigError(f"{where}: {key.replace('_', ' ')} must be at least 1, got {getattr(profile, key)}")
    if profile.spawn_rate <= 0:
        raise ConfigError(f"{where}: spawn rate must be positive, got {profile.spawn_rate:g}")
    if profile.payload not in PAYLOAD_MODES:
        raise ConfigError(f"{where}: payload must be one of {', '.join(PAYLOAD_MODES)}, got '{profile.payload}'")
    if profile.transport not in TRANSPORTS:
        raise ConfigError(f"{where}: transport must be one of {', '.join(TRANSPORTS)}, got '{profile.transport}'")


# --------------------------------------------------------------------------- YAML with line numbers


class _Checker(Checker):
    """The shared checker, plus object sizes and size specs: errors read ``FILE:LINE: profile 'NAME': ...``."""

    def __init__(self, path: Path, name: str) -> None:
        super().__init__(path, f"profile '{name}'")
        self.name = name

    def size(self, mapping: Mapping, key: str, what: str, minimum: int = 0) -> int:
        value = mapping[key]
        try:
            size = parse_size(value)
        except ValueError as exc:
            raise self.fail(mapping, key, f"{what}: '{key}': {exc}") from None
        if size < minimum:
            raise self.fail(mapping, key, f"{what}: '{key}' must be at least {size_class(minimum)}, got {value}")
        if size > _MAX_OBJECT:
            raise self.fail(mapping, key, f"{what}: '{key}' is larger than S3's 5 TiB object limit: {value}")
        return size

    def size_spec(self, mapping: Mapping, key: str, what: str) -> SizeSpec:
        value = mapping[key]
        label = f"{what}: '{key}'"
        if isinstance(value, list):
            if not value:
                raise self.fail(mapping, key, f"{label}: the list of sizes is empty")
            sizes: list[int] = []
            weights: list[float] = []
            for index, item in enumerate(value):
                item_what = f"{label}[{index}]"
                if isinstance(item, Mapping):
                    self.keys(item, ("size", "weight"), item_what, required=("size",))
                    sizes.append(self.size(item, "size", item_what))
                    weights.append(self.number(item, "weight", item_what, positive=True) if "weight" in item else 1.0)
                else:
                    try:
                        sizes.append(parse_size(item))
                    except ValueError as exc:
                        raise self.fail(mapping, key, f"{item_what}: {exc}") from None
                    weights.append(1.0)
            if len(set(sizes)) != len(sizes):
                raise self.fail(mapping, key, f"{label}: a size appears twice; give it one weight")
            return SizeSpec(kind="weighted", sizes=tuple(sizes), weights=tuple(weights))
        if isinstance(value, Mapping):
            self.keys(value, ("distribution", "min", "max", "median", "sigma"), label,
                      required=("distribution", "min", "max"))
            kind = self.choice(value, "distribution", label, ("uniform", "lognormal"))
            low = self.size(value, "min", label)
            high = self.size(value, "max", label)
            if high <= low:
                raise self.fail(value, "max", f"{label}: 'max' ({value['max']}) must be larger than 'min' "
                                              f"({value['min']})")
            if kind == "uniform":
                for extra in ("median", "sigma"):
                    if extra in value:
                        raise self.fail(value, extra, f"{label}: '{extra}' applies to lognormal only")
                return SizeSpec(kind="uniform", min=low, max=high)
            median = float(self.size(value, "median", label, minimum=1)) if "median" in value else math.sqrt(
                max(low, 1) * high)
            if not low <= median <= high:
                raise self.fail(value, "median", f"{label}: 'median' must lie between 'min' and 'max'")
            sigma = self.number(value, "sigma", label, positive=True) if "sigma" in value else 1.0
            return SizeSpec(kind="lognormal", min=low, max=high, median=median, sigma=sigma)
        size = self.size(mapping, key, what)
        return fixed_size(size)


_TOP_KEYS = ("description", "run_time", "request_cap", "users", "spawn_rate", "prefill", "operations", "put_size",
             "range_size", "list", "multipart", "integrity", "payload", "transport", "wait_time",
             "max_failure_ratio", "seed")
_REQUIRED = ("run_time", "request_cap", "users", "spawn_rate", "prefill", "operations")


def list_profiles(directory: Path = PROFILES_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.yaml"))


def profile_path(name: str, directory: Path = PROFILES_DIR) -> Path:
    """The file for ``--profile NAME`` (a name under loadtests/profiles/, or a path to a .yaml file)."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        path = Path(name)
        if not path.is_file():
            raise ConfigError(f"profile file {path} not found")
        return path
    path = directory / f"{name}.yaml"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not path.is_file():
        known = ", ".join(list_profiles(directory)) or "none"
        raise UnknownProfile(f"unknown profile '{name}' (not in {directory}; known: {known})")
    return path


def load_profile(name: str, directory: Path = PROFILES_DIR) -> Profile:
    """Read and validate a profile by name (or path). Raises ConfigError naming file, line and key."""
    path = profile_path(name, directory)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read profile ({exc.strerror})") from None
    return parse_profile(text, path)


def parse_profile(text: str, path: Path) -> Profile:
    """Validate the YAML text of a profile read from ``path`` (used for messages and the name)."""
    name = path.stem
    doc = parse_yaml(text, path, f"profile '{name}': ")
    check = _Checker(path, name)
    if doc is None:
        raise ConfigError(f"{path}:1: profile '{name}': the file is empty")
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{path}:1: profile '{name}': top level must be a mapping, got {kind_of(doc)}")
    check.keys(doc, _TOP_KEYS, "top level", required=_REQUIRED)

    try:
        run_time = parse_duration(doc["run_time"])
    except ValueError as exc:
        raise check.fail(doc, "run_time", f"'run_time': {exc}") from None
    if run_time <= 0:
        raise check.fail(doc, "run_time", f"'run_time' must be positive, got {doc['run_time']!r}")
    request_cap = check.integer(doc, "request_cap", "top level", minimum=1)
    users = check.integer(doc, "users", "top level", minimum=1)
    spawn_rate = check.number(doc, "spawn_rate", "top level", positive=True)

    raw_prefill = check.section(doc, "prefill", ("objects", "size", "dirs", "versioned_objects", "versions"),
                                required=("objects", "size"))
    objects = check.integer(raw_prefill, "objects", "prefill", minimum=0, maximum=1_000_000)
    prefill = Prefill(
        objects=objects,
        size=check.size_spec(raw_prefill, "size", "prefill"),
        dirs=check.integer(raw_prefill, "dirs", "prefill", minimum=1, maximum=1000) if "dirs" in raw_prefill else 1,
        versioned_objects=(check.integer(raw_prefill, "versioned_objects", "prefill", minimum=1, maximum=100_000)
                           if "versioned_objects" in raw_prefill else min(max(objects, 1), 50)),
        versions=(check.integer(raw_prefill, "versions", "prefill", minimum=1, maximum=100)
                  if "versions" in raw_prefill else 2),
    )

    raw_ops = doc["operations"]
    if not isinstance(raw_ops, Mapping):
        raise check.fail(doc, "operations",
                         f"operations must be a mapping of operation to weight, got {kind_of(raw_ops)}")
    operations: dict[str, int] = {}
    for op in raw_ops:
        if op not in OPERATIONS:
            raise check.fail(raw_ops, str(op), f"operations: unknown operation '{op}' "
                                               f"(known: {', '.join(OPERATIONS)})")
        operations[op] = check.integer(raw_ops, op, "operations", minimum=0, maximum=10_000)
    if not any(operations.values()):
        raise check.fail(doc, "operations", "operations: give at least one operation a weight above 0")
    needs_objects = [op for op in ("GET", "GET-RANGE", "HEAD") if operations.get(op)]
    if needs_objects and prefill.objects == 0:
        raise check.fail(raw_prefill, "objects", f"prefill: 'objects' is 0 but {', '.join(needs_objects)} "
                                                 f"need prefilled objects")
    if operations.get("LIST") and prefill.objects == 0:
        raise check.fail(raw_prefill, "objects", "prefill: 'objects' is 0 but LIST needs objects to list")

    profile = Profile(
        name=name, source=str(path), description=str(doc.get("description") or ""), run_time=run_time,
        request_cap=request_cap, users=users, spawn_rate=spawn_rate, prefill=prefill, operations=operations,
        put_size=check.size_spec(doc, "put_size", "top level") if "put_size" in doc else prefill.size,
    )
    if "range_size" in doc:
        profile.range_size = check.size(doc, "range_size", "top level", minimum=1)
    if "list" in doc:
        raw_list = check.section(doc, "list", ("max_keys", "prefix", "deep"))
        if "max_keys" in raw_list:
            profile.list_max_keys = check.integer(raw_list, "max_keys", "list", minimum=1, maximum=1000)
        if "prefix" in raw_list:
            profile.list_prefix = check.choice(raw_list, "prefix", "list", LIST_PREFIXES)
        if "deep" in raw_list:
            profile.list_deep = check.boolean(raw_list, "deep", "list")
    if "multipart" in doc:
        raw_mpu = check.section(doc, "multipart", ("part_size", "parts"))
        if "part_size" in raw_mpu:
            profile.part_size = check.size(raw_mpu, "part_size", "multipart", minimum=_MIN_PART)
        if "parts" in raw_mpu:
            profile.parts = check.integer(raw_mpu, "parts", "multipart", minimum=1, maximum=10_000)
    if "integrity" in doc:
        raw_integrity = check.section(doc, "integrity", ("sample",))
        if "sample" in raw_integrity:
            profile.integrity_sample = check.number(raw_integrity, "sample", "integrity", minimum=0.0, maximum=1.0)
    if "payload" in doc:
        profile.payload = check.choice(doc, "payload", "top level", PAYLOAD_MODES)
    if "transport" in doc:
        profile.transport = check.choice(doc, "transport", "top level", TRANSPORTS)
    if "wait_time" in doc:
        profile.wait_time = check.number(doc, "wait_time", "top level", minimum=0.0)
    if "max_failure_ratio" in doc:
        profile.max_failure_ratio = check.number(doc, "max_failure_ratio", "top level", minimum=0.0, maximum=1.0)
    if "seed" in doc:
        profile.seed = check.integer(doc, "seed", "top level")
    return profile


# --------------------------------------------------------------------------- object contents


class Pattern:
    """Deterministic object contents: object *i* is a cyclic window of a pseudo-random pattern.

    Every process (the runner's prefill, each Locust worker on any machine) derives
    the same bytes from the seed, so a ranged GET can be checked byte for byte
    without keeping objects in memory. The pattern comes from SHAKE-256, so it is
    the same on every platform and Python version.
    """

    def __init__(self, seed: str, length: int = (1 << 20) + 4093) -> None:
        self.seed = seed
        self.length = length
        pattern = hashlib.shake_256(f"s3gauntlet-load:{seed}".encode()).digest(length)
        self._double = pattern + pattern

    def offset(self, index: int) -> int:
        """Where object ``index`` starts in the pattern."""
        return (index * 2654435761) % self.length

    def content(self, offset: int, size: int, start: int = 0) -> bytes:
        """Bytes ``start .. start+size`` of the object that begins at pattern ``offset``."""
        begin = (offset + start) % self.length
        if size <= self.length:
            return self._double[begin : begin + size]
        window = self._double[begin : begin + self.length]
        reps = size // self.length + 1
        return (window * reps)[:size]


def object_key(index: int, dirs: int) -> str:
    """The key of prefilled object ``index``: ``o/<dir>/<index>`` (LIST uses one directory as prefix)."""
    return f"o/{index % dirs:03d}/{index:07d}"


def dir_prefix(directory: int) -> str:
    return f"o/{directory:03d}/"


# --------------------------------------------------------------------------- request names


def request_name(operation: str, label: str | None = None) -> str:
    """``GET 4KiB``; ``LIST`` for operations without a size."""
    return operation if not label or label == "-" else f"{operation} {label}"


def split_name(name: str) -> tuple[str, str]:
    """``GET 4KiB`` → (``GET``, ``4KiB``); ``LIST`` → (``LIST``, ``-``)."""
    operation, _, label = name.partition(" ")
    return operation, label or "-"


# --------------------------------------------------------------------------- weighted choice


class WeightedTable:
    """Fast weighted choice over a fixed list (bisect over cumulative weights)."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        if not items or len(items) != len(weights):
            raise ValueError("a weighted table needs items and one weight each")
        self._items = list(items)
        self._cum: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            self._cum.append(total)
        self._total = total

    def pick(self, rnd: float) -> Any:
        """The item for a uniform ``rnd`` in [0, 1)."""
        return self._items[bisect.bisect_right(self._cum, rnd * self._total)]
