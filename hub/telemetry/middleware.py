"""One raw ASGI middleware for every request: request id, latency histogram, log scope, span.

It wraps the application's whole ASGI handler (outside routing and exception handling,
where Litestar's own OpenTelemetry plugin sits), so it sees every response, 404s and
problem+json errors included, with its final status code, and ``path_template``, which the
router writes into the scope, is there by the time the response is sent.

Per request it costs a header scan, two ContextVar sets, one dict lookup for the
histogram child and one ``observe`` — a few microseconds (see
``tests/telemetry/test_overhead.py`` for the figures).

* ``X-Request-ID``: honoured when sane (1-128 of ``A-Za-z0-9._:-``), otherwise generated;
  echoed in the response, put in ``scope["state"]["request_id"]`` and in every log line.
* ``payhub_http_request_seconds{route, method, status}``: the route TEMPLATE
  (``/v1/payments/{payment_id:str}``), ``unmatched`` when no route matched — never a raw path.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hub.logs import request_id_var
from hub.telemetry import tracing
from hub.telemetry.context import close_scope, open_scope
from hub.telemetry.metrics import HTTP_REQUEST_SECONDS

REQUEST_ID_HEADER = b"x-request-id"
_SANE_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
UNMATCHED = "unmatched"


def new_request_id() -> str:
    return os.urandom(16).hex()


def request_id_from(headers: Any) -> str:
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            if _SANE_ID.fullmatch(value):
                return str(value.decode("ascii"))
            break
    return new_request_id()


class TelemetryMiddleware:
    __slots__ = ("_children", "app")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._children: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        rid = request_id_from(headers)
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}  # type: ignore[typeddict-unknown-key]
        state["request_id"] = rid
        echo = (REQUEST_ID_HEADER, rid.encode("ascii"))
        status = 500  # if the app dies before answering, the server answers 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echo]
            await send(message)

        method: str = scope["method"]  # type: ignore[typeddict-item]
        span = tracing.start_request_span(method, headers, rid)
        rid_token = request_id_var.set(rid)
        log_scope = open_scope()
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("path_template") or UNMATCHED
            key = (route, method, status)
            child = self._children.get(key)
            if child is None:
                child = self._children[key] = HTTP_REQUEST_SECONDS.labels(route, method, str(status))
            child.observe(elapsed)
            close_scope(log_scope)
            request_id_var.reset(rid_token)
            if span is not None:
                span.end(route, method, status)


def install(app: Litestar) -> Litestar:
    """Wrap ``app``'s ASGI handler (once) with :class:`TelemetryMiddleware`."""
    if not isinstance(app.asgi_handler, TelemetryMiddleware):
        app.asgi_handler = TelemetryMiddleware(app.asgi_handler)
    return app
