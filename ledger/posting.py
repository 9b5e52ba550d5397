"""Posting journal entries: validated, idempotent by an id derived from their cause.

An entry is written on the caller's connection, inside the caller's transaction (the one
that changes the payment, refund or payout), so the state change and its entry commit or
vanish together. Posting the same cause again is harmless: the entry id is a hash of the
cause, the insert does nothing when the id exists, and nothing else is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from ledger.chart import Kind, is_account, is_currency
from ledger.errors import EntryConflict, InvalidEntry
from ledger.schema import STRIPES, balances, entries, postings

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    currency: str
    amount: int  # debit > 0, credit < 0, minor units

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "currency": self.currency, "amount": self.amount}


@dataclass(frozen=True, slots=True)
class Posted:
    entry_id: str
    # False: the cause had been posted before (nothing written now); None: deferred (``post``
    # with ``defer``): sent with the transaction's gathered writes, written or already there
    # with the same postings (other postings make that statement fail with EntryConflict)
    created: bool | None


def entry_id(cause: str) -> str:
    """``je_`` + 26 base32 characters of SHA-256(cause): the same cause, the same id."""
    value = int.from_bytes(hashlib.sha256(cause.encode()).digest()[:17], "big") >> 6  # 130 bits
    out = []
    for _ in range(26):
        value, rem = divmod(value, 32)
        out.append(_ALPHABET[rem])
    return "je_" + "".join(out)


def stripe_of(key: str) -> int:
    return zlib.crc32(key.encode()) % STRIPES


def validate(lines: Sequence[Posting]) -> None:
    """Raise :class:`InvalidEntry` unless ``lines`` are a balanced double entry."""
    if len(lines) < 2:
        raise InvalidEntry("an entry needs at least two postings")
    sums: dict[str, int] = defaultdict(int)
    for p in lines:
        if type(p.amount) is not int:
            raise InvalidEntry(f"amount {p.amount!r} is not an integer number of minor units")
        if p.amount == 0:
            raise InvalidEntry(f"a posting of zero to {p.account!r} moves nothing")
        if not is_account(p.account):
            raise InvalidEntry(f"{p.account!r} is not an account of the chart")
        if not is_currency(p.currency):
            raise InvalidEntry(f"{p.currency!r} is not an ISO 4217 currency code")
        sums[p.currency] += p.amount
    unbalanced = {c: s for c, s in sums.items() if s != 0}
    if unbalanced:
        raise InvalidEntry(f"postings do not sum to zero per currency: {unbalanced}")


def transfer(debit: str, credit: str, currency: str, amount: int) -> list[Posting]:
    """The common two-line entry: ``amount`` (> 0) from ``credit`` to ``debit``."""
    if type(amount) is not int or amount <= 0:
        raise InvalidEntry(f"a transfer needs a positive integer amount, not {amount!r}")
    return [Posting(debit, currency, amount), Posting(credit, currency, -amount)]


# statements built once per shape (the posting path runs inside every capture)
_STMTS: dict[tuple[str, str, int], Any] = {}


def _entry_insert(dialect: str) -> Any:
    key = (dialect, "entry", 0)
    stmt = _STMTS.get(key)
    if stmt is None:
        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(entries)
        stmt = _STMTS[key] = ins.on_conflict_do_nothing(index_elements=["id"]).returning(entries.c.seq)
    return stmt


def _postings_insert(dialect: str, n: int) -> Any:
    key = (dialect, "postings", n)
    stmt = _STMTS.get(key)
    if stmt is None:
        rows: list[dict[str, Any]] = [
            {
                "entry_seq": bindparam("seq"),
                "account": bindparam(f"a{i}"),
                "currency": bindparam(f"c{i}"),
                "amount": bindparam(f"m{i}"),
            }
            for i in range(n)
        ]
        ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = _STMTS[key] = ins(postings).values(rows)
    return stmt


def _balances_upsert(dialect: str, n: int) -> Any:
    key = (dialect, "balances", n)
    stmt = _STMTS.get(key)
    if stmt is None:
        rows: list[dict[str, Any]] = [
            {
                "account": bindparam(f"ba{i}"),
                "currency": bindparam(f"bc{i}"),
                "stripe": bindparam("stripe"),
                "debits": bindparam(f"bd{i}"),
                "credits": bindparam(f"bk{i}"),
            }
            for i in range(n)
        ]
        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(balances).values(rows)
        stmt = _STMTS[key] = ins.on_conflict_do_update(
            index_elements=["account", "currency", "stripe"],
            set_={
                "debits": balances.c.debits + ins.excluded.debits,
                "credits": balances.c.credits + ins.excluded.credits,
            },
        )
    return stmt


class RawSql(Protocol):
    """Statements as SQL text on the driver connection under an AsyncConnection, in its
    transaction (the hub passes ``hub.services.postings``' executor: ``fetchrow`` sends the
    writes gathered before it first; ``write_group`` adds statements to them). ``driver``
    returns ``None`` where the Core statements are to be used (SQLite); with ``begin`` it
    begins the connection's transaction if it is not yet (a statement sent on its own must be
    in it)."""

    async def driver(self, conn: AsyncConnection, *, begin: bool = True) -> Any | None: ...
    async def fetchrow(
        self, conn: AsyncConnection, drv: Any, sql: str, args: Sequence[Any]
    ) -> Any | None: ...
    async def write_group(
        self,
        conn: AsyncConnection,
        drv: Any,
        parts: Sequence[tuple[str, Sequence[Any]]],
        *,
        rows: Sequence[tuple[str, Any]] = (),
        conflict: tuple[str, Callable[[], Exception]] | None = None,
    ) -> bool: ...


_PG_POST: dict[tuple[int, int], str] = {}
_PARAM = re.compile(r"\$(\d+)")


def _pg_post(n: int, m: int) -> str:
    """PostgreSQL: the entry, its postings and its stripe upserts in ONE statement (one round
    trip); when the id exists, ``e`` is empty and nothing else is written. The first three
    writes of :func:`_pg_deferred` as CTEs, their parameters one after the other (the entry's
    five, 3 per posting line, the stripe and 4 per (account, currency) sum): sent through
    ``raw`` on the driver, or through SQLAlchemy's ``exec_driver_sql``."""
    sql = _PG_POST.get((n, m))
    if sql is None:
        entry, lines, sums, _ = _pg_deferred(n, m)

        def shifted(part: str, offset: int) -> str:
            return _PARAM.sub(lambda g: f"${int(g[1]) + offset}", part).replace("@w0", "e")

        p, b = shifted(lines, 5), shifted(sums, 5 + 3 * n)
        sql = _PG_POST[(n, m)] = f"WITH e AS ({entry}), p AS ({p}), b AS ({b}) SELECT seq FROM e"
    return sql


