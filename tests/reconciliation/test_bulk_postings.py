"""ledger.post_many writes what ledger.post would, once per cause, in a few statements."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

import ledger
from ledger.schema import entries

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def fee(cause: str, amount: int, resource: str | None = "pay_1") -> ledger.NewEntry:
    return ledger.NewEntry(
        ledger.Kind.FEE, cause, resource, ledger.transfer("fees", "provider:psp", "EUR", amount)
    )


async def test_post_many_equals_post_and_posts_each_cause_once(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        single = await ledger.post(conn, kind="fee", cause="c0", resource="pay_1",
                                   lines=ledger.transfer("fees", "provider:psp", "EUR", 5), now=NOW)  # fmt: skip
        assert single.entry_id == ledger.entry_id("c0")
        created = await ledger.post_many(
            conn, [fee("c0", 5), fee("c1", 7), fee("c2", 11, None), fee("c1", 7)], now=NOW
        )
        assert created == 2  # c0 was posted by ledger.post; c1 given twice counts once
    async with engine.begin() as conn:
        assert await ledger.post_many(conn, [fee("c1", 7), fee("c2", 11, None)], now=NOW) == 0
        assert await conn.scalar(select(func.count()).select_from(entries)) == 3
        fees = {b.currency: b.balance for b in await ledger.account_balances(conn, "fees")}
        assert fees == {"EUR": 23}
        assert await ledger.first_discrepancy(conn) is None


async def test_an_invalid_entry_writes_nothing(engine: AsyncEngine) -> None:
    bad = ledger.NewEntry(ledger.Kind.FEE, "bad", None, [ledger.Posting("fees", "EUR", 5)])
    with pytest.raises(ledger.InvalidEntry):
        async with engine.begin() as conn:
            await ledger.post_many(conn, [fee("ok", 3), bad], now=NOW)
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(entries)) == 0
