"""``payhub worker`` has no HTTP API: with ``[telemetry] worker_metrics_port`` it serves its own
Prometheus endpoint (provider calls made by resolution, resolution latency, job runs) from a
background thread, on the configured ``host``."""

from __future__ import annotations

import logging
from typing import Any

from prometheus_client import start_http_server

from hub.telemetry.metrics import REGISTRY

log = logging.getLogger("payhub.telemetry")
_serving: set[int] = set()


def serve_worker_metrics(settings: Any) -> int | None:
    """Start the worker's metrics server (once per port); returns the port, or None if not configured."""
    port: int | None = getattr(getattr(settings, "telemetry", None), "worker_metrics_port", None)
    if port is None:
        return None
    if port not in _serving:
        host = str(getattr(settings, "host", "127.0.0.1"))
        start_http_server(port, addr=host, registry=REGISTRY)
        _serving.add(port)
        log.info("worker metrics at http://%s:%d/metrics", host, port)
    return port
