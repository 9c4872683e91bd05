"""Streamed listings of one side, and the merge-join of two of them.

Both sides list in S3 key order (ascending UTF-8 bytes), one page at a time, so
the comparison walks two sorted streams side by side and never holds more than a
page of keys per side: memory stays flat however big the bucket is. A listing
that goes backwards would make the merge-join report phantom differences, so it
is detected (`ListingOrderError`); the comparison then sorts that bucket's listings
on disk (`spill_sorted`, an SQLite file: memory stays flat) and merge-joins those.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import botocore.exceptions

from gauntlet.parity.errors import FATAL_ERRORS, Fatal, ParityError, TargetGone, rejected
from gauntlet.s3.errors import client_error_details

T = TypeVar("T")
U = TypeVar("U")

#: Error codes meaning "these keys are not accepted here" rather than "this object is unreadable".
REJECTED_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
                  "InvalidClientTokenId", "AuthorizationHeaderMalformed"}
_GONE = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.HTTPClientError,
    ConnectionError,
    TimeoutError,
)


def s3_order(key: str) -> bytes:
    """The sort key S3 lists by: the key's UTF-8 bytes."""
    return key.encode("utf-8", "surrogatepass")


class ListingOrderError(ParityError):
    """A side listed keys out of S3 order; a merge-join of it would be wrong."""


def fatal_error(exc: BaseException, side: str) -> Fatal | None:
    """The comparison-ending error `exc` stands for (target gone, keys rejected), or None."""
    if isinstance(exc, FATAL_ERRORS):
        return exc
    if isinstance(exc, _GONE):
        reason = str(exc).split(": ", 1)[-1] if ": " in str(exc) else type(exc).__name__
        return TargetGone(f"{side} disappeared during the comparison ({type(exc).__name__}: {reason})")
    if isinstance(exc, botocore.exceptions.ClientError):
        status, code, message = client_error_details(exc)
        if code in REJECTED_CODES:
            return rejected(f"{side}: credentials rejected ({status} {code}"
                           f"{': ' + message if message else ''})")
    return None


def describe_client_error(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        status, code, message = client_error_details(exc)
        op = getattr(exc, "operation_name", "request")
        return f"{op}: {status} {code}" + (f" ({message})" if message else "")
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- objects


@dataclass(frozen=True, slots=True)
class ObjectEntry:
    """One key of a plain listing."""

    key: str
    size: int
    etag: str
    modified: float = 0.0  # LastModified, seconds since the epoch (0 when the server sent none)

    def describe(self) -> str:
        return f"size={self.size} etag={self.etag}"


def normalize_etag(etag: str | None) -> str:
    return (etag or "").strip().strip('"').lower()


def is_multipart_etag(etag: str) -> bool:
    """`<32 hex>-<parts>`: the ETag of a multipart upload, which depends on the part sizes used."""
    head, sep, parts = etag.partition("-")
    return bool(sep) and len(head) == 32 and parts.isdigit()


def _ordered(items: Iterable[T], key: Callable[[T], str], where: str) -> Iterator[T]:
    previous: bytes | None = None
    previous_key = ""
    for item in items:
        current = s3_order(key(item))
        if previous is not None and current <= previous:
            raise ListingOrderError(f"{where} lists keys out of S3 order ({key(item)!r} after {previous_key!r}); "
                                    f"cannot compare it by merge-join")
        previous, previous_key = current, key(item)
        yield item


def iter_objects(client: Any, bucket: str, side: str, page_size: int = 1000,
                 on_page: Callable[[int], None] | None = None, check_order: bool = True) -> Iterator[ObjectEntry]:
    """Every object of `bucket` in the server's listing order, one ListObjectsV2 page at a time
    (`check_order`: raise `ListingOrderError` as soon as it is not S3 order)."""

    def entries() -> Iterator[ObjectEntry]:
        try:
            pages = client.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, PaginationConfig={"PageSize": page_size})
            for page in pages:
                contents = page.get("Contents") or []
                if on_page is not None:
                    on_page(len(contents))
                for item in contents:
                    modified = item.get("LastModified")
                    yield ObjectEntry(item["Key"], int(item.get("Size") or 0), normalize_etag(item.get("ETag")),
                                      modified.timestamp() if hasattr(modified, "timestamp") else 0.0)
        except Exception as exc:
            fatal = fatal_error(exc, side)
            if fatal is not None:
                raise fatal from None
            raise ParityError(f"{side}: listing bucket '{bucket}' failed: {describe_client_error(exc)}") from None

    if not check_order:
        return entries()
    return _ordered(entries(), lambda e: e.key, f"{side} bucket '{bucket}'")


