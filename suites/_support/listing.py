"""Helpers for the listing and DeleteObjects cases (suites/test_listing.py).

- `private_client`: boto3 clients apart from the shared ones of gauntlet.s3.clients,
  so event hooks registered on them can't leak into other suites.
- `content_md5_delete_client`: DeleteObjects sent the way S3 documented it for
  years (Content-MD5, no flexible checksum). botocore >= 1.36 sends a CRC32
  (`x-amz-checksum-crc32` + `x-amz-sdk-checksum-algorithm`) instead, in both
  checksum modes, because DeleteObjects is marked `requestChecksumRequired`.
  Cases about DeleteObjects *semantics* use this client, so a server's checksum
  handling shows up only in the case that is about it.
- `captured_bodies`: the raw XML a server sent for an operation (to see what was
  on the wire, before botocore decodes anything).
- `list_page`, `put_keys`: ListObjects v1/v2 behind one call shape; setup puts.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from typing import Any

from gauntlet.fleet.running import LiveTarget
from gauntlet.s3.clients import make_client

_hook_ids = itertools.count(1)
_lock = threading.Lock()
_private: dict[tuple[str, ...], Any] = {}


def private_client(target: LiveTarget, purpose: str = "private", checksum_mode: str = "when_required") -> Any:
    """A client for `target` apart from the shared cached ones, one per `purpose` (and per process), so
    event hooks registered on it can't reach other suites. Building a client costs about a second of CPU
    (the service model is loaded per session), hence the cache."""
    key = (target.name, target.endpoint, target.credentials.access_key, purpose, checksum_mode)
    with _lock:
        client = _private.get(key)
        if client is None:
            client = make_client(target.endpoint, target.credentials, region=target.region, verify=target.verify,
                                 addressing=target.addressing, checksum_mode=checksum_mode, cached=False,
                                 content_md5_deletes=purpose == "content-md5-delete")
            _private[key] = client
    return client


def content_md5_delete_client(target: LiveTarget) -> Any:
    """A private client whose DeleteObjects requests carry Content-MD5 and no x-amz-checksum-* header."""
    return private_client(target, "content-md5-delete")


@contextlib.contextmanager
def captured_bodies(client: Any, operation: str) -> Iterator[list[bytes]]:
    """Collect the raw response bodies of `operation` (e.g. "ListObjectsV2") made inside the block."""
    bodies: list[bytes] = []

    def keep(http_response: Any, **_: Any) -> None:
        bodies.append(http_response.content)

    unique_id = f"s3g-capture-{next(_hook_ids)}"
    event = f"after-call.s3.{operation}"
    client.meta.events.register(event, keep, unique_id=unique_id)
    try:
        yield bodies
    finally:
        client.meta.events.unregister(event, unique_id=unique_id)


def xml_texts(body: bytes, path: Iterable[str]) -> list[str]:
    """Texts of elements at `path` (local names, namespaces ignored), e.g. ("Contents", "Key")."""
    root = ET.fromstring(body)
    nodes = [root]
    for name in path:
        nodes = [child for node in nodes for child in node if child.tag.rsplit("}", 1)[-1] == name]
    return [node.text or "" for node in nodes]


def list_page(client: Any, api: str, bucket: str, **params: Any) -> dict[str, Any]:
    """One ListObjects (api "v1") or ListObjectsV2 (api "v2") call."""
    if api == "v1":
        return client.list_objects(Bucket=bucket, **params)
    return client.list_objects_v2(Bucket=bucket, **params)


def keys_of(page: dict[str, Any]) -> list[str]:
    return [item["Key"] for item in page.get("Contents") or []]


def prefixes_of(page: dict[str, Any]) -> list[str]:
    return [item["Prefix"] for item in page.get("CommonPrefixes") or []]


def put_keys(client: Any, bucket: str, keys: Iterable[str], body: bytes = b"") -> None:
    """PutObject for every key, one after the other in a fixed scrambled order (never sorted, never
    random), so a server that lists in insertion order is caught the same way on every run."""
    keys = sorted(keys)
    random.Random(len(keys)).shuffle(keys)
    if keys == sorted(keys):
        keys.reverse()
    for key in keys:
        client.put_object(Bucket=bucket, Key=key, Body=body)
