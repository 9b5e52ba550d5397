"""The audit log: append-only, hash-chained records of who did what (DESIGN §8).

Each record's ``hash`` is SHA-256 over a canonical encoding of its fields and the
previous record's hash (``prev_hash``; 64 zeros for the first record), so an
edited record no longer matches its hash and a deleted one breaks the link its
successor holds. :meth:`AuditLog.verify` walks the chain and names the first
broken link.

Appends are serialised so the chain never forks: on PostgreSQL a record written in the
caller's transaction takes a transaction-scoped advisory lock right before reading the
head and inserting (held until that commit); the API's group commit reads the head and
sends one INSERT that takes the same lock, re-chained if another writer appended first
(hub.services.audit_append). SQLite transactions are ``BEGIN IMMEDIATE`` already (one
writer at a time). The database refuses UPDATE
and DELETE on ``audit_log`` with triggers (migration 0005).

``before``/``after``/``detail`` pass through the vault's redaction, so no card
number, CVC or secret is ever written here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.domain.ids import new_id
from hub.services import audit_append
from hub.store import fast
from hub.store import tables as t
from hub.store.repo import Row, iso, utcnow
from vault.redaction import redact, redact_obj

log = logging.getLogger("payhub.audit")

GENESIS_HASH = "0" * 64
ADVISORY_LOCK_KEY = audit_append.ADVISORY_LOCK_KEY
MAX_BATCH = 100  # records appended in one transaction (group commit)

_LIMITS = {
    "actor_key_id": 40,
    "actor_owner": 128,
    "action": 64,
    "resource_type": 32,
    "resource_id": 64,
    "request_id": 64,
    "source_ip": 64,
}
HASHED_FIELDS = (
    "seq",
    "id",
    "at",
    "actor_key_id",
    "actor_owner",
    "action",
    "resource_type",
    "resource_id",
    "before",
    "after",
    "request_id",
    "source_ip",
    "success",
    "detail",
    "prev_hash",
)


@dataclass(frozen=True)
class AuditEntry:
    """What happened; the log adds id, seq, time and the chain."""

    action: str
    success: bool
    actor_key_id: str | None = None
    actor_owner: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    before: Any = None
    after: Any = None
    request_id: str | None = None
    source_ip: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int  # how many records were checked (up to and including the broken one)
    head_hash: str  # the hash of the last good record (anchor it elsewhere to detect truncation)
    broken_seq: int | None = None
    broken_id: str | None = None
    reason: str | None = None

    def describe(self) -> str:
        if self.ok:
            return f"ok: {self.records} records"
        return f"broken: record seq={self.broken_seq} id={self.broken_id}: {self.reason}"


def _scrubbed(value: Any) -> Any:
    """Redacted and normalised to what a JSON column gives back (tuples -> lists, ...)."""
    if value is None:
        return None
    return msgspec.json.decode(msgspec.json.encode(redact_obj(value), enc_hook=str))  # as the column codec


def _clip(name: str, value: str | None) -> str | None:
    """Redacted (an id taken from a URL may be anything the caller typed) and cut to the column."""
    if value is None:
        return None
    return redact(str(value))[: _LIMITS[name]]


def canonical(record: Row) -> bytes:
    """The bytes a record's hash covers: sorted-key JSON, no whitespace, times in ISO UTC."""
    fields = {name: record.get(name) for name in HASHED_FIELDS}
    at = fields["at"]
    if isinstance(at, dt.datetime):
        fields["at"] = at.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    fields["success"] = bool(fields["success"])
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: Row) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


