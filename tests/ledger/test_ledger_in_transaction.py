"""A movement's entry (hub.services.postings) commits or vanishes with the transaction that
changes the payment, after the writes gathered before it or, deferred (``defer=True``, as the
outcome code posts), among them (on PostgreSQL the entry goes as SQL text on asyncpg inside
hub.store.gather's transaction; SQLite runs the ledger's Core statements)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

import ledger
from hub.services import postings
from hub.store import gather
from hub.store import tables as t
from hub.store.repo import insert_row
from tests.domain.test_gather import Wire, payment

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


PAYMENT = {"account_id": "sandbox", "currency": "EUR"}
defer = pytest.mark.parametrize("defer", [False, True], ids=["own-statement", "deferred"])


async def post(
    conn: AsyncConnection, pid: str, amount: int, *, cause: str | None = None, defer: bool = False
) -> ledger.Posted | None:
    """The capture entry of payment ``pid`` (cause ``op_<pid>:capture`` unless given)."""
    return await postings.capture(
        conn, payment={"id": pid, **PAYMENT}, amount=amount, cause=cause or f"op_{pid}:capture",
        now=NOW, defer=defer,
    )  # fmt: skip


async def capture(
    engine: AsyncEngine, pid: str, amount: int, *, fail: bool = False, defer: bool = False
) -> ledger.Posted | None:
    async with gather.transaction(engine) as conn:
        await insert_row(conn, t.payments, payment(pid, status="captured"))  # gathered before the entry
        posted = await post(conn, pid, amount, defer=defer)
        if fail:
            raise RuntimeError("the transaction fails after the entry was sent")
    return posted


async def recapture(engine: AsyncEngine, pid: str, amount: int, *, defer: bool) -> ledger.Posted | None:
    async with gather.transaction(engine) as conn:
        return await post(conn, pid, amount, defer=defer)


@pytest.fixture
def wire(engine: AsyncEngine, db_url: str) -> Wire:
    """What PostgreSQL receives from ``engine`` (the statement-shape tests are PostgreSQL's)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite runs the ledger's Core statements (the other tests here)")
    return Wire(engine)


async def sales(engine: AsyncEngine) -> list[dict[str, int | str]]:
    async with engine.connect() as conn:
        return [b.to_dict() for b in await ledger.account_balances(conn, "sales")]


@defer
async def test_the_entry_commits_with_the_payment(engine: AsyncEngine, defer: bool, db_url: str) -> None:
    posted = await capture(engine, "pay_a", 1000, defer=defer)
    assert posted is not None and posted.entry_id == ledger.entry_id("op_pay_a:capture")
    # deferred on PostgreSQL: in the gathered statement, whose outcome the entry does not wait for
    assert posted.created is (None if defer and db_url.startswith("postgresql") else True)
    async with engine.connect() as conn:
        assert (await conn.execute(select(t.payments.c.id))).scalars().all() == ["pay_a"]
        page = await ledger.entries_page(conn)
    assert [e["id"] for e in page.entries] == [ledger.entry_id("op_pay_a:capture")]
    assert await sales(engine) == [{"currency": "EUR", "debits": 0, "credits": 1000, "balance": -1000}]


@defer
async def test_the_entry_vanishes_with_a_failed_transaction(engine: AsyncEngine, defer: bool) -> None:
    with pytest.raises(RuntimeError):
        await capture(engine, "pay_b", 700, fail=True, defer=defer)
    async with engine.connect() as conn:
        assert (await conn.execute(select(t.payments.c.id))).scalars().all() == []
        assert (await ledger.entries_page(conn)).entries == []
    assert await sales(engine) == []


@defer
async def test_a_retried_movement_posts_once_and_a_changed_one_is_refused(
    engine: AsyncEngine, defer: bool, db_url: str
) -> None:
    await capture(engine, "pay_c", 500, defer=defer)
    again = await recapture(engine, "pay_c", 500, defer=defer)
    assert again is not None
    assert again.created is (None if defer and db_url.startswith("postgresql") else False)
    with pytest.raises(ledger.EntryConflict):
        await recapture(engine, "pay_c", 499, defer=defer)
    assert await sales(engine) == [{"currency": "EUR", "debits": 0, "credits": 500, "balance": -500}]
    async with engine.connect() as conn:
        assert len((await ledger.entries_page(conn)).entries) == 1


async def test_a_refused_deferred_entry_takes_the_transaction_with_it(engine: AsyncEngine) -> None:
    await capture(engine, "pay_r", 500, defer=True)
    await capture(engine, "pay_r2", 100, defer=True)
    with pytest.raises(ledger.EntryConflict):
        async with gather.transaction(engine) as conn:
            await insert_row(conn, t.payments, payment("pay_r3", status="captured"))
            await post(conn, "pay_r", 501, defer=True)
    async with engine.connect() as conn:
        ids = (await conn.execute(select(t.payments.c.id).order_by(t.payments.c.id))).scalars().all()
    assert ids == ["pay_r", "pay_r2"]  # pay_r3 went with the refused entry
    assert await sales(engine) == [{"currency": "EUR", "debits": 0, "credits": 600, "balance": -600}]


async def test_two_deferred_entries_on_the_same_stripes_both_count(engine: AsyncEngine) -> None:
    """Two captures of one payment (one stripe) in one transaction: the second entry's stripe
    upserts go in a later statement than the first's (one statement may not upsert a row twice)."""
    async with gather.transaction(engine) as conn:
        await insert_row(conn, t.payments, payment("pay_two", status="captured"))
        for n, amount in ((1, 300), (2, 200)):
            await post(conn, "pay_two", amount, cause=f"op_{n}:capture", defer=True)
    assert await sales(engine) == [{"currency": "EUR", "debits": 0, "credits": 500, "balance": -500}]
    async with engine.connect() as conn:
        assert await ledger.first_discrepancy(conn) is None


async def test_on_postgresql_the_entry_is_one_statement_in_the_transaction(
    engine: AsyncEngine, wire: Wire
) -> None:
    await capture(engine, "pay_d", 300)
    sent = list(wire.queries)

    def at(what: str) -> int:
        return next(i for i, q in enumerate(sent) if what in q)

    # BEGIN, the gathered write, then the entry, then COMMIT: one transaction, in that order
    assert at("BEGIN") < at('INSERT INTO "payments"') < at("INSERT INTO ledger_entries") < at("COMMIT"), sent
    assert sum("ledger_" in q for q in sent) == 1  # entry, postings and balances: one statement


async def test_on_postgresql_a_deferred_entry_goes_in_the_gathered_statement(
    engine: AsyncEngine, wire: Wire
) -> None:
    await capture(engine, "pay_g", 300, defer=True)
    sent = list(wire.queries)
    assert len(sent) == 1, sent  # the payment and the entry: one statement, no BEGIN and COMMIT
    assert 'INSERT INTO "payments"' in sent[0] and "INSERT INTO ledger_entries" in sent[0]


@defer
async def test_an_entry_first_in_its_transaction_vanishes_with_it(engine: AsyncEngine, defer: bool) -> None:
    """Nothing gathered before the entry: it still waits for the transaction's COMMIT."""
    with pytest.raises(RuntimeError):
        async with gather.transaction(engine) as conn:
            await post(conn, "pay_f", 900, defer=defer)
            raise RuntimeError("the transaction fails after the entry")
    async with engine.connect() as conn:
        assert (await ledger.entries_page(conn)).entries == []
    assert await sales(engine) == []
