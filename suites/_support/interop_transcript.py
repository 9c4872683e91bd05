"""Run one interop client (gauntlet/interop/clients.py) against one target, once per run.

The first case of a client on a target runs it (built beforehand: `python -m gauntlet.fleet.launch.tools
interop`, which `tox -e compat -- -m interop` does first) on a fresh run-prefixed bucket and keeps
what it printed in `runs/<id>/interop/<target>.<client>.jsonl`; every other case of that client, on
any pytest-xdist worker, reads that file (a lock file orders them). The bucket is emptied and
deleted afterwards whatever the program did; one cleanup could not delete is recorded as a leftover
bucket of the run (meta.json), and the transcript stands. The program's stderr is kept masked.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gauntlet import masking
from gauntlet.fleet.cleanup import delete_bucket
from gauntlet.fleet.running import LiveTarget
from gauntlet.interop.clients import Client, file_lock
from gauntlet.interop.programs import bucket_exists, clean_env, first_error_line, run_program
from gauntlet.rundir import layout
from gauntlet.s3.naming import create_bucket_params, new_bucket_name

#: Seconds one client may take for its whole scenario (a JVM start and a 17 MiB upload included).
CLIENT_TIMEOUT_S = 300.0


@dataclass
class Transcript:
    """What one client program printed on one target."""

    client: str
    version: str = "unknown"
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    exit_code: int | None = None
    timed_out: bool = False
    error_line: str = ""
    not_built: str | None = None
    leftover: tuple[str, str] | None = None  # (bucket, why cleanup could not delete it)

    def ending(self) -> str:
        if self.timed_out:
            return f"it did not finish within {CLIENT_TIMEOUT_S:.0f} s (killed); last error: {self.error_line}"
        return f"exit {self.exit_code}: {self.error_line}"

    def to_lines(self) -> list[str]:
        head = {"client": self.client, "version": self.version}
        tail = {"exit": self.exit_code, "timed_out": self.timed_out, "error_line": self.error_line,
                "not_built": self.not_built, "leftover": list(self.leftover) if self.leftover else None}
        return [json.dumps(head), *(json.dumps(line) for line in self.steps.values()), json.dumps(tail)]

    @classmethod
    def from_lines(cls, client: str, lines: list[str]) -> Transcript:
        transcript = cls(client)
        for raw in lines:
            data = json.loads(raw)
            if "step" in data:
                transcript.steps[data["step"]] = data
            elif "exit" in data:
                transcript.exit_code, transcript.timed_out = data["exit"], data["timed_out"]
                transcript.error_line, transcript.not_built = data["error_line"], data["not_built"]
                transcript.leftover = tuple(data["leftover"]) if data.get("leftover") else None
            elif "version" in data:
                transcript.version = str(data["version"])
        return transcript


def transcript_for(client: Client, target: LiveTarget, run_id: str, node: pytest.Item) -> Transcript:
    """The client's transcript on `target` in this run: read if another case made it, else made now
    (by the case `node`, which also records the bucket if cleanup could not delete it)."""
    from gauntlet.plugin.run import get_run, record_leftover

    run = get_run(node.config)
    assert run is not None
    path = run.run_dir / layout.INTEROP / f"{target.name}.{client.name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(path.with_suffix(".lock")):
        if path.is_file():
            return Transcript.from_lines(client.name, path.read_text().splitlines())
        transcript = _run(client, target, run_id, path.with_suffix(".stderr.txt"))
        if transcript.leftover:
            record_leftover(node, target.name, *transcript.leftover)
        path.write_text("\n".join(transcript.to_lines()) + "\n")
        return transcript


def client_env(client: Client, target: LiveTarget, bucket: str) -> dict[str, str]:
    """The contract's environment (interop/README.md): the caller's AWS_* variables never reach the client."""
    creds = target.credentials
    masking.register(creds.secret_key, creds.session_token)
    return clean_env({
        "GAUNTLET_ENDPOINT": target.endpoint,
        "GAUNTLET_REGION": target.region or "us-east-1",
        "GAUNTLET_ACCESS_KEY": creds.access_key,
        "GAUNTLET_SECRET_KEY": creds.secret_key,
        "GAUNTLET_BUCKET": bucket,
        "GAUNTLET_CA_BUNDLE": target.verify if isinstance(target.verify, str) else "",
        "GAUNTLET_CLIENT": client.name,
    })


def _remove(admin: Any, bucket: str, run_id: str) -> tuple[str, str] | None:
    """Empty and delete the client's bucket if it is there; (bucket, reason) when that failed."""
    try:
        if bucket_exists(admin, bucket):
            delete_bucket(admin, bucket, run_id)
    except Exception as exc:  # recorded as a leftover bucket; the transcript stands
        return bucket, f"{type(exc).__name__}: {exc}"
    return None


def _run(client: Client, target: LiveTarget, run_id: str, stderr_path: Path) -> Transcript:
    if not client.built:
        return Transcript(client.name, not_built="no build of its current sources in " + str(client.build_dir.parent))
    admin = target.client(checksum_mode="when_required")
    bucket = new_bucket_name(run_id)
    try:
        if not client.creates_bucket:
            admin.create_bucket(**create_bucket_params(bucket, target.region))
        done = run_program(client.argv(), client_env(client, target, bucket), timeout=CLIENT_TIMEOUT_S,
                           cwd=client.workdir)
    finally:
        leftover = _remove(admin, bucket, run_id)
    stderr_path.write_text(masking.mask(done.stderr))
    transcript = Transcript(client.name, exit_code=done.returncode, timed_out=done.timed_out,
                            error_line=first_error_line(done.stderr, ""), leftover=leftover)
    for raw in done.stdout.splitlines():
        with contextlib.suppress(ValueError):
            data = json.loads(raw)
            if isinstance(data, dict) and "step" in data:
                data["message"] = masking.mask(str(data.get("message") or ""))
                transcript.steps[str(data["step"])] = data
            elif isinstance(data, dict) and "version" in data:
                transcript.version = str(data["version"])
    return transcript
