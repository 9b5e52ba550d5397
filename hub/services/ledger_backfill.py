"""``payhub ledger backfill``: opening entries for what a database held before the ledger existed.

For every payment, refund and payout, whatever its entries are short of (a payment's
``amount_captured`` not yet credited to ``sales``, a succeeded refund not yet debited to
``refunds``, a succeeded or returned payout not yet booked) is posted now, with the kind the
live path would have used. It runs in batches, each under the rows' locks, so it is safe
beside live traffic, and it is idempotent: a second run finds nothing short and posts nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.domain.states import PayoutStatus, RefundStatus
from hub.services import postings
from hub.store import tables as t
from hub.store.repo import utcnow
from ledger.schema import entries as le
from ledger.schema import postings as lp


@dataclass
class Backfilled:
    posted: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # kind -> entries
    over: list[str] = field(default_factory=list)  # resources whose entries exceed their amounts

    def describe(self) -> str:
        if not self.posted:
            text = "nothing to backfill: every payment, refund and payout has its entries"
        else:
            done = ", ".join(f"{n} {kind}" for kind, n in sorted(self.posted.items()))
            text = f"posted {done} opening entries"
        if self.over:
            text += f"; {len(self.over)} resource(s) have MORE on the ledger than their amounts (first: {self.over[0]})"
        return text


async def _net(conn: AsyncConnection, account: str, ids: list[str]) -> dict[str, int]:
    stmt = (
        select(le.c.resource, func.sum(lp.c.amount))
        .join(le, le.c.seq == lp.c.entry_seq)
        .where(lp.c.account == account, le.c.resource.in_(ids))
        .group_by(le.c.resource)
    )
    return {r: int(n) for r, n in (await conn.execute(stmt)).all()}


async def _batch(
    conn: AsyncConnection, table: Any, after: str, size: int, *extra: Any
) -> list[dict[str, Any]]:
    stmt = select(table).where(table.c.id > after, *extra).order_by(table.c.id).limit(size)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return [dict(r) for r in (await conn.execute(stmt)).mappings().all()]


async def backfill(engine: AsyncEngine, *, batch: int = 500) -> Backfilled:
    out = Backfilled()
    await _payments(engine, out, batch)
    await _refunds(engine, out, batch)
    await _payouts(engine, out, batch)
    return out


async def _payments(engine: AsyncEngine, out: Backfilled, size: int) -> None:
    after = ""
    while True:
        async with engine.begin() as conn:
            rows = await _batch(conn, t.payments, after, size, t.payments.c.amount_captured > 0)
            if not rows:
                return
            net = await _net(conn, "sales", [r["id"] for r in rows])
            for p in rows:
                short = p["amount_captured"] + net.get(p["id"], 0)  # sales is credited: net < 0
                if short > 0:
                    cause = f"opening:{p['id']}:captured:{p['amount_captured']}"
                    await postings.capture(conn, payment=p, amount=short, cause=cause, now=utcnow())
                    out.posted["capture"] += 1
                elif short < 0:
                    out.over.append(p["id"])
            after = rows[-1]["id"]


async def _refunds(engine: AsyncEngine, out: Backfilled, size: int) -> None:
    after = ""
    while True:
        async with engine.begin() as conn:
            rows = await _batch(
                conn, t.refunds, after, size, t.refunds.c.status == RefundStatus.SUCCEEDED.value
            )
            if not rows:
                return
            net = await _net(conn, "refunds", [r["id"] for r in rows])
            accounts = dict(
                (
                    await conn.execute(
                        select(t.payments.c.id, t.payments.c.account_id).where(
                            t.payments.c.id.in_({r["payment_id"] for r in rows})
                        )
                    )
                ).all()
            )
            for r in rows:
                short = r["amount"] - net.get(r["id"], 0)
                if short > 0:
                    payment = {
                        "id": r["payment_id"],
                        "account_id": accounts[r["payment_id"]],
                        "currency": r["currency"],
                    }
                    await postings.refund(
                        conn, payment=payment, refund_id=r["id"], amount=short,
                        cause=f"opening:{r['id']}:refunded:{r['amount']}", now=utcnow(),
                    )  # fmt: skip
                    out.posted["refund"] += 1
                elif short < 0:
                    out.over.append(r["id"])
            after = rows[-1]["id"]


async def _payouts(engine: AsyncEngine, out: Backfilled, size: int) -> None:
    after = ""
    booked = (PayoutStatus.SUCCEEDED.value, PayoutStatus.RETURNED.value)
    while True:
        async with engine.begin() as conn:
            rows = await _batch(conn, t.payouts, after, size, t.payouts.c.status.in_(booked))
            if not rows:
                return
            for po in rows:  # the live path's causes: posting again is a no-op
                sent = await postings.payout_sent(conn, payout=po, now=utcnow())
                if sent is not None and sent.created:
                    out.posted["payout"] += 1
                if po["status"] == PayoutStatus.RETURNED.value:
                    back = await postings.payout_return(conn, payout=po, now=utcnow())
                    if back is not None and back.created:
                        out.posted["payout_return"] += 1
            after = rows[-1]["id"]
