"""gauntlet.s3.localhost_dns: `*.localhost` resolves to 127.0.0.1 in the harness, other names are left alone."""

from __future__ import annotations

import socket

import pytest

from gauntlet.s3 import localhost_dns


@pytest.fixture
def resolver():
    was = localhost_dns.installed()
    localhost_dns.install()
    yield
    if not was:
        localhost_dns.uninstall()


def test_names_under_localhost_resolve_to_ipv4_loopback(resolver) -> None:
    for name in ("bucket.localhost", "a.b.s3.localhost", "B.LOCALHOST.", "localhost"):
        infos = socket.getaddrinfo(name, 9000, proto=socket.IPPROTO_TCP)
        assert {info[4] for info in infos} == {("127.0.0.1", 9000)}, name


def test_other_names_go_to_the_system_resolver(resolver) -> None:
    assert socket.getaddrinfo("127.0.0.1", 80)[0][4][0] == "127.0.0.1"
    assert not localhost_dns.is_localhost_name("localhost.example.com")
    assert not localhost_dns.is_localhost_name("notlocalhost")
    assert not localhost_dns.is_localhost_name(None)


def test_needed_only_for_domains_under_localhost() -> None:
    assert localhost_dns.needed([None, "s3.localhost"])
    assert not localhost_dns.needed([None, "s3.amazonaws.com"])


def test_virtual_endpoint_swaps_the_host_and_keeps_scheme_port_and_path() -> None:
    assert localhost_dns.virtual_endpoint("http://127.0.0.1:9000", "localhost") == "http://localhost:9000"
    assert localhost_dns.virtual_endpoint("https://127.0.0.1:8443/s3", "s3.localhost") == \
        "https://s3.localhost:8443/s3"
    assert localhost_dns.virtual_endpoint("https://s3.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com") == \
        "https://s3.us-east-1.amazonaws.com"