# --------------------------------------------------------------------------- versions


@dataclass(frozen=True, slots=True)
class VersionSummary:
    """What ListObjectVersions says about one key."""

    key: str
    versions: int
    delete_markers: int
    latest_is_delete_marker: bool
    #: --versions full: newest first, (is_delete_marker, size, etag) per version (ids differ between servers)
    history: tuple[tuple[bool, int, str], ...] = ()

    def describe(self) -> str:
        latest = ", latest is a delete marker" if self.latest_is_delete_marker else ""
        shown = " | ".join("delete-marker" if m else f"size={s} etag={e}" for m, s, e in self.history)
        return f"versions={self.versions} delete_markers={self.delete_markers}{latest}" + (
            f": {shown}" if shown else "")

    def same_history(self, other: VersionSummary) -> bool:
        """Version by version: both delete markers, or equal size and ETag (a multipart ETag on either
        side is not compared: part sizes differ between copies)."""
        if len(self.history) != len(other.history) or self.latest_is_delete_marker != other.latest_is_delete_marker:
            return False
        for (m1, s1, e1), (m2, s2, e2) in zip(self.history, other.history, strict=True):
            if m1 != m2 or (not m1 and (s1 != s2 or (e1 != e2 and not (is_multipart_etag(e1)
                                                                        or is_multipart_etag(e2))))):
                return False
        return True


def iter_version_histories(client: Any, bucket: str, side: str, page_size: int = 1000) -> Iterator[VersionSummary]:
    """One summary per key with its whole history (newest first), in key order; checks S3 order."""

    def details() -> Iterator[tuple[str, bool, bool, tuple[bool, int, str]]]:
        for page in _version_pages(client, bucket, side, page_size):
            rows = [(v["Key"], False, bool(v.get("IsLatest")), v.get("LastModified"),
                     (False, int(v.get("Size") or 0), normalize_etag(v.get("ETag"))))
                    for v in page.get("Versions") or []]
            rows += [(m["Key"], True, bool(m.get("IsLatest")), m.get("LastModified"), (True, 0, ""))
                     for m in page.get("DeleteMarkers") or []]
            # a key's entries newest first (the latest on top), keys in S3 order
            rows.sort(key=lambda r: (s3_order(r[0]), not r[2],
                                     -(r[3].timestamp() if hasattr(r[3], "timestamp") else 0)))
            for key, marker, latest, _, shown in rows:
                yield key, marker, latest, shown

    def grouped() -> Iterator[VersionSummary]:
        current: str | None = None
        history: list[tuple[bool, int, str]] = []
        latest_marker = False
        for key, marker, latest, shown in details():
            if key != current:
                if current is not None:
                    yield _history_summary(current, history, latest_marker)
                current, history, latest_marker = key, [], False
            history.append(shown)
            if latest:
                latest_marker = marker
        if current is not None:
            yield _history_summary(current, history, latest_marker)

    return _ordered(grouped(), lambda s: s.key, f"{side} bucket '{bucket}' (versions)")


def _history_summary(key: str, history: list[tuple[bool, int, str]], latest_marker: bool) -> VersionSummary:
    markers = sum(1 for marker, _, _ in history if marker)
    return VersionSummary(key, len(history) - markers, markers, latest_marker, tuple(history))


def _page_entries(page: dict[str, Any]) -> Iterator[tuple[str, bool, bool]]:
    """(key, is_delete_marker, is_latest) of one page in key order (versions and markers interleaved)."""
    versions = [(v["Key"], False, bool(v.get("IsLatest"))) for v in page.get("Versions") or []]
    markers = [(m["Key"], True, bool(m.get("IsLatest"))) for m in page.get("DeleteMarkers") or []]
    # both lists are in key order; a stable sort by key keeps each key's entries together
    yield from sorted(versions + markers, key=lambda e: s3_order(e[0]))


def iter_version_entries(client: Any, bucket: str, side: str, page_size: int = 1000
                         ) -> Iterator[tuple[str, bool, bool]]:
    """(key, is_delete_marker, is_latest) of every version, in the server's listing order."""
    for page in _version_pages(client, bucket, side, page_size):
        yield from _page_entries(page)


def _version_pages(client: Any, bucket: str, side: str, page_size: int) -> Iterator[dict[str, Any]]:
    """ListObjectVersions pages; a failure becomes the ParityError (or the fatal error) it stands for."""
    try:
        yield from client.get_paginator("list_object_versions").paginate(
            Bucket=bucket, PaginationConfig={"PageSize": page_size})
    except Exception as exc:
        fatal = fatal_error(exc, side)
        if fatal is not None:
            raise fatal from None
        raise ParityError(f"{side}: listing versions of bucket '{bucket}' failed: "
                          f"{describe_client_error(exc)}") from None


