"""Fixtures for the security tests: database dumps, audit-log tampering, record lookups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.store import tables as t
from hub.store.tables import metadata
from idempotency.tables import metadata as idempotency_metadata

CARD = {"exp_month": 12, "exp_year": 2031, "cvc": "123"}
OK_CARD = "4242424242424242"


def pay_body(number: str = OK_CARD, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": 1099,
        "currency": "EUR",
        "capture": "manual",
        "payment_method": {"type": "card", "card": {**CARD, "number": number}},
    }
    body.update(kw)
    return body


@pytest.fixture
def payment_body() -> Callable[..., dict[str, Any]]:
    return pay_body


async def _dump(engine: AsyncEngine) -> str:
    """Every row of every table, as text (binary columns decoded), one line per row."""
    lines: list[str] = []
    async with engine.connect() as conn:
        for md in (metadata, idempotency_metadata):
            for table in md.sorted_tables:
                for row in (await conn.execute(select(table))).mappings().all():
                    values = {
                        k: (v.decode("utf-8", "replace") if isinstance(v, bytes | memoryview) else v)
                        for k, v in dict(row).items()
                    }
                    lines.append(f"{table.name}: {values!r}")
    return "\n".join(lines)


@pytest.fixture
def dump_database() -> Callable[[AsyncEngine], Awaitable[str]]:
    return _dump


async def _without_triggers(engine: AsyncEngine, statement: str, params: dict[str, Any]) -> None:
    """Run a tampering statement with the append-only triggers out of the way (as an attacker
    with DDL rights would), then put the triggers back."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            await conn.execute(text(statement), params)
            await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
            return
        await conn.execute(text("DROP TRIGGER audit_log_no_update"))
        await conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        await conn.execute(text(statement), params)
        await conn.execute(
            text(
                "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END"
            )
        )
        await conn.execute(
            text(
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END"
            )
        )


@pytest.fixture
def tamper() -> Callable[[AsyncEngine, str, dict[str, Any]], Awaitable[None]]:
    return _without_triggers


async def _records(engine: AsyncEngine, **where: Any) -> list[dict[str, Any]]:
    stmt = select(t.audit_log).order_by(t.audit_log.c.seq)
    for key, value in where.items():
        stmt = stmt.where(t.audit_log.c[key] == value)
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(stmt)).mappings().all()]


@pytest.fixture
def audit_records() -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    """``await audit_records(engine, action="payment.create")``: stored records in seq order."""
    return _records
