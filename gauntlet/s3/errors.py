"""Reading an S3 error answer as botocore reports it: status, code, message, and "not implemented"."""

from __future__ import annotations

import botocore.exceptions

NOT_IMPLEMENTED_CODES = {"NotImplemented", "NotImplementedError"}
def client_error_details(exc: botocore.exceptions.ClientError) -> tuple[int | None, str | None, str]:
    """(status, error code, message) from a botocore ClientError."""
    response = getattr(exc, "response", {}) or {}
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    error = response.get("Error", {}) or {}
    code = error.get("Code")
    message = error.get("Message") or ""
    return status, code, message


def is_not_implemented(status: int | None, code: str | None) -> bool:
    return status == 501 or (code in NOT_IMPLEMENTED_CODES)
