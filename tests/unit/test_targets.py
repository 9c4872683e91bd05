"""targets.yaml loading: every bad input gets one line naming file, line, target and key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gauntlet.errors import ConfigError, CredentialMissing, ExitCode, UnknownTarget
from gauntlet.fleet.targets import load_targets

GOOD = """
defaults:
  region: us-east-1
targets:
  local:
    launch: {server: rclone}
  remote:
    endpoint: https://s3.example.com
    credentials: {access_key_env: EX_AK, secret_key_env: EX_SK}
    alt_credentials: {access_key_env: EX_ALT_AK, secret_key_env: EX_ALT_SK}
    features: {versioning: false}
    tags: {vendor: example, version: 1.2}
  templated:
    endpoint: https://${ACCOUNT}.example.com
    credentials: {access_key_env: EX_AK, secret_key_env: EX_SK}
"""


def write(tmp_path: Path, text: str, name: str = "targets.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_targets(write(tmp_path, text), environ={}).check()
    return info.value


def test_project_targets_file_is_valid() -> None:
    targets = load_targets(environ={})
    assert targets.names()[0] == "seaweedfs"
    for name in ("seaweedfs", "rgw", "juicefs", "rclone", "moto", "moto-auth", "s3rver",
                 "versitygw", "minio", "garage", "s3s-fs", "rustfs", "ferrox", "r2", "aws"):
        assert name in targets.targets
    for target in targets.targets.values():
        if target.launch is None and target.faults is None:
            assert target.credentials is not None and target.credentials.env, target.name


def test_good_file_parses(tmp_path: Path) -> None:
    targets = load_targets(write(tmp_path, GOOD), environ={"EX_AK": "AKIAEXAMPLE", "EX_SK": "secret-value"})
    remote = targets.get("remote")
    assert remote.features == {"versioning": False}
    assert not remote.has_feature("versioning") and remote.has_feature("multipart")
    assert remote.tags == {"vendor": "example", "version": "1.2"}
    creds, alt = targets.resolve_credentials(remote)
    assert creds is not None and creds.secret_key == "secret-value"
    assert alt is None  # alt env vars unset: no second user, not an error
    assert "secret-value" not in repr(creds)


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, "targets:\n  a:\n    endpoint: [unclosed\n")
    assert "targets.yaml:" in str(error) and "YAML syntax error" in str(error)
    assert error.exit_code is ExitCode.CONFIG_INVALID


def test_unknown_key_names_line_target_and_key(tmp_path: Path) -> None:
    error = error_of(tmp_path, "targets:\n  a:\n    launch: rclone\n    regoin: x\n")
    assert "targets.yaml:4:" in str(error)
    assert "target 'a'" in str(error) and "'regoin'" in str(error)


def test_wrong_type_is_named(tmp_path: Path) -> None:
    error = error_of(tmp_path, "targets:\n  a:\n    launch: rclone\n    region: [1, 2]\n")
    assert "key 'region' must be a string" in str(error) and ":4:" in str(error)


def test_bool_is_not_a_port(tmp_path: Path) -> None:
    error = error_of(tmp_path, "targets:\n  a:\n    launch: {server: rclone, port: true}\n")
    assert "'port' must be an integer" in str(error)


def test_unknown_launch_server(tmp_path: Path) -> None:
    error = error_of(tmp_path, "targets:\n  a:\n    launch: {server: nosuchserver}\n")
    assert "unknown launch server 'nosuchserver'" in str(error)


def test_endpoint_or_launch_required(tmp_path: Path) -> None:
    error = error_of(tmp_path, "targets:\n  a:\n    region: x\n")
    assert "needs 'endpoint' or 'launch'" in str(error)


def test_literal_secret_refused_for_remote_endpoint(tmp_path: Path) -> None:
    error = error_of(tmp_path, """
        targets:
          a:
            endpoint: https://s3.example.com
            credentials: {access_key: AK, secret_key: SK}
        """)
    assert "literal keys are only allowed" in str(error)


def test_literal_secret_allowed_for_loopback(tmp_path: Path) -> None:
    path = write(tmp_path, """
        targets:
          a:
            endpoint: http://127.0.0.1:9000
            credentials: {access_key: AK, secret_key: SK}
        """)
    creds, _ = load_targets(path, environ={}).resolve_credentials(load_targets(path, environ={}).get("a"))
    assert creds is not None and creds.access_key == "AK"


def test_unknown_feature(tmp_path: Path) -> None:
    error = error_of(tmp_path, "targets:\n  a:\n    launch: rclone\n    features: {versionning: false}\n")
    assert "unknown feature 'versionning'" in str(error) and ":4:" in str(error)


def test_bad_addressing(tmp_path: Path) -> None:
    error = error_of(tmp_path, "targets:\n  a:\n    launch: rclone\n    addressing: vhost\n")
    assert "addressing must be one of path, virtual" in str(error)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    error = error_of(tmp_path, "target:\n  a: {}\n")
    assert "unknown top-level key 'target'" in str(error)


def test_duplicate_key(tmp_path: Path) -> None:
    error = error_of(tmp_path, "targets:\n  a:\n    launch: rclone\n  a:\n    launch: moto\n")
    assert "duplicate key 'a'" in str(error) and ":4" in str(error)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="targets file not found"):
        load_targets(tmp_path / "nope.yaml", environ={})


def test_unknown_target_lists_known(tmp_path: Path) -> None:
    targets = load_targets(write(tmp_path, GOOD), environ={})
    with pytest.raises(UnknownTarget) as info:
        targets.select("local,nosuch")
    assert "unknown target 'nosuch'" in str(info.value) and "local, remote" in str(info.value)
    assert info.value.exit_code is ExitCode.UNKNOWN_TARGET


def test_missing_env_var_is_named(tmp_path: Path) -> None:
    targets = load_targets(write(tmp_path, GOOD), environ={"EX_AK": "x"})
    with pytest.raises(CredentialMissing) as info:
        targets.resolve_credentials(targets.get("remote"))
    assert "EX_SK" in str(info.value) and "target 'remote'" in str(info.value)
    assert info.value.exit_code is ExitCode.CREDENTIAL_MISSING


def test_endpoint_template(tmp_path: Path) -> None:
    targets = load_targets(write(tmp_path, GOOD), environ={"ACCOUNT": "acme"})
    assert targets.resolve_endpoint(targets.get("templated")) == "https://acme.example.com"
    targets = load_targets(write(tmp_path, GOOD), environ={})
    with pytest.raises(CredentialMissing, match="ACCOUNT"):
        targets.resolve_endpoint(targets.get("templated"))


def test_local_override_and_env_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    write(tmp_path, "targets:\n  remote:\n    region: eu-west-1\n", name="targets.local.yaml")
    (tmp_path / ".gauntlet.env").write_text("EX_AK=from-file\nexport EX_SK='quoted'\n", encoding="utf-8")
    targets = load_targets(path, environ={})
    remote = targets.get("remote")
    assert remote.region == "eu-west-1" and remote.endpoint == "https://s3.example.com"
    creds, _ = targets.resolve_credentials(remote)
    assert creds is not None and (creds.access_key, creds.secret_key) == ("from-file", "quoted")


def test_default_selection_is_seaweedfs() -> None:
    assert [t.name for t in load_targets(environ={}).select(None)] == ["seaweedfs"]


def test_invalid_entry_fails_only_the_runs_that_use_it(tmp_path: Path) -> None:
    path = write(tmp_path, """
        targets:
          good: {launch: rclone}
          bad: {launch: rclone, regoin: x}
        """)
    targets = load_targets(path, environ={})
    assert targets.get("good").launch is not None
    assert "bad" not in targets.names()
    with pytest.raises(ConfigError) as info:
        targets.get("bad")
    assert "'regoin'" in str(info.value) and ":4:" in str(info.value)
    assert len(targets.warnings()) == 1 and "ignoring invalid target 'bad'" in targets.warnings()[0]


def test_invalid_local_override_does_not_block_other_targets(tmp_path: Path) -> None:
    path = write(tmp_path, "targets:\n  good: {launch: rclone}\n")
    (tmp_path / "targets.local.yaml").write_text("targets:\n  mine: {endpoint: ftp://nope}\n", encoding="utf-8")
    targets = load_targets(path, environ={})
    assert targets.select("good")[0].name == "good"
    with pytest.raises(ConfigError):
        targets.select("good,mine")


def test_endpoint_variable_may_hold_the_whole_url(tmp_path: Path) -> None:
    path = write(tmp_path, """
        targets:
          mine:
            endpoint: ${MY_S3_URL}
            credentials: {access_key_env: MY_AK, secret_key_env: MY_SK}
        """)
    target = load_targets(path, environ={}).get("mine")
    good = load_targets(path, environ={"MY_S3_URL": "https://s3.example.net:8443/"})
    assert good.resolve_endpoint(target) == "https://s3.example.net:8443"
    with pytest.raises(ConfigError) as info:
        load_targets(path, environ={"MY_S3_URL": "s3.example.net"}).resolve_endpoint(target)
    assert "must be http(s)://host[:port]" in str(info.value)


def test_opt_in_feature_is_absent_unless_declared() -> None:
    targets = load_targets(environ={})
    assert targets.get("rgw").has_feature("lifecycle_expiry")
    minio = targets.get("minio")
    assert not minio.has_feature("lifecycle_expiry") and minio.has_feature("versioning")
    assert "does not declare feature 'lifecycle_expiry: true'" in minio.why_absent("lifecycle_expiry")


def test_a_section_that_is_not_a_mapping_is_one_line_with_its_line(tmp_path: Path) -> None:
    error = error_of(tmp_path, "targets:\n  a:\n    launch: {server: rclone}\n    tls: [1, 2]\n")
    expected = "targets.yaml:4: target 'a': key 'tls' must be a mapping or true/false, got list"
    assert str(error).endswith(expected), str(error)


def test_targets_and_profiles_share_one_checker(tmp_path: Path) -> None:
    from gauntlet.config import profiles, targets, yamlfile

    assert targets.Checker is yamlfile.Checker and issubclass(profiles._Checker, yamlfile.Checker)
    error = error_of(tmp_path, "targets:\n  a:\n    launch: {server: rclone, colour: red}\n")
    assert "target 'a': launch: unknown key 'colour' (known keys: auth, port, server, startup_timeout_s, tls)" \
        in str(error)


def test_cli_targets_with_every_entry_invalid_is_one_line_and_exit_10(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from gauntlet.cli import main

    path = write(tmp_path, "targets:\n  a:\n    launch: [1]\n")
    assert main(["--file", str(path), "targets"]) == 10
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{path}:3: target 'a'" in err[0], err
