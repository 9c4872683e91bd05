"""meta.json: what was tested, with what, where and when."""

from __future__ import annotations

import json
import os
import platform
import socket
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from gauntlet import __version__, masking


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def base_meta(run_id: str, kind: str, targets: list[dict[str, Any]], argv: list[str] | None = None) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "kind": kind,
        "harness": {"name": "s3gauntlet", "version": __version__},
        "clients": {p: _version(p) for p in ("boto3", "botocore", "pytest", "requests", "requests-aws4auth")},
        "python": sys.version.split()[0],
        "host": {"name": socket.gethostname(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "argv": argv or [],
        "start_time": iso_now(),
        "end_time": None,
        "targets": targets,
    }


def write_meta(path: Path, meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(masking.mask_obj(meta), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
