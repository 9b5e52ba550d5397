"""Outbox fan-out: an event becomes one pending delivery per subscribed endpoint.

Called by :func:`hub.store.repo.add_event` inside the transaction that writes the
event (and the state change it reports), so an event and its deliveries commit
or vanish together. It runs in every payment transaction: one indexed SELECT of
the owner's enabled endpoints (``ix_webhook_endpoints_owner_status``) and, only
when someone subscribed, one multi-row INSERT. No per-process cache: endpoints
change through any API process, and a stale cache would silently drop events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.domain.ids import new_id
from hub.store import tables as t

ENABLED = "enabled"
PENDING = "pending"


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
    e = t.webhook_endpoints.c
    rows = (
        await conn.execute(select(e.id, e.event_types).where(e.owner == owner, e.status == ENABLED))
    ).all()
    targets = [r.id for r in rows if subscribed(r.event_types or (), event_type)]
    if not targets:
        return 0
    await conn.execute(
        insert(t.webhook_deliveries),
        [
            {
                "id": new_id("wd"),
                "endpoint_id": endpoint_id,
                "event_id": event_id,
                "event_type": event_type,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for endpoint_id in targets
        ],
    )
    return len(targets)
