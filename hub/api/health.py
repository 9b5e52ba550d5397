"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from hub.api.auth import public
from hub.api.problems import problem
from hub.api.responses import json_response


@get("/health", tags=["health"], opt=public("liveness probe: says only that the process answers"))
async def health() -> Response[bytes]:
    return json_response({"status": "ok"})


@get("/ready", tags=["health"], opt=public("readiness probe for load balancers: no data beyond up/down"))
async def ready(request: Request[Any, Any, Any]) -> Response[bytes]:
    try:
        await request.app.state.hub.ready()
    except Exception as exc:  # the database is unreachable
        return problem(503, "not_ready", f"database unreachable: {type(exc).__name__}")
    return json_response({"status": "ready", "database": "ok"})
