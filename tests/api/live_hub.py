"""A whole hub (SQLite, simulator) running on its own event loop in a background thread, and an
ASGI app that forwards every request to it, for synchronous drivers (schemathesis) that call an
ASGI app from an event loop of their own (tests/api/test_schemathesis.py).

The hub's database engine, HTTP clients and background tasks belong to the loop they were made
on; the bridge runs each request there and carries ``receive``/``send`` back to the caller's loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from tests.conftest import HubHarness, start_harness

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class LoopBridge:
    """An ASGI app: the hub's app, run on the hub's loop. Lifespan is answered here (the hub is
    started and stopped by :class:`LiveHub`, once, not per client)."""

    def __init__(self) -> None:
        self.app: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if self.app is None or self.loop is None:
            raise RuntimeError("the live hub is not started (use the live_hub fixture)")
        caller = asyncio.get_running_loop()

        async def hub_receive() -> Message:
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_call(receive), caller))

        async def hub_send(message: Message) -> None:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_send(send, message), caller))

        future = asyncio.run_coroutine_threadsafe(self.app(scope, hub_receive, hub_send), self.loop)
        await asyncio.wrap_future(future)


async def _call(receive: Receive) -> Message:
    return await receive()


async def _send(send: Send, message: Message) -> None:
    await send(message)


class LiveHub:
    """Start with :meth:`start`, stop with :meth:`stop`; ``bridge`` serves its app meanwhile."""

    def __init__(self, bridge: LoopBridge) -> None:
        self.bridge = bridge
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-hub", daemon=True)
        self.harness: HubHarness | None = None
        self.seeds: dict[str, list[str]] = {}

    def run(self, coro: Awaitable[Any], timeout: float = 120.0) -> Any:
        async def wrapped() -> Any:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout)

    def start(self, tmp_path: Path) -> HubHarness:
        self.thread.start()
        harness: HubHarness = self.run(
            start_harness(f"sqlite+aiosqlite:///{tmp_path / 'payhub.db'}", tmp_path)
        )
        self.harness = harness
        self.bridge.app = harness.client._transport.app  # type: ignore[attr-defined]
        self.bridge.loop = self.loop
        self.seeds = self.run(seed(harness))
        return harness

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        try:
            if self.harness is not None:
                self.run(self.harness.client.aclose())
                self.run(self.harness.hub.stop())
        finally:
            self.bridge.app = None
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=30)
            self.loop.close()


CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}


async def seed(h: HubHarness) -> dict[str, list[str]]:
    """Real resources, by the path parameter name that addresses them, so generated requests
    reach existing things (and their success answers are checked), not only 404s."""
    pm = (await h.post("/v1/payment-methods", {"type": "card", "card": CARD})).json()
    token = {"type": "card", "token": pm["id"]}
    base = {"amount": 1099, "currency": "EUR", "payment_method": token}
    authorized = (await h.post("/v1/payments", {**base, "capture": "manual"})).json()
    captured = (await h.post("/v1/payments", {**base, "capture": "automatic"})).json()
    await h.post(f"/v1/payments/{captured['id']}/refunds", {"amount": 100})
    payout = (
        await h.post(
            "/v1/payouts",
            {
                "amount": 500,
                "currency": "EUR",
                "destination": {"type": "bank_account", "iban": "DE89370400440532013000", "name": "Ada"},
            },
        )
    ).json()
    endpoint = (
        await h.post("/v1/webhook-endpoints", {"url": "https://shop.example/hooks", "event_types": ["*"]})
    ).json()
    await h.post("/v1/payments", {**base, "capture": "automatic"})  # an event for the endpoint
    deliveries = (await h.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries")).json()["data"]
    events = (await h.get("/v1/events", limit=2)).json()["data"]
    operations = (await h.get(f"/v1/payments/{captured['id']}/operations")).json()["data"]
    payable = (await h.post("/v1/payment-methods", {"type": "card", "card": CARD})).json()  # never deleted
    spare = await h.post("/v1/admin/accounts", {"id": "spare", "adapter": "simulator"})
    await h.hub.api_keys.create(role="read", name="schemathesis-reader", owner="default")
    keys = (await h.get("/v1/admin/api-keys")).json()["data"]
    seeds = {
        "payment_id": [authorized["id"], captured["id"]],
        "pm_id": [pm["id"]],
        "payout_id": [payout["id"]],
        "endpoint_id": [endpoint["id"]],
        "delivery_id": [d["id"] for d in deliveries[:1]],
        "event_id": [e["id"] for e in events],
        "operation_id": [o["id"] for o in operations[:1]],
        "account_id": [spare.json()["id"]] if spare.status_code == 201 else [],
        "key_id": [k["id"] for k in keys if k["name"] == "schemathesis-reader"],
        "name": ["sales", "provider:sandbox"],
        "token": [payable["id"]],
    }
    return {k: v for k, v in seeds.items() if v}
