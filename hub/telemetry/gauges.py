"""Backlog gauges, refreshed when ``/metrics`` is scraped — never on the request path.

The database counts (resolution backlog, webhook inbox, outbound deliveries) run at most
once per ``[telemetry] backlog_refresh_seconds`` (5 s by default), however often and by
however many scrapers ``/metrics`` is read; each restricts an indexed status column. The
job queue depth is asked of the job runner at every scrape (an in-memory count, or one
``ZCARD`` in Redis).

A failing query keeps the previous value and is logged: a scrape never fails for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.services.stats import resolution_backlog
from hub.store import tables as t
from hub.store.repo import utcnow
from hub.telemetry.metrics import (
    JOB_QUEUE_DEPTH,
    OUTBOUND_BACKLOG,
    RESOLUTION_BACKLOG,
    WEBHOOK_INBOX_BACKLOG,
)

log = logging.getLogger("payhub.telemetry")

INBOX_WAITING = ("received", "retry")
OUTBOUND_WAITING = ("pending",)


@runtime_checkable
class HasDepth(Protocol):
    async def depth(self) -> int: ...


async def _inbox_backlog(conn: AsyncConnection) -> int:
    stmt = (
        select(func.count()).select_from(t.webhook_inbox).where(t.webhook_inbox.c.status.in_(INBOX_WAITING))
    )
    return int(await conn.scalar(stmt) or 0)


async def _outbound_backlog(conn: AsyncConnection) -> int:
    d = t.webhook_deliveries.c
    stmt = select(func.count()).select_from(t.webhook_deliveries).where(d.status.in_(OUTBOUND_WAITING))
    return int(await conn.scalar(stmt) or 0)


class BacklogGauges:
    def __init__(self, engine: AsyncEngine, jobs: Any, *, min_interval: float = 5.0) -> None:
        self.engine = engine
        self.jobs = jobs
        self.min_interval = min_interval
        self._last = -float("inf")
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        await self._refresh_jobs()
        if time.monotonic() - self._last < self.min_interval:
            return
        async with self._lock:  # concurrent scrapes: one set of queries
            if time.monotonic() - self._last < self.min_interval:
                return
            await self._refresh_database()
            self._last = time.monotonic()

    async def _refresh_jobs(self) -> None:
        if not isinstance(self.jobs, HasDepth):
            return
        try:
            JOB_QUEUE_DEPTH.set(await self.jobs.depth())
        except Exception:
            log.warning("metrics: could not read the job queue depth", exc_info=True)

    async def _refresh_database(self) -> None:
        try:
            async with self.engine.connect() as conn:
                for state, n in (await resolution_backlog(conn, utcnow())).items():
                    RESOLUTION_BACKLOG.labels(state).set(n)
                WEBHOOK_INBOX_BACKLOG.set(await _inbox_backlog(conn))
                OUTBOUND_BACKLOG.set(await _outbound_backlog(conn))
        except Exception:
            log.warning("metrics: could not count the backlogs; keeping the last values", exc_info=True)
