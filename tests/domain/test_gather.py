"""hub.store.gather: a transaction's writes sent as one statement, with the semantics of the
statements sent one by one (what is committed, what a read sees, what fails)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.store import fast, gather
from hub.store import tables as t
from hub.store.repo import add_event, insert_row, load, update_row

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


class Wire:
    """What PostgreSQL receives (asyncpg's query logger on every checked-out connection)."""

    def __init__(self, engine: AsyncEngine) -> None:
        from sqlalchemy import event

        self.queries: list[str] = []

        @event.listens_for(engine.sync_engine, "checkout")
        def _checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
            driver = dbapi_conn.driver_connection
            if self._log not in driver._query_loggers:
                driver.add_query_logger(self._log)

    def _log(self, record: Any) -> None:
        self.queries.append(" ".join(record.query.split()))


def payment(pid: str, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": pid, "owner": "default", "account_id": "sandbox", "status": "processing", "amount": 1000,
        "currency": "EUR", "capture_mode": "manual", "amount_captured": 0, "amount_refunded": 0,
        "provider_reference": None, "payment_method": {"type": "card"}, "three_ds": None, "next_action": None,
        "failure": None, "reference": None, "metadata": {}, "requires_review": False,
        "multicapture_open": False, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    row.update(over)
    return row


async def ids(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return sorted((await conn.execute(select(t.payments.c.id))).scalars())


async def test_writes_only_go_as_one_statement_without_begin(engine: AsyncEngine, db_url: str) -> None:
    wire = Wire(engine) if db_url.startswith("postgresql") else None
    async with gather.atomic(engine) as conn:
        await insert_row(conn, t.payments, payment("pay_a"))
        await insert_row(conn, t.payments, payment("pay_b"))
        await update_row(conn, t.refunds, "re_none", {"status": "failed"})  # another table: same statement
    sent = list(wire.queries) if wire is not None else []
    assert await ids(engine) == ["pay_a", "pay_b"]
    async with engine.connect() as conn:
        assert (await load(conn, t.payments, "pay_b"))["payment_method"] == {"type": "card"}
    if wire is not None:
        assert len(sent) == 1 and sent[0].startswith('WITH w0 AS (INSERT INTO "payments"'), sent


async def test_a_row_written_after_its_insert_sees_it(engine: AsyncEngine) -> None:
    async with gather.atomic(engine) as conn:
        await insert_row(conn, t.payments, payment("pay_a"))
        await update_row(conn, t.payments, "pay_a", {"status": "authorized"})  # not in the INSERT's snapshot
    async with engine.connect() as conn:
        assert (await load(conn, t.payments, "pay_a"))["status"] == "authorized"


async def test_a_failure_in_the_block_writes_nothing(engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError):
        async with gather.atomic(engine) as conn:
            await insert_row(conn, t.payments, payment("pay_a"))
            raise RuntimeError("refused after the write")
    assert await ids(engine) == []


async def test_a_read_sees_the_writes_before_it_and_the_block_stays_one_transaction(engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError):
        async with gather.atomic(engine) as conn:
            await insert_row(conn, t.payments, payment("pay_a"))
            assert (await load(conn, t.payments, "pay_a"))["status"] == "processing"  # sent before the read
            await insert_row(conn, t.payments, payment("pay_b"))
            raise RuntimeError("after a read: the first write must be rolled back too")
    assert await ids(engine) == []
    async with gather.atomic(engine) as conn:
        await insert_row(conn, t.payments, payment("pay_a"))
        assert (await load(conn, t.payments, "pay_a"))["id"] == "pay_a"
        await insert_row(conn, t.payments, payment("pay_b"))
    assert await ids(engine) == ["pay_a", "pay_b"]


async def test_the_same_row_written_twice_keeps_the_order(engine: AsyncEngine) -> None:
    async with gather.atomic(engine) as conn:
        await insert_row(conn, t.payments, payment("pay_a"))
    async with engine.begin() as conn, gather.together(conn):
        await update_row(conn, t.payments, "pay_a", {"status": "authorized", "amount": 5})
        await update_row(conn, t.payments, "pay_a", {"status": "captured"})
    async with engine.connect() as conn:
        row = await load(conn, t.payments, "pay_a")
    assert (row["status"], row["amount"]) == ("captured", 5)


async def test_a_unique_violation_is_the_callers_error(engine: AsyncEngine, db_url: str) -> None:
    class Taken(Exception):
        pass

    async with gather.atomic(engine) as conn:
        await insert_row(conn, t.payments, payment("pay_a"))
    with pytest.raises(Taken):
        async with gather.atomic(engine) as conn:
            drv = await gather.driver(conn)
            if drv is None:  # SQLite: the Core path; the mapping is the PostgreSQL one
                raise Taken
            await insert_row(conn, t.payments, payment("pay_b"))
            sql = 'INSERT INTO "payments" (' + ", ".join(f'"{k}"' for k in payment("x")) + ") VALUES ("
            sql += ", ".join(f"${i}" for i in range(1, len(payment("x")) + 1)) + ")"
            args = fast.bind(t.payments, list(payment("x")), payment("pay_a"))
            await gather.write(conn, drv, sql, args, conflict=("pk_payments", Taken))
    assert await ids(engine) == ["pay_a"]  # pay_b went in the same statement: not written either


async def test_the_event_goes_last_and_its_deliveries_follow(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await insert_row(conn, t.payments, payment("pay_a"))
        await conn.execute(
            t.webhook_endpoints.insert().values(
                id="we_1", owner="default", url="https://example.test/hook", status="enabled",
                event_types=["payment.*"], secret="x", created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip
    async with engine.begin() as conn, gather.together(conn):
        await update_row(conn, t.payments, "pay_a", {"status": "authorized"})
        event_id = await add_event(
            conn, owner="default", type="payment.authorized", resource_id="pay_a", data={"x": 1}, now=NOW
        )
        await update_row(conn, t.payments, "pay_a", {"amount": 7})  # after the event: still applied
    async with engine.connect() as conn:
        assert (await load(conn, t.payments, "pay_a"))["amount"] == 7
        events = (await conn.execute(select(t.events.c.id, t.events.c.data))).all()
        deliveries = (await conn.execute(select(t.webhook_deliveries.c.event_id))).scalars().all()
    assert [(e.id, e.data) for e in events] == [(event_id, {"x": 1})]
    assert list(deliveries) == [event_id]


async def test_a_core_statement_may_not_overtake_gathered_writes(engine: AsyncEngine, db_url: str) -> None:
    if not db_url.startswith("postgresql"):  # SQLite sends each write at once: the read sees it
        async with gather.atomic(engine) as conn:
            await insert_row(conn, t.payments, payment("pay_a"))
            assert list((await conn.execute(select(t.payments.c.id))).scalars()) == ["pay_a"]
        return
    with pytest.raises(RuntimeError, match="overtake"):
        async with gather.atomic(engine) as conn:
            await insert_row(conn, t.payments, payment("pay_a"))
            await conn.execute(select(t.payments.c.id))
    assert await ids(engine) == []


async def test_a_core_statement_in_a_transaction_joins_it(engine: AsyncEngine) -> None:
    async with gather.transaction(engine) as conn:
        await conn.execute(t.payments.insert().values(**payment("pay_c")))  # nothing gathered yet
        await insert_row(conn, t.payments, payment("pay_d"))
    assert await ids(engine) == ["pay_c", "pay_d"]
    with pytest.raises(RuntimeError):
        async with gather.transaction(engine) as conn:
            await conn.execute(t.payments.insert().values(**payment("pay_e")))
            await insert_row(conn, t.payments, payment("pay_f"))
            await gather.flush(conn)
            raise RuntimeError("both rolled back, the Core one and the gathered one")
    assert await ids(engine) == ["pay_c", "pay_d"]
    async with engine.connect() as conn:  # the pooled connection came back clean
        assert (await conn.execute(select(t.payments.c.id).where(t.payments.c.id == "pay_e"))).first() is None


async def test_an_event_in_a_write_only_block_commits_with_its_deliveries(engine: AsyncEngine, db_url: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            t.webhook_endpoints.insert().values(
                id="we_1", owner="default", url="https://example.test/hook", status="enabled",
                event_types=["*"], secret="x", created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip
    wire = Wire(engine) if db_url.startswith("postgresql") else None
    async with gather.atomic(engine) as conn:
        await insert_row(conn, t.payments, payment("pay_a"))
        await add_event(conn, owner="default", type="payment.created", resource_id="pay_a", data={}, now=NOW)
    sent = list(wire.queries) if wire is not None else []
    async with engine.connect() as conn:
        assert len((await conn.execute(select(t.events.c.id))).all()) == 1
        assert len((await conn.execute(select(t.webhook_deliveries.c.id))).all()) == 1
    if wire is not None:  # the event, then its deliveries (a Core INSERT): one transaction around both
        assert sent[0].startswith("BEGIN") and sent[-1].startswith("COMMIT"), sent
