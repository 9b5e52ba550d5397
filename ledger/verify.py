"""The ledger's own consistency: every entry balanced, every balance equal to its postings.

What the entries should say about payments, refunds and payouts is the hub's knowledge (it
owns those tables): it adds its checks on top (hub/services/ledger_verify.py).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ledger.balances import balances_from_postings, stored_balances
from ledger.schema import entries as e
from ledger.schema import postings as p


async def first_discrepancy(conn: AsyncConnection) -> str | None:
    """A one-line description of the first inconsistency found, or None."""
    short = (
        select(e.c.id, func.count(p.c.id))
        .select_from(e.outerjoin(p, p.c.entry_seq == e.c.seq))
        .group_by(e.c.seq, e.c.id)
        .having(func.count(p.c.id) < 2)
        .order_by(e.c.seq)
        .limit(1)
    )
    row = (await conn.execute(short)).first()
    if row is not None:
        return f"entry {row[0]} has {row[1]} posting(s); an entry needs at least two"

    unbalanced = (
        select(e.c.id, p.c.currency, func.sum(p.c.amount))
        .join(e, e.c.seq == p.c.entry_seq)
        .group_by(e.c.seq, e.c.id, p.c.currency)
        .having(func.sum(p.c.amount) != 0)
        .order_by(e.c.seq)
        .limit(1)
    )
    row = (await conn.execute(unbalanced)).first()
    if row is not None:
        return f"entry {row[0]} does not balance: its {row[1]} postings sum to {row[2]}, not 0"

    orphan = (
        select(p.c.id, p.c.entry_seq)
        .select_from(p.outerjoin(e, e.c.seq == p.c.entry_seq))
        .where(e.c.seq.is_(None))
        .limit(1)
    )
    row = (await conn.execute(orphan)).first()
    if row is not None:
        return f"posting {row[0]} belongs to no entry (entry seq {row[1]})"

    summed = await balances_from_postings(conn)
    stored = await stored_balances(conn)
    for key in sorted(set(summed) | set(stored)):
        want, have = summed.get(key, (0, 0)), stored.get(key, (0, 0))
        if want != have:
            account, currency = key
            return (
                f"balance of {account} {currency} is debits={have[0]} credits={have[1]} "
                f"but its postings sum to debits={want[0]} credits={want[1]}"
            )
    return None