def summarize_versions(entries: Iterable[tuple[str, bool, bool]]) -> Iterator[VersionSummary]:
    """Group consecutive entries of one key into a VersionSummary."""
    current: str | None = None
    versions = markers = 0
    latest_marker = False
    for key, is_marker, is_latest in entries:
        if key != current:
            if current is not None:
                yield VersionSummary(current, versions, markers, latest_marker)
            current, versions, markers, latest_marker = key, 0, 0, False
        if is_marker:
            markers += 1
        else:
            versions += 1
        if is_latest:
            latest_marker = is_marker
    if current is not None:
        yield VersionSummary(current, versions, markers, latest_marker)


def iter_version_summaries(client: Any, bucket: str, side: str, page_size: int = 1000) -> Iterator[VersionSummary]:
    """One summary per key in key order (a key's versions may span pages); checks S3 order."""
    return _ordered(summarize_versions(iter_version_entries(client, bucket, side, page_size)),
                    lambda s: s.key, f"{side} bucket '{bucket}' (versions)")


class SortedSpill:
    """Sort a listing on disk (an SQLite file), for a server that does not list in S3 order.

    Keys are stored as their UTF-8 bytes (BLOB, compared with memcmp), which is S3 order.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="s3g-parity-spill-", dir=directory)
        self.db = sqlite3.connect(str(Path(self._dir.name) / "spill.db"), check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-16000")  # at most ~16 MB of page cache

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()
        self._dir.cleanup()

    def objects(self, entries: Iterable[ObjectEntry], batch: int = 1000) -> Iterator[ObjectEntry]:
        """`entries` back in S3 order (a key listed twice is kept once)."""
        self.db.execute("CREATE TABLE o (k BLOB PRIMARY KEY, size INTEGER, etag TEXT, m REAL)")
        rows: list[tuple[bytes, int, str, float]] = []
        for entry in entries:
            rows.append((s3_order(entry.key), entry.size, entry.etag, entry.modified))
            if len(rows) >= batch:
                self.db.executemany("INSERT OR IGNORE INTO o VALUES (?, ?, ?, ?)", rows)
                rows.clear()
        self.db.executemany("INSERT OR IGNORE INTO o VALUES (?, ?, ?, ?)", rows)
        for k, size, etag, modified in self.db.execute("SELECT k, size, etag, m FROM o ORDER BY k"):
            yield ObjectEntry(bytes(k).decode("utf-8", "surrogatepass"), int(size), etag, float(modified or 0))

    def versions(self, entries: Iterable[tuple[str, bool, bool]], batch: int = 1000) -> Iterator[VersionSummary]:
        """Version summaries in S3 order from version entries in any order."""
        self.db.execute("CREATE TABLE v (k BLOB, marker INTEGER, latest INTEGER)")
        rows: list[tuple[bytes, int, int]] = []
        for key, is_marker, is_latest in entries:
            rows.append((s3_order(key), int(is_marker), int(is_latest)))
            if len(rows) >= batch:
                self.db.executemany("INSERT INTO v VALUES (?, ?, ?)", rows)
                rows.clear()
        self.db.executemany("INSERT INTO v VALUES (?, ?, ?)", rows)
        query = ("SELECT k, SUM(1 - marker), SUM(marker), MAX(CASE WHEN latest = 1 AND marker = 1 THEN 1 ELSE 0 END) "
                 "FROM v GROUP BY k ORDER BY k")
        for k, versions, markers, latest_marker in self.db.execute(query):
            yield VersionSummary(bytes(k).decode("utf-8", "surrogatepass"), int(versions), int(markers),
                                 bool(latest_marker))


# --------------------------------------------------------------------------- merge-join


@dataclass(frozen=True, slots=True)
class Pair(Generic[T, U]):
    key: str
    source: T | None
    dest: U | None


def merge_join(source: Iterable[T], dest: Iterable[U], key: Callable[[Any], str] = lambda e: e.key
               ) -> Iterator[Pair[T, U]]:
    """Walk two key-ordered streams together: one Pair per key present on either side."""
    left, right = iter(source), iter(dest)
    a = next(left, None)
    b = next(right, None)
    while a is not None or b is not None:
        if b is None or (a is not None and s3_order(key(a)) < s3_order(key(b))):
            assert a is not None
            yield Pair(key(a), a, None)
            a = next(left, None)
        elif a is None or s3_order(key(b)) < s3_order(key(a)):
            yield Pair(key(b), None, b)
            b = next(right, None)
        else:
            yield Pair(key(a), a, b)
            a, b = next(left, None), next(right, None)
