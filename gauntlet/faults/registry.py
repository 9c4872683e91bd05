"""The fault type and the decorators that register one.

A fault is one small function (or two) with a docstring that says which server bug it
is, and the areas whose cases should catch it::

    @request_fault("ignore-range", areas=("objects",))
    def ignore_range(req: Request) -> None:
        \"\"\"Ignores Range: GET answers 200 with the whole object.\"\"\"
        if req.op in ("GetObject", "HeadObject"):
            req.drop_header("range")

    @response_fault("drop-etag", areas=("objects",))
    def drop_etag(req: Request, resp: Response) -> None:
        \"\"\"Sends no ETag header on object answers.\"\"\"
        resp.headers.remove("etag")

``request_fault`` functions edit the request before it is forwarded (the proxy
signs it again) and may return a :class:`Response` to answer without asking the
upstream; ``response_fault`` functions edit the answer. ``buffer=`` predicates say
when a body must be read whole first (``req.body`` / ``resp.body``); everything
else streams. A fault that needs both sides is a :class:`Fault` built directly.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from gauntlet.areas import AREAS as SUITE_AREAS
from gauntlet.areas import SMOKE
from gauntlet.faults.model import Request, Response

RequestHook = Callable[[Request], "Response | None"]
ResponseHook = Callable[[Request, Response], None]
RequestPredicate = Callable[[Request], bool]
ResponsePredicate = Callable[[Request, Response], bool]

#: Areas a fault may declare (the suites' area markers, plus smoke).
AREAS = (*(a for a in SUITE_AREAS if a != "interop"), SMOKE)

#: name -> Fault, in catalogue order. `none` (the pass-through) is registered too.
FAULTS: dict[str, Fault] = {}


@dataclass(frozen=True)
class Fault:
    """One named server bug the proxy can play."""

    name: str
    areas: tuple[str, ...]
    doc: str
    on_request: RequestHook | None = None
    on_response: ResponseHook | None = None
    buffer_request: RequestPredicate | None = None
    buffer_response: ResponsePredicate | None = None
    #: pytest -m expression for the mutation run (default: the areas, or smoke)
    select: str | None = None
    #: why the suites are known not to catch this fault yet (listed as a known survivor)
    known_survivor: str | None = None
    #: not a bug: the pass-through used for baselines
    passthrough: bool = False
    #: seconds each affected request stalls (the mutation run starts such faults first, cases in parallel)
    stall_s: float = 0.0

    @property
    def summary(self) -> str:
        """The first line of the docstring."""
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else ""

    @property
    def area(self) -> str:
        """The main area (the first one declared)."""
        return self.areas[0]

    def selection(self) -> str:
        """The pytest ``-m`` expression the mutation run uses for this fault."""
        if self.select:
            return self.select
        return " or ".join([*dict.fromkeys([*self.areas, "smoke"])])


def register(fault: Fault) -> Fault:
    if fault.name in FAULTS:
        raise ValueError(f"fault '{fault.name}' registered twice")
    unknown = [a for a in fault.areas if a not in AREAS]
    if unknown:
        raise ValueError(f"fault '{fault.name}': unknown area(s) {unknown} (known: {', '.join(AREAS)})")
    FAULTS[fault.name] = fault
    return fault


def _doc(func: Callable[..., object]) -> str:
    return inspect.cleandoc(func.__doc__ or "")


def request_fault(name: str, *, areas: tuple[str, ...], buffer: RequestPredicate | None = None,
                  select: str | None = None, known_survivor: str | None = None
                  ) -> Callable[[RequestHook], RequestHook]:
    """Register ``func(req) -> Response | None`` as the request side of fault ``name``."""

    def wrap(func: RequestHook) -> RequestHook:
        register(Fault(name, tuple(areas), _doc(func), on_request=func, buffer_request=buffer, select=select,
                       known_survivor=known_survivor))
        return func

    return wrap


def response_fault(name: str, *, areas: tuple[str, ...], buffer: ResponsePredicate | None = None,
                   select: str | None = None, known_survivor: str | None = None, stall_s: float = 0.0
                   ) -> Callable[[ResponseHook], ResponseHook]:
    """Register ``func(req, resp)`` as the response side of fault ``name``."""

    def wrap(func: ResponseHook) -> ResponseHook:
        register(Fault(name, tuple(areas), _doc(func), on_response=func, buffer_response=buffer, select=select,
                       known_survivor=known_survivor, stall_s=stall_s))
        return func

    return wrap
