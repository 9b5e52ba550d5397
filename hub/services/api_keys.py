"""API keys: random, stored as SHA-256 (they are 256-bit random, so a fast hash is right),
with one role each. Roles map to permissions; every endpoint checks exactly one."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.domain.errors import ValidationFailed
from hub.domain.ids import new_id
from hub.store import tables as t
from hub.store.repo import iso, utcnow

KEY_PREFIX = "phk_"


class Role(enum.StrEnum):
    ADMIN = "admin"
    PAYMENTS = "payments"
    REFUNDS = "refunds"
    PAYOUTS = "payouts"
    READ = "read"
    AUDITOR = "auditor"


class Permission(enum.StrEnum):
    READ = "read"  # GET payments, refunds, payouts, events, payment methods
    PAYMENTS_WRITE = "payments.write"  # create / capture / void / authenticate
    REFUNDS_WRITE = "refunds.write"
    PAYOUTS_WRITE = "payouts.write"
    PAYMENT_METHODS_WRITE = "payment_methods.write"
    WEBHOOK_ENDPOINTS_WRITE = "webhook_endpoints.write"
    AUDIT_READ = "audit.read"
    LEDGER_READ = "ledger.read"  # the books span every owner: read, auditor and admin keys only
    ADMIN = "admin"  # accounts, api keys, operations review


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PAYMENTS: frozenset({P.READ, P.PAYMENTS_WRITE, P.PAYMENT_METHODS_WRITE, P.WEBHOOK_ENDPOINTS_WRITE}),
    Role.REFUNDS: frozenset({P.READ, P.REFUNDS_WRITE}),
    Role.PAYOUTS: frozenset({P.READ, P.PAYOUTS_WRITE}),
    Role.READ: frozenset({P.READ, P.LEDGER_READ}),
    Role.AUDITOR: frozenset({P.READ, P.AUDIT_READ, P.LEDGER_READ}),
}


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class KeyInfo:
    id: str
    owner: str
    name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


class ApiKeys:
    def __init__(self, engine: AsyncEngine, *, cache_seconds: float = 10.0) -> None:
        self.engine = engine
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, KeyInfo | None]] = {}

    async def create(
        self, *, role: str, name: str, owner: str = "default", key: str | None = None
    ) -> tuple[str, dict[str, object]]:
        try:
            r = Role(role)
        except ValueError:
            raise ValidationFailed(
                f"role must be one of {', '.join(x.value for x in Role)}", field="role"
            ) from None
        if not name or len(name) > 128:
            raise ValidationFailed("name must be 1-128 characters", field="name")
        secret = key or KEY_PREFIX + secrets.token_urlsafe(32)
        row = {
            "id": new_id("key"),
            "prefix": secret[:10],
            "hash": hash_key(secret),
            "owner": owner,
            "name": name,
            "role": r.value,
            "created_at": utcnow(),
        }
        async with self.engine.begin() as conn:
            await conn.execute(insert(t.api_keys).values(**row))
        return secret, self.describe(row)

    @staticmethod
    def describe(row: Mapping[str, Any]) -> dict[str, object]:
        return {
            "id": row["id"],
            "object": "api_key",
            "name": row["name"],
            "owner": row["owner"],
            "role": row["role"],
            "prefix": row["prefix"],
            "created_at": iso(row["created_at"]),  # type: ignore[arg-type]
            "revoked_at": iso(row.get("revoked_at")),  # type: ignore[arg-type]
        }

    async def ensure(self, key: str, *, role: str = "admin", name: str = "bootstrap") -> bool:
        """Make ``key`` a valid key with ``role`` (idempotent). True if it was created."""
        async with self.engine.connect() as conn:
            exists = await conn.scalar(select(t.api_keys.c.id).where(t.api_keys.c.hash == hash_key(key)))
        if exists:
            return False
        await self.create(role=role, name=name, key=key)
        return True

    async def count(self) -> int:
        async with self.engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(t.api_keys)) or 0)

    async def authenticate(self, key: str) -> KeyInfo | None:
        h = hash_key(key)
        now = time.monotonic()
        hit = self._cache.get(h)
        if hit is not None and hit[0] > now:
            return hit[1]
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        select(t.api_keys).where(t.api_keys.c.hash == h, t.api_keys.c.revoked_at.is_(None))
                    )
                )
                .mappings()
                .first()
            )
        info = KeyInfo(row["id"], row["owner"], row["name"], Role(row["role"])) if row else None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[h] = (now + self.cache_seconds, info)
        return info

    async def list(self) -> list[dict[str, object]]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.api_keys).order_by(t.api_keys.c.id))).mappings().all()
        return [self.describe(dict(r)) for r in rows]

    async def revoke(self, key_id: str) -> dict[str, object] | None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(t.api_keys).where(t.api_keys.c.id == key_id).values(revoked_at=dt.datetime.now(dt.UTC))
            )
            row = (await conn.execute(select(t.api_keys).where(t.api_keys.c.id == key_id))).mappings().first()
        self._cache.clear()
        return self.describe(dict(row)) if row else None
