"""Ceph RADOS Gateway (RGW 16.2 "pacific", Debian 12 packages) on a throwaway RADOS cluster.

RGW in this build has no standalone backend (no dbstore, no posix), so the launcher
builds the smallest real cluster it can inside ``self.data_dir``:

    data_dir/
      ceph.conf          private config; every command gets ``-c`` pointing here
      monmap             one monitor "a" at v2:127.0.0.1:<free port>
      mon/ceph-a/        monitor store (``ceph-mon --mkfs``)
      osd/ceph-0/        one BlueStore OSD; its "disk" is a sparse 8 GiB file
      rgw/ run/ crash/   RGW data dir, admin sockets and pid files, crash dumps

Startup (each daemon runs in the foreground with ``-f`` through ``spawn``, so it is
stopped by PID; ``stop`` stops them one after the other, RGW, OSD, monitor):

1. write ceph.conf: fresh fsid, free monitor port, ``auth_*_required = none``,
   size-1 pools with few placement groups, low memory, every path inside data_dir;
2. ``ceph-osd --mkfs`` in a thread (it needs only the fsid from ceph.conf) while
   ``monmaptool --create``, ``ceph-mon --mkfs``, ``ceph-mon -f`` and
   ``ceph osd new`` run;
3. ``ceph-osd -f``, then poll ``ceph osd stat`` until the OSD is up;
4. ``radosgw-admin user create`` for the main and the alt user (it talks to RADOS
   directly and creates the default zone and its pools, so RGW finds both);
5. ``radosgw -n client.rgw -f`` with the beast frontend on 127.0.0.1:<port>
   (HTTPS with a throwaway CA when the target asks for ``tls``).

About 5 s from nothing on a 2-core machine. Nothing touches /etc/ceph,
/var/lib/ceph, /var/run/ceph or /var/log/ceph; the monitor and the OSD bind to
127.0.0.1 only (the OSD picks free ports in 6800-7300), so several launchers can run
at once, as root or not. Daemons log to stderr, which lands in the run directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gauntlet.errors import LaunchFailed, ServerExitedAtStartup
from gauntlet.fleet.launch.base import LOOPBACK, VIRTUAL_HOST_DOMAIN, ServerLauncher, free_port, log_tail, port_in_use
from gauntlet.s3.credentials import Credentials

#: The programs used; all come with the radosgw, ceph-mon and ceph-osd packages.
TOOLS = ("radosgw", "radosgw-admin", "ceph-mon", "ceph-osd", "monmaptool", "ceph")
MON_ID = "a"
OSD_ID = "0"
RGW_NAME = "client.rgw"
#: the one key of the `testing` KMS backend (a throwaway constant: 32 bytes, base64)
RGW_KMS_KEY = "zfa3leP5XCRghKypHz3hAkrLos5WOYVcNoN289hTHyk="
_MiB = 1024**2
_GiB = 1024**3
#: Seconds in a lifecycle "day" (rgw_lc_debug_interval) on the launched RGW.
LC_DAY_S = 3


def conf_text(sections: dict[str, dict[str, object]]) -> str:
    """Render ``{section: {option: value}}`` as a ceph.conf (INI) file."""
    lines: list[str] = []
    for section, options in sections.items():
        lines.append(f"[{section}]")
        for key, value in options.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            lines.append(f"{key} = {value}")
        lines.append("")
    return "\n".join(lines)


def beast_frontend(port: int, tls: tuple[Path, Path] | None = None) -> str:
    """The `rgw_frontends` value: beast on 127.0.0.1:port, plain or with (certificate, key).

    Without tcp_nodelay=1 small GETs drop to ~20 per second (Nagle + delayed ACK).
    """
    if tls is None:
        return f"beast endpoint={LOOPBACK}:{port} tcp_nodelay=1"
    cert, key = tls
    return f"beast ssl_endpoint={LOOPBACK}:{port} ssl_certificate={cert} ssl_private_key={key} tcp_nodelay=1"


def cluster_conf(data_dir: Path, log_dir: Path, fsid: str, mon_port: int, frontend: str) -> str:
    """The private ceph.conf of one throwaway cluster: monitor, OSD and RGW."""
    run_dir = data_dir / "run"
    to_stderr = {"log_to_stderr": True, "err_to_stderr": True, "log_to_file": False}
    sections: dict[str, dict[str, object]] = {
        "global": {
            "fsid": fsid,
            "mon_host": f"[v2:{LOOPBACK}:{mon_port}]",
            "public_addr": LOOPBACK,
            "cluster_addr": LOOPBACK,
            # No cephx on a loopback-only test cluster.
            "auth_cluster_required": "none",
            "auth_service_required": "none",
            "auth_client_required": "none",
            # Every path private to this cluster.
            "run_dir": run_dir,
            "admin_socket": run_dir / "$cluster-$name.asok",
            "pid_file": run_dir / "$cluster-$name.pid",
            "crash_dir": data_dir / "crash",
            "keyring": data_dir / "keyring",
            "log_file": log_dir / "ceph-$name.log",
            "mon_cluster_log_to_file": False,
            "mon_cluster_log_file": log_dir / "ceph-cluster.log",
            "mon_data": data_dir / "mon" / "$cluster-$id",
            "osd_data": data_dir / "osd" / "$cluster-$id",
            "rgw_data": data_dir / "rgw",
            # One OSD: size-1 pools, few placement groups, no autoscaler (no mgr).
            "osd_pool_default_size": 1,
            "osd_pool_default_min_size": 1,
            "mon_allow_pool_size_one": True,
            "mon_warn_on_pool_no_redundancy": False,
            "osd_pool_default_pg_num": 8,
            "osd_pool_default_pgp_num": 8,
            "osd_pool_default_pg_autoscale_mode": "off",
            "osd_crush_chooseleaf_type": 0,
            "rgw_rados_pool_pg_num_min": 8,
            # A host disk that is merely fullish must not stop the monitor.
            "mon_data_avail_warn": 2,
            "mon_data_avail_crit": 1,
            # Each pool radosgw-admin creates is one map update: with the default 1 s
            # between proposals startup takes ~16 s instead of ~5 s.
            "paxos_propose_interval": 0.1,
        },
        "mon": {**to_stderr},
        "osd": {
            **to_stderr,
            "osd_objectstore": "bluestore",
            "bluestore_block_create": True,
            "bluestore_block_size": 8 * _GiB,  # a sparse file: takes only what is written
            "bluestore_fsck_on_mkfs": False,
            "bluestore_fsck_on_mount": False,
            "osd_memory_target": 1 * _GiB,
            "osd_memory_base": 256 * _MiB,
            "osd_memory_cache_min": 64 * _MiB,
            # Don't wait up to 5 s for a monitor that may already be gone.
            "osd_fast_shutdown_notify_mon": False,
        },
        RGW_NAME: {
            **to_stderr,
            "rgw_frontends": frontend,
            # radosgw defaults its monitor connection to msgr2 "secure" mode, which needs
            # cephx session keys: without cephx it loops on "get_initial_auth_request
            # returned -13" and never listens. Allow crc mode.
            "ms_mon_client_mode": "crc secure",
            "rgw_enable_usage_log": False,
            # virtual-host style: `bucket.localhost` is the bucket; a Host of 127.0.0.1 stays path style
            "rgw_dns_name": VIRTUAL_HOST_DOMAIN,
            "rgw_crypt_require_ssl": False,
            # Lifecycle in seconds, not days: each rgw_lc_debug_interval seconds count as one "day"
            # (an object under an Expiration Days=1 rule expires LC_DAY_S seconds after its PUT) and
            # the lifecycle thread runs every LC_DAY_S seconds at any hour (the work-time window is
            # ignored in debug mode; it is widened anyway).
            "rgw_lc_debug_interval": LC_DAY_S,
            "rgw_lifecycle_work_time": "00:00-23:59",
            # SSE-KMS without a KMS: the `testing` backend reads its keys from this option
            # (name=base64 of 32 bytes); targets.yaml gives rgw `kms_key_id: gauntlet-key`.
            "rgw_crypt_s3_kms_backend": "testing",
            "rgw_crypt_s3_kms_encryption_keys": f"gauntlet-key={RGW_KMS_KEY}",
        },
    }
    return conf_text(sections)


def parse_version(text: str) -> str:
    """'ceph version 16.2.15 (618f...) pacific (stable)' -> '16.2.15'."""
    match = re.search(r"ceph version (\S+)", text)
    return match.group(1) if match else (text.strip() or "unknown")


def osd_up_count(stat_json: str) -> int:
    """Number of up OSDs in ``ceph osd stat -f json`` output (flat or under "osdmap")."""
    try:
        data = json.loads(stat_json)
    except ValueError:
        return 0
    if isinstance(data, dict) and isinstance(data.get("osdmap"), dict):
        data = data["osdmap"]
    return int(data.get("num_up_osds", 0)) if isinstance(data, dict) else 0


def short_tail(path: Path, lines: int = 12) -> str:
    """The last non-blank lines of a daemon log (Ceph daemons double their newlines on stderr)."""
    kept = [line for line in log_tail(path, lines * 3).splitlines() if line.strip()]
    return "\n".join(kept[-lines:]) or "(log is empty)"


def stop_process_group(proc: subprocess.Popen[bytes], grace_s: float) -> None:
    """SIGTERM the process group of `proc`, wait up to `grace_s`, then SIGKILL it."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


