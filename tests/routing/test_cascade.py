"""Cascading between two Stripe accounts (DESIGN §15): only after an attempt that was certainly
not charged; never after an ambiguous outcome or a hard decline; one request, one charge."""

from __future__ import annotations

import asyncio

from tests.routing.conftest import HARD_DECLINE, SOFT_DECLINE, RoutingWorld

PI = r"^/v1/payment_intents$"


async def test_a_refused_connection_cascades_to_the_next_account(world: RoutingWorld) -> None:
    r = await world.pay("GBP")
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["status"] == "authorized" and p["account"] == "stripe-b"
    assert [(x["account"], x["outcome"]) for x in p["attempts"]] == [
        ("stripe-down", "not_processed"),
        ("stripe-b", "succeeded"),
    ]
    assert p["attempts"][0]["failure"]["code"] == "provider_unavailable"
    assert world.charges(world.b) == 1
    again = (await world.h.get(f"/v1/payments/{p['id']}")).json()
    assert again["attempts"] == p["attempts"]


async def test_a_rate_limited_attempt_cascades(world: RoutingWorld) -> None:
    world.fa.rate_limited(method="POST", times=None)
    r = await world.pay("EUR")
    p = r.json()
    assert p["status"] == "authorized" and p["account"] == "stripe-b", p
    assert [x["outcome"] for x in p["attempts"]] == ["not_processed", "succeeded"]
    assert world.charges(world.a) == 0 and world.charges(world.b) == 1


async def test_a_soft_decline_cascades_and_each_attempt_has_its_own_idempotency_key(
    world: RoutingWorld,
) -> None:
    r = await world.pay("EUR", card=SOFT_DECLINE)
    p = r.json()
    assert [(x["account"], x["outcome"]) for x in p["attempts"]] == [
        ("stripe-a", "declined"),
        ("stripe-b", "declined"),  # the same test card declines everywhere
    ]
    assert p["attempts"][0]["failure"]["decline_code"] == "processing_error"
    assert p["status"] == "failed" and p["account"] == "stripe-b"
    assert world.charges(world.a) == 1 and world.charges(world.b) == 1
    ops = await _operations(world, p["id"])
    assert [(o["account_id"], o["status"]) for o in ops] == [("stripe-a", "failed"), ("stripe-b", "failed")]
    assert len({o["provider_idempotency_key"] for o in ops}) == 2
    sent = {
        h.get("idempotency-key") for fake in (world.a, world.b) for (m, _, h) in fake.requests if m == "POST"
    }
    assert {o["provider_idempotency_key"] for o in ops} <= sent


async def test_a_hard_decline_never_reaches_the_second_account(world: RoutingWorld) -> None:
    p = (await world.pay("EUR", card=HARD_DECLINE)).json()
    assert p["status"] == "failed" and p["account"] == "stripe-a"
    assert p["failure"]["decline_code"] == "insufficient_funds"
    assert [x["account"] for x in p["attempts"]] == ["stripe-a"]
    assert world.fb.count() == 0 and world.charges(world.b) == 0


async def test_an_ambiguous_timeout_stays_processing_on_its_account_and_never_cascades(
    world: RoutingWorld,
) -> None:
    world.fa.timeout_after_processing(method="POST", path=PI)
    p = (await world.pay("EUR")).json()
    assert p["status"] == "processing" and p["account"] == "stripe-a"
    assert [(x["account"], x["outcome"]) for x in p["attempts"]] == [("stripe-a", "processing")]
    assert world.charges(world.a) == 1
    assert world.fb.count() == 0, "the second account must never be called after an ambiguous outcome"


async def test_a_5xx_is_ambiguous_and_never_cascades(world: RoutingWorld) -> None:
    world.fa.server_error(method="POST", path=PI, times=None)
    p = (await world.pay("EUR")).json()
    assert p["status"] == "processing" and p["account"] == "stripe-a"
    assert world.fb.count() == 0


async def test_a_payment_with_an_explicit_account_is_never_routed(world: RoutingWorld) -> None:
    world.fa.rate_limited(method="POST", times=None)
    p = (await world.pay("GBP", account="stripe-a")).json()
    assert p["account"] == "stripe-a" and p["status"] == "failed"
    assert [x["account"] for x in p["attempts"]] == ["stripe-a"]
    assert world.fb.count() == 0


async def test_ten_concurrent_duplicates_through_a_cascade_charge_once(world: RoutingWorld) -> None:
    async def one() -> tuple[int, dict[str, object]]:
        r = await world.pay("GBP", headers={"Idempotency-Key": "order-77"})
        return r.status_code, r.json()

    results = await asyncio.gather(*(one() for _ in range(10)))
    ok = [body for code, body in results if code == 201]
    assert ok, results
    assert {b["id"] for b in ok} == {ok[0]["id"]}
    assert all(code in (201, 409) for code, _ in results), results
    for code, body in results:
        if code == 409:
            assert body["code"] == "idempotency_key_in_use"
    assert world.charges(world.b) == 1
    final = (await world.pay("GBP", headers={"Idempotency-Key": "order-77"})).json()
    assert final["id"] == ok[0]["id"] and world.charges(world.b) == 1


async def _operations(world: RoutingWorld, payment_id: str) -> list[dict[str, object]]:
    from sqlalchemy import select

    from hub.store import tables as t

    async with world.h.hub.engine.connect() as conn:
        rows = await conn.execute(
            select(t.operations)
            .where(t.operations.c.resource_id == payment_id)
            .order_by(t.operations.c.created_at)
        )
        return [dict(r) for r in rows.mappings().all()]
