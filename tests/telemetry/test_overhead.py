"""What the telemetry middleware costs per request (figures printed; run with -s to see them).

A trivial Litestar handler is driven straight through ASGI (no HTTP client in the way),
bare and with the middleware installed the two ways Litestar allows: wrapping the app's
whole ASGI handler (what hub.api.app does) or as an app-level ``middleware=[...]`` entry.
The assertions are about behaviour (every request measured, id echoed), never about time.
"""

from __future__ import annotations

import time
from typing import Any

from litestar import Litestar, get

from hub.telemetry.metrics import REGISTRY
from hub.telemetry.middleware import TelemetryMiddleware, install

N = 3000


@get("/bench/{item_id:str}")
async def _item(item_id: str) -> dict[str, str]:
    return {"id": item_id}


def _scope(i: int) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": f"/bench/it_{i}",
        "raw_path": f"/bench/it_{i}".encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"hub"), (b"authorization", b"Bearer x"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 1234),
        "server": ("hub", 80),
    }


async def _drive(app: Any, n: int) -> tuple[float, list[dict[str, Any]]]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    starts: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            starts.append(message)

    for i in range(200):  # warm up
        await app(_scope(i), receive, send)
    starts.clear()
    t0 = time.perf_counter()
    for i in range(n):
        await app(_scope(i), receive, send)
    return (time.perf_counter() - t0) / n * 1e6, starts


def _count() -> float:
    labels = {"route": "/bench/{item_id}", "method": "GET", "status": "200"}
    return REGISTRY.get_sample_value("payhub_http_request_seconds_count", labels) or 0.0


async def test_middleware_overhead_per_request():
    bare_us, _ = await _drive(Litestar(route_handlers=[_item]), N)

    before = _count()
    wrapped_us, starts = await _drive(install(Litestar(route_handlers=[_item])), N)
    assert _count() - before == N + 200  # every request measured, under its route template
    assert all(dict(s["headers"]).get(b"x-request-id") for s in starts)

    before = _count()
    listed_us, _ = await _drive(Litestar(route_handlers=[_item], middleware=[TelemetryMiddleware]), N)
    assert _count() - before == N + 200

    print(
        f"\nper request over {N}: bare {bare_us:.1f} us; telemetry wrapping the ASGI handler "
        f"+{wrapped_us - bare_us:.1f} us; as a Litestar middleware entry +{listed_us - bare_us:.1f} us"
    )
