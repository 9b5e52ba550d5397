"""The optimistic outcome on PostgreSQL (hub.store.optimistic): two round trips when nothing
raced it, and when something did between its read and its write, nothing of it is written and
the locked way decides again, so a payment ends exactly as it would have without it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text, update

from hub.domain.ids import new_id
from hub.services import outcomes
from hub.store import gather, optimistic
from hub.store import tables as t
from hub.store.repo import load_with_operation

BODY = {
    "amount": 2500,
    "currency": "EUR",
    "capture": "manual",
    "payment_method": {
        "type": "card",
        "card": {"number": "4242424242424242", "exp_month": 1, "exp_year": 2032, "cvc": "999"},
    },
}


@pytest.fixture
def pg(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the optimistic way is PostgreSQL's; SQLite always takes the locked way")


def _queries(harness: Any) -> list[str]:
    """Every statement PostgreSQL receives from the hub's pool from now on."""
    seen: list[str] = []

    def log(record: Any) -> None:
        seen.append(" ".join(record.query.split()))

    @event.listens_for(harness.hub.engine.sync_engine, "checkout")
    def _checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        driver = dbapi_conn.driver_connection
        if log not in driver._query_loggers:
            driver.add_query_logger(log)

    return seen


def _racing(monkeypatch: pytest.MonkeyPatch, race: Callable[[dict[str, Any], Any], Any]) -> list[str]:
    """Run ``race(op, outcome)`` once, between the optimistic read and its write; returns the
    ways ``outcomes.apply`` was called ("optimistic" / "locked")."""
    real = outcomes.apply
    ways: list[str] = []

    async def apply(conn: Any, op: dict[str, Any], outcome: Any, **kw: Any) -> Any:
        g = gather.gathered(conn)
        way = "optimistic" if g is not None and g.expected is not None else "locked"
        ways.append(way)
        if way == "optimistic" and ways.count("optimistic") == 1:
            await race(op, outcome)
        return await real(conn, op, outcome, **kw)

    monkeypatch.setattr(outcomes, "apply", apply)
    return ways


async def _count(harness: Any, table: Any, *where: Any) -> int:
    async with harness.hub.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def _authorized_events(harness: Any, payment_id: str) -> int:
    ev = t.events.c
    return await _count(harness, t.events, ev.resource_id == payment_id, ev.type == "payment.authorized")


async def _endpoint(harness: Any, event_types: list[str]) -> str:
    endpoint_id, now = new_id("we"), dt.datetime.now(dt.UTC)
    async with harness.hub.engine.begin() as conn:
        await conn.execute(
            insert(t.webhook_endpoints).values(
                id=endpoint_id, owner="default", url="https://merchant.example/hooks", event_types=event_types,
                secret="(ciphertext)", status="enabled", created_at=now, updated_at=now,
            )
        )  # fmt: skip
    return endpoint_id


async def test_an_outcome_nothing_raced_is_one_read_and_one_statement(harness, pg) -> None:
    await harness.post("/v1/payments", BODY)  # every pooled connection's statements prepared once
    seen = _queries(harness)
    for _ in range(3):
        await harness.post("/v1/payments", BODY)  # the pool's connections checked out: logged from here
    seen.clear()
    r = await harness.post("/v1/payments", BODY)
    assert r.status_code == 201 and r.json()["status"] == "authorized", r.text
    outcome = [q for q in seen if "operation_attempts" in q or '"r_id"' in q]
    read, write = outcome  # the unlocked read of payment + operation, then the one guarded statement
    assert "FOR UPDATE" not in read and "xmin" in read
    assert write.endswith(")") and "SELECT payhub_unchanged(" in write and "AND xmin = $" in write
    assert not [q for q in seen if q.rstrip(";") in ("BEGIN", "COMMIT")]  # no transaction round trips
    pid = r.json()["id"]
    assert await _authorized_events(harness, pid) == 1


