"""How much a failed case matters: the one list of severities and the rule for choosing one.

A case declares the harm its rule protects against, next to its area marker::

    pytestmark = [pytest.mark.objects, pytest.mark.severity("data")]   # the module's default

    @pytest.mark.severity("detail")                                   # one case that differs
    def test_get_missing_key_error_message_names_the_key(s3, bucket): ...

Choosing (the first that fits wins):

data      a server that fails this case loses or corrupts data silently: wrong bytes back, a write
          reported as failed that happened (or the reverse), a version, lock or precondition that does
          not protect what it should, a checksum mismatch accepted.
security  a server that fails this case lets through what it must refuse: a bad, expired or tampered
          signature or credential accepted, access granted that was not, a secret echoed back.
client    a mainstream client or SDK breaks: wrong status, missing or wrong header, wrong XML shape,
          pagination that never ends.
detail    only the error code or message text or a cosmetic header differs; clients still work.

A case that declares nothing is ``client``.

The *finding* of a failed case can rank lower than the case: when the case requires a refusal and
the server did refuse, but with another status or code, nothing was accepted that should not be, so
the finding is ``client`` (another status) or ``detail`` (same status, another code), whatever the case
declares. A server that accepts what it must refuse keeps the case's own severity.
"""

from __future__ import annotations

from typing import Any

SEVERITIES: dict[str, str] = {
    "data": "silent data loss or corruption",
    "security": "accepted what must be refused, or granted access that was not",
    "client": "breaks a mainstream client or SDK",
    "detail": "error code, message text or a cosmetic header",
}
DEFAULT_SEVERITY = "client"
MARKER = "severity"
MARKER_HELP = f"{MARKER}(level): how much a failure of this case matters: {', '.join(SEVERITIES)}"


def rank(severity: str | None) -> int:
    """0 for the gravest; unknown severities sort last."""
    order = list(SEVERITIES)
    return order.index(severity) if severity in order else len(order)


def declared(markers: Any) -> str:
    """The severity a case declares: its closest `severity` marker, else the default.

    `markers` is what `item.iter_markers(MARKER)` yields (closest first)."""
    for marker in markers:
        level = marker.args[0] if marker.args else marker.kwargs.get("level")
        if level not in SEVERITIES:
            raise ValueError(f"unknown severity {level!r} (known: {', '.join(SEVERITIES)})")
        return str(level)
    return DEFAULT_SEVERITY


def of_finding(case_severity: str, refused_as: str | None) -> str:
    """The severity of one failure of a case that declares `case_severity` (see the module rule).

    `refused_as` is "status" or "code" when the case required a refusal and the server refused with
    another status or another code (`Verdict.refused_as`), None otherwise."""
    if refused_as == "status":
        return case_severity if rank(case_severity) > rank("client") else "client"
    if refused_as == "code":
        return case_severity if rank(case_severity) > rank("detail") else "detail"
    return case_severity
