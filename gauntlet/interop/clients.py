"""The SDK and data-tool clients of the interop matrix: one list, how each is built and started.

Each client is a small program in `interop/<folder>/` keeping the contract of interop/README.md
(environment in, one JSON line per step out). Builds are pinned by the folder's lock files and
cached in `.gauntlet/tools/interop-<client>-<digest>/`, the digest taken over the folder's files,
so an edited program is rebuilt and an unchanged one never is. The Python clients share one
virtualenv built from `interop/python/requirements.txt`, apart from the harness's own packages.

Only the standard library here: `.ci/run` builds the clients with the system Python before tox.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from gauntlet.fleet.launch.installs import TOOLS_DIR
from gauntlet.paths import INTEROP_DIR

#: The SDK scenario (interop/README.md), in order.
SDK_STEPS = ("create_bucket", "put_small", "put_multipart", "get_whole", "get_range", "head", "list_paginated",
             "copy", "presign_get", "presign_put", "delete_many", "delete_bucket")
#: The data-tool scenario, in order.
DATA_STEPS = ("write_parquet", "read_parquet_filtered", "list_directory", "delete_directory")

#: Files of a client folder that are build output, not source.
_NOT_SOURCE = {"node_modules", "target", "__pycache__", ".gitignore"}
#: Seconds a build may take (a cold Rust SDK build is the longest).
_BUILD_TIMEOUT_S = {"npm": 600.0, "go": 1200.0, "maven": 1200.0, "cargo": 3600.0, "python": 900.0}
_MARK = ".built"


@dataclass(frozen=True)
class Client:
    """One client program of the matrix."""

    name: str  # the case prefix: test_sdk_step[<name>::<step>]
    label: str
    kind: str  # how it is built: "npm", "go", "maven", "cargo" or "python"
    folder: str  # under interop/
    steps: tuple[str, ...]
    entry: str  # npm: the script; go/cargo: the binary; maven: the jar (under target/); python: the script
    toolchain: str  # the program the build needs on PATH

    @property
    def source(self) -> Path:
        return INTEROP_DIR / self.folder

    @property
    def creates_bucket(self) -> bool:
        return "create_bucket" in self.steps

    @property
    def build_dir(self) -> Path:
        """Where this client's build lives: versioned by the digest of its sources."""
        if self.kind == "python":  # one virtualenv for the Python clients: it changes with its requirements only
            return TOOLS_DIR / f"interop-python-{source_digest(self.source, 'requirements.txt')}"
        return TOOLS_DIR / f"interop-{self.name}-{source_digest(self.source)}"

    @property
    def built(self) -> bool:
        return (self.build_dir / _MARK).is_file()

    @property
    def hint(self) -> str:
        """The exact command a user runs to build it."""
        return f"python -m gauntlet.fleet.launch.tools interop-{self.name}   (needs {self.toolchain})"

    def argv(self) -> list[str]:
        """The command that runs the built client (cwd: `workdir`)."""
        built = self.build_dir
        if self.kind == "npm":
            return ["node", str(built / self.entry)]
        if self.kind == "maven":
            return ["java", "-jar", str(built / "src" / "target" / self.entry)]
        if self.kind == "python":
            return [str(built / "bin" / "python"), str(self.source / self.entry)]
        return [str(built / "bin" / self.entry)]

    @property
    def workdir(self) -> Path:
        return self.source if self.kind == "python" else self.build_dir


def _sdk(name: str, label: str, kind: str, folder: str, entry: str, toolchain: str,
         steps: tuple[str, ...] = SDK_STEPS) -> Client:
    return Client(name, label, kind, folder, steps, entry, toolchain)


def _py(name: str, label: str, script: str, steps: tuple[str, ...]) -> Client:
    return Client(name, label, "python", "python", steps, script, "python3 -m venv, pip")


