"""Start and read reconciliation runs (API, CLI, schedule); the background job; crash recovery.

A run is written ``running`` first (so it is never lost), then executed by the job
``reconcile_run`` on the hub's job runner (arq in the worker, or in-process when embedded).
The periodic ``reconcile_sweep`` (hub.reconciliation.schedule) re-enqueues a ``running`` run whose
heartbeat (``updated_at``, moved by every batch) is older than ``stale_after`` seconds: the
process that ran it died. A run picked up again starts over (its items are cleared; its ledger
entries are keyed by line, so nothing is posted twice).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import msgspec
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import Capability
from hub.config import ReconciliationConfig
from hub.domain.errors import NotFound, Unprocessable, ValidationFailed
from hub.domain.ids import new_id
from hub.jobs.base import JobRunner
from hub.providers import Providers
from hub.reconciliation.kinds import ItemKind, RunStatus, empty_summary
from hub.reconciliation.runner import Progress, Runner
from hub.reconciliation.store import render_item, render_run
from hub.store.reconciliation_tables import reconciliation_items as ri
from hub.store.reconciliation_tables import reconciliation_runs as rr
from hub.store.repo import utcnow
from idempotency.store import Scope

RUN_JOB = "reconcile_run"
_ITEM_CURSOR = re.compile(r"^rli_[0-9a-f]{26}$")


class ReconciliationService:
    def __init__(
        self,
        engine: AsyncEngine,
        providers: Providers,
        jobs: JobRunner,
        config: ReconciliationConfig | None = None,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.providers = providers
        self.jobs = jobs
        self.config = config or ReconciliationConfig()
        self.clock = clock
        self.runner = Runner(engine, providers, page_size=self.config.page_size, clock=clock)
        jobs.register(RUN_JOB, self._run_job)

    # ------------------------------------------------------------------ start
    def check(self, account: str, start: dt.datetime, end: dt.datetime) -> None:
        """What the API refuses with a 422 before any run exists."""
        if account not in self.providers:
            raise Unprocessable(f"no provider account {account!r}", code="unknown_account", field="account")
        provider = self.providers.get(account)
        if not provider.supports(Capability.RECONCILIATION):
            raise Unprocessable(
                f"account {account!r} ({provider.adapter.name}) does not support reconciliation",
                code="reconciliation_not_supported",
                field="account",
            )
        if start.tzinfo is None or end.tzinfo is None:
            raise ValidationFailed(
                "from and to need a time zone (e.g. 2026-01-01T00:00:00Z)", code="invalid_window"
            )
        if start >= end:
            raise ValidationFailed("from must be before to", code="invalid_window", field="from")

    async def create(
        self,
        *,
        owner: str,
        account: str,
        start: dt.datetime,
        end: dt.datetime,
        trigger: str,
        idem: Scope | None = None,
    ) -> dict[str, Any]:
        """Write the run ``running`` (not yet executed); returns its row."""
        now = self.clock()
        run_id = new_id("rec")
        row: dict[str, Any] = {
            "id": run_id, "owner": owner, "account_id": account, "window_from": start,
            "window_to": end, "status": RunStatus.RUNNING.value, "reason": None, "summary": empty_summary(),
            "cursor_start": None, "cursor_end": None, "trigger": trigger, "lines": 0, "created_at": now,
            "updated_at": now, "completed_at": None,
        }  # fmt: skip
        async with self.engine.begin() as conn:
            if idem is not None:
                await idem.claim(conn, "reconciliation", run_id)
            await conn.execute(insert(rr).values(**row))
            if idem is not None:
                await idem.complete(conn, 202, msgspec.json.encode(render_run(row)))
        return row

    async def start(
        self,
        *,
        owner: str,
        account: str,
        start: dt.datetime,
        end: dt.datetime,
        trigger: str = "api",
        idem: Scope | None = None,
    ) -> dict[str, Any]:
        """Validate, write the run and hand it to the job runner (``POST /v1/reconciliations``).
        ``idem``: the request's Idempotency-Key, claimed and completed with the 202 answer in
        the run's own transaction (a concurrent request with the key: 409, and no second run)."""
        self.check(account, start, end)
        row = await self.create(
            owner=owner, account=account, start=start, end=end, trigger=trigger, idem=idem
        )
        await self.enqueue(row["id"])  # lost (a crash here): the sweep re-enqueues the running run
        return render_run(row)

    async def enqueue(self, run_id: str) -> None:
        await self.jobs.enqueue(RUN_JOB, job_id=f"{RUN_JOB}:{run_id}", run_id=run_id)

    async def run_now(self, run_id: str, progress: Progress | None = None) -> dict[str, Any]:
        return render_run(await self.runner.execute(run_id, progress))

    async def _run_job(self, run_id: str) -> None:
        await self.runner.execute(run_id)

    # ------------------------------------------------------------------ read
    async def get(self, run_id: str) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(rr).where(rr.c.id == run_id))).mappings().first()
        if row is None:
            raise NotFound(f"no reconciliation {run_id!r}")
        return render_run(dict(row))

    async def items(
        self, run_id: str, *, kind: str | None = None, cursor: str | None = None, limit: int = 20
    ) -> dict[str, Any]:
        await self.get(run_id)  # 404 for an unknown run
        if not 1 <= limit <= 100:
            raise ValidationFailed("limit must be between 1 and 100", field="limit")
        stmt = select(ri).where(ri.c.run_id == run_id)
        if kind is not None:
            if kind not in {k.value for k in ItemKind}:
                raise ValidationFailed(f"unknown item kind {kind!r}", field="kind")
            stmt = stmt.where(ri.c.kind == kind)
        if cursor:
            if not _ITEM_CURSOR.match(cursor):
                raise ValidationFailed("cursor is not valid", field="cursor")
            stmt = stmt.where(ri.c.id > cursor)
        stmt = stmt.order_by(ri.c.id).limit(limit + 1)
        async with self.engine.connect() as conn:
            rows = [dict(r) for r in (await conn.execute(stmt)).mappings().all()]
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "object": "list",
            "data": [render_item(r) for r in rows],
            "has_more": more,
            "next_cursor": rows[-1]["id"] if more else None,
        }
