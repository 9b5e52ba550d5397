"""What the payments service is handed and hands back: the actor, the caller's idempotency
scope, the resolved payment method, the result (``hub.services.payments`` re-exports them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.base import (
    PaymentMethod,
)
from hub.providers import ProviderAccount


class IdempotencyScope(Protocol):
    """Written by ``idempotency``: the key row joins the transactions that create things."""

    async def claim(self, conn: AsyncConnection, resource_type: str, resource_id: str) -> None: ...
    async def complete(self, conn: AsyncConnection, status: int, body: bytes) -> None: ...
    async def release(self, conn: AsyncConnection) -> None: ...


@dataclass(frozen=True)
class Actor:
    key_id: str | None
    owner: str
    role: str
    request_id: str | None = None
    source_ip: str | None = None


@dataclass
class ResolvedMethod:
    """A payment method ready for the adapter (card decrypted in memory) + its masked view."""

    for_adapter: PaymentMethod
    masked: dict[str, Any]
    # a card tokenized on the way in: its vault row, written in the payment's transaction
    new_row: dict[str, Any] | None = None


class MethodResolver(Protocol):
    async def resolve(self, owner: str, raw: dict[str, Any], provider: ProviderAccount) -> ResolvedMethod: ...

    async def card_facts(self, owner: str, raw: dict[str, Any]) -> tuple[str | None, str | None]: ...


class Resolver(Protocol):
    async def resolve_operation(self, operation_id: str) -> None: ...


@dataclass
class Result:
    status_code: int
    body: dict[str, Any]


def encode(body: dict[str, Any]) -> bytes:
    return msgspec.json.encode(body)
