"""Balances: the sum of an account's stripe rows (flat cost however many entries exist)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ledger.schema import balances as b
from ledger.schema import entries as e
from ledger.schema import postings as p


@dataclass(frozen=True, slots=True)
class Balance:
    currency: str
    debits: int
    credits: int  # total of the credits, as a positive number

    @property
    def balance(self) -> int:
        return self.debits - self.credits

    def to_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "debits": self.debits,
            "credits": self.credits,
            "balance": self.balance,
        }


_ALL = (
    select(b.c.account, b.c.currency, func.sum(b.c.debits), func.sum(b.c.credits))
    .group_by(b.c.account, b.c.currency)
    .order_by(b.c.account, b.c.currency)
)
_ONE = (
    select(b.c.account, b.c.currency, func.sum(b.c.debits), func.sum(b.c.credits))
    .where(b.c.account == bindparam("account"))
    .group_by(b.c.account, b.c.currency)
    .order_by(b.c.currency)
)


async def all_balances(conn: AsyncConnection) -> dict[str, list[Balance]]:
    """Every account that has postings, with one balance per currency."""
    out: dict[str, list[Balance]] = defaultdict(list)
    for account, currency, debits, credits in (await conn.execute(_ALL)).all():
        out[account].append(Balance(currency, int(debits), int(credits)))
    return dict(out)


async def account_balances(conn: AsyncConnection, account: str) -> list[Balance]:
    rows = (await conn.execute(_ONE, {"account": account})).all()
    return [Balance(currency, int(debits), int(credits)) for _, currency, debits, credits in rows]


def _debits() -> Any:
    return func.coalesce(func.sum(case((p.c.amount > 0, p.c.amount), else_=0)), 0)


def _credits() -> Any:
    return func.coalesce(func.sum(case((p.c.amount < 0, -p.c.amount), else_=0)), 0)


async def balances_from_postings(conn: AsyncConnection) -> dict[tuple[str, str], tuple[int, int]]:
    """(account, currency) -> (debits, credits) summed from the postings themselves (verify)."""
    stmt = select(p.c.account, p.c.currency, _debits(), _credits()).group_by(p.c.account, p.c.currency)
    return {(a, c): (int(d), int(k)) for a, c, d, k in (await conn.execute(stmt)).all()}


async def stored_balances(conn: AsyncConnection) -> dict[tuple[str, str], tuple[int, int]]:
    return {(a, c): (int(d), int(k)) for a, c, d, k in (await conn.execute(_ALL)).all()}


async def totals_by_resource(conn: AsyncConnection, account: str) -> dict[str, dict[str, tuple[int, int]]]:
    """resource -> currency -> (debits, credits) that ``account`` received from its entries."""
    stmt = (
        select(e.c.resource, p.c.currency, _debits(), _credits())
        .join(e, e.c.seq == p.c.entry_seq)
        .where(p.c.account == account, e.c.resource.is_not(None))
        .group_by(e.c.resource, p.c.currency)
    )
    out: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for resource, currency, debits, credits in (await conn.execute(stmt)).all():
        out[resource][currency] = (int(debits), int(credits))
    return dict(out)
