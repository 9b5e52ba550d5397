"""Outbox fan-out: an event becomes one pending delivery per subscribed endpoint.

Called by :func:`hub.store.repo.add_event` inside the transaction that writes the
event (and the state change it reports), so an event and its deliveries commit
or vanish together. It runs in every payment transaction: one indexed SELECT of
the owner's enabled endpoints (``ix_webhook_endpoints_owner_status``) and, only
when someone subscribed, one multi-row INSERT. On PostgreSQL that SELECT rides on
the event's own INSERT (one statement: :func:`hub.store.repo.add_event`). No per-process cache: endpoints
change through any API process, and a stale cache would silently drop events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.domain.ids import new_id
from hub.store import tables as t

ENABLED = "enabled"
PENDING = "pending"
_E = t.webhook_endpoints.c
_ENDPOINTS = select(_E.id, _E.event_types).where(_E.owner == bindparam("owner"), _E.status == ENABLED)


def subscribed(patterns: Iterable[str], event_type: str) -> bool:
    """``"*"`` is every type, ``"payment.*"`` every ``payment.`` type, else an exact type."""
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


async def fan_out(
    conn: AsyncConnection, *, owner: str, event_id: str, event_type: str, now: dt.datetime
) -> int:
    """Insert a due delivery of ``event_id`` for each enabled endpoint wanting ``event_type``."""
    rows = (await conn.execute(_ENDPOINTS, {"owner": owner})).mappings().all()
    return await add_deliveries(conn, rows, event_id=event_id, event_type=event_type, now=now)


def delivery_rows(
    endpoints: Sequence[Any], *, event_id: str, event_type: str, now: dt.datetime
) -> list[dict[str, Any]]:
    """A pending delivery of ``event_id`` for each of the owner's enabled ``endpoints`` (rows
    with ``id`` and ``event_types``) that subscribed to ``event_type``."""
    return [
        {
            "id": new_id("wd"),
            "endpoint_id": r["id"],
            "event_id": event_id,
            "event_type": event_type,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for r in endpoints
        if subscribed(r["event_types"] or (), event_type)
    ]


async def add_deliveries(
    conn: AsyncConnection,
    endpoints: Sequence[Any],
    *,
    event_id: str,
    event_type: str,
    now: dt.datetime,
) -> int:
    """Insert :func:`delivery_rows` (one statement)."""
    rows = delivery_rows(endpoints, event_id=event_id, event_type=event_type, now=now)
    if rows:
        await conn.execute(insert(t.webhook_deliveries), rows)
    return len(rows)
