"""What every local-server launcher shares: binaries, ports, processes, readiness, teardown.

A launcher starts one real S3 server on 127.0.0.1 in a fresh data directory,
waits until an S3 ListBuckets with the target's credentials succeeds, records the
server's version, keeps its log in the run directory and always stops it by PID.
Subclasses (one module per server) only say how to find the binary, which
command lines to run, and how to read the version.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from gauntlet import masking
from gauntlet.config.targets import LaunchConfig
from gauntlet.errors import BinaryMissing, LaunchFailed, ServerExitedAtStartup
from gauntlet.rundir import layout
from gauntlet.s3.credentials import Credentials

LOOPBACK = "127.0.0.1"
#: The domain launched servers serve virtual-host-style buckets under (`bucket.localhost`; RFC 6761
#: keeps every name under `localhost` on loopback, gauntlet.s3.localhost_dns resolves them in the harness).
#: targets.yaml declares it as `virtual_host_domain` on each target whose server is given it.
VIRTUAL_HOST_DOMAIN = "localhost"


@dataclass
class LaunchedServer:
    """A running local server, as the rest of the harness sees it."""

    server: str
    endpoint: str
    region: str
    credentials: Credentials
    alt_credentials: Credentials | None
    version: str
    pids: list[int]
    log_path: Path
    data_dir: Path
    ca_bundle: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        """Variables any S3 tool understands (AWS CLI, rclone via env, SDKs)."""
        env = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.credentials.access_key,
            "AWS_SECRET_ACCESS_KEY": self.credentials.secret_key,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }
        if self.ca_bundle:
            env["AWS_CA_BUNDLE"] = self.ca_bundle
        return env


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def which(program: str, extra_dirs: Sequence[Path] = ()) -> str | None:
    """Find `program` on PATH, beside the running Python (venv bin), or in `extra_dirs`."""
    search = [str(Path(sys.executable).parent), *(str(d) for d in extra_dirs), os.environ.get("PATH", "")]
    return shutil.which(program, path=os.pathsep.join(search))


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    tail = "\n".join(text.splitlines()[-lines:])
    return masking.mask(tail) or "(log is empty)"


class ServerLauncher:
    """Base class: one subclass per server, in its own module."""

    #: Name used in targets.yaml `launch: {server: NAME}`.
    server: ClassVar[str] = ""
    #: The program to find, and how to install it when it's missing.
    binary: ClassVar[str] = ""
    install_hint: ClassVar[str] = ""
    #: Extra directories to look for the binary in.
    binary_dirs: ClassVar[Sequence[Path]] = ()
    #: Throwaway keys used when the target names none.
    default_credentials: ClassVar[Credentials] = Credentials("gauntletadmin", "gauntlet-secret-key-0001")
    default_alt_credentials: ClassVar[Credentials | None] = None
    #: Whether the server can be given a second user.
    supports_alt_user: ClassVar[bool] = False

    def __init__(
        self,
        config: LaunchConfig,
        run_dir: Path,
        name: str,
        credentials: Credentials | None = None,
        alt_credentials: Credentials | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.config = config
        self.name = name
        self.region = region
        self.credentials = credentials or self.default_credentials
        self.alt_credentials = alt_credentials or (self.default_alt_credentials if self.supports_alt_user else None)
        masking.register(self.credentials.secret_key)
        if self.alt_credentials:
            masking.register(self.alt_credentials.secret_key)
        self.log_dir = Path(run_dir) / layout.SERVERS / name
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"s3gauntlet-{name}-"))
        self.processes: list[subprocess.Popen[bytes]] = []
        self._logs: list[Path] = []
        self.ca_bundle: str | None = None
        self.scheme = "http"

    # ------------------------------------------------------------------ to override

    def start_processes(self, port: int) -> None:
        """Start the server's processes (with `self.spawn`) listening on `port`."""
        raise NotImplementedError

    def read_version(self) -> str:
        """The server's own version string."""
        return "unknown"

    def after_ready(self) -> None:
        """Work to do once the server answers (e.g. create users). Default: nothing."""

    def readiness_credentials(self) -> Credentials:
        return self.credentials

    # ------------------------------------------------------------------ helpers for subclasses

    def find_binary(self, program: str | None = None, hint: str | None = None) -> str:
        program = program or self.binary
        found = which(program, self.binary_dirs)
        if not found:
            raise BinaryMissing(
                f"target '{self.name}': the {self.server} launcher needs '{program}', which is not "
                f"installed; install it with: {hint or self.install_hint}"
            )
        return found

    def spawn(
        self,
        argv: Sequence[str],
        log_name: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start one process in its own session, its output going to a log in the run directory."""
        log_path = self.log_dir / f"{log_name}.log"
        self._logs.append(log_path)
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed on stop
        full_env = {**os.environ, **(env or {})}
        try:
            proc = subprocess.Popen(
                list(argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=full_env,
                cwd=str(cwd or self.data_dir),
                start_new_session=True,
            )
        except OSError as exc:
            log.close()
            raise LaunchFailed(f"target '{self.name}': cannot start {argv[0]}: {exc.strerror}") from None
        finally:
            with contextlib.suppress(Exception):
                log.close()
        self.processes.append(proc)
        return proc

    def run_tool(self, argv: Sequence[str], log_name: str, env: Mapping[str, str] | None = None,
                 timeout: float = 60) -> str:
        """Run a setup command to completion; raise LaunchFailed with its output when it fails."""
        log_path = self.log_dir / f"{log_name}.log"
        try:
            done = subprocess.run(
                list(argv), capture_output=True, text=True, timeout=timeout,
                env={**os.environ, **(env or {})}, cwd=str(self.data_dir), stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise LaunchFailed(
                f"target '{self.name}': '{Path(argv[0]).name}' did not finish in {timeout:.0f}s"
            ) from None
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(masking.mask(f"$ {' '.join(argv)}\n{done.stdout}{done.stderr}\n"))
        if done.returncode != 0:
            output = (done.stderr or done.stdout).strip().splitlines()
            tail = masking.mask(output[-1]) if output else "(no output)"
            raise LaunchFailed(
                f"target '{self.name}': '{Path(argv[0]).name} {argv[1] if len(argv) > 1 else ''}' "
                f"exited {done.returncode}: {tail} (log: {log_path})"
            )
        return done.stdout

    def make_tls_files(self) -> tuple[Path, Path]:
        """A throwaway CA and a server certificate for 127.0.0.1/localhost (trustme).

        Sets the endpoint scheme to https and `ca_bundle` to the CA the target trusts;
        returns (certificate chain path, private key path) for the server's flags.
        """
        try:
            import trustme
        except ImportError:
            raise BinaryMissing(
                f"target '{self.name}': TLS launch needs the Python package trustme; install it with: "
                f"pip install trustme"
            ) from None
        ca = trustme.CA(organization_name="s3gauntlet throwaway CA")
        cert = ca.issue_cert(LOOPBACK, "localhost")
        tls_dir = self.log_dir / "tls"
        tls_dir.mkdir(parents=True, exist_ok=True)
        ca_path, cert_path, key_path = tls_dir / "ca.pem", tls_dir / "server.pem", tls_dir / "server.key"
        ca.cert_pem.write_to_path(str(ca_path))
        cert_path.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        cert.private_key_pem.write_to_path(str(key_path))
        key_path.chmod(0o600)
        self.ca_bundle = str(ca_path)
        self.scheme = "https"
        return cert_path, key_path

    def port(self) -> int:
        """The configured port (checked free) or a fresh free one."""
        if self.config.port:
            if port_in_use(self.config.port):
                raise LaunchFailed(
                    f"target '{self.name}': port {self.config.port} on {LOOPBACK} is already in use "
                    f"(set another launch.port or drop it to pick a free one)"
                )
            return self.config.port
        return free_port()

    # ------------------------------------------------------------------ lifecycle

    #: How many times a server that died at startup is retried on fresh ports: free ports are
    #: picked before the server binds them, so another process can take one in between.
    startup_attempts: ClassVar[int] = 3

    def start(self) -> LaunchedServer:
        """Start the server and return once ListBuckets succeeds; stop it again on any failure."""
        attempt = 1
        while True:
            try:
                port = self.port()
                self.start_processes(port)
                endpoint = f"{self.scheme}://{LOOPBACK}:{port}"
                self.wait_ready(endpoint)
                self.after_ready()
                version = self.read_version()
                break
            except ServerExitedAtStartup:
                self.stop()
                if self.config.port or attempt >= self.startup_attempts:
                    raise
                attempt += 1
                self.data_dir = Path(tempfile.mkdtemp(prefix=f"s3gauntlet-{self.name}-"))
                self.scheme = "http"
            except BaseException:
                self.stop()
                raise
        return LaunchedServer(
            server=self.server,
            endpoint=endpoint,
            region=self.region,
            credentials=self.credentials,
            alt_credentials=self.alt_credentials,
            version=version,
            pids=[p.pid for p in self.processes],
            log_path=self._logs[-1] if self._logs else self.log_dir,
            data_dir=self.data_dir,
            ca_bundle=self.ca_bundle,
        )

    def exited(self) -> subprocess.Popen[bytes] | None:
        for proc in self.processes:
            if proc.poll() is not None:
                return proc
        return None

    def wait_ready(self, endpoint: str) -> None:
        """Poll ListBuckets until it succeeds, a process exits, or the startup budget runs out."""
        from gauntlet.s3.clients import make_client  # local import keeps launchers light

        budget = self.config.startup_timeout_s
        deadline = time.monotonic() + budget
        client = make_client(
            endpoint, self.readiness_credentials(), region=self.region,
            verify=self.ca_bundle or True, connect_timeout=2, read_timeout=5,
        )
        last_error = "no answer yet"
        while True:
            dead = self.exited()
            if dead is not None:
                raise ServerExitedAtStartup(
                    f"target '{self.name}': {self.server} exited with code {dead.returncode} during startup; "
                    f"log tail:\n{log_tail(self._logs[-1] if self._logs else self.log_dir)}"
                )
            try:
                client.list_buckets()
                return
            except Exception as exc:
                last_error = masking.mask(f"{type(exc).__name__}: {exc}")
            if time.monotonic() > deadline:
                raise LaunchFailed(
                    f"target '{self.name}': {self.server} did not answer ListBuckets at {endpoint} within "
                    f"{budget:.0f}s (last: {last_error}); log tail:\n"
                    f"{log_tail(self._logs[-1] if self._logs else self.log_dir)}"
                )
            time.sleep(0.1)

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM every process group we started, SIGKILL what is left after `grace_s`."""
        for proc in reversed(self.processes):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for proc in reversed(self.processes):
            remaining = max(0.0, deadline - time.monotonic())
            try:
                proc.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)
        self.processes.clear()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.mask_logs()

    def mask_logs(self) -> None:
        """Mask secrets and signatures in the server's logs kept in the run directory (servers log
        request URLs, presigned signatures included), and drop the throwaway TLS private key."""
        for path in self.log_dir.rglob("*"):
            if path.suffix == ".key":
                path.unlink(missing_ok=True)
                continue
            if path.suffix in (".pem", ".crt") or not path.is_file() or path.is_symlink():
                continue  # every other file here is a log (glog names them weed.host.user.log.INFO.<time>)
            try:
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
                masked = masking.mask(text)
                if masked != text:
                    path.write_text(masked, encoding="utf-8", errors="surrogateescape")
            except OSError:
                continue
