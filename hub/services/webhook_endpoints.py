"""Webhook endpoints: the URLs an owner subscribes to events, their secrets and delivery history.

The signing secret (``whsec_`` + base64 of 24 random bytes, per Standard Webhooks)
is returned once, by :meth:`WebhookEndpoints.create`, and stored only as vault
ciphertext bound to the endpoint (owner, kind, endpoint id).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import httpx
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.domain.errors import NotFound, ValidationFailed
from hub.domain.ids import new_id
from hub.domain.states import PayoutStatus, Status
from hub.store import tables as t
from hub.store.outbox import ENABLED, PENDING
from hub.store.repo import Row, iso, load, utcnow
from vault.envelope import Context
from vault.vault import Vault
from webhooks import standard

DISABLED: Final = "disabled"
DELIVERED: Final = "delivered"
FAILED: Final = "failed"
MAX_URL_LENGTH: Final = 2048
MAX_DESCRIPTION_LENGTH: Final = 255
MAX_EVENT_TYPES: Final = 64

_PAYMENT_STATUSES = tuple(s.value for s in Status if s != Status.NEW)
_PAYOUT_STATUSES = tuple(s.value for s in PayoutStatus if s != PayoutStatus.NEW)
KNOWN_EVENT_TYPES: Final[frozenset[str]] = frozenset(
    {
        *(f"payment.{s}" for s in _PAYMENT_STATUSES),
        "refund.succeeded",
        "refund.failed",
        *(f"payout.{s}" for s in _PAYOUT_STATUSES),
        "operation.requires_review",
        "reconciliation.completed",  # hub.reconciliation (DESIGN §14)
        "reconciliation.exceptions",
    }
)
WILDCARDS: Final[frozenset[str]] = frozenset(
    {"*", *(f"{name.split('.', 1)[0]}.*" for name in KNOWN_EVENT_TYPES)}
)


def secret_context(owner: str, endpoint_id: str) -> Context:
    return Context(owner=owner, kind="webhook_endpoint.secret", record_id=endpoint_id)


def validate_url(url: str) -> str:
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(f"url must be 1-{MAX_URL_LENGTH} characters", field="url")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise ValidationFailed("url is not a valid URL", field="url") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValidationFailed("url must be an absolute http:// or https:// URL", field="url")
    return url


def validate_event_types(event_types: Sequence[str]) -> list[str]:
    if not event_types:
        raise ValidationFailed("event_types must name at least one event type (or '*')", field="event_types")
    if len(event_types) > MAX_EVENT_TYPES:
        raise ValidationFailed(f"event_types takes at most {MAX_EVENT_TYPES} entries", field="event_types")
    unknown = [e for e in event_types if e not in KNOWN_EVENT_TYPES and e not in WILDCARDS]
    if unknown:
        raise ValidationFailed(
            f"event_types: unknown event type(s) {', '.join(repr(u) for u in unknown)}; known types are "
            f"{', '.join(sorted(KNOWN_EVENT_TYPES))}, or a wildcard such as '*' or 'payment.*'",
            field="event_types",
        )
    return list(dict.fromkeys(event_types))


def describe(row: Row) -> dict[str, Any]:
    """An endpoint as the API shows it (never its secret: that is shown once, at creation)."""
    return {
        "id": row["id"],
        "object": "webhook_endpoint",
        "url": row["url"],
        "event_types": list(row["event_types"] or []),
        "description": row["description"],
        "status": row["status"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def describe_delivery(row: Row) -> dict[str, Any]:
    pending = row["status"] == PENDING
    return {
        "id": row["id"],
        "object": "webhook_delivery",
        "endpoint_id": row["endpoint_id"],
        "event_id": row["event_id"],
        "event_type": row["event_type"],
        "status": row["status"],
        "attempts": row["attempts"],
        "last_status_code": row["last_status_code"],
        "last_error": row["last_error"],
        "next_attempt_at": iso(row["next_attempt_at"]) if pending else None,
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def describe_attempt(row: Row, number: int) -> dict[str, Any]:
    code = row["status_code"]
    return {
        "object": "webhook_delivery_attempt",
        "delivery_id": row["delivery_id"],
        "number": number,
        "status_code": code,
        "succeeded": code is not None and 200 <= code < 300,
        "error": row["error"],
        "duration_ms": row["duration_ms"],
        "at": iso(row["at"]),
    }


class WebhookEndpoints:
    def __init__(self, engine: AsyncEngine, vault: Vault, clock: Any = utcnow) -> None:
        self.engine = engine
        self.vault = vault
        self.clock = clock

    async def create(
        self, owner: str, *, url: str, event_types: Sequence[str], description: str | None = None
    ) -> tuple[Row, str]:
        """The new endpoint row and its plaintext secret (to be shown once, then forgotten)."""
        url = validate_url(url)
        types = validate_event_types(event_types)
        if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
            raise ValidationFailed(
                f"description must be at most {MAX_DESCRIPTION_LENGTH} characters", field="description"
            )
        endpoint_id = new_id("we")
        secret = standard.generate_secret(24)
        blob = await self.vault.encrypt(secret.encode(), secret_context(owner, endpoint_id))
        now = self.clock()
        row: Row = {
            "id": endpoint_id,
            "owner": owner,
            "url": url,
            "event_types": types,
            "secret": blob,
            "status": ENABLED,
            "description": description,
            "created_at": now,
            "updated_at": now,
        }
        async with self.engine.begin() as conn:
            await conn.execute(insert(t.webhook_endpoints).values(**row))
        return row, secret

    async def get(self, owner: str, endpoint_id: str) -> Row:
        async with self.engine.connect() as conn:
            return await load(conn, t.webhook_endpoints, endpoint_id, owner=owner, what="webhook endpoint")

    async def secret_of(self, row: Row) -> str:
        plain = await self.vault.decrypt(row["secret"], secret_context(row["owner"], row["id"]))
        return plain.decode()

    async def delete(self, owner: str, endpoint_id: str) -> Row:
        """Remove the endpoint with its deliveries and their attempts (the events stay in the feed)."""
        d = t.webhook_deliveries.c
        async with self.engine.begin() as conn:
            row = await load(
                conn, t.webhook_endpoints, endpoint_id, owner=owner, lock=True, what="webhook endpoint"
            )
            ids = select(d.id).where(d.endpoint_id == endpoint_id).scalar_subquery()
            await conn.execute(delete(t.delivery_attempts).where(t.delivery_attempts.c.delivery_id.in_(ids)))
            await conn.execute(delete(t.webhook_deliveries).where(d.endpoint_id == endpoint_id))
            await conn.execute(delete(t.webhook_endpoints).where(t.webhook_endpoints.c.id == endpoint_id))
        return row

    async def enable(self, owner: str, endpoint_id: str) -> Row:
        """Re-enable an endpoint (disabled after a 410): new events reach it again."""
        now = self.clock()
        async with self.engine.begin() as conn:
            await load(
                conn, t.webhook_endpoints, endpoint_id, owner=owner, lock=True, what="webhook endpoint"
            )
            await conn.execute(
                update(t.webhook_endpoints)
                .where(t.webhook_endpoints.c.id == endpoint_id)
                .values(status=ENABLED, updated_at=now)
            )
            return await load(conn, t.webhook_endpoints, endpoint_id, what="webhook endpoint")

    async def delivery(self, owner: str, endpoint_id: str, delivery_id: str) -> Row:
        async with self.engine.connect() as conn:
            await load(conn, t.webhook_endpoints, endpoint_id, owner=owner, what="webhook endpoint")
            return await load_delivery(conn, endpoint_id, delivery_id)

    async def attempts(self, owner: str, endpoint_id: str, delivery_id: str) -> list[dict[str, Any]]:
        """Every attempt of a delivery, oldest first, numbered from 1."""
        await self.delivery(owner, endpoint_id, delivery_id)
        a = t.delivery_attempts.c
        async with self.engine.connect() as conn:
            rows = (
                (
                    await conn.execute(
                        select(t.delivery_attempts).where(a.delivery_id == delivery_id).order_by(a.id)
                    )
                )
                .mappings()
                .all()
            )
        return [describe_attempt(dict(r), i) for i, r in enumerate(rows, start=1)]


async def load_delivery(conn: AsyncConnection, endpoint_id: str, delivery_id: str) -> Row:
    """One delivery of one endpoint (NotFound otherwise)."""
    d = t.webhook_deliveries.c
    stmt = select(t.webhook_deliveries).where(d.id == delivery_id, d.endpoint_id == endpoint_id)
    row = (await conn.execute(stmt)).mappings().first()
    if row is None:
        raise NotFound(f"no webhook delivery {delivery_id!r} for endpoint {endpoint_id!r}")
    return dict(row)