_ENTRY_ID_UNIQUE = "uq_ledger_entries_id"  # hub migration 0007


def _pg_deferred(n: int, m: int) -> list[str]:
    """PostgreSQL: an entry of ``n`` posting lines and ``m`` (account, currency) sums as four
    writes for ``RawSql.write_group`` (``@w0``: the entry's new row): the entry; its postings;
    its stripe upserts; and, when the id existed (``@w0`` empty) with other postings than
    these, the entry's INSERT again, without ON CONFLICT, which fails on
    ``uq_ledger_entries_id``: the statement, and the transaction with it, refuses the entry as
    :func:`_same_as_stored` would. Parameters per part: the entry $1-$5; 3 per line; the
    stripe, then 4 per sum; the check the entry's five and the sorted lines as text."""
    entry = (
        "INSERT INTO ledger_entries (id, cause, kind, resource, created_at) "
        "VALUES ($1, $2, $3, $4, $5::timestamptz) ON CONFLICT (id) DO NOTHING RETURNING seq"
    )
    lines = ", ".join(
        f"(${1 + 3 * i}::varchar, ${2 + 3 * i}::varchar, ${3 + 3 * i}::bigint)" for i in range(n)
    )
    sums = ", ".join(
        f"(${2 + 4 * i}::varchar, ${3 + 4 * i}::varchar, ${4 + 4 * i}::bigint, ${5 + 4 * i}::bigint)"
        for i in range(m)
    )
    return [
        entry,
        "INSERT INTO ledger_postings (entry_seq, account, currency, amount) "
        f"SELECT e.seq, v.account, v.currency, v.amount FROM @w0 AS e, (VALUES {lines}) AS v(account, currency, amount)",
        "INSERT INTO ledger_balances (account, currency, stripe, debits, credits) "
        "SELECT v.account, v.currency, $1::integer, v.debits, v.credits "
        f"FROM @w0 AS e, (VALUES {sums}) AS v(account, currency, debits, credits) "
        "ON CONFLICT (account, currency, stripe) DO UPDATE SET "
        "debits = ledger_balances.debits + excluded.debits, "
        "credits = ledger_balances.credits + excluded.credits",
        "INSERT INTO ledger_entries (id, cause, kind, resource, created_at) "
        "SELECT $1::varchar, $2::varchar, $3::varchar, $4::varchar, $5::timestamptz "
        "WHERE CASE WHEN EXISTS (SELECT 1 FROM @w0) THEN false ELSE "
        "(SELECT coalesce(array_agg(p.account || ' ' || p.currency || ' ' || p.amount "
        'ORDER BY p.account COLLATE "C", p.currency COLLATE "C", p.amount), \'{}\') FROM ledger_postings p '
        "JOIN ledger_entries le ON le.seq = p.entry_seq WHERE le.id = $1::varchar) IS DISTINCT FROM $6::text[] END",
    ]


