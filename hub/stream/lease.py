"""One relay publishes at a time: a lease row per stream, renewed while the relay works.

Two relays publishing the same range at once would interleave their copies and break
per-key order for a consumer. A relay that stops renewing (crashed, partitioned from the
database) loses the lease after ``lease_seconds``; the next one re-reads every event not
yet marked published and starts there, so at worst a few events are published twice
(consumers dedupe by ``event-id``). Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.store import tables as t
from hub.store.repo import insert_row


class Lease:
    def __init__(self, engine: AsyncEngine, name: str, holder: str, seconds: float) -> None:
        self.engine = engine
        self.name = name
        self.holder = holder
        self.seconds = seconds

    async def acquire(self, now: dt.datetime) -> bool:
        """Take or renew the lease; False while another holder's lease runs."""
        c = t.stream_leases.c
        until = now + dt.timedelta(seconds=self.seconds)
        stmt = (
            update(t.stream_leases)
            .where(c.name == self.name, or_(c.holder == self.holder, c.holder.is_(None), c.expires_at < now))
            .values(holder=self.holder, expires_at=until)
        )
        async with self.engine.begin() as conn:
            if (await conn.execute(stmt)).rowcount == 1:
                return True
        try:
            async with self.engine.begin() as conn:
                await insert_row(
                    conn, t.stream_leases, {"name": self.name, "holder": self.holder, "expires_at": until}
                )
            return True
        except IntegrityError:  # the row exists and someone else holds it
            return False

    async def release(self) -> None:
        c = t.stream_leases.c
        async with self.engine.begin() as conn:
            await conn.execute(
                update(t.stream_leases)
                .where(c.name == self.name, c.holder == self.holder)
                .values(holder=None, expires_at=None)
            )