CLIENTS: dict[str, Client] = {c.name: c for c in (
    _sdk("js-v3", "AWS SDK for JavaScript v3", "npm", "js-v3", "main.mjs", "node, npm"),
    _sdk("go-v2", "AWS SDK for Go v2", "go", "go-v2", "go-v2", "go"),
    _sdk("java-v2", "AWS SDK for Java v2", "maven", "java-v2", "gauntlet-interop-java-v2.jar", "java 17, mvn"),
    _sdk("rust-sdk", "AWS SDK for Rust", "cargo", "rust-sdk", "rust-sdk", "cargo"),
    _py("minio-py", "MinIO Python SDK", "client_minio.py", SDK_STEPS),
    _py("opendal", "Apache OpenDAL (Python)", "client_opendal.py",
        tuple(s for s in SDK_STEPS if s not in ("create_bucket", "delete_bucket"))),
    _py("pyarrow", "pyarrow.fs.S3FileSystem (AWS SDK for C++)", "client_pyarrow.py", DATA_STEPS),
    _py("s3fs", "s3fs / fsspec", "client_s3fs.py", DATA_STEPS),
    _py("obstore", "obstore (Rust object_store)", "client_obstore.py", DATA_STEPS),
    _py("duckdb", "DuckDB httpfs", "client_duckdb.py", DATA_STEPS[:3]),
    _py("polars", "polars", "client_polars.py", DATA_STEPS[:3]),
)}


def source_digest(folder: Path, pattern: str = "*") -> str:
    """12 hex digits over the folder's source files (names and bytes), build output excluded."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob(pattern)):
            rel = path.relative_to(folder)
            if path.is_file() and not (set(rel.parts) & _NOT_SOURCE):
                digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


# --------------------------------------------------------------------------- building


def _build_steps(client: Client, out_dir: Path) -> list[tuple[list[str], Path, dict[str, str]]]:
    """(argv, cwd, extra env) of each build command, building into `out_dir`."""
    src = client.source
    if client.kind == "npm":
        return [(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], out_dir, {})]
    if client.kind == "go":
        return [(["go", "build", "-trimpath", "-o", str(out_dir / "bin" / client.entry), "."], src,
                 {"CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"})]
    if client.kind == "maven":
        return [(["mvn", "-q", "-B", "-DskipTests", "package"], out_dir / "src", {})]
    if client.kind == "cargo":
        return [(["cargo", "build", "--release", "--locked", "--manifest-path", str(src / "Cargo.toml")], src,
                 {"CARGO_TARGET_DIR": str(TOOLS_DIR / "interop-cargo-target")})]
    python = shutil.which("python3") or sys.executable
    return [([python, "-m", "venv", str(out_dir)], out_dir.parent, {}),
            ([str(out_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              "-r", str(src / "requirements.txt")], src, {})]


def _prepare(client: Client, out_dir: Path) -> None:
    """Copy the sources where the build needs them (npm and Maven build out of the tree)."""
    if client.kind == "npm":
        for path in client.source.iterdir():
            if path.is_file() and path.name not in _NOT_SOURCE:
                shutil.copy2(path, out_dir / path.name)
    elif client.kind == "maven":
        shutil.copytree(client.source, out_dir / "src", ignore=shutil.ignore_patterns(*_NOT_SOURCE))


def _finish(client: Client, out_dir: Path) -> None:
    if client.kind == "cargo":
        (out_dir / "bin").mkdir(parents=True, exist_ok=True)
        shutil.copy2(TOOLS_DIR / "interop-cargo-target" / "release" / client.entry, out_dir / "bin" / client.entry)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (created if needed), across processes: pytest-xdist workers that
    may all ask at once for one build or one client run take turns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(client: Client, out: TextIO = sys.stdout) -> str | None:
    """Build the client unless its build is there; None when ready, else one line saying why not."""
    with file_lock(TOOLS_DIR / f".{client.build_dir.name.rsplit('-', 1)[0]}.lock"):
        if client.built:
            print(f"interop-{client.name}: built ({client.build_dir})", file=out, flush=True)
            return None
        tool = client.toolchain.split(",")[0].split()[0]
        if shutil.which(tool) is None:
            return f"'{tool}' is not on PATH to build it"
        out_dir = client.build_dir
        if out_dir.exists() and client.kind != "python":
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        print(f"interop-{client.name}: building into {out_dir}", file=out, flush=True)
        try:
            _prepare(client, out_dir)
            for argv, cwd, env in _build_steps(client, out_dir):
                done = subprocess.run(argv, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True,
                                      stdin=subprocess.DEVNULL, timeout=_BUILD_TIMEOUT_S[client.kind])
                if done.returncode != 0:
                    last = (done.stderr or done.stdout).strip().splitlines()[-3:] or ["(no output)"]
                    return f"`{' '.join(argv[:3])}` exited {done.returncode}: {' | '.join(last)}"
            _finish(client, out_dir)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"build failed: {type(exc).__name__}: {exc}"
        (out_dir / _MARK).write_text(f"{time.monotonic() - started:.0f} s\n")
        print(f"interop-{client.name}: built in {time.monotonic() - started:.0f} s", file=out, flush=True)
        return None
