"""The SDKs and data tools people use, each through the same scenario, one case per client and step.

Every client in gauntlet/interop/clients.py is a real program (interop/<client>/) run with its
defaults against the target: the AWS SDKs for JavaScript v3, Go v2, Java v2 and Rust, minio-py and
OpenDAL go through the SDK scenario (CreateBucket, PutObject small and multipart through the client's
own uploader, GetObject whole and ranged, HeadObject, ListObjectsV2 paginated, CopyObject, presigned
GET and PUT used by plain HTTP, DeleteObjects, DeleteBucket); pyarrow, s3fs, obstore, DuckDB and polars
write a Parquet file, read it back with a filter and list the "directory". interop/README.md holds
the exact steps and checks; the program checks bytes and answers and prints one JSON line per step.

Each client runs once per target and run (the first case of that client runs it, under a lock shared
by the pytest-xdist workers; the transcript is kept in runs/<id>/interop/). The clients are built
before the run (`python -m gauntlet.fleet.launch.tools interop`; `tox -e compat -- -m interop` does it
first, once, cached in .gauntlet/tools/). A client that is not built is *unsupported* with the
command that builds it; a step the program never reached is an *error*;
a step that could not run because an earlier one failed is a *fail* naming that step.

AWS S3 API Reference: CreateBucket, PutObject, CreateMultipartUpload / UploadPart /
CompleteMultipartUpload, GetObject (Range), HeadObject, ListObjectsV2 (max-keys, continuation-token),
CopyObject, DeleteObjects, DeleteBucket, HeadBucket; "Authenticating Requests: Using Query
Parameters (AWS Signature Version 4)" for the presigned URLs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from gauntlet.fleet.running import LiveTarget
from gauntlet.interop.clients import CLIENTS, Client
from gauntlet.plugin.checks import unsupported
from gauntlet.plugin.verdict import S3Mismatch
from suites._support.interop_transcript import Transcript, transcript_for

pytestmark = [pytest.mark.interop, pytest.mark.severity("client")]

CASES = [pytest.param(client, step, id=f"{client.name}::{step}") for client in CLIENTS.values()
         for step in client.steps]


@pytest.mark.parametrize(("client", "step"), CASES)
def test_sdk_step(client: Client, step: str, target: LiveTarget, run_id: str, request: pytest.FixtureRequest) -> None:
    """One step of one client's scenario (interop/README.md) against the target.

    AWS S3 API Reference: the operation the step names (see the module docstring).
    """
    transcript = transcript_for(client, target, run_id, request.node)
    judge(client, step, transcript)


def judge(client: Client, step: str, transcript: Transcript) -> None:
    """Turn the program's line for `step` into the case's verdict."""
    if transcript.not_built is not None:
        unsupported(f"{client.label} not built ({transcript.not_built}); build it with: {client.hint}")
    line: dict[str, Any] | None = transcript.steps.get(step)
    if line is None:
        raise RuntimeError(f"{client.label} ({transcript.version}) ended before step {step}: {transcript.ending()}")
    if line.get("ok") is True:
        return
    status, code = line.get("status"), line.get("error_code")
    if code == "NotImplemented" or status == 501:
        unsupported(f"{client.label} {step}: the server answered {status or ''} NotImplemented")
    message = str(line.get("message") or json.dumps(line))
    raise S3Mismatch(f"{client.label} {transcript.version}, {step}: {message}", status, code,
                     check=f"{client.name}:{line.get('blocked_by') or step}")
