"""PostgreSQL hot path: statements sent through asyncpg directly, inside SQLAlchemy's transaction.

SQLAlchemy Core costs about 0.2 ms of CPU per statement on top of asyncpg's own ~0.07 ms
(``python -m benchmarks.statements``), and a payment is a dozen statements. On PostgreSQL the
helpers of :mod:`hub.store.repo` (and the idempotency key, the outbox and the audit log) send
their fixed statements as plain SQL text through the asyncpg connection that the
:class:`~sqlalchemy.ext.asyncio.AsyncConnection` holds:

* the same connection and the same transaction: :func:`driver` begins the transaction that
  SQLAlchemy's asyncpg adapter would have begun lazily at its first statement, so a raw statement
  and a Core statement in one ``engine.begin()`` block commit or roll back together;
* the same values: JSON columns are bound as their JSON text (``None`` as JSON ``null``,
  as SQLAlchemy's ``JSON`` type does) and read back decoded by the codec the adapter installed;
  times are timezone-aware both ways;
* the same errors: a PostgreSQL error is raised as the SQLAlchemy exception the adapter would
  have raised (``IntegrityError`` for a unique violation, ...), so callers catch what they did;
* asyncpg's statement cache: each SQL text is prepared once per connection.

Every other dialect (SQLite, the embedded default) gets ``None`` from :func:`driver` and the
caller runs its Core statement: the same service code on both databases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import msgspec
from sqlalchemy import JSON, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

Row = dict[str, Any]
GATHERED = "payhub.gathered"  # conn.info key of the writes hub.store.gather holds back
OWN_TRANSACTION = "payhub.own_transaction"  # conn.info key: the block begins/ends the adapter's transaction

_JSON_COLUMNS: dict[str, frozenset[str]] = {}


class Stale(Exception):
    """An optimistic block (:mod:`hub.store.optimistic`) cannot end as its one guarded statement:
    it needs another statement first (a read, a transaction), or what it decided on changed
    since it was read. Nothing of the block was written; the caller takes its locked path."""


def _optimistic(sync: Any) -> bool:
    g = sync.info.get(GATHERED)
    return g is not None and g.expected is not None


def json_columns(table: Table) -> frozenset[str]:
    cols = _JSON_COLUMNS.get(table.name)
    if cols is None:
        cols = _JSON_COLUMNS[table.name] = frozenset(c.name for c in table.c if isinstance(c.type, JSON))
    return cols


def json_text(value: Any) -> str:
    """What SQLAlchemy's JSON type binds: the JSON text, ``None`` as ``null``."""
    return msgspec.json.encode(value).decode()


def bind(table: Table, names: Sequence[str], values: Mapping[str, Any]) -> list[Any]:
    """The positional arguments for ``names`` of ``table``, JSON columns as their text."""
    js = json_columns(table)
    return [json_text(values[n]) if n in js else values[n] for n in names]


async def driver(conn: AsyncConnection, *, begin: bool = True) -> asyncpg.Connection | None:
    """The asyncpg connection under ``conn`` (PostgreSQL only; ``None`` on any other dialect)
    with its transaction begun, as SQLAlchemy's autobegin and its adapter would have done at
    the first statement. ``begin=False``: a lone read that needs no transaction.

    Inside :func:`hub.store.gather.transaction` / ``atomic`` the block's transaction is the
    adapter's alone (SQLAlchemy's is not begun, so its commit is not paid): it is begun here."""
    if conn.dialect.name != "postgresql":
        return None
    sync: Any = conn.sync_connection
    adapted: Any = sync.connection.dbapi_connection
    if sync.info.get(OWN_TRANSACTION):
        if begin and adapted._transaction is None:
            if _optimistic(sync):
                raise Stale("the block needs a transaction")
            await adapted._start_transaction()
        return adapted._connection  # type: ignore[no-any-return]
    if begin and not sync.in_transaction():
        sync._autobegin()  # what Connection.execute does first (no I/O: the adapter begins lazily)
    if adapted._transaction is None and sync.in_transaction():
        await adapted._start_transaction()  # what the adapter does before its first statement
    return adapted._connection  # type: ignore[no-any-return]


async def end_own_transaction(conn: AsyncConnection, *, commit: bool) -> None:
    """COMMIT (or ROLLBACK) the adapter's transaction begun by :func:`driver` in a block that
    owns it, straight on asyncpg; the adapter is told it is over."""
    adapted: Any = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    tx, adapted._transaction = adapted._transaction, None
    if tx is None:
        return
    try:
        await (tx.commit() if commit else tx.rollback())
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise translated(conn, "COMMIT" if commit else "ROLLBACK", (), exc) from exc


async def _gathered_first(conn: AsyncConnection) -> None:
    """Writes gathered on ``conn`` (hub.store.gather) go out before any other statement."""
    g = conn.sync_connection.info.get(GATHERED)  # type: ignore[union-attr]
    if g is not None and g.expected is not None:
        raise Stale("the block sends a statement of its own")  # unguarded: it could decide on news
    if g is not None and g:
        from hub.store import gather  # imports this module

        await gather.flush(conn)


def translated(conn: AsyncConnection, sql: str, args: Sequence[Any], error: Exception) -> Exception:
    adapted: Any = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    try:
        adapted._handle_exception(error)  # raises the adapter's DBAPI-level error
    except Exception as dbapi_error:
        return DBAPIError.instance(sql, list(args), dbapi_error, adapted.dbapi.Error, dialect=conn.dialect)
    return error  # pragma: no cover - _handle_exception always raises


async def fetchrow(
    conn: AsyncConnection, drv: asyncpg.Connection, sql: str, args: Sequence[Any]
) -> Row | None:
    await _gathered_first(conn)
    try:
        record = await drv.fetchrow(sql, *args)
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise translated(conn, sql, args, exc) from exc
    return None if record is None else dict(record)


async def fetch(conn: AsyncConnection, drv: asyncpg.Connection, sql: str, args: Sequence[Any]) -> list[Row]:
    await _gathered_first(conn)
    try:
        records = await drv.fetch(sql, *args)
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise translated(conn, sql, args, exc) from exc
    return [dict(r) for r in records]


async def execute(conn: AsyncConnection, drv: asyncpg.Connection, sql: str, args: Sequence[Any]) -> str:
    """Run one statement; returns its status tag (``"UPDATE 1"``, ...)."""
    await _gathered_first(conn)
    try:
        return await drv.execute(sql, *args)  # type: ignore[no-any-return]
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise translated(conn, sql, args, exc) from exc


async def executemany(
    conn: AsyncConnection, drv: asyncpg.Connection, sql: str, rows: Sequence[Sequence[Any]]
) -> None:
    """One statement for many rows (asyncpg pipelines them in one round trip)."""
    await _gathered_first(conn)
    try:
        await drv.executemany(sql, rows)
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise translated(conn, sql, rows, exc) from exc


def rowcount(status: str) -> int:
    """The row count of a status tag: ``"UPDATE 3"`` -> 3, ``"INSERT 0 1"`` -> 1."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0
