"""Load profiles: the shipped ones parse; every bad field is named with its file and line; sizes and classes."""

from __future__ import annotations

import random
import statistics
import textwrap
from pathlib import Path

import pytest

from gauntlet.config.profiles import (
    PROFILES_DIR,
    Pattern,
    Profile,
    SizeSpec,
    WeightedTable,
    class_bounds,
    list_profiles,
    load_profile,
    object_key,
    object_sizes,
    parse_duration,
    parse_profile,
    parse_size,
    pow2_class,
    request_name,
    size_class,
    split_name,
)
from gauntlet.errors import ConfigError, ExitCode, UnknownProfile

GOOD = """\
description: test
run_time: 30s
request_cap: 1000
users: 4
spawn_rate: 2
prefill:
  objects: 10
  size: 4KiB
operations:
  GET: 3
  PUT: 1
"""


def parse(text: str, name: str = "p") -> Profile:
    return parse_profile(textwrap.dedent(text), Path(f"/profiles/{name}.yaml"))


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert info.value.exit_code == ExitCode.CONFIG_INVALID
    message = str(info.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- shipped profiles


@pytest.mark.parametrize("name", ["small-objects", "large-objects", "mixed", "multipart", "list-heavy"])
def test_required_profiles_exist(name: str) -> None:
    assert name in list_profiles()


@pytest.mark.parametrize("name", list_profiles())
def test_every_shipped_profile_is_valid_and_bounded(name: str) -> None:
    profile = load_profile(name)
    assert profile.run_time > 0 and profile.request_cap > 0 and profile.users > 0 and profile.spawn_rate > 0
    assert any(profile.operations.values())
    again = Profile.from_dict(profile.to_dict())
    assert again.to_dict() == profile.to_dict()


def test_mixed_profile_includes_list() -> None:
    assert load_profile("mixed").operations.get("LIST", 0) > 0


def test_good_profile_defaults() -> None:
    profile = parse(GOOD)
    assert profile.name == "p"
    assert profile.run_time == 30
    assert profile.put_size == profile.prefill.size
    assert profile.payload == "unsigned" and profile.transport == "lean"
    assert profile.prefill.dirs == 1


def test_overrides_from_the_command_line() -> None:
    profile = parse(GOOD).override(run_time=5.0, users=None, request_cap=10)
    assert profile.run_time == 5 and profile.users == 4 and profile.request_cap == 10
    assert profile.overrides == {"run_time": 5.0, "request_cap": 10}
    with pytest.raises(ConfigError, match="run time must be positive"):
        parse(GOOD).override(run_time=0.0)
    with pytest.raises(ConfigError, match="users must be at least 1"):
        parse(GOOD).override(users=0)


def test_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(UnknownProfile) as info:
        load_profile("no-such-profile")
    message = str(info.value)
    assert "unknown profile 'no-such-profile'" in message and "small-objects" in message
    assert str(PROFILES_DIR) in message


def test_profile_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_profile(str(path)).name == "mine"
    with pytest.raises(ConfigError, match="not found"):
        load_profile(str(tmp_path / "missing.yaml"))


# --------------------------------------------------------------------------- every bad field, named with its line

BAD_FIELDS = [
    # (replace this line of GOOD, with this, expected line, expected text)
    ("users: 4", "users: -3", 4, "'users' must be at least 1, got -3"),
    ("users: 4", "users: many", 4, "'users' must be an integer, got a string 'many'"),
    ("users: 4", "users: true", 4, "'users' must be an integer, got a boolean True"),
    ("users: 4", "userz: 4", 4, "top level: unknown key 'userz'"),
    ("run_time: 30s", "run_time: soon", 2, "'run_time': not a duration: 'soon'"),
    ("run_time: 30s", "run_time: 0s", 2, "'run_time' must be positive"),
    ("request_cap: 1000", "request_cap: 0", 3, "'request_cap' must be at least 1, got 0"),
    ("spawn_rate: 2", "spawn_rate: 0", 5, "'spawn_rate' must be positive, got 0"),
    ("spawn_rate: 2", "spawn_rate: fast", 5, "'spawn_rate' must be a number"),
    ("  objects: 10", "  objects: -1", 7, "prefill: 'objects' must be between 0 and 1000000, got -1"),
    ("  size: 4KiB", "  size: 4 parsecs", 8, "prefill: 'size': not a size: '4 parsecs'"),
    ("  size: 4KiB", "  size: {distribution: normal, min: 1, max: 2}", 8,
     "'distribution' must be one of uniform, lognormal, got 'normal'"),
    ("  size: 4KiB", "  size: {distribution: uniform, min: 4KiB, max: 1KiB}", 8, "'max' (1KiB) must be larger than"),
    ("  size: 4KiB", "  size: {distribution: uniform, max: 1KiB}", 8, "missing required key 'min'"),
    ("  size: 4KiB", "  size: {distribution: uniform, min: 1, max: 9, sigma: 1}", 8, "'sigma' applies to lognormal"),
    ("  size: 4KiB", "  size: []", 8, "the list of sizes is empty"),
    ("  size: 4KiB", "  size: [{size: 1KiB, weight: 0}]", 8, "'weight' must be positive, got 0"),
    ("  size: 4KiB", "  size: [{size: 1KiB, wieght: 2}]", 8, "unknown key 'wieght'"),
    ("  size: 4KiB", "  size: [1KiB, 1KiB]", 8, "a size appears twice"),
    ("  size: 4KiB", "  size: 6TiB", 8, "larger than S3's 5 TiB object limit"),
    ("  GET: 3", "  GETT: 3", 10, "operations: unknown operation 'GETT' (known: GET, GET-RANGE"),
    ("  GET: 3", "  GET: -1", 10, "operations: 'GET' must be between 0 and 10000, got -1"),
    ("  GET: 3", "  GET: lots", 10, "operations: 'GET' must be an integer"),
]


@pytest.mark.parametrize(("old", "new", "line", "text"), BAD_FIELDS, ids=[b[1].strip() for b in BAD_FIELDS])
def test_bad_field_is_named_with_file_and_line(old: str, new: str, line: int, text: str) -> None:
    assert old in GOOD
    message = error_of(GOOD.replace(old, new, 1))
    assert message.startswith(f"/profiles/p.yaml:{line}: profile 'p': "), message
    assert text in message, message


@pytest.mark.parametrize(("extra", "text"), [
    ("payload: half", "'payload' must be one of unsigned, signed, got 'half'"),
    ("transport: carrier-pigeon", "'transport' must be one of lean, fasthttp"),
    ("range_size: 0", "'range_size' must be at least 1B"),
    ("list: {max_keys: 5000}", "list: 'max_keys' must be between 1 and 1000, got 5000"),
    ("list: {prefix: somewhere}", "list: 'prefix' must be one of dir, all"),
    ("list: {page: 1}", "list: unknown key 'page'"),
    ("multipart: {part_size: 1MiB}", "multipart: 'part_size' must be at least 5MiB, got 1MiB"),
    ("multipart: {parts: 0}", "multipart: 'parts' must be between 1 and 10000, got 0"),
    ("integrity: {sample: 2}", "integrity: 'sample' must be between 0 and 1, got 2"),
    ("integrity: 0.5", "integrity must be a mapping, got a number"),
    ("wait_time: -1", "'wait_time' must be at least 0, got -1"),
    ("max_failure_ratio: 1.5", "'max_failure_ratio' must be between 0 and 1"),
    ("put_size: {distribution: lognormal, min: 1KiB, max: 1MiB, median: 2MiB}",
     "'median' must lie between 'min' and 'max'"),
])
def test_bad_optional_field(extra: str, text: str) -> None:
    message = error_of(GOOD + extra + "\n")
    assert message.startswith("/profiles/p.yaml:12: profile 'p': "), message
    assert text in message, message


@pytest.mark.parametrize("missing", ["run_time", "request_cap", "users", "spawn_rate", "prefill", "operations"])
def test_required_keys(missing: str) -> None:
    lines = GOOD.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{missing}:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    message = error_of("\n".join(lines[:start] + lines[end:]) + "\n")
    assert f"missing required key '{missing}'" in message


def test_structural_errors() -> None:
    assert "YAML syntax error" in error_of("users: [1\n")
    assert error_of("users: [1\n").startswith("/profiles/p.yaml:2:1: profile 'p': YAML syntax error")
    assert "the file is empty" in error_of("")
    assert "top level must be a mapping, got a list" in error_of("- 1\n")
    assert "duplicate key 'users'" in error_of(GOOD + "users: 5\n")
    assert "at least one operation a weight above 0" in error_of(GOOD.replace("GET: 3", "GET: 0").replace(
        "PUT: 1", "PUT: 0"))
    message = error_of(GOOD.replace("objects: 10", "objects: 0"))
    assert "prefill: 'objects' is 0 but GET need prefilled objects" in message
    assert "operations must be a mapping" in error_of(GOOD.replace("operations:\n  GET: 3\n  PUT: 1\n",
                                                                   "operations: [GET]\n"))


# --------------------------------------------------------------------------- sizes, durations, classes


@pytest.mark.parametrize(("text", "size"), [
    ("4KiB", 4096), ("1MiB", 1 << 20), ("1.5MiB", 1572864), ("10MB", 10_000_000), ("4096", 4096), (4096, 4096),
    ("2 GiB", 2 << 30), ("7b", 7), ("1k", 1024),
])
def test_parse_size(text: object, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "4 parsecs", "-1", "1.5B", True, None, [1]])
def test_parse_size_rejects(text: object) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("2m", 120), ("1h30m", 5400), ("500ms", 0.5), ("2m 5s", 125), (45, 45), ("12", 12), ("1.5s", 1.5),
])
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "5 minutes", "s", "", "1x"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(("size", "label"), [
    (0, "0B"), (100, "100B"), (1023, "1023B"), (1024, "1KiB"), (4096, "4KiB"), (1536, "1.5KiB"), (1500, "1500B"),
    (1 << 20, "1MiB"), (5 << 20, "5MiB"), (3 << 29, "1.5GiB"), (1 << 40, "1TiB"), (1280, "1.25KiB"),
])
def test_size_class_labels_are_exact(size: int, label: str) -> None:
    assert size_class(size) == label
    assert parse_size(label) == size  # a label always reads back to its size


