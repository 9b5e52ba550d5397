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
(``inbox_dispatch``: one ``process_webhook_batch`` job). Its rows are applied together, up to
``BATCH_CHUNK`` in one transaction: locked in one statement, each decided and applied in turn
exactly as above (a later row sees what an earlier one changed), marked in one statement. Should
anything raise, that transaction is rolled back and each of its rows is processed alone, so an
error is recorded on the row that caused it. A lost job (Redis flushed, a process killed, even right after the 2xx) loses nothing:
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
from hub.services.inbox_match import Decision, Locked, decide, prefetch
from hub.services.inbox_replay import ReplayResult
from hub.services.inbox_rows import (
    FAILED,
    IGNORED,
    OPEN,
    RECEIVED,
    RETRY,
    due_rows,
    lock_row,
    lock_rows,
    mark,
    mark_values,
    record_error,
    settle,
)
from hub.services.inbox_writer import InboxWriter
from hub.store.repo import Row, utcnow
from hub.telemetry.metrics import WEBHOOK_INBOX_BACKLOG, WEBHOOKS_RECEIVED
from hub.telemetry.resolution import observe_resolved

log = logging.getLogger("payhub.webhooks")

PROCESS_JOB = "process_webhook"
BATCH_JOB = "process_webhook_batch"
SWEEP_JOB = "sweep_webhook_inbox"

MAX_ATTEMPTS = 8
LOST_JOB_AFTER = 30.0  # seconds after which a `received` row's job is presumed lost
SWEEP_BATCH = 500


BATCH_CHUNK = 64  # rows of a batch job applied in one transaction


