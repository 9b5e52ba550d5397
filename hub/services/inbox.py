"""The inbound webhook inbox (DESIGN §4, §6): store verified provider events once, apply them later.

The acknowledgement path (:meth:`Inbox.ingest`) does one short transaction: each event goes
into ``webhook_inbox`` with ``INSERT ... ON CONFLICT DO NOTHING`` on the unique
(account, provider event id), so a duplicate delivery is stored once and processed once.
A job per new row (:meth:`Inbox.process`) then finds the operation the event is news about
and applies the event's outcome through :func:`hub.services.outcomes.apply` (the one way a
payment or payout moves), with the resource row locked, in one transaction.

Finding the operation (see :mod:`hub.services.inbox_match`): by the provider's operation
reference, else the resource by the hub's own id echoed back by the provider (so an event
that arrives before the hub knows the provider reference still matches), else by the
provider reference. An event with nothing to match yet is retried with backoff and ends
``failed`` (kept, visible, replayable) after ``max_attempts``.

What is never applied: events of types the hub ignores (stored ``ignored``), outcomes that
are not final (a provider "pending"), news about an operation that is already certain
(late or duplicate: the operation keeps what it has; a payout ``returned`` still passes),
and news about a ``requires_action`` step the payment has moved past. So neither a
duplicate, nor out-of-order delivery, nor :meth:`Inbox.replay` can move anything backwards
or apply anything twice.

Rows and jobs: the rows stored while one enqueue is in flight share the next job
(``inbox_dispatch``: one ``process_webhook_batch`` job, whose rows are processed one by one as
above). A lost job (Redis flushed, a process killed, even right after the 2xx) loses nothing:
``sweep`` (a periodic job) re-enqueues rows still ``received``/``retry`` whose
``next_attempt_at`` passed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import msgspec
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.base import ProviderEvent
from hub.config import Settings
from hub.domain.ids import new_id
from hub.domain.operations import OpStatus
from hub.jobs.base import JobRunner
from hub.providers import Providers
from hub.services import inbox_replay, outcomes
from hub.services.dispute_outcomes import dispute_decision
from hub.services.executor import scrub_outcome
from hub.services.inbox_dispatch import InboxDispatcher
from hub.services.inbox_match import Decision, decide
from hub.services.inbox_replay import ReplayResult
from hub.services.inbox_writer import InboxWriter
from hub.store import tables as t
from hub.store.repo import Row, utcnow
from hub.telemetry.metrics import WEBHOOK_INBOX_BACKLOG, WEBHOOKS_RECEIVED
from hub.telemetry.resolution import observe_resolved

log = logging.getLogger("payhub.webhooks")

PROCESS_JOB = "process_webhook"
BATCH_JOB = "process_webhook_batch"
SWEEP_JOB = "sweep_webhook_inbox"

RECEIVED = "received"
PROCESSED = "processed"
IGNORED = "ignored"
RETRY = "retry"
FAILED = "failed"
OPEN = (RECEIVED, RETRY)

MAX_ATTEMPTS = 8
LOST_JOB_AFTER = 30.0  # seconds after which a `received` row's job is presumed lost
SWEEP_BATCH = 500


# the processing path's statements, built once (building one costs more than running it)
_LOCK_ROW = select(t.webhook_inbox).where(t.webhook_inbox.c.id == bindparam("inbox_id"))
_LOCK_ROW_PG = _LOCK_ROW.with_for_update(skip_locked=True)
_MARK = (
    update(t.webhook_inbox)
    .where(t.webhook_inbox.c.id == bindparam("inbox_id"))
    .values(
        status=bindparam("v_status"),
        error=bindparam("v_error"),
        attempts=bindparam("v_attempts"),
        processed_at=bindparam("v_processed_at"),
        next_attempt_at=bindparam("v_next_attempt_at"),
    )
)


class Nudge(Protocol):
    """hub.services.resolution.Resolver.on_unknown: check an unresolved operation soon."""

    def __call__(self, operation_id: str) -> None: ...


class Inbox:
    def __init__(
        self,
        engine: AsyncEngine,
        providers: Providers,
        jobs: JobRunner,
        settings: Settings,
        *,
        nudge: Nudge | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        max_attempts: int = MAX_ATTEMPTS,
        lost_job_after: float = LOST_JOB_AFTER,
    ) -> None:
        self.engine = engine
        self.providers = providers
        self.jobs = jobs
        self.settings = settings
        self.nudge = nudge  # the resolver: news without an outcome makes it look now
        self.clock = clock
        self.max_attempts = max_attempts
        self.lost_job_after = lost_job_after
        self.retry_schedule: list[float] | None = None  # None: the resolution schedule
        self._open: set[str] = set()  # stored, job not yet enqueued (ignored rows need none)
        self.writer = InboxWriter(engine)  # group commit of concurrent deliveries
        self.dispatcher = InboxDispatcher(self._enqueue_new)  # one job per batch of new rows
        jobs.register(PROCESS_JOB, self._process_job)
        jobs.register(BATCH_JOB, self._process_batch_job)
        jobs.register(SWEEP_JOB, self._sweep_job)
        every = getattr(jobs, "every", None)
        if callable(every):
            every(SWEEP_JOB, settings.resolution.sweep_interval)

    @property
    def schedule(self) -> list[float]:
        return self.retry_schedule or self.settings.resolution.schedule or [2.0, 10.0, 60.0, 300.0, 1800.0]

    # ------------------------------------------------------------------ ingest
    async def ingest(self, account_id: str, events: list[ProviderEvent]) -> list[str]:
        """Store verified events (deduplicated on (account, event id)); return the new inbox ids.

        One transaction; the processing job of the new rows is enqueued after the commit (a job
        that cannot be enqueued is picked up by the sweeper)."""
        stored = await self.store(account_id, events)
        await self.dispatch(stored)
        return stored

    async def store(self, account_id: str, events: list[ProviderEvent]) -> list[str]:
        """The storing half of :meth:`ingest` (the webhook endpoint answers, then dispatches).
        Durable when it returns; concurrent deliveries share a commit (``inbox_writer``)."""
        now = self.clock()
        rows = [self._row(account_id, event, now) for event in events]
        new = await self.writer.write(rows)
        acted_on = {row["id"] for row in rows if row["status"] == RECEIVED}
        self._open.update(inbox_id for inbox_id in new if inbox_id in acted_on)
        duplicates = len(events) - len(new)
        if new:
            WEBHOOKS_RECEIVED.labels(account_id, "new").inc(len(new))
        if duplicates:
            WEBHOOKS_RECEIVED.labels(account_id, "duplicate").inc(duplicates)
        return new

    async def dispatch(self, inbox_ids: list[str]) -> None:
        """Enqueue the processing of the newly stored rows that need it, and wait until it is
        enqueued (or logged as not: the sweeper has it). Concurrent calls share a job."""
        await self.dispatch_soon(inbox_ids)

    def dispatch_soon(self, inbox_ids: list[str]) -> asyncio.Future[None]:
        """:meth:`dispatch` without waiting (the webhook endpoint: the enqueue is after the answer)."""
        todo = [inbox_id for inbox_id in inbox_ids if inbox_id in self._open]
        self._open.difference_update(todo)
        if todo:
            WEBHOOK_INBOX_BACKLOG.inc(len(todo))
        return self.dispatcher.submit(todo)

    def _row(self, account_id: str, event: ProviderEvent, now: dt.datetime) -> dict[str, Any]:
        # a type the hub does not act on: stored, never processed
        ignored = event.kind is None and event.dispute is None
        return {
            "id": new_id("whin"),
            "account_id": account_id,
            "provider_event_id": event.event_id,
            "event_type": event.type[:128],
            "payload": msgspec.to_builtins(event),
            "status": IGNORED if ignored else RECEIVED,
            "attempts": 0,
            "error": "event type not applied by the hub" if ignored else None,
            "received_at": now,
            "processed_at": now if ignored else None,
            "next_attempt_at": None if ignored else now + dt.timedelta(seconds=self.lost_job_after),
        }

    async def _enqueue_new(self, inbox_ids: list[str]) -> None:
        """The first job of new rows: one per row alone, one batch job for several (raises when
        it cannot be enqueued; the dispatcher logs it)."""
        if len(inbox_ids) == 1:
            [inbox_id] = inbox_ids
            await self.jobs.enqueue(PROCESS_JOB, job_id=f"inbox:{inbox_id}:0", inbox_id=inbox_id)
        else:
            await self.jobs.enqueue(BATCH_JOB, job_id=f"inbox-batch:{inbox_ids[0]}", inbox_ids=inbox_ids)

    async def _enqueue(self, inbox_id: str, delay: float, *, attempts: int) -> None:
        try:
            await self.jobs.enqueue(
                PROCESS_JOB, delay=max(0.0, delay), job_id=f"inbox:{inbox_id}:{attempts}", inbox_id=inbox_id
            )
        except Exception:  # Redis down: the row is stored; the sweeper enqueues it later
            log.warning(
                "could not enqueue inbox row %s; the sweeper will pick it up", inbox_id, exc_info=True
            )

    # ------------------------------------------------------------------ process
    async def _process_job(self, inbox_id: str) -> None:
        await self.process(inbox_id)

    async def _process_batch_job(self, inbox_ids: list[str]) -> None:
        for inbox_id in inbox_ids:  # each in its own transaction; a failure is the row's own
            await self.process(inbox_id)

    async def process(self, inbox_id: str) -> None:
        """Apply one stored event (idempotent: a row already settled is left alone)."""
        await self._run(inbox_id, replay=False)

    async def _run(self, inbox_id: str, *, replay: bool) -> ReplayResult | None:
        now = self.clock()
        try:
            async with self.engine.begin() as conn:
                row = await self._lock_row(conn, inbox_id)
                if row is None or (not replay and row["status"] not in OPEN):
                    return None
                event = msgspec.convert(row["payload"], ProviderEvent)
                if event.dispute is not None:  # dispute news: hub.services.dispute_outcomes
                    decision = await dispute_decision(conn, row["account_id"], event, now)
                else:
                    decision = await decide(conn, row["account_id"], event, now)
                if decision.apply is not None and decision.operation is not None:
                    applied = await outcomes.apply(
                        conn,
                        decision.operation,
                        scrub_outcome(decision.apply),  # no PAN or secret reaches a stored summary
                        action="webhook",
                        now=now,
                        schedule=self.settings.resolution.schedule,
                    )
                    if decision.operation["status"] == OpStatus.UNKNOWN and applied.operation_status in (
                        OpStatus.SUCCEEDED,
                        OpStatus.FAILED,
                    ):
                        observe_resolved(decision.operation, "webhook", now)  # ambiguous -> certain
                after, delay = self._settle(row, decision, now, replay=replay)
                await self._mark(conn, row, after, decision.note, now, delay)
        except Exception as exc:
            log.exception("inbox row %s could not be processed", inbox_id)
            recorded = await self._record_error(inbox_id, f"{type(exc).__name__}: {exc}", now)
            return None if recorded is None else ReplayResult(**recorded)
        if row["status"] in OPEN and after not in OPEN:
            WEBHOOK_INBOX_BACKLOG.dec()
        for unresolved in decision.nudge:
            if self.nudge is not None:
                self.nudge(unresolved)
        if after == RETRY and delay is not None:
            await self._enqueue(inbox_id, delay, attempts=int(row["attempts"]) + 1)
        elif after == FAILED:
            log.warning(
                "inbox row %s (%s %s) failed after %d attempts: %s",
                inbox_id,
                row["account_id"],
                row["event_type"],
                int(row["attempts"]) + 1,
                decision.note,
            )
        op_id = decision.operation["id"] if decision.operation else None
        log.info(
            "inbox row %s (%s) -> %s%s", inbox_id, row["event_type"], after, f" ({op_id})" if op_id else ""
        )
        return ReplayResult(
            inbox_id=inbox_id,
            account_id=row["account_id"],
            event_type=row["event_type"],
            provider_event_id=row["provider_event_id"],
            before=row["status"],
            after=after,
            note=decision.note,
            operation_id=op_id,
        )

    def _settle(
        self, row: Row, decision: Decision, now: dt.datetime, *, replay: bool
    ) -> tuple[str, float | None]:
        """The row's next status, and the delay before the next try when it is to be retried."""
        if decision.status != RETRY:
            return decision.status, None
        if replay and row["status"] not in OPEN:
            return row["status"], None  # a replay that still finds nothing leaves a settled row as it was
        attempts = int(row["attempts"]) + 1
        if attempts >= self.max_attempts:
            return FAILED, None
        sched = self.schedule
        return RETRY, float(sched[min(attempts - 1, len(sched) - 1)])

    async def _lock_row(self, conn: AsyncConnection, inbox_id: str) -> Row | None:
        # another worker has it (PostgreSQL: SKIP LOCKED): it will settle it
        stmt = _LOCK_ROW_PG if conn.dialect.name == "postgresql" else _LOCK_ROW
        found = (await conn.execute(stmt, {"inbox_id": inbox_id})).mappings().first()
        return dict(found) if found is not None else None

    async def _mark(
        self,
        conn: AsyncConnection,
        row: Row,
        status: str,
        note: str | None,
        now: dt.datetime,
        delay: float | None,
    ) -> None:
        # every column written: those that do not change get the locked row's own values back
        values: dict[str, Any] = {
            "inbox_id": row["id"], "v_status": status, "v_error": note, "v_attempts": row["attempts"],
            "v_processed_at": row["processed_at"], "v_next_attempt_at": row["next_attempt_at"],
        }  # fmt: skip
        if status in OPEN:
            values["v_attempts"] = int(row["attempts"]) + 1
            values["v_next_attempt_at"] = now + dt.timedelta(seconds=delay or 0.0)
        elif status != row["status"] or status == FAILED:
            values["v_attempts"] = int(row["attempts"]) + 1
            values["v_processed_at"] = now
            values["v_next_attempt_at"] = None
        await conn.execute(_MARK, values)

    async def _record_error(self, inbox_id: str, error: str, now: dt.datetime) -> dict[str, Any] | None:
        """Processing raised: count the attempt, retry later, fail after ``max_attempts``."""
        try:
            async with self.engine.begin() as conn:
                row = await self._lock_row(conn, inbox_id)
                if row is None:
                    return None
                attempts = int(row["attempts"]) + 1
                failed = attempts >= self.max_attempts
                status = FAILED if failed else RETRY
                delay = self.schedule[min(attempts - 1, len(self.schedule) - 1)]
                await conn.execute(
                    update(t.webhook_inbox)
                    .where(t.webhook_inbox.c.id == inbox_id)
                    .values(
                        status=status,
                        attempts=attempts,
                        error=error[:2000],
                        next_attempt_at=None if failed else now + dt.timedelta(seconds=delay),
                        processed_at=now if failed else None,
                    )
                )
        except Exception:
            log.exception("inbox row %s: could not record the error (the sweeper retries it)", inbox_id)
            return None
        if not failed:
            await self._enqueue(inbox_id, delay, attempts=attempts)
        return {
            "inbox_id": inbox_id,
            "account_id": row["account_id"],
            "event_type": row["event_type"],
            "provider_event_id": row["provider_event_id"],
            "before": row["status"],
            "after": status,
            "note": error,
        }

    # ------------------------------------------------------------------ sweep
    async def _sweep_job(self) -> None:
        await self.sweep()

    async def sweep(self, *, limit: int = SWEEP_BATCH) -> list[str]:
        """Re-enqueue rows whose job is overdue (lost, or its retry is due); refresh the backlog gauge."""
        now = self.clock()
        w = t.webhook_inbox.c
        async with self.engine.connect() as conn:
            due = (
                await conn.execute(
                    select(w.id, w.attempts)
                    .where(w.status.in_(OPEN), w.next_attempt_at <= now)
                    .order_by(w.next_attempt_at)
                    .limit(limit)
                )
            ).all()
            backlog = await conn.scalar(
                select(func.count()).select_from(t.webhook_inbox).where(w.status.in_(OPEN))
            )
        WEBHOOK_INBOX_BACKLOG.set(int(backlog or 0))
        if due:
            log.info("inbox sweep: %d row(s) due", len(due))
        for r in due:
            await self._enqueue(r.id, 0.0, attempts=int(r.attempts or 0))
        return [r.id for r in due]

    # ------------------------------------------------------------------ replay, read
    async def replay(
        self,
        *,
        ids: Sequence[str] = (),
        account_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 10_000,
    ) -> list[ReplayResult]:
        """Re-apply stored events (by inbox id, or by account and received time range), oldest first.

        Safe to run at any time: what is already certain stays as it is (see the module doc)."""
        return await inbox_replay.replay(
            self.engine, self._rerun, ids=ids, account_id=account_id, since=since, until=until, limit=limit
        )

    async def _rerun(self, inbox_id: str) -> ReplayResult | None:
        return await self._run(inbox_id, replay=True)

    async def rows(
        self, *, status: str | None = None, account_id: str | None = None, limit: int = 100
    ) -> list[Row]:
        """Inbox rows, newest first (the CLI's ``webhooks list``)."""
        return await inbox_replay.rows(self.engine, status=status, account_id=account_id, limit=limit)

__all__ = ["Inbox", "ReplayResult"]
