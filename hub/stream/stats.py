"""The event stream's lag for ``GET /v1/admin/stats`` and ``/metrics`` (DESIGN §16)."""

from __future__ import annotations

from typing import Any

from hub.stream.relay import refresh_lag


def hub_stream_enabled(request: Any) -> bool:
    stream = getattr(request.app.state.hub, "stream", None)
    return bool(stream is not None and stream.enabled)


async def stream_lag(hub: Any) -> int:
    return await refresh_lag(hub.engine)


async def event_stream_stats(hub: Any) -> dict[str, Any]:
    """``enabled``, the topic, and ``lag``: events written and not yet acknowledged by the
    broker (null when the stream is off: nothing is waiting for it)."""
    cfg = hub.settings.events.kafka
    if not cfg.enabled:
        return {"enabled": False, "topic": None, "lag": None}
    return {"enabled": True, "topic": cfg.topic, "lag": await stream_lag(hub)}
