"""Telemetry fixtures: a hub with short provider timeouts, a /metrics scraper, log and span capture."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.logs import JsonFormatter
from hub.telemetry import tracing
from tests.conftest import HubHarness, start_harness
from vault.redaction import RedactingFilter

# read timeout 0.5 s -> the hang card (4000000000000259) is ambiguous after ~2 s
FAST_TOML = """
[[accounts]]
id = "sandbox"
adapter = "simulator"
[accounts.timeouts]
connect = 0.5
read = 0.5

[resolution]
schedule = [0.3, 0.5, 1.0, 2.0]
lease_margin = 0.5
sweep_interval = 3600.0

[telemetry]
backlog_refresh_seconds = 0
"""

# the first resolution check comes after a minute: an ambiguous payment stays unknown
SLOW_RESOLUTION_TOML = FAST_TOML.replace("schedule = [0.3, 0.5, 1.0, 2.0]", "schedule = [60.0]")

OK = "4242424242424242"
DECLINE = "4000000000009995"
HANG = "4000000000000259"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def pay(number: str = OK, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": 1099,
        "currency": "EUR",
        "capture": "manual",
        "payment_method": {
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        },
    }
    body.update(kw)
    return body


async def _started(db_url: str, tmp_path: Path, toml: str) -> HubHarness:
    return await start_harness(db_url, tmp_path, config_toml=toml, simulator_options={"hang_seconds": 5.0})


async def _close(h: HubHarness) -> None:
    await h.client.aclose()
    await h.hub.stop()
    await asyncio.gather(*list(h.hub.resolver._background), return_exceptions=True)


@pytest.fixture
async def th(db_url: str, tmp_path: Path) -> AsyncIterator[HubHarness]:
    h = await _started(db_url, tmp_path, FAST_TOML)
    try:
        yield h
    finally:
        await _close(h)


@pytest.fixture
async def slow_th(db_url: str, tmp_path: Path) -> AsyncIterator[HubHarness]:
    h = await _started(db_url, tmp_path, SLOW_RESOLUTION_TOML)
    try:
        yield h
    finally:
        await _close(h)


@pytest.fixture
def scrape() -> Callable[[HubHarness], Any]:
    """``await scrape(h)`` -> {(metric sample name, labels): value} read from GET /metrics (no key)."""

    async def _scrape(h: HubHarness) -> Samples:
        r = await h.client.get("/metrics")
        assert r.status_code == 200, r.text
        out: Samples = {}
        for family in text_string_to_metric_families(r.text):
            for s in family.samples:
                out[(s.name, frozenset(s.labels.items()))] = s.value
        return out

    return _scrape


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def value() -> Callable[..., float]:
    """``value(samples, name, **labels)``: one sample's value (0 when absent)."""
    return sample


class JsonLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.addFilter(RedactingFilter())  # as hub.logs.setup_logging does
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def json_logs() -> Iterator[JsonLines]:
    """Every ``payhub*`` log line, formatted by the hub's JsonFormatter and parsed back."""
    handler = JsonLines()
    logger = logging.getLogger("payhub")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


@pytest.fixture
def spans() -> Iterator[Any]:
    """Tracing on, into an InMemorySpanExporter (``spans.get_finished_spans()``)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.shutdown()


@pytest.fixture
def wait_status() -> Callable[..., Any]:
    async def _wait(h: HubHarness, payment_id: str, want: str, timeout: float = 15.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                body: dict[str, Any] = (await h.get(f"/v1/payments/{payment_id}")).json()
                if body["status"] == want:
                    return body
                await asyncio.sleep(0.05)

    return _wait
