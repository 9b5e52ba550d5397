"""``payhub ledger verify``: the ledger's own consistency, then every resource against its entries.

The ledger library checks that every entry balances and every balance equals its postings;
this module adds what only the hub knows: a payment's ``sales`` credits equal its
``amount_captured``, its refunds' ``refunds`` debits its ``amount_refunded``, each refund's
entries its amount (when it succeeded), each payout's ``payouts`` entries its amount (sent,
or sent and returned), each dispute's ``disputes`` entries its ``amount_withdrawn``, and no
entry names a resource that does not exist. More checks register with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

import ledger
from hub.domain.states import PayoutStatus, RefundStatus
from hub.store import tables as t
from hub.store.dispute_tables import disputes
from ledger.schema import entries as le
from ledger.schema import postings as lp

Check = Callable[[AsyncConnection], Awaitable[str | None]]
_EXTRA: list[Check] = []


def register(check: Check) -> None:
    """Add a resource check (returns a one-line discrepancy, or None)."""
    _EXTRA.append(check)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str
    entries: int = 0

    def describe(self) -> str:
        return (
            f"OK: {self.entries} ledger entries balanced, balances equal their postings"
            if self.ok
            else self.message
        )


def _net(account: str, sign: int) -> Any:
    """Per (resource, currency): what ``account`` received, as ``sign`` * sum (credits for sales: -1)."""
    return (
        select(
            le.c.resource.label("resource"),
            lp.c.currency.label("currency"),
            (sign * func.sum(lp.c.amount)).label("net"),
        )
        .join(le, le.c.seq == lp.c.entry_seq)
        .where(lp.c.account == account)
        .group_by(le.c.resource, lp.c.currency)
        .subquery()
    )


async def _against(
    conn: AsyncConnection, table: Any, what: str, account: str, sign: int, expected: Any
) -> str | None:
    s = _net(account, sign)
    joined = table.outerjoin(s, and_(s.c.resource == table.c.id, s.c.currency == table.c.currency))
    got = func.coalesce(s.c.net, 0)
    row = (
        await conn.execute(
            select(table.c.id, expected, got)
            .select_from(joined)
            .where(got != expected)
            .order_by(table.c.id)
            .limit(1)
        )
    ).first()
    if row is not None:
        return f"{what} {row[0]}: expected {row[1]} on {account}, its entries say {row[2]}"
    stray = (
        await conn.execute(
            select(s.c.resource, s.c.currency, s.c.net)
            .select_from(
                s.outerjoin(table, and_(s.c.resource == table.c.id, s.c.currency == table.c.currency))
            )
            .where(table.c.id.is_(None))
            .limit(1)
        )
    ).first()
    if stray is not None:
        return f"entries on {account} name {stray[0]} ({stray[1]} {stray[2]}), which is no {what} of that currency"
    return None


async def _payments_refunded(conn: AsyncConnection) -> str | None:
    pay, ref = t.payments, t.refunds
    s = _net("refunds", 1)
    per_payment = (
        select(ref.c.payment_id.label("payment_id"), func.sum(s.c.net).label("net"))
        .join(s, s.c.resource == ref.c.id)
        .group_by(ref.c.payment_id)
        .subquery()
    )
    got = func.coalesce(per_payment.c.net, 0)
    row = (
        await conn.execute(
            select(pay.c.id, pay.c.amount_refunded, got)
            .select_from(pay.outerjoin(per_payment, per_payment.c.payment_id == pay.c.id))
            .where(got != pay.c.amount_refunded)
            .order_by(pay.c.id)
            .limit(1)
        )
    ).first()
    if row is not None:
        return f"payment {row[0]}: amount_refunded is {row[1]}, its refunds' entries on refunds say {row[2]}"
    return None


async def resource_discrepancy(conn: AsyncConnection) -> str | None:
    pay, ref, po = t.payments, t.refunds, t.payouts
    refund_expected = case((ref.c.status == RefundStatus.SUCCEEDED.value, ref.c.amount), else_=0)
    payout_expected = case((po.c.status == PayoutStatus.SUCCEEDED.value, po.c.amount), else_=0)
    checks: list[Callable[[], Awaitable[str | None]]] = [
        lambda: _against(conn, pay, "payment", "sales", -1, pay.c.amount_captured),
        lambda: _against(conn, ref, "refund", "refunds", 1, refund_expected),
        lambda: _payments_refunded(conn),
        lambda: _against(conn, po, "payout", "payouts", 1, payout_expected),
        lambda: _returned_payouts_were_sent(conn),
        lambda: _against(conn, disputes, "dispute", "disputes", 1, func.coalesce(disputes.c.amount_withdrawn, 0)),
        *[(lambda c=c: c(conn)) for c in _EXTRA],
    ]
    for check in checks:
        found = await check()
        if found:
            return found
    return None


async def _returned_payouts_were_sent(conn: AsyncConnection) -> str | None:
    po = t.payouts
    sent = select(le.c.resource).where(le.c.kind == ledger.Kind.PAYOUT.value).subquery()
    row = (
        await conn.execute(
            select(po.c.id)
            .select_from(po.outerjoin(sent, sent.c.resource == po.c.id))
            .where(po.c.status == PayoutStatus.RETURNED.value, sent.c.resource.is_(None))
            .limit(1)
        )
    ).first()
    return f"payout {row[0]} is returned but was never booked as sent" if row is not None else None


async def verify(engine: AsyncEngine) -> Verdict:
    async with engine.connect() as conn:
        found = await ledger.first_discrepancy(conn) or await resource_discrepancy(conn)
        n = int(await conn.scalar(select(func.count()).select_from(le)) or 0)
    if found:
        hint = "" if n else " (an upgraded database? run `payhub ledger backfill`)"
        return Verdict(False, f"DISCREPANCY: {found}{hint}", n)
    return Verdict(True, "", n)
