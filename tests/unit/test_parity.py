"""Parity checker without servers: listings, merge-join, sampling, kinds of difference, exit codes."""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from gauntlet.errors import ExitCode, UsageError
from gauntlet.fleet.running import LiveTarget
from gauntlet.parity import ParityOptions, run_parity
from gauntlet.parity.cli import main as parity_main
from gauntlet.parity.cli import options_from_args, print_summary
from gauntlet.parity.engine import _Reservoir, same_target
from gauntlet.parity.listing import (
    ListingOrderError,
    ObjectEntry,
    SortedSpill,
    is_multipart_etag,
    iter_objects,
    iter_version_summaries,
    merge_join,
    normalize_etag,
    s3_order,
    summarize_versions,
)
from gauntlet.s3.credentials import Credentials

# --------------------------------------------------------------------------- a fake S3 side


def _error(status: int, code: str, op: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, op)


class FakeObject:
    def __init__(self, body: bytes, metadata: dict[str, str] | None = None, content_type: str = "text/plain",
                 tags: dict[str, str] | None = None, etag: str | None = None,
                 modified: datetime.datetime | None = None) -> None:
        self.body = body
        self.modified = modified or datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
        self.metadata = metadata or {}
        self.content_type = content_type
        self.tags = tags or {}
        self.etag = etag or hashlib.md5(body, usedforsecurity=False).hexdigest()


class FakeS3:
    """Just enough of a boto3 S3 client for the parity engine."""

    def __init__(self, buckets: dict[str, dict[str, FakeObject]], *, order: str = "s3",
                 versions: dict[str, list[tuple[str, bool, bool]]] | None = None) -> None:
        self.buckets = buckets
        self.order = order
        self.versions = versions or {}
        self.fail_on: dict[tuple[str, str], Exception] = {}  # (operation, key) → exception
        self.calls: list[str] = []
        #: bucket → boto3 Get* method → answer (a dict) or the error code to raise; unset: 501 NotImplemented
        self.config: dict[str, dict[str, Any]] = {}

    def __getattr__(self, name: str) -> Any:
        if not name.startswith(("get_bucket_", "get_object_lock_", "get_public_access_")):
            raise AttributeError(name)

        def call(Bucket: str) -> dict[str, Any]:
            self.calls.append(name)
            answer = self.config.get(Bucket, {}).get(name, "NotImplemented")
            if isinstance(answer, str):
                status = 501 if answer == "NotImplemented" else 404
                raise botocore.exceptions.ClientError(
                    {"Error": {"Code": answer, "Message": answer}, "ResponseMetadata": {"HTTPStatusCode": status}},
                    name)
            return answer

        return call

    def _keys(self, bucket: str) -> list[str]:
        keys = list(self.buckets[bucket])
        if self.order == "s3":
            return sorted(keys, key=s3_order)
        # SeaweedFS-like: path components first ("a/b" before "a-b")
        return sorted(keys, key=lambda k: [s3_order(p) for p in k.split("/")])

    def _check(self, op: str, key: str = "") -> None:
        self.calls.append(op)
        for probe in ((op, key), (op, "*")):
            if probe in self.fail_on:
                raise self.fail_on[probe]

    def list_buckets(self) -> dict[str, Any]:
        self._check("ListBuckets")
        return {"Buckets": [{"Name": b} for b in sorted(self.buckets)]}

    def head_bucket(self, Bucket: str) -> dict[str, Any]:
        self._check("HeadBucket", Bucket)
        if Bucket not in self.buckets:
            raise _error(404, "404", "HeadBucket")
        return {}

    def get_paginator(self, name: str) -> Any:
        fake = self

        class Paginator:
            def paginate(self, Bucket: str, PaginationConfig: dict[str, int]) -> Iterator[dict[str, Any]]:
                size = PaginationConfig.get("PageSize", 1000)
                if name == "list_objects_v2":
                    fake._check("ListObjectsV2", Bucket)
                    if Bucket not in fake.buckets:
                        raise _error(404, "NoSuchBucket", "ListObjectsV2")
                    keys = fake._keys(Bucket)
                    for start in range(0, max(len(keys), 1), size):
                        fake._check("ListObjectsV2", Bucket)
                        yield {"Contents": [
                            {"Key": k, "Size": len(fake.buckets[Bucket][k].body),
                             "ETag": f'"{fake.buckets[Bucket][k].etag}"',
                             "LastModified": fake.buckets[Bucket][k].modified}
                            for k in keys[start:start + size]]}
                else:
                    fake._check("ListObjectVersions", Bucket)
                    entries = fake.versions.get(Bucket, [])
                    for start in range(0, max(len(entries), 1), size):
                        page = entries[start:start + size]
                        yield {"Versions": [{"Key": k, "IsLatest": latest} for k, marker, latest in page
                                            if not marker],
                               "DeleteMarkers": [{"Key": k, "IsLatest": latest} for k, marker, latest in page
                                                 if marker]}

        return Paginator()

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self._check("HeadObject", Key)
        obj = self.buckets[Bucket][Key]
        return {"Metadata": dict(obj.metadata), "ContentType": obj.content_type}

    def get_object_tagging(self, Bucket: str, Key: str) -> dict[str, Any]:
        self._check("GetObjectTagging", Key)
        return {"TagSet": [{"Key": k, "Value": v} for k, v in self.buckets[Bucket][Key].tags.items()]}

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self._check("GetObject", Key)
        return {"Body": io.BytesIO(self.buckets[Bucket][Key].body)}


