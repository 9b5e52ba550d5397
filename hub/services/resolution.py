"""Resolution of ambiguous operations (DESIGN §4): make every `unknown` certain.

An operation whose outcome is not known (status ``unknown``, or ``pending`` whose
lease ran out because the process died mid-call) is resolved by the strategy its
adapter declares for the operation kind, first one first:

* ``lookup``  - ask the provider what became of it (``adapter.lookup``);
* ``replay``  - resend the original request with the SAME provider idempotency key;
* ``webhook`` - nothing to call: wait for the notification; after the first
  ``WEBHOOK_GRACE`` checks fall back to the next declared strategy (if any).

One check tries them in order until an answer proves something
(:mod:`hub.services.resolution_proof`): a replay answered "not processed", "key refused",
"in flight" or 5xx, a lookup that finds nothing yet, hand over to the next strategy and
never make the operation ``failed``. No replay once the provider may have pruned the key
(its ``idempotency_window``); a replay is the very request first sent
(:mod:`hub.services.replayable`) or is not sent at all.

Each check runs in three steps, like the write-ahead call itself (no database
lock is held across the network):

1. claim: lock the resource row, re-read the operation and take a short lease on it
   (a conditional UPDATE, so two resolvers never call the provider for one operation);
2. call the adapter through :func:`hub.services.executor.call_adapter`;
3. lock the resource again and apply the outcome through :func:`hub.services.outcomes.apply`
   (the one way a payment moves). Still unknown: ``apply`` sets ``next_check_at`` from the
   backoff schedule and the next check is enqueued; past ``deadline_at`` the operation and
   its resource are flagged ``requires_review`` and ``operation.requires_review`` is emitted
   in the same transaction.

Jobs may be lost or run twice: the database is the source of truth and :meth:`Resolver.sweep`
re-enqueues whatever is overdue.

The requests a check sends (lookup, replay) and the review flags are in
:mod:`hub.services.resolution_support`, which :class:`Resolver` extends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Literal

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import (
    Capability,
    Failure,
    FailureCode,
    InvalidRequest,
    NotSupported,
    Outcome,
    OutcomeStatus,
    Strategy,
)
from adapters.base import OperationKind as K
from hub.config import Settings
from hub.domain.errors import Conflict, InvalidState, ValidationFailed
from hub.domain.operations import OpStatus
from hub.jobs.base import JobRunner
from hub.providers import ProviderAccount, Providers
from hub.services import adoption_review, outcomes
from hub.services import representations as rep
from hub.services import resolution_proof as proof
from hub.services.executor import call_adapter
from hub.services.resolution_support import (
    CERTAIN,
    AuditHook,
    CardSource,
    PayoutReplay,
    ResolverSupport,
    SupportsPeriodic,
    _certain,
    _render,
    _table_of,
)
from hub.store import tables as t
from hub.store.repo import Row, load, update_row, utcnow
from hub.telemetry.context import bind_log_context, log_context, operation_log_ids
from hub.telemetry.resolution import observe_resolved

__all__ = ["Resolver", "SupportsPeriodic"]

log = logging.getLogger("payhub.resolution")

RESOLVE_JOB = "resolve_operation"
SWEEP_JOB = "sweep_operations"
WEBHOOK_GRACE = 3  # operation attempts (the call + 2 checks) before a webhook wait falls back
SWEEP_BATCH = 200
UNRESOLVED = (OpStatus.PENDING.value, OpStatus.UNKNOWN.value)


class Resolver(ResolverSupport):
    def __init__(
        self,
        engine: AsyncEngine,
        providers: Providers,
        settings: Settings,
        jobs: JobRunner,
        clock: Callable[[], dt.datetime] = utcnow,
        *,
        methods: CardSource | None = None,
    ) -> None:
        self.engine = engine
        self.providers = providers
        self.settings = settings
        self.jobs = jobs
        self.clock = clock
        self.methods = methods  # to replay an authorization made with a vaulted card
        self.audit: AuditHook | None = None  # the audit log plugs in here (admin settle)
        self.payouts: PayoutReplay | None = None  # to replay a payout's transfer
        self._local: dict[str, asyncio.Lock] = {}  # one check per operation at a time in this process
        self._background: set[asyncio.Task[bool]] = set()
        jobs.register(RESOLVE_JOB, self._resolve_job)
        jobs.register(SWEEP_JOB, self._sweep_job)
        if isinstance(jobs, SupportsPeriodic):
            jobs.every(SWEEP_JOB, settings.resolution.sweep_interval)

    @property
    def schedule(self) -> list[float]:
        return self.settings.resolution.schedule


    # ------------------------------------------------------------------ jobs
    async def _resolve_job(self, operation_id: str) -> None:
        await self.resolve_operation(operation_id)

    async def _sweep_job(self) -> None:
        await self.sweep()

    def on_unknown(self, operation_id: str) -> None:
        """PaymentService.on_unknown: the call came back ambiguous; schedule the first check."""
        coro = self._enqueue(operation_id, self.schedule[0] if self.schedule else 2.0, attempts=1)
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _enqueue(self, operation_id: str, delay: float, *, attempts: int) -> bool:
        try:
            await self.jobs.enqueue(
                RESOLVE_JOB,
                delay=max(0.0, delay),
                job_id=f"resolve:{operation_id}:{attempts}",
                operation_id=operation_id,
            )
        except Exception:  # Redis down: the sweeper re-enqueues from the database
            log.warning(
                "could not enqueue resolution of %s; the sweeper will pick it up", operation_id, exc_info=True
            )
            return False
        return True

    # ------------------------------------------------------------------ resolve
    async def resolve_operation(self, operation_id: str) -> None:
        lock = self._local.setdefault(operation_id, asyncio.Lock())
        try:
            async with lock:
                with log_context(operation_id=operation_id):
                    await self._resolve(operation_id)
        finally:
            if not lock.locked() and self._local.get(operation_id) is lock:
                del self._local[operation_id]

    async def _resolve(self, operation_id: str) -> None:
        claimed = await self._claim(operation_id)
        if claimed is None:
            return
        op, resource = claimed
        bind_log_context(**operation_log_ids(op))
        provider = self.providers.get(op["account_id"])
        strategy, outcome, ms = await self._check(op, resource, provider)
        now = self.clock()
        async with self.engine.begin() as conn:
            resource = await load(conn, _table_of(op), op["resource_id"], lock=True, what=op["resource_kind"])
            current = await load(conn, t.operations, operation_id, what="operation")
            if _certain(current):  # made certain meanwhile (a webhook): nothing to add
                return
            applied = await outcomes.apply(
                conn,
                current,
                outcome,
                action=strategy,
                now=now,
                duration_ms=ms,
                schedule=self.schedule,
                locked=resource,
            )
            after = await load(conn, t.operations, operation_id, what="operation")
            next_delay: float | None = None
            if applied.operation_status in (OpStatus.UNKNOWN, OpStatus.PENDING):
                if after["requires_review"]:
                    await update_row(conn, t.operations, operation_id, {"next_check_at": None})
                elif after["deadline_at"] is not None and now >= after["deadline_at"]:
                    await self._flag_review(conn, after, now)
                elif after["next_check_at"] is not None:
                    next_delay = (after["next_check_at"] - now).total_seconds()
            elif after["requires_review"]:
                await update_row(conn, t.operations, operation_id, {"requires_review": False})
                await self._recompute_review(conn, after, now)
        if applied.operation_status.value in CERTAIN:
            observe_resolved(op, strategy, now)
        log.info(
            "operation %s (%s) checked by %s: %s",
            operation_id,
            op["kind"],
            strategy,
            applied.operation_status.value,
        )
        if next_delay is not None:
            await self._enqueue(operation_id, next_delay, attempts=int(after["attempts"]))

    async def _claim(self, operation_id: str) -> tuple[Row, Row] | None:
        """Lock the resource, re-read the operation and lease it for one check (or say why not)."""
        now = self.clock()
        async with self.engine.begin() as conn:
            op = await load(conn, t.operations, operation_id, what="operation")
            if op["status"] not in UNRESOLVED:
                return None
            resource = await load(conn, _table_of(op), op["resource_id"], lock=True, what=op["resource_kind"])
            op = await load(conn, t.operations, operation_id, what="operation")
            if op["status"] not in UNRESOLVED:
                return None
            if op["lease_until"] is not None and op["lease_until"] > now:
                # pending: the original call may still be running; unknown: another resolver has it
                return None
            provider = self.providers.get(op["account_id"])
            lease = now + dt.timedelta(seconds=provider.call_deadline + self.settings.resolution.lease_margin)
            o = t.operations.c
            result = await conn.execute(
                update(t.operations)
                .where(
                    o.id == operation_id,
                    o.status == op["status"],
                    o.attempts == op["attempts"],
                    or_(o.lease_until.is_(None), o.lease_until <= now),
                )
                .values(lease_until=lease)
            )
            if result.rowcount != 1:
                return None
        return op, resource

    def _strategies(self, op: Row, provider: ProviderAccount) -> list[Strategy]:
        declared = list(provider.strategies(K(op["kind"])))
        if not declared:
            declared = [Strategy.LOOKUP] if provider.supports(Capability.LOOKUP) else [Strategy.WEBHOOK]
        attempts = int(op["attempts"] or 0)
        usable = [s for s in declared if not (s == Strategy.WEBHOOK and attempts >= WEBHOOK_GRACE)]
        return usable or [Strategy.WEBHOOK]

    async def _check(
        self, op: Row, resource: Row, provider: ProviderAccount
    ) -> tuple[str, Outcome, int | None]:
        """Try the usable strategies in order until one answer proves something (see
        :mod:`hub.services.resolution_proof`); one that cannot apply or proves nothing hands
        over to the next. What proves nothing never becomes ``failed``: UNKNOWN, with every
        strategy's note in the reason and any provider id learnt on the way."""
        notes: list[str] = []
        learnt: str | None = None
        last: tuple[str, int | None] = ("lookup", None)
        for strategy in self._strategies(op, provider):
            if strategy == Strategy.WEBHOOK:
                notes.append("awaiting the provider's notification")
                last = (strategy.value, None)
                break
            try:
                if strategy == Strategy.LOOKUP:
                    call = self._lookup_call(op, resource, provider)
                else:
                    proof.check_replay_window(op, provider, self.clock())
                    call = await self._replay_call(op, resource, provider)
                outcome, ms = await call_adapter(
                    provider, call, operation="lookup" if strategy == Strategy.LOOKUP else op["kind"]
                )
            except (proof.CannotUse, NotSupported, InvalidRequest) as exc:
                log.info("operation %s: %s not usable (%s)", op["id"], strategy.value, exc)
                notes.append(f"{strategy.value} not usable: {exc}")
                continue
            last = (strategy.value, ms)
            if proof.proves(strategy, outcome):
                return strategy.value, outcome, ms
            notes.append(f"{strategy.value} proves nothing: {outcome.reason or outcome.status.value}")
            learnt = learnt or outcome.provider_reference
        if not notes:
            notes.append("no resolution strategy is usable; awaiting news or review")
        return last[0], proof.nothing_proven(notes, learnt), last[1]

    # ------------------------------------------------------------------ sweep
    async def sweep(self, *, limit: int = SWEEP_BATCH, inline: bool = False) -> list[str]:
        """Overdue work: pending past its lease (the process died mid-call) and unknown past
        next_check_at (its job was lost). Enqueued (or resolved here with ``inline``)."""
        now = self.clock()
        o = t.operations.c
        stmt = (
            select(o.id, o.attempts)
            .where(
                o.requires_review.is_(False),
                or_(
                    and_(
                        o.status == OpStatus.PENDING.value, or_(o.lease_until.is_(None), o.lease_until < now)
                    ),
                    and_(o.status == OpStatus.UNKNOWN.value, o.next_check_at <= now),
                ),
            )
            .order_by(o.created_at)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        ids = [r.id for r in rows]
        if ids:
            log.info("sweeper: %d overdue operation(s)", len(ids))
        for r in rows:
            if inline:
                try:
                    await self.resolve_operation(r.id)
                except Exception:
                    log.exception("sweeper: resolving %s failed", r.id)
            else:
                await self._enqueue(r.id, 0.0, attempts=int(r.attempts or 0))
        return ids

    # ------------------------------------------------------------------ admin
    async def settle(
        self, operation_id: str, outcome: Literal["succeeded", "failed"], reason: str, actor: Any
    ) -> dict[str, Any]:
        """An admin states what happened (after checking with the provider): apply it, clear review."""
        if outcome not in ("succeeded", "failed"):
            raise ValidationFailed("outcome must be 'succeeded' or 'failed'", field="outcome")
        if not reason or not reason.strip():
            raise ValidationFailed("reason is required", field="reason")
        now = self.clock()
        who = getattr(actor, "key_id", None)
        if outcome == "succeeded":
            result = Outcome(
                status=OutcomeStatus.SUCCEEDED,
                reason=f"settled by an admin: {reason}",
                summary={"settled_by": who},
            )
        else:
            result = Outcome(
                status=OutcomeStatus.FAILED,
                reason=f"settled by an admin: {reason}",
                failure=Failure(code=FailureCode.RESOLVED_MANUALLY.value, message=reason),
                summary={"settled_by": who},
            )
        async with self.engine.begin() as conn:
            op = await load(conn, t.operations, operation_id, what="operation")
            table = _table_of(op)
            await load(conn, table, op["resource_id"], lock=True, what=op["resource_kind"])
            before = await load(conn, t.operations, operation_id, what="operation")
            if _certain(before) and before["requires_review"] and outcome == before["status"]:
                # acknowledging a certain operation flagged by news (hub.services.reversals)
                return await self._acknowledge(conn, before, table, reason, actor, now)
            if _certain(before):
                raise InvalidState(
                    f"operation {operation_id} is already {before['status']}", code="operation_resolved"
                )
            if (
                before["status"] == OpStatus.PENDING
                and before["lease_until"] is not None
                and before["lease_until"] > now
            ):
                raise Conflict(
                    f"operation {operation_id} is in progress; retry shortly",
                    code="operation_in_progress",
                    headers={"Retry-After": "5"},
                )
            target = await adoption_review.before_settle(conn, before, outcome, reason, now)  # provider news
            if target is not None:
                await outcomes.apply(conn, target, result, action="settle", now=now, schedule=self.schedule)
            await update_row(
                conn,
                t.operations,
                operation_id,
                {"requires_review": False, "next_check_at": None, "lease_until": None},
            )
            after = await load(conn, t.operations, operation_id, what="operation")
            await self._recompute_review(conn, after, now)
            resource = await load(conn, table, op["resource_id"], what=op["resource_kind"])
            if self.audit is not None:
                await self.audit.record(
                    conn,
                    actor=actor,
                    action="operation.settle",
                    resource_type="operation",
                    resource_id=operation_id,
                    before=rep.operation(before),
                    after=rep.operation(after),
                    detail=f"{outcome}: {reason}",
                )
        bind_log_context(**operation_log_ids(before))
        observe_resolved(before, "settle", now)
        log.warning("operation %s settled %s by %s: %s", operation_id, outcome, who, reason)
        return {**rep.operation(after), op["resource_kind"]: _render(op, resource)}
