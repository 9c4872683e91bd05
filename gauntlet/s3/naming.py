"""Run ids and the names of buckets the harness creates.

Every bucket the harness creates is named ``s3g-<run-id>-<worker>-<n>``; cleanup
refuses to touch any bucket that doesn't carry the current run's prefix, so the
harness can never delete data it did not create.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import time
from typing import Any

BUCKET_PREFIX = "s3g"
_RUN_ID = re.compile(r"^\d{8}-\d{6}-[a-z0-9]{4}$")
_counter = itertools.count(1)


def new_run_id(now: float | None = None) -> str:
    """`20261121-061500-k3x9`: sortable, unique enough, valid inside a bucket name."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return f"{stamp}-{''.join(secrets.choice(alphabet) for _ in range(4))}"


def is_run_id(value: str) -> bool:
    return bool(_RUN_ID.match(value))


def bucket_prefix(run_id: str) -> str:
    return f"{BUCKET_PREFIX}-{run_id}-"


def new_bucket_name(run_id: str, worker: str | None = None) -> str:
    """A fresh bucket name for this run: lowercase, 3-63 chars, DNS-safe."""
    worker = worker or os.environ.get("PYTEST_XDIST_WORKER", "w")
    worker = re.sub(r"[^a-z0-9]", "", worker.lower()) or "w"
    name = f"{bucket_prefix(run_id)}{worker}-{next(_counter):04d}{secrets.token_hex(2)}"
    assert len(name) <= 63, name
    return name


def belongs_to_run(bucket: str, run_id: str) -> bool:
    """True only for buckets this run created (by name)."""
    return bool(run_id) and is_run_id(run_id) and bucket.startswith(bucket_prefix(run_id))


def create_bucket_params(name: str, region: str | None) -> dict[str, Any]:
    """CreateBucket arguments for `name` in `region`: a LocationConstraint everywhere but us-east-1 (where S3
    refuses one)."""
    params: dict[str, Any] = {"Bucket": name}
    if region and region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    return params
