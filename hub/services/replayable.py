"""Money-moving requests that can be replayed byte for byte (DESIGN §11).

Providers refuse an idempotency key reused with different parameters, and the CVC is never
kept, so a request that carried one cannot be sent again identically. For an adapter that
declares ``tokenize``, a raw card is first turned into the provider's own token (a call
that moves no money, with its own key derived from the operation id); the token is written
on the operation *before* the money-moving call, which then carries only the token. A
replay rebuilds the very same request from the operation row.

What the operation's ``request`` records for this:

* ``provider_payment_method``: the provider's token the money-moving call carried;
* ``cvc_sent``: the call carried a CVC (not the CVC): it cannot be replayed identically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import (
    AuthorizeRequest,
    Capability,
    Outcome,
    OutcomeStatus,
    PaymentMethod,
    TokenizeRequest,
    tokenize_key,
)
from hub.domain.operations import OpStatus
from hub.providers import ProviderAccount
from hub.services.executor import lease_until
from hub.services.write_ahead import call_or_undo
from hub.store import tables as t
from hub.store.repo import Row

PROVIDER_PM = "provider_payment_method"
CVC_SENT = "cvc_sent"


def request_flags(method: PaymentMethod) -> dict[str, Any]:
    """What the operation's request summary says about the card it was sent with."""
    return {CVC_SENT: bool(method.type == "card" and method.card is not None and method.card.cvc)}


def tokenizes(provider: ProviderAccount, method: PaymentMethod) -> bool:
    return method.type == "card" and method.card is not None and provider.supports(Capability.TOKENIZE)


async def tokenize_first(
    engine: AsyncEngine,
    provider: ProviderAccount,
    op: Row,
    request: AuthorizeRequest,
    *,
    undo: Callable[[], Awaitable[None]],
    lease_margin: float,
    now: Callable[[], dt.datetime],
) -> AuthorizeRequest | Outcome:
    """``request`` carrying the provider's token instead of the raw card, the token recorded on
    the operation first; or the Outcome that ends the operation (no payment was attempted)."""
    method = request.payment_method
    if not tokenizes(provider, method):
        return request
    assert method.card is not None
    treq = TokenizeRequest(
        operation_id=op["id"],
        idempotency_key=tokenize_key(op["provider_idempotency_key"]),
        payment_id=request.payment_id,
        card=method.card,
    )
    outcome, _ = await call_or_undo(
        provider, lambda: provider.adapter.tokenize(treq), undo, operation="tokenize"
    )
    if outcome.status is OutcomeStatus.FAILED:
        return outcome  # the provider refused the card: nothing was charged
    if outcome.status is not OutcomeStatus.SUCCEEDED or not outcome.provider_reference:
        return Outcome(
            status=OutcomeStatus.RETRY,
            retry_after=outcome.retry_after,
            reason=f"the card could not be tokenized ({outcome.reason or outcome.status.value}); "
            "no payment was attempted",
        )
    token = outcome.provider_reference
    recorded = {**(op["request"] or {}), PROVIDER_PM: token}
    async with engine.begin() as conn:
        o = t.operations.c
        result = await conn.execute(
            update(t.operations)
            .where(o.id == op["id"], o.status == OpStatus.PENDING.value, o.attempts == 0)
            .values(request=recorded, lease_until=lease_until(provider, now(), lease_margin))
        )
    if result.rowcount != 1:  # resolution took the operation over: send nothing more
        return Outcome(status=OutcomeStatus.UNKNOWN, reason="the operation is being resolved")
    op["request"] = recorded
    return msgspec.structs.replace(request, payment_method=PaymentMethod(type="provider_token", token=token))