class RGWLauncher(ServerLauncher):
    server = "rgw"
    binary = "radosgw"
    install_hint = "apt-get update && apt-get install -y radosgw ceph-mon ceph-osd (as root)"
    default_credentials = Credentials("GAUNTLETRGWMAIN0001", "gauntlet-rgw-main-secret-0001")
    default_alt_credentials = Credentials("GAUNTLETRGWALT00002", "gauntlet-rgw-alt-secret-0002")
    supports_alt_user = True

    # Set by start_processes.
    _bin: dict[str, str]
    _deadline: float
    _fsid: str
    _proc_logs: dict[int, Path]

    # ------------------------------------------------------------------ helpers

    @property
    def conf_path(self) -> Path:
        return self.data_dir / "ceph.conf"

    def _env(self) -> dict[str, str]:
        # A CEPH_ARGS or CEPH_CONF in the caller's environment must not leak in.
        return {"CEPH_ARGS": "", "CEPH_CONF": str(self.conf_path)}

    def _remaining(self) -> float:
        return max(1.0, self._deadline - time.monotonic())

    def _cmd(self, tool: str, *args: str) -> list[str]:
        return [self._bin[tool], "-c", str(self.conf_path), *args]

    def _tool(self, tool: str, *args: str, log_name: str, timeout: float = 30) -> str:
        return self.run_tool(self._cmd(tool, *args), log_name, env=self._env(), timeout=timeout)

    def _ceph(self, *args: str, log_name: str, timeout: float = 30) -> str:
        """The `ceph` CLI; `--connect-timeout` keeps it from hanging on a dead monitor."""
        return self._tool("ceph", "--connect-timeout", str(int(timeout)), *args,
                          log_name=log_name, timeout=timeout + 5)

    def _log_of(self, proc: subprocess.Popen[bytes]) -> Path:
        return self._proc_logs.get(proc.pid, self.log_dir)

    def _spawn_daemon(self, tool: str, *args: str) -> None:
        proc = self.spawn([*self._cmd(tool, *args), "-f"], tool, env=self._env())
        self._proc_logs[proc.pid] = self.log_dir / f"{tool}.log"

    # ------------------------------------------------------------------ steps

    def _write_conf(self, mon_port: int, rgw_port: int) -> None:
        for sub in ("run", "crash", "rgw", f"mon/ceph-{MON_ID}", f"osd/ceph-{OSD_ID}"):
            (self.data_dir / sub).mkdir(parents=True, exist_ok=True)
        frontend = beast_frontend(rgw_port, self.make_tls_files() if self.config.tls else None)
        text = cluster_conf(self.data_dir, self.log_dir, self._fsid, mon_port, frontend)
        self.conf_path.write_text(text, encoding="utf-8")

    def _make_mon(self, mon_port: int) -> None:
        monmap = str(self.data_dir / "monmap")
        self.run_tool(
            [self._bin["monmaptool"], "--create", "--fsid", self._fsid,
             "--addv", MON_ID, f"[v2:{LOOPBACK}:{mon_port}]", monmap],
            "monmaptool", env=self._env(),
        )
        self._tool("ceph-mon", "-i", MON_ID, "--mkfs", "--monmap", monmap, log_name="ceph-mon-mkfs")

    def _mkfs_osd(self, osd_uuid: str) -> None:
        # --no-mon-config: the fsid comes from ceph.conf, so this runs while the monitor starts.
        self._tool("ceph-osd", "-i", OSD_ID, "--mkfs", "--osd-uuid", osd_uuid, "--no-mon-config",
                   log_name="ceph-osd-mkfs", timeout=self._remaining())

    def _dead_daemon(self, waiting_for: str) -> LaunchFailed | None:
        dead = self.exited()
        if dead is None:
            return None
        return ServerExitedAtStartup(
            f"target '{self.name}': {Path(str(dead.args[0])).name} exited with code {dead.returncode} "
            f"before {waiting_for}; log tail:\n{short_tail(self._log_of(dead))}"
        )

    def _wait_mon(self, mon_port: int) -> None:
        """Wait until the monitor listens (cheaper than the `ceph` CLI and quick to notice a crash)."""
        while not port_in_use(mon_port):
            failure = self._dead_daemon("the Ceph monitor listened")
            if failure:
                raise failure
            if time.monotonic() > self._deadline:
                raise LaunchFailed(
                    f"target '{self.name}': the Ceph monitor did not listen on {LOOPBACK}:{mon_port} within "
                    f"{self.config.startup_timeout_s:.0f}s; log tail:\n{short_tail(self.log_dir / 'ceph-mon.log')}"
                )
            time.sleep(0.05)

    def _wait_osd_up(self) -> None:
        while True:
            failure = self._dead_daemon("the Ceph OSD came up")
            if failure:
                raise failure
            stat = self._ceph("osd", "stat", "-f", "json", log_name="ceph-osd-stat", timeout=10)
            if osd_up_count(stat) >= 1:
                return
            if time.monotonic() > self._deadline:
                raise LaunchFailed(
                    f"target '{self.name}': the Ceph OSD was not up within "
                    f"{self.config.startup_timeout_s:.0f}s (osd stat: {stat.strip()}); log tail:\n"
                    f"{short_tail(self.log_dir / 'ceph-osd.log')}"
                )
            time.sleep(0.2)

    def _create_user(self, uid: str, creds: Credentials) -> None:
        argv = self._cmd(
            "radosgw-admin", "user", "create", f"--uid={uid}", f"--display-name=s3gauntlet {uid}",
            f"--access-key={creds.access_key}", f"--secret={creds.secret_key}",
        )
        self.run_tool(argv, "radosgw-admin", env=self._env(), timeout=self._remaining())

    # ------------------------------------------------------------------ ServerLauncher

    def start_processes(self, port: int) -> None:
        self._bin = {tool: self.find_binary(tool) for tool in TOOLS}
        self._deadline = time.monotonic() + self.config.startup_timeout_s
        self._proc_logs = {}
        self._fsid = str(uuid.uuid4())
        mon_port = free_port()
        while mon_port == port:
            mon_port = free_port()
        self._write_conf(mon_port, port)
        osd_uuid = str(uuid.uuid4())
        with ThreadPoolExecutor(max_workers=1) as pool:
            osd_mkfs = pool.submit(self._mkfs_osd, osd_uuid)
            self._make_mon(mon_port)
            self._spawn_daemon("ceph-mon", "-i", MON_ID)
            self._wait_mon(mon_port)
            self._ceph("osd", "new", osd_uuid, OSD_ID, log_name="ceph-osd-new", timeout=min(30, self._remaining()))
            osd_mkfs.result()
        self._spawn_daemon("ceph-osd", "-i", OSD_ID)
        self._wait_osd_up()
        self._create_user("gauntlet-main", self.credentials)
        if self.alt_credentials:
            self._create_user("gauntlet-alt", self.alt_credentials)
        self._spawn_daemon("radosgw", "-n", RGW_NAME)

    def stop(self, grace_s: float = 10.0) -> None:
        """Stop the daemons one at a time, RGW first, each with its own grace period.

        RGW's shutdown unregisters its watches on the OSD: with the OSD already gone
        (the base class signals everything at once) it hangs until SIGKILLed.
        """
        for proc in reversed(self.processes):
            stop_process_group(proc, grace_s)
        super().stop(grace_s)

    def read_version(self) -> str:
        out = self.run_tool([self.find_binary("radosgw"), "--version"], "version", env=self._env())
        return parse_version(out)
