"""Lookups find changes the hub did not start (DESIGN §11): ``GET /v1/payments/{id}?refresh=true``.

After on-the-fly resolution of the payment's own uncertain operations, the adapter is asked
what the provider now says of the payment (:meth:`adapters.base.Adapter.payment_news`: its
captures, refunds, cancellation). Each piece of news is matched exactly as a webhook's is
(:func:`hub.services.inbox_match.decide`, which hands news that matches no operation of the
hub to :mod:`hub.services.adoption`) and applied through :func:`hub.services.outcomes.apply`,
one transaction per piece, the payment row locked. So a capture or refund made in the
provider's dashboard shows up on refresh even if its webhook never came; news the hub
already has changes nothing. A provider that cannot be reached leaves the payment as stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import LookupRequest, OperationKind, ProviderEvent
from hub.config import Settings
from hub.domain.ids import new_id
from hub.providers import Providers
from hub.services import outcomes
from hub.services.executor import scrub_outcome
from hub.services.inbox_match import decide
from hub.store import tables as t
from hub.store.repo import load

log = logging.getLogger("payhub.adoption")


async def refresh(
    engine: AsyncEngine,
    providers: Providers,
    settings: Settings,
    payment_id: str,
    owner: str | None,
    clock: Callable[[], dt.datetime],
) -> int:
    """Ask the provider about ``payment_id`` and apply what it says; the number of changes applied."""
    async with engine.connect() as conn:
        payment = await load(conn, t.payments, payment_id, owner=owner, what="payment")
    if not payment["provider_reference"]:
        return 0
    provider = providers.get(payment["account_id"])
    probe = new_id("op")  # names the lookup to the adapter; no operation row is written for it
    request = LookupRequest(
        operation_id=probe, idempotency_key=probe, payment_id=payment_id, amount=payment["amount"],
        currency=payment["currency"], kind=OperationKind.AUTHORIZE,
        provider_reference=payment["provider_reference"],
    )  # fmt: skip
    try:
        news = await provider.adapter.payment_news(request)
    except Exception:  # the provider could not be read: the stored payment stands
        log.warning("payment news of %s could not be read from %s", payment_id, provider.id, exc_info=True)
        return 0
    applied = 0
    for event in news:
        applied += await _apply(engine, settings, payment["account_id"], event, clock())
    return applied


async def _apply(
    engine: AsyncEngine, settings: Settings, account_id: str, event: ProviderEvent, now: dt.datetime
) -> int:
    async with engine.begin() as conn:
        decision = await decide(conn, account_id, event, now)
        if decision.apply is None or decision.operation is None:
            return 0
        await outcomes.apply(
            conn, decision.operation, scrub_outcome(decision.apply), action="lookup", now=now,
            schedule=settings.resolution.schedule,
        )  # fmt: skip
    if decision.note:
        log.info("refresh of %s: %s", decision.operation["resource_id"], decision.note)
    return 1
