"""OpenTelemetry: a server span per API request, a client span per provider call under it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from hub.config import TelemetryConfig
from hub.domain.errors import ConfigError
from hub.telemetry import tracing
from tests.conftest import make_settings
from tests.telemetry.conftest import DECLINE, OK, pay


async def test_a_payment_request_and_its_provider_call_are_spans(th, spans):
    r = await th.post("/v1/payments", pay(OK), **{"X-Request-ID": "req-span-1"})
    assert r.status_code == 201
    finished = spans.get_finished_spans()
    server = [s for s in finished if s.kind == SpanKind.SERVER]
    client = [s for s in finished if s.kind == SpanKind.CLIENT and s.name == "provider authorize"]
    assert [s.name for s in server] == ["POST /v1/payments"]
    assert server[0].attributes["http.route"] == "/v1/payments"
    assert server[0].attributes["http.response.status_code"] == 201
    assert server[0].attributes["payhub.request_id"] == "req-span-1"
    assert len(client) == 1
    call = client[0]
    assert dict(call.attributes) == {
        "payhub.account": "sandbox",
        "payhub.operation": "authorize",
        "payhub.outcome": "succeeded",
    }
    assert call.parent is not None and call.parent.span_id == server[0].context.span_id
    assert call.context.trace_id == server[0].context.trace_id


async def test_a_decline_is_a_definite_outcome_not_a_span_error(th, spans):
    await th.post("/v1/payments", pay(DECLINE))
    call = next(s for s in spans.get_finished_spans() if s.name == "provider authorize")
    assert call.attributes["payhub.outcome"] == "failed"
    assert call.status.status_code != StatusCode.ERROR


async def test_an_incoming_traceparent_is_continued(th, spans):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = {"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
    r = await th.client.get("/health", headers=headers)
    assert r.status_code == 200
    (server,) = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert server.name == "GET /health"
    assert format(server.context.trace_id, "032x") == trace_id
    assert server.parent is not None and format(server.parent.span_id, "016x") == "00f067aa0ba902b7"


async def test_route_templates_name_spans_not_raw_paths(th, spans):
    pid = (await th.post("/v1/payments", pay(OK))).json()["id"]
    spans.clear()
    await th.get(f"/v1/payments/{pid}")
    (server,) = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert pid not in server.name and server.name.startswith("GET /v1/payments/{payment_id")


async def test_tracing_is_off_unless_configured(th):
    assert tracing.tracer() is None
    assert tracing.configure(TelemetryConfig()) is False
    assert tracing.tracer() is None
    r = await th.client.get("/health")
    assert r.status_code == 200


def test_console_exporter_when_asked():
    try:
        assert tracing.configure(TelemetryConfig(otel=True, exporter="console")) is True
        assert tracing.tracer() is not None
    finally:
        tracing.shutdown()
    assert tracing.tracer() is None


def test_otlp_without_its_package_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # payhub[otel] ships the OTLP/HTTP exporter; a bare install of the API + SDK lacks it
    for module in (
        "opentelemetry.exporter.otlp.proto.http.trace_exporter",
        "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
    ):
        monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    with pytest.raises(ConfigError, match=r"^telemetry\.exporter"):
        tracing.configure(TelemetryConfig(otel=True, exporter="otlp", otlp_endpoint="http://collector:4318"))
    assert tracing.tracer() is None


@pytest.mark.parametrize(
    ("toml", "env", "key"),
    [
        ("[telemetry]\nexporter = 'zipkin'\n", {}, r"^telemetry\.exporter"),
        ("[telemetry]\notlp_endpoint = 'collector:4318'\n", {}, r"^telemetry\.otlp_endpoint"),
        ("[telemetry]\nbacklog_refresh_seconds = -1\n", {}, r"^telemetry\.backlog_refresh_seconds"),
        ("[telemetry]\notel = 'yes'\n", {}, r"^telemetry\.otel"),
        ("[telemetry]\ncolour = 'blue'\n", {}, r"colour"),
        ("", {"PAYHUB_OTEL": "maybe"}, r"^PAYHUB_OTEL"),
        ("", {"PAYHUB_OTEL_EXPORTER": "jaeger"}, r"^telemetry\.exporter"),
    ],
)
def test_every_invalid_telemetry_setting_names_its_key(
    tmp_path: Path, toml: str, env: dict[str, str], key: str
):
    with pytest.raises(ConfigError, match=key):
        make_settings("sqlite+aiosqlite:///x.db", tmp_path, config_toml=toml or "\n", env=env)


def test_telemetry_settings_from_the_environment(tmp_path: Path):
    s = make_settings(
        "sqlite+aiosqlite:///x.db",
        tmp_path,
        env={
            "PAYHUB_OTEL": "true",
            "PAYHUB_OTEL_EXPORTER": "console",
            "PAYHUB_OTLP_ENDPOINT": "http://c:4318",
        },
    )
    assert (s.telemetry.otel, s.telemetry.exporter, s.telemetry.otlp_endpoint) == (
        True,
        "console",
        "http://c:4318",
    )
