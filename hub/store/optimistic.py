"""PostgreSQL: an outcome written in two round trips instead of four when nothing raced it.

The locked way (:meth:`hub.services.payment_core.PaymentCore._finish`) is BEGIN, the payment
read FOR UPDATE with its operation, the gathered writes (one statement, hub.store.gather) and
COMMIT: four round trips, the payment locked from the read to the commit. The optimistic
way is tried first:

1. ONE statement in no transaction reads the payment and its operation with their versions
   (``xmin``: the transaction that wrote that version of the row; any write of the row makes
   a new one) and the owner's enabled webhook endpoints with their fingerprint;
2. the outcome is decided on those rows by the same code, its writes gathered as ever, and
   they go as ONE statement (atomic by itself) that writes only if what it was decided on is
   still so. The payment's and the operation's UPDATEs carry ``AND xmin = <as read>``
   (PostgreSQL re-checks that on the newest version of a row that changed under it: it then
   updates nothing), the endpoints' fingerprint is compared in the statement's snapshot (the
   snapshot the locked way's outbox read uses), and the statement ends in
   ``SELECT payhub_unchanged(...)`` (migration 0021), which raises unless all of it held:
   then no part of the statement is written.

Whenever the block would need anything else - another read, a transaction, a second
statement, a row it decided on that it does not write (a payment that does not move) - it
raises :class:`Stale` before sending anything, as a failed guard does. Nothing was written
and the caller takes the locked way, which reads again under the lock. What the optimistic
way writes is therefore what the locked way would have written on the same rows; it only
saves the BEGIN, the COMMIT and the time the row stays locked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.store import fast, gather
from hub.store import tables as t
from hub.store.repo import Row, pg_with_op_sql, side

Stale = fast.Stale

# the owner's enabled endpoints, as a fingerprint that any change of that set changes
_ENDPOINTS_VERSION = (
    "(SELECT coalesce(string_agg(e.id || ':' || e.xmin::text, ',' ORDER BY e.id), '')"
    " FROM webhook_endpoints e WHERE e.owner = {owner} AND e.status = 'enabled')"
)
_ENDPOINTS = (
    "(SELECT coalesce(json_agg(json_build_object('id', e.id, 'event_types', e.event_types)), '[]')"
    " FROM webhook_endpoints e WHERE e.owner = r.owner AND e.status = 'enabled')"
)
_READ_EXTRA = (
    'r.xmin AS "r__xmin", o.xmin AS "o__xmin", '
    f'{_ENDPOINTS} AS "endpoints", {_ENDPOINTS_VERSION.format(owner="r.owner")} AS "endpoints_version"'
)
_ENDPOINTS_CHECK = _ENDPOINTS_VERSION.format(owner="$1") + " = $2"


def available(engine: AsyncEngine) -> bool:
    """The optimistic way exists on PostgreSQL (SQLite has one writer at a time anyway)."""
    return engine.dialect.name == "postgresql"


@asynccontextmanager
async def outcome(
    engine: AsyncEngine, table: Any, row_id: str, op_id: str
) -> AsyncIterator[tuple[AsyncConnection, Row, Row]]:
    """The resource row ``row_id`` of ``table`` and its operation ``op_id``, read unlocked, and
    the connection whose writes the block gathers into one guarded statement, sent at its end.
    Raises :class:`Stale` (nothing written) when that cannot be; PostgreSQL only."""
    async with gather.transaction(engine) as conn:
        drv = await fast.driver(conn, begin=False)
        assert drv is not None, "the optimistic way is PostgreSQL's"
        found = await fast.fetchrow(conn, drv, pg_with_op_sql(table, "one", _READ_EXTRA), (row_id, op_id))
        if found is None:
            raise Stale(f"no {table.name} {row_id!r} with operation {op_id!r}")  # the locked way says which
        resource, operation = side(found, table, "r"), side(found, t.operations, "o")
        owner = resource["owner"]
        g = gather.gathered(conn)
        assert g is not None
        g.expected = gather.Expected(
            versions={(table.name, row_id): found["r__xmin"], (t.operations.name, op_id): found["o__xmin"]},
            checks=[(_ENDPOINTS_CHECK, (owner, found["endpoints_version"]))],
            reads={(t.webhook_endpoints.name, owner): found["endpoints"]},
        )
        yield conn, resource, operation
