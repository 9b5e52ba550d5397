"""A real HTTP subscriber on a loopback port, and a hub with short delivery schedules.

The subscriber (an aiohttp.web server) records every request it receives and
answers per path: a programmed sequence of status codes (the last one repeats)
or a hang. Tests get helpers through fixtures (test modules import only
``tests.conftest``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import IN_CI, SANDBOX_TOML, HubHarness, flush_test_redis, redis_test_url, start_harness

REDIS_URL = redis_test_url()  # this test run's own db index

WEBHOOKS_TOML = """
[webhooks]
dispatch_interval = 0.1
timeout = 2.0
retry_schedule = [0.2, 0.2, 0.2]
"""

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Subscriber:
    """Answers ``/<name>``: statuses[name] in turn (default 200), or hangs for names in ``hang``."""

    base_url: str = ""
    statuses: dict[str, list[int]] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def got(self, name: str) -> list[Received]:
        return [r for r in self.received if r.path == f"/{name}"]

    async def wait(self, name: str, count: int, timeout: float = 10.0) -> list[Received]:
        async with asyncio.timeout(timeout):
            while len(self.got(name)) < count:
                await asyncio.sleep(0.02)
        return self.got(name)

    async def handle(self, request: web.Request) -> web.Response:
        name = request.path.lstrip("/")
        self.received.append(
            Received(request.path, dict(request.headers), await request.read(), time.monotonic())
        )
        if name in self.hang:
            await asyncio.sleep(60)
        queue = self.statuses.get(name, [200])
        status = queue.pop(0) if len(queue) > 1 else queue[0]
        return web.Response(status=status, text="ok" if status < 300 else "no")


@pytest.fixture
async def subscriber() -> AsyncIterator[Subscriber]:
    sub = Subscriber()
    app = web.Application()
    app.router.add_post("/{name}", sub.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    sub.base_url = f"http://127.0.0.1:{port}"
    try:
        yield sub
    finally:
        await runner.cleanup()


class Kit:
    """Steps the tests share: subscribe, pay, wait for a delivery's fate."""

    def __init__(self, harness: HubHarness) -> None:
        self.h = harness

    async def subscribe(self, url: str, event_types: list[str], **headers: str) -> dict[str, Any]:
        r = await self.h.post("/v1/webhook-endpoints", {"url": url, "event_types": event_types}, **headers)
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    async def pay(self, capture: str = "manual") -> dict[str, Any]:
        body = {
            "amount": 1099,
            "currency": "EUR",
            "capture": capture,
            "payment_method": {"type": "card", "card": CARD},
        }
        r = await self.h.post("/v1/payments", body)
        assert r.status_code == 201, r.text
        payment: dict[str, Any] = r.json()
        return payment

    async def deliveries(self, endpoint_id: str, **params: Any) -> list[dict[str, Any]]:
        r = await self.h.get(f"/v1/webhook-endpoints/{endpoint_id}/deliveries", **params)
        assert r.status_code == 200, r.text
        data: list[dict[str, Any]] = r.json()["data"]
        return data

    async def attempts(self, endpoint_id: str, delivery_id: str) -> list[dict[str, Any]]:
        r = await self.h.get(f"/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/attempts")
        assert r.status_code == 200, r.text
        data: list[dict[str, Any]] = r.json()["data"]
        return data

    async def settled(self, endpoint_id: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until ``count`` deliveries of the endpoint are no longer pending."""
        async with asyncio.timeout(timeout):
            while True:
                done = [d for d in await self.deliveries(endpoint_id) if d["status"] != "pending"]
                if len(done) >= count:
                    return done
                await asyncio.sleep(0.05)


async def outbound_harness(db_url: str, tmp_path: Path, toml: str = WEBHOOKS_TOML, **env: str) -> HubHarness:
    return await start_harness(db_url, tmp_path, config_toml=SANDBOX_TOML + toml, env=env)


async def stop_harness(h: HubHarness) -> None:
    await h.client.aclose()
    await h.hub.stop()


@pytest.fixture
async def wh(db_url: str, tmp_path: Path) -> AsyncIterator[HubHarness]:
    h = await outbound_harness(db_url, tmp_path)
    try:
        yield h
    finally:
        await stop_harness(h)


@pytest.fixture
async def kit(wh: HubHarness) -> Kit:
    return Kit(wh)


@pytest.fixture
async def make_harness(db_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    """Build a harness with other settings (``toml`` replaces the [webhooks] section, ``env``)."""
    made: list[HubHarness] = []

    async def make(toml: str = WEBHOOKS_TOML, **env: str) -> tuple[HubHarness, Kit]:
        h = await outbound_harness(db_url, tmp_path, toml, **env)
        made.append(h)
        return h, Kit(h)

    yield make
    for h in made:
        await stop_harness(h)


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
async def redis_db() -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    r = Redis.from_url(REDIS_URL)
    try:
        await r.ping()
    except Exception as exc:
        await r.aclose()
        if IN_CI:
            pytest.fail(f"Redis is required in CI and is unreachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {exc}")
    flush_test_redis()
    try:
        yield r
    finally:
        flush_test_redis()
        await r.aclose()
