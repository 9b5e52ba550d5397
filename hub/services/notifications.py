"""Polling provider notifications (bank statements: camt.054) into the inbox.

For every account whose adapter declares ``Capability.NOTIFICATION_POLLING`` the job
``poll_notifications`` runs about every ``[notifications] poll_interval`` seconds (30 s
by default) and reads ``adapter.poll_notifications(cursor)`` page by page. It never
stops while the account exists, so a return that comes days after a payout succeeded
is still read.

Never lose an event: each page's events are handed to the inbox (``ingest``: stored
deduped on (account, provider event id), processed by its own jobs through
:func:`hub.services.outcomes.apply`) and only *then* the cursor is advanced in
``poll_cursors``. A crash between the two reads the page again; the inbox dedupes.
The cursor is advanced only from the value this poll started from, so two pollers
(several workers) never move it backwards.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import Capability, ProviderEvent
from hub.config import Settings
from hub.jobs.base import JobRunner
from hub.providers import ProviderAccount, Providers
from hub.services.resolution import SupportsPeriodic
from hub.store import tables as t
from hub.store.repo import utcnow
from hub.telemetry.metrics import NOTIFICATION_POLLS

log = logging.getLogger("payhub.notifications")

POLL_JOB = "poll_notifications"
MAX_PAGES = 20  # per account and poll; the rest waits for the next poll

Ingest = Callable[[str, list[ProviderEvent]], Awaitable[list[str]]]


class NotificationPoller:
    def __init__(
        self,
        engine: AsyncEngine,
        providers: Providers,
        settings: Settings,
        jobs: JobRunner,
        *,
        ingest: Ingest | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.providers = providers
        self.ingest = ingest  # the inbox: hub.inbox.ingest(account_id, events) -> new inbox ids
        self.clock = clock
        jobs.register(POLL_JOB, self._poll_job)
        if isinstance(jobs, SupportsPeriodic):
            jobs.every(POLL_JOB, settings.notifications.poll_interval)

    async def _poll_job(self) -> None:
        await self.poll_all()

    def polled_accounts(self) -> list[ProviderAccount]:
        return [p for p in self.providers.all() if p.supports(Capability.NOTIFICATION_POLLING)]

    async def poll_all(self) -> dict[str, int]:
        """Poll every polling account once; answers the number of events read per account.
        One account's trouble (bank down, bad document) does not stop the others."""
        read: dict[str, int] = {}
        for provider in self.polled_accounts():
            try:
                read[provider.id] = await self.poll_account(provider)
            except Exception as exc:
                NOTIFICATION_POLLS.labels(provider.id, "error").inc()
                log.warning("notifications of %s not read (next poll retries): %s", provider.id, exc)
                continue
            NOTIFICATION_POLLS.labels(provider.id, "ok").inc()
        return read

    async def poll_account(self, provider: ProviderAccount) -> int:
        """Read ``provider``'s notifications after its cursor; raises when they cannot be read."""
        if self.ingest is None:
            raise RuntimeError("no inbox to hand the notifications to; the cursor stays where it is")
        cursor = await self.cursor(provider.id)
        events = 0
        for _ in range(MAX_PAGES):
            async with asyncio.timeout(provider.call_deadline):
                batch = await provider.adapter.poll_notifications(cursor)
            if batch.events:
                await self.ingest(provider.id, batch.events)  # stored before the cursor moves
                events += len(batch.events)
            if batch.next_cursor is None or batch.next_cursor == cursor:
                break
            await self._advance(provider.id, cursor, batch.next_cursor)
            cursor = batch.next_cursor
        if events:
            log.info("notifications of %s: %d event(s) handed to the inbox", provider.id, events)
        return events

    async def cursor(self, account_id: str) -> str | None:
        async with self.engine.connect() as conn:
            value: str | None = await conn.scalar(
                select(t.poll_cursors.c.cursor).where(t.poll_cursors.c.account_id == account_id)
            )
        return value

    async def _advance(self, account_id: str, old: str | None, new: str) -> None:
        c = t.poll_cursors.c
        now = self.clock()
        async with self.engine.begin() as conn:
            same = c.cursor.is_(None) if old is None else c.cursor == old
            moved = await conn.execute(
                update(t.poll_cursors)
                .where(c.account_id == account_id, same)
                .values(cursor=new, updated_at=now)
            )
            if moved.rowcount == 1:
                return
            exists = await conn.scalar(select(c.account_id).where(c.account_id == account_id))
            if exists is None:
                await conn.execute(
                    insert(t.poll_cursors).values(account_id=account_id, cursor=new, updated_at=now)
                )
            else:
                log.info("cursor of %s was moved by another poller; keeping theirs", account_id)
