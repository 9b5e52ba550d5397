"""Provider faults of one history, drawn from its seeded generator.

:class:`SimTransport` is the contract suite's :class:`FaultTransport` around the in-process
simulated PSP: before each request it draws a fault (or none) and arms it for that one
request, so every fault it knows (a timeout or a dropped connection *after* the provider
acted, a refused connection, 500, 429, 503) can hit any call. The simulation adds its own:
a process crash just before the request leaves, a crash just after the provider acted (the
reply is lost with the process), a slow answer (virtual time passes during the call), and
a search by reference that lags (the provider's index has not caught up: nothing found). A crash raises :class:`Crash`,
which no ``except Exception`` in the hub swallows: the in-flight work is abandoned and the
history restarts the hub from its database. A request may also be *parked* (held before it
reaches the provider) so another request runs in the middle of it: two concurrent
requests, interleaved deterministically.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import httpx

from adapters.simulator.faults import Fault, FaultTransport


class Crash(BaseException):
    """The hub process died here (a BaseException: nothing in the hub catches it)."""


CRASH_BEFORE = "crash_before_send"
CRASH_AFTER = "crash_after_effect"
STALE_SEARCH = "stale_search"  # a search by reference answers from an index that lags: nothing yet
SLOW = "slow"  # the answer comes, late (virtual time passes while the call is out)

# (fault, weight) drawn when a request is faulted
_MENU: tuple[tuple[str, int], ...] = (
    (Fault.TIMEOUT_AFTER_PROCESSING.value, 5),
    (Fault.DROP_AFTER_PROCESSING.value, 3),
    (Fault.CONNECT_ERROR.value, 2),
    (Fault.SERVER_ERROR.value, 2),
    (Fault.RATE_LIMITED.value, 1),
    (Fault.UNAVAILABLE.value, 2),
    (CRASH_BEFORE, 1),
    (CRASH_AFTER, 2),
    (SLOW, 3),
)
# the share of searches by reference (``GET ...?reference=``) that lag, when faults are on
STALE_RATE = 0.5


class SimTransport(FaultTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, rng: random.Random, rate: float) -> None:
        super().__init__(inner)
        self.rng = rng
        self.rate = rate
        self.enabled = True
        self.crashes = True
        self.park_next: str | None = None  # path suffix of the POST to hold
        self.parked = asyncio.Event()
        self.release = asyncio.Event()
        self.trace: list[str] = []
        self.advance: Callable[[float], None] = lambda seconds: None  # the world's virtual clock

    def draw(self) -> str | None:
        if not self.enabled or self.rng.random() >= self.rate:
            return None
        names = [n for n, _ in _MENU if self.crashes or not n.startswith("crash")]
        weights = [w for n, w in _MENU if self.crashes or not n.startswith("crash")]
        return self.rng.choices(names, weights)[0]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.park_next and request.method == "POST" and request.url.path.endswith(self.park_next):
            self.park_next = None
            self.parked.set()
            await self.release.wait()
        what = f"{request.method} {_shape(request.url.path)}"
        if self.enabled and request.method == "GET" and "reference" in request.url.params:
            if self.rng.random() < STALE_RATE:
                self.trace.append(f"{what}?reference {STALE_SEARCH}")
                return httpx.Response(200, json={"object": "list", "data": [], "has_more": False})
        fault = self.draw()
        self.trace.append(f"{what} {fault or 'ok'}")
        if fault == CRASH_BEFORE:
            raise Crash(f"crash before {what}")
        if fault == CRASH_AFTER:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            raise Crash(f"crash after {what}")
        if fault == SLOW:  # well inside the read timeout: the call succeeds, the clock has moved
            self.advance(self.rng.choice((0.2, 0.5, 0.9)))
            return await super().handle_async_request(request)
        if fault is not None:
            self.arm(Fault(fault), times=1)
        return await super().handle_async_request(request)


def _shape(path: str) -> str:
    """The path with ids blanked, for the trace (ids differ in nothing that matters)."""
    parts = path.strip("/").split("/")
    return "/" + "/".join("*" if "_" in p and any(c.isdigit() for c in p) else p for p in parts)
