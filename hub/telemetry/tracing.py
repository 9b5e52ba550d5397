"""Optional OpenTelemetry tracing (``pip install 'payhub[otel]'``, ``[telemetry] otel = true``).

A span per API request (opened by :class:`hub.telemetry.middleware.TelemetryMiddleware`,
named ``"<METHOD> <route template>"``, continuing an incoming W3C ``traceparent``) and a
child span per provider call (:func:`hub.services.executor.call_adapter`, attributes
account, operation kind and outcome).

Tracing is off unless configured: then :func:`tracer` is ``None`` and every hook here is
a single ``None`` check. The hub keeps its own ``TracerProvider`` (it does not replace
the process-wide one), so tests can install one that exports to an ``InMemorySpanExporter``
with :func:`install`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from hub.config import TelemetryConfig
from hub.domain.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from opentelemetry.trace import Span, Tracer

log = logging.getLogger("payhub.telemetry")

_tracer: Tracer | None = None
_provider: Any = None
_NULL: nullcontext[None] = nullcontext()


def tracer() -> Tracer | None:
    """The hub's tracer, or ``None`` when tracing is off."""
    return _tracer


def configure(cfg: TelemetryConfig) -> bool:
    """Set up tracing from ``[telemetry]``; returns whether it is on."""
    if not cfg.otel:
        return False
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise ConfigError(
            "telemetry.otel: OpenTelemetry is not installed (pip install 'payhub[otel]')"
        ) from exc
    provider = TracerProvider(resource=Resource.create({"service.name": cfg.service_name}))
    exporter = _exporter(cfg)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    install(provider)
    return True


def _exporter(cfg: TelemetryConfig) -> Any:
    if cfg.exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if cfg.exporter == "none":
        return None
    if not cfg.otlp_endpoint:
        log.warning("telemetry.otlp_endpoint is not set: spans are recorded but not exported")
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        try:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # type: ignore[no-redef]
                OTLPSpanExporter,
            )
        except ImportError as exc:
            raise ConfigError(
                "telemetry.exporter: 'otlp' needs opentelemetry-exporter-otlp "
                "(pip install opentelemetry-exporter-otlp), or use 'console'"
            ) from exc
    return OTLPSpanExporter(endpoint=cfg.otlp_endpoint)


def install(provider: Any) -> None:
    """Trace through ``provider`` (an SDK ``TracerProvider``) from now on."""
    global _tracer, _provider
    _provider = provider
    _tracer = provider.get_tracer("payhub")


def shutdown() -> None:
    """Flush and stop the installed provider; tracing is off afterwards."""
    global _tracer, _provider
    provider, _provider, _tracer = _provider, None, None
    if provider is not None:
        try:
            provider.shutdown()
        except Exception:  # exporting is best effort; never fail a stop for it
            log.warning("tracing: flushing spans failed", exc_info=True)


# ---------------------------------------------------------------------------- provider calls
def provider_span(account: str, operation: str) -> Any:
    """A context manager around one provider call, yielding the span (or ``None`` when off)."""
    if _tracer is None:
        return _NULL
    return _provider_span(_tracer, account, operation)


@contextmanager
def _provider_span(t: Tracer, account: str, operation: str) -> Iterator[Span]:
    from opentelemetry.trace import SpanKind

    attributes = {"payhub.account": account, "payhub.operation": operation}
    with t.start_as_current_span(f"provider {operation}", kind=SpanKind.CLIENT, attributes=attributes) as s:
        yield s


def set_outcome(span: Span | None, outcome: str) -> None:
    if span is not None:
        span.set_attribute("payhub.outcome", outcome)


# ---------------------------------------------------------------------------- API requests
class RequestSpan:
    """The server span of one request, current while the request runs."""

    __slots__ = ("_span", "_token")

    def __init__(
        self, t: Tracer, method: str, headers: Iterable[tuple[bytes, bytes]], request_id: str
    ) -> None:
        from opentelemetry import context, propagate, trace

        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers}
        parent = propagate.extract(carrier)
        self._span = t.start_span(
            method,
            context=parent,
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": method, "payhub.request_id": request_id},
        )
        self._token = context.attach(trace.set_span_in_context(self._span, parent))

    def end(self, route: str, method: str, status: int) -> None:
        from opentelemetry import context
        from opentelemetry.trace import Status, StatusCode

        span = self._span
        span.update_name(f"{method} {route}")
        span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))
        span.end()
        context.detach(self._token)


def start_request_span(
    method: str, headers: Iterable[tuple[bytes, bytes]], request_id: str
) -> RequestSpan | None:
    if _tracer is None:
        return None
    return RequestSpan(_tracer, method, headers, request_id)
