"""Fault injection: a proxy that plays one named S3 server bug in front of any target.

``FAULTS`` is the catalogue (name -> :class:`Fault`); ``start_proxy(upstream, fault,
log_dir)`` starts a proxy process and returns a handle with ``endpoint``, ``pid``
and ``stop()`` (used by ``Fleet`` for targets that say ``faults: {wraps: ..., fault: ...}``).
``python -m gauntlet.faults.mutation`` runs the suites against each fault and
reports which cases kill it. See README.md in this folder.
"""

from __future__ import annotations

from gauntlet.faults import catalogue as _catalogue  # noqa: F401  (registers the faults)
from gauntlet.faults.model import Headers, Request, Response
from gauntlet.faults.proxy import ProxyHandle, start_proxy
from gauntlet.faults.registry import AREAS, FAULTS, Fault, request_fault, response_fault


def catalogue() -> list[Fault]:
    """Every fault of the catalogue, in order (the pass-through `none` left out)."""
    return [f for f in FAULTS.values() if not f.passthrough]


__all__ = ["AREAS", "FAULTS", "Fault", "Headers", "ProxyHandle", "Request", "Response", "catalogue",
           "request_fault", "response_fault", "start_proxy"]