class AuditLog:
    """Append and verify audit records. Also the resolver's ``AuditHook`` (admin settle)."""

    def __init__(self, engine: AsyncEngine, *, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._queue: list[tuple[AuditEntry, asyncio.Future[Row]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._head = audit_append.Head()  # the head this process appended last (PostgreSQL)

    # -- appending ------------------------------------------------------------------

    async def append(self, entry: AuditEntry) -> Row:
        """Write one record and wait until it is committed; returns the stored record.

        Group commit: records arriving while a write is in flight are appended together in the
        next transaction (one append lock, one head read, one multi-row INSERT), so under load
        the audit log costs a fraction of a transaction per request — and every caller still
        returns only once its own record is durable."""
        future: asyncio.Future[Row] = asyncio.get_running_loop().create_future()
        self._queue.append((entry, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())
        return await asyncio.shield(future)  # a cancelled request's record is still written

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                entries = [entry for entry, _ in batch]
                if self.engine.dialect.name == "postgresql":  # two statements, no transaction
                    rows = await audit_append.append_alone(
                        self.engine, self._records(entries), self._link, self._head
                    )
                else:
                    async with self.engine.begin() as conn:
                        rows = await self._append_many(conn, entries)
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), row in zip(batch, rows, strict=True):
                if not future.done():
                    future.set_result(row)

    async def append_in(self, conn: AsyncConnection, entry: AuditEntry) -> Row:
        """Write one record inside the caller's transaction. Call it LAST, just before the
        commit: on PostgreSQL it takes the append lock, held until that commit."""
        self._head.forget()  # this record becomes the head: the group commit reads it again
        return (await self._append_many(conn, [entry]))[0]

    def _records(self, entries: list[AuditEntry]) -> list[Row]:
        return [
            {
                "id": new_id("aud"),
                "actor_key_id": _clip("actor_key_id", entry.actor_key_id),
                "actor_owner": _clip("actor_owner", entry.actor_owner),
                "action": _clip("action", entry.action),
                "resource_type": _clip("resource_type", entry.resource_type),
                "resource_id": _clip("resource_id", entry.resource_id),
                "before": _scrubbed(entry.before),
                "after": _scrubbed(entry.after),
                "request_id": _clip("request_id", entry.request_id),
                "source_ip": _clip("source_ip", entry.source_ip),
                "success": bool(entry.success),
                "detail": redact(entry.detail) if entry.detail else entry.detail,
            }
            for entry in entries
        ]

    def _link(self, records: list[Row], head: tuple[int, str] | None) -> None:
        """Number and chain ``records`` after ``head`` (seq, hash) of the log."""
        seq, prev_hash = head if head is not None else (0, GENESIS_HASH)
        # microsecond precision is what both databases keep
        at = self.clock().astimezone(dt.UTC)
        for record in records:
            seq += 1
            record["seq"] = seq
            record["prev_hash"] = prev_hash
            record["at"] = at
            record["hash"] = prev_hash = record_hash(record)

    async def _append_many(self, conn: AsyncConnection, entries: list[AuditEntry]) -> list[Row]:
        records = self._records(entries)
        drv = await fast.driver(conn)
        if drv is not None:  # PostgreSQL: the lock, then the head in a snapshot taken after it
            await fast.execute(conn, drv, "SELECT pg_advisory_xact_lock($1)", (ADVISORY_LOCK_KEY,))
            found = await fast.fetchrow(conn, drv, audit_append.HEAD, ())
            self._link(records, (found["seq"], found["hash"]) if found is not None else None)
            await audit_append.insert(conn, drv, records, lock=False)
            return records
        first = (
            await conn.execute(
                select(t.audit_log.c.seq, t.audit_log.c.hash).order_by(t.audit_log.c.seq.desc()).limit(1)
            )
        ).first()
        self._link(records, (first.seq, first.hash) if first is not None else None)
        await conn.execute(insert(t.audit_log), records)
        return records

    async def record(
        self,
        conn: AsyncConnection,
        *,
        actor: Any,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        detail: str | None = None,
    ) -> None:
        """The resolver's AuditHook: a successful action recorded inside its own transaction."""
        await self.append_in(
            conn,
            AuditEntry(
                action=action,
                success=True,
                actor_key_id=getattr(actor, "key_id", None),
                actor_owner=getattr(actor, "owner", None),
                resource_type=resource_type,
                resource_id=resource_id,
                before=before,
                after=after,
                request_id=getattr(actor, "request_id", None),
                source_ip=getattr(actor, "source_ip", None),
                detail=detail,
            ),
        )

    # -- verifying ------------------------------------------------------------------

    async def _walk(self, batch: int) -> AsyncIterator[Row]:
        last = 0
        while True:
            async with self.engine.connect() as conn:
                rows = (
                    (
                        await conn.execute(
                            select(t.audit_log)
                            .where(t.audit_log.c.seq > last)
                            .order_by(t.audit_log.c.seq)
                            .limit(batch)
                        )
                    )
                    .mappings()
                    .all()
                )
            if not rows:
                return
            for row in rows:
                yield dict(row)
            last = rows[-1]["seq"]

    async def verify(self, *, batch: int = 1000) -> VerifyResult:
        """Walk the chain in seq order; report the first record that breaks it."""
        count = 0
        prev_hash = GENESIS_HASH
        prev_seq = 0
        async for row in self._walk(batch):
            count += 1
            reason = broken_link(row, prev_seq, prev_hash)
            if reason is not None:
                return VerifyResult(False, count, prev_hash, row["seq"], row["id"], reason)
            prev_hash = row["hash"]
            prev_seq = row["seq"]
        return VerifyResult(True, count, prev_hash)


def broken_link(row: Row, prev_seq: int, prev_hash: str) -> str | None:
    """Why ``row`` does not continue a chain whose last good record is (prev_seq, prev_hash)."""
    if record_hash(row) != row["hash"]:
        return "its contents do not match its hash (the record was altered)"
    if row["seq"] != prev_seq + 1:
        first, last = prev_seq + 1, row["seq"] - 1
        missing = str(first) if first == last else f"{first}..{last}"
        return f"records before it are missing (seq {missing} deleted)"
    if row["prev_hash"] != prev_hash:
        what = "the chain's start" if prev_seq == 0 else f"record seq={prev_seq}"
        return f"its prev_hash does not match {what} (a record was deleted or altered)"
    return None


def render(row: Row) -> dict[str, Any]:
    """An audit record as ``GET /v1/admin/audit`` shows it."""
    return {
        "id": row["id"],
        "object": "audit_record",
        "seq": row["seq"],
        "at": iso(row["at"]),
        "actor": {"key_id": row["actor_key_id"], "owner": row["actor_owner"]},
        "action": row["action"],
        "resource_type": row["resource_type"],
        "resource_id": row["resource_id"],
        "before": row["before"],
        "after": row["after"],
        "request_id": row["request_id"],
        "source_ip": row["source_ip"],
        "success": bool(row["success"]),
        "detail": row["detail"],
        "prev_hash": row["prev_hash"],
        "hash": row["hash"],
    }
