"""Assertions for compatibility cases.

Each helper fails with an `S3Mismatch` whose message says what S3 requires and
what the server did, and carries the HTTP status and error code the server gave.
A server answering NotImplemented / 501 makes the case *unsupported*, never a pass.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import botocore.exceptions
import pytest
import requests

from gauntlet.plugin.verdict import UNSUPPORTED_PREFIX, S3Mismatch
from gauntlet.s3.data import first_difference
from gauntlet.s3.errors import client_error_details, is_not_implemented

_case = threading.local()


def begin_case() -> None:
    """Start counting checks for a new case (the plugin calls this before each case)."""
    _case.checks = 0


def _next_check(helper: str) -> str:
    """A stable short id for the check about to run: the helper's name and its order in the case."""
    _case.checks = getattr(_case, "checks", 0) + 1
    return f"{helper}#{_case.checks}"


def unsupported(reason: str) -> None:
    """End the case as *unsupported* (shown as such in results, never as a pass)."""
    pytest.skip(f"{UNSUPPORTED_PREFIX}{reason}")


class ErrorSeen:
    """What the server answered inside an `expect_error` block."""

    status: int | None = None
    code: str | None = None
    message: str = ""
    response: dict[str, Any] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return (self.response or {}).get("ResponseMetadata", {}).get("HTTPHeaders", {})


def _codes(code: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if code is None:
        return ()
    return (code,) if isinstance(code, str) else tuple(code)


def _describe(status: int | None, codes: tuple[str, ...]) -> str:
    if not codes:
        return f"HTTP {status}"
    return f"HTTP {status} {' or '.join(codes)}"


@contextlib.contextmanager
def expect_error(
    status: int, code: str | tuple[str, ...] | None, rule: str
) -> Iterator[ErrorSeen]:
    """The block must raise a ClientError with this status and (one of these) error code(s).

    `rule` names the S3 rule, e.g. "GetObject on a missing key (GetObject, Errors)".
    `code=None` accepts any code (HEAD answers carry no body, so no code).
    """
    seen = ErrorSeen()
    codes = _codes(code)
    check = _next_check("expect_error")
    try:
        yield seen
    except botocore.exceptions.ClientError as exc:
        seen.status, seen.code, seen.message = client_error_details(exc)
        seen.response = exc.response
        if is_not_implemented(seen.status, seen.code) and "NotImplemented" not in codes:
            unsupported(f"{rule}: server answered {seen.status} {seen.code}")
        if seen.status != status or (codes and seen.code not in codes):
            raise S3Mismatch(
                f"{rule}: S3 requires {_describe(status, codes)}; server answered "
                f"{seen.status} {seen.code}: {seen.message}".rstrip(": "),
                seen.status, seen.code, check=check, required_status=status, required_codes=codes,
            ) from None
        return
    raise S3Mismatch(f"{rule}: S3 requires {_describe(status, codes)}; the server accepted the request",
                     200, None, check=check, required_status=status, required_codes=codes)


@contextlib.contextmanager
def expect_refused(rule: str) -> Iterator[ErrorSeen]:
    """The block must be refused with some 4xx, whatever the code: for the cases that check *that* a
    request is refused (and then read the state back), beside the case that checks *how* (`expect_error`).
    A 5xx is not a refusal: the server broke, and the case says so."""
    seen = ErrorSeen()
    check = _next_check("expect_refused")
    try:
        yield seen
    except botocore.exceptions.ClientError as exc:
        seen.status, seen.code, seen.message = client_error_details(exc)
        seen.response = exc.response
        if is_not_implemented(seen.status, seen.code):
            unsupported(f"{rule}: server answered {seen.status} {seen.code}")
        if seen.status is None or not 400 <= seen.status < 500:
            raise S3Mismatch(f"{rule}: S3 refuses this request with a 4xx; server answered {seen.status} {seen.code}",
                             seen.status, seen.code, check=check) from None
        return
    raise S3Mismatch(f"{rule}: S3 refuses this request; the server accepted it", 200, None, check=check)


def expect_http_error(
    response: requests.Response, status: int, code: str | tuple[str, ...] | None, rule: str
) -> str | None:
    """Like `expect_error` for a raw `requests` response; returns the error code found."""
    codes = _codes(code)
    check = _next_check("expect_http_error")
    got_code = error_code_of(response)
    if is_not_implemented(response.status_code, got_code) and "NotImplemented" not in codes:
        unsupported(f"{rule}: server answered {response.status_code} {got_code}")
    if response.status_code != status or (codes and got_code not in codes):
        detail = (
            "the server accepted the request" if response.ok
            else f"server answered {response.status_code} {got_code or '(no error code in the body)'}"
        )
        raise S3Mismatch(f"{rule}: S3 requires {_describe(status, codes)}; {detail}",
                         response.status_code, got_code, check=check, required_status=status, required_codes=codes)
    return got_code


def error_code_of(response: requests.Response) -> str | None:
    """The <Code> of an S3 XML error body, if any."""
    text = response.text if response.content else ""
    start = text.find("<Code>")
    if start < 0:
        return None
    end = text.find("</Code>", start)
    return text[start + 6 : end] if end > start else None


def expect_status(response: requests.Response, status: int, rule: str) -> None:
    """A raw response must have exactly this status."""
    check = _next_check("expect_status")
    if response.status_code != status:
        code = error_code_of(response)
        if is_not_implemented(response.status_code, code):
            unsupported(f"{rule}: server answered {response.status_code} {code}")
        raise S3Mismatch(
            f"{rule}: S3 requires HTTP {status}; server answered {response.status_code}"
            + (f" {code}" if code else "" if response.status_code < 300 else " (no error code in the body)"),
            response.status_code, code, check=check, required_status=status,
        )


def expect_equal(actual: Any, expected: Any, rule: str) -> None:
    """`actual` must equal `expected`; bytes are compared without dumping them."""
    check = _next_check("expect_equal")
    if actual == expected:
        return
    if isinstance(actual, (bytes, bytearray)) and isinstance(expected, (bytes, bytearray)):
        raise S3Mismatch(f"{rule}: S3 requires the stored bytes back exactly; got {first_difference(actual, expected)}",
                         check=check)
    raise S3Mismatch(f"{rule}: S3 requires {expected!r}; server gave {actual!r}", check=check)


def expect_true(condition: bool, rule: str, what_happened: str) -> None:
    check = _next_check("expect_true")
    if not condition:
        raise S3Mismatch(f"{rule}: {what_happened}", check=check)


def status_of(response: dict[str, Any]) -> int:
    """The HTTP status of a boto3 response dict."""
    return int(response["ResponseMetadata"]["HTTPStatusCode"])


def header(response: dict[str, Any], name: str) -> str | None:
    """A response header (case-insensitive) of a boto3 response dict."""
    return response["ResponseMetadata"]["HTTPHeaders"].get(name.lower())


def call_status(call: Callable[[], dict[str, Any]]) -> int:
    return status_of(call())
