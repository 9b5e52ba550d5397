"""Operator views: ``GET /metrics`` (Prometheus, no API key) and ``GET /v1/admin/stats`` (admin).

``/metrics`` exposes this process's registry (hub.telemetry.metrics.REGISTRY); the backlog
gauges are refreshed from the database at scrape time, at most every
``[telemetry] backlog_refresh_seconds``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.api.auth import public
from hub.api.responses import json_response
from hub.services import stats
from hub.services.api_keys import Permission
from hub.stream.stats import event_stream_stats, hub_stream_enabled, stream_lag
from hub.telemetry.metrics import REGISTRY


@get(
    "/metrics",
    tags=["health"],
    include_in_schema=False,
    opt=public("Prometheus scrape: aggregate counters only, no resource data; restrict at the network"),
)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    gauges = getattr(request.app.state.hub, "gauges", None)
    if gauges is not None:
        await gauges.refresh()
    if hub_stream_enabled(request):
        await stream_lag(request.app.state.hub)  # payhub_event_stream_lag
    request.app.state.hub.payments.router.breakers.export()
    return Response(content=generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


@get("/v1/admin/stats", tags=["admin"], opt={"permission": Permission.ADMIN})
async def admin_stats(request: Request[Any, Any, Any], window: str | None = None) -> Response[bytes]:
    """Per account over the window (default 1h; ``?window=15m``): operations by status,
    success rate, unknown count, provider latency p50/p95; operations needing review;
    the resolution backlog; each account's routing circuit breaker in this process."""
    hub = request.app.state.hub
    seconds = stats.parse_window(window)
    body = await stats.collect(hub.engine, window_seconds=seconds, accounts=hub.providers.ids())
    body["routing"] = {"breakers": hub.payments.router.breakers.snapshot()}
    body["event_stream"] = await event_stream_stats(hub)
    return json_response(body)
