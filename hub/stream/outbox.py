"""The relay's side of the outbox: unpublished events in the order they were written.

An event row is written in the transaction of the change it reports
(:func:`hub.store.repo.add_event`); ``published_at`` stays NULL until the broker
acknowledged its message. The relay's position is therefore "every event whose
``published_at`` is NULL", not a single high-water mark: a transaction that took a
lower ``seq`` but committed later (two API processes on PostgreSQL) is still found,
where a ``seq > position`` cursor would skip it for ever. One resource's events are
written under that resource's row lock, so their ``seq`` order is their commit order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.services import representations as rep
from hub.store import tables as t


class Message(msgspec.Struct, frozen=True):
    """One event as it goes to Kafka."""

    seq: int
    event_id: str
    event_type: str
    key: bytes  # the resource id: one payment's events on one partition, in order
    value: bytes  # the event JSON exactly as /v1/events shows it
    created_at: dt.datetime

    @property
    def headers(self) -> list[tuple[str, str | bytes | None]]:
        return [("event-id", self.event_id.encode()), ("event-type", self.event_type.encode())]


_UNPUBLISHED = t.events.c.published_at.is_(None)


async def unpublished(conn: AsyncConnection, limit: int) -> list[Message]:
    e = t.events.c
    rows = (
        (await conn.execute(select(t.events).where(_UNPUBLISHED).order_by(e.seq).limit(limit)))
        .mappings()
        .all()
    )
    return [
        Message(
            seq=int(r["seq"]),
            event_id=r["id"],
            event_type=r["type"],
            key=str(r["resource_id"]).encode(),
            value=msgspec.json.encode(rep.event(dict(r))),
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def mark_published(engine: AsyncEngine, seqs: Iterable[int], now: dt.datetime) -> int:
    """Record the broker's acknowledgement of these events (one transaction)."""
    batch: Sequence[int] = sorted(set(seqs))
    if not batch:
        return 0
    e = t.events.c
    async with engine.begin() as conn:
        result = await conn.execute(
            update(t.events).where(e.seq.in_(batch), _UNPUBLISHED).values(published_at=now)
        )
    return int(result.rowcount or 0)


async def lag(conn: AsyncConnection) -> int:
    """Events written and not yet acknowledged by the broker."""
    return int(await conn.scalar(select(func.count()).select_from(t.events).where(_UNPUBLISHED)) or 0)


async def replay_from(engine: AsyncEngine, event_id: str) -> int | None:
    """Mark this event and every later one unpublished again (``payhub events replay``).
    None when there is no such event."""
    e = t.events.c
    async with engine.begin() as conn:
        seq = await conn.scalar(select(e.seq).where(e.id == event_id))
        if seq is None:
            return None
        result = await conn.execute(update(t.events).where(e.seq >= seq).values(published_at=None))
    return int(result.rowcount or 0)
