"""Concurrent deliveries share a commit (hub.services.inbox_writer) and nothing else changes:
each is acknowledged only once stored, a duplicate delivered at the same instant is stored
once, and an event that cannot be stored fails its own delivery, never its neighbours'."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from sqlalchemy import func, select

from hub.store import tables as t
from tests.webhooks_inbound.conftest import World, stripe_signed


def _event(n: int) -> bytes:
    return json.dumps(
        {
            "id": f"evt_group_{n}",
            "object": "event",
            "created": int(time.time()),
            "type": "customer.created",
            "data": {"object": {"id": f"cus_{n}", "object": "customer"}},
        }
    ).encode()


async def _rows(w: World) -> int:
    async with w.hub.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(t.webhook_inbox)) or 0)


async def test_concurrent_deliveries_are_all_stored_once_and_acknowledged(world: World) -> None:
    secret = world.stripe.world.webhook_secret
    bodies = [_event(n) for n in range(40)]
    deliveries = [*bodies, *bodies[:10]]  # ten of them delivered twice at the same instant
    writes: list[int] = []
    original = world.hub.inbox.writer._drain

    async def counted() -> None:
        writes.append(len(world.hub.inbox.writer._queue))
        await original()

    world.hub.inbox.writer._drain = counted  # type: ignore[method-assign]
    answers = await asyncio.gather(*(world.webhook("stripe-eu", b, stripe_signed(b, secret)) for b in deliveries))
    assert [a.status_code for a in answers] == [200] * len(deliveries)
    assert await _rows(world) == 40  # one row per event
    assert len(writes) < len(deliveries)  # deliveries shared commits


async def test_an_event_that_cannot_be_stored_fails_only_its_own_delivery(world: World) -> None:
    writer = world.hub.inbox.writer
    now = world.hub.inbox.clock()

    def row(n: int, account: Any = "stripe-eu") -> dict[str, Any]:
        return {
            "id": f"whin_test{n:04d}", "account_id": account, "provider_event_id": f"evt_bad_{n}",
            "event_type": "customer.created", "payload": {}, "status": "ignored", "attempts": 0,
            "error": None, "received_at": now, "processed_at": now, "next_attempt_at": None,
        }  # fmt: skip

    good = [writer.write([row(n)]) for n in range(5)]
    bad = writer.write([row(99, account=None)])  # NOT NULL account_id: the database refuses it
    results = await asyncio.gather(*good, bad, return_exceptions=True)
    assert list(results[:5]) == [[f"whin_test{n:04d}"] for n in range(5)]
    assert isinstance(results[5], Exception)
    assert await _rows(world) == 5
