"""PostgreSQL: a transaction's writes gathered and sent as ONE statement.

A payment's write-ahead transaction is four INSERTs (card, payment, operation, idempotency
key) and its outcome transaction four writes (attempt, operation, payment, event). Sent one
by one, each is a round trip and its CPU; gathered, they go as one statement, a chain of
data-modifying CTEs (``WITH w0 AS (INSERT ...), w1 AS (UPDATE ...) INSERT ...``), which
PostgreSQL runs atomically.

* :func:`transaction` (also named :func:`atomic`) is a write transaction. On PostgreSQL its
  writes are gathered, and it is begun and committed on asyncpg directly (SQLAlchemy's begin
  and commit cost a greenlet hop each). BEGIN waits for the first statement other than the
  gathered one: a block that only wrote sends that one statement on its own (atomic by
  itself: no BEGIN and COMMIT round trips). SQLite: ``engine.begin()`` itself.
* :func:`together` gathers the writes inside a transaction the caller already holds.
* Inside either, :func:`hub.store.repo.insert_row` / ``update_row``, the idempotency key and
  the event INSERT (:func:`hub.store.repo.add_event`, whose statement carries the gathered
  writes ahead of it) gather; any other statement through :mod:`hub.store.fast` first sends
  what is gathered, so a read always sees the writes before it.
* The parts of one statement share one snapshot: an UPDATE cannot see a row INSERTed by
  another part, and two parts must not write the same row. Each write names the row it
  writes (table, key); a second write of a row already gathered sends the first ones
  before it.
* A SQLAlchemy Core statement while writes are gathered would overtake them: the engine
  refuses it (:func:`guard`, installed by ``hub.store.db.create_engine``), so such a path
  fails loudly in the tests rather than reordering writes; call :func:`flush` before it.
* A unique violation of a named constraint can be mapped to the caller's error
  (the idempotency key: ``KeyInUse``), wherever the statement that carried it was sent.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.store import fast

_KEY = fast.GATHERED
_PARAM = re.compile(r"\$(\d+)")
_COMBINED: dict[tuple[tuple[str, ...], str | None], str] = {}


STALE_SQLSTATE = "PH409"  # payhub_unchanged(false) (migration 0021)
# an optimistic statement refused for a race: its guard, deadlock_detected, serialization_failure
_RACED = frozenset({STALE_SQLSTATE, "40P01", "40001"})
Stale = fast.Stale


@dataclass
class Expected:
    """What an optimistic block (:mod:`hub.store.optimistic`) decided on: its one statement
    writes only if all of it is still so, and sends nothing before (:class:`Stale` otherwise).

    ``versions``: (table, key) -> the row's ``xmin`` as read; each such row must be written
    by a guarded UPDATE (``... AND xmin = $n RETURNING 1``: PostgreSQL re-checks it on the
    newest version when the row changed under it). ``checks``: SQL conditions (with their
    arguments) that must hold in the statement's snapshot. ``guarded``: (table, key) -> the
    index of the part that writes it. ``reads``: what was read with the rows, for the block's
    writes (e.g. the owner's webhook endpoints, hub.store.repo.add_event)."""

    versions: dict[tuple[str, Any], int]
    checks: list[tuple[str, Sequence[Any]]] = field(default_factory=list)
    reads: dict[Any, Any] = field(default_factory=dict)
    guarded: dict[tuple[str, Any], int] = field(default_factory=dict)


@dataclass
class Gathered:
    parts: list[tuple[str, Sequence[Any]]] = field(default_factory=list)
    rows: set[tuple[str, Any]] = field(default_factory=set)  # (table, key) written by a part
    conflicts: dict[str, Callable[[], Exception]] = field(default_factory=dict)
    # a statement that returns rows, sent last (the event INSERT reading the endpoints), and
    # what to do with its rows once it went
    tail: tuple[str, Sequence[Any], Callable[[list[fast.Row]], Awaitable[None]]] | None = None
    expected: Expected | None = None  # an optimistic block's (hub.store.optimistic)

    def __bool__(self) -> bool:
        return bool(self.parts) or self.tail is not None


def gathered(conn: AsyncConnection) -> Gathered | None:
    """The writes being gathered on ``conn`` (PostgreSQL inside :func:`atomic`/:func:`together`)."""
    sync = conn.sync_connection
    return sync.info.get(_KEY) if sync is not None else None  # type: ignore[no-any-return]


def _params(sql: str) -> int:
    return max((int(n) for n in _PARAM.findall(sql)), default=0)


def _shift(sql: str, offset: int) -> str:
    return _PARAM.sub(lambda m: f"${int(m[1]) + offset}", sql) if offset else sql


def combined(parts: Sequence[str], main: str | None) -> str:
    """One statement: ``parts`` as CTEs ahead of ``main`` (default: the last part)."""
    key = (tuple(parts), main)
    sql = _COMBINED.get(key)
    if sql is not None:
        return sql
    if main is None:
        parts, main = parts[:-1], parts[-1]
    ctes: list[str] = []
    offset = 0
    for i, part in enumerate(parts):
        ctes.append(f"w{i} AS ({_shift(part, offset)})")
        offset += _params(part)
    tail = _shift(main, offset)
    if not ctes:
        sql = tail
    elif tail.startswith("WITH "):
        sql = "WITH " + ", ".join(ctes) + ", " + tail[len("WITH ") :]
    else:
        sql = "WITH " + ", ".join(ctes) + " " + tail
    _COMBINED[key] = sql
    return sql


async def driver(conn: AsyncConnection, *, begin: bool = True) -> asyncpg.Connection | None:
    """:func:`hub.store.fast.driver` for a write: while writes are gathered, getting the
    connection begins nothing (the statement that goes out first begins the transaction,
    and a block whose only statement is the gathered one needs none)."""
    return await fast.driver(conn, begin=begin and gathered(conn) is None)


async def write(
    conn: AsyncConnection,
    drv: asyncpg.Connection,
    sql: str,
    args: Sequence[Any],
    *,
    row: tuple[str, Any] | None = None,
    conflict: tuple[str, Callable[[], Exception]] | None = None,
    guards: bool = False,
) -> None:
    """Gather one write or, with nothing gathering on ``conn``, send it now. ``row``: the
    (table, key) it writes (a second write of it goes in a later statement); ``conflict``:
    (constraint, error) raised for a unique violation of that constraint; ``guards``: it is
    the guarded UPDATE of an expected row (:class:`Expected`), ``RETURNING`` it when it wrote."""
    g = gathered(conn)
    if g is None:
        await _send(conn, drv, sql, args, dict([conflict]) if conflict else {})
        return
    if row is not None:
        if row in g.rows:
            await flush(conn)
        g.rows.add(row)
        if guards and g.expected is not None:
            g.expected.guarded[row] = len(g.parts)
    g.parts.append((sql, args))
    if conflict is not None:
        g.conflicts[conflict[0]] = conflict[1]


_GROUP_REF = re.compile(r"@w(\d+)")


async def write_group(
    conn: AsyncConnection,
    drv: asyncpg.Connection,
    parts: Sequence[tuple[str, Sequence[Any]]],
    *,
    rows: Sequence[tuple[str, Any]] = (),
    conflict: tuple[str, Callable[[], Exception]] | None = None,
) -> bool:
    """Gather several writes that read each other's ``RETURNING`` (a journal entry, then its
    postings ``FROM`` the entry's new row): in part k, ``@w0`` ... ``@w{k-1}`` name the group's
    earlier parts. They go in one statement, none sent before the others; ``rows``/``conflict``
    as :func:`write`, for the group. Returns ``False``, gathering nothing, when nothing
    gathers on ``conn`` (the caller sends its own statement)."""
    g = gathered(conn)
    if g is None:
        return False
    if any(row in g.rows for row in rows) or (conflict is not None and conflict[0] in g.conflicts):
        await flush(conn)  # the earlier writes of these rows (or a mapped error) go first
    g.rows.update(rows)
    base = len(g.parts)
    for sql, args in parts:
        g.parts.append((_GROUP_REF.sub(lambda m: f"w{base + int(m[1])}", sql), args))
    if conflict is not None:
        g.conflicts[conflict[0]] = conflict[1]
    return True


async def flush(conn: AsyncConnection) -> None:
    """Send what is gathered on ``conn`` now (before a statement that must come after it)."""
    g = gathered(conn)
    if g is not None and g.expected is not None:
        raise Stale("the block's writes would go in two statements")
    if g is None or not g:
        return
    drv = await fast.driver(conn)
    assert drv is not None
    await _send_all(conn, drv, g)


async def last(
    conn: AsyncConnection,
    drv: asyncpg.Connection,
    sql: str,
    args: Sequence[Any],
    then: Callable[[list[fast.Row]], Awaitable[None]],
) -> None:
    """A statement that returns rows (a WITH ... whose final SELECT reads nothing the gathered
    writes touch), sent after every gathered write, in their statement; ``then`` gets its rows.
    Nothing gathering: sent now."""
    g = gathered(conn)
    if g is None:
        await then(await fast.fetch(conn, drv, sql, args))
        return
    if g.tail is not None:  # one per statement: the earlier one goes first
        await flush(conn)
    g.tail = (sql, args, then)


async def _send_all(conn: AsyncConnection, drv: asyncpg.Connection, g: Gathered) -> None:
    if g.expected is not None:
        await _send_guarded(conn, drv, g, g.expected)
        return
    if g.tail is not None:  # its ``then`` may write more: one transaction for both statements
        await fast.driver(conn)
    while g:  # a tail's ``then`` may gather more (the deliveries of an event)
        parts, conflicts, tail = g.parts, g.conflicts, g.tail
        g.parts, g.rows, g.conflicts, g.tail = [], set(), {}, None
        sql = combined([p for p, _ in parts], tail[0] if tail else None)
        args = [a for _, part_args in parts for a in part_args]
        if tail is not None:
            args.extend(tail[1])
        rows = await _send(conn, drv, sql, args, conflicts, rows=tail is not None)
        if tail is not None:
            await tail[2](rows)


async def _send_guarded(conn: AsyncConnection, drv: asyncpg.Connection, g: Gathered, e: Expected) -> None:
    """An optimistic block's writes as one statement that writes nothing unless every expected
    row is written by its guarded UPDATE (the version read is still the row's) and every check
    holds: ``... SELECT payhub_unchanged(<those>)`` raises otherwise, refusing every part."""
    if g.tail is not None or not e.versions or set(e.versions) - set(e.guarded):
        raise Stale("a row the block decided on is not written by it")
    # the rows in the order they were read (the payment before its operation): the order every
    # writer locks them in, so this statement never waits on another in a cycle
    counts = " + ".join(f"(SELECT count(*) FROM w{e.guarded[row]})" for row in e.versions)
    conditions = [f"{counts} = {len(e.versions)}"]
    args = [a for _, part_args in g.parts for a in part_args]
    offset = 0
    for condition, condition_args in e.checks:
        conditions.append(f"({_shift(condition, offset)})")
        offset += _params(condition)
        args.extend(condition_args)
    sql = combined([p for p, _ in g.parts], "SELECT payhub_unchanged(" + " AND ".join(conditions) + ")")
    g.parts, g.rows = [], set()
    await _send(conn, drv, sql, args, g.conflicts, guarded=True)


async def _send(
    conn: AsyncConnection,
    drv: asyncpg.Connection,
    sql: str,
    args: Sequence[Any],
    conflicts: dict[str, Callable[[], Exception]],
    *,
    rows: bool = False,
    guarded: bool = False,
) -> list[fast.Row]:
    """``guarded``: an optimistic block's statement, committed by itself: when PostgreSQL refuses
    it because something raced it (its guard, a deadlock, a serialization failure, a unique key
    another writer took first), nothing of it was written and :class:`Stale` sends the caller to
    its locked way, which decides again (and meets a real conflict again, raised from there)."""
    try:
        if rows:
            return [dict(r) for r in await drv.fetch(sql, *args)]
        await drv.execute(sql, *args)
        return []
    except asyncpg.UniqueViolationError as exc:
        mapped = conflicts.get(exc.constraint_name or "")
        if mapped is not None:
            raise mapped() from None
        if guarded:
            raise Stale(f"another writer took a key first ({exc.constraint_name})") from None
        raise fast.translated(conn, sql, args, exc) from exc
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        if guarded and getattr(exc, "sqlstate", None) in _RACED:
            raise Stale("what the block decided on changed before it was written") from None
        raise fast.translated(conn, sql, args, exc) from exc


@asynccontextmanager
async def together(conn: AsyncConnection) -> AsyncIterator[None]:
    """Gather the writes of the block on ``conn`` (in the caller's transaction); sent at the end."""
    if conn.dialect.name != "postgresql" or gathered(conn) is not None:
        yield
        return
    info = conn.sync_connection.info  # type: ignore[union-attr]
    info[_KEY] = Gathered()
    try:
        yield
        await flush(conn)
    finally:
        info.pop(_KEY, None)


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction whose writes are gathered (module docstring), begun and ended on
    asyncpg directly: SQLAlchemy's begin and commit (a greenlet hop each, ~0.3 ms of CPU per
    transaction measured) are not paid. A Core statement inside still works: it runs in
    this transaction (the adapter's, already begun) and SQLAlchemy's own is rolled back, a
    no-op, when the connection goes back to the pool.

    BEGIN is not sent until a statement other than the gathered one is: a block that only
    wrote sends one statement, atomic by itself, and no BEGIN/COMMIT round trips. SQLite:
    ``engine.begin()``."""
    if engine.dialect.name != "postgresql":
        async with engine.begin() as conn:
            yield conn
        return
    async with engine.connect() as conn:
        info = conn.sync_connection.info  # type: ignore[union-attr]
        g = info[_KEY] = Gathered()
        info[fast.OWN_TRANSACTION] = True
        committed = False
        try:
            yield conn
            if g:
                drv = await fast.driver(conn, begin=False)  # in the transaction if one was begun
                assert drv is not None
                await _send_all(conn, drv, g)
            await fast.end_own_transaction(conn, commit=True)
            committed = True
        finally:
            info.pop(_KEY, None)
            info.pop(fast.OWN_TRANSACTION, None)
            if not committed:
                await fast.end_own_transaction(conn, commit=False)


atomic = transaction  # the name the write-ahead transaction reads best with


def guard(engine: Engine) -> None:
    """Refuse a Core statement on a connection whose gathered writes it would overtake."""

    @event.listens_for(engine, "before_cursor_execute")
    def _overtaking(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        g = conn.info.get(_KEY)
        if g is not None and g.expected is not None:
            raise Stale(f"a SQLAlchemy statement in an optimistic block: {statement[:80]}")
        if g is not None and g:
            raise RuntimeError(
                "a SQLAlchemy statement would overtake gathered writes; call hub.store.gather.flush "
                f"first: {statement[:80]}"
            )


class RawSql:
    """These statements for a library that takes a connection (``idempotency.store.RawSql``)."""

    driver = staticmethod(driver)
    fetchrow = staticmethod(fast.fetchrow)
    write = staticmethod(write)
