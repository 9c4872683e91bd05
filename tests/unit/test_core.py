"""Bucket naming, cleanup's refusal to touch foreign buckets, result rows, masking, verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.exceptions
import pytest

from gauntlet import masking
from gauntlet.fleet.cleanup import CleanupError, ForeignBucket, LockedBucket, delete_bucket, sweep_run
from gauntlet.fleet.running import LiveTarget
from gauntlet.plugin.verdict import Outcome, S3Mismatch, TargetDown, Verdict, classify, combine
from gauntlet.rundir.layout import ROW_FIELDS
from gauntlet.rundir.rows import ResultWriter, make_row, read_rows
from gauntlet.s3.naming import belongs_to_run, bucket_prefix, is_run_id, new_bucket_name, new_run_id


def test_run_id_and_bucket_names_are_valid_s3_names() -> None:
    run_id = new_run_id()
    assert is_run_id(run_id)
    for _ in range(50):
        name = new_bucket_name(run_id, "gw1")
        assert 3 <= len(name) <= 63 and name == name.lower()
        assert name.startswith(bucket_prefix(run_id)) and belongs_to_run(name, run_id)


def test_foreign_buckets_are_not_ours() -> None:
    run_id = new_run_id()
    other = new_run_id()
    assert not belongs_to_run("production-data", run_id)
    assert not belongs_to_run(new_bucket_name(other), run_id)
    assert not belongs_to_run(f"x{bucket_prefix(run_id)}1", run_id)
    assert not belongs_to_run(bucket_prefix(run_id) + "1", "")  # no run id, no deletion


class RecordingClient:
    """Records calls; any call at all on a foreign bucket is a test failure."""

    def __init__(self, buckets: list[str]) -> None:
        self.buckets = buckets
        self.calls: list[tuple[str, dict]] = []

    def __getattr__(self, name: str):
        def call(**kwargs):
            self.calls.append((name, kwargs))
            if name == "list_buckets":
                return {"Buckets": [{"Name": b} for b in self.buckets]}
            raise AssertionError(f"unexpected call {name}({kwargs})")
        return call


def test_cleanup_refuses_a_foreign_bucket_without_calling_the_server() -> None:
    client = RecordingClient([])
    with pytest.raises(ForeignBucket):
        delete_bucket(client, "production-data", new_run_id())
    assert client.calls == []


def test_sweep_only_selects_the_runs_buckets() -> None:
    run_id = new_run_id()
    client = RecordingClient(["production-data", new_bucket_name(new_run_id()), "s3g-notarun"])
    assert sweep_run(client, run_id) == []
    assert [c[0] for c in client.calls] == ["list_buckets"]


class LockingClient:
    """A lock-enabled bucket: version "gov" is GOVERNANCE-locked, "held" under legal hold, "comp" COMPLIANCE."""

    def __init__(self) -> None:
        self.versions = {"gov": "GOVERNANCE", "held": None, "comp": "COMPLIANCE"}
        self.holds = {"held"}
        self.calls: list[tuple[str, dict]] = []

    def _refuse(self, op: str) -> botocore.exceptions.ClientError:
        return botocore.exceptions.ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "locked"}, "ResponseMetadata": {"HTTPStatusCode": 403}}, op)

    def get_paginator(self, name: str):
        outer = self

        class Pages:
            def paginate(self, **_):
                if name == "list_object_versions":
                    return [{"Versions": [{"Key": "k", "VersionId": v} for v in outer.versions]}]
                return [{"Uploads": []}] if name == "list_multipart_uploads" else [{"Contents": []}]
        return Pages()

    def delete_objects(self, Bucket: str, Delete: dict) -> dict:
        self.calls.append(("delete_objects", Delete))
        return {"Errors": [{"Key": o["Key"], "VersionId": o["VersionId"], "Code": "AccessDenied"}
                           for o in Delete["Objects"]]}

    def delete_object(self, Bucket: str, Key: str, VersionId: str | None = None,
                      BypassGovernanceRetention: bool = False) -> dict:
        self.calls.append(("delete_object", {"VersionId": VersionId, "bypass": BypassGovernanceRetention}))
        mode = self.versions.get(VersionId or "")
        if VersionId in self.holds or mode == "COMPLIANCE" or (mode == "GOVERNANCE" and not BypassGovernanceRetention):
            raise self._refuse("DeleteObject")
        self.versions.pop(VersionId or "", None)
        return {}

    def put_object_legal_hold(self, Bucket: str, Key: str, VersionId: str, LegalHold: dict) -> dict:
        self.calls.append(("put_object_legal_hold", {"VersionId": VersionId, **LegalHold}))
        if LegalHold["Status"] == "OFF":
            self.holds.discard(VersionId)
        return {}

    def get_object_retention(self, Bucket: str, Key: str, VersionId: str) -> dict:
        mode = self.versions.get(VersionId)
        if mode is None:
            raise botocore.exceptions.ClientError({"Error": {"Code": "NoSuchObjectLockConfiguration"}}, "Get")
        return {"Retention": {"Mode": mode, "RetainUntilDate": "2030-01-02T03:04:05Z"}}

    def delete_bucket(self, Bucket: str) -> dict:
        if self.versions:
            raise botocore.exceptions.ClientError({"Error": {"Code": "BucketNotEmpty"}}, "DeleteBucket")
        return {}


def test_cleanup_lifts_legal_holds_bypasses_governance_and_reports_compliance() -> None:
    run_id = new_run_id()
    client = LockingClient()
    with pytest.raises(LockedBucket) as locked:
        delete_bucket(client, new_bucket_name(run_id), run_id)
    assert locked.value.until == "2030-01-02T03:04:05Z"
    assert set(client.versions) == {"comp"}  # GOVERNANCE bypassed, legal hold lifted; COMPLIANCE stays
    assert ("put_object_legal_hold", {"VersionId": "held", "Status": "OFF"}) in client.calls
    assert ("delete_object", {"VersionId": "gov", "bypass": True}) in client.calls


class LateWriteClient:
    """A plain bucket where a write to key "late" lands just before each of the first `landing` DeleteBucket
    calls (requests the case gave up on, still arriving after it ended)."""

    def __init__(self, landing: int) -> None:
        self.keys: set[str] = {"k"}
        self.landing = landing
        self.delete_bucket_calls = 0
        self.deleted_bucket = False

    def get_paginator(self, name: str):
        outer = self

        class Pages:
            def paginate(self, **_):
                if name == "list_objects_v2":
                    return [{"Contents": [{"Key": k} for k in sorted(outer.keys)]}]
                if name == "list_object_versions":
                    raise botocore.exceptions.ClientError({"Error": {"Code": "NotImplemented"}}, "ListObjectVersions")
                return [{"Uploads": []}]
        return Pages()

    def list_multipart_uploads(self, Bucket: str) -> dict:
        return {"Uploads": []}

    def list_objects_v2(self, Bucket: str, Prefix: str, Delimiter: str) -> dict:
        return {}

    def delete_objects(self, Bucket: str, Delete: dict) -> dict:
        self.keys -= {o["Key"] for o in Delete["Objects"]}
        return {}

    def delete_object(self, Bucket: str, Key: str) -> dict:
        self.keys.discard(Key)
        return {}

    def delete_bucket(self, Bucket: str) -> dict:
        self.delete_bucket_calls += 1
        if self.delete_bucket_calls <= self.landing:
            self.keys.add("late")
        if self.keys:
            raise botocore.exceptions.ClientError({"Error": {"Code": "BucketNotEmpty"}}, "DeleteBucket")
        self.deleted_bucket = True
        return {}


def test_cleanup_keeps_polling_for_a_write_that_lands_after_the_quick_rounds() -> None:
    run_id = new_run_id()
    client = LateWriteClient(landing=4)
    delete_bucket(client, new_bucket_name(run_id), run_id, settle_s=5.0)
    assert client.deleted_bucket and client.delete_bucket_calls == 5


def test_cleanup_of_a_bucket_that_never_empties_names_what_is_still_listed() -> None:
    run_id = new_run_id()
    client = LateWriteClient(landing=10**6)
    with pytest.raises(CleanupError, match=r"after 3 cleanup rounds .* still lists key 'late'"):
        delete_bucket(client, new_bucket_name(run_id), run_id, settle_s=0.0)
    assert not client.deleted_bucket


def test_compliance_lock_is_present_only_on_servers_launched_for_the_run() -> None:
    from gauntlet.s3.credentials import Credentials

    def live(server: str | None, features: dict[str, bool]) -> LiveTarget:
        return LiveTarget(name="t", endpoint="http://127.0.0.1:1", region="us-east-1", addressing="path",
                          verify=True, credentials=Credentials("a", "b"), alt_credentials=None,
                          features=features, checksum_mode="when_supported", server=server)

    assert live("minio", {}).has_feature("compliance_lock")
    assert live("minio+fault", {}).has_feature("compliance_lock")
    assert not live(None, {}).has_feature("compliance_lock")
    assert "not launched" in live(None, {}).why_absent("compliance_lock")
    assert not live("remote+fault", {}).has_feature("compliance_lock")
    assert live(None, {"compliance_lock": True}).has_feature("compliance_lock")
    assert not live("minio", {"compliance_lock": False}).has_feature("compliance_lock")
    assert not live("garage", {"object_lock": False}).has_feature("compliance_lock")


def test_result_rows_have_the_agreed_fields_and_are_masked(tmp_path: Path) -> None:
    masking.register("SuperSecretValue123")
    writer = ResultWriter(tmp_path / "results.jsonl")
    writer.write(make_row("r1", "t", "objects", "test_objects.py::test_x", "fail", 0.5, 400, "BadDigest",
                          "server echoed SuperSecretValue123 and Signature=" + "ab" * 32))
    writer.close()
    rows = read_rows(tmp_path / "results.jsonl")
    assert list(rows[0]) == list(ROW_FIELDS)
    text = (tmp_path / "results.jsonl").read_text()
    assert "SuperSecretValue123" not in text and "ab" * 32 not in text
    assert json.loads(text)["message"].startswith("server echoed ***")


def test_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(make_row("r", "t", "a", "c", "pass", 0)) + "\n{\"run_id\": \"r\", \"tar")
    assert len(read_rows(path)) == 1


def client_error(status: int, code: str) -> botocore.exceptions.ClientError:
    response = {"Error": {"Code": code, "Message": "msg"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return botocore.exceptions.ClientError(response, "GetObject")


@pytest.mark.parametrize(
    ("exc", "phase", "outcome"),
    [
        (None, "call", Outcome.PASS),
        (S3Mismatch("GetObject: S3 requires 404; server answered 200", 200), "call", Outcome.FAIL),
        (AssertionError("x"), "call", Outcome.FAIL),
        (client_error(501, "NotImplemented"), "call", Outcome.UNSUPPORTED),
        (client_error(400, "NotImplemented"), "setup", Outcome.UNSUPPORTED),
        (client_error(400, "InvalidArgument"), "call", Outcome.FAIL),
        (client_error(500, "InternalError"), "setup", Outcome.ERROR),
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), "call", Outcome.ERROR),
        (TargetDown("server died"), "setup", Outcome.ERROR),
        (KeyError("harness bug"), "call", Outcome.ERROR),
    ],
)
def test_classify(exc: BaseException | None, phase: str, outcome: Outcome) -> None:
    assert classify(exc, phase).outcome is outcome


def test_classify_fail_message_says_what_s3_requires() -> None:
    verdict = classify(client_error(400, "InvalidArgument"), "call")
    assert verdict.message.startswith("S3 requires GetObject to succeed here; server answered 400 InvalidArgument")
    assert (verdict.http_status, verdict.error_code) == (400, "InvalidArgument")


def test_unsupported_only_from_skip_reason() -> None:
    verdict = classify(None, "setup", "unsupported: target 'x' declares feature 'versioning' absent")
    assert verdict.outcome is Outcome.UNSUPPORTED and verdict.message.startswith("target 'x'")


def test_combine_prefers_setup_then_call() -> None:
    ok = Verdict(Outcome.PASS)
    assert combine({"setup": Verdict(Outcome.ERROR, "boom"), "teardown": ok}).outcome is Outcome.ERROR
    assert combine({"setup": ok, "call": Verdict(Outcome.FAIL, "f"), "teardown": ok}).outcome is Outcome.FAIL
    assert combine({"setup": ok, "call": ok, "teardown": Verdict(Outcome.FAIL, "t")}).outcome is Outcome.ERROR
    assert combine({"setup": ok, "call": ok, "teardown": ok}).outcome is Outcome.PASS


def test_masking_patterns() -> None:
    masking.register("AKIDEXAMPLE1234", "wJalrXUtnFEMI/K7MDENG")
    text = ("AKIDEXAMPLE1234 wJalrXUtnFEMI/K7MDENG X-Amz-Signature=" + "0f" * 32
            + "&X-Amz-Security-Token=tok%2Fen aws_secret_access_key = abc")
    masked = masking.mask(text)
    for secret in ("AKIDEXAMPLE1234", "wJalrXUtnFEMI/K7MDENG", "0f" * 32, "tok%2Fen", "= abc"):
        assert secret not in masked


def test_only_an_unanswered_request_is_sent_again_and_only_once() -> None:
    import botocore.exceptions

    from gauntlet.s3.clients import retry_unanswered_once

    closed = botocore.exceptions.ConnectionClosedError(endpoint_url="http://127.0.0.1:1/b/k")
    assert retry_unanswered_once(1, closed) == 0.0
    assert retry_unanswered_once(2, closed) is None
    assert retry_unanswered_once(1, botocore.exceptions.ReadTimeoutError(endpoint_url="x")) is None
    assert retry_unanswered_once(1, botocore.exceptions.EndpointConnectionError(endpoint_url="x")) is None
    assert retry_unanswered_once(1, None) is None  # an answer, whatever it is, stands


@pytest.mark.parametrize("node_id", [
    "suites/test_objects.py::test_empty_object_roundtrip[minio]",
    "suites/test_objects.py::test_key_with_special_characters_roundtrips[space-minio]",
    "suites/test_conditional.py::test_if_match[etag-get-minio]",
])
def test_node_id_of_a_rows_case_is_the_node_that_ran_it(node_id: str) -> None:
    from types import SimpleNamespace

    from gauntlet.plugin.run import case_name, case_node_id

    item = SimpleNamespace(nodeid=node_id, callspec=SimpleNamespace(params={"target": "minio"}))
    assert case_node_id(case_name(item), "minio") == node_id