@pytest.mark.parametrize(("size", "label"), [
    (1, "1B-2B"), (4096, "4KiB-8KiB"), (5000, "4KiB-8KiB"), (8191, "4KiB-8KiB"), (8192, "8KiB-16KiB"),
    (3_000_000, "2MiB-4MiB"),
])
def test_pow2_classes(size: int, label: str) -> None:
    assert pow2_class(size) == label
    low, high = class_bounds(label)
    assert low <= size < high


def test_request_names() -> None:
    assert request_name("GET", "4KiB") == "GET 4KiB"
    assert request_name("LIST") == "LIST"
    assert split_name("GET 4KiB") == ("GET", "4KiB")
    assert split_name("GET-RANGE 4KiB-8KiB") == ("GET-RANGE", "4KiB-8KiB")
    assert split_name("LIST") == ("LIST", "-")
    assert class_bounds("-") is None


def test_size_distributions() -> None:
    rng = random.Random(7)
    fixed = parse(GOOD).prefill.size
    assert {fixed.sample(rng) for _ in range(50)} == {4096}
    assert fixed.label(4096) == "4KiB"

    weighted = SizeSpec(kind="weighted", sizes=(1024, 1 << 20), weights=(9.0, 1.0))
    draws = [weighted.sample(rng) for _ in range(5000)]
    assert set(draws) == {1024, 1 << 20}
    assert 0.86 < draws.count(1024) / len(draws) < 0.94
    assert weighted.label(1 << 20) == "1MiB"

    uniform = SizeSpec(kind="uniform", min=1000, max=2000)
    draws = [uniform.sample(rng) for _ in range(5000)]
    assert min(draws) >= 1000 and max(draws) <= 2000 and abs(statistics.mean(draws) - 1500) < 30
    assert uniform.label(1500) == "1KiB-2KiB"
    assert uniform.size_at(0.0) == 1000 and uniform.size_at(0.999999) == 2000

    lognormal = SizeSpec(kind="lognormal", min=1024, max=4 << 20, median=32 << 10, sigma=1.2)
    draws = [lognormal.sample(rng) for _ in range(5000)]
    assert min(draws) >= 1024 and max(draws) <= 4 << 20
    assert 26 << 10 < statistics.median(draws) < 38 << 10
    assert not lognormal.exact and lognormal.largest == 4 << 20


