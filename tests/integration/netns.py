"""Test hosts on one machine: a bridge with an address in the root namespace, and network namespaces on it.

`HostNetwork` makes, with iproute2, a bridge (the "switch" and the first host, which keeps the root
namespace's processes) on a random private /24, and one namespace per extra host, each joined to the
bridge by a veth pair. Only virtual interfaces: nothing leaves the machine. Everything it made is
deleted on exit, also after a failure. It needs root (CAP_NET_ADMIN) and `ip`; `available()` says why not.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


def _ip(*args: str, netns: str | None = None) -> None:
    argv = ["ip", *(["-n", netns] if netns else []), *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    if done.returncode:
        raise OSError(f"{' '.join(argv)}: {done.stderr.strip() or done.returncode}")


def available() -> str | None:
    """None when namespaces can be made here, else why not."""
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed (apt install iproute2)"
    if os.geteuid() != 0:
        return "making network namespaces needs root"
    probe = f"gprobe{os.getpid()}"
    try:
        _ip("netns", "add", probe)
    except OSError as exc:
        return f"cannot make a network namespace here: {exc}"
    _ip("netns", "del", probe)
    return None


@dataclass
class Host:
    name: str  # the namespace
    address: str
    veth: str  # its interface inside the namespace

    def command(self, argv: list[str]) -> list[str]:
        """`argv` run inside this host's namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def tx_bytes(self) -> int:
        """Bytes this host has sent over its interface so far."""
        done = subprocess.run(self.command(["cat", f"/sys/class/net/{self.veth}/statistics/tx_bytes"]),
                              capture_output=True, text=True, timeout=10, check=True)
        return int(done.stdout.strip())


class HostNetwork:
    """`with HostNetwork(hosts=2) as net:` -> net.address (root side), net.hosts[i].command([...])."""

    def __init__(self, hosts: int) -> None:
        tag = f"{os.getpid() % 10000:04d}{random.randrange(100):02d}"
        self.bridge = f"gbr{tag}"
        self.subnet = f"10.{random.randrange(200, 250)}.{random.randrange(1, 250)}"
        self.address = f"{self.subnet}.1"
        self.hosts = [Host(f"g{tag}h{i}", f"{self.subnet}.{i + 2}", "eth0") for i in range(hosts)]
        self._made: list[tuple[str, ...]] = []

    def __enter__(self) -> HostNetwork:
        try:
            _ip("link", "add", self.bridge, "type", "bridge")
            self._made.append(("link", "del", self.bridge))
            _ip("addr", "add", f"{self.address}/24", "dev", self.bridge)
            _ip("link", "set", self.bridge, "up")
            for i, host in enumerate(self.hosts):
                outside = f"{self.bridge}v{i}"
                _ip("netns", "add", host.name)
                self._made.append(("netns", "del", host.name))
                _ip("link", "add", outside, "type", "veth", "peer", "name", host.veth, "netns", host.name)
                self._made.append(("link", "del", outside))  # both ends, now rather than when the namespace goes
                _ip("link", "set", outside, "master", self.bridge, "up")
                _ip("addr", "add", f"{host.address}/24", "dev", host.veth, netns=host.name)
                _ip("link", "set", host.veth, "up", netns=host.name)
                _ip("link", "set", "lo", "up", netns=host.name)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        for args in reversed(self._made):  # veth pairs, namespaces, then the bridge
            with contextlib.suppress(OSError):
                _ip(*args)
        self._made.clear()
        for host in self.hosts:  # `ip netns add` leaves a mount point behind on failure
            Path(f"/run/netns/{host.name}").unlink(missing_ok=True)
