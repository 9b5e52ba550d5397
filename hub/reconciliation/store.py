"""Runs and items in the database; a batch's items and ledger movements in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

import ledger
from hub.reconciliation.kinds import ItemKind, RunStatus
from hub.reconciliation.matcher import Item, Movement, item_id
from hub.services import postings
from hub.store import tables as t
from hub.store.reconciliation_tables import reconciliation_cursors as rc
from hub.store.reconciliation_tables import reconciliation_items as ri
from hub.store.reconciliation_tables import reconciliation_runs as rr
from hub.store.repo import iso
from ledger.schema import entries as le
from ledger.schema import postings as lp

HUB_KINDS = ("capture", "refund", "payout")  # ledger kinds whose absence at the provider is an item


def render_run(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "reconciliation",
        "id": row["id"],
        "account": row["account_id"],
        "from": iso(row["window_from"]),
        "to": iso(row["window_to"]),
        "status": row["status"],
        "reason": row["reason"],
        "summary": dict(row["summary"] or {}),
        "lines": row["lines"],
        "created_at": iso(row["created_at"]),
        "completed_at": iso(row["completed_at"]),
    }


def render_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "reconciliation_item",
        "id": row["id"],
        "kind": row["kind"],
        "type": row["type"],
        "line_id": row["line_id"],
        "provider_type": row["provider_type"],
        "provider_reference": row["provider_reference"],
        "resource": row["resource"],
        "hub_amount": row["hub_amount"],
        "provider_amount": row["provider_amount"],
        "fee": row["fee"],
        "currency": row["currency"],
        "detail": row["detail"],
        "matched_line": row["matched_line"],
    }


def item_row(run: dict[str, Any], item: Item) -> dict[str, Any]:
    line = item.line
    key = line.line_id if line is not None else f"hub:{item.type}:{item.resource}:{item.currency}"
    return {
        "run_id": run["id"],
        "id": item_id(run["account_id"], run["window_from"], run["window_to"], key),
        "kind": item.kind.value,
        "line_id": line.line_id if line else None,
        "type": item.type,
        "provider_type": line.provider_type if line else None,
        "provider_reference": item.provider_reference,
        "resource": item.resource,
        "hub_amount": item.hub_amount,
        "provider_amount": item.provider_amount,
        "fee": item.fee,
        "currency": item.currency,
        "detail": item.detail,
        "matched_line": item.matched_line,
        "line_created_at": line.created_at if line else None,
    }


def entry_of(account_id: str, m: Movement) -> ledger.NewEntry:
    """The ledger entry of a movement, with the cause ``postings.fee`` / ``postings.settlement``
    would use for it (so either path posts it once)."""
    provider = ledger.provider(account_id)
    if m.kind == "settlement":  # debit bank, credit provider:{a}
        lines = ledger.transfer("bank", provider, m.currency, m.amount)
        return ledger.NewEntry(ledger.Kind.SETTLEMENT, f"{m.cause}:settlement", m.resource, lines)
    if m.kind == "settlement_reversal":  # a payout to the bank came back: debit provider, credit bank
        lines = ledger.transfer(provider, "bank", m.currency, m.amount)
        return ledger.NewEntry(
            ledger.Kind.ADJUSTMENT, f"{m.cause}:settlement_reversal:adjustment", m.resource, lines
        )
    if m.amount > 0:  # debit fees, credit provider:{a}
        return ledger.NewEntry(
            ledger.Kind.FEE,
            f"{m.cause}:fee",
            m.resource,
            ledger.transfer("fees", provider, m.currency, m.amount),
        )
    lines = ledger.transfer(provider, "fees", m.currency, -m.amount)  # a fee given back
    return ledger.NewEntry(ledger.Kind.ADJUSTMENT, f"{m.cause}:fee_refund:adjustment", m.resource, lines)


async def write_batch(
    conn: AsyncConnection,
    run: dict[str, Any],
    items: list[Item],
    movements: list[Movement],
    *,
    lines: int,
    cursor: str | None,
    now: dt.datetime,
) -> None:
    """One batch, in the caller's transaction: its items, its ledger movements, the run's progress."""
    if items:
        rows = {r["id"]: r for r in (item_row(run, i) for i in items)}  # a line read twice counts once
        ins = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(ri)
        await conn.execute(ins.on_conflict_do_nothing(index_elements=["run_id", "id"]), list(rows.values()))
    if movements:
        await postings.many(conn, [entry_of(run["account_id"], m) for m in movements if m.amount], now=now)
    values: dict[str, Any] = {"lines": rr.c.lines + lines, "updated_at": now}
    if cursor is not None:
        values["cursor_end"] = cursor
    await conn.execute(update(rr).where(rr.c.id == run["id"]).values(**values))


async def missing_at_provider(
    conn: AsyncConnection, run: dict[str, Any], size: int = 1000
) -> AsyncIterator[list[Item]]:
    """The hub's captures, refunds and payouts booked in the window on this account's
    ``provider:{a}`` whose resource no item of the run names, in chunks (keyset on resource)."""
    account = ledger.provider(run["account_id"])
    named = exists().where(and_(ri.c.run_id == run["id"], ri.c.resource == le.c.resource))
    after = ""
    while True:
        rows = (
            await conn.execute(
                select(le.c.resource, le.c.kind, lp.c.currency, func.sum(lp.c.amount).label("amount"))
                .join(lp, lp.c.entry_seq == le.c.seq)
                .where(lp.c.account == account, le.c.kind.in_(HUB_KINDS))
                .where(le.c.created_at >= run["window_from"], le.c.created_at < run["window_to"])
                .where(le.c.resource.is_not(None), le.c.resource > after, ~named)
                .group_by(le.c.resource, le.c.kind, lp.c.currency)
                .order_by(le.c.resource, le.c.kind, lp.c.currency)
                .limit(size)
            )
        ).all()
        if not rows:
            return
        refs = await _provider_references(conn, [r.resource for r in rows])
        yield [
            Item(
                kind=ItemKind.MISSING_AT_PROVIDER, type=r.kind, resource=r.resource, hub_amount=int(r.amount),
                currency=r.currency, provider_reference=refs.get(r.resource),
                detail=f"the hub booked this {r.kind} in the window; the provider's record has no line for it",
            )
            for r in rows
        ]  # fmt: skip
        if len(rows) < size:
            return
        after = rows[-1].resource


async def _provider_references(conn: AsyncConnection, ids: list[str]) -> dict[str, str]:
    """The provider's reference of each hub payment / refund / payout named (to look it up there)."""
    out: dict[str, str] = {}
    for table in (t.payments, t.refunds, t.payouts):
        rows = await conn.execute(
            select(table.c.id, table.c.provider_reference).where(
                table.c.id.in_(ids), table.c.provider_reference.is_not(None)
            )
        )
        out.update({r.id: r.provider_reference for r in rows})
    return out


