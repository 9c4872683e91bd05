"""Rehearsal of the migrations our users make: MinIO → versitygw and MinIO → Garage with rclone.

A versioned MinIO bucket gets a few thousand keys, user metadata, tags, multipart objects,
overwritten keys (three versions each) and deleted keys (a delete marker on top). `rclone
sync --checksum -M` copies it to versitygw and to Garage, and `gauntlet parity` must report
exactly what such a plain copy loses, and nothing else:

- both: the bucket configuration (versioning status, policy, tags, lifecycle, default
  encryption: rclone creates the destination bucket plain), each as `config` or, where the
  destination has no such API, `unsupported_on_dest`;
- versitygw: the object tags (rclone does not copy them) and the history (noncurrent versions
  and delete markers: rclone copies current objects only); and versitygw's own ListObjectVersions
  repeats each page's last entry on the next page, which parity reports;
- Garage: nothing besides, when compared without object tags and versions (Garage has neither;
  the suites report them as `unsupported`).
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from gauntlet.fleet.running import Fleet, LiveTarget
from gauntlet.fleet.targets import load_targets
from gauntlet.interop.programs import RCLONE, expect_success, rclone_env, run_program
from gauntlet.parity import ParityOptions, run_parity
from gauntlet.parity.engine import make_parity_client
from gauntlet.s3.data import MiB, payload
from tests.integration.conftest import require_server

pytestmark = pytest.mark.integration

BUCKET = "migrate-me"
KEYS = 2000
RCLONE_KEYS = frozenset({"mtime", "btime"})
TAGGED = {f"data/{n:05d}.txt" for n in range(0, KEYS, 97)}
OVERWRITTEN = {f"data/{n:05d}.txt" for n in range(5, KEYS, 251)}
DELETED = {f"data/{n:05d}.txt" for n in (3, 1999)}
MULTIPART = ("big/one.bin", "big/two.bin")
#: What parity must say of the bucket configuration after the copy (rclone makes the destination bucket
#: plain and copies no setting): `config` where the destination has the feature but not the setting,
#: `unsupported_on_dest` where it answers 501 NotImplemented for it.
LOST_CONFIG = {
    "versitygw": {("versioning", "config"), ("policy", "config"), ("tags", "config"),
                  ("lifecycle", "unsupported_on_dest"), ("encryption", "unsupported_on_dest")},
    "garage": {("versioning", "config"), ("lifecycle", "config"), ("policy", "unsupported_on_dest"),
               ("tags", "unsupported_on_dest"), ("encryption", "unsupported_on_dest")},
}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveTarget]]:
    for name in ("minio", "versitygw", "garage"):
        require_server(name)
    if RCLONE.path() is None:
        pytest.fail(f"rclone is not installed; install it with: {RCLONE.install}")
    targets = load_targets(environ={})
    running = Fleet(targets, tmp_path_factory.mktemp("migration-fleet"))
    try:
        yield running.start([targets.get(n) for n in ("minio", "versitygw", "garage")])
    finally:
        running.stop()


def _fill(source: LiveTarget) -> None:
    s3 = source.client(checksum_mode="when_required")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    # bucket configuration a migration runbook promises to carry over (rclone copies none of it)
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "team", "Value": "data"}]})
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject"],
         "Resource": [f"arn:aws:s3:::{BUCKET}/public/*"]}]}))
    s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": [
        {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 30}}]})
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})

    def put(n: int) -> None:
        key = f"data/{n:05d}.txt"
        extra: dict[str, Any] = {}
        if n % 10 == 0:
            extra["Metadata"] = {"owner": f"team-{n % 7}", "source": "minio"}
        if key in TAGGED:
            extra["Tagging"] = f"tier={'gold' if n % 2 else 'silver'}&n={n}"
        for version in range(3 if key in OVERWRITTEN else 1):
            s3.put_object(Bucket=BUCKET, Key=key, Body=f"{key} v{version}\n".encode() * (1 + n % 5),
                          ContentType="text/plain", **extra)
        if key in DELETED:
            s3.delete_object(Bucket=BUCKET, Key=key)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(KEYS)))
    for seed, key in enumerate(MULTIPART):
        data = payload(7 * MiB, seed=70 + seed)
        upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ContentType="application/octet-stream",
                                            Metadata={"kind": "multipart"})
        parts = []
        for number, start in enumerate(range(0, len(data), 5 * MiB), start=1):
            answer = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload["UploadId"], PartNumber=number,
                                    Body=data[start:start + 5 * MiB])
            parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload["UploadId"],
                                     MultipartUpload={"Parts": parts})


def _raw_rows(out_dir: Path) -> list[dict[str, Any]]:
    with open(out_dir / "parity_rows.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _rows(out_dir: Path) -> set[tuple[str, str]]:
    return {(r["key"], r["kind"]) for r in _raw_rows(out_dir)}


@pytest.fixture(scope="module")
def migrated(fleet: dict[str, LiveTarget], tmp_path_factory: pytest.TempPathFactory) -> dict[str, LiveTarget]:
    _fill(fleet["minio"])
    workdir = tmp_path_factory.mktemp("rclone")
    for dest in ("versitygw", "garage"):
        env = rclone_env({"src": fleet["minio"], "dst": fleet[dest]}, workdir)
        done = run_program([RCLONE.require(), "sync", "--checksum", "-M", "--transfers", "8",
                            f"src:{BUCKET}", f"dst:{BUCKET}"], env, timeout=600)
        expect_success(done, f"rclone sync --checksum -M of {BUCKET} from MinIO to {dest}")
    return fleet


def test_minio_to_versitygw_loses_exactly_tags_and_history(migrated: dict[str, LiveTarget], tmp_path: Path) -> None:
    options = ParityOptions(versions=True, ignore_metadata=RCLONE_KEYS, workers=8)
    result = run_parity(migrated["minio"], migrated["versitygw"], options, tmp_path / "p", "minio-versitygw")
    expected = ({(k, "tags") for k in TAGGED - DELETED} | {(k, "versions") for k in OVERWRITTEN | DELETED}
                | LOST_CONFIG["versitygw"])
    got = _rows(tmp_path / "p")
    # versitygw 1.7.0 repeats the marker entry at the top of the next ListObjectVersions page (a null
    # version listed twice; test_versioning's pagination case fails there too): parity rightly reports
    # the key at each 1000-entry page boundary as having two versions on the destination.
    repeated = {(row["key"], "versions") for row in _raw_rows(tmp_path / "p")
                if row["kind"] == "versions" and row["source_value"] == "versions=1 delete_markers=0"
                and row["dest_value"] == "versions=2 delete_markers=0"}
    assert len(repeated) <= KEYS // 1000 + 1, repeated
    got -= repeated
    assert got == expected, (f"unexpected: {sorted(got - expected)[:10]}; not reported: "
                             f"{sorted(expected - got)[:10]}; summary: {result.summary['totals']}")
    totals = result.summary["totals"]
    current = KEYS - len(DELETED) + len(MULTIPART)
    assert totals["objects_compared"] == current and totals["errors"] == 0, totals
    assert result.exit_code == 1 and result.summary["complete"]


def test_minio_to_garage_loses_nothing_else(migrated: dict[str, LiveTarget], tmp_path: Path) -> None:
    options = ParityOptions(tags=False, ignore_metadata=RCLONE_KEYS, workers=8)
    result = run_parity(migrated["minio"], migrated["garage"], options, tmp_path / "p", "minio-garage")
    # only bucket configuration is lost; every object carried over
    assert _rows(tmp_path / "p") == LOST_CONFIG["garage"], (result.summary["totals"], _raw_rows(tmp_path / "p"))
    assert result.exit_code == 1
    totals = result.summary["totals"]
    current = KEYS - len(DELETED) + len(MULTIPART)
    assert (totals["objects_compared"], totals["matched"], totals["hashed"]) == (current, current, current), totals
    assert totals["etag_multipart_inconclusive"] == len(MULTIPART), totals


def test_parity_only_reads_and_a_cut_over_pass_rechecks_only_what_changed(migrated: dict[str, LiveTarget],
                                                                          tmp_path: Path) -> None:
    source, dest = migrated["minio"], migrated["versitygw"]
    methods: list[str] = []
    clients = []
    for side in (source, dest):
        client = make_parity_client(side, 8)
        client.meta.events.register("before-send.s3", lambda request, **_: methods.append(request.method))
        clients.append(client)
    options = ParityOptions(ignore_metadata=RCLONE_KEYS, workers=8, tags=False)
    started = time.perf_counter()
    full = run_parity(source, dest, options, tmp_path / "full", "full", source_client=clients[0],
                      dest_client=clients[1])
    full_s = time.perf_counter() - started
    assert methods and set(methods) <= {"GET", "HEAD"}, sorted(set(methods))  # never a write, on either side
    assert full.summary["complete"]

    # cut-over: one object changes on the source after the full pass; --since rechecks it alone
    cut = time.time() - 1  # listings give whole seconds
    changed = "data/01234.txt"
    source.client(checksum_mode="when_required").put_object(Bucket=BUCKET, Key=changed, Body=b"changed at cut-over\n")
    started = time.perf_counter()
    quick = run_parity(source, dest, ParityOptions(ignore_metadata=RCLONE_KEYS, workers=8, tags=False,
                                                   config=False, since=cut), tmp_path / "quick", "quick")
    quick_s = time.perf_counter() - started
    totals = quick.summary["totals"]
    assert {key for key, _ in _rows(tmp_path / "quick")} == {changed}, _raw_rows(tmp_path / "quick")
    assert totals["unchanged_skipped"] == totals["objects_compared"] - 1, totals
    print(f"parity of {totals['objects_compared']} objects: full pass {full_s:.1f} s, --since pass {quick_s:.1f} s")


LOCKED = "locked-data"


def _fill_locked(source: LiveTarget) -> dict[str, str]:
    """A lock-enabled MinIO bucket: one GOVERNANCE-retained object, one on legal hold, one overwritten."""
    s3 = source.client(checksum_mode="when_required")
    s3.create_bucket(Bucket=LOCKED, ObjectLockEnabledForBucket=True)
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    s3.put_object(Bucket=LOCKED, Key="retained.txt", Body=b"kept\n", ObjectLockMode="GOVERNANCE",
                  ObjectLockRetainUntilDate=until)
    s3.put_object(Bucket=LOCKED, Key="held.txt", Body=b"held\n", ObjectLockLegalHoldStatus="ON")
    for n in range(2):
        s3.put_object(Bucket=LOCKED, Key="twice.txt", Body=f"version {n}\n".encode())
    s3.put_object(Bucket=LOCKED, Key="plain.txt", Body=b"plain\n")
    return {"retained.txt": "retention=GOVERNANCE", "held.txt": "legal_hold=ON"}


def test_full_history_and_lock_state_show_what_a_copy_drops(migrated: dict[str, LiveTarget], tmp_path: Path) -> None:
    source, dest = migrated["minio"], migrated["versitygw"]
    locks = _fill_locked(source)
    env = rclone_env({"src": source, "dst": dest}, tmp_path / "rclone")
    expect_success(run_program([RCLONE.require(), "sync", "--checksum", "-M", f"src:{LOCKED}", f"dst:{LOCKED}"],
                               env, timeout=300), "rclone sync of the lock-enabled bucket")
    options = ParityOptions(versions=True, versions_full=True, ignore_metadata=RCLONE_KEYS, tags=False,
                            buckets=[(LOCKED, LOCKED)])
    result = run_parity(source, dest, options, tmp_path / "p", "locked")
    rows = _raw_rows(tmp_path / "p")
    got = {(r["key"], r["kind"]) for r in rows}
    assert got == {("object_lock", "config"), ("versioning", "config"), ("twice.txt", "versions"),
                   ("retained.txt", "lock"), ("held.txt", "lock")}, rows
    by_key = {r["key"]: r for r in rows}
    for key, state in locks.items():
        assert state in by_key[key]["source_value"] and state not in by_key[key]["dest_value"], by_key[key]
    assert by_key["twice.txt"]["source_value"].count("size=") == 2 and by_key["twice.txt"]["dest_value"].count(
        "size=") == 1
    assert result.exit_code == 1


def test_a_version_preserving_copy_on_the_same_server_shows_no_difference(migrated: dict[str, LiveTarget],
                                                                          tmp_path: Path) -> None:
    """The harness copies every version oldest first (CopyObject with VersionId), replays delete markers
    and copies the bucket settings: parity --versions full must find nothing."""
    minio = migrated["minio"]
    s3 = minio.client(checksum_mode="when_required")
    copy = "migrate-me-copy"
    s3.create_bucket(Bucket=copy)
    s3.put_bucket_versioning(Bucket=copy, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket=copy, Tagging={"TagSet": s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]})
    s3.put_bucket_policy(Bucket=copy, Policy=s3.get_bucket_policy(Bucket=BUCKET)["Policy"].replace(
        f"arn:aws:s3:::{BUCKET}/", f"arn:aws:s3:::{copy}/"))
    s3.put_bucket_lifecycle_configuration(Bucket=copy, LifecycleConfiguration={
        "Rules": s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]})
    s3.put_bucket_encryption(Bucket=copy, ServerSideEncryptionConfiguration=s3.get_bucket_encryption(
        Bucket=BUCKET)["ServerSideEncryptionConfiguration"])
    history: list[tuple[str, bool, str, Any]] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=BUCKET):
        history += [(v["Key"], False, v["VersionId"], v["LastModified"]) for v in page.get("Versions") or []]
        history += [(m["Key"], True, m["VersionId"], m["LastModified"]) for m in page.get("DeleteMarkers") or []]
    history.sort(key=lambda h: h[3])  # oldest first, so each key's latest is written last

    def replay(entry: tuple[str, bool, str, Any]) -> None:
        key, marker, version, _ = entry
        if marker:
            s3.delete_object(Bucket=copy, Key=key)
        else:
            s3.copy_object(Bucket=copy, Key=key, CopySource={"Bucket": BUCKET, "Key": key, "VersionId": version})

    by_key: dict[str, list[tuple[str, bool, str, Any]]] = {}
    for entry in history:
        by_key.setdefault(entry[0], []).append(entry)
    with ThreadPoolExecutor(8) as pool:  # keys in parallel, each key's versions in order
        list(pool.map(lambda entries: [replay(e) for e in entries], by_key.values()))
    options = ParityOptions(versions=True, versions_full=True, workers=8, buckets=[(BUCKET, copy)])
    result = run_parity(minio, minio, options, tmp_path / "p", "same-server")
    assert result.exit_code == 0, (result.summary["totals"], _raw_rows(tmp_path / "p")[:10])