def live(name: str, endpoint: str = "http://127.0.0.1:1", key: str = "AK") -> LiveTarget:
    return LiveTarget(name=name, endpoint=endpoint, region="us-east-1", addressing="path", verify=True,
                      credentials=Credentials(key, "secret-value-xyz"), alt_credentials=None, features={},
                      checksum_mode="when_required")


def compare(src: FakeS3, dst: FakeS3, tmp_path: Path, **options: Any) -> tuple[Any, list[dict[str, Any]]]:
    result = run_parity(live("A", "http://127.0.0.1:1"), live("B", "http://127.0.0.1:2"),
                        ParityOptions(**{"workers": 3, **options}), tmp_path, "unit-run",
                        source_client=src, dest_client=dst)
    rows = [json.loads(line) for line in (tmp_path / "parity_rows.jsonl").read_text().splitlines()]
    return result, rows


def kinds(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(r["key"], r["kind"]) for r in rows}


def same_data() -> dict[str, dict[str, FakeObject]]:
    return {"data": {
        "a.txt": FakeObject(b"alpha", {"owner": "ann"}, tags={"t": "1"}),
        "a/b.txt": FakeObject(b"nested"),
        "ünï/日本.txt": FakeObject("日本".encode()),
        "z": FakeObject(b""),
    }}


# --------------------------------------------------------------------------- listings and merge-join


def test_s3_order_is_utf8_bytes() -> None:
    keys = ["a/b", "a-b", "a.txt", "ab", "é", "z", "日本", "🎉", "A"]
    assert sorted(keys, key=s3_order) == ["A", "a-b", "a.txt", "a/b", "ab", "z", "é", "日本", "🎉"]


def test_merge_join_pairs_keys_of_both_sides() -> None:
    left = [ObjectEntry(k, 1, "e") for k in ("a", "c", "d", "é")]
    right = [ObjectEntry(k, 2, "e") for k in ("b", "c", "é", "f")]
    pairs = [(p.key, p.source is not None, p.dest is not None) for p in merge_join(left, right)]
    assert pairs == [("a", True, False), ("b", False, True), ("c", True, True), ("d", True, False),
                     ("é", True, True), ("f", False, True)]


def test_merge_join_is_lazy() -> None:
    def endless(step: int) -> Iterator[ObjectEntry]:
        n = 0
        while True:
            yield ObjectEntry(f"k{n:012d}", n, "")
            n += step

    joined = merge_join(endless(1), endless(2))
    first = [next(joined) for _ in range(5)]
    assert [p.key for p in first] == [f"k{n:012d}" for n in range(5)]
    assert [p.dest is not None for p in first] == [True, False, True, False, True]


