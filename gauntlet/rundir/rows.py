"""Result rows: one JSON object per case in runs/<run-id>/results.jsonl.

Rows are appended and flushed one at a time, so a run that is killed keeps every
row written so far. Every string is masked before it is written.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, TextIO

from gauntlet import masking


def make_row(
    run_id: str, target: str, area: str, case: str, outcome: str, duration_s: float,
    http_status: int | None = None, error_code: str | None = None, message: str = "",
    severity: str | None = None, fingerprint: str | None = None,
) -> dict[str, Any]:
    """One case's row. `severity`: how much this result matters (gauntlet/severity.py; for a failure, the
    finding's severity); `fingerprint`: `status|code|check` of a fail or error, None otherwise."""
    return {
        "run_id": run_id,
        "target": target,
        "area": area,
        "case": case,
        "outcome": outcome,
        "duration_s": round(float(duration_s), 4),
        "http_status": http_status,
        "error_code": error_code,
        "message": masking.mask(message or ""),
        "severity": severity,
        "fingerprint": fingerprint,
    }


class ResultWriter:
    """Appends rows to results.jsonl, one line each, flushed immediately."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: TextIO | None = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def write(self, row: dict[str, Any]) -> None:
        line = json.dumps(masking.mask_obj(row), ensure_ascii=False, sort_keys=False)
        with self._lock:
            if self._file is None:
                raise ValueError("result writer is closed")
            self._file.write(line + "\n")
            self._file.flush()
            self.counts[row["outcome"]] = self.counts.get(row["outcome"], 0) + 1

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a results.jsonl (a torn last line from a killed run is ignored)."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows
