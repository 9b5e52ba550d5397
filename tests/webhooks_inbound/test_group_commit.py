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


def _row(w: World, n: int, event_id: str, payload: Any) -> dict[str, Any]:
    now = w.hub.inbox.clock()
    return {
        "id": f"whin_dup{n:04d}", "account_id": "stripe-eu", "provider_event_id": event_id,
        "event_type": "charge.succeeded", "payload": payload, "status": "received", "attempts": 0,
        "error": None, "received_at": now, "processed_at": None, "next_attempt_at": now,
    }  # fmt: skip


async def test_the_first_of_two_rows_with_one_key_is_stored_committed_as_written(world: World) -> None:
    writer = world.hub.inbox.writer
    payload = {"event_id": "evt_dup", "nested": {"amount": 1099, "note": "é ✓"}, "list": [1, None]}
    first, second, again = await asyncio.gather(
        writer.write([_row(world, 1, "evt_dup", payload), _row(world, 2, "evt_dup", {"other": True})]),
        writer.write([_row(world, 3, "evt_dup", {})]),
        writer.write([_row(world, 4, "evt_other", None)]),
    )
    assert (first, second, again) == (["whin_dup0001"], [], ["whin_dup0004"])
    async with world.hub.engine.connect() as conn:  # another connection: committed
        stored = (await conn.execute(select(t.webhook_inbox).order_by(t.webhook_inbox.c.id))).mappings().all()
    assert [r["id"] for r in stored] == ["whin_dup0001", "whin_dup0004"]
    assert stored[0]["payload"] == payload and stored[1]["payload"] is None  # JSON as written
    assert stored[0]["received_at"].tzinfo is not None and stored[0]["next_attempt_at"] is not None


async def test_a_row_whose_columns_differ_from_the_tables_is_refused(world: World) -> None:
    row = {**_row(world, 5, "evt_extra", {}), "surprise": 1}
    try:
        await world.hub.inbox.writer.write([row])
    except Exception as exc:
        assert "surprise" in str(exc) or "columns" in str(exc)
    else:
        raise AssertionError("a row with a column the table lacks was stored")
    assert await _rows(world) == 0
