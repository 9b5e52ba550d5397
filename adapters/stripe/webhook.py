"""Stripe webhook events: verify ``Stripe-Signature`` and normalise to ProviderEvents.

https://docs.stripe.com/webhooks#verify-events : ``t=<ts>,v1=<hex hmac>`` over
``"{t}.{raw body}"``, 300 s tolerance; several ``v1`` entries and several secrets
(``webhook_secret`` and ``webhook_secret_previous`` while rolling) are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from adapters.base import (
    OperationKind,
    Outcome,
    OutcomeStatus,
    ProviderEvent,
    WebhookFormatError,
    WebhookVerificationError,
)
from adapters.stripe import disputes
from adapters.stripe import mapping as m
from webhooks import stripe as stripe_sig
from webhooks.errors import SignatureError

TOLERANCE = 300

_PI_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.amount_capturable_updated",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.requires_action",
    "payment_intent.processing",
}
_REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}
_PAYOUT_EVENTS = {
    "payout.created",
    "payout.updated",
    "payout.paid",
    "payout.failed",
    "payout.canceled",
}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name) or headers.get(name.lower())
    if value is None:
        for key, candidate in headers.items():
            if key.lower() == name.lower():
                return candidate
    return value


def verify(
    headers: Mapping[str, str], body: bytes, secrets: Sequence[str], *, now: float | None = None
) -> int:
    if not secrets:
        raise WebhookVerificationError("no Stripe webhook secret configured for this account")
    try:
        return stripe_sig.verify(
            body, _header(headers, "Stripe-Signature"), secrets, tolerance=TOLERANCE, now=now
        )
    except SignatureError as exc:
        raise WebhookVerificationError(str(exc)) from exc
    except ValueError as exc:
        raise WebhookVerificationError(str(exc)) from exc


def parse_events(
    headers: Mapping[str, str], body: bytes, secrets: Sequence[str], *, now: float | None = None
) -> list[ProviderEvent]:
    verify(headers, body, secrets, now=now)
    try:
        event = msgspec.json.decode(body, type=m.Event)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise WebhookFormatError(f"not a Stripe event: {exc}") from exc
    try:
        return [normalise(event)]
    except (msgspec.ValidationError, TypeError, KeyError, ValueError) as exc:
        raise WebhookFormatError(f"unexpected {event.type} payload: {exc}") from exc


def _convert(obj: dict[str, Any], type_: type[Any]) -> Any:
    return msgspec.convert(obj, type=type_)


def normalise(event: m.Event) -> ProviderEvent:
    """One Stripe event -> one ProviderEvent (kind None for types the hub ignores)."""
    occurred = datetime.fromtimestamp(event.created, UTC) if event.created else None
    base = ProviderEvent(event_id=event.id, type=event.type, occurred_at=occurred)
    obj = event.data.object
    etype = event.type
    if etype in _PI_EVENTS:
        pi: m.PaymentIntent = _convert(obj, m.PaymentIntent)
        outcome = m.payment_intent_outcome(pi)
        kind = OperationKind.AUTHORIZE
        if etype == "payment_intent.succeeded" and pi.capture_method == "manual":
            kind = OperationKind.CAPTURE  # a manual-capture PI succeeds only by capture
        elif etype == "payment_intent.canceled":
            kind = OperationKind.VOID
            outcome = Outcome(
                status=OutcomeStatus.SUCCEEDED, provider_reference=pi.id, summary=m.pi_summary(pi)
            )
        return msgspec.structs.replace(
            base,
            kind=kind,
            outcome=outcome,
            payment_id=pi.metadata.get("payhub_payment_id"),
            provider_reference=pi.id,
        )
    if etype in _REFUND_EVENTS:
        refund: m.Refund = _convert(obj, m.Refund)
        return msgspec.structs.replace(
            base,
            kind=OperationKind.REFUND,
            outcome=m.refund_outcome(refund),
            payment_id=refund.metadata.get("payhub_payment_id"),
            provider_reference=refund.payment_intent,
            operation_reference=refund.id,
            refund_id=refund.metadata.get("payhub_refund_id"),
        )
    if etype == "charge.refunded":
        # the Charge says how much is refunded in total, not which refund: news to look up
        md = obj.get("metadata") or {}
        pi_ref = obj.get("payment_intent")
        return msgspec.structs.replace(
            base,
            kind=OperationKind.REFUND,
            outcome=None,
            payment_id=md.get("payhub_payment_id") if isinstance(md, dict) else None,
            provider_reference=pi_ref if isinstance(pi_ref, str) else None,
        )
    if etype in disputes.DISPUTE_EVENTS:  # adapters.stripe.disputes
        return disputes.event_of(base, obj)
    if etype in _PAYOUT_EVENTS:
        payout: m.Payout = _convert(obj, m.Payout)
        prev = (event.data.previous_attributes or {}).get("status")
        return msgspec.structs.replace(
            base,
            kind=OperationKind.PAYOUT,
            outcome=m.payout_outcome(payout, previous_status=prev if isinstance(prev, str) else None),
            payment_id=payout.metadata.get("payhub_payout_id"),
            provider_reference=payout.id,
            operation_reference=payout.id,
        )
    return base
