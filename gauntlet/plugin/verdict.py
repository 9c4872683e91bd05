"""Turn what happened in a case into one honest verdict.

pass         the server behaved like S3
fail         the server behaved unlike S3 (the message says what S3 requires and what it did)
unsupported  the server answered NotImplemented / 501, or the target declares the feature absent
error        the harness, the network or the server process broke (a crash is an error, not a fail)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

import botocore.exceptions
import botocore.parsers
import requests
import urllib3.exceptions

from gauntlet import masking
from gauntlet.s3.errors import client_error_details, is_not_implemented

UNSUPPORTED_PREFIX = "unsupported: "


class Outcome(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    UNSUPPORTED = "unsupported"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


class S3Mismatch(AssertionError):
    """The server's answer differs from what S3 requires."""

    def __init__(self, message: str, http_status: int | None = None, error_code: str | None = None, *,
                 check: str | None = None, required_status: int | None = None,
                 required_codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.error_code = error_code
        self.check = check  # which check of the case failed: a stable short id such as "expect_error#2"
        self.required_status = required_status
        self.required_codes = required_codes


class TargetDown(Exception):
    """The target's server process is gone: every remaining case is an error."""


@dataclass
class Verdict:
    outcome: Outcome
    message: str = ""
    http_status: int | None = None
    error_code: str | None = None
    check: str | None = None
    # the case required a refusal and the server refused in another way: "status" (another status)
    # or "code" (the required status, another error code); None otherwise
    refused_as: str | None = None

    @property
    def fingerprint(self) -> str | None:
        """`status|code|check` of a fail or error: equal fingerprints are the same finding."""
        if self.outcome not in (Outcome.FAIL, Outcome.ERROR):
            return None
        return f"{self.http_status or '-'}|{self.error_code or '-'}|{self.check or '-'}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        return cls(Outcome(data["outcome"]), data.get("message", ""), data.get("http_status"),
                   data.get("error_code"), data.get("check"), data.get("refused_as"))


_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.HTTPClientError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    urllib3.exceptions.HTTPError,
    ConnectionError,
    TimeoutError,
)
# botocore raises these when the server's answer can't be what S3 sends.
_SERVER_SENT_GARBAGE: tuple[type[BaseException], ...] = (
    botocore.parsers.ResponseParserError,
    botocore.exceptions.FlexibleChecksumError,
    botocore.exceptions.ChecksumError,
    botocore.exceptions.IncompleteReadError,
)


def _first_lines(text: str, limit: int = 600) -> str:
    text = " ".join(line.strip() for line in str(text).strip().splitlines() if line.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def classify(exc: BaseException | None, phase: str, skip_reason: str | None = None,
             check: str | None = None) -> Verdict:
    """The verdict for one phase (setup / call / teardown) of a case.

    `check` names where the case failed when the exception doesn't (a plain `assert` line)."""
    if skip_reason is not None:
        reason = skip_reason.removeprefix("Skipped: ")
        return Verdict(Outcome.UNSUPPORTED, masking.mask(reason.removeprefix(UNSUPPORTED_PREFIX)))
    if exc is None:
        return Verdict(Outcome.PASS)
    where = "" if phase == "call" else f"{phase}: "
    if isinstance(exc, S3Mismatch):
        refused_as = None
        if (exc.required_status or 0) >= 300 and (exc.http_status or 0) >= 300:
            refused_as = "code" if exc.http_status == exc.required_status else "status"
        return Verdict(Outcome.FAIL, masking.mask(_first_lines(str(exc))), exc.http_status, exc.error_code,
                       exc.check or check, refused_as)
    if isinstance(exc, botocore.exceptions.ClientError):
        status, code, message = client_error_details(exc)
        op = getattr(exc, "operation_name", "the request")
        if is_not_implemented(status, code):
            return Verdict(Outcome.UNSUPPORTED, masking.mask(f"{where}{op}: server answered {status} {code}"),
                           status, code)
        answer = f"server answered {status} {code}" + (f": {message}" if message else "")
        if phase != "call":
            return Verdict(Outcome.ERROR, masking.mask(f"{where}{op}: {answer}"), status, code, f"{phase}:{op}")
        return Verdict(
            Outcome.FAIL, masking.mask(_first_lines(f"S3 requires {op} to succeed here; {answer}")), status, code,
            f"call:{op}",
        )
    if isinstance(exc, TargetDown):
        return Verdict(Outcome.ERROR, masking.mask(str(exc)))
    if isinstance(exc, AssertionError):
        outcome = Outcome.FAIL if phase == "call" else Outcome.ERROR
        return Verdict(outcome, masking.mask(where + _first_lines(str(exc) or "assertion failed")), check=check)
    if isinstance(exc, _SERVER_SENT_GARBAGE):
        outcome = Outcome.FAIL if phase == "call" else Outcome.ERROR
        return Verdict(outcome, masking.mask(where + _first_lines(f"unusable response: {exc}")),
                       check=f"{phase}:{type(exc).__name__}")
    if isinstance(exc, _CONNECTION_ERRORS):
        return Verdict(Outcome.ERROR, masking.mask(where + _first_lines(f"connection failed: {exc}")),
                       check=f"{phase}:connection")
    return Verdict(Outcome.ERROR, masking.mask(where + _first_lines(f"{type(exc).__name__}: {exc}")),
                   check=f"{phase}:{type(exc).__name__}")


def combine(phases: dict[str, Verdict]) -> Verdict:
    """One verdict per case from its phases: setup decides first, then the call, then teardown."""
    setup = phases.get("setup")
    if setup is not None and setup.outcome is not Outcome.PASS:
        return setup
    call = phases.get("call")
    if call is not None and call.outcome is not Outcome.PASS:
        return call
    teardown = phases.get("teardown")
    if teardown is not None and teardown.outcome is not Outcome.PASS:
        return Verdict(Outcome.ERROR, teardown.message, teardown.http_status, teardown.error_code, teardown.check)
    if call is None:
        return Verdict(Outcome.ERROR, "case did not run")
    return call
