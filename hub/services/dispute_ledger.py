"""Where dispute money movements meet the ledger (DESIGN §13).

:func:`post_dispute_movement` is called by :mod:`hub.services.dispute_outcomes` exactly where
the provider withdraws a disputed amount from the merchant (``dispute_withdrawal``: debit
``disputes``, credit ``provider:{account}``) or gives it back (``dispute_reinstatement``: the
reverse), on the same connection and inside the same transaction as the dispute's state
change, so the entry commits or vanishes with it. The dispute row records what is withdrawn
(``amount_withdrawn``), so every call is for a real change and never repeated for the same
news.

Each call writes one journal entry with ``resource = dispute["id"]`` through
:mod:`hub.services.postings`. Its cause is the dispute id with the number of entries of that
kind the dispute already has, so the same movement retried in a rolled-back transaction posts
the same id (and once), while a second withdrawal after a reinstatement posts anew.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.services import postings
from hub.store.repo import Row
from ledger.schema import entries as le

MovementKind = Literal["dispute_withdrawal", "dispute_reinstatement"]
KINDS: frozenset[str] = frozenset({"dispute_withdrawal", "dispute_reinstatement"})


async def post_dispute_movement(conn: AsyncConnection, dispute: Row, kind: str, amount: int) -> None:
    """Post ``amount`` (minor units of ``dispute["currency"]``, > 0) as ``kind`` for ``dispute``.

    ``dispute_withdrawal``: debit ``disputes``, credit ``provider:{dispute["account_id"]}``;
    ``dispute_reinstatement``: debit ``provider:{account}``, credit ``disputes``.
    """
    if kind not in KINDS:
        raise ValueError(f"not a dispute movement: {kind!r}")
    if amount <= 0:
        raise ValueError("a dispute movement moves a positive amount")
    earlier = await conn.scalar(
        select(func.count()).select_from(le).where(le.c.resource == dispute["id"], le.c.kind == kind)
    )
    post = postings.dispute_withdrawal if kind == "dispute_withdrawal" else postings.dispute_reinstatement
    await post(
        conn,
        dispute_id=dispute["id"],
        account_id=dispute["account_id"],
        currency=dispute["currency"],
        amount=amount,
        cause=f"{dispute['id']}:{int(earlier or 0) + 1}",
        now=dt.datetime.now(dt.UTC),
    )
