"""The reconciliation schedule and the sweep for runs left behind (DESIGN §14).

* ``reconcile_schedule`` (every ``[reconciliation] interval`` seconds, default daily; the arq worker
  ticks its periodic jobs at least every minute, so the tick itself also waits ``interval`` after
  an account's last scheduled run): each account declaring ``Capability.RECONCILIATION`` gets the
  window from the end of its last scheduled run that did not fail (or, the first time, the start
  of the previous UTC day) to the start of the current UTC day, reconciled as a background run —
  when that window is not empty.
* ``reconcile_sweep`` (every ``sweep_interval`` seconds): a ``running`` run whose heartbeat is
  older than ``stale_after`` seconds (its process died) is enqueued again.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select

from adapters.base import Capability
from hub.jobs.base import JobRunner
from hub.reconciliation.kinds import RunStatus
from hub.reconciliation.service import ReconciliationService
from hub.services.resolution import SupportsPeriodic
from hub.store.reconciliation_tables import reconciliation_runs as rr

log = logging.getLogger("payhub.reconciliation")

SCHEDULE_JOB = "reconcile_schedule"
SWEEP_JOB = "reconcile_sweep"
SCHEDULE_OWNER = "default"  # scheduled runs' events go to the default owner


def day_start(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class Schedule:
    def __init__(self, service: ReconciliationService, jobs: JobRunner) -> None:
        self.service = service
        jobs.register(SCHEDULE_JOB, self.tick)
        jobs.register(SWEEP_JOB, self.sweep)
        if isinstance(jobs, SupportsPeriodic):
            jobs.every(SCHEDULE_JOB, service.config.interval)
            jobs.every(SWEEP_JOB, service.config.sweep_interval)

    async def window_for(self, account: str) -> tuple[dt.datetime, dt.datetime] | None:
        """The window due for ``account`` now, or None: nothing new since its last scheduled run,
        or a scheduled run was started less than ``interval`` seconds ago (a failing account is
        retried once per interval, not at every tick of the worker's cron)."""
        now = self.service.clock()
        end = day_start(now)
        async with self.service.engine.connect() as conn:
            last = await conn.scalar(
                select(func.max(rr.c.window_to)).where(
                    rr.c.account_id == account,
                    rr.c.trigger == "schedule",
                    rr.c.status != RunStatus.FAILED.value,
                )
            )
            recent = await conn.scalar(
                select(func.max(rr.c.created_at)).where(
                    rr.c.account_id == account, rr.c.trigger == "schedule"
                )
            )
        if recent is not None:
            recent = recent if recent.tzinfo else recent.replace(tzinfo=dt.UTC)
            if now - recent < dt.timedelta(seconds=self.service.config.interval):
                return None
        start = last if last is not None else end - dt.timedelta(days=1)
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
        return (start, end) if start < end else None

    async def tick(self) -> list[str]:
        """Start (enqueue) each RECONCILIATION account's due run; returns the runs started."""
        started: list[str] = []
        for provider in self.service.providers.all():
            if not provider.supports(Capability.RECONCILIATION):
                continue
            window = await self.window_for(provider.id)
            if window is None:
                continue
            row = await self.service.create(
                owner=SCHEDULE_OWNER, account=provider.id, start=window[0], end=window[1], trigger="schedule"
            )
            started.append(row["id"])
            await self.service.enqueue(row["id"])
        return started

    async def sweep(self) -> list[str]:
        """Re-enqueue ``running`` runs whose heartbeat is stale."""
        cutoff = self.service.clock() - dt.timedelta(seconds=self.service.config.stale_after)
        async with self.service.engine.connect() as conn:
            ids = list(
                (
                    await conn.execute(
                        select(rr.c.id).where(
                            rr.c.status == RunStatus.RUNNING.value, rr.c.updated_at < cutoff
                        )
                    )
                ).scalars()
            )
        for run_id in ids:
            log.info("reconciliation %s left running: picked up again", run_id)
            await self.service.enqueue(run_id)
        return ids
