"""What a parity run writes, row by row, so an interrupted run keeps what it found.

    parity_differences.csv   bucket,key,kind,source_value,dest_value (one line per difference)
    parity_rows.jsonl        the same as tidy rows with run_id, source and dest (for reports)
    parity_summary.json      counts per bucket and in total, by kind; written at the end and on abort
    meta.json                the run's metadata (kind "parity")

Kinds: missing_on_dest, missing_on_source, size, etag, content, metadata,
content_type, tags, versions, and error (an object or bucket that could not be read).
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from gauntlet import masking
from gauntlet.rundir import layout

KINDS = ("missing_on_dest", "missing_on_source", "size", "etag", "content", "metadata", "content_type", "tags",
         "versions", "lock", "config", "unsupported_on_dest", "error")


@dataclass
class Difference:
    bucket: str
    key: str
    kind: str
    source_value: str = ""
    dest_value: str = ""


@dataclass
class BucketCounts:
    """Counters for one bucket pair (and, summed, for the run)."""

    objects_compared: int = 0  # keys present on either side
    matched: int = 0  # on both sides, no difference
    differing: int = 0  # on both sides, at least one difference
    missing_on_dest: int = 0
    missing_on_source: int = 0
    errors: int = 0
    hashed: int = 0  # objects whose content was hashed on both sides
    etag_multipart_inconclusive: int = 0  # ETags differ because of multipart part sizes; content decided
    unchanged_skipped: int = 0  # --since: matched by listing alone, unchanged since the earlier pass
    by_kind: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def add(self, other: BucketCounts) -> None:
        for name in ("objects_compared", "matched", "differing", "missing_on_dest", "missing_on_source", "errors",
                     "hashed", "etag_multipart_inconclusive", "unchanged_skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_kind.update(other.by_kind)

    def to_dict(self) -> dict[str, Any]:
        return {
            "objects_compared": self.objects_compared, "matched": self.matched, "differing": self.differing,
            "missing_on_dest": self.missing_on_dest, "missing_on_source": self.missing_on_source,
            "errors": self.errors, "hashed": self.hashed,
            "etag_multipart_inconclusive": self.etag_multipart_inconclusive,
            **({"unchanged_skipped": self.unchanged_skipped} if self.unchanged_skipped else {}),
            "by_kind": {k: self.by_kind[k] for k in KINDS if self.by_kind.get(k)},
            **({"notes": self.notes} if self.notes else {}),
        }


class DifferenceWriter:
    """Appends each difference to the CSV and the JSONL at once (flushed), from any thread."""

    def __init__(self, out_dir: Path, run_id: str, source: str, dest: str) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self.run_id, self.source, self.dest = run_id, source, dest
        self._lock = threading.Lock()
        self._csv_file: TextIO = open(out_dir / layout.PARITY_DIFFERENCES, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow(layout.PARITY_CSV_FIELDS)
        self._csv_file.flush()
        self._jsonl: TextIO = open(out_dir / layout.PARITY_ROWS, "w", encoding="utf-8")  # noqa: SIM115
        self._staging: TextIO | None = None
        self.written = 0

    def write(self, diff: Difference) -> None:
        source_value, dest_value = masking.mask(diff.source_value), masking.mask(diff.dest_value)
        row = {"run_id": self.run_id, "source": self.source, "dest": self.dest, "bucket": diff.bucket,
               "key": diff.key, "kind": diff.kind, "source_value": source_value, "dest_value": dest_value}
        with self._lock:
            if self._staging is not None:
                self._staging.write(json.dumps(row, ensure_ascii=False) + "\n")
                return
            self._write_row(row)

    def _write_row(self, row: dict[str, Any]) -> None:
        self._csv.writerow([row[k] for k in layout.PARITY_CSV_FIELDS])
        self._csv_file.flush()
        self._jsonl.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._jsonl.flush()
        self.written += 1

    # A bucket's rows are staged on disk until the bucket is done, so that a bucket compared
    # again (a server listing out of order) does not leave the first attempt's rows behind.

    def begin_bucket(self) -> None:
        with self._lock:
            self._staging = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.out_dir)  # noqa: SIM115

    def discard_bucket(self) -> None:
        with self._lock:
            if self._staging is not None:
                self._staging.close()
            self._staging = None

    def commit_bucket(self) -> None:
        """Move the staged rows into the output files (also what an interrupted bucket found so far)."""
        with self._lock:
            staging, self._staging = self._staging, None
            if staging is None:
                return
            staging.seek(0)
            for line in staging:
                self._write_row(json.loads(line))
            staging.close()

    def close(self) -> None:
        self.commit_bucket()
        with self._lock:
            for handle in (self._csv_file, self._jsonl):
                if not handle.closed:
                    handle.close()


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(masking.mask_obj(summary), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


class Progress:
    """A one-line progress display on stderr (only when enabled: a terminal, or --progress)."""

    def __init__(self, enabled: bool, label: str, stream: TextIO | None = None, interval: float = 0.5) -> None:
        self.enabled = enabled
        self.label = label
        self.stream = stream or sys.stderr
        self.interval = interval
        self.bucket = ""
        self.listed = self.compared = self.hashed = self.differences = 0
        self._started = time.monotonic()
        self._last = 0.0
        self._lock = threading.Lock()
        self._width = 0

    def update(self, *, bucket: str | None = None, listed: int = 0, compared: int = 0, hashed: int = 0,
               differences: int = 0) -> None:
        with self._lock:
            if bucket is not None:
                self.bucket = bucket
            self.listed += listed
            self.compared += compared
            self.hashed += hashed
            self.differences += differences
            now = time.monotonic()
            if self.enabled and now - self._last >= self.interval:
                self._last = now
                self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.compared / max(now - self._started, 1e-6)
        line = (f"{self.label} [{self.bucket}] listed {self.listed:,} | compared {self.compared:,} | "
                f"hashed {self.hashed:,} | differences {self.differences:,} | {rate:,.0f} obj/s")
        pad = max(self._width - len(line), 0)
        self._width = len(line)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            with self._lock:
                self._draw(time.monotonic())
                self.stream.write("\n")
                self.stream.flush()
