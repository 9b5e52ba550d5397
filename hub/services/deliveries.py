"""Outbound webhook deliveries: a dispatcher hands due deliveries to ``deliver_webhook`` jobs.

The database is the source of truth (DESIGN §4): :func:`hub.store.outbox.fan_out`
writes a pending delivery in the event's own transaction; the periodic
dispatcher (``dispatch_webhooks``, every ``webhooks.dispatch_interval`` seconds)
enqueues every due one, so a lost job or a Redis restart only delays a delivery.

One attempt runs in three steps, no transaction held across the network:

1. claim: a conditional UPDATE takes a lease on the delivery (due, pending, not
   leased), so two workers never send the same attempt;
2. POST the event, signed per Standard Webhooks with the endpoint's secret
   (:func:`webhooks.outbound.deliver`: bounded by ``webhooks.timeout``, never raises);
3. record the attempt and the delivery's fate: 2xx delivered; 410 disables the
   endpoint and stops its pending deliveries; anything else is retried per
   ``webhooks.retry_schedule`` and failed when that runs out.

A slow endpoint cannot hold up others: each dispatch hands out at most
``per_endpoint_concurrency`` attempts per endpoint (counting those in flight,
across all workers), and attempts run concurrently on their own HTTP client.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Final, Protocol, runtime_checkable

import httpx
import msgspec
from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.config import WebhooksConfig
from hub.domain.errors import Conflict, InvalidState
from hub.http import make_transport
from hub.jobs.base import JobRunner
from hub.services.webhook_endpoints import DELIVERED, DISABLED, FAILED, WebhookEndpoints, load_delivery
from hub.store import tables as t
from hub.store.outbox import ENABLED, PENDING
from hub.store.repo import Row, iso, load, utcnow
from hub.telemetry.metrics import OUTBOUND_BACKLOG, OUTBOUND_DELIVERIES
from webhooks import outbound
from webhooks.outbound import DeliveryResult

log = logging.getLogger("payhub.webhooks.outbound")

DELIVER_JOB: Final = "deliver_webhook"
DISPATCH_JOB: Final = "dispatch_webhooks"
LEASE_MARGIN: Final = 30.0  # seconds a lease outlives the attempt's own timeout
MAX_CONNECTIONS: Final = 100
GONE_ERROR: Final = "the endpoint answered 410 Gone: it has been disabled"
STOPPED_ERROR: Final = "not delivered: the endpoint was disabled"


@runtime_checkable
class SupportsPeriodic(Protocol):
    def every(self, name: str, seconds: float) -> None: ...


def event_payload(row: Row) -> bytes:
    """The event exactly as ``GET /v1/events/{id}`` shows it."""
    return msgspec.json.encode(
        {
            "id": row["id"],
            "object": "event",
            "type": row["type"],
            "created_at": iso(row["created_at"]),
            "data": row["data"],
        }
    )


def _due(now: dt.datetime) -> ColumnElement[bool]:
    d = t.webhook_deliveries.c
    return and_(
        d.status == PENDING,
        d.next_attempt_at <= now,
        or_(d.lease_until.is_(None), d.lease_until < now),
    )


class Deliveries:
    def __init__(
        self,
        engine: AsyncEngine,
        endpoints: WebhookEndpoints,
        config: WebhooksConfig,
        jobs: JobRunner,
        *,
        transport: str = "aiohttp",
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.endpoints = endpoints
        self.config = config
        self.jobs = jobs
        self.transport = transport
        self.clock = clock
        self._client: httpx.AsyncClient | None = None
        jobs.register(DELIVER_JOB, self._deliver_job)
        jobs.register(DISPATCH_JOB, self._dispatch_job)
        if isinstance(jobs, SupportsPeriodic):
            jobs.every(DISPATCH_JOB, config.dispatch_interval)

    # ------------------------------------------------------------------ lifecycle
    @property
    def client(self) -> httpx.AsyncClient:
        """Our own client (not the providers'): a bounded pool, no redirects, made on first use."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=make_transport(self.transport, max_connections=MAX_CONNECTIONS),
                timeout=httpx.Timeout(self.config.timeout),
                follow_redirects=False,
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    # ------------------------------------------------------------------ jobs
    async def _deliver_job(self, delivery_id: str) -> None:
        await self.deliver(delivery_id)

    async def _dispatch_job(self) -> None:
        await self.dispatch()

    async def _enqueue(self, delivery_id: str, attempts: int) -> bool:
        try:
            await self.jobs.enqueue(
                DELIVER_JOB, job_id=f"deliver:{delivery_id}:{attempts}", delivery_id=delivery_id
            )
        except Exception:  # Redis down: the next dispatch tries again from the database
            log.warning("could not enqueue delivery %s; the dispatcher retries", delivery_id, exc_info=True)
            return False
        return True

    # ------------------------------------------------------------------ dispatcher
    async def dispatch(self) -> list[str]:
        """Enqueue due deliveries, at most ``per_endpoint_concurrency`` in flight per endpoint."""
        now = self.clock()
        cap = self.config.per_endpoint_concurrency
        d = t.webhook_deliveries.c
        rank = (
            func.row_number()
            .over(partition_by=d.endpoint_id, order_by=(d.next_attempt_at, d.id))
            .label("rank")
        )
        due = select(d.id, d.endpoint_id, d.attempts, d.next_attempt_at, rank).where(_due(now)).subquery()
        stmt = (
            select(due.c.id, due.c.endpoint_id, due.c.attempts)
            .where(due.c.rank <= cap)
            .order_by(due.c.next_attempt_at, due.c.id)
            .limit(self.config.batch_size)
        )
        in_flight = (
            select(d.endpoint_id, func.count())
            .where(d.status == PENDING, d.lease_until >= now)
            .group_by(d.endpoint_id)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
            busy: dict[str, int] = {r[0]: int(r[1]) for r in (await conn.execute(in_flight)).all()}
            backlog = await conn.scalar(select(func.count()).where(d.status == PENDING))
        OUTBOUND_BACKLOG.set(int(backlog or 0))
        handed: list[str] = []
        for row in rows:
            if busy.get(row.endpoint_id, 0) >= cap:
                continue
            if await self._enqueue(row.id, int(row.attempts)):
                busy[row.endpoint_id] = busy.get(row.endpoint_id, 0) + 1
                handed.append(row.id)
        return handed

    # ------------------------------------------------------------------ one attempt
    async def deliver(self, delivery_id: str) -> outbound.Outcome | None:
        """Make one attempt if the delivery is due and unclaimed; None when there was nothing to do."""
        claimed = await self._claim(delivery_id)
        if claimed is None:
            return None
        delivery, endpoint, event = claimed
        started = self.clock()
        try:
            secret = await self.endpoints.secret_of(endpoint)
        except Exception as exc:  # a vault problem: record it and retry later, never send unsigned
            log.error(
                "delivery %s: cannot read the secret of endpoint %s (%s)",
                delivery_id,
                endpoint["id"],
                type(exc).__name__,
            )
            result = DeliveryResult(
                outcome="retry", error=f"cannot read the endpoint secret: {type(exc).__name__}"
            )
        else:
            result = await outbound.deliver(
                self.client, endpoint["url"], event["id"], event_payload(event), secret, self.config.timeout
            )
        return await self._record(delivery, endpoint, result, started)

    async def _claim(self, delivery_id: str) -> tuple[Row, Row, Row] | None:
        now = self.clock()
        lease = now + dt.timedelta(seconds=self.config.timeout + LEASE_MARGIN)
        d = t.webhook_deliveries.c
        async with self.engine.begin() as conn:
            taken = await conn.execute(
                update(t.webhook_deliveries).where(d.id == delivery_id, _due(now)).values(lease_until=lease)
            )
            if taken.rowcount != 1:
                return None
            delivery = await load(conn, t.webhook_deliveries, delivery_id, what="webhook delivery")
            endpoint = (
                (
                    await conn.execute(
                        select(t.webhook_endpoints).where(t.webhook_endpoints.c.id == delivery["endpoint_id"])
                    )
                )
                .mappings()
                .first()
            )
            if endpoint is None or endpoint["status"] != ENABLED:
                await self._stop(conn, delivery_id, STOPPED_ERROR, now)
                return None
            event = await load(conn, t.events, delivery["event_id"], what="event")
        return delivery, dict(endpoint), event

    def _delay_after(self, attempts: int) -> float | None:
        schedule = self.config.retry_schedule
        return schedule[attempts - 1] if attempts - 1 < len(schedule) else None

    async def _record(
        self, delivery: Row, endpoint: Row, result: DeliveryResult, started: dt.datetime
    ) -> outbound.Outcome:
        now = self.clock()
        attempts = int(delivery["attempts"]) + 1
        outcome = result.outcome
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_status_code": result.status_code,
            "last_error": result.error,
            "lease_until": None,
            "next_attempt_at": None,
            "updated_at": now,
        }
        if outcome == "delivered":
            values.update(status=DELIVERED, last_error=None)
        elif outcome == "disable":
            values.update(status=FAILED, last_error=GONE_ERROR)
        elif outcome == "retry":
            delay = self._delay_after(attempts)
            if delay is None:
                outcome = "failed"
                values.update(
                    status=FAILED,
                    last_error=f"{result.error or 'not delivered'}; gave up after {attempts} attempts",
                )
            else:
                values.update(status=PENDING, next_attempt_at=now + dt.timedelta(seconds=delay))
        else:
            values.update(status=FAILED)
        async with self.engine.begin() as conn:
            kept = await conn.execute(
                update(t.webhook_deliveries)
                .where(t.webhook_deliveries.c.id == delivery["id"])
                .values(**values)
            )
            if kept.rowcount == 1:  # else the endpoint was deleted meanwhile, history and all
                await conn.execute(
                    insert(t.delivery_attempts).values(
                        delivery_id=delivery["id"],
                        status_code=result.status_code,
                        error=values["last_error"] if outcome != "delivered" else None,
                        duration_ms=round(result.duration_ms),
                        at=started,
                    )
                )
            if outcome == "disable":
                await self._disable(conn, endpoint["id"], now)
        OUTBOUND_DELIVERIES.labels(
            result={"delivered": "delivered", "disable": "disabled"}.get(outcome, "failed")
        ).inc()
        log.info(
            "webhook delivery %s of %s to endpoint %s: %s (HTTP %s, attempt %d)",
            delivery["id"],
            delivery["event_id"],
            endpoint["id"],
            values["status"] if outcome != "disable" else "endpoint disabled",
            result.status_code,
            attempts,
        )
        return outcome

    async def _disable(self, conn: AsyncConnection, endpoint_id: str, now: dt.datetime) -> None:
        await conn.execute(
            update(t.webhook_endpoints)
            .where(t.webhook_endpoints.c.id == endpoint_id)
            .values(status=DISABLED, updated_at=now)
        )
        d = t.webhook_deliveries.c
        await conn.execute(
            update(t.webhook_deliveries)
            .where(
                d.endpoint_id == endpoint_id,
                d.status == PENDING,
                or_(d.lease_until.is_(None), d.lease_until < now),
            )
            .values(status=FAILED, last_error=STOPPED_ERROR, next_attempt_at=None, updated_at=now)
        )
        log.warning(
            "webhook endpoint %s answered 410 Gone: disabled, its pending deliveries stopped", endpoint_id
        )

    async def _stop(self, conn: AsyncConnection, delivery_id: str, error: str, now: dt.datetime) -> None:
        await conn.execute(
            update(t.webhook_deliveries)
            .where(t.webhook_deliveries.c.id == delivery_id)
            .values(status=FAILED, last_error=error, next_attempt_at=None, lease_until=None, updated_at=now)
        )

    # ------------------------------------------------------------------ manual redelivery
    async def redeliver(self, owner: str, endpoint_id: str, delivery_id: str) -> Row:
        """A new attempt now, whatever the delivery's status (failed, delivered, or waiting to retry)."""
        now = self.clock()
        d = t.webhook_deliveries.c
        async with self.engine.begin() as conn:
            endpoint = await load(
                conn, t.webhook_endpoints, endpoint_id, owner=owner, lock=True, what="webhook endpoint"
            )
            if endpoint["status"] != ENABLED:
                raise InvalidState(f"webhook endpoint {endpoint_id} is disabled; enable it first")
            row = await load_delivery(conn, endpoint_id, delivery_id)
            if row["lease_until"] is not None and row["lease_until"] >= now:
                raise Conflict(
                    "an attempt of this delivery is in flight; try again shortly", code="delivery_in_progress"
                )
            values = {"status": PENDING, "next_attempt_at": now, "lease_until": None, "updated_at": now}
            await conn.execute(update(t.webhook_deliveries).where(d.id == delivery_id).values(**values))
        updated = {**dict(row), **values}
        await self._enqueue(delivery_id, int(updated["attempts"]))
        return updated
