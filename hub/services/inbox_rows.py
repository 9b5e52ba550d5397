"""The inbox processing path's statements on ``webhook_inbox``: lock rows, mark them settled, find the due ones.

Built once (building a statement costs more than running it); on PostgreSQL sent as text
through asyncpg directly (``hub.store.fast``: ~0.07 ms a statement instead of ~0.2). :func:`lock_rows` locks a batch
job's rows in one statement and :func:`mark` writes any number of rows' new state in one
(executemany), so a batch of events that settle without moving anything costs a handful of
statements, not a handful per event (``hub.services.inbox``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.store import fast
from hub.store import tables as t
from hub.store.repo import Row

RECEIVED = "received"
PROCESSED = "processed"
IGNORED = "ignored"
RETRY = "retry"
FAILED = "failed"
OPEN = (RECEIVED, RETRY)

_w = t.webhook_inbox.c
_LOCK_ROW = select(t.webhook_inbox).where(_w.id == bindparam("inbox_id"))
_LOCK_ROWS = select(t.webhook_inbox).where(_w.id.in_(bindparam("inbox_ids", expanding=True)))
_MARK = (
    update(t.webhook_inbox)
    .where(_w.id == bindparam("inbox_id"))
    .values(
        status=bindparam("v_status"),
        error=bindparam("v_error"),
        attempts=bindparam("v_attempts"),
        processed_at=bindparam("v_processed_at"),
        next_attempt_at=bindparam("v_next_attempt_at"),
    )
)


# PostgreSQL: the same statements sent through asyncpg directly (hub.store.fast), as text
_COLUMNS = ", ".join(f'"{c.name}"' for c in t.webhook_inbox.c)
_PG_LOCK_ROWS = f"SELECT {_COLUMNS} FROM webhook_inbox WHERE id = ANY($1::varchar[]) FOR UPDATE SKIP LOCKED"
_PG_MARK = (
    "UPDATE webhook_inbox SET status = $1, error = $2, attempts = $3, processed_at = $4,"
    " next_attempt_at = $5 WHERE id = $6"
)
_MARK_ORDER = ("v_status", "v_error", "v_attempts", "v_processed_at", "v_next_attempt_at", "inbox_id")


async def lock_row(conn: AsyncConnection, inbox_id: str) -> Row | None:
    """The row, locked; ``None`` when it does not exist or (PostgreSQL, SKIP LOCKED) another
    worker holds it: that one settles it."""
    drv = await fast.driver(conn)
    if drv is not None:
        return await fast.fetchrow(conn, drv, _PG_LOCK_ROWS, ([inbox_id],))
    found = (await conn.execute(_LOCK_ROW, {"inbox_id": inbox_id})).mappings().first()
    return dict(found) if found is not None else None


async def lock_rows(conn: AsyncConnection, inbox_ids: Sequence[str]) -> list[Row]:
    """:func:`lock_row` for several rows in one statement, in the order of ``inbox_ids``
    (rows missing or held by another worker are left out)."""
    drv = await fast.driver(conn)
    if drv is not None:
        rows = await fast.fetch(conn, drv, _PG_LOCK_ROWS, (list(inbox_ids),))
    else:
        rows = [dict(r) for r in (await conn.execute(_LOCK_ROWS, {"inbox_ids": list(inbox_ids)})).mappings()]
    found = {r["id"]: r for r in rows}
    return [found[inbox_id] for inbox_id in dict.fromkeys(inbox_ids) if inbox_id in found]


def mark_values(
    row: Row, status: str, note: str | None, now: dt.datetime, delay: float | None
) -> dict[str, Any]:
    """The parameters of :func:`mark` for one row settled as ``status`` (a retry after ``delay``)."""
    # every column written: those that do not change get the locked row's own values back
    values: dict[str, Any] = {
        "inbox_id": row["id"], "v_status": status, "v_error": note, "v_attempts": row["attempts"],
        "v_processed_at": row["processed_at"], "v_next_attempt_at": row["next_attempt_at"],
    }  # fmt: skip
    if status in OPEN:
        values["v_attempts"] = int(row["attempts"]) + 1
        values["v_next_attempt_at"] = now + dt.timedelta(seconds=delay or 0.0)
    elif status != row["status"] or status == FAILED:
        values["v_attempts"] = int(row["attempts"]) + 1
        values["v_processed_at"] = now
        values["v_next_attempt_at"] = None
    return values


def settle(
    row: Row, outcome: str, *, replay: bool, max_attempts: int, schedule: Sequence[float]
) -> tuple[str, float | None]:
    """The row's next status once its event was decided as ``outcome`` (processed, ignored,
    retry), and the delay before the next try when it is to be retried."""
    if outcome != RETRY:
        return outcome, None
    if replay and row["status"] not in OPEN:
        return row["status"], None  # a replay that still finds nothing leaves a settled row as it was
    attempts = int(row["attempts"]) + 1
    if attempts >= max_attempts:
        return FAILED, None
    return RETRY, float(schedule[min(attempts - 1, len(schedule) - 1)])


async def mark(conn: AsyncConnection, values: list[dict[str, Any]]) -> None:
    """Write the rows' new state (one statement; :func:`mark_values` gives each row's)."""
    if not values:
        return
    drv = await fast.driver(conn)
    if drv is not None:
        await fast.executemany(conn, drv, _PG_MARK, [[v[k] for k in _MARK_ORDER] for v in values])
    else:
        await conn.execute(_MARK, values if len(values) > 1 else values[0])


async def record_error(
    conn: AsyncConnection,
    inbox_id: str,
    error: str,
    now: dt.datetime,
    schedule: Sequence[float],
    max_attempts: int,
) -> tuple[dict[str, Any], int, float | None] | None:
    """Processing the row raised: count the attempt, due again after the schedule's delay, or
    ``failed`` after ``max_attempts``. The row as a replay result, its attempts so far and the
    delay of its next try (``None``: failed); ``None`` when the row is gone or held."""
    row = await lock_row(conn, inbox_id)
    if row is None:
        return None
    attempts = int(row["attempts"]) + 1
    failed = attempts >= max_attempts
    status = FAILED if failed else RETRY
    delay = float(schedule[min(attempts - 1, len(schedule) - 1)])
    await conn.execute(
        update(t.webhook_inbox)
        .where(_w.id == inbox_id)
        .values(
            status=status,
            attempts=attempts,
            error=error[:2000],
            next_attempt_at=None if failed else now + dt.timedelta(seconds=delay),
            processed_at=now if failed else None,
        )
    )
    result = {
        "inbox_id": inbox_id,
        "account_id": row["account_id"],
        "event_type": row["event_type"],
        "provider_event_id": row["provider_event_id"],
        "before": row["status"],
        "after": status,
        "note": error,
    }
    return result, attempts, None if failed else delay


async def due_rows(conn: AsyncConnection, now: dt.datetime, limit: int) -> tuple[list[tuple[str, int]], int]:
    """The sweeper's read: (id, attempts) of up to ``limit`` open rows whose next attempt is
    due, soonest first, and how many rows are open in all (the backlog gauge)."""
    due = (
        await conn.execute(
            select(_w.id, _w.attempts)
            .where(_w.status.in_(OPEN), _w.next_attempt_at <= now)
            .order_by(_w.next_attempt_at)
            .limit(limit)
        )
    ).all()
    backlog = await conn.scalar(select(func.count()).select_from(t.webhook_inbox).where(_w.status.in_(OPEN)))
    return [(r.id, int(r.attempts or 0)) for r in due], int(backlog or 0)
