"""The feature areas: one list, read by the pytest plugin (markers), the fault catalogue and the reports.

A case's area is the nearest of these markers on it; `-m AREA` selects an area. Adding an area
is one line here (and the suite file that uses it).
"""

from __future__ import annotations

#: area -> what it covers, in the order reports list areas.
AREAS: dict[str, str] = {
    "buckets": "bucket create/head/delete and naming",
    "objects": "object put/get/head/delete, metadata, range, copy",
    "listing": "ListObjects v1/v2, DeleteObjects",
    "sigv4": "SigV4 header authentication",
    "presign": "presigned URLs and POST policies",
    "multipart": "multipart upload",
    "versioning": "object versioning",
    "sse": "server-side encryption",
    "checksums": "data-integrity checksums",
    "conditional": "conditional requests",
    "tagging": "object and bucket tagging",
    "cors": "CORS configuration and preflight",
    "object_lock": "object lock: retention, legal hold, governance bypass",
    "access_control": "ACLs, ownership controls, public access block, bucket policy",
    "lifecycle": "bucket lifecycle configuration and expiry",
    "concurrency": "overlapping requests: atomic writes, read-after-write, racing deletes and creates",
    "interop": "real client programs",
}

#: Not a feature area but a selection: the post-deploy smoke cases (faults may declare it too).
SMOKE = "smoke"
