"""One reconciliation run end to end (DESIGN §14).

1. Check the window (``from < to``, not ending in the future) and the account (known, declares
   ``Capability.RECONCILIATION``); otherwise the run fails with a reason.
2. Stream the adapter's pages. Each page is matched (``matcher.match_page``) and written in ONE
   transaction: its items, its ledger movements (fees, settlements: entry ids derive from the
   provider line, so a re-run posts nothing twice) and the run's progress. Only one page is in
   memory at a time.
3. At the end, one keyset-paged query finds the hub's captures, refunds and payouts booked in the
   window that no item names (``missing_at_provider``); the summary is counted in SQL; the run
   completes and ``reconciliation.completed`` or ``reconciliation.exceptions`` is emitted in the
   same transaction.

A ``ReportError`` (or any error) fails the run with the reason and deletes its items. Batches
committed before the failure keep their ledger entries: they are facts the provider reported,
keyed by line, so the re-run that follows posts nothing twice (docs/reconciliation.md). A report
that cannot be read at all (401, malformed on the first page) posts nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import Capability
from adapters.settlement import ReportError, SettlementRequest
from hub.domain.errors import NotFound
from hub.providers import Providers
from hub.reconciliation import store
from hub.reconciliation.kinds import RunStatus, empty_summary, exceptions_in
from hub.reconciliation.matcher import match_page
from hub.store.reconciliation_tables import reconciliation_runs as rr
from hub.store.repo import add_event, utcnow

log = logging.getLogger("payhub.reconciliation")

Progress = Callable[[int], None]  # called with the number of lines read so far


class RunFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def window_problem(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> str | None:
    if start >= end:
        return f"invalid_window: from ({start.isoformat()}) must be before to ({end.isoformat()})"
    if end > now:
        return f"window_in_future: the window ends at {end.isoformat()}, after now ({now.isoformat()})"
    return None


class Runner:
    def __init__(
        self,
        engine: AsyncEngine,
        providers: Providers,
        *,
        page_size: int = 100,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.providers = providers
        self.page_size = page_size
        self.clock = clock

    async def _load(self, run_id: str) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(rr).where(rr.c.id == run_id))).mappings().first()
        if row is None:
            raise NotFound(f"no reconciliation {run_id!r}")
        return dict(row)

    async def execute(self, run_id: str, progress: Progress | None = None) -> dict[str, Any]:
        """Run ``run_id`` (status ``running``) to completion or failure; returns the final row."""
        run = await self._load(run_id)
        if run["status"] != RunStatus.RUNNING.value:
            return run
        try:
            await self._read(run, progress)
        except ReportError as exc:
            await self._fail(run, f"{exc.code.value}: {exc.reason}")
        except RunFailed as exc:
            await self._fail(run, exc.reason)
        except Exception as exc:  # an unexpected failure: recorded, never silent
            log.exception("reconciliation %s failed", run_id)
            await self._fail(run, f"internal_error: {type(exc).__name__}: {exc}")
        return await self._load(run_id)

    async def _read(self, run: dict[str, Any], progress: Progress | None) -> None:
        problem = window_problem(run["window_from"], run["window_to"], self.clock())
        if problem:
            raise RunFailed(problem)
        try:
            provider = self.providers.get(run["account_id"])
        except NotFound:
            raise RunFailed(f"unknown_account: no provider account {run['account_id']!r}") from None
        if not provider.supports(Capability.RECONCILIATION):
            raise RunFailed(
                f"reconciliation_not_supported: {provider.adapter.name} reads no settlement records"
            )
        account = run["account_id"]
        async with self.engine.begin() as conn:
            await store.clear_items(conn, run["id"])  # a run picked up again after a crash starts over
            cursor = await store.starting_cursor(conn, run)
            rerun = await store.window_seen(conn, run)
            await conn.execute(
                update(rr).where(rr.c.id == run["id"]).values(cursor_start=cursor, cursor_end=cursor, lines=0)
            )
        request = SettlementRequest(
            start=run["window_from"], end=run["window_to"], cursor=cursor, page_size=self.page_size
        )
        read = 0
        last_cursor = cursor
        async for page in provider.adapter.settlement_lines(request):
            async with self.engine.begin() as conn:
                result = await match_page(conn, account, page.lines)
                await store.write_batch(
                    conn, run, result.items, result.movements, lines=len(page.lines), cursor=page.cursor,
                    now=self.clock(),
                )  # fmt: skip
            read += len(page.lines)
            last_cursor = page.cursor or last_cursor
            if progress is not None:
                progress(read)
        await self._complete(run, last_cursor, reused=rerun)

    async def _complete(self, run: dict[str, Any], cursor: str | None, *, reused: bool) -> None:
        now = self.clock()
        async with self.engine.begin() as conn:
            async for chunk in store.missing_at_provider(conn, run):
                await store.write_batch(conn, run, chunk, [], lines=0, cursor=None, now=now)
            summary = await store.summary_of(conn, run["id"])
            await store.finish(conn, run["id"], RunStatus.COMPLETED, summary=summary, reason=None, now=now)
            if cursor is not None and not reused:
                await store.remember_cursor(conn, run["account_id"], cursor, now)
            done = {**run, "status": RunStatus.COMPLETED.value, "summary": summary, "completed_at": now}
            n = exceptions_in(summary)
            await add_event(
                conn,
                owner=run["owner"],
                type="reconciliation.exceptions" if n else "reconciliation.completed",
                resource_id=run["id"],
                data={"object": store.render_run(done), "counts": summary, "exceptions": n},
                now=now,
            )

    async def _fail(self, run: dict[str, Any], reason: str) -> None:
        log.warning("reconciliation %s of %s failed: %s", run["id"], run["account_id"], reason)
        async with self.engine.begin() as conn:
            await store.clear_items(conn, run["id"])
            await store.finish(
                conn, run["id"], RunStatus.FAILED, summary=empty_summary(), reason=reason, now=self.clock()
            )
