"""Bulk-load payments rows straight into the hub's ``payments`` table (PostgreSQL generate_series),
in the shape hub/store/tables.py defines, so authorize latency can be measured with 10k and with
1M payments already stored.

Columns are read from the table definition: known ones get realistic values, and a NOT NULL
column added later gets a neutral value of its type, so the loader keeps up with the schema.
"""

from __future__ import annotations

import time

import asyncpg
from sqlalchemy import JSON, BigInteger, Boolean, Column, DateTime, Float, Integer, String, Table, Text
from sqlalchemy.types import TypeDecorator

from hub.store import tables as t

# tables that grow with every payment; truncated before the scale test so "10k stored" is true
GROWING = (
    "payments",
    "operations",
    "operation_attempts",
    "events",
    "payment_methods",
    "refunds",
    "idempotency_keys",
)

_KNOWN: dict[str, str] = {
    "id": "'pay_' || lpad(to_hex(g), 26, '0')",  # sorts before every new (time-ordered) id
    "owner": "'default'",
    "account_id": "'sim'",
    "status": "(ARRAY['authorized','captured','refunded','failed','voided'])[1 + g % 5]",
    "amount": "1000 + g % 9000",
    "currency": "'EUR'",
    "capture_mode": "'manual'",
    "amount_captured": "0",
    "amount_refunded": "0",
    "provider_reference": "'ch_scale_' || g",
    "payment_method": """'{"type": "card", "brand": "visa", "last4": "4242"}'::json""",
    "metadata": "'{}'::json",
    "reference": "'scale-' || g",
    "created_at": "now() - make_interval(secs => g)",
    "updated_at": "now() - make_interval(secs => g)",
}


def _neutral(column: Column[object]) -> str:
    typ = column.type
    if isinstance(typ, TypeDecorator):
        typ = typ.impl_instance
    if isinstance(typ, JSON):
        return "'{}'::json"
    if isinstance(typ, Boolean):
        return "false"
    if isinstance(typ, (BigInteger, Integer, Float)):
        return "0"
    if isinstance(typ, DateTime):
        return "now()"
    if isinstance(typ, (String, Text)):
        return "'x'"
    raise TypeError(f"payments.{column.name}: no bulk value for type {typ!r}")


def insert_sql(table: Table = t.payments) -> str:
    """``INSERT INTO payments (...) SELECT ... FROM generate_series($1, $2) g``."""
    names, values = [], []
    for column in table.columns:
        if column.name in _KNOWN:
            expr = _KNOWN[column.name]
        elif not column.nullable:
            expr = _neutral(column)
        else:
            continue
        names.append(f'"{column.name}"')
        values.append(expr)
    return (
        f'INSERT INTO "{table.name}" ({", ".join(names)}) '
        f"SELECT {', '.join(values)} FROM generate_series($1::bigint, $2::bigint) AS g"
    )


async def truncate_growing(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        present = {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        names = [n for n in GROWING if n in present]
        if names:
            await conn.execute("TRUNCATE " + ", ".join(f'"{n}"' for n in names))
    finally:
        await conn.close()


async def fill_to(dsn: str, start: int, stop: int, *, batch: int = 200_000) -> float:
    """Insert rows numbered ``start+1 .. stop``; VACUUM ANALYZE after. Returns seconds taken."""
    began = time.perf_counter()
    sql = insert_sql()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET synchronous_commit = off")  # a bulk load, not the measured path
        lo = start + 1
        while lo <= stop:
            hi = min(stop, lo + batch - 1)
            await conn.execute(sql, lo, hi)
            lo = hi + 1
        await conn.execute("VACUUM (ANALYZE) payments")
    finally:
        await conn.close()
    return time.perf_counter() - began


async def count_payments(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM payments"))
    finally:
        await conn.close()