async def post(
    conn: AsyncConnection,
    *,
    kind: Kind | str,
    cause: str,
    resource: str | None,
    lines: Sequence[Posting],
    now: dt.datetime,
    raw: RawSql | None = None,
    defer: bool = False,
) -> Posted:
    """Write one journal entry on ``conn`` (in its transaction), once per ``cause``. ``raw``:
    send the statement as SQL text on the driver (PostgreSQL), without SQLAlchemy's cost.
    ``defer`` (with ``raw``): add the entry to the writes ``raw`` gathers on ``conn``, if it
    gathers any, to go in their statement (no round trip of its own); ``created`` is then
    ``None``, and an entry of the same cause with other postings fails that statement with
    :class:`EntryConflict`."""
    kind = Kind(kind)
    validate(lines)
    eid = entry_id(cause)
    # one stripe row per (account, currency) this entry touches, in a fixed order, sums folded
    # first (one statement may not hit a row twice). The stripe follows the resource: the
    # entries one transaction writes (a payout and its return, captures of one payment) land
    # on the same rows, so two transactions never take each other's stripes in opposite orders
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for p in lines:
        totals[(p.account, p.currency)][0 if p.amount > 0 else 1] += abs(p.amount)
    folded = sorted(totals.items())
    stripe = stripe_of(resource or eid)

    if conn.dialect.name == "postgresql":
        head: list[Any] = [eid, cause, kind.value, resource, now]
        flat: list[Any] = [a for p in lines for a in (p.account, p.currency, p.amount)]
        sums_args: list[Any] = [stripe]
        for (account, currency), (debits, credits) in folded:
            sums_args += (account, currency, debits, credits)
        # deferred: the driver without BEGIN (the gathered statement may be the block's only one)
        drv = await raw.driver(conn, begin=False) if defer and raw is not None else None
        if drv is not None and raw is not None:
            mine = sorted((p.account, p.currency, p.amount) for p in lines)
            check = [*head, [f"{a} {c} {m}" for a, c, m in mine]]
            parts = list(
                zip(_pg_deferred(len(lines), len(folded)), (head, flat, sums_args, check), strict=True)
            )
            written = [
                ("ledger_entries", eid),
                *(("ledger_balances", (a, c, stripe)) for (a, c), _ in folded),
            ]
            error = EntryConflict(f"entry {eid} exists with other postings than {mine}")
            if await raw.write_group(
                conn, drv, parts, rows=written, conflict=(_ENTRY_ID_UNIQUE, lambda: error)
            ):
                return Posted(eid, created=None)
        drv = await raw.driver(conn) if raw is not None else None  # in the transaction, begun
        args = [*head, *flat, *sums_args]
        sql = _pg_post(len(lines), len(folded))
        if drv is not None and raw is not None:
            row = await raw.fetchrow(conn, drv, sql, args)
            seq = None if row is None else row["seq"]
        else:
            seq = (await conn.exec_driver_sql(sql, tuple(args))).scalar()
    else:
        entry = {"id": eid, "cause": cause, "kind": kind.value, "resource": resource, "created_at": now}
        seq = (await conn.execute(_entry_insert(conn.dialect.name), entry)).scalar()
        if seq is not None:
            rows: dict[str, Any] = {"seq": seq}
            for i, p in enumerate(lines):
                rows[f"a{i}"], rows[f"c{i}"], rows[f"m{i}"] = p.account, p.currency, p.amount
            await conn.execute(_postings_insert(conn.dialect.name, len(lines)), rows)
            sums: dict[str, Any] = {"stripe": stripe}
            for i, ((account, currency), (debits, credits)) in enumerate(folded):
                sums[f"ba{i}"], sums[f"bc{i}"], sums[f"bd{i}"], sums[f"bk{i}"] = account, currency, debits, credits
            await conn.execute(_balances_upsert(conn.dialect.name, len(folded)), sums)
    if seq is None:
        await _same_as_stored(conn, eid, lines)
        return Posted(eid, created=False)
    return Posted(eid, created=True)


async def _same_as_stored(conn: AsyncConnection, eid: str, lines: Sequence[Posting]) -> None:
    rows = (
        await conn.execute(
            select(postings.c.account, postings.c.currency, postings.c.amount)
            .join(entries, entries.c.seq == postings.c.entry_seq)
            .where(entries.c.id == eid)
        )
    ).all()
    stored = sorted((r.account, r.currency, r.amount) for r in rows)
    if stored != sorted((p.account, p.currency, p.amount) for p in lines):
        raise EntryConflict(f"entry {eid} exists with other postings: {stored}")


def reversal(lines: Sequence[Posting]) -> list[Posting]:
    """The postings that undo ``lines`` (a correction is a new entry, never an edit)."""
    return [Posting(p.account, p.currency, -p.amount) for p in lines]