def test_object_sizes_are_derived_the_same_everywhere() -> None:
    spec = SizeSpec(kind="lognormal", min=1024, max=1 << 20, median=16 << 10, sigma=1.0)
    first = object_sizes(spec, 200, "seed-1")
    assert first == object_sizes(spec, 200, "seed-1")
    assert first != object_sizes(spec, 200, "seed-2")
    assert object_sizes(SizeSpec(kind="fixed", sizes=(5,), weights=(1.0,)), 3, "x") == [5, 5, 5]


def test_payload_table_respects_the_memory_budget() -> None:
    spec = SizeSpec(kind="uniform", min=1 << 20, max=2 << 20)
    table = spec.table(variants=32, budget=5 << 20)
    assert 2 <= len(table) <= 5
    assert sum(size for size, _ in table) <= (5 << 20) + (2 << 20)
    assert SizeSpec(kind="fixed", sizes=(9,), weights=(1.0,)).table() == [(9, 1.0)]


def test_weighted_table_edges() -> None:
    table = WeightedTable(["a", "b", "c"], [1, 0, 1])
    assert table.pick(0.0) == "a" and table.pick(0.49) == "a" and table.pick(0.51) == "c" and table.pick(0.9999) == "c"
    with pytest.raises(ValueError):
        WeightedTable([], [])


