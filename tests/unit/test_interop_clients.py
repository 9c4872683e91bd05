"""The SDK interop wing: the client list, build digests, the run-argument check, verdicts from lines, the matrix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gauntlet import masking
from gauntlet.fleet.launch.tools import run_selects_interop
from gauntlet.fleet.running import LiveTarget
from gauntlet.interop.clients import CLIENTS, DATA_STEPS, SDK_STEPS, source_digest
from gauntlet.plugin.verdict import UNSUPPORTED_PREFIX, S3Mismatch
from gauntlet.reports.clients import client_matrix
from gauntlet.s3.credentials import Credentials
from suites._support.interop_transcript import Transcript, client_env
from suites.test_interop_sdks import judge

SECRET = "sdk-secret-never-printed-77"


def test_every_client_has_a_folder_and_known_steps() -> None:
    assert len(CLIENTS) >= 8
    for client in CLIENTS.values():
        assert client.source.is_dir(), client.source
        assert set(client.steps) <= set(SDK_STEPS) | set(DATA_STEPS), client.name
        assert list(client.steps) == [s for s in (*SDK_STEPS, *DATA_STEPS) if s in client.steps], "in scenario order"


def test_source_digest_changes_with_the_sources_not_with_build_output(tmp_path: Path) -> None:
    (tmp_path / "main.go").write_text("package main")
    first = source_digest(tmp_path)
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "out.bin").write_bytes(b"\0")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.js").write_text("x")
    assert source_digest(tmp_path) == first
    (tmp_path / "main.go").write_text("package main // edited")
    assert source_digest(tmp_path) != first


def test_python_clients_share_one_virtualenv_keyed_by_requirements() -> None:
    dirs = {c.build_dir for c in CLIENTS.values() if c.kind == "python"}
    assert len(dirs) == 1
    assert next(iter(dirs)).name.startswith("interop-python-")


@pytest.mark.parametrize(("args", "expected"), [
    (["--target", "seaweedfs", "-m", "interop"], True),
    (["--target", "seaweedfs", "-m", "sse or interop"], True),
    (["suites/test_interop_sdks.py", "--target", "minio"], True),
    (["--target", "seaweedfs"], False),
    (["--target", "seaweedfs", "-m", "not interop"], False),
])
def test_only_runs_that_ask_for_interop_build_the_clients(args: list[str], expected: bool) -> None:
    assert run_selects_interop(args) is expected


def test_client_env_is_the_contract_and_drops_the_callers_aws_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "developer")
    target = LiveTarget(name="t", endpoint="https://127.0.0.1:9443", region="eu-west-3", addressing="path",
                        verify="/tmp/ca.pem", credentials=Credentials("AKIDEXAMPLE", SECRET), alt_credentials=None,
                        features={}, checksum_mode="when_supported")
    env = client_env(CLIENTS["go-v2"], target, "gx-bucket")
    assert env["GAUNTLET_ENDPOINT"] == "https://127.0.0.1:9443" and env["GAUNTLET_REGION"] == "eu-west-3"
    assert env["GAUNTLET_CA_BUNDLE"] == "/tmp/ca.pem" and env["GAUNTLET_BUCKET"] == "gx-bucket"
    assert env["GAUNTLET_CLIENT"] == "go-v2" and "AWS_PROFILE" not in env
    assert SECRET not in masking.mask(f"leaked {SECRET}")


def _line(step: str, ok: bool, **extra: object) -> dict[str, object]:
    return {"step": step, "ok": ok, "status": None, "error_code": None, "message": "", "duration_s": 0.1, **extra}


def test_judge_passes_ok_and_fails_with_the_programs_message() -> None:
    client = CLIENTS["js-v3"]
    transcript = Transcript("js-v3", "3.1", {
        "put_small": _line("put_small", True),
        "get_range": _line("get_range", False, status=200, message="S3 requires 206; got 200"),
        "head": _line("head", False, blocked_by="put_small", message="not run: put_small failed"),
    }, exit_code=0)
    judge(client, "put_small", transcript)
    with pytest.raises(S3Mismatch, match="get_range: S3 requires 206; got 200") as failed:
        judge(client, "get_range", transcript)
    assert failed.value.http_status == 200 and failed.value.check == "js-v3:get_range"
    with pytest.raises(S3Mismatch, match="not run: put_small failed") as blocked:
        judge(client, "head", transcript)
    assert blocked.value.check == "js-v3:put_small"


def test_judge_not_implemented_is_unsupported_and_a_missing_line_is_an_error() -> None:
    client = CLIENTS["go-v2"]
    transcript = Transcript("go-v2", "1.0", {"copy": _line("copy", False, status=501, error_code="NotImplemented")},
                            exit_code=2, error_line="panic: nil map")
    with pytest.raises(pytest.skip.Exception, match=UNSUPPORTED_PREFIX):
        judge(client, "copy", transcript)
    with pytest.raises(RuntimeError, match="ended before step head: exit 2: panic: nil map"):
        judge(client, "head", transcript)


def test_judge_unbuilt_client_is_unsupported_with_the_build_command() -> None:
    client = CLIENTS["rust-sdk"]
    with pytest.raises(pytest.skip.Exception, match="tools interop-rust-sdk"):
        judge(client, "put_small", Transcript("rust-sdk", not_built="no build"))


def test_transcript_survives_the_file_round_trip() -> None:
    transcript = Transcript("s3fs", "2026.9.0", {"write_parquet": _line("write_parquet", True)}, exit_code=0)
    again = Transcript.from_lines("s3fs", transcript.to_lines())
    assert again == transcript


def test_client_matrix_counts_steps_per_client_and_target() -> None:
    def row(target: str, params: str, outcome: str, message: str = "") -> dict[str, str]:
        return {"target": target, "test": "test_sdk_step", "params": params, "outcome": outcome, "message": message}

    cases = pd.DataFrame([
        row("a", "go-v2::put_small", "pass"), row("a", "go-v2::get_range", "fail", "S3 requires 206"),
        row("b", "go-v2::put_small", "pass"), row("b", "go-v2::get_range", "pass"),
        row("a", "duckdb::write_parquet", "unsupported"),
        {"target": "a", "test": "test_other", "params": "", "outcome": "fail", "message": ""},
    ])
    frame = client_matrix(cases, ["a", "b"])
    assert frame[["client", "target", "passed", "total", "unsupported"]].values.tolist() == [
        ["go-v2", "a", 1, 2, 0], ["go-v2", "b", 2, 2, 0], ["duckdb", "a", 0, 1, 1]]
    assert frame.loc[0, "failing"] == "get_range: fail: S3 requires 206"
