"""Group commit for the webhook inbox: many deliveries stored in one transaction.

A webhook is acknowledged only once its events are durable (DESIGN §6), so every delivery
waits for a commit. Under load, one commit per delivery is what limits ingestion; here the
deliveries that arrive while a commit is in flight are written together in the next one (one
multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING``), and each caller still returns
only once its own rows are committed — as the audit log does (``hub.services.audit``).

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
                async with self.engine.begin() as conn:
                    stored = await _insert(conn, [row for rows, _ in batch for row in rows])
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
            async with self.engine.begin() as conn:
                stored = await _insert(conn, rows)
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
