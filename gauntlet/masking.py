"""Keep secrets out of logs, result rows, reports and test ids.

Every credential the harness resolves is registered here; anything the harness
writes (result messages, meta.json, launcher output) passes through `mask`.
"""

from __future__ import annotations

import re
import threading
from typing import Any

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "***"

# Shapes that are secret whatever registered them: SigV4 signatures and the
# secret inside an Authorization header or a presigned query string.
_PATTERNS = [
    re.compile(r"(Signature=)[0-9a-fA-F]{16,}"),
    re.compile(r"(X-Amz-Signature=)[0-9a-fA-F]{16,}", re.IGNORECASE),
    re.compile(r"(X-Amz-Security-Token=)[^&\s\"']+", re.IGNORECASE),
    re.compile(r"((?:aws_secret_access_key|secret_key|AWS_SECRET_ACCESS_KEY|secretKey)\s*[=:]\s*)[^\s,;\"']+"),
]


def register(*secrets: str | None) -> None:
    """Remember values that must never appear in anything the harness writes."""
    with _lock:
        for secret in secrets:
            if secret and len(secret) >= 4:
                _secrets.add(secret)


def mask(text: str) -> str:
    """Replace every registered secret and every signature-shaped value in `text`."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def mask_obj(value: Any) -> Any:
    """`mask` applied to every string inside a JSON-like structure."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: mask_obj(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_obj(v) for v in value]
    return value