def test_listing_out_of_order_is_detected() -> None:
    client = FakeS3({"b": {k: FakeObject(b"x") for k in ("a-b", "a/b", "a.txt")}}, order="path")
    with pytest.raises(ListingOrderError, match="out of S3 order"):
        list(iter_objects(client, "b", "dest 'X'"))


def test_sorted_spill_restores_s3_order(tmp_path: Path) -> None:
    keys = [f"{random.Random(n).random():.8f}/{n}" for n in range(2500)] + ["a/b", "a-b", "é", "a.txt"]
    entries = [ObjectEntry(k, n, "e") for n, k in enumerate(keys)]
    random.Random(1).shuffle(entries)
    spill = SortedSpill(tmp_path)
    try:
        back = list(spill.objects(entries + entries[:10]))  # duplicates are kept once
    finally:
        spill.close()
    assert [e.key for e in back] == sorted(keys, key=s3_order)
    assert {e.key: e.size for e in back} == {k: n for n, k in enumerate(keys)}


def test_version_summaries_span_pages(tmp_path: Path) -> None:
    entries = [("a", False, False), ("a", False, False), ("a", True, True), ("b", False, True), ("c", True, True)]
    client = FakeS3({"v": {}}, versions={"v": entries})
    summaries = list(iter_version_summaries(client, "v", "source 'A'", page_size=2))
    assert [(s.key, s.versions, s.delete_markers, s.latest_is_delete_marker) for s in summaries] == [
        ("a", 2, 1, True), ("b", 1, 0, False), ("c", 0, 1, True)]
    spill = SortedSpill(tmp_path)
    try:
        assert list(spill.versions(reversed(entries))) == list(summarize_versions(entries))
    finally:
        spill.close()


def test_multipart_etags_are_recognised() -> None:
    assert normalize_etag('"ABCDEF0123456789abcdef0123456789-3"') == "abcdef0123456789abcdef0123456789-3"
    assert is_multipart_etag("abcdef0123456789abcdef0123456789-3")
    assert not is_multipart_etag("abcdef0123456789abcdef0123456789")
    assert not is_multipart_etag("abc-3")


def test_reservoir_is_bounded_and_uniform() -> None:
    hits = [0] * 20
    for seed in range(2000):
        reservoir = _Reservoir(3, random.Random(seed))
        for n in range(20):
            reservoir.offer(n)  # type: ignore[arg-type]
        assert len(reservoir.items) == 3
        for n in reservoir.items:
            hits[n] += 1  # type: ignore[index]
    assert min(hits) > 200 and max(hits) < 420  # 300 expected each


# --------------------------------------------------------------------------- the engine


def test_identical_targets_exit_0(tmp_path: Path) -> None:
    result, rows = compare(FakeS3(same_data()), FakeS3(same_data()), tmp_path)
    assert result.exit_code == ExitCode.OK and rows == []
    totals = result.summary["totals"]
    assert (totals["objects_compared"], totals["matched"], totals["hashed"]) == (4, 4, 4)
    assert result.summary["complete"]
    assert (tmp_path / "parity_differences.csv").read_text().splitlines() == [
        "bucket,key,kind,source_value,dest_value"]


def test_every_kind_of_difference_is_reported(tmp_path: Path) -> None:
    src, dst = same_data(), same_data()
    src["data"]["only-source"] = FakeObject(b"1")
    dst["data"]["only-dest"] = FakeObject(b"2")
    dst["data"]["a.txt"] = FakeObject(b"ALPHA", {"owner": "bob"}, "text/x", {"t": "2"})  # same size
    dst["data"]["a/b.txt"] = FakeObject(b"nested and longer")
    result, rows = compare(FakeS3(src), FakeS3(dst), tmp_path)
    assert result.exit_code == ExitCode.DIFFERENCES
    assert kinds(rows) == {("only-source", "missing_on_dest"), ("only-dest", "missing_on_source"),
                           ("a.txt", "etag"), ("a.txt", "content"), ("a.txt", "metadata"),
                           ("a.txt", "content_type"), ("a.txt", "tags"), ("a/b.txt", "size"),
                           ("a/b.txt", "etag")}
    totals = result.summary["totals"]
    assert (totals["matched"], totals["differing"], totals["missing_on_dest"], totals["missing_on_source"]) == \
        (2, 2, 1, 1)
    row = next(r for r in rows if r["kind"] == "metadata")
    assert (row["source_value"], row["dest_value"]) == ('{"owner": "ann"}', '{"owner": "bob"}')
    assert {r["run_id"] for r in rows} == {"unit-run"} and {(r["source"], r["dest"]) for r in rows} == {("A", "B")}


