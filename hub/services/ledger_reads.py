"""The ledger as the API shows it (DESIGN §13): accounts with balances, entries cursor paged."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import ledger
from hub.domain.errors import NotFound, ValidationFailed
from hub.store import tables as t
from hub.store.repo import iso

_ENTRY_ID = re.compile(r"^je_[0-9a-z]{26}$")


def _account(name: str, balances: list[ledger.Balance]) -> dict[str, Any]:
    return {
        "object": "ledger_account",
        "name": name,
        "description": ledger.meaning(name),
        "balances": [b.to_dict() for b in balances],
    }


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "object": "ledger_entry",
        "resource": row["resource"],
        "kind": row["kind"],
        "postings": row["postings"],
        "created_at": iso(row["created_at"]),
    }


class LedgerReads:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _chart(self) -> list[str]:
        """The fixed accounts, ``provider:{a}`` for every provider account, and anything posted to."""
        async with self.engine.connect() as conn:
            ids = list((await conn.execute(select(t.accounts.c.id))).scalars())
            posted = await ledger.known_accounts(conn)
        names = set(ledger.FIXED) | {ledger.provider(a) for a in ids if ledger.is_account(f"provider:{a}")}
        return sorted(names | set(posted))

    async def accounts(self) -> dict[str, Any]:
        names = await self._chart()
        async with self.engine.connect() as conn:
            balances = await ledger.all_balances(conn)
        return {
            "object": "list",
            "data": [_account(n, balances.get(n, [])) for n in names],
            "has_more": False,
            "next_cursor": None,
        }

    async def account(self, name: str) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            balances = await ledger.account_balances(conn, name)
        if not balances and name not in await self._chart():
            raise NotFound(f"no ledger account {name!r}")
        return _account(name, balances)

    async def entries(
        self,
        *,
        account: str | None,
        resource: str | None,
        created_gte: dt.datetime | None,
        created_lt: dt.datetime | None,
        cursor: str | None,
        limit: int,
    ) -> dict[str, Any]:
        if cursor is not None and not _ENTRY_ID.match(cursor):
            raise ValidationFailed("cursor is not valid", field="cursor")
        async with self.engine.connect() as conn:
            page = await ledger.entries_page(
                conn, account=account, resource=resource, created_gte=created_gte,
                created_lt=created_lt, after=cursor, limit=limit,
            )  # fmt: skip
        data = [_entry(r) for r in page.entries]
        return {
            "object": "list",
            "data": data,
            "has_more": page.has_more,
            "next_cursor": data[-1]["id"] if page.has_more else None,
        }
