"""Transport faults around any fake (or real) transport.

``FaultTransport`` wraps an inner ``httpx.AsyncBaseTransport`` (typically
``httpx.ASGITransport(app=fake.app)``) and injects the faults that make an
outcome ambiguous, exactly where they hurt:

* ``timeout_after_processing``: forward, let the provider process it, then
  raise ``httpx.ReadTimeout`` instead of returning the reply;
* ``drop_after_processing``: forward, then raise ``httpx.RemoteProtocolError``;
* ``connect_error``: raise ``httpx.ConnectError`` without forwarding;
* ``server_error``: answer 500 without forwarding;
* ``rate_limited``: answer 429 (Stripe's ``rate_limit`` body) without forwarding;
* ``unavailable``: answer 503 without forwarding.

Faults are armed one-shot (``times=1``), for N requests, or persistently
(``times=None``), optionally only for requests matching a method, a path
regex or a predicate, after skipping the first ``skip`` matching requests.
Every request is recorded (method, path, fault applied, forwarded or not).
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

__all__ = ["ArmedFault", "Fault", "FaultTransport", "RecordedRequest"]


class Fault(enum.StrEnum):
    TIMEOUT_AFTER_PROCESSING = "timeout_after_processing"
    DROP_AFTER_PROCESSING = "drop_after_processing"
    CONNECT_ERROR = "connect_error"
    SERVER_ERROR = "server_error"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"

    @property
    def forwards(self) -> bool:
        """True when the request reaches the provider despite the fault."""
        return self in (Fault.TIMEOUT_AFTER_PROCESSING, Fault.DROP_AFTER_PROCESSING)


@dataclass
class ArmedFault:
    fault: Fault
    method: str | None = None
    path: re.Pattern[str] | None = None
    match: Callable[[httpx.Request], bool] | None = None
    skip: int = 0  # matching requests to let through first
    times: int | None = 1  # None: persistent
    fired: int = 0
    seen: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def matches(self, request: httpx.Request) -> bool:
        if self.method is not None and request.method.upper() != self.method.upper():
            return False
        if self.path is not None and not self.path.search(request.url.path):
            return False
        return not (self.match is not None and not self.match(request))


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    fault: Fault | None
    forwarded: bool
    status_code: int | None = None


@dataclass
class _State:
    armed: list[ArmedFault] = field(default_factory=list)
    log: list[RecordedRequest] = field(default_factory=list)


_JSON = {"content-type": "application/json"}
_CANNED: dict[Fault, tuple[int, dict[str, str], bytes]] = {
    Fault.SERVER_ERROR: (
        500, _JSON, b'{"error":{"type":"api_error","message":"injected fault: internal server error"}}'
    ),
    Fault.RATE_LIMITED: (
        429,
        {**_JSON, "retry-after": "0"},
        b'{"error":{"type":"invalid_request_error","code":"rate_limit",'
        b'"message":"injected fault: too many requests hit the API too quickly"}}',
    ),
    Fault.UNAVAILABLE: (503, _JSON, b'{"error":{"type":"api_error","message":"injected fault: unavailable"}}'),
}


class FaultTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self._state = _State()

    # ------------------------------------------------------------------ arming
    def arm(
        self,
        fault: Fault | str,
        *,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        match: Callable[[httpx.Request], bool] | None = None,
        skip: int = 0,
        times: int | None = 1,
    ) -> ArmedFault:
        """Arm ``fault`` for the next matching request(s). ``times=None`` = persistent."""
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None (persistent)")
        if skip < 0:
            raise ValueError("skip must be >= 0")
        pattern = re.compile(path) if isinstance(path, str) else path
        armed = ArmedFault(Fault(fault), method=method, path=pattern, match=match, skip=skip, times=times)
        self._state.armed.append(armed)
        return armed

    def timeout_after_processing(self, **kw: object) -> ArmedFault:
        return self.arm(Fault.TIMEOUT_AFTER_PROCESSING, **kw)  # type: ignore[arg-type]

    def drop_after_processing(self, **kw: object) -> ArmedFault:
        return self.arm(Fault.DROP_AFTER_PROCESSING, **kw)  # type: ignore[arg-type]

    def connect_error(self, **kw: object) -> ArmedFault:
        return self.arm(Fault.CONNECT_ERROR, **kw)  # type: ignore[arg-type]

    def server_error(self, **kw: object) -> ArmedFault:
        return self.arm(Fault.SERVER_ERROR, **kw)  # type: ignore[arg-type]

    def rate_limited(self, **kw: object) -> ArmedFault:
        return self.arm(Fault.RATE_LIMITED, **kw)  # type: ignore[arg-type]

    def disarm(self, armed: ArmedFault | None = None) -> None:
        """Remove one armed fault, or all of them."""
        if armed is None:
            self._state.armed.clear()
        elif armed in self._state.armed:
            self._state.armed.remove(armed)

    @property
    def armed(self) -> list[ArmedFault]:
        return [a for a in self._state.armed if not a.exhausted]

    # ------------------------------------------------------------------ what happened
    @property
    def requests(self) -> list[RecordedRequest]:
        return list(self._state.log)

    def count(self, method: str | None = None, path: str | re.Pattern[str] | None = None, *,
              forwarded_only: bool = False) -> int:
        """Requests seen, optionally filtered by method and path regex (or exact path)."""
        pattern = re.compile(path) if isinstance(path, str) else path
        n = 0
        for r in self._state.log:
            if method is not None and r.method != method.upper():
                continue
            if pattern is not None and not (r.path == pattern.pattern or pattern.search(r.path)):
                continue
            if forwarded_only and not r.forwarded:
                continue
            n += 1
        return n

    def counts(self) -> Counter[tuple[str, str]]:
        """Requests seen by (method, path)."""
        return Counter((r.method, r.path) for r in self._state.log)

    def reset_log(self) -> None:
        self._state.log.clear()

    # ------------------------------------------------------------------ transport
    def _take(self, request: httpx.Request) -> Fault | None:
        for armed in self._state.armed:
            if armed.exhausted or not armed.matches(request):
                continue
            armed.seen += 1
            if armed.seen <= armed.skip:
                continue
            armed.fired += 1
            return armed.fault
        return None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fault = self._take(request)
        method, path = request.method.upper(), request.url.path

        if fault is Fault.CONNECT_ERROR:
            self._state.log.append(RecordedRequest(method, path, fault, forwarded=False))
            raise httpx.ConnectError("injected fault: connection refused", request=request)
        if fault in _CANNED:
            status, headers, body = _CANNED[fault]
            self._state.log.append(RecordedRequest(method, path, fault, forwarded=False, status_code=status))
            return httpx.Response(status, headers=headers, content=body, request=request)

        response = await self.inner.handle_async_request(request)
        self._state.log.append(RecordedRequest(method, path, fault, forwarded=True, status_code=response.status_code))
        if fault is None:
            return response
        # the provider has processed the request; the reply is lost on the way back
        await response.aread()
        await response.aclose()
        if fault is Fault.TIMEOUT_AFTER_PROCESSING:
            raise httpx.ReadTimeout("injected fault: read timed out after the request was processed",
                                    request=request)
        raise httpx.RemoteProtocolError("injected fault: server disconnected without sending a response",
                                        request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()
