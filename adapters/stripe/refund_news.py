"""``charge.refunded``: which refunds the Charge now carries, each as its own refund news.

Stripe's ``charge.refunded`` sends the Charge, whose ``amount_refunded`` is a total: it does
not say which refund happened. A refund made in the Stripe dashboard carries none of the
hub's metadata, so the hub can adopt it (DESIGN §11) only with the refund's own id. The
Charge's ``refunds`` list gives them when the event includes it (older API versions, or
expanded); otherwise one ``GET /v1/refunds?payment_intent=...`` does (as the PayPal adapter
reads a refund's capture). Each refund becomes a REFUND event of its own, with the event id
``{event id}:{refund id}`` so a redelivered ``charge.refunded`` is stored once per refund;
the original event stays as it was (news without an outcome). Best effort: if the list
cannot be read, only the original event is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpx
import msgspec

from adapters.base import OperationKind, Outcome, OutcomeStatus, ProviderEvent
from adapters.stripe import mapping as m

log = logging.getLogger("payhub.adapters.stripe")

MD_PAYMENT = "payhub_payment_id"
MD_REFUND = "payhub_refund_id"

LOOKUP_TYPE = "payhub.lookup"  # the ProviderEvent.type of news found by a lookup

Get = Callable[[str, Iterable[tuple[str, str]]], Awaitable[httpx.Response | Outcome]]


def _charge(body: bytes) -> dict[str, Any] | None:
    try:
        doc = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None
    obj = (doc.get("data") or {}).get("object") if isinstance(doc, dict) else None
    return obj if isinstance(obj, dict) else None


async def _refunds_of(charge: dict[str, Any], get: Get) -> list[m.Refund] | None:
    listed = charge.get("refunds")
    if isinstance(listed, dict) and isinstance(listed.get("data"), list) and not listed.get("has_more"):
        try:
            return msgspec.convert(listed["data"], type=list[m.Refund])
        except msgspec.ValidationError:
            return None
    pi = charge.get("payment_intent")
    if not isinstance(pi, str) or not pi.startswith("pi_"):
        return None
    reply = await get("/v1/refunds", [("payment_intent", pi), ("limit", "100")])
    if isinstance(reply, Outcome) or not reply.is_success:
        return None
    try:
        return msgspec.json.decode(reply.content, type=m.RefundList).data
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


async def expand(body: bytes, events: list[ProviderEvent], get: Get) -> list[ProviderEvent]:
    """``events`` (parsed from ``body``), plus one REFUND event per refund of a ``charge.refunded``."""
    out = list(events)
    for event in events:
        if event.type != "charge.refunded":
            continue
        charge = _charge(body)
        if charge is None:
            continue
        refunds = await _refunds_of(charge, get)
        if refunds is None:
            log.info("charge.refunded %s: the charge's refunds could not be read", event.event_id)
            continue
        metadata = charge.get("metadata")
        payment_id = metadata.get(MD_PAYMENT) if isinstance(metadata, dict) else None
        charge_id = charge.get("id")
        for refund in refunds:
            if refund.charge and charge_id and refund.charge != charge_id:
                continue  # another charge of the same PaymentIntent
            out.append(
                msgspec.structs.replace(
                    event,
                    event_id=f"{event.event_id}:{refund.id}",
                    kind=OperationKind.REFUND,
                    outcome=m.refund_outcome(refund),
                    payment_id=refund.metadata.get(MD_PAYMENT) or payment_id,
                    provider_reference=refund.payment_intent or event.provider_reference,
                    operation_reference=refund.id,
                    refund_id=refund.metadata.get(MD_REFUND),
                )
            )
    return out


async def payment_news(pi_id: str, get: Get) -> list[ProviderEvent]:
    """A lookup of a PaymentIntent as news (``GET /v1/payment_intents/{id}``, then its refunds):
    a manual-capture PaymentIntent that ``succeeded`` was captured, ``canceled`` was voided,
    and each refund is refund news. ``[]`` if Stripe cannot be read."""
    reply = await get(f"/v1/payment_intents/{pi_id}", [])
    if isinstance(reply, Outcome) or not reply.is_success:
        return []
    try:
        pi = msgspec.json.decode(reply.content, type=m.PaymentIntent)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return []
    base = ProviderEvent(
        event_id=f"lookup:{pi.id}:{pi.status}", type=LOOKUP_TYPE,
        payment_id=pi.metadata.get(MD_PAYMENT), provider_reference=pi.id,
    )  # fmt: skip
    news: list[ProviderEvent] = []
    if pi.status == "succeeded" and pi.capture_method == "manual":
        news.append(
            msgspec.structs.replace(base, kind=OperationKind.CAPTURE, outcome=m.payment_intent_outcome(pi))
        )
    elif pi.status == "canceled":
        void = Outcome(status=OutcomeStatus.SUCCEEDED, provider_reference=pi.id, summary=m.pi_summary(pi))
        news.append(msgspec.structs.replace(base, kind=OperationKind.VOID, outcome=void))
    if pi.status != "succeeded":
        return news
    charge = {"payment_intent": pi.id, "metadata": pi.metadata}
    for refund in await _refunds_of(charge, get) or []:
        news.append(
            msgspec.structs.replace(
                base,
                event_id=f"lookup:{refund.id}:{refund.status}",
                kind=OperationKind.REFUND,
                outcome=m.refund_outcome(refund),
                payment_id=refund.metadata.get(MD_PAYMENT) or base.payment_id,
                operation_reference=refund.id,
                refund_id=refund.metadata.get(MD_REFUND),
            )
        )
    return news
