"""gauntlet.interop.programs: configuration from a target, running programs, failure messages."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from gauntlet import masking
from gauntlet.fleet.running import LiveTarget
from gauntlet.interop.programs import (
    Program,
    ProgramRun,
    awscli_env,
    awscli_flags,
    expect_exit,
    expect_success,
    first_error_line,
    rclone_env,
    run_program,
)
from gauntlet.plugin.verdict import UNSUPPORTED_PREFIX, S3Mismatch
from gauntlet.s3.credentials import Credentials

SECRET = "interop-secret-do-not-leak-42"


def target(verify: bool | str = True, addressing: str = "path") -> LiveTarget:
    masking.register(SECRET)
    return LiveTarget(name="t", endpoint="http://127.0.0.1:9000", region="eu-west-3", addressing=addressing,
                      verify=verify, credentials=Credentials("AKIDEXAMPLE", SECRET, "token-xyz"),
                      alt_credentials=None, features={}, checksum_mode="when_supported")


def run(code: int, stderr: str = "", stdout: str = "", argv: list[str] | None = None) -> ProgramRun:
    return ProgramRun(argv or ["/usr/bin/rclone", "copy", "/tmp/x", "gauntlet:b"], code, stdout, stderr, 0.1)


def test_first_error_line_prefers_the_error_over_notices() -> None:
    stderr = ("2026/11/21 06:44:36 NOTICE: Config file not found\n"
              "2026/11/21 06:44:36 ERROR : docs/a.txt: Failed to copy: 500 InternalError\n"
              "2026/11/21 06:44:36 ERROR : second error\n")
    assert first_error_line(stderr) == "ERROR : docs/a.txt: Failed to copy: 500 InternalError"


def test_first_error_line_of_the_aws_cli_and_of_a_traceback() -> None:
    progress = "Completed 256.0 KiB/11.4 MiB (2.5 MiB/s) with 1 file(s) remaining\r"
    assert first_error_line(progress + "upload failed: a to s3://b/a Read timeout\n") == \
        "upload failed: a to s3://b/a Read timeout"
    trace = "Traceback (most recent call last):\n  File \"x\", line 1\nKeyError: 'ETag'\n"
    assert first_error_line(trace) == "KeyError: 'ETag'"
    assert first_error_line("", "only stdout\n") == "only stdout"
    assert first_error_line("") == "(no output)"


def test_messages_are_masked() -> None:
    target()
    assert SECRET not in first_error_line(f"ERROR : signature with {SECRET}")
    assert SECRET not in run(1, f"fatal error: {SECRET}").describe()


def test_describe_names_command_exit_code_and_crash() -> None:
    failed = run(2, "panic: runtime error: invalid memory address\ngoroutine 1 [running]:\n")
    assert failed.command == "rclone copy"
    assert failed.crashed
    assert failed.describe() == ("exit 2 (the client crashed on the server's answer): panic: runtime error: "
                                 "invalid memory address")
    aws = run(1, argv=["/venv/bin/aws", "s3api", "head-object", "--bucket", "b"])
    assert aws.command == "aws s3api head-object"


def test_expect_success_fails_with_exit_code_and_first_error() -> None:
    expect_success(run(0), "fine")
    with pytest.raises(S3Mismatch, match=r"^copy a tree: `rclone copy` must succeed; exit 1: ERROR : x: Failed"):
        expect_success(run(1, "ERROR : x: Failed to copy\n"), "copy a tree")
    with pytest.raises(S3Mismatch, match="must exit 1; exit 0"):
        expect_exit(run(0), 1, "check finds the change")
    expect_exit(run(1, "ERROR : 1 differences found"), 1, "check finds the change")


def test_not_implemented_makes_the_case_unsupported() -> None:
    answers = ["An error occurred (NotImplemented) when calling the PutBucketVersioning operation",
               "ERROR : f: Failed to copy: operation error S3: UploadPartCopy, https response error StatusCode: 501"]
    for line in answers:
        with pytest.raises(pytest.skip.Exception) as skipped:
            expect_success(run(1, line + "\n"), "versioning")
        assert str(skipped.value.msg).startswith(UNSUPPORTED_PREFIX)


def test_missing_program_is_unsupported_with_the_install_command() -> None:
    missing = Program("no-such-program-s3g", "nothing", "pip install nothing-bin")
    assert missing.path() is None and missing.version() == "not installed"
    with pytest.raises(pytest.skip.Exception) as skipped:
        missing.require()
    assert skipped.value.msg == f"{UNSUPPORTED_PREFIX}nothing not installed: pip install nothing-bin"


def test_run_program_times_out_and_kills() -> None:
    done = run_program([sys.executable, "-c", "import time; print('started', flush=True); time.sleep(30)"],
                       dict(os.environ), timeout=1)
    assert done.timed_out and not done.ok
    assert done.describe().startswith("did not finish within 1 s (killed)")
    assert done.duration_s < 15


def test_rclone_env_describes_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "developer")
    monkeypatch.setenv("RCLONE_CONFIG_OTHER_TYPE", "s3")
    env = rclone_env({"gauntlet": target(verify="/ca.pem"), "second": target(verify=False)}, tmp_path)
    assert env["RCLONE_CONFIG_GAUNTLET_TYPE"] == "s3" and env["RCLONE_CONFIG_GAUNTLET_PROVIDER"] == "Other"
    assert env["RCLONE_CONFIG_GAUNTLET_ENDPOINT"] == "http://127.0.0.1:9000"
    assert env["RCLONE_CONFIG_GAUNTLET_SECRET_ACCESS_KEY"] == SECRET
    assert env["RCLONE_CONFIG_GAUNTLET_SESSION_TOKEN"] == "token-xyz"
    assert env["RCLONE_CONFIG_GAUNTLET_REGION"] == "eu-west-3"
    assert env["RCLONE_CONFIG_GAUNTLET_FORCE_PATH_STYLE"] == "true"
    assert env["RCLONE_CONFIG_SECOND_ACCESS_KEY_ID"] == "AKIDEXAMPLE"
    assert env["RCLONE_CA_CERT"] == "/ca.pem" and env["RCLONE_NO_CHECK_CERTIFICATE"] == "true"
    assert "AWS_PROFILE" not in env and "RCLONE_CONFIG_OTHER_TYPE" not in env
    config = Path(env["RCLONE_CONFIG"])
    assert config.read_text() == "" and stat.S_IMODE(config.stat().st_mode) == 0o600
    assert rclone_env(target(addressing="virtual"), tmp_path / "v")["RCLONE_CONFIG_GAUNTLET_FORCE_PATH_STYLE"] == \
        "false"


def test_awscli_env_describes_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "developer")
    env = awscli_env(target(verify="/ca.pem"), tmp_path, "when_required", s3_extra={"max_concurrent_requests": "1"})
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9000" and env["AWS_SECRET_ACCESS_KEY"] == SECRET
    assert env["AWS_SESSION_TOKEN"] == "token-xyz" and env["AWS_DEFAULT_REGION"] == "eu-west-3"
    assert env["AWS_CA_BUNDLE"] == "/ca.pem" and env["AWS_REQUEST_CHECKSUM_CALCULATION"] == "when_required"
    assert "AWS_PROFILE" not in env and env["AWS_EC2_METADATA_DISABLED"] == "true"
    config = Path(env["AWS_CONFIG_FILE"])
    text = config.read_text()
    assert stat.S_IMODE(config.stat().st_mode) == 0o600 and SECRET not in text
    for line in ("region = eu-west-3", "max_attempts = 1", "  multipart_threshold = 5MB",
                 "  multipart_chunksize = 5MB", "  addressing_style = path", "  max_concurrent_requests = 1"):
        assert line in text.splitlines()
    default = awscli_env(target(), tmp_path / "default")
    assert "AWS_REQUEST_CHECKSUM_CALCULATION" not in default and "AWS_CA_BUNDLE" not in default
    assert awscli_flags(target(verify=False)) == ["--no-verify-ssl"] and awscli_flags(target()) == []
