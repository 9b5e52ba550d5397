"""Idempotency keys in the database (DESIGN §5, Stripe's semantics).

* The key row is inserted by :meth:`Scope.claim` inside the transaction that creates
  the resource and its write-ahead operation; the primary key (owner, key) makes a
  concurrent duplicate fail that transaction, so only one request ever proceeds.
* :meth:`Scope.complete` stores the exact response bytes in the transaction that
  records the outcome; a repeat replays them byte for byte.
* A repeat while the first is running (lease valid) gets 409; after the lease ran
  out (the first attempt died mid-flight) it gets the current state of what was
  created — never a second provider call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from idempotency.errors import KeyInUse, KeyReused, KeyTaken
from idempotency.fingerprint import matches
from idempotency.tables import idempotency_keys as k


class RawSql(Protocol):
    """Statements as SQL text on the driver connection under an AsyncConnection, in its
    transaction (the hub passes ``hub.store.fast``: asyncpg on PostgreSQL). ``driver``
    returns ``None`` where the Core statements are to be used (SQLite)."""

    async def driver(self, conn: AsyncConnection, *, begin: bool = True) -> Any | None: ...
    async def fetchrow(
        self, conn: AsyncConnection, drv: Any, sql: str, args: Sequence[Any]
    ) -> Any | None: ...
    async def write(
        self,
        conn: AsyncConnection,
        drv: Any,
        sql: str,
        args: Sequence[Any],
        *,
        row: tuple[str, Any] | None = None,
        conflict: tuple[str, Callable[[], Exception]] | None = None,
    ) -> None:
        """Send (or gather with the transaction's other writes) one write; ``conflict``:
        (constraint, error) raised for a unique violation of that constraint."""


_CLAIM = (
    "INSERT INTO idempotency_keys (owner, key, fingerprint, status, resource_type, resource_id,"
    " locked_until, created_at, expires_at) VALUES ($1, $2, $3, 'started', $4, $5, $6, $7, $8)"
)
_COMPLETE = (
    "UPDATE idempotency_keys SET status = 'completed', response_status = $3, response_body = $4,"
    " locked_until = $5 WHERE owner = $1 AND key = $2"
)
_LOOKUP = (
    "SELECT status, fingerprint, resource_type, resource_id, response_status, response_body,"
    " locked_until, expires_at FROM idempotency_keys WHERE owner = $1 AND key = $2"
)


_PKEY = "idempotency_keys_pkey"  # a concurrent request claimed the key first


def _in_use() -> KeyInUse:
    return KeyTaken(
        "a request with this Idempotency-Key is already being processed", headers={"Retry-After": "1"}
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Stored:
    status: str
    fingerprint: str
    resource_type: str | None
    resource_id: str | None
    response_status: int | None
    response_body: bytes | None
    locked_until: dt.datetime
    expires_at: dt.datetime


@dataclass
class Scope:
    """One request's claim on a key; handed to the service that creates things."""

    store: IdempotencyStore
    owner: str
    key: str
    fingerprint: str
    claimed: bool = False
    tried: bool = False  # claim() was reached (whatever it found)
    completed: bool = False
    body: bytes | None = None
    status: int | None = None
    resource: tuple[str, str] | None = field(default=None)

    async def claim(self, conn: AsyncConnection, resource_type: str | None, resource_id: str | None) -> None:
        self.tried = True
        now = self.store.clock()
        raw = self.store.raw
        drv = await raw.driver(conn) if raw is not None else None
        try:
            if drv is not None and raw is not None:
                lease = now + dt.timedelta(seconds=self.store.lease_seconds)
                expires = now + dt.timedelta(seconds=self.store.ttl_seconds)
                args = (
                    self.owner,
                    self.key,
                    self.fingerprint,
                    resource_type,
                    resource_id,
                    lease,
                    now,
                    expires,
                )
                await raw.write(
                    conn, drv, _CLAIM, args, row=("idempotency_keys", (self.owner, self.key)), conflict=(_PKEY, _in_use)
                )
            else:
                await conn.execute(
                    insert(k).values(
                        owner=self.owner,
                        key=self.key,
                        fingerprint=self.fingerprint,
                        status="started",
                        resource_type=resource_type,
                        resource_id=resource_id,
                        locked_until=now + dt.timedelta(seconds=self.store.lease_seconds),
                        created_at=now,
                        expires_at=now + dt.timedelta(seconds=self.store.ttl_seconds),
                    )
                )
        except IntegrityError:
            raise _in_use() from None
        self.claimed = True
        if resource_type and resource_id:
            self.resource = (resource_type, resource_id)

    async def complete(self, conn: AsyncConnection, status: int, body: bytes) -> None:
        if not self.claimed:
            return
        raw = self.store.raw
        drv = await raw.driver(conn) if raw is not None else None
        if drv is not None and raw is not None:
            args = (self.owner, self.key, status, body, self.store.clock())
            await raw.write(conn, drv, _COMPLETE, args, row=("idempotency_keys", (self.owner, self.key)))
        else:
            await conn.execute(
                update(k)
                .where(k.c.owner == self.owner, k.c.key == self.key)
                .values(
                    status="completed",
                    response_status=status,
                    response_body=body,
                    locked_until=self.store.clock(),
                )
            )
        self.completed = True
        self.status = status
        self.body = body

    async def release(self, conn: AsyncConnection) -> None:
        """Nothing happened after all (refused before sending): the key may be used again."""
        if self.claimed:
            await conn.execute(delete(k).where(k.c.owner == self.owner, k.c.key == self.key))
            self.claimed = False


class IdempotencyStore:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        ttl_seconds: float = 86400.0,
        lease_seconds: float = 60.0,
        clock: Callable[[], dt.datetime] = _now,
        raw: RawSql | None = None,
    ) -> None:
        self.engine = engine
        self.raw = raw
        self.ttl_seconds = ttl_seconds
        self.lease_seconds = lease_seconds
        self.clock = clock

    async def lookup(self, owner: str, key: str) -> Stored | None:
        async with self.engine.connect() as conn:
            drv = await self.raw.driver(conn, begin=False) if self.raw is not None else None
            if drv is not None and self.raw is not None:  # one statement, no BEGIN/ROLLBACK around it
                row = await self.raw.fetchrow(conn, drv, _LOOKUP, (owner, key))
            else:
                row = (
                    (await conn.execute(select(k).where(k.c.owner == owner, k.c.key == key)))
                    .mappings()
                    .first()
                )
        if row is None:
            return None
        return Stored(
            status=row["status"],
            fingerprint=row["fingerprint"],
            resource_type=row["resource_type"],
            resource_id=row["resource_id"],
            response_status=row["response_status"],
            response_body=row["response_body"],
            locked_until=row["locked_until"],
            expires_at=row["expires_at"],
        )

    async def check(self, owner: str, key: str, fingerprint: str) -> Stored | None:
        """Before running: None (go ahead) or the stored record to answer from.

        Raises KeyReused (different request) or KeyInUse (first still running).
        """
        stored = await self.lookup(owner, key)
        if stored is None:
            return None
        now = self.clock()
        if stored.expires_at <= now and (stored.status == "completed" or stored.locked_until <= now):
            await self._drop(owner, key)
            return None
        if not matches(stored.fingerprint, fingerprint):
            raise KeyReused("this Idempotency-Key was already used with a different request; use a new key")
        if stored.status == "completed":
            return stored
        if stored.locked_until > now:
            retry = max(1, int((stored.locked_until - now).total_seconds()) + 1)
            raise KeyInUse(
                "a request with this Idempotency-Key is still being processed",
                headers={"Retry-After": str(min(retry, 5))},
            )
        return stored  # died mid-flight: answer with the current state of what it created

    async def _drop(self, owner: str, key: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(k).where(k.c.owner == owner, k.c.key == key))

    async def claim_alone(self, scope: Scope) -> None:
        """For endpoints with no write-ahead transaction of their own."""
        async with self.engine.begin() as conn:
            await scope.claim(conn, None, None)

    async def complete_alone(self, scope: Scope, status: int, body: bytes) -> None:
        async with self.engine.begin() as conn:
            await scope.complete(conn, status, body)

    async def release_alone(self, scope: Scope) -> None:
        async with self.engine.begin() as conn:
            await scope.release(conn)

    async def reap(self, *, limit: int = 1000) -> int:
        """Delete expired keys — never one whose request is still running."""
        now = self.clock()
        cond = and_(k.c.expires_at < now, or_(k.c.status == "completed", k.c.locked_until < now))
        async with self.engine.begin() as conn:
            victims = (await conn.execute(select(k.c.owner, k.c.key).where(cond).limit(limit))).all()
            for owner, key in victims:
                await conn.execute(delete(k).where(k.c.owner == owner, k.c.key == key, cond))
        return len(victims)
