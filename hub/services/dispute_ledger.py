"""Where dispute money movements meet the ledger (DESIGN §13).

:func:`post_dispute_movement` is called by :mod:`hub.services.dispute_outcomes` exactly where
the provider withdraws a disputed amount from the merchant (``dispute_withdrawal``: debit
``disputes``, credit ``provider:{account}``) or gives it back (``dispute_reinstatement``: the
reverse), on the same connection and inside the same transaction as the dispute's state
change, so the entry commits or vanishes with it. The dispute row records what is withdrawn
(``amount_withdrawn``), so every call is for a real change and never repeated for the same
news.

The body is a documented no-op until the ledger package is wired in: it then writes one
journal entry with ``resource = dispute["id"]`` and ``kind`` as given.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.store.repo import Row

MovementKind = Literal["dispute_withdrawal", "dispute_reinstatement"]
KINDS: frozenset[str] = frozenset({"dispute_withdrawal", "dispute_reinstatement"})


async def post_dispute_movement(conn: AsyncConnection, dispute: Row, kind: str, amount: int) -> None:
    """Post ``amount`` (minor units of ``dispute["currency"]``, > 0) as ``kind`` for ``dispute``.

    ``dispute_withdrawal``: debit ``disputes``, credit ``provider:{dispute["account_id"]}``;
    ``dispute_reinstatement``: debit ``provider:{account}``, credit ``disputes``.
    No-op for now (the ledger is wired here at merge)."""
    if kind not in KINDS:
        raise ValueError(f"not a dispute movement: {kind!r}")
    if amount <= 0:
        raise ValueError("a dispute movement moves a positive amount")
    return None
