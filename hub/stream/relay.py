"""The relay: outbox -> Kafka, in order, nothing lost (DESIGN §16).

One round, while holding the stream's lease (:mod:`hub.stream.lease`):

1. read up to ``batch_size`` unpublished events in ``seq`` order;
2. hand them all to the idempotent producer, in that order;
3. poll for acknowledgements and mark each acknowledged event ``published_at`` —
   only ever after the broker's ack — renewing the lease while the broker is slow or
   unreachable (librdkafka keeps the messages queued and retries; nothing is re-read);
4. on a delivery error, a fatal producer error, a database error or a lost lease:
   drop the producer and its queue and start again from the outbox with a new one.

So a crash, a kill or a broker outage delays events and loses none. What can happen is
a duplicate: an event the broker acknowledged but the relay had not yet marked (killed
between the two, or a batch re-sent after an error) is published again, with the same
``event-id`` header, after the copies already there. A consumer that skips event ids it
has seen gets every event once, and one resource's events in the order they were written.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.domain.ids import new_id
from hub.store.repo import utcnow
from hub.stream.config import KafkaConfig
from hub.stream.lease import Lease
from hub.stream.outbox import Message, lag, mark_published, unpublished
from hub.stream.publisher import KafkaPublisher, Publisher
from hub.telemetry.metrics import (
    EVENT_STREAM_ERRORS,
    EVENT_STREAM_LAG,
    EVENT_STREAM_PUBLISH_SECONDS,
    EVENT_STREAM_PUBLISHED,
)

log = logging.getLogger("payhub.stream")

LEASE_NAME = "kafka"
LAG_REFRESH_SECONDS = 5.0  # the worker's own /metrics: payhub_event_stream_lag
_BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0)


class RoundFailed(Exception):
    """This round's producer is abandoned; its events stay unpublished."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class Relay:
    def __init__(
        self,
        engine: AsyncEngine,
        cfg: KafkaConfig,
        *,
        publisher_factory: Callable[[KafkaConfig], Publisher] = KafkaPublisher,
        holder: str | None = None,
    ) -> None:
        self.engine = engine
        self.cfg = cfg
        self.publisher_factory = publisher_factory
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{new_id('rl')[-8:]}"
        self.lease = Lease(engine, f"{LEASE_NAME}:{cfg.topic}", self.holder, cfg.lease_seconds)
        self.publisher: Publisher | None = None
        self.published = 0  # acknowledged by the broker, this relay's lifetime
        self._renewed = -float("inf")  # monotonic time of the last successful renewal
        self._failures = 0
        self._lag_at = -float("inf")

    # ------------------------------------------------------------------ loop
    async def run(self) -> None:
        """Until cancelled. Errors are logged and retried with backoff, never raised."""
        log.info("event stream: relay %s publishing to %s", self.holder, self.cfg.topic)
        try:
            while True:
                try:
                    sent = await self.step()
                    self._failures = 0
                except RoundFailed as exc:
                    await self._abandon(exc.reason, str(exc))
                    continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the database went away, ...
                    await self._abandon("error", repr(exc))
                    continue
                await self._refresh_lag()
                if sent == 0:
                    await asyncio.sleep(self.cfg.poll_interval)
        finally:
            await self.close()

    async def _refresh_lag(self) -> None:
        if time.monotonic() - self._lag_at >= LAG_REFRESH_SECONDS:
            self._lag_at = time.monotonic()
            await refresh_lag(self.engine)

    async def close(self) -> None:
        if self.publisher is not None:
            publisher, self.publisher = self.publisher, None
            await publisher.close()
        try:
            await self.lease.release()
        except Exception:
            log.warning("event stream: could not release the lease", exc_info=True)

    async def _abandon(self, reason: str, detail: str) -> None:
        EVENT_STREAM_ERRORS.labels(reason).inc()
        delay = _BACKOFF[min(self._failures, len(_BACKOFF) - 1)]
        self._failures += 1
        log.warning("event stream: round abandoned (%s); retrying from the outbox in %.1fs", detail, delay)
        if self.publisher is not None:
            publisher, self.publisher = self.publisher, None
            await publisher.close()
        await asyncio.sleep(delay)

    # ------------------------------------------------------------------ one round
    async def step(self) -> int:
        """One round; returns how many events the broker acknowledged (0: nothing to do / no lease)."""
        if not await self._hold_lease():
            await asyncio.sleep(self.cfg.lease_seconds / 3)  # another relay publishes: look again later
            return 0
        async with self.engine.connect() as conn:
            batch = await unpublished(conn, self.cfg.batch_size)
        if not batch:
            return 0
        if self.publisher is None:
            self.publisher = self.publisher_factory(self.cfg)
        for message in batch:
            self.publisher.produce(message)
        return await self._await_acks(self.publisher, {m.seq: m for m in batch})

    async def _await_acks(self, publisher: Publisher, pending: dict[int, Message]) -> int:
        acked_total = 0
        while pending:
            deliveries = await publisher.poll(0.1)
            failed = [d for d in deliveries if d.error is not None]
            acked = [d.seq for d in deliveries if d.error is None and d.seq in pending]
            if acked:
                now = utcnow()
                await mark_published(self.engine, acked, now)
                for seq in acked:
                    m = pending.pop(seq)
                    EVENT_STREAM_PUBLISH_SECONDS.observe(max(0.0, (now - m.created_at).total_seconds()))
                EVENT_STREAM_PUBLISHED.inc(len(acked))
                acked_total += len(acked)
                self.published += len(acked)
            if failed:
                raise RoundFailed("delivery", f"event seq {failed[0].seq}: {failed[0].error}")
            if publisher.fatal:
                raise RoundFailed("fatal", publisher.fatal)
            if pending and not await self._hold_lease():
                raise RoundFailed("lease", "another relay holds the stream")
        return acked_total

    async def _hold_lease(self) -> bool:
        """Take the lease, or renew it when a third of it has passed (one write per
        ``lease_seconds / 3`` while idle, not one per look at the outbox)."""
        if time.monotonic() - self._renewed < self.cfg.lease_seconds / 3:
            return True
        held = await self.lease.acquire(utcnow())
        self._renewed = time.monotonic() if held else -float("inf")
        return held


async def refresh_lag(engine: AsyncEngine) -> int:
    """Count the lag into the gauge (for /metrics and /v1/admin/stats)."""
    async with engine.connect() as conn:
        n = await lag(conn)
    EVENT_STREAM_LAG.set(n)
    return n
