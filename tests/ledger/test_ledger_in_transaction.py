"""A movement's entry (hub.services.postings) commits or vanishes with the transaction that
changes the payment, after the writes gathered before it (on PostgreSQL the entry goes as SQL
text on asyncpg inside hub.store.gather's transaction; SQLite runs the ledger's Core statements)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import ledger
from hub.services import postings
from hub.store import gather
from hub.store import tables as t
from hub.store.repo import insert_row
from tests.domain.test_gather import Wire, payment

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


async def capture(engine: AsyncEngine, pid: str, amount: int, *, fail: bool = False) -> ledger.Posted | None:
    async with gather.transaction(engine) as conn:
        await insert_row(conn, t.payments, payment(pid, status="captured"))  # gathered before the entry
        posted = await postings.capture(
            conn, payment={"id": pid, "account_id": "sandbox", "currency": "EUR"}, amount=amount,
            cause=f"op_{pid}:capture", now=NOW,
        )  # fmt: skip
        if fail:
            raise RuntimeError("the transaction fails after the entry was sent")
    return posted


async def sales(engine: AsyncEngine) -> list[dict[str, int | str]]:
    async with engine.connect() as conn:
        return [b.to_dict() for b in await ledger.account_balances(conn, "sales")]


async def test_the_entry_commits_with_the_payment(engine: AsyncEngine) -> None:
    posted = await capture(engine, "pay_a", 1000)
    assert posted is not None and posted.created
    async with engine.connect() as conn:
        assert (await conn.execute(select(t.payments.c.id))).scalars().all() == ["pay_a"]
        page = await ledger.entries_page(conn)
    assert [e["id"] for e in page.entries] == [ledger.entry_id("op_pay_a:capture")]
    assert await sales(engine) == [{"currency": "EUR", "debits": 0, "credits": 1000, "balance": -1000}]


async def test_the_entry_vanishes_with_a_failed_transaction(engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError):
        await capture(engine, "pay_b", 700, fail=True)
    async with engine.connect() as conn:
        assert (await conn.execute(select(t.payments.c.id))).scalars().all() == []
        assert (await ledger.entries_page(conn)).entries == []
    assert await sales(engine) == []


async def test_a_retried_movement_posts_once_and_a_changed_one_is_refused(engine: AsyncEngine) -> None:
    await capture(engine, "pay_c", 500)
    async with gather.transaction(engine) as conn:
        again = await postings.capture(
            conn, payment={"id": "pay_c", "account_id": "sandbox", "currency": "EUR"}, amount=500,
            cause="op_pay_c:capture", now=NOW,
        )  # fmt: skip
    assert again is not None and not again.created
    with pytest.raises(ledger.EntryConflict):
        async with gather.transaction(engine) as conn:
            await postings.capture(
                conn, payment={"id": "pay_c", "account_id": "sandbox", "currency": "EUR"}, amount=499,
                cause="op_pay_c:capture", now=NOW,
            )  # fmt: skip
    assert await sales(engine) == [{"currency": "EUR", "debits": 0, "credits": 500, "balance": -500}]


async def test_on_postgresql_the_entry_is_one_statement_in_the_transaction(
    engine: AsyncEngine, db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite runs the ledger's Core statements (the other tests here)")
    wire = Wire(engine)
    await capture(engine, "pay_d", 300)
    sent = list(wire.queries)

    def at(what: str) -> int:
        return next(i for i, q in enumerate(sent) if what in q)

    # BEGIN, the gathered write, then the entry, then COMMIT: one transaction, in that order
    assert at("BEGIN") < at('INSERT INTO "payments"') < at("INSERT INTO ledger_entries") < at("COMMIT"), sent
    assert sum("ledger_" in q for q in sent) == 1  # entry, postings and balances: one statement
