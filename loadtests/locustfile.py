"""Locust entry point for s3gauntlet load runs.

    python -m gauntlet.load.run --target rclone --profile small-objects     # the usual way
    locust -f loadtests/locustfile.py --s3-plan runs/<id>/plan.json ...    # what it runs

The plan (written by gauntlet.load.run after prefilling) names the endpoint, the
buckets and the profile; the keys come from GAUNTLET_LOAD_ACCESS_KEY and
GAUNTLET_LOAD_SECRET_KEY. Workers (``--worker``) get the plan from the master.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from gauntlet.load import locust_hooks as hooks  # noqa: E402,F401  (event listeners)
from gauntlet.load.users import S3User  # noqa: E402
from gauntlet.s3 import localhost_dns  # noqa: E402

# A plan may address buckets as `bucket.localhost` (virtual-host style on a launched server):
# every Locust process, workers included, resolves `*.localhost` to 127.0.0.1 (RFC 6761 loopback).
localhost_dns.install()

__all__ = ["S3User"]
