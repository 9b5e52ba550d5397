"""Applying provider news about a dispute, through the dispute state table. One way a dispute moves.

Used by the inbox (webhooks and polled notifications) and by the dispute API (the
provider's answer to evidence or acceptance), always inside the caller's transaction:

1. the dispute row is found by (account, provider's dispute id) — created on first news
   (``INSERT ... ON CONFLICT DO NOTHING``, then read under a row lock), so the same news
   twice, or two deliveries racing, make one dispute;
2. the disputed payment is found by the hub's id echoed back or by the provider's
   reference of the payment (and locked); a dispute whose payment the hub does not know
   is kept with ``payment`` null (owner NULL: visible to admin keys) and attached when
   later news names a payment the hub has;
3. the status moves by :func:`hub.domain.states.dispute_transition` (late or backwards
   news is recorded in ``last_news`` and changes nothing else);
4. the money: the news says whether the amount is withdrawn (or the new state implies it,
   ``DISPUTE_FUNDS_WITHDRAWN``); when that differs from ``amount_withdrawn`` the movement
   is posted through :func:`hub.services.dispute_ledger.post_dispute_movement` and the
   row updated — in the same transaction;
5. the payment's ``amount_disputed`` (sum of its chargebacks not won: needs_response,
   under_review, lost, accepted) and ``disputes`` (ids) are refreshed;
6. events: ``dispute.opened`` on the first news (or when an unattached dispute gets its
   payment), then ``dispute.updated`` / ``dispute.won`` / ``dispute.lost`` per the table,
   ``dispute.updated`` when only the details (amount, due date, evidence) changed. News
   that changes nothing emits nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.base import ProviderEvent
from adapters.disputes import DisputeNews, DisputeReason
from hub.domain.ids import new_id
from hub.domain.states import (
    DISPUTE_EVENTS,
    DISPUTE_FUNDS_WITHDRAWN,
    DisputeStatus,
    dispute_transition,
)
from hub.services.dispute_ledger import post_dispute_movement
from hub.services.inbox_match import PROCESSED, Decision
from hub.store import tables as t
from hub.store.dispute_tables import disputes
from hub.store.repo import Row, add_event, iso, load, update_row

log = logging.getLogger("payhub.disputes")

DS = DisputeStatus
#: the disputes whose amount counts in a payment's ``amount_disputed``
COUNTED = frozenset({DS.NEEDS_RESPONSE.value, DS.UNDER_REVIEW.value, DS.LOST.value, DS.ACCEPTED.value})


def render(row: Row) -> dict[str, Any]:
    """A dispute in responses and events (DESIGN §12)."""
    return {
        "id": row["id"],
        "object": "dispute",
        "payment": row["payment_id"],
        "account": row["account_id"],
        "amount": row["amount"],
        "currency": row["currency"],
        "reason": row["reason"],
        "provider_reason": row["provider_reason"],
        "status": row["status"],
        "amount_withdrawn": row["amount_withdrawn"],
        "evidence_due_by": iso(row["evidence_due_by"]),
        "evidence": row["evidence"],
        "provider_reference": row["provider_reference"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


class DisputeApplied(msgspec.Struct, kw_only=True):
    dispute: Row
    created: bool
    changed: bool  # anything visible changed (status, details, money, attachment)
    note: str | None = None


async def apply_news(
    conn: AsyncConnection,
    account_id: str,
    news: DisputeNews,
    *,
    source: str,
    now: dt.datetime,
    extra: dict[str, Any] | None = None,
) -> DisputeApplied:
    """Apply ``news`` (from ``source``: the provider's event type, or ``evidence`` / ``accept``);
    ``extra``: further columns to set in the same change (the evidence the hub sent)."""
    row, created = await _find_or_create(conn, account_id, news, now)
    before = dict(row)
    attached_now = False
    payment: Row | None = None
    if row["payment_id"] is None:
        payment = await _find_payment(conn, account_id, news)
        if payment is not None:
            row["payment_id"], row["owner"] = payment["id"], payment["owner"]
            attached_now = not created
    elif row["payment_id"]:
        payment = await load(conn, t.payments, row["payment_id"], lock=True, what="payment")

    old, said = DS(row["status"]), DS(news.status.value)
    earlier = 0 < news.stage < int(row["stage"] or 0)  # an earlier stage of the provider's process
    new = old if earlier else dispute_transition(old, said)
    stale = earlier or new != said  # refused: late or backwards news (a duplicate is not stale)
    values: dict[str, Any] = {"last_news": source[:255], **(extra or {})}
    if new != old:
        values["status"] = new.value
    if not stale:
        values.update(_details(row, news))
        if news.stage > int(row["stage"] or 0):
            values["stage"] = news.stage
        await _move_money(conn, row, values, news, new)
    note = (
        f"{source}: {said.value} (stage {news.stage}) does not follow {old.value}; recorded, nothing applied"
        if stale
        else None
    )
    if attached_now or created:
        values["payment_id"], values["owner"] = row["payment_id"], row["owner"]
    changed = created or attached_now or any(before.get(k) != v for k, v in values.items() if k != "last_news")
    if changed:
        values["updated_at"] = now
    await update_row(conn, disputes, row["id"], values)
    row.update(values)
    if payment is not None and changed:
        await _refresh_payment(conn, payment, row, now)
    if changed and row["owner"] is not None:
        await _emit(conn, row, created=created or attached_now, status_changed=new != old, now=now)
    if note:
        log.info("dispute %s: %s", row["id"], note)
    return DisputeApplied(dispute=row, created=created, changed=changed, note=note)


# --------------------------------------------------------------------------- steps


async def _find_or_create(
    conn: AsyncConnection, account_id: str, news: DisputeNews, now: dt.datetime
) -> tuple[Row, bool]:
    d = disputes.c
    new_row = {
        "id": new_id("dp"),
        "owner": None,
        "account_id": account_id,
        "payment_id": None,
        "status": DS.NEW.value,
        "amount": news.amount or 0,
        "currency": (news.currency or "XXX").upper(),
        "amount_withdrawn": 0,
        "reason": (news.reason or DisputeReason.GENERAL).value,
        "provider_reason": news.provider_reason,
        "provider_reference": news.provider_reference,
        "payment_reference": news.payment_reference,
        "evidence_due_by": news.evidence_due_by,
        "evidence": None,
        "reminded_at": None,
        "stage": 0,
        "last_news": None,
        "created_at": now,
        "updated_at": now,
    }
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    inserted = await conn.scalar(
        insert(disputes)
        .values(**new_row)
        .on_conflict_do_nothing(index_elements=["account_id", "provider_reference"])
        .returning(d.id)
    )
    stmt = select(disputes).where(d.account_id == account_id, d.provider_reference == news.provider_reference)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    found = (await conn.execute(stmt)).mappings().one()
    return dict(found), inserted is not None


async def _find_payment(conn: AsyncConnection, account_id: str, news: DisputeNews) -> Row | None:
    p = t.payments.c
    payment_id: str | None = None
    if news.payment_id and news.payment_id.startswith("pay_"):
        payment_id = await conn.scalar(select(p.id).where(p.id == news.payment_id, p.account_id == account_id))
    if payment_id is None and news.payment_reference:
        payment_id = await conn.scalar(
            select(p.id)
            .where(p.account_id == account_id, p.provider_reference == news.payment_reference)
            .limit(1)
        )
    if payment_id is None:
        return None
    return await load(conn, t.payments, payment_id, lock=True, what="payment")


def _details(row: Row, news: DisputeNews) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if news.amount is not None:
        values["amount"] = news.amount
    if news.currency:
        values["currency"] = news.currency.upper()
    if news.reason is not None:
        values["reason"] = news.reason.value
    if news.provider_reason is not None:
        values["provider_reason"] = news.provider_reason[:255]
    if news.evidence_due_by is not None:
        values["evidence_due_by"] = news.evidence_due_by
        if row["evidence_due_by"] != news.evidence_due_by:
            values["reminded_at"] = None  # a new due date gets its own reminder
    if news.payment_reference and not row["payment_reference"]:
        values["payment_reference"] = news.payment_reference
    return {k: v for k, v in values.items() if row.get(k) != v}


async def _move_money(
    conn: AsyncConnection, row: Row, values: dict[str, Any], news: DisputeNews, status: DisputeStatus
) -> None:
    """Post a withdrawal or reinstatement when the funds' side changes (same transaction)."""
    withdrawn = news.funds_withdrawn
    if withdrawn is None:
        withdrawn = DISPUTE_FUNDS_WITHDRAWN.get(status)
    if withdrawn is None:
        return
    held = int(row["amount_withdrawn"] or 0)
    amount = int(values.get("amount", row["amount"]) or 0)
    current = {**row, **values}
    if withdrawn and held == 0 and amount > 0:
        await post_dispute_movement(conn, current, "dispute_withdrawal", amount)
        values["amount_withdrawn"] = amount
    elif not withdrawn and held > 0:
        await post_dispute_movement(conn, current, "dispute_reinstatement", held)
        values["amount_withdrawn"] = 0


async def _refresh_payment(conn: AsyncConnection, payment: Row, row: Row, now: dt.datetime) -> None:
    d = disputes.c
    ids = list(payment.get("disputes") or [])
    if row["id"] not in ids:
        ids.append(row["id"])
    total = await conn.scalar(
        select(func.coalesce(func.sum(d.amount), 0)).where(d.payment_id == payment["id"], d.status.in_(COUNTED))
    )
    values = {"disputes": ids, "amount_disputed": int(total or 0), "updated_at": now}
    await update_row(conn, t.payments, payment["id"], values)
    payment.update(values)


async def _emit(conn: AsyncConnection, row: Row, *, created: bool, status_changed: bool, now: dt.datetime) -> None:
    types: list[str] = []
    status = DS(row["status"])
    if created:
        types.append("dispute.opened")
        if DISPUTE_EVENTS.get(status) not in (None, "dispute.updated"):
            types.append(DISPUTE_EVENTS[status])  # first heard of when already decided
    elif status_changed:
        types.append(DISPUTE_EVENTS.get(status, "dispute.updated"))
    else:
        types.append("dispute.updated")
    for type_ in types:
        await add_event(
            conn, owner=row["owner"], type=type_, resource_id=row["id"], data={"object": render(row)}, now=now
        )




async def dispute_decision(
    conn: AsyncConnection, account_id: str, event: ProviderEvent, now: dt.datetime
) -> Decision:
    """The inbox's dispute branch: apply ``event.dispute``; always settles the inbox row."""
    assert event.dispute is not None
    applied = await apply_news(conn, account_id, event.dispute, source=event.type, now=now)
    row = applied.dispute
    if applied.note:
        note = applied.note
    elif row["payment_id"] is None:
        note = f"dispute {row['id']}: no payment of account {account_id} matches; kept unattached"
    elif applied.changed:
        note = f"dispute {row['id']} is {row['status']}"
    else:
        note = f"dispute {row['id']}: nothing new"
    return Decision(status=PROCESSED, note=note)


__all__ = ["COUNTED", "DisputeApplied", "apply_news", "dispute_decision", "render"]
