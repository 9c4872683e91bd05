"""Compare what two targets hold: buckets, keys, sizes, ETags, content, metadata, tags, versions.

For each bucket pair the two listings are merge-joined in key order (see
`gauntlet.parity.listing`); keys on one side only are *missing*, keys on both are
inspected by a bounded thread pool (at most `workers * 4` objects in flight, so
memory does not grow with the bucket):

- size and ETag from the listings. Multipart ETags (`<md5>-<parts>`) depend on the
  part sizes the uploader chose, so two servers holding identical bytes can show
  different ETags; such a pair is not an `etag` difference: its content is hashed
  instead (counted as `etag_multipart_inconclusive`).
- user metadata and Content-Type (HeadObject on both sides), tags (GetObjectTagging).
- content: SHA-256 of both sides' bytes, for every object (default), a reproducible
  random sample of N per bucket (`sample=N`, reservoir sampling: N objects held at
  most), or none (`sample=0`).
- with `versions=True`, ListObjectVersions of both sides: version and delete-marker
  counts per key.

Errors reading one object become `error` rows (exit 35, INCOMPLETE); a side that rejects the
keys or disappears ends the comparison (exit 14 / 33) with everything found so far kept.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from gauntlet.errors import CredentialsRejected, ExitCode
from gauntlet.fleet.running import LiveTarget
from gauntlet.parity.config import compare_config
from gauntlet.parity.errors import (
    FATAL_ERRORS,
    Fatal,
    ParityError,
    SameTarget,
    TargetGone,
    UnknownBucket,
)
from gauntlet.parity.listing import (
    ListingOrderError,
    ObjectEntry,
    Pair,
    SortedSpill,
    VersionSummary,
    describe_client_error,
    fatal_error,
    is_multipart_etag,
    iter_objects,
    iter_version_entries,
    iter_version_histories,
    iter_version_summaries,
    merge_join,
)
from gauntlet.parity.output import BucketCounts, Difference, DifferenceWriter, Progress, write_summary
from gauntlet.rundir import layout
from gauntlet.rundir.meta import iso_now
from gauntlet.s3.errors import client_error_details, is_not_implemented

CHUNK = 1024 * 1024
MULTIPART_NOTE = ("multipart ETags (<md5>-<parts>) depend on the part size the uploader used, so they "
                  "legitimately differ between servers; such objects were compared by SHA-256 of their content")


@dataclass
class ParityOptions:
    """What to compare. `buckets`: (source bucket, dest bucket) pairs, or None for every bucket."""

    buckets: list[tuple[str, str]] | None = None
    sample: int | None = None  # None: hash every object; 0: hash none (except inconclusive ETags); N: N per bucket
    versions: bool = False
    versions_full: bool = False  # version by version (size, ETag, delete markers), not only counts
    config: bool = True  # bucket configuration (gauntlet/parity/config.py)
    #: cut-over pass: objects last modified before this (epoch seconds) on both sides, with equal size and
    #: ETag in the listings, are taken as checked by an earlier full pass (no HEAD, tags or hash)
    since: float | None = None
    metadata: bool = True
    tags: bool = True
    ignore_metadata: frozenset[str] = frozenset()
    workers: int = 8
    seed: int = 0
    progress: bool = False
    page_size: int = 1000

    def to_dict(self) -> dict[str, Any]:
        return {
            "buckets": [f"{s}:{d}" if s != d else s for s, d in self.buckets] if self.buckets else "all",
            "sample": "all" if self.sample is None else self.sample,
            "versions": "full" if self.versions_full else self.versions,
            "config": self.config, "since": self.since, "metadata": self.metadata, "tags": self.tags,
            "ignore_metadata": sorted(self.ignore_metadata),
            "workers": self.workers, "seed": self.seed,
        }


@dataclass
class ParityResult:
    exit_code: int
    summary: dict[str, Any]
    out_dir: Path
    error: Fatal | None = None


@dataclass
class BucketPlan:
    source_bucket: str
    dest_bucket: str
    source_exists: bool = True
    dest_exists: bool = True

    @property
    def label(self) -> str:
        return self.source_bucket if self.source_bucket == self.dest_bucket else \
            f"{self.source_bucket}:{self.dest_bucket}"


@dataclass
class _Record:
    """One object present on both sides, until its counts are settled."""

    pair: Pair[ObjectEntry, ObjectEntry]
    kinds: set[str] = field(default_factory=set)
    error: bool = False
    done: bool = False
    held: bool = False  # in the sample reservoir: settled after its content is hashed


def make_parity_client(live: LiveTarget, workers: int = 8) -> Any:
    """A boto3 client for reading one side: a few retries (it is a migration check, not a compat
    case), short connect timeout, a pool as big as the worker pool, no checksum handling of its own."""
    config = botocore.config.Config(
        region_name=live.region or "us-east-1",
        s3={"addressing_style": live.addressing},
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5, read_timeout=60, max_pool_connections=workers + 4,
        request_checksum_calculation="when_required", response_checksum_validation="when_required",
        tcp_keepalive=True,
    )
    creds = live.credentials
    return boto3.session.Session().client(
        "s3", endpoint_url=live.endpoint, aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key, aws_session_token=creds.session_token,
        verify=live.verify, config=config,
    )


def same_target(source: LiveTarget, dest: LiveTarget) -> bool:
    """Same name, or the same endpoint reached with the same access key (the same data)."""
    if source.name == dest.name:
        return True
    return (source.endpoint.rstrip("/") == dest.endpoint.rstrip("/")
            and source.credentials.access_key == dest.credentials.access_key)


def check_not_same(source: LiveTarget, dest: LiveTarget, buckets: list[tuple[str, str]] | None) -> None:
    if not same_target(source, dest):
        return
    how = "the same target" if source.name == dest.name else \
        f"the same endpoint {source.endpoint} with the same access key"
    if buckets is None:
        raise SameTarget(f"source '{source.name}' and dest '{dest.name}' are {how}: nothing to compare "
                         f"(name different buckets with --bucket SRC:DEST to compare two buckets of one target)")
    same = [s for s, d in buckets if s == d]
    if same:
        raise SameTarget(f"source '{source.name}' and dest '{dest.name}' are {how} and bucket '{same[0]}' "
                         f"would be compared with itself")


class _Reservoir:
    """Uniform sample of at most `size` records from a stream (Vitter's algorithm R)."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size = size
        self.rng = rng
        self.seen = 0
        self.items: list[_Record] = []

    def offer(self, record: _Record) -> _Record | None:
        """Returns the record pushed out (or `record` itself when it is not taken)."""
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(record)
            return None
        slot = self.rng.randrange(self.seen)
        if slot < self.size:
            evicted, self.items[slot] = self.items[slot], record
            return evicted
        return record


class Parity:
    """One comparison of `source` against `dest`, writing into `out_dir`."""

    def __init__(self, source: LiveTarget, dest: LiveTarget, options: ParityOptions, out_dir: Path, run_id: str,
                 *, source_client: Any = None, dest_client: Any = None,
                 on_compared: Callable[[int], None] | None = None) -> None:
        self.source, self.dest = source, dest
        self.options = options
        self.out_dir = Path(out_dir)
        self.run_id = run_id
        self.src = source_client or make_parity_client(source, options.workers)
        self.dst = dest_client or make_parity_client(dest, options.workers)
        self._locked: set[str] = set()  # bucket labels whose objects' lock state is compared
        self.src_side = f"source '{source.name}'"
        self.dst_side = f"dest '{dest.name}'"
        self.on_compared = on_compared
        self.lock = threading.Lock()
        self.abort: Fatal | None = None
        self.compared = 0
        self.bucket_counts: dict[str, BucketCounts] = {}
        self.plans: list[BucketPlan] = []
        self.writer: DifferenceWriter | None = None
        self.progress = Progress(options.progress, f"parity {source.name} → {dest.name}")
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._slots = threading.BoundedSemaphore(max(1, options.workers) * 4)
        self._in_flight: set[concurrent.futures.Future[None]] = set()
        self._tags_off: dict[str, str] = {}  # side → why tags are not compared (this bucket)

    # ------------------------------------------------------------------ run

    def run(self) -> ParityResult:
        started = iso_now()
        error: Fatal | None = None
        self.writer = DifferenceWriter(self.out_dir, self.run_id, self.source.name, self.dest.name)
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, self.options.workers),
                                                           thread_name_prefix="parity")
        try:
            check_not_same(self.source, self.dest, self.options.buckets)
            self.plans = self._bucket_plans()
            for plan in self.plans:
                self._compare_bucket(plan)
        except FATAL_ERRORS as exc:
            error = exc
        except KeyboardInterrupt:
            error = ParityError("interrupted (Ctrl-C); partial results kept", ExitCode.INTERRUPTED)
        finally:
            with self.lock:
                if self.abort is None and error is not None:
                    self.abort = error
            self._pool.shutdown(wait=True, cancel_futures=True)
            self.progress.finish()
            self.writer.close()
        summary = self._summary(started, error)
        write_summary(self.out_dir / layout.PARITY_SUMMARY, summary)
        return ParityResult(summary["exit_code"], summary, self.out_dir, error)

    # ------------------------------------------------------------------ buckets

    def _bucket_names(self, client: Any, side: str) -> set[str]:
        try:
            return {b["Name"] for b in client.list_buckets().get("Buckets") or []}
        except Exception as exc:
            fatal = fatal_error(exc, side)
            if fatal is not None:
                raise fatal from None
            raise ParityError(f"{side}: ListBuckets failed: {describe_client_error(exc)}") from None

    def _bucket_exists(self, client: Any, bucket: str, side: str) -> bool | str:
        """True, False (404), or the reason it cannot be read (403 ...)."""
        try:
            client.head_bucket(Bucket=bucket)
            return True
        except botocore.exceptions.ClientError as exc:
            status, code, _ = client_error_details(exc)
            if status == 404 or code in ("404", "NoSuchBucket"):
                return False
            fatal = fatal_error(exc, side)
            if fatal is not None:
                raise fatal from None
            return f"HeadBucket answered {status} {code}"
        except Exception as exc:
            fatal = fatal_error(exc, side)
            if fatal is not None:
                raise fatal from None
            raise

    def _bucket_plans(self) -> list[BucketPlan]:
        if self.options.buckets is None:
            on_source = self._bucket_names(self.src, self.src_side)
            on_dest = self._bucket_names(self.dst, self.dst_side)
            return [BucketPlan(b, b, b in on_source, b in on_dest) for b in sorted(on_source | on_dest)]
        plans = []
        for source_bucket, dest_bucket in self.options.buckets:
            here = self._bucket_exists(self.src, source_bucket, self.src_side)
            if here is not True:
                there = self._bucket_exists(self.dst, dest_bucket, self.dst_side)
                exists = " (it exists on the dest)" if there is True else ""
                why = "does not exist" if here is False else f"is not accessible ({here})"
                raise UnknownBucket(f"bucket '{source_bucket}' {why} on {self.src_side}{exists}")
            there = self._bucket_exists(self.dst, dest_bucket, self.dst_side)
            if isinstance(there, str):
                raise UnknownBucket(f"bucket '{dest_bucket}' is not accessible on {self.dst_side} ({there})")
            plans.append(BucketPlan(source_bucket, dest_bucket, True, there))
        return plans

    # ------------------------------------------------------------------ one bucket

    def _emit(self, counts: BucketCounts, diff: Difference) -> None:
        assert self.writer is not None
        self.writer.write(diff)
        with self.lock:
            counts.by_kind[diff.kind] += 1
        self.progress.update(differences=1 if diff.kind != "error" else 0)

    def _check_abort(self) -> None:
        if self.abort is not None:
            raise self.abort

    def _set_abort(self, error: Fatal) -> None:
        with self.lock:
            if self.abort is None:
                self.abort = error

    def _submit(self, fn: Callable[..., None], *args: Any) -> None:
        assert self._pool is not None
        while not self._slots.acquire(timeout=0.2):
            self._check_abort()
        future = self._pool.submit(fn, *args)
        with self.lock:
            self._in_flight.add(future)

        def done(f: concurrent.futures.Future[None]) -> None:
            with self.lock:
                self._in_flight.discard(f)
            self._slots.release()

        future.add_done_callback(done)

    def _drain(self, check: bool = True) -> None:
        while True:
            with self.lock:
                pending = list(self._in_flight)
            if not pending:
                break
            concurrent.futures.wait(pending, timeout=0.5)
            if check:
                self._check_abort()
        if check:
            self._check_abort()

    def _compare_bucket(self, plan: BucketPlan) -> None:
        assert self.writer is not None
        self.writer.begin_bucket()
        try:
            try:
                self._compare_bucket_pass(plan, spill=None)
            except ListingOrderError as disorder:
                # the merge-join of an unordered listing is wrong: drop this attempt, sort on disk, redo
                self._drain(check=False)
                self.writer.discard_bucket()
                self.writer.begin_bucket()
                self.bucket_counts[plan.label] = BucketCounts()
                spill = [SortedSpill(self.out_dir), SortedSpill(self.out_dir)]
                try:
                    self._compare_bucket_pass(plan, spill=spill)
                finally:
                    for part in spill:
                        part.close()
                self.bucket_counts[plan.label].notes.append(
                    f"{disorder.args[0]}: compared again after sorting both listings on disk")
        finally:
            self.writer.commit_bucket()

    def _compare_bucket_pass(self, plan: BucketPlan, spill: list[SortedSpill] | None) -> None:
        counts = self.bucket_counts.setdefault(plan.label, BucketCounts())
        self._tags_off = {}
        self.progress.update(bucket=plan.label)
        if not plan.dest_exists:
            self._emit(counts, Difference(plan.label, "", "missing_on_dest", f"bucket {plan.dest_bucket}", ""))
        if not plan.source_exists:
            self._emit(counts, Difference(plan.label, "", "missing_on_source", "", f"bucket {plan.source_bucket}"))
        if self.options.versions_full and plan.source_exists and plan.dest_exists \
                and self._lock_enabled(self.src, plan.source_bucket):
            self._locked.add(plan.label)  # compare each object's retention and legal hold too
        if self.options.config and plan.source_exists and plan.dest_exists:  # again on a sorted retry
            for diff in compare_config(self.src, self.dst, plan.label, plan.source_bucket, plan.dest_bucket,
                                       self.src_side, self.dst_side):
                if diff.kind == "error":
                    counts.errors += 1
                self._emit(counts, diff)
        listed = self.progress.update
        ordered = spill is None
        src_iter: Iterator[ObjectEntry] = iter_objects(
            self.src, plan.source_bucket, self.src_side, self.options.page_size,
            on_page=lambda n: listed(listed=n), check_order=ordered) if plan.source_exists else iter(())
        dst_iter: Iterator[ObjectEntry] = iter_objects(
            self.dst, plan.dest_bucket, self.dst_side, self.options.page_size,
            check_order=ordered) if plan.dest_exists else iter(())
        if spill is not None:
            src_iter, dst_iter = spill[0].objects(src_iter), spill[1].objects(dst_iter)
        sample = self.options.sample
        reservoir = _Reservoir(sample, random.Random(f"{self.options.seed}:{plan.label}")) if sample else None
        for pair in merge_join(src_iter, dst_iter):
            self._check_abort()
            with self.lock:
                counts.objects_compared += 1
                self.compared += 1
                compared = self.compared
            if pair.dest is None:
                assert pair.source is not None
                with self.lock:
                    counts.missing_on_dest += 1
                self._emit(counts, Difference(plan.label, pair.key, "missing_on_dest", pair.source.describe(), ""))
                self.progress.update(compared=1)
            elif pair.source is None:
                with self.lock:
                    counts.missing_on_source += 1
                self._emit(counts, Difference(plan.label, pair.key, "missing_on_source", "", pair.dest.describe()))
                self.progress.update(compared=1)
            elif self._unchanged_since(pair):
                with self.lock:
                    counts.matched += 1
                    counts.unchanged_skipped += 1
                self.progress.update(compared=1)
            else:
                record = _Record(pair)
                inconclusive = self._etag_inconclusive(pair)
                hash_now = sample is None or inconclusive
                if reservoir is not None and not hash_now and pair.source.size == pair.dest.size:
                    record.held = True
                    out = reservoir.offer(record)
                    if out is not None:
                        self._release(counts, out)
                self._submit(self._inspect, plan, counts, record, hash_now)
            if self.on_compared is not None:
                self.on_compared(compared)
        self._drain()
        if reservoir is not None:
            for record in reservoir.items:
                self._submit(self._hash_held, plan, counts, record)
            self._drain()
        if self.options.versions and plan.source_exists and plan.dest_exists:
            self._compare_versions(plan, counts, spill)
        for side, why in self._tags_off.items():
            counts.notes.append(f"tags not compared: {side} {why}")

    def _unchanged_since(self, pair: Pair[ObjectEntry, ObjectEntry]) -> bool:
        since = self.options.since
        if since is None or pair.source is None or pair.dest is None:
            return False
        src, dst = pair.source, pair.dest
        return (0 < src.modified < since and 0 < dst.modified < since and src.size == dst.size
                and (src.etag == dst.etag or self._etag_inconclusive(pair)))

    @staticmethod
    def _lock_enabled(client: Any, bucket: str) -> bool:
        try:
            answer = client.get_object_lock_configuration(Bucket=bucket)
        except Exception:
            return False
        return (answer.get("ObjectLockConfiguration") or {}).get("ObjectLockEnabled") == "Enabled"

    def _lock_state(self, client: Any, bucket: str, key: str, side: str) -> str:
        """'retention=GOVERNANCE until=… legal_hold=ON' ('none'/'OFF' where unset); 'unsupported: …' on 501."""
        parts = []
        for call, element, shown in (("get_object_retention", "Retention", "retention"),
                                     ("get_object_legal_hold", "LegalHold", "legal_hold")):
            try:
                answer = self._call(side, getattr(client, call), Bucket=bucket, Key=key).get(element) or {}
            except botocore.exceptions.ClientError as exc:
                status, code, _ = client_error_details(exc)
                if is_not_implemented(status, code):
                    return f"unsupported: {describe_client_error(exc)}"
                if status in (400, 404) and code in ("NoSuchObjectLockConfiguration", "InvalidRequest",
                                                     "ObjectLockConfigurationNotFoundError"):
                    answer = {}
                else:
                    raise
            if shown == "retention":
                until = answer.get("RetainUntilDate")
                until_text = until.isoformat() if hasattr(until, "isoformat") else str(until or "")
                parts.append(f"retention={answer.get('Mode', 'none')}" + (f" until={until_text}" if until else ""))
            else:
                parts.append(f"legal_hold={answer.get('Status', 'OFF')}")
        return " ".join(parts)

    def _compare_lock(self, plan: BucketPlan, key: str) -> list[Difference]:
        src = self._lock_state(self.src, plan.source_bucket, key, self.src_side)
        dst = self._lock_state(self.dst, plan.dest_bucket, key, self.dst_side)
        if src == dst or (src == "retention=none legal_hold=OFF" and dst.startswith("unsupported")):
            return []
        kind = "unsupported_on_dest" if dst.startswith("unsupported") else "lock"
        return [Difference(plan.label, key, kind, src, dst)]

    @staticmethod
    def _etag_inconclusive(pair: Pair[ObjectEntry, ObjectEntry]) -> bool:
        assert pair.source is not None and pair.dest is not None
        return (pair.source.etag != pair.dest.etag and pair.source.size == pair.dest.size
                and (is_multipart_etag(pair.source.etag) or is_multipart_etag(pair.dest.etag)))

    def _settle(self, counts: BucketCounts, record: _Record) -> None:
        """Count an object once its inspection (and hashing, if held) is over. Call with self.lock held."""
        if record.error:
            counts.errors += 1
        elif record.kinds:
            counts.differing += 1
        else:
            counts.matched += 1

    def _release(self, counts: BucketCounts, record: _Record) -> None:
        """A record leaves the reservoir: settle it now if its inspection is done, else when it is."""
        with self.lock:
            record.held = False
            if record.done:
                self._settle(counts, record)

    # ------------------------------------------------------------------ per object (pool threads)

    def _call(self, side: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except Exception as exc:
            fatal = fatal_error(exc, side)
            if fatal is not None:
                raise fatal from None
            raise

    def _inspect(self, plan: BucketPlan, counts: BucketCounts, record: _Record, hash_now: bool) -> None:
        pair = record.pair
        source, dest = pair.source, pair.dest
        assert source is not None and dest is not None
        diffs: list[Difference] = []
        try:
            if source.size != dest.size:
                diffs.append(Difference(plan.label, pair.key, "size", str(source.size), str(dest.size)))
            if source.etag != dest.etag:
                if is_multipart_etag(source.etag) or is_multipart_etag(dest.etag):
                    if source.size == dest.size:
                        with self.lock:
                            counts.etag_multipart_inconclusive += 1
                else:
                    diffs.append(Difference(plan.label, pair.key, "etag", source.etag, dest.etag))
            if self.options.metadata:
                diffs += self._compare_heads(plan, pair.key)
            if self.options.tags:
                diffs += self._compare_tags(plan, pair.key)
            if hash_now and source.size == dest.size:
                diffs += self._compare_content(plan, counts, pair.key)
            if plan.label in self._locked:
                diffs += self._compare_lock(plan, pair.key)
        except FATAL_ERRORS as fatal:
            self._set_abort(fatal)
            return
        except Exception as exc:
            diffs.append(Difference(plan.label, pair.key, "error", _describe(exc), ""))
            record.error = True
        for diff in diffs:
            self._emit(counts, diff)
        with self.lock:
            record.kinds.update(d.kind for d in diffs if d.kind != "error")
            record.done = True
            if not record.held:
                self._settle(counts, record)
        self.progress.update(compared=1)

    def _hash_held(self, plan: BucketPlan, counts: BucketCounts, record: _Record) -> None:
        """Content check of a sampled object, after its other checks."""
        diffs: list[Difference] = []
        try:
            diffs = self._compare_content(plan, counts, record.pair.key)
        except FATAL_ERRORS as fatal:
            self._set_abort(fatal)
            return
        except Exception as exc:
            diffs = [Difference(plan.label, record.pair.key, "error", _describe(exc), "")]
            record.error = True
        for diff in diffs:
            self._emit(counts, diff)
        with self.lock:
            record.kinds.update(d.kind for d in diffs if d.kind != "error")
            record.held = False
            self._settle(counts, record)

    def _compare_heads(self, plan: BucketPlan, key: str) -> list[Difference]:
        heads = []
        for client, bucket, side in ((self.src, plan.source_bucket, self.src_side),
                                     (self.dst, plan.dest_bucket, self.dst_side)):
            try:
                heads.append(self._call(side, client.head_object, Bucket=bucket, Key=key))
            except botocore.exceptions.ClientError as exc:
                raise _ObjectError(f"{side}: {describe_client_error(exc)}") from None
        ignore = self.options.ignore_metadata
        metas = [{k: v for k, v in sorted((h.get("Metadata") or {}).items()) if k.lower() not in ignore}
                 for h in heads]
        diffs = []
        if metas[0] != metas[1]:
            diffs.append(Difference(plan.label, key, "metadata", _json(metas[0]), _json(metas[1])))
        types = [h.get("ContentType") or "" for h in heads]
        if types[0] != types[1]:
            diffs.append(Difference(plan.label, key, "content_type", types[0], types[1]))
        return diffs

    def _compare_tags(self, plan: BucketPlan, key: str) -> list[Difference]:
        if self._tags_off:
            return []
        tag_sets = []
        for client, bucket, side in ((self.src, plan.source_bucket, self.src_side),
                                     (self.dst, plan.dest_bucket, self.dst_side)):
            try:
                answer = self._call(side, client.get_object_tagging, Bucket=bucket, Key=key)
            except botocore.exceptions.ClientError as exc:
                status, code, _ = client_error_details(exc)
                if is_not_implemented(status, code):
                    with self.lock:
                        self._tags_off.setdefault(side, f"answers GetObjectTagging with {status} {code}")
                    return []
                raise _ObjectError(f"{side}: {describe_client_error(exc)}") from None
            tag_sets.append(sorted((t["Key"], t["Value"]) for t in answer.get("TagSet") or []))
        if tag_sets[0] != tag_sets[1]:
            return [Difference(plan.label, key, "tags", _tags(tag_sets[0]), _tags(tag_sets[1]))]
        return []

    def _digest(self, client: Any, bucket: str, key: str, side: str) -> str:
        try:
            body = self._call(side, client.get_object, Bucket=bucket, Key=key)["Body"]
            digest = hashlib.sha256()
            try:
                for chunk in iter(lambda: body.read(CHUNK), b""):
                    digest.update(chunk)
            finally:
                with contextlib.suppress(Exception):
                    body.close()
            return digest.hexdigest()
        except botocore.exceptions.ClientError as exc:
            raise _ObjectError(f"{side}: {describe_client_error(exc)}") from None
        except (botocore.exceptions.IncompleteReadError, botocore.exceptions.ResponseStreamingError) as exc:
            fatal = fatal_error(ConnectionError(str(exc)), side)
            assert fatal is not None
            raise fatal from None

    def _compare_content(self, plan: BucketPlan, counts: BucketCounts, key: str) -> list[Difference]:
        a = self._digest(self.src, plan.source_bucket, key, self.src_side)
        b = self._digest(self.dst, plan.dest_bucket, key, self.dst_side)
        with self.lock:
            counts.hashed += 1
        self.progress.update(hashed=1)
        if a != b:
            return [Difference(plan.label, key, "content", f"sha256:{a}", f"sha256:{b}")]
        return []

    # ------------------------------------------------------------------ versions

    def _compare_versions(self, plan: BucketPlan, counts: BucketCounts, spill: list[SortedSpill] | None) -> None:
        src: Iterator[VersionSummary]
        dst: Iterator[VersionSummary]
        full = self.options.versions_full and spill is None  # a server listing out of S3 order: counts only
        if full:
            src = iter_version_histories(self.src, plan.source_bucket, self.src_side, self.options.page_size)
            dst = iter_version_histories(self.dst, plan.dest_bucket, self.dst_side, self.options.page_size)
        elif spill is None:
            src = iter_version_summaries(self.src, plan.source_bucket, self.src_side, self.options.page_size)
            dst = iter_version_summaries(self.dst, plan.dest_bucket, self.dst_side, self.options.page_size)
        else:
            src = spill[0].versions(iter_version_entries(self.src, plan.source_bucket, self.src_side,
                                                         self.options.page_size))
            dst = spill[1].versions(iter_version_entries(self.dst, plan.dest_bucket, self.dst_side,
                                                         self.options.page_size))
        try:
            for pair in merge_join(src, dst):
                self._check_abort()
                a: VersionSummary | None = pair.source
                b: VersionSummary | None = pair.dest
                if full and a is not None and b is not None:
                    differs = not a.same_history(b)
                else:
                    shape_a = (a.versions, a.delete_markers, a.latest_is_delete_marker) if a else None
                    shape_b = (b.versions, b.delete_markers, b.latest_is_delete_marker) if b else None
                    differs = shape_a != shape_b
                if differs:
                    self._emit(counts, Difference(plan.label, pair.key, "versions",
                                                  a.describe() if a else "none", b.describe() if b else "none"))
        except FATAL_ERRORS as exc:
            if isinstance(exc, (CredentialsRejected, TargetGone, ListingOrderError)):
                raise
            with self.lock:
                counts.errors += 1
            self._emit(counts, Difference(plan.label, "", "error", str(exc), ""))

    # ------------------------------------------------------------------ summary

    def _summary(self, started: str, error: Fatal | None) -> dict[str, Any]:
        totals = BucketCounts()
        buckets = {}
        plans = {p.label: p for p in self.plans}
        for label, counts in self.bucket_counts.items():
            totals.add(counts)
            plan = plans.get(label)
            buckets[label] = {
                **({"source_bucket": plan.source_bucket, "dest_bucket": plan.dest_bucket,
                    "on_source": plan.source_exists, "on_dest": plan.dest_exists} if plan else {}),
                **counts.to_dict(),
            }
        differences = sum(n for kind, n in totals.by_kind.items() if kind != "error")
        if error is not None:
            exit_code = int(error.exit_code)
        elif totals.errors or totals.by_kind.get("error"):
            exit_code = int(ExitCode.INCOMPLETE)
        elif differences:
            exit_code = int(ExitCode.DIFFERENCES)
        else:
            exit_code = int(ExitCode.OK)
        notes = [MULTIPART_NOTE] if totals.etag_multipart_inconclusive else []
        return {
            "run_id": self.run_id,
            "kind": "parity",
            "source": _side(self.source),
            "dest": _side(self.dest),
            "options": self.options.to_dict(),
            "start_time": started,
            "end_time": iso_now(),
            "complete": error is None,
            "exit_code": exit_code,
            "error": error.line if error is not None else None,
            "buckets_compared": len(self.bucket_counts),
            "buckets_missing_on_dest": [p.dest_bucket for p in self.plans if not p.dest_exists],
            "buckets_missing_on_source": [p.source_bucket for p in self.plans if not p.source_exists],
            "totals": {**totals.to_dict(), "differences": differences},
            "buckets": buckets,
            "notes": notes,
            "files": {"differences_csv": layout.PARITY_DIFFERENCES, "rows": layout.PARITY_ROWS},
            "elapsed_s": round(time.monotonic() - self.progress._started, 3),
        }


class _ObjectError(Exception):
    """One object could not be read on one side (an `error` row, the comparison goes on)."""


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, _ObjectError) else describe_client_error(exc)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _tags(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in pairs)


def _side(live: LiveTarget) -> dict[str, Any]:
    return {"name": live.name, "endpoint": live.endpoint, "server": live.server or "remote", "version": live.version}


def run_parity(source: LiveTarget, dest: LiveTarget, options: ParityOptions, out_dir: Path, run_id: str,
               **kwargs: Any) -> ParityResult:
    """Compare `source` with `dest` (see `Parity`); never raises for the errors it knows."""
    return Parity(source, dest, options, out_dir, run_id, **kwargs).run()
