"""Helpers shared by the authentication suites (suites/test_sigv4.py, test_presign.py, test_post_object.py).

- reading an S3 XML error body (its <Message>) from a raw `requests` response;
- checking that a rejected write stored nothing;
- building a browser POST form (a POST policy signed with SigV4) by hand, so a case
  can sign a policy boto3 won't produce (already expired, a field left out).

The POST policy rules are those of "Authenticating Requests in Browser-Based Uploads
Using POST (AWS Signature Version 4)" and "Creating a POST Policy" (Amazon S3 API
Reference): the policy is a JSON document, base64-encoded; the signature is
HMAC-SHA256 of that base64 text with the SigV4 signing key of the credential scope.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

from gauntlet.plugin.checks import error_code_of, expect_true
from gauntlet.s3 import sigv4
from gauntlet.s3.credentials import Credentials


def xml_field(response: requests.Response, name: str) -> str | None:
    """The text of the first <name> element of an XML body, entities decoded (None if absent)."""
    text = response.text if response.content else ""
    start = text.find(f"<{name}>")
    if start < 0:
        return None
    end = text.find(f"</{name}>", start)
    return html.unescape(text[start + len(name) + 2 : end]) if end > start else None


def error_message(response: requests.Response) -> str:
    """The <Message> of an S3 XML error body ('' when there is none)."""
    return xml_field(response, "Message") or ""


def expect_message_contains(response: requests.Response, needle: str, rule: str) -> None:
    """The error body's <Message> must contain `needle` (case-insensitive)."""
    message = error_message(response)
    expect_true(
        needle.lower() in message.lower(), rule,
        f"S3 answers with the message {needle!r}; server's message was {message!r}",
    )


def list_keys(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    """Every key in `bucket` (ListObjectsV2, all pages)."""
    keys: list[str] = []
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    while True:
        page = s3.list_objects_v2(**kwargs)
        keys.extend(obj["Key"] for obj in page.get("Contents", []))
        if not page.get("IsTruncated"):
            return keys
        kwargs["ContinuationToken"] = page["NextContinuationToken"]


def expect_not_stored(s3: Any, bucket: str, key: str, rule: str,
                      response: requests.Response | None = None) -> None:
    """A rejected write must leave no object behind (`response`: the server's answer, for the message)."""
    keys = list_keys(s3, bucket)
    answered = ""
    if response is not None:
        answered = f" answered {response.status_code} {error_code_of(response) or ''}".rstrip() + " and"
    expect_true(key not in keys, rule,
                f"S3 rejects the request and stores nothing; the server{answered} stored {key!r}")


# --------------------------------------------------------------------------- browser POST uploads


def post_form(
    credentials: Credentials,
    region: str,
    bucket: str,
    key: str,
    *,
    conditions: list[Any] | None = None,
    fields: dict[str, str] | None = None,
    expiration: datetime | None = None,
    now: datetime | None = None,
    key_condition: bool = True,
    bucket_condition: str | None = None,
    exact_fields: bool = True,
    policy_b64: str | None = None,
) -> dict[str, str]:
    """The form fields of a SigV4 POST upload whose policy we build and sign ourselves.

    The policy names the bucket (`bucket_condition`, default `bucket`), the key (unless
    `key_condition` is False), every `fields` entry as an exact match (unless `exact_fields`
    is False: then only `conditions` cover them), the x-amz-algorithm/credential/date fields
    and `conditions`; it expires at `expiration` (default: in an hour). `policy_b64` signs and
    sends that exact policy text instead (not base64, not JSON ...). Returns the form fields
    to post before the file: key, policy, x-amz-* and `fields`.
    """
    now = now or datetime.now(timezone.utc)
    expiration = expiration or now + timedelta(hours=1)
    stamp = sigv4.amz_date(now)
    scope = sigv4.credential_scope(stamp, region)
    credential = f"{credentials.access_key}/{scope}"
    form: dict[str, str] = {"key": key, **(fields or {})}
    auth = {"x-amz-algorithm": sigv4.ALGORITHM, "x-amz-credential": credential, "x-amz-date": stamp}
    if credentials.session_token:
        auth["x-amz-security-token"] = credentials.session_token
    policy_conditions: list[Any] = [{"bucket": bucket_condition or bucket}]
    if key_condition:
        policy_conditions.append({"key": key})
    if exact_fields:
        policy_conditions += [{name: value} for name, value in (fields or {}).items()]
    policy_conditions += [{name: value} for name, value in auth.items()]
    policy_conditions += conditions or []
    policy = {
        "expiration": expiration.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "conditions": policy_conditions,
    }
    encoded = policy_b64 if policy_b64 is not None else base64.b64encode(json.dumps(policy).encode()).decode()
    form.update(auth)
    form["policy"] = encoded
    form["x-amz-signature"] = sigv4.post_policy_signature(credentials.secret_key, encoded, stamp, region)
    return form


def post_upload(session: requests.Session, url: str, form: dict[str, str], content: bytes,
                filename: str = "upload.bin", timeout: float = 30) -> requests.Response:
    """multipart/form-data POST of `form` then the file (S3 requires the file field last)."""
    return session.post(url, data=form, files={"file": (filename, content, "application/octet-stream")},
                        timeout=timeout, allow_redirects=False)


#: One multipart/form-data part: (field name, value, file name or None for a plain field).
FormPart = tuple[str, "str | bytes", "str | None"]


def post_parts(session: requests.Session, url: str, parts: list[FormPart], timeout: float = 30) -> requests.Response:
    """multipart/form-data POST of `parts` in exactly this order (a file anywhere, or none at all)."""
    boundary = "s3gauntlet" + hashlib.sha256(repr(parts).encode()).hexdigest()[:24]
    body = bytearray()
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            body += b"Content-Type: application/octet-stream\r\n"
        body += b"\r\n" + (value if isinstance(value, bytes) else value.encode()) + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return session.post(url, data=bytes(body), headers=headers, timeout=timeout, allow_redirects=False)