def test_multipart_etag_difference_is_decided_by_content(tmp_path: Path) -> None:
    src, dst = same_data(), same_data()
    src["data"]["big"] = FakeObject(b"x" * 100, etag="0" * 32 + "-3")
    dst["data"]["big"] = FakeObject(b"x" * 100)
    result, rows = compare(FakeS3(src), FakeS3(dst), tmp_path, sample=0)
    assert result.exit_code == 0 and rows == []
    assert result.summary["totals"]["etag_multipart_inconclusive"] == 1 and result.summary["notes"]
    dst["data"]["big"] = FakeObject(b"y" * 100)
    result, rows = compare(FakeS3(src), FakeS3(dst), tmp_path / "again", sample=0)
    assert kinds(rows) == {("big", "content")}


def test_ignored_metadata_keys(tmp_path: Path) -> None:
    src, dst = same_data(), same_data()
    for obj in dst["data"].values():
        obj.metadata = {**obj.metadata, "Mtime": "123", "btime": "x"}
    result, _ = compare(FakeS3(src), FakeS3(dst), tmp_path, ignore_metadata=frozenset({"mtime", "btime"}))
    assert result.exit_code == 0
    result, rows = compare(FakeS3(src), FakeS3(dst), tmp_path / "strict")
    assert {r["kind"] for r in rows} == {"metadata"} and len(rows) == 4


def test_sample_hashes_exactly_n_per_bucket(tmp_path: Path) -> None:
    src = {"data": {f"k{n:03d}": FakeObject(b"same %d" % n) for n in range(50)}}
    dst = {"data": {f"k{n:03d}": FakeObject(b"same %d" % n) for n in range(50)}}
    source = FakeS3(src)
    result, _ = compare(source, FakeS3(dst), tmp_path, sample=7, metadata=False, tags=False)
    assert result.summary["totals"]["hashed"] == 7 and result.summary["totals"]["matched"] == 50
    assert source.calls.count("GetObject") == 7
    result, _ = compare(FakeS3(src), FakeS3(dst), tmp_path / "none", sample=0, metadata=False, tags=False)
    assert result.summary["totals"]["hashed"] == 0 and result.exit_code == 0


def test_out_of_order_listing_is_compared_after_sorting(tmp_path: Path) -> None:
    data = {"b": {k: FakeObject(k.encode()) for k in ("a-b", "a.txt", "a/b", "a/c/d", "ab")}}
    dest = {"b": {k: FakeObject(k.encode()) for k in ("a-b", "a/b", "a/c/d", "ab", "new")}}
    result, rows = compare(FakeS3(data), FakeS3(dest, order="path"), tmp_path)
    assert kinds(rows) == {("a.txt", "missing_on_dest"), ("new", "missing_on_source")}
    assert result.summary["totals"]["matched"] == 4
    assert "out of S3 order" in result.summary["buckets"]["b"]["notes"][0]


def test_versions_are_compared(tmp_path: Path) -> None:
    history = [("a.txt", False, False), ("a.txt", False, True), ("gone", True, True)]
    src = FakeS3(same_data(), versions={"data": history})
    dst = FakeS3(same_data(), versions={"data": [("a.txt", False, True)]})
    _, rows = compare(src, dst, tmp_path, versions=True, sample=0)
    assert kinds(rows) == {("a.txt", "versions"), ("gone", "versions")}
    row = next(r for r in rows if r["key"] == "gone")
    assert (row["source_value"], row["dest_value"]) == (
        "versions=0 delete_markers=1, latest is a delete marker", "none")


