"""The raw fixture's two signers agree on ordinary requests, and requests-aws4auth's known flaw is real."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import requests
from requests_aws4auth import AWS4Auth

from gauntlet.s3 import sigv4

AK, SK, REGION = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1"
WHEN = dt.datetime(2026, 11, 21, 6, 0, 0, tzinfo=dt.timezone.utc)


def aws4auth_authorization(method: str, url: str, body: bytes) -> str:
    prepared = requests.Request(method, url, data=body).prepare()
    prepared.url = url
    auth = AWS4Auth(AK, SK, REGION, "s3")
    with mock.patch("requests_aws4auth.aws4auth.datetime") as clock:
        clock.datetime.now.return_value = WHEN
        clock.datetime.utcnow.return_value = WHEN.replace(tzinfo=None)
        clock.datetime.strptime = dt.datetime.strptime
        auth.regenerate_signing_key(date=WHEN.strftime("%Y%m%d"))
        signed = auth(prepared)
    return signed.headers["Authorization"], signed.headers["x-amz-date"], signed.headers["x-amz-content-sha256"]


@pytest.mark.parametrize("key", ["plain.txt", "dir/sub/file", "with space", "tilde~"])
def test_harness_signer_matches_requests_aws4auth_for_ordinary_keys(key: str) -> None:
    url = sigv4.s3_url("http://127.0.0.1:9000", "bucket", key)
    body = b"hello"
    authorization, date, payload = aws4auth_authorization("PUT", url, body)
    ours = sigv4.sign_request("PUT", url, {"x-amz-content-sha256": payload}, body, access_key=AK, secret_key=SK,
                              region=REGION, amz_date=date)
    assert ours.headers["Authorization"].split("Signature=")[1] == authorization.split("Signature=")[1]


def test_requests_aws4auth_normalises_double_slash_which_s3_must_not() -> None:
    """Why the harness has its own signer: `a//b` is a different key from `a/b` in S3."""
    url = sigv4.s3_url("http://127.0.0.1:9000", "bucket", "a//b")
    authorization, date, payload = aws4auth_authorization("GET", url, b"")
    ours = sigv4.sign_request("GET", url, {"x-amz-content-sha256": payload}, b"", access_key=AK, secret_key=SK,
                              region=REGION, amz_date=date)
    assert ours.headers["Authorization"] != authorization
