"""Reading journal entries: filtered, newest first, cursor paged by entry id."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from ledger.schema import balances as b
from ledger.schema import entries as e
from ledger.schema import postings as p


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[dict[str, Any]]  # id, resource, kind, created_at, postings
    has_more: bool


async def entries_page(
    conn: AsyncConnection,
    *,
    account: str | None = None,
    resource: str | None = None,
    created_gte: dt.datetime | None = None,
    created_lt: dt.datetime | None = None,
    after: str | None = None,
    limit: int = 20,
) -> Page:
    """Entries newest first; ``after`` is the last entry id of the previous page."""
    stmt = select(e.c.seq, e.c.id, e.c.resource, e.c.kind, e.c.created_at)
    if account is not None:
        stmt = stmt.where(e.c.seq.in_(select(p.c.entry_seq).where(p.c.account == account)))
    if resource is not None:
        stmt = stmt.where(e.c.resource == resource)
    if created_gte is not None:
        stmt = stmt.where(e.c.created_at >= created_gte)
    if created_lt is not None:
        stmt = stmt.where(e.c.created_at < created_lt)
    if after is not None:
        stmt = stmt.where(e.c.seq < select(e.c.seq).where(e.c.id == after).scalar_subquery())
    rows = (await conn.execute(stmt.order_by(e.c.seq.desc()).limit(limit + 1))).mappings().all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if rows:
        seqs = [r["seq"] for r in rows]
        q = select(p.c.entry_seq, p.c.account, p.c.currency, p.c.amount).where(p.c.entry_seq.in_(seqs))
        for r in (await conn.execute(q.order_by(p.c.id))).all():
            lines[r.entry_seq].append({"account": r.account, "currency": r.currency, "amount": r.amount})
    data = [
        {
            "id": r["id"],
            "resource": r["resource"],
            "kind": r["kind"],
            "postings": lines[r["seq"]],
            "created_at": r["created_at"],
        }
        for r in rows
    ]
    return Page(entries=data, has_more=has_more)


async def entry_exists(conn: AsyncConnection, entry: str) -> bool:
    return (await conn.scalar(select(e.c.seq).where(e.c.id == entry))) is not None


async def known_accounts(conn: AsyncConnection) -> list[str]:
    """Every account name that has ever had a posting (from the balance rows: a few per account)."""
    return list((await conn.execute(select(b.c.account).distinct().order_by(b.c.account))).scalars())