def test_buckets_on_one_side_only(tmp_path: Path) -> None:
    src = {"both": {"k": FakeObject(b"1")}, "src-only": {"x": FakeObject(b"2"), "y": FakeObject(b"3")}}
    dst = {"both": {"k": FakeObject(b"1")}, "dst-only": {}}
    result, rows = compare(FakeS3(src), FakeS3(dst), tmp_path)
    assert result.exit_code == 1
    assert result.summary["buckets_missing_on_dest"] == ["src-only"]
    assert result.summary["buckets_missing_on_source"] == ["dst-only"]
    assert kinds(rows) == {("", "missing_on_dest"), ("x", "missing_on_dest"), ("y", "missing_on_dest"),
                           ("", "missing_on_source")}


def test_bucket_mapping_and_unknown_bucket(tmp_path: Path) -> None:
    src, dst = FakeS3({"old": {"k": FakeObject(b"1")}}), FakeS3({"new": {"k": FakeObject(b"1")}})
    result, _ = compare(src, dst, tmp_path, buckets=[("old", "new")])
    assert result.exit_code == 0 and "old:new" in result.summary["buckets"]
    result, _ = compare(src, dst, tmp_path / "unknown", buckets=[("nosuch", "nosuch")])
    assert result.exit_code == ExitCode.UNKNOWN_BUCKET
    assert result.summary["error"] == "s3gauntlet parity: bucket 'nosuch' does not exist on source 'A'"


def test_unreadable_object_is_an_error_row_and_exit_2(tmp_path: Path) -> None:
    dst = FakeS3(same_data())
    dst.fail_on[("GetObject", "a/b.txt")] = _error(500, "InternalError", "GetObject")
    result, rows = compare(FakeS3(same_data()), dst, tmp_path)
    assert result.exit_code == ExitCode.INCOMPLETE and result.summary["complete"]
    assert kinds(rows) == {("a/b.txt", "error")}
    assert "GetObject: 500 InternalError" in rows[0]["source_value"]
    assert result.summary["totals"]["errors"] == 1 and result.summary["totals"]["matched"] == 3


def test_tagging_not_implemented_is_a_note_not_a_difference(tmp_path: Path) -> None:
    dst = FakeS3(same_data())
    dst.fail_on[("GetObjectTagging", "*")] = _error(501, "NotImplemented", "GetObjectTagging")
    result, rows = compare(FakeS3(same_data()), dst, tmp_path)
    assert result.exit_code == 0 and rows == []
    assert any("tags not compared" in n for n in result.summary["buckets"]["data"]["notes"])


def test_target_gone_mid_run_keeps_partial_results(tmp_path: Path) -> None:
    src = FakeS3({"data": {f"k{n:04d}": FakeObject(b"%d" % n) for n in range(300)}})
    dst = FakeS3({"data": {f"k{n:04d}": FakeObject(b"%d" % n) for n in range(0, 300, 2)}})
    seen = {"n": 0}

    def disappear(compared: int) -> None:
        seen["n"] = compared
        if compared == 100:
            dst.fail_on[("HeadObject", "*")] = botocore.exceptions.EndpointConnectionError(
                endpoint_url="http://127.0.0.1:2/")
            dst.fail_on[("ListObjectsV2", "*")] = botocore.exceptions.EndpointConnectionError(
                endpoint_url="http://127.0.0.1:2/")

    result = run_parity(live("A"), live("B", "http://127.0.0.1:2"), ParityOptions(workers=2, page_size=50),
                        tmp_path, "unit", source_client=src, dest_client=dst, on_compared=disappear)
    assert result.exit_code == ExitCode.TARGET_GONE
    assert not result.summary["complete"]
    assert result.summary["error"].startswith("s3gauntlet parity: dest 'B' disappeared during the comparison")
    rows = (tmp_path / "parity_rows.jsonl").read_text().splitlines()
    assert 0 < len(rows) <= 60 and seen["n"] < 300  # rows found before it went are kept


