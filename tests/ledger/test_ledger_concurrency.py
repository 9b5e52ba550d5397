"""50 concurrent captures and refunds on the same payments: every balance still equals the sum
of its postings and every payment's entries its amounts (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from hub.store import tables as t
from tests.ledger.conftest import balances, pay, verify
from tests.payouts.conftest import PayoutWorld


async def settled(world: PayoutWorld) -> None:
    async with asyncio.timeout(20):
        while True:
            async with world.hub.engine.connect() as conn:
                pending = await conn.scalar(
                    select(func.count()).select_from(t.refunds).where(t.refunds.c.status == "pending")
                )
                processing = await conn.scalar(
                    select(func.count()).select_from(t.payments).where(t.payments.c.status == "processing")
                )
            if not pending and not processing:
                return
            await asyncio.sleep(0.2)


async def test_concurrent_captures_and_refunds_keep_the_books_exact(world: PayoutWorld) -> None:
    h = world.h
    ids = []
    for _ in range(5):
        p = (await h.post("/v1/payments", pay(amount=10_000))).json()
        r = await h.post(f"/v1/payments/{p['id']}/capture", {"amount": 2000, "final": False})
        assert r.status_code == 200, r.text
        ids.append(p["id"])

    async def until_taken(path: str, body: dict[str, int]) -> int:
        """Send until the hub takes it: 409 means another operation on that payment is in flight."""
        for _ in range(400):
            r = await h.post(path, body)
            if r.status_code != 409:
                return r.status_code
            await asyncio.sleep(0.02)
        return 409

    def call(i: int) -> Any:
        pid = ids[i % 5]
        if i % 2:
            return until_taken(f"/v1/payments/{pid}/capture", {"amount": 100, "final": False})
        return until_taken(f"/v1/payments/{pid}/refunds", {"amount": 70})

    codes = await asyncio.gather(*(call(i) for i in range(50)))
    assert codes[1::2] == [200] * 25 and codes[0::2] == [201] * 25, codes

    await settled(world)  # what a slow answer left uncertain is resolved in the background
    payments = [(await h.get(f"/v1/payments/{pid}")).json() for pid in ids]
    captured = sum(p["amount_captured"] for p in payments)
    refunded = sum(p["amount_refunded"] for p in payments)
    assert captured == 5 * 2000 + 25 * 100
    assert refunded == 25 * 70
    books = await balances(world)
    assert books["sales"] == {"EUR": -captured}
    assert books["refunds"] == {"EUR": refunded}
    assert books["provider:sandbox"] == {"EUR": captured - refunded}
    assert "OK" in await verify(world)  # stripes = postings, every payment = its entries