def test_pattern_windows_agree() -> None:
    pattern = Pattern("seed", length=1000)
    whole = pattern.content(pattern.offset(3), 2500)
    assert len(whole) == 2500
    assert pattern.content(pattern.offset(3), 100, start=1200) == whole[1200:1300]
    assert pattern.content(pattern.offset(3), 10, start=995) == whole[995:1005]
    assert Pattern("seed", length=1000).content(5, 50) == pattern.content(5, 50)
    assert Pattern("other", length=1000).content(5, 50) != pattern.content(5, 50)


def test_object_keys_spread_over_directories() -> None:
    assert object_key(0, 10) == "o/000/0000000"
    assert object_key(13, 10) == "o/003/0000013"


def test_list_heavy_prefills_10k_keys_and_lists_every_page_of_every_directory() -> None:
    from gauntlet.load.s3ops import list_queries

    profile = load_profile("list-heavy")
    assert profile.prefill.objects >= 10_000 and profile.list_deep
    queries = list_queries(profile)
    per_dir = profile.prefill.objects // profile.prefill.dirs // profile.list_max_keys
    assert len(queries) == profile.prefill.dirs * per_dir == 100
    # page 2 of directory 3 starts after that directory's 100th key: object 3 + 99 * 10
    assert "list-type=2&max-keys=100&prefix=o%2F003%2F&start-after=o%2F003%2F0000993" in queries
    assert not any("start-after=o%2F003%2F0009993" in q for q in queries)  # the last key: an empty page


def test_list_deep_must_be_a_boolean() -> None:
    message = error_of("run_time: 5s\nrequest_cap: 10\nusers: 1\nspawn_rate: 1\nprefill: {objects: 1, size: 1KiB}\n"
                       "operations: {LIST: 1}\nlist: {deep: 'yes'}\n")
    assert "'deep' must be true or false" in message and "p.yaml:7" in message, message
