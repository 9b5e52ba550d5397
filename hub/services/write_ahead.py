"""What every write-ahead service shares (payments, payouts; DESIGN §4).

* :func:`account_for` - the provider account a request goes to (``default_account`` if none);
* :func:`insert_operation` - the operation row committed *before* the provider call
  (status ``pending``, provider idempotency key derived from its id, a lease, a deadline);
* :func:`call_or_undo` - the call itself: a refusal by the adapter before anything was
  sent undoes what the write-ahead transaction wrote and becomes the API error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.base import OperationKind, Outcome
from hub.config import Settings
from hub.domain.errors import ValidationFailed
from hub.domain.ids import new_id, provider_idempotency_key
from hub.domain.operations import OpStatus, ResourceKind
from hub.providers import ProviderAccount, Providers
from hub.services.executor import adapter_refusal, call_adapter, lease_until
from hub.store import tables as t
from hub.store.repo import Row, insert_row


def account_for(providers: Providers, settings: Settings, account_id: str | None) -> ProviderAccount:
    chosen = account_id or settings.default_account
    if chosen is None:
        raise ValidationFailed("account is required (no default_account is configured)", field="account")
    return providers.get(chosen)


async def insert_operation(
    conn: AsyncConnection,
    *,
    settings: Settings,
    resource_kind: ResourceKind,
    resource_id: str,
    provider: ProviderAccount,
    kind: OperationKind,
    from_status: str,
    amount: int,
    currency: str,
    request: dict[str, Any],
    now: dt.datetime,
    provider_reference: str | None = None,
    refund_id: str | None = None,
) -> Row:
    op_id = new_id("op")
    row: Row = {
        "id": op_id,
        "resource_kind": resource_kind.value,
        "resource_id": resource_id,
        "refund_id": refund_id,
        "account_id": provider.id,
        "kind": kind.value,
        "status": OpStatus.PENDING.value,
        "from_status": from_status,
        "amount": amount,
        "currency": currency,
        "provider_idempotency_key": provider_idempotency_key(op_id),
        "provider_reference": provider_reference,
        "operation_reference": None,
        "request": request,
        "response": None,
        "failure": None,
        "reason": None,
        "attempts": 0,
        "requires_review": False,
        "lease_until": lease_until(provider, now, settings.resolution.lease_margin),
        "next_check_at": None,
        "deadline_at": now + dt.timedelta(hours=settings.resolution.deadline_hours),
        "created_at": now,
        "updated_at": now,
        "resolved_at": None,
    }
    await insert_row(conn, t.operations, row)
    return row


async def call_or_undo(
    provider: ProviderAccount,
    call: Callable[[], Awaitable[Outcome]],
    undo: Callable[[], Awaitable[None]],
    *,
    operation: str | None = None,
) -> tuple[Outcome, int]:
    """Call the adapter (never raises for provider trouble). If the adapter refuses the
    request before sending anything, ``undo`` the write-ahead and raise the API error.
    ``operation`` (the operation kind) labels the provider-call metrics."""
    try:
        return await call_adapter(provider, call, operation=operation)
    except Exception as exc:
        mapped = adapter_refusal(exc)
        if mapped is not exc:
            await undo()
        raise mapped from exc
