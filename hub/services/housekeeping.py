"""Periodic housekeeping jobs that belong to no one service: expired idempotency keys."""

from __future__ import annotations

import logging

from hub.config import Settings
from hub.jobs.base import JobRunner
from idempotency.store import IdempotencyStore

log = logging.getLogger("payhub.housekeeping")

REAP_JOB = "reap_idempotency_keys"
REAP_BATCH = 1000


class Housekeeping:
    def __init__(self, jobs: JobRunner, idempotency: IdempotencyStore, settings: Settings) -> None:
        self.idempotency = idempotency
        jobs.register(REAP_JOB, self.reap_idempotency_keys)
        every = getattr(jobs, "every", None)
        if every is not None:
            every(REAP_JOB, settings.idempotency.reap_interval)

    async def reap_idempotency_keys(self) -> int:
        """Delete every expired key, in batches; a key whose request still runs is never touched."""
        total = 0
        while True:
            n = await self.idempotency.reap(limit=REAP_BATCH)
            total += n
            if n < REAP_BATCH:
                break
        if total:
            log.info("reaped %d expired idempotency keys", total)
        return total
