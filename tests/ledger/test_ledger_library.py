"""The ledger library on its own: what it refuses, idempotent posting, append-only tables,
and verify catching a posting edited behind the triggers' back (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

import ledger
from ledger import Posting

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


async def capture(
    engine: AsyncEngine, cause: str, amount: int = 1000, resource: str = "pay_1"
) -> ledger.Posted:
    async with engine.begin() as conn:
        return await ledger.post(
            conn, kind="capture", cause=cause, resource=resource, now=NOW,
            lines=ledger.transfer("provider:sandbox", "sales", "EUR", amount),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "why"),
    [
        ([Posting("sales", "EUR", -5)], "at least two"),
        ([Posting("sales", "EUR", -5), Posting("refunds", "EUR", 4)], "sum to zero"),
        ([Posting("sales", "EUR", -5), Posting("refunds", "USD", 5)], "sum to zero"),
        ([Posting("sales", "EUR", 0), Posting("refunds", "EUR", 0)], "zero"),
        ([Posting("sales", "EUR", -5.0), Posting("refunds", "EUR", 5.0)], "integer"),  # type: ignore[arg-type]
        ([Posting("cash", "EUR", -5), Posting("refunds", "EUR", 5)], "chart"),
        ([Posting("sales", "eur", -5), Posting("refunds", "eur", 5)], "currency"),
    ],
)
async def test_what_is_not_double_entry_is_refused_and_writes_nothing(
    engine: AsyncEngine, lines: list[Posting], why: str
) -> None:
    with pytest.raises(ledger.InvalidEntry, match=why):
        async with engine.begin() as conn:
            await ledger.post(conn, kind="adjustment", cause="bad", resource=None, lines=lines, now=NOW)
    async with engine.connect() as conn:
        assert await ledger.all_balances(conn) == {}
        assert (await ledger.entries_page(conn)).entries == []


async def test_posting_a_cause_twice_posts_once(engine: AsyncEngine) -> None:
    first = await capture(engine, "op_1:capture")
    again = await capture(engine, "op_1:capture")
    assert first.created and not again.created and first.entry_id == again.entry_id
    assert first.entry_id.startswith("je_") and first.entry_id == ledger.entry_id("op_1:capture")
    # the same cause with other amounts is a bug, never silently accepted
    with pytest.raises(ledger.EntryConflict):
        await capture(engine, "op_1:capture", amount=999)
    async with engine.connect() as conn:
        assert [b.to_dict() for b in await ledger.account_balances(conn, "sales")] == [
            {"currency": "EUR", "debits": 0, "credits": 1000, "balance": -1000}
        ]
        assert len((await ledger.entries_page(conn)).entries) == 1


async def test_many_entries_spread_over_stripes_and_sum_exactly(engine: AsyncEngine) -> None:
    for i in range(40):
        await capture(engine, f"op_{i}:capture", amount=i + 1, resource=f"pay_{i}")
    async with engine.connect() as conn:
        stripes = await conn.scalar(text("SELECT count(*) FROM ledger_balances WHERE account = 'sales'"))
        books = await ledger.all_balances(conn)
        assert await ledger.first_discrepancy(conn) is None
    assert stripes is not None and 1 < stripes <= 32  # a hot account is many rows, not one
    assert books["sales"][0].balance == -sum(range(1, 41))
    assert books["provider:sandbox"][0].balance == sum(range(1, 41))


@pytest.mark.parametrize("statement", ["UPDATE ledger_postings SET amount = 1", "DELETE FROM ledger_postings",
                                       "UPDATE ledger_entries SET kind = 'fee'", "DELETE FROM ledger_entries"])  # fmt: skip
async def test_entries_and_postings_are_append_only(engine: AsyncEngine, statement: str) -> None:
    await capture(engine, "op_1:capture")
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(text(statement))


async def _bypass_triggers(conn, dialect: str) -> None:
    if dialect == "postgresql":  # this transaction only (superuser): triggers do not fire
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        await conn.execute(text("DROP TRIGGER ledger_postings_no_update"))


async def test_verify_catches_a_posting_edited_behind_the_triggers_back(engine: AsyncEngine) -> None:
    await capture(engine, "op_1:capture")
    await capture(engine, "op_2:capture", amount=500)
    async with engine.connect() as conn:
        assert await ledger.first_discrepancy(conn) is None
    async with engine.begin() as conn:
        await _bypass_triggers(conn, engine.dialect.name)
        await conn.execute(text("UPDATE ledger_postings SET amount = -900 WHERE amount = -1000"))
    async with engine.connect() as conn:
        found = await ledger.first_discrepancy(conn)
    assert found is not None and "does not balance" in found and ledger.entry_id("op_1:capture") in found


async def test_verify_catches_both_sides_edited_consistently(engine: AsyncEngine) -> None:
    await capture(engine, "op_1:capture")
    async with engine.begin() as conn:
        await _bypass_triggers(conn, engine.dialect.name)
        await conn.execute(text("UPDATE ledger_postings SET amount = amount * 2"))  # still balanced
    async with engine.connect() as conn:
        found = await ledger.first_discrepancy(conn)
    assert found is not None and "postings sum to" in found


async def test_a_correction_is_a_new_reversing_entry(engine: AsyncEngine) -> None:
    from hub.services import postings

    posted = await capture(engine, "op_1:capture")
    async with engine.begin() as conn:
        fix = await postings.reverse(conn, entry_id=posted.entry_id, cause="support-ticket-7", now=NOW)
    assert fix is not None and fix.created
    async with engine.connect() as conn:
        books = await ledger.all_balances(conn)
        page = await ledger.entries_page(conn)
        assert await ledger.first_discrepancy(conn) is None
    assert books["sales"][0].balance == 0 and books["sales"][0].debits == 1000
    assert [e["kind"] for e in page.entries] == ["adjustment", "capture"]


async def test_dispute_fee_and_settlement_movements_post_per_the_chart(engine: AsyncEngine) -> None:
    from hub.services import postings

    await capture(engine, "op_1:capture", amount=5000)
    async with engine.begin() as conn:
        common = {"account_id": "sandbox", "currency": "EUR", "now": NOW}
        await postings.dispute_withdrawal(conn, dispute_id="dp_1", amount=5000, cause="evt_1", **common)
        await postings.dispute_withdrawal(
            conn, dispute_id="dp_1", amount=5000, cause="evt_1", **common
        )  # again
        await postings.dispute_reinstatement(conn, dispute_id="dp_1", amount=5000, cause="evt_2", **common)
        await postings.fee(conn, amount=120, cause="line-7", resource="pay_1", **common)
        await postings.settlement(conn, amount=4880, cause="batch-3", resource=None, **common)
    async with engine.connect() as conn:
        books = {a: [b.to_dict() for b in bs] for a, bs in (await ledger.all_balances(conn)).items()}
        assert await ledger.first_discrepancy(conn) is None
    bal = {a: bs[0]["balance"] for a, bs in books.items()}
    assert bal == {"provider:sandbox": 0, "sales": -5000, "disputes": 0, "fees": 120, "bank": 4880}
    assert books["disputes"] == [{"currency": "EUR", "debits": 5000, "credits": 5000, "balance": 0}]
