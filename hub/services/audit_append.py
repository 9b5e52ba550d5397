"""PostgreSQL audit appends in two statements and no transaction (the group commit's path).

The chain must never fork: every record's ``seq`` is the head's plus one and its
``prev_hash`` the head's hash. :meth:`hub.services.audit.AuditLog.append_in` (a record
inside the caller's transaction, e.g. an admin settle) takes the append lock
(``pg_advisory_xact_lock``) before it reads the head and holds it until its commit. The
group commit of the API's records (``AuditLog._drain``) needs no transaction of its own:

1. the head (seq, hash) is read on its own;
2. the batch, numbered and chained after it, is ONE INSERT that first takes the same lock
   (in the statement: held until that statement commits, a moment later). So it cannot
   come between a locked writer's head read and its insert.

If another writer appended after step 1, the first ``seq`` collides with its record (the
primary key refuses it, nothing is written), and the batch is chained again on the new
head and sent again. Two round trips instead of five (BEGIN, lock, head, insert, COMMIT).

Step 1 is skipped while the process knows the head (:class:`Head`: the last record it
appended itself). That is safe for the same reason: seqs are contiguous and records are never
deleted, so if ``seq`` = known + 1 is still free the known head IS the head, and if another
writer took it the primary key refuses the batch, the head is read again and the batch
re-chained. One round trip per batch while this process is the only writer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.store import fast
from hub.store import tables as t

Row = dict[str, Any]

# pg_advisory_xact_lock key that serialises audit appends ("payhub audit" in spirit).
ADVISORY_LOCK_KEY = 0x7061796875620006
HEAD = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
ATTEMPTS = 100  # re-chained this often at most (each time another writer appended first)
_PKEY = "pk_audit_log"
_SQL: dict[tuple[tuple[str, ...], int, bool], str] = {}


def _sql(names: tuple[str, ...], n: int, lock: bool) -> str:
    key = (names, n, lock)
    sql = _SQL.get(key)
    if sql is not None:
        return sql
    cols = ", ".join(f'"{c}"' for c in names)
    first = 2 if lock else 1
    if lock:  # VALUES under a SELECT: the types are not taken from the columns, so cast
        dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
        types = [t.audit_log.c[c].type.compile(dialect=dialect) for c in names]
        rows = ", ".join(
            "(" + ", ".join(f"${first + i * len(names) + j}::{types[j]}" for j in range(len(names))) + ")"
            for i in range(n)
        )
        sql = (
            "WITH l AS (SELECT pg_advisory_xact_lock($1)) "
            f"INSERT INTO audit_log ({cols}) SELECT v.* FROM (VALUES {rows}) AS v({cols}) CROSS JOIN l"
        )
    else:
        rows = ", ".join(
            "(" + ", ".join(f"${first + i * len(names) + j}" for j in range(len(names))) + ")" for i in range(n)
        )
        sql = f"INSERT INTO audit_log ({cols}) VALUES {rows}"
    _SQL[key] = sql
    return sql


def _args(records: list[Row], names: tuple[str, ...], lock: bool) -> list[Any]:
    args: list[Any] = [ADVISORY_LOCK_KEY] if lock else []
    for record in records:
        args.extend(fast.bind(t.audit_log, names, record))
    return args


async def insert(conn: AsyncConnection, drv: asyncpg.Connection, records: list[Row], *, lock: bool) -> None:
    """The chained ``records`` in one INSERT (``lock``: the statement takes the append lock)."""
    names = tuple(records[0])
    await fast.execute(conn, drv, _sql(names, len(records), lock), _args(records, names, lock))


class Head:
    """The head (seq, hash) this process last appended, while it may still be the log's."""

    __slots__ = ("known", "value")

    def __init__(self) -> None:
        self.known = False
        self.value: tuple[int, str] | None = None

    def forget(self) -> None:
        self.known, self.value = False, None


async def append_alone(
    engine: AsyncEngine,
    records: list[Row],
    link: Callable[[list[Row], tuple[int, str] | None], None],
    head: Head | None = None,
) -> list[Row]:
    """Append ``records`` (chained by ``link`` after the log's head) on their own.

    ``head``: the head this process knows (read only when unknown; updated after each append)."""
    head = head if head is not None else Head()
    for _ in range(ATTEMPTS):
        async with engine.connect() as conn:
            drv = await fast.driver(conn, begin=False)
            assert drv is not None
            if not head.known:
                found = await fast.fetchrow(conn, drv, HEAD, ())
                head.known, head.value = True, (found["seq"], found["hash"]) if found is not None else None
            link(records, head.value)
            names = tuple(records[0])
            sql, args = _sql(names, len(records), True), _args(records, names, True)
            try:
                await drv.execute(sql, *args)
            except asyncpg.UniqueViolationError as exc:
                head.forget()
                if exc.constraint_name == _PKEY:
                    continue  # another writer took these seqs: chain again on the new head
                raise fast.translated(conn, sql, args, exc) from exc
            except BaseException as exc:  # whether it was written is unknown: read the head next time
                head.forget()
                if isinstance(exc, (asyncpg.PostgresError, asyncpg.InterfaceError)):
                    raise fast.translated(conn, sql, args, exc) from exc
                raise
            head.known, head.value = True, (records[-1]["seq"], records[-1]["hash"])
            return records
    raise RuntimeError(f"audit log: another writer appended first {ATTEMPTS} times in a row")