def test_credentials_rejected_mid_run(tmp_path: Path) -> None:
    dst = FakeS3(same_data())
    dst.fail_on[("HeadObject", "*")] = _error(403, "InvalidAccessKeyId", "HeadObject")
    result, _ = compare(FakeS3(same_data()), dst, tmp_path)
    assert result.exit_code == ExitCode.CREDENTIALS_REJECTED
    assert "dest 'B': credentials rejected (403 InvalidAccessKeyId" in result.summary["error"]


def test_same_target_is_refused(tmp_path: Path) -> None:
    assert same_target(live("A"), live("A", "http://other:1"))
    assert same_target(live("A", "http://h:1/"), live("B", "http://h:1"))
    assert not same_target(live("A", "http://h:1"), live("B", "http://h:1", key="other"))
    result = run_parity(live("A", "http://h:1"), live("B", "http://h:1"), ParityOptions(), tmp_path, "u",
                        source_client=FakeS3({}), dest_client=FakeS3({}))
    assert result.exit_code == ExitCode.SAME_TARGET
    result = run_parity(live("A", "http://h:1"), live("B", "http://h:1"),
                        ParityOptions(buckets=[("x", "y")]), tmp_path / "ok", "u",
                        source_client=FakeS3({"x": {}}), dest_client=FakeS3({"y": {}}))
    assert result.exit_code == 0


# --------------------------------------------------------------------------- command line


def _args(**overrides: Any) -> argparse.Namespace:
    base = {"bucket": None, "sample": None, "versions": False, "no_metadata": False, "no_tags": False,
            "ignore_metadata": None, "workers": 8, "seed": 0, "progress": False}
    return argparse.Namespace(**{**base, **overrides})


def test_options_from_args() -> None:
    opts = options_from_args(_args(bucket=["one", "old:new"], ignore_metadata=["mtime,BTIME", "x"], sample=5))
    assert opts.buckets == [("one", "one"), ("old", "new")]
    assert opts.ignore_metadata == frozenset({"mtime", "btime", "x"}) and opts.sample == 5
    for bad in (_args(bucket=["a:"]), _args(bucket=["a:b:c"]), _args(sample=-1), _args(workers=0)):
        with pytest.raises(UsageError):
            options_from_args(bad)


def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parity_main(["--source", "a"])
    assert exited.value.code == ExitCode.USAGE
    assert "s3gauntlet parity: the following arguments are required: --dest" in capsys.readouterr().err
    assert parity_main(["--source", "a", "--dest", "b", "--bucket", "x:"]) == ExitCode.USAGE


def test_cli_same_target_exits_30_without_launching(capsys: pytest.CaptureFixture[str]) -> None:
    assert parity_main(["--source", "moto", "--dest", "moto"]) == ExitCode.SAME_TARGET
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("s3gauntlet parity: source and dest are both target 'moto'")


def test_cli_unknown_target_keeps_its_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert parity_main(["--source", "moto", "--dest", "no-such-target"]) == 11
    assert capsys.readouterr().err.startswith("s3gauntlet parity: unknown target 'no-such-target'")


def test_print_summary(tmp_path: Path) -> None:
    src, dst = same_data(), same_data()
    dst["data"]["z"] = FakeObject(b"not empty")
    result, _ = compare(FakeS3(src), FakeS3(dst), tmp_path)
    out = io.StringIO()
    print_summary(result.summary, tmp_path, out)
    text = out.getvalue()
    assert "4 objects compared: 3 matched" in text and "size 1" in text and "exit 1" in text


# --------------------------------------------------------------------------- bucket configuration


def _policy(bucket: str, action: str = "s3:GetObject") -> dict[str, Any]:
    return {"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": f"arn:aws:s3:::{bucket}/*"}]})}


