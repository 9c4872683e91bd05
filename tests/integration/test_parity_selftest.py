"""Parity self-test: migrate a small data set between two launched servers with rclone,
check parity says identical, then change four things and check it reports exactly those.

Source moto, destination SeaweedFS (it lists directory-like keys out of S3 order, so the
comparison also goes through its sort-on-disk fallback). rclone copies user metadata with
`-M` but adds its own `mtime`/`btime` keys and does not copy object tags; the test shows
both (the tags come out as the only differences until they are copied by hand).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gauntlet.fleet.running import Fleet, LiveTarget
from gauntlet.fleet.targets import load_targets
from gauntlet.interop.programs import RCLONE, expect_success, rclone_env, run_program
from gauntlet.parity import ParityOptions, run_parity
from gauntlet.rundir.layout import PARITY_CSV_FIELDS as CSV_FIELDS
from gauntlet.s3.data import MiB, payload
from tests.integration.conftest import ROOT, require_server

pytestmark = pytest.mark.integration

BUCKETS = ("parity-one", "parity-two")
RCLONE_KEYS = frozenset({"mtime", "btime"})


def _objects() -> dict[str, dict[str, Any]]:
    """key → {body, metadata, content_type, tags} of the first bucket."""
    objects: dict[str, dict[str, Any]] = {
        "docs/2024/report.csv": {"body": b"id,amount\n1,10\n2,20\n", "metadata": {"owner": "ann"},
                                 "content_type": "text/csv", "tags": {"team": "finance", "tier": "gold"}},
        "docs/2024/summary.txt": {"body": b"quarterly summary v1\n", "metadata": {"owner": "bob", "rev": "1"},
                                  "content_type": "text/plain", "tags": {}},
        "images/summer trip/beach day.jpg": {"body": payload(20 * 1024, seed=41), "metadata": {},
                                             "content_type": "image/jpeg", "tags": {"album": "2024"}},
        "ünïcödé/日本語 ファイル.txt": {"body": "こんにちは\n".encode(), "metadata": {"lang": "ja"},
                                      "content_type": "text/plain", "tags": {}},
        "a.txt": {"body": b"sorts before a/ in S3 order\n", "metadata": {}, "content_type": "text/plain",
                  "tags": {}},
        "a/b.txt": {"body": b"nested under a/\n", "metadata": {}, "content_type": "text/plain", "tags": {}},
        "empty.txt": {"body": b"", "metadata": {}, "content_type": "text/plain", "tags": {}},
    }
    for n in range(1, 13):
        objects[f"logs/app-{n:04d}.log"] = {"body": f"log line {n}\n".encode() * n, "metadata": {},
                                            "content_type": "text/plain", "tags": {}}
    return objects


OBJECTS = _objects()
BIG_KEY = "big/multipart.bin"  # uploaded in 5 MiB parts: its ETag is <md5>-3 on the source only
SECOND = {f"two/{n}.txt": f"second bucket {n}\n".encode() for n in range(5)}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveTarget, LiveTarget]]:
    for name in ("moto", "seaweedfs"):
        require_server(name)
    if RCLONE.path() is None:
        if os.environ.get("GAUNTLET_REQUIRE_ALL_SERVERS"):
            pytest.fail(f"rclone is not installed; install it with: {RCLONE.install}")
        pytest.skip(f"rclone is not installed; install it with: {RCLONE.install}")
    targets = load_targets(environ={})
    fleet = Fleet(targets, tmp_path_factory.mktemp("parity-fleet"))
    try:
        live = fleet.start([targets.get("moto"), targets.get("seaweedfs")])
        yield live["moto"], live["seaweedfs"]
    finally:
        fleet.stop()


def _client(live: LiveTarget) -> Any:
    return live.client(checksum_mode="when_required")


def _fill_source(source: LiveTarget) -> None:
    s3 = _client(source)
    s3.create_bucket(Bucket=BUCKETS[0])
    for key, spec in OBJECTS.items():
        tagging = "&".join(f"{k}={v}" for k, v in spec["tags"].items())
        s3.put_object(Bucket=BUCKETS[0], Key=key, Body=spec["body"], Metadata=spec["metadata"],
                      ContentType=spec["content_type"], **({"Tagging": tagging} if tagging else {}))
    data = payload(12 * MiB, seed=42)
    upload = s3.create_multipart_upload(Bucket=BUCKETS[0], Key=BIG_KEY, ContentType="application/octet-stream")
    parts = []
    for number, start in enumerate(range(0, len(data), 5 * MiB), start=1):
        answer = s3.upload_part(Bucket=BUCKETS[0], Key=BIG_KEY, UploadId=upload["UploadId"], PartNumber=number,
                                Body=data[start:start + 5 * MiB])
        parts.append({"PartNumber": number, "ETag": answer["ETag"]})
    s3.complete_multipart_upload(Bucket=BUCKETS[0], Key=BIG_KEY, UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": parts})
    s3.create_bucket(Bucket=BUCKETS[1])
    for key, body in SECOND.items():
        s3.put_object(Bucket=BUCKETS[1], Key=key, Body=body, ContentType="text/plain")


def _migrate(source: LiveTarget, dest: LiveTarget, workdir: Path) -> None:
    env = rclone_env({"src": source, "dst": dest}, workdir)
    for bucket in BUCKETS:
        done = run_program([RCLONE.require(), "sync", "-M", f"src:{bucket}", f"dst:{bucket}"], env, timeout=300)
        expect_success(done, f"rclone sync -M of bucket {bucket}")


def _rows(out_dir: Path) -> set[tuple[str, str, str]]:
    with open(out_dir / "parity_rows.jsonl", encoding="utf-8") as handle:
        return {(r["bucket"], r["key"], r["kind"]) for r in map(json.loads, handle)}


def _summary(out_dir: Path) -> dict[str, Any]:
    return json.loads((out_dir / "parity_summary.json").read_text(encoding="utf-8"))


def test_migrate_with_rclone_then_parity_finds_exactly_the_changes(servers: tuple[LiveTarget, LiveTarget],
                                                                    tmp_path: Path) -> None:
    source, dest = servers
    _fill_source(source)
    _migrate(source, dest, tmp_path / "rclone")
    # objects only: the bucket configuration is checked in test_parity_migrations.py (here it differs in
    # ownership controls alone: SeaweedFS buckets are BucketOwnerEnforced, as new AWS buckets are; moto's have none)
    options = ParityOptions(ignore_metadata=RCLONE_KEYS, workers=4, config=False)
    total = len(OBJECTS) + 1 + len(SECOND)

    # 1. rclone does not copy object tags: the tagged objects are the only differences
    first = run_parity(source, dest, options, tmp_path / "p1", "selftest-1")
    tagged = {(BUCKETS[0], k, "tags") for k, spec in OBJECTS.items() if spec["tags"]}
    assert first.exit_code == 1, first.summary
    assert _rows(tmp_path / "p1") == tagged

    # 2. copy the tags by hand: identical, the multipart object judged by content, not ETag
    src, dst = _client(source), _client(dest)
    for _, key, _ in tagged:
        dst.put_object_tagging(Bucket=BUCKETS[0], Key=key,
                               Tagging={"TagSet": src.get_object_tagging(Bucket=BUCKETS[0], Key=key)["TagSet"]})
    second = run_parity(source, dest, options, tmp_path / "p2", "selftest-2")
    assert second.exit_code == 0, (second.summary, _rows(tmp_path / "p2"))
    totals = second.summary["totals"]
    assert (totals["objects_compared"], totals["matched"], totals["hashed"]) == (total, total, total)
    assert totals["etag_multipart_inconclusive"] == 1 and second.summary["notes"], totals
    assert second.summary["complete"] and not _rows(tmp_path / "p2")
    # SeaweedFS lists "a/b.txt" before "a.txt": the bucket was compared after sorting on disk
    assert any("out of S3 order" in note for note in second.summary["buckets"][BUCKETS[0]].get("notes", []))

    # 3. change one object, delete one, add one, alter one tag (all on the source, after the migration)
    changed, deleted, added, retagged = "docs/2024/summary.txt", "logs/app-0003.log", "logs/app-0099.log", \
        "docs/2024/report.csv"
    old = OBJECTS[changed]["body"]
    src.put_object(Bucket=BUCKETS[0], Key=changed, Body=old.replace(b"v1", b"v2"),
                   Metadata=OBJECTS[changed]["metadata"], ContentType="text/plain")
    src.delete_object(Bucket=BUCKETS[0], Key=deleted)
    src.put_object(Bucket=BUCKETS[0], Key=added, Body=b"written after the migration\n", ContentType="text/plain")
    new_tags = [{"Key": "team", "Value": "finance"}, {"Key": "tier", "Value": "silver"}]
    src.put_object_tagging(Bucket=BUCKETS[0], Key=retagged, Tagging={"TagSet": new_tags})
    third = run_parity(source, dest, options, tmp_path / "p3", "selftest-3")
    assert third.exit_code == 1
    assert _rows(tmp_path / "p3") == {
        (BUCKETS[0], changed, "etag"), (BUCKETS[0], changed, "content"),
        (BUCKETS[0], deleted, "missing_on_source"), (BUCKETS[0], added, "missing_on_dest"),
        (BUCKETS[0], retagged, "tags"),
    }
    totals = third.summary["totals"]
    assert (totals["differing"], totals["missing_on_dest"], totals["missing_on_source"], totals["errors"]) == \
        (2, 1, 1, 0), totals
    assert totals["matched"] == total - 3
    rows = [json.loads(line) for line in (tmp_path / "p3" / "parity_rows.jsonl").read_text().splitlines()]
    tag_row = next(r for r in rows if r["kind"] == "tags")
    assert (tag_row["source_value"], tag_row["dest_value"]) == ("team=finance&tier=silver", "team=finance&tier=gold")
    content_row = next(r for r in rows if r["kind"] == "content")
    assert content_row["source_value"] == "sha256:" + hashlib.sha256(old.replace(b"v1", b"v2")).hexdigest()
    assert set(rows[0]) == {"run_id", "source", "dest", "bucket", "key", "kind", "source_value", "dest_value"}

    # 4. the same through the command line, against the two servers as endpoint targets
    targets = tmp_path / "targets.yaml"
    targets.write_text(textwrap.dedent(f"""
        targets:
          old-store:
            endpoint: {source.endpoint}
            credentials: {{access_key: {source.credentials.access_key}, secret_key: {source.credentials.secret_key}}}
          new-store:
            endpoint: {dest.endpoint}
            credentials: {{access_key: {dest.credentials.access_key}, secret_key: {dest.credentials.secret_key}}}
        """), encoding="utf-8")
    out = tmp_path / "cli"
    done = subprocess.run(
        [sys.executable, "-m", "gauntlet.parity", "--file", str(targets), "--source", "old-store", "--dest",
         "new-store", "--no-config", "--ignore-metadata", "mtime,btime", "--bucket", BUCKETS[0], "--out", str(out),
         "--no-progress"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "objects compared" in done.stdout and "exit 1" in done.stdout
    csv_lines = (out / "parity_differences.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[0] == ",".join(CSV_FIELDS) and len(csv_lines) == 1 + 5
    assert _summary(out)["exit_code"] == 1 and (out / "meta.json").is_file()
    assert source.credentials.secret_key not in done.stdout + done.stderr