async def test_news_applied_between_the_read_and_the_write_is_not_applied_twice(
    harness, pg, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = harness.hub.engine

    async def webhook_first(op: dict[str, Any], outcome: Any) -> None:
        # what the provider's webhook does meanwhile: the same outcome, under the payment's lock
        async with gather.transaction(engine) as conn:
            payment, current = await load_with_operation(
                conn, t.payments, op["resource_id"], op["id"], lock=True
            )
            await outcomes.apply(conn, op, outcome, action="webhook", now=dt.datetime.now(dt.UTC),
                                 locked=payment, current=current)  # fmt: skip

    ways = _racing(monkeypatch, webhook_first)
    r = await harness.post("/v1/payments", BODY)
    assert r.status_code == 201 and r.json()["status"] == "authorized", r.text
    assert ways == ["optimistic", "locked", "locked"]  # the race, its own try refused, then decided again
    pid = r.json()["id"]
    async with engine.connect() as conn:
        op_id = await conn.scalar(select(t.operations.c.id).where(t.operations.c.resource_id == pid))
        attempts = await conn.scalar(select(t.operations.c.attempts).where(t.operations.c.id == op_id))
    # the webhook's attempt and the locked way's (news of a certain outcome is kept, moves nothing);
    # the optimistic write's attempt, event and update were refused whole
    assert await _count(harness, t.operation_attempts, t.operation_attempts.c.operation_id == op_id) == 2
    assert attempts == 1
    assert await _authorized_events(harness, pid) == 1
    replay = await harness.get(f"/v1/payments/{pid}")
    assert replay.json()["status"] == "authorized"


async def test_a_payment_changed_meanwhile_keeps_the_change(
    harness, pg, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = harness.hub.engine

    async def annotate(op: dict[str, Any], _outcome: Any) -> None:  # any write of the row is a new version
        async with engine.begin() as conn:
            stmt = (
                update(t.payments)
                .where(t.payments.c.id == op["resource_id"])
                .values(metadata={"note": "meanwhile"})
            )
            await conn.execute(stmt)

    ways = _racing(monkeypatch, annotate)
    r = await harness.post("/v1/payments", BODY)
    assert r.status_code == 201 and r.json()["status"] == "authorized", r.text
    assert ways == ["optimistic", "locked"]
    async with engine.connect() as conn:
        row = (
            (await conn.execute(select(t.payments).where(t.payments.c.id == r.json()["id"]))).mappings().one()
        )
    assert row["status"] == "authorized" and row["metadata"] == {"note": "meanwhile"}


async def test_an_endpoint_added_meanwhile_gets_the_event(
    harness, pg, monkeypatch: pytest.MonkeyPatch
) -> None:
    added: list[str] = []

    async def subscribe(_op: dict[str, Any], _outcome: Any) -> None:
        added.append(await _endpoint(harness, ["payment.*"]))

    ways = _racing(monkeypatch, subscribe)
    r = await harness.post("/v1/payments", BODY)
    assert r.status_code == 201, r.text
    assert ways == ["optimistic", "locked"]  # the endpoints it read are not the statement's any more
    async with harness.hub.engine.connect() as conn:
        event_id = await conn.scalar(
            select(t.events.c.id).where(
                t.events.c.resource_id == r.json()["id"], t.events.c.type == "payment.authorized"
            )
        )
    d = t.webhook_deliveries.c
    assert await _count(harness, t.webhook_deliveries, d.event_id == event_id, d.endpoint_id == added[0]) == 1


async def test_subscribed_endpoints_get_their_deliveries_in_the_one_statement(harness, pg) -> None:
    wants = await _endpoint(harness, ["payment.*"])
    other = await _endpoint(harness, ["refund.succeeded"])
    await harness.post("/v1/payments", BODY)
    seen = _queries(harness)
    for _ in range(3):
        await harness.post("/v1/payments", BODY)
    seen.clear()
    r = await harness.post("/v1/payments", BODY)
    assert r.status_code == 201, r.text
    assert not [q for q in seen if q.rstrip(";") in ("BEGIN", "COMMIT")]
    d = t.webhook_deliveries.c
    async with harness.hub.engine.connect() as conn:
        event_id = await conn.scalar(select(t.events.c.id).where(t.events.c.resource_id == r.json()["id"]))
    assert await _count(harness, t.webhook_deliveries, d.event_id == event_id, d.endpoint_id == wants) == 1
    assert await _count(harness, t.webhook_deliveries, d.event_id == event_id, d.endpoint_id == other) == 0


async def test_a_block_that_needs_another_statement_writes_nothing(harness, pg) -> None:
    engine = harness.hub.engine
    r = await harness.post("/v1/payments", BODY)
    pid = r.json()["id"]
    async with engine.connect() as conn:
        op_id = await conn.scalar(select(t.operations.c.id).where(t.operations.c.resource_id == pid))
    before = await _count(harness, t.operation_attempts)
    for extra in ("core", "raw"):
        with pytest.raises(optimistic.Stale):
            async with optimistic.outcome(engine, t.payments, pid, op_id) as (conn, _payment, _op):
                from hub.store.repo import add_attempt, load

                await add_attempt(conn, operation_id=op_id, action="test", outcome="succeeded", detail=None,
                                  duration_ms=None, now=dt.datetime.now(dt.UTC))  # fmt: skip
                if extra == "core":
                    await conn.execute(text("SELECT 1"))
                else:
                    await load(conn, t.refunds, "re_none")
    with pytest.raises(optimistic.Stale):  # a block that does not write the rows it decided on
        async with optimistic.outcome(engine, t.payments, pid, op_id) as (conn, _payment, _op):
            await add_attempt(conn, operation_id=op_id, action="test", outcome="succeeded", detail=None,
                              duration_ms=None, now=dt.datetime.now(dt.UTC))  # fmt: skip
    assert await _count(harness, t.operation_attempts) == before


async def test_a_key_another_writer_took_first_sends_it_to_the_locked_way(harness, pg) -> None:
    from hub.store.repo import insert_row, update_row

    engine = harness.hub.engine
    pid = (await harness.post("/v1/payments", BODY)).json()["id"]
    taken = await _endpoint(harness, ["payment.*"])
    async with engine.connect() as conn:
        op_id = await conn.scalar(select(t.operations.c.id).where(t.operations.c.resource_id == pid))
        row = (
            (await conn.execute(select(t.webhook_endpoints).where(t.webhook_endpoints.c.id == taken)))
            .mappings()
            .one()
        )
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(optimistic.Stale):  # not IntegrityError: the locked way decides again
        async with optimistic.outcome(engine, t.payments, pid, op_id) as (conn, _payment, _op):
            await update_row(conn, t.payments, pid, {"metadata": {"written": True}, "updated_at": now})
            await update_row(conn, t.operations, op_id, {"updated_at": now})
            await insert_row(conn, t.webhook_endpoints, dict(row))  # its primary key is taken
    async with engine.connect() as conn:
        metadata = await conn.scalar(select(t.payments.c.metadata).where(t.payments.c.id == pid))
    assert metadata != {"written": True}  # the guarded updates of that statement were refused with it