async def summary_of(conn: AsyncConnection, run_id: str) -> dict[str, int]:
    rows = (
        await conn.execute(select(ri.c.kind, func.count()).where(ri.c.run_id == run_id).group_by(ri.c.kind))
    ).all()
    out = {k.value: 0 for k in ItemKind}
    out.update({r[0]: int(r[1]) for r in rows})
    return out


async def finish(
    conn: AsyncConnection, run_id: str, status: RunStatus, *, summary: dict[str, int], reason: str | None,
    now: dt.datetime,
) -> None:  # fmt: skip
    await conn.execute(
        update(rr)
        .where(rr.c.id == run_id)
        .values(status=status.value, summary=summary, reason=reason, completed_at=now, updated_at=now)
    )


async def clear_items(conn: AsyncConnection, run_id: str) -> None:
    await conn.execute(delete(ri).where(ri.c.run_id == run_id))


async def starting_cursor(conn: AsyncConnection, run: dict[str, Any]) -> str | None:
    """A window run before starts where it started then; otherwise where the account left off."""
    earlier = (
        await conn.execute(
            select(rr.c.cursor_start)
            .where(rr.c.account_id == run["account_id"], rr.c.id != run["id"])
            .where(rr.c.window_from == run["window_from"], rr.c.window_to == run["window_to"])
            .where(rr.c.status == RunStatus.COMPLETED.value)
            .order_by(rr.c.created_at)
            .limit(1)
        )
    ).first()
    if earlier is not None:
        return earlier[0]  # type: ignore[no-any-return]
    return await conn.scalar(select(rc.c.cursor).where(rc.c.account_id == run["account_id"]))


async def window_seen(conn: AsyncConnection, run: dict[str, Any]) -> bool:
    """Whether an earlier run of this account completed the same window (a re-run)."""
    row = await conn.scalar(
        select(rr.c.id)
        .where(rr.c.account_id == run["account_id"], rr.c.id != run["id"])
        .where(rr.c.window_from == run["window_from"], rr.c.window_to == run["window_to"])
        .where(rr.c.status == RunStatus.COMPLETED.value)
        .limit(1)
    )
    return row is not None


async def remember_cursor(conn: AsyncConnection, account_id: str, cursor: str, now: dt.datetime) -> None:
    updated = await conn.execute(
        update(rc).where(rc.c.account_id == account_id).values(cursor=cursor, updated_at=now)
    )
    if not updated.rowcount:
        await conn.execute(insert(rc).values(account_id=account_id, cursor=cursor, updated_at=now))
