"""Headline features: the rows of the compact feature table.

Server projects publish tables such as "Multipart upload ✅, Versioning ❌".
Each headline feature here is a set of cases, picked by feature area and a
regular expression on the test name (the case id without file and parameters).
A feature with no matching case in a run is left out of the table, so the list
can name features whose suites do not exist yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Feature:
    """A headline feature: cases of ``area`` (any area if None) whose test name matches ``include``."""

    name: str
    area: str | None
    include: str = ""
    exclude: str = ""

    def mask(self, cases: pd.DataFrame) -> pd.Series:
        """Which rows of a cases table belong to this feature."""
        selected = pd.Series(True, index=cases.index)
        if self.area is not None:
            selected &= cases["area"] == self.area
        if self.include:
            selected &= cases["test"].str.contains(self.include, regex=True, flags=re.IGNORECASE)
        if self.exclude:
            selected &= ~cases["test"].str.contains(self.exclude, regex=True, flags=re.IGNORECASE)
        return selected


HEADLINE_FEATURES: tuple[Feature, ...] = (
    Feature("Bucket create / head / delete", "buckets"),
    Feature("Object put / get / delete", "objects", r"smoke|roundtrip|overwrite|delete_|empty_object|head_report"),
    Feature("Range requests", None, r"range", r"part_copy"),
    Feature("Server-side copy", "objects", r"copy"),
    Feature("User metadata", None, r"metadata"),
    Feature("Content-MD5 checks", None, r"content_md5"),
    Feature("ListObjects v1 / v2", "listing", r"^test_list_"),
    Feature("DeleteObjects (batch)", "listing", r"delete_objects"),
    Feature("Multipart upload", "multipart", "", r"part_copy|list_multipart|list_parts"),
    Feature("UploadPartCopy", "multipart", r"part_copy"),
    Feature("List uploads and parts", "multipart", r"list_multipart|list_parts"),
    Feature("SigV4 header auth", "sigv4", "", r"chunked|trailer|virtual_host"),
    Feature("SigV4 streaming (aws-chunked) uploads", None, r"chunked|trailer"),
    Feature("Virtual-hosted–style addressing", None, r"virtual_host"),
    Feature("Conditional GET / HEAD", "conditional", r"^test_if_|_304_"),
    Feature("Conditional writes (If-None-Match / If-Match on PUT)", "conditional", r"^test_put_if|^test_complete"),
    Feature("Copy preconditions", "conditional", r"^test_copy_if"),
    Feature("Presigned URLs and POST policies", "presign"),
    Feature("Versioning", "versioning"),
    Feature("Object lock (GOVERNANCE retention, legal hold)", "object_lock", "", r"compliance"),
    Feature("Object lock COMPLIANCE mode", "object_lock", r"compliance"),
    Feature("Server-side encryption", "sse"),
    Feature("Checksums (CRC32, CRC32C, SHA)", "checksums"),
    Feature("Object and bucket tagging", "tagging"),
    Feature("CORS", "cors"),
    Feature("Real client programs", "interop"),
)