class _Step(msgspec.Struct, kw_only=True):
    """A locked row, decided (and its outcome applied), not yet marked."""

    row: Row
    decision: Decision
    after: str  # the row's next status
    delay: float | None  # before its next try, when ``after`` is retry
    resolved: bool  # an ambiguous (unknown) operation became certain


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
        for start in range(0, len(inbox_ids), BATCH_CHUNK):
            await self._process_together(inbox_ids[start : start + BATCH_CHUNK])

    async def _process_together(self, inbox_ids: list[str]) -> None:
        """Apply several stored events in ONE transaction: the rows locked in one statement,
        each decided (and applied) in turn exactly as :meth:`process` does, all marked in one.
        If anything raises (a row's error, a deadlock), all is rolled back and each row is
        processed in its own transaction, so an error stays the row's own."""
        if len(inbox_ids) == 1:
            return await self.process(inbox_ids[0])
        now = self.clock()
        try:
            async with self.engine.begin() as conn:
                rows = [row for row in await lock_rows(conn, inbox_ids) if row["status"] in OPEN]
                events = [msgspec.convert(row["payload"], ProviderEvent) for row in rows]
                # the payments (payouts) the events echo, locked in one statement
                pairs = [(row["account_id"], ev) for row, ev in zip(rows, events, strict=True)]
                locked = await prefetch(conn, pairs)
                steps = [
                    await self._step(conn, row, now, replay=False, event=ev, locked=locked)
                    for row, ev in zip(rows, events, strict=True)
                ]
                await mark(conn, [mark_values(s.row, s.after, s.decision.note, now, s.delay) for s in steps])
        except Exception as exc:
            log.warning(
                "inbox batch of %d row(s) from %s not applied together (%s: %s): one by one",
                len(inbox_ids), inbox_ids[0], type(exc).__name__, exc,
            )  # fmt: skip
            for inbox_id in inbox_ids:
                await self.process(inbox_id)
            return
        for step in steps:
            await self._finish(step, now)

    async def process(self, inbox_id: str) -> None:
        """Apply one stored event (idempotent: a row already settled is left alone)."""
        await self._run(inbox_id, replay=False)

    async def _run(self, inbox_id: str, *, replay: bool) -> ReplayResult | None:
        now = self.clock()
        try:
            async with self.engine.begin() as conn:
                row = await lock_row(conn, inbox_id)
                if row is None or (not replay and row["status"] not in OPEN):
                    return None
                step = await self._step(conn, row, now, replay=replay)
                await mark(conn, [mark_values(row, step.after, step.decision.note, now, step.delay)])
        except Exception as exc:
            log.exception("inbox row %s could not be processed", inbox_id)
            recorded = await self._record_error(inbox_id, f"{type(exc).__name__}: {exc}", now)
            return None if recorded is None else ReplayResult(**recorded)
        return await self._finish(step, now)

    async def _step(
        self,
        conn: AsyncConnection,
        row: Row,
        now: dt.datetime,
        *,
        replay: bool,
        event: ProviderEvent | None = None,
        locked: Locked | None = None,
    ) -> _Step:
        """Decide what the locked row's event means and apply it (nothing is marked yet).
        ``locked``: the batch's resources read ahead (``prefetch``), cleared once anything is
        written (what was read is then stale)."""
        if event is None:
            event = msgspec.convert(row["payload"], ProviderEvent)
        if event.dispute is not None:  # dispute news: hub.services.dispute_outcomes
            if locked is not None:
                locked.clear()  # a dispute may change its payment
            decision = await dispute_decision(conn, row["account_id"], event, now)
        else:
            decision = await decide(conn, row["account_id"], event, now, locked=locked)
        resolved = False
        if decision.apply is not None and locked is not None:
            locked.clear()  # applied below: the resource and its operations change
        if decision.apply is not None and decision.operation is not None:
            applied = await outcomes.apply(
                conn,
                decision.operation,
                scrub_outcome(decision.apply),  # no PAN or secret reaches a stored summary
                action="webhook",
                now=now,
                schedule=self.settings.resolution.schedule,
            )
            resolved = decision.operation["status"] == OpStatus.UNKNOWN and applied.operation_status in (
                OpStatus.SUCCEEDED,
                OpStatus.FAILED,
            )
        after, delay = settle(
            row, decision.status, replay=replay, max_attempts=self.max_attempts, schedule=self.schedule
        )
        return _Step(row=row, decision=decision, after=after, delay=delay, resolved=resolved)

    async def _finish(self, step: _Step, now: dt.datetime) -> ReplayResult:
        """What follows a processed row's commit: gauge, nudges, its retry job, the log."""
        row, decision, after, inbox_id = step.row, step.decision, step.after, step.row["id"]
        if step.resolved and decision.operation is not None:
            observe_resolved(decision.operation, "webhook", now)  # ambiguous -> certain
        if row["status"] in OPEN and after not in OPEN:
            WEBHOOK_INBOX_BACKLOG.dec()
        for unresolved in decision.nudge:
            if self.nudge is not None:
                self.nudge(unresolved)
        if after == RETRY and step.delay is not None:
            await self._enqueue(inbox_id, step.delay, attempts=int(row["attempts"]) + 1)
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

    async def _record_error(self, inbox_id: str, error: str, now: dt.datetime) -> dict[str, Any] | None:
        """Processing raised: count the attempt, retry later, fail after ``max_attempts``."""
        try:
            async with self.engine.begin() as conn:
                recorded = await record_error(conn, inbox_id, error, now, self.schedule, self.max_attempts)
        except Exception:
            log.exception("inbox row %s: could not record the error (the sweeper retries it)", inbox_id)
            return None
        if recorded is None:
            return None
        result, attempts, delay = recorded
        if delay is not None:
            await self._enqueue(inbox_id, delay, attempts=attempts)
        return result

    # ------------------------------------------------------------------ sweep
    async def _sweep_job(self) -> None:
        await self.sweep()

    async def sweep(self, *, limit: int = SWEEP_BATCH) -> list[str]:
        """Re-enqueue rows whose job is overdue (lost, or its retry is due); refresh the backlog gauge."""
        async with self.engine.connect() as conn:
            due, backlog = await due_rows(conn, self.clock(), limit)
        WEBHOOK_INBOX_BACKLOG.set(backlog)
        if due:
            log.info("inbox sweep: %d row(s) due", len(due))
        for inbox_id, attempts in due:
            await self._enqueue(inbox_id, 0.0, attempts=attempts)
        return [inbox_id for inbox_id, _ in due]

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
