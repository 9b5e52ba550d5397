"""Queries shared by services: load/lock rows, insert events, record attempts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.domain.errors import NotFound
from hub.domain.ids import new_id
from hub.store import tables as t

Row = dict[str, Any]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


async def load(
    conn: AsyncConnection,
    table: Any,
    row_id: str,
    *,
    lock: bool = False,
    owner: str | None = None,
    what: str = "resource",
) -> Row:
    stmt = select(table).where(table.c.id == row_id)
    if owner is not None and "owner" in table.c:
        stmt = stmt.where(table.c.owner == owner)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).mappings().first()
    if row is None:
        raise NotFound(f"no {what} {row_id!r}")
    return dict(row)


async def update_row(conn: AsyncConnection, table: Any, row_id: str, values: Mapping[str, Any]) -> None:
    await conn.execute(update(table).where(table.c.id == row_id).values(**values))


async def add_event(
    conn: AsyncConnection,
    *,
    owner: str,
    type: str,
    resource_id: str,
    data: Mapping[str, Any],
    now: dt.datetime,
) -> str:
    """Outbox: the event is written in the same transaction as the change it reports, with
    one pending delivery per endpoint subscribed to it (hub.store.outbox)."""
    from hub.store.outbox import fan_out

    event_id = new_id("evt")
    await conn.execute(
        insert(t.events).values(
            id=event_id, owner=owner, type=type, resource_id=resource_id, data=dict(data), created_at=now
        )
    )
    await fan_out(conn, owner=owner, event_id=event_id, event_type=type, now=now)
    return event_id


async def add_attempt(
    conn: AsyncConnection,
    *,
    operation_id: str,
    action: str,
    outcome: str,
    detail: Mapping[str, Any] | None,
    duration_ms: int | None,
    now: dt.datetime,
) -> None:
    await conn.execute(
        insert(t.operation_attempts).values(
            operation_id=operation_id,
            action=action,
            outcome=outcome,
            detail=dict(detail) if detail else None,
            duration_ms=duration_ms,
            at=now,
        )
    )
