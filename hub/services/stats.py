"""Operator statistics: per-account health over a recent window, review queue, resolution backlog.

Read-only queries behind ``GET /v1/admin/stats`` and the backlog gauges of ``/metrics``.

* per account, over operations CREATED in the window (``ix_operations_created``):
  count by status, success rate = succeeded / definite (definite = every status but
  ``pending`` and ``unknown``: succeeded, failed, requires_action — DESIGN §4's sense; a
  decline is a definite answer), unknown count, and provider latency p50/p95
  (nearest-rank) from the ``call`` attempts' ``duration_ms``;
* operations needing review: ``requires_review`` and not yet resolved (count + first 20);
* resolution backlog: ``unknown`` (awaiting resolution), ``pending_overdue`` (a pending call
  past its lease: the process died mid-call), ``requires_review``.

Every count restricts ``operations.status`` first, so it runs on an index.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.domain.errors import ValidationFailed
from hub.domain.operations import OpStatus
from hub.services import representations as rep
from hub.store import tables as t
from hub.store.repo import iso, utcnow

DEFAULT_WINDOW = 3600
MAX_WINDOW = 31 * 86400
REVIEW_LIST_LIMIT = 20
UNRESOLVED = (OpStatus.PENDING.value, OpStatus.UNKNOWN.value)
_WINDOW = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_window(raw: str | None) -> int:
    """``3600``, ``90s``, ``15m``, ``1h``, ``7d`` -> seconds (1 s to 31 days)."""
    if raw is None or raw == "":
        return DEFAULT_WINDOW
    m = _WINDOW.match(raw)
    seconds = int(m.group(1)) * _UNIT[m.group(2)] if m else 0
    if not 1 <= seconds <= MAX_WINDOW:
        raise ValidationFailed(
            "window must be a duration such as 3600, 90s, 15m, 1h or 7d (at most 31 days)", field="window"
        )
    return seconds


def percentile(sorted_values: Sequence[int], p: float) -> int | None:
    """Nearest-rank percentile (the same as PostgreSQL's ``percentile_disc``)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p * len(sorted_values)))
    return sorted_values[rank - 1]


# ---------------------------------------------------------------------------- backlog
async def resolution_backlog(conn: AsyncConnection, now: dt.datetime) -> dict[str, int]:
    o = t.operations.c
    review = and_(o.requires_review.is_(True), o.resolved_at.is_(None))
    state = case(
        (review, "requires_review"),
        (o.status == OpStatus.UNKNOWN.value, "unknown"),
        (and_(o.lease_until.is_not(None), o.lease_until < now), "pending_overdue"),
        else_="pending_in_flight",
    )
    rows = (
        await conn.execute(
            select(state.label("state"), func.count()).where(o.status.in_(UNRESOLVED)).group_by(state)
        )
    ).all()
    counts = {"unknown": 0, "pending_overdue": 0, "requires_review": 0}
    for name, n in rows:
        if name in counts:
            counts[name] = int(n)
    return counts


async def review_queue(
    conn: AsyncConnection, limit: int = REVIEW_LIST_LIMIT
) -> tuple[int, list[dict[str, Any]]]:
    o = t.operations.c
    where = (o.status.in_(UNRESOLVED), o.requires_review.is_(True), o.resolved_at.is_(None))
    count = await conn.scalar(select(func.count()).select_from(t.operations).where(*where))
    rows = (
        (await conn.execute(select(t.operations).where(*where).order_by(o.created_at, o.id).limit(limit)))
        .mappings()
        .all()
    )
    return int(count or 0), [rep.operation(dict(r)) for r in rows]


# ---------------------------------------------------------------------------- per account
async def _status_counts(conn: AsyncConnection, since: dt.datetime) -> dict[str, dict[str, int]]:
    o = t.operations.c
    rows = (
        await conn.execute(
            select(o.account_id, o.status, func.count())
            .where(o.created_at >= since)
            .group_by(o.account_id, o.status)
        )
    ).all()
    out: dict[str, dict[str, int]] = {}
    for account, status, n in rows:
        out.setdefault(account, {})[status] = int(n)
    return out


def _call_attempts(since: dt.datetime) -> Any:
    a, o = t.operation_attempts.c, t.operations.c
    return (
        t.operation_attempts.join(t.operations, o.id == a.operation_id),
        (o.created_at >= since, a.action == "call", a.duration_ms.is_not(None)),
    )


async def _latencies(
    conn: AsyncConnection, since: dt.datetime
) -> dict[str, tuple[int | None, int | None, int]]:
    """account -> (p50 ms, p95 ms, samples)."""
    a, o = t.operation_attempts.c, t.operations.c
    joined, where = _call_attempts(since)
    if conn.dialect.name == "postgresql":
        stmt = (
            select(
                o.account_id,
                func.percentile_disc(0.5).within_group(a.duration_ms),
                func.percentile_disc(0.95).within_group(a.duration_ms),
                func.count(),
            )
            .select_from(joined)
            .where(*where)
            .group_by(o.account_id)
        )
        return {
            acct: (None if p50 is None else int(p50), None if p95 is None else int(p95), int(n))
            for acct, p50, p95, n in (await conn.execute(stmt)).all()
        }
    stmt = select(o.account_id, a.duration_ms).select_from(joined).where(*where).order_by(a.duration_ms)
    samples: dict[str, list[int]] = {}
    for acct, ms in (await conn.execute(stmt)).all():
        samples.setdefault(acct, []).append(int(ms))
    return {
        acct: (percentile(values, 0.5), percentile(values, 0.95), len(values))
        for acct, values in samples.items()
    }


def account_summary(
    account: str, by_status: dict[str, int], latency: tuple[int | None, int | None, int]
) -> dict[str, Any]:
    total = sum(by_status.values())
    uncertain = by_status.get(OpStatus.PENDING.value, 0) + by_status.get(OpStatus.UNKNOWN.value, 0)
    definite = total - uncertain
    succeeded = by_status.get(OpStatus.SUCCEEDED.value, 0)
    p50, p95, samples = latency
    return {
        "account": account,
        "operations": total,
        "by_status": dict(sorted(by_status.items())),
        "succeeded": succeeded,
        "definite": definite,
        "success_rate": round(succeeded / definite, 4) if definite else None,
        "unknown": by_status.get(OpStatus.UNKNOWN.value, 0),
        "latency_ms": {"p50": p50, "p95": p95, "samples": samples},
    }


# ---------------------------------------------------------------------------- the whole report
async def collect(
    engine: AsyncEngine,
    *,
    window_seconds: int = DEFAULT_WINDOW,
    accounts: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    now = now or utcnow()
    since = now - dt.timedelta(seconds=window_seconds)
    async with engine.connect() as conn:
        counts = await _status_counts(conn, since)
        latencies = await _latencies(conn, since)
        review_count, review_ops = await review_queue(conn)
        backlog = await resolution_backlog(conn, now)
    names = sorted(set(accounts) | set(counts) | set(latencies))
    return {
        "object": "stats",
        "window_seconds": window_seconds,
        "since": iso(since),
        "generated_at": iso(now),
        "accounts": [
            account_summary(name, counts.get(name, {}), latencies.get(name, (None, None, 0)))
            for name in names
        ],
        "requires_review": {"count": review_count, "operations": review_ops},
        "resolution_backlog": backlog,
    }
