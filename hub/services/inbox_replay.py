"""Replay and listing of the webhook inbox (``Inbox.replay``, ``Inbox.rows``; see hub.services.inbox).

Replay re-runs stored events through the inbox's own processing (``rerun``: ``Inbox._run`` with
``replay=True``), oldest first; ignored rows are reported and left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.store import tables as t
from hub.store.repo import Row

IGNORED = "ignored"


class ReplayResult(msgspec.Struct, kw_only=True):
    inbox_id: str
    account_id: str
    event_type: str
    provider_event_id: str
    before: str
    after: str
    note: str | None = None
    operation_id: str | None = None


async def replay(
    engine: AsyncEngine,
    rerun: Callable[[str], Awaitable[ReplayResult | None]],
    *,
    ids: Sequence[str] = (),
    account_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 10_000,
) -> list[ReplayResult]:
    """Re-apply stored events (by inbox id, or by account and received time range), oldest first.

    Safe to run at any time: what is already certain stays as it is (see the module doc)."""
    w = t.webhook_inbox.c
    stmt = select(w.id, w.status, w.account_id, w.event_type, w.provider_event_id)
    if ids:
        stmt = stmt.where(w.id.in_(list(ids)))
    else:
        if account_id is None:
            raise ValueError("replay needs inbox ids, or an account (and optionally a time range)")
        stmt = stmt.where(w.account_id == account_id)
        if since is not None:
            stmt = stmt.where(w.received_at >= since)
        if until is not None:
            stmt = stmt.where(w.received_at < until)
    stmt = stmt.order_by(w.received_at, w.id).limit(limit)
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    found = {r.id for r in rows}
    results: list[ReplayResult] = []
    for missing in [i for i in ids if i not in found]:
        results.append(
            ReplayResult(
                inbox_id=missing,
                account_id="",
                event_type="",
                provider_event_id="",
                before="missing",
                after="missing",
                note="no such inbox row",
            )
        )

    def unchanged(r: Any, note: str) -> ReplayResult:
        return ReplayResult(
            inbox_id=r.id,
            account_id=r.account_id,
            event_type=r.event_type,
            provider_event_id=r.provider_event_id,
            before=r.status,
            after=r.status,
            note=note,
        )

    for r in rows:
        if r.status == IGNORED:
            results.append(unchanged(r, "event type not applied by the hub"))
            continue
        result = await rerun(r.id)
        results.append(result or unchanged(r, "being processed right now; left alone"))
    return results


async def rows(
    engine: AsyncEngine, *, status: str | None = None, account_id: str | None = None, limit: int = 100
) -> list[Row]:
    """Inbox rows, newest first (the CLI's ``webhooks list``)."""
    w = t.webhook_inbox.c
    stmt = select(t.webhook_inbox).order_by(w.received_at.desc(), w.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(w.status == status)
    if account_id:
        stmt = stmt.where(w.account_id == account_id)
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(stmt)).mappings().all()]
