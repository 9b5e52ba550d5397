"""The hub's money movements as ledger entries (DESIGN §13): one function per movement.

Every function posts on the caller's connection, inside the transaction that makes the state
change, so the change and its entry commit together or not at all. Each entry's id derives
from its cause (an operation id, a payout id, a dispute or reconciliation line id, with the
kind), so applying the same news twice — a retried job, a replayed webhook — posts once.

``payment_moved`` and ``payout_moved`` are the hooks in the outcome code (where a payment's
``amount_captured`` / ``amount_refunded`` and a payout's status change): every path — the
request, resolution, inbound webhooks, adopted provider-origin changes — posts through them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

import ledger
from hub.domain.states import PayoutStatus
from hub.store import fast, gather
from ledger import Kind, Posted, Posting
from ledger.schema import entries as le
from ledger.schema import postings as lp

# Benchmarks only (benchmarks/ledger.py measures the hub with the ledger against without it):
# with this set, nothing is posted and `payhub ledger verify` will find the books short.
ENABLED = os.environ.get("PAYHUB_BENCH_LEDGER_OFF") != "1"


class _Sql:
    """``ledger.RawSql``: the entry's statement on asyncpg, in the caller's transaction (begun
    if it is not yet), after the writes gathered before it or (``defer``) among them."""

    driver = staticmethod(fast.driver)  # begins the transaction when asked: a lone entry is in it
    fetchrow = staticmethod(fast.fetchrow)
    write_group = staticmethod(gather.write_group)


_RAW = _Sql()


async def _transfer(
    conn: AsyncConnection,
    kind: Kind,
    *,
    debit: str,
    credit: str,
    currency: str,
    amount: int,
    cause: str,
    resource: str | None,
    now: dt.datetime,
    defer: bool = False,
) -> Posted | None:
    if not ENABLED:
        return None
    lines = ledger.transfer(debit, credit, currency, amount)
    # PostgreSQL: SQL text on asyncpg, after the writes gathered before it (sent first) or,
    # ``defer``, in their statement; SQLite: the ledger's Core statements, nothing gathered
    return await ledger.post(
        conn, kind=kind, cause=cause, resource=resource, lines=lines, now=now, raw=_RAW, defer=defer
    )


async def capture(
    conn: AsyncConnection, *, payment: Mapping[str, Any], amount: int, cause: str, now: dt.datetime,
    defer: bool = False,
) -> Posted | None:  # fmt: skip
    """Money captured: debit ``provider:{a}``, credit ``sales``. ``defer``: see ``ledger.post``."""
    return await _transfer(
        conn, Kind.CAPTURE, debit=ledger.provider(payment["account_id"]), credit="sales",
        currency=payment["currency"], amount=amount, cause=cause, resource=payment["id"], now=now,
        defer=defer,
    )  # fmt: skip


async def refund(
    conn: AsyncConnection,
    *,
    payment: Mapping[str, Any],
    refund_id: str,
    amount: int,
    cause: str,
    now: dt.datetime,
    defer: bool = False,
) -> Posted | None:
    """A refund given: debit ``refunds``, credit ``provider:{a}`` (the entry's resource is the ``re_``)."""
    return await _transfer(
        conn, Kind.REFUND, debit="refunds", credit=ledger.provider(payment["account_id"]),
        currency=payment["currency"], amount=amount, cause=cause, resource=refund_id, now=now,
        defer=defer,
    )  # fmt: skip


async def payout_sent(conn: AsyncConnection, *, payout: Mapping[str, Any], now: dt.datetime) -> Posted | None:
    """A payout sent: debit ``payouts``, credit ``provider:{a}`` (also as ``payout``)."""
    return await _transfer(
        conn, Kind.PAYOUT, debit="payouts", credit=ledger.provider(payout["account_id"]),
        currency=payout["currency"], amount=payout["amount"], cause=f"{payout['id']}:payout",
        resource=payout["id"], now=now,
    )  # fmt: skip


payout = payout_sent


async def payout_return(
    conn: AsyncConnection, *, payout: Mapping[str, Any], now: dt.datetime
) -> Posted | None:
    """A payout returned: the reverse of :func:`payout` (which is posted first if it never was:
    a bank may report the return as its first news)."""
    await payout_sent(conn, payout=payout, now=now)
    return await _transfer(
        conn, Kind.PAYOUT_RETURN, debit=ledger.provider(payout["account_id"]), credit="payouts",
        currency=payout["currency"], amount=payout["amount"], cause=f"{payout['id']}:payout_return",
        resource=payout["id"], now=now,
    )  # fmt: skip


async def dispute_withdrawal(
    conn: AsyncConnection,
    *,
    dispute_id: str,
    account_id: str,
    currency: str,
    amount: int,
    cause: str,
    now: dt.datetime,
) -> Posted | None:
    """Dispute funds withdrawn: debit ``disputes``, credit ``provider:{a}``. ``cause`` names the
    news (e.g. the provider event id) so a second chargeback on one dispute posts again."""
    return await _transfer(
        conn, Kind.DISPUTE_WITHDRAWAL, debit="disputes", credit=ledger.provider(account_id),
        currency=currency, amount=amount, cause=f"{cause}:dispute_withdrawal", resource=dispute_id, now=now,
    )  # fmt: skip


async def dispute_reinstatement(
    conn: AsyncConnection,
    *,
    dispute_id: str,
    account_id: str,
    currency: str,
    amount: int,
    cause: str,
    now: dt.datetime,
) -> Posted | None:
    """Dispute won / funds reinstated: debit ``provider:{a}``, credit ``disputes``."""
    return await _transfer(
        conn, Kind.DISPUTE_REINSTATEMENT, debit=ledger.provider(account_id), credit="disputes",
        currency=currency, amount=amount, cause=f"{cause}:dispute_reinstatement", resource=dispute_id, now=now,
    )  # fmt: skip


async def fee(
    conn: AsyncConnection,
    *,
    account_id: str,
    currency: str,
    amount: int,
    cause: str,
    resource: str | None,
    now: dt.datetime,
) -> Posted | None:
    """A provider fee (from reconciliation): debit ``fees``, credit ``provider:{a}``."""
    return await _transfer(
        conn, Kind.FEE, debit="fees", credit=ledger.provider(account_id),
        currency=currency, amount=amount, cause=f"{cause}:fee", resource=resource, now=now,
    )  # fmt: skip


async def settlement(
    conn: AsyncConnection,
    *,
    account_id: str,
    currency: str,
    amount: int,
    cause: str,
    resource: str | None,
    now: dt.datetime,
) -> Posted | None:
    """A settlement received from the provider: debit ``bank``, credit ``provider:{a}``."""
    return await _transfer(
        conn, Kind.SETTLEMENT, debit="bank", credit=ledger.provider(account_id),
        currency=currency, amount=amount, cause=f"{cause}:settlement", resource=resource, now=now,
    )  # fmt: skip


async def many(conn: AsyncConnection, batch: Sequence[ledger.NewEntry], *, now: dt.datetime) -> int:
    """Many entries in a few statements (reconciliation: a fee entry per provider line, built
    with the causes :func:`fee` / :func:`settlement` use); see ``ledger.post_many``."""
    if not ENABLED:
        return 0
    await gather.flush(conn)
    return await ledger.post_many(conn, batch, now=now)


async def adjustment(
    conn: AsyncConnection,
    *,
    lines: Sequence[Posting],
    cause: str,
    resource: str | None,
    now: dt.datetime,
) -> Posted | None:
    """Any balanced correction (kind ``adjustment``)."""
    if not ENABLED:
        return None
    await gather.flush(conn)
    return await ledger.post(
        conn, kind=Kind.ADJUSTMENT, cause=f"{cause}:adjustment", resource=resource, lines=lines, now=now
    )


async def reverse(conn: AsyncConnection, *, entry_id: str, cause: str, now: dt.datetime) -> Posted | None:
    """Undo an entry with a new ``adjustment`` entry of the opposite postings (never an edit)."""
    await gather.flush(conn)
    rows = (
        await conn.execute(
            select(le.c.resource, lp.c.account, lp.c.currency, lp.c.amount)
            .join(lp, lp.c.entry_seq == le.c.seq)
            .where(le.c.id == entry_id)
            .order_by(lp.c.id)
        )
    ).all()
    if not rows:
        raise ledger.InvalidEntry(f"no entry {entry_id!r} to reverse")
    lines = ledger.reversal([Posting(r.account, r.currency, r.amount) for r in rows])
    return await adjustment(
        conn, lines=lines, cause=f"{cause}:reverses:{entry_id}", resource=rows[0].resource, now=now
    )


# ------------------------------------------------------------------ hooks in the outcome code
async def payment_moved(
    conn: AsyncConnection, payment: Mapping[str, Any], values: Mapping[str, Any], op: Mapping[str, Any],
    *, now: dt.datetime, cause: str | None = None,
) -> None:  # fmt: skip
    """``payment`` (as it was) is being updated with ``values`` by operation ``op``: post what
    moved — the increase of ``amount_captured`` and of ``amount_refunded``; a decrease (news
    of a failure after success: hub.services.reversals) posts the reversal of that movement as
    an ``adjustment`` on the same resource. ``cause`` (default: the operation id) names the news
    when one operation moves the amounts more than once (failed after success, re-captured)."""
    c = cause or op["id"]
    captured = values.get("amount_captured", payment["amount_captured"]) - payment["amount_captured"]
    # the entries go with the transaction's gathered writes (its one statement on PostgreSQL);
    # the payment row is locked, so no other transaction posts these causes meanwhile
    if captured > 0:
        await capture(conn, payment=payment, amount=captured, cause=f"{c}:capture", now=now, defer=True)
    elif captured < 0:
        lines = ledger.transfer(
            ledger.provider(payment["account_id"]), "sales", payment["currency"], -captured
        )
        await adjustment(
            conn, lines=ledger.reversal(lines), cause=f"{c}:capture:reversed",
            resource=payment["id"], now=now,
        )  # fmt: skip
    refunded = values.get("amount_refunded", payment["amount_refunded"]) - payment["amount_refunded"]
    if refunded > 0:
        await refund(
            conn, payment=payment, refund_id=op["refund_id"] or op["id"], amount=refunded,
            cause=f"{c}:refund", now=now, defer=True,
        )  # fmt: skip
    elif refunded < 0:
        lines = ledger.transfer(
            "refunds", ledger.provider(payment["account_id"]), payment["currency"], -refunded
        )
        await adjustment(
            conn, lines=ledger.reversal(lines), cause=f"{c}:refund:reversed",
            resource=op["refund_id"] or op["id"], now=now,
        )  # fmt: skip


async def payout_moved(
    conn: AsyncConnection, before: PayoutStatus, payout: Mapping[str, Any], *, now: dt.datetime
) -> None:
    """``payout`` has just moved from ``before`` to its current status: post the transfer when it
    succeeded, its reversal when it came back."""
    status = PayoutStatus(payout["status"])
    if status == before:
        return
    if status == PayoutStatus.SUCCEEDED:
        await payout_sent(conn, payout=payout, now=now)
    elif status == PayoutStatus.RETURNED:
        await payout_return(conn, payout=payout, now=now)