def test_bucket_configuration_differences_are_reported_per_setting(tmp_path: Path) -> None:
    src, dst = FakeS3({"b": {}}), FakeS3({"b": {}})
    src.config["b"] = {
        "get_bucket_versioning": {"Status": "Enabled"},
        "get_bucket_policy": _policy("b"),
        "get_bucket_tagging": {"TagSet": [{"Key": "team", "Value": "a"}]},
        "get_bucket_cors": {"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]},
        "get_bucket_lifecycle_configuration": "NoSuchLifecycleConfiguration",
        "get_bucket_acl": {"Owner": {"ID": "src-owner"}, "Grants": [
            {"Grantee": {"ID": "src-owner", "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]},
    }
    dst.config["b"] = {
        "get_bucket_versioning": {},  # never enabled: rclone made the bucket
        "get_bucket_policy": "NoSuchBucketPolicy",
        "get_bucket_tagging": {"TagSet": [{"Key": "team", "Value": "a"}]},  # carried over
        # get_bucket_cors unset: the destination answers 501
        "get_bucket_lifecycle_configuration": "NoSuchLifecycleConfiguration",
        "get_bucket_acl": {"Owner": {"ID": "dst-owner"}, "Grants": [
            {"Grantee": {"ID": "dst-owner", "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]},
    }
    result, rows = compare(src, dst, tmp_path)
    got = {(r["key"], r["kind"]) for r in rows}
    assert got == {("versioning", "config"), ("policy", "config"), ("cors", "unsupported_on_dest")}, rows
    versioning = next(r for r in rows if r["key"] == "versioning")
    assert '"Status":"Enabled"' in versioning["source_value"] and '"Status":"never"' in versioning["dest_value"]
    assert result.exit_code == ExitCode.DIFFERENCES
    assert result.summary["totals"]["by_kind"] == {"config": 2, "unsupported_on_dest": 1}
    # read-only: only Get* configuration calls were sent
    assert all(call.startswith("get_") for call in src.calls + dst.calls if "bucket" in call or "lock" in call)


def test_policy_is_compared_with_the_bucket_name_mapped_and_options_can_skip_config(tmp_path: Path) -> None:
    src, dst = FakeS3({"old": {}}), FakeS3({"new": {}})
    src.config["old"] = {"get_bucket_policy": _policy("old")}
    dst.config["new"] = {"get_bucket_policy": _policy("new")}
    _, rows = compare(src, dst, tmp_path / "a", buckets=[("old", "new")])
    assert rows == []
    dst.config["new"] = {"get_bucket_policy": _policy("new", "s3:*")}
    _, rows = compare(src, dst, tmp_path / "b", buckets=[("old", "new")])
    assert [(r["key"], r["kind"]) for r in rows] == [("policy", "config")]
    _, rows = compare(src, dst, tmp_path / "c", buckets=[("old", "new")], config=False)
    assert rows == []


def test_since_rechecks_only_what_changed_after_the_first_pass(tmp_path: Path) -> None:
    old = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    new = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
    src = FakeS3({"b": {"same": FakeObject(b"v", {"a": "1"}, modified=old),
                        "meta-drift": FakeObject(b"w", {"a": "1"}, modified=old),
                        "changed": FakeObject(b"new body", modified=new)}})
    dst = FakeS3({"b": {"same": FakeObject(b"v", {"a": "1"}, modified=old),
                        "meta-drift": FakeObject(b"w", {"a": "2"}, modified=old),
                        "changed": FakeObject(b"old body", modified=old)}})
    _, rows = compare(src, dst, tmp_path / "full")
    assert {(r["key"], r["kind"]) for r in rows} >= {("meta-drift", "metadata"), ("changed", "etag")}
    cut = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc).timestamp()
    src.calls.clear()
    quick, rows = compare(src, dst, tmp_path / "quick", since=cut)
    # the unchanged objects are matched by their listing alone (no HEAD, no hash): the metadata drift
    # of an old object is the full pass's to find, the changed object is checked in full
    assert {(r["key"], r["kind"]) for r in rows} == {("changed", "etag"), ("changed", "content")}
    assert quick.summary["totals"]["unchanged_skipped"] == 2 and quick.summary["totals"]["matched"] == 2
    assert src.calls.count("HeadObject") == 1 and src.calls.count("GetObject") == 1  # "changed" only


def test_since_accepts_iso_or_epoch_and_rejects_anything_else() -> None:
    from gauntlet.parity.cli import parse_since

    assert parse_since("2026-12-04T01:30:00Z") == parse_since("2026-12-04T01:30:00") == 1796347800.0
    assert parse_since("1796347800") == 1796347800.0
    with pytest.raises(UsageError):
        parse_since("yesterday")
