"""Group commit for the webhook inbox: many deliveries stored in one transaction.

A webhook is acknowledged only once its events are durable (DESIGN §6), so every delivery
waits for a commit. Under load, one commit per delivery is what limits ingestion; here the
deliveries that arrive while a commit is in flight are written together in the next one (one
multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING``), and each caller still returns
only once its own rows are committed — as the audit log does (``hub.services.audit``). On
PostgreSQL that INSERT takes the rows as arrays (``unnest``) and goes through asyncpg directly
as a statement of its own, atomic and committed when it returns, so no BEGIN and COMMIT round
trips are paid (nor SQLAlchemy's per-statement and per-transaction CPU).

Dedupe is unchanged: the unique (account, provider event id) decides; a row is "new" for
the first delivery of the batch that carried it, and a duplicate for every other (the same
answer as if they had come one after the other). A batch that fails as a whole (one bad
event) is written again delivery by delivery, so only the delivery that carries the bad event
gets the error, and its provider retries it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence, Sized
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.store import fast
from hub.store import tables as t

log = logging.getLogger("payhub.webhooks")

MAX_ROWS = 500  # rows written in one transaction

Key = tuple[str, str]  # (account id, provider event id)
Pending = tuple[list[dict[str, Any]], "asyncio.Future[list[str]]"]


class InboxWriter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._queue: list[Pending] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, rows: list[dict[str, Any]]) -> list[str]:
        """Insert ``rows`` (webhook_inbox values), skipping those already stored; return the
        ids of the rows this call stored, once they are committed."""
        if not rows:
            return []
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[str]] = loop.create_future()
        self._queue.append((rows, future))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain())
        return await asyncio.shield(future)  # a delivery that hangs up is still stored

    async def _drain(self) -> None:
        while self._queue:
            batch = take_batch(self._queue, MAX_ROWS)
            try:
                stored = await _store(self.engine, [row for rows, _ in batch for row in rows])
            except Exception as exc:
                if len(batch) == 1:
                    _fail(batch[0][1], exc)
                    continue
                log.warning("inbox group commit of %d deliveries failed; writing them one by one",
                            len(batch), exc_info=True)  # fmt: skip
                for rows, future in batch:
                    await self._alone(rows, future)
                continue
            _answer(batch, stored)

    async def _alone(self, rows: list[dict[str, Any]], future: asyncio.Future[list[str]]) -> None:
        try:
            stored = await _store(self.engine, rows)
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        _answer([(rows, future)], stored)


_Item = TypeVar("_Item", bound=tuple[Sized, Any])


def take_batch(queue: list[_Item], limit: int) -> list[_Item]:
    """The first items of ``queue`` (each: its rows or ids, its future) up to ``limit`` rows in
    all (at least one item), removed from it. Shared by the inbox's writer and its dispatcher."""
    taken: list[_Item] = []
    count = 0
    while queue and (not taken or count + len(queue[0][0]) <= limit):
        item = queue.pop(0)
        taken.append(item)
        count += len(item[0])
    return taken


async def _store(engine: AsyncEngine, rows: Sequence[dict[str, Any]]) -> dict[Key, str]:
    """Insert ``rows`` durably (committed when this returns); the ids stored by key."""
    if any(row.keys() != _NAMES for row in rows):  # a column added to the row but not here
        raise ValueError(f"inbox rows must have exactly the columns {sorted(_NAMES)}")
    if engine.dialect.name == "postgresql":  # one statement, atomic and committed by itself
        async with engine.connect() as conn:
            drv = await fast.driver(conn, begin=False)
            assert drv is not None
            found = await fast.fetch(conn, drv, _PG_INSERT, _columns(rows))
            return {(r["account_id"], r["provider_event_id"]): r["id"] for r in found}
    async with engine.begin() as conn:
        return await _insert(conn, rows)


# PostgreSQL: one INSERT of the rows as arrays (unnest keeps their order: of two rows with the
# same key, the first is stored), sent through asyncpg directly (hub.store.fast) with no BEGIN
# and COMMIT around it
_INSERTED = (
    ("id", "varchar"), ("account_id", "varchar"), ("provider_event_id", "varchar"),
    ("event_type", "varchar"), ("payload", "json"), ("status", "varchar"), ("attempts", "integer"),
    ("error", "text"), ("received_at", "timestamptz"), ("processed_at", "timestamptz"),
    ("next_attempt_at", "timestamptz"),
)  # fmt: skip
_PG_INSERT = (
    f"INSERT INTO webhook_inbox ({', '.join(name for name, _ in _INSERTED)})"
    f" SELECT * FROM unnest({', '.join(f'${i}::{kind}[]' for i, (_, kind) in enumerate(_INSERTED, 1))})"
    " ON CONFLICT (account_id, provider_event_id) DO NOTHING RETURNING id, account_id, provider_event_id"
)


_NAMES = frozenset(name for name, _ in _INSERTED)


def _columns(rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
    return [
        [fast.json_text(row[name]) if kind == "json" else row[name] for row in rows] for name, kind in _INSERTED
    ]


async def _insert(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> dict[Key, str]:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    c = t.webhook_inbox.c
    stmt = (
        insert(t.webhook_inbox)
        .on_conflict_do_nothing(index_elements=["account_id", "provider_event_id"])
        .returning(c.id, c.account_id, c.provider_event_id)
    )
    result = await conn.execute(stmt, list(rows))
    return {(r.account_id, r.provider_event_id): r.id for r in result}


def _answer(batch: list[Pending], stored: dict[Key, str]) -> None:
    """Each delivery gets the rows that were inserted with its own (unique) ids."""
    for rows, future in batch:
        mine = [row["id"] for row in rows if stored.get((row["account_id"], row["provider_event_id"])) == row["id"]]
        if not future.done():
            future.set_result(mine)


def _fail(future: asyncio.Future[list[str]], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
