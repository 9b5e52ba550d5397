"""Square webhooks: ``x-square-hmacsha256-signature`` and normalisation to ProviderEvents.

Square signs the notification URL followed by the raw body: the header is the base64
HMAC-SHA256 of ``webhook_url + body`` under the subscription's signature key
(https://developer.squareup.com/docs/webhooks/step3validate). The URL must be the one
configured at Square exactly (credential ``webhook_url``). There is no timestamp in the
scheme; duplicates are stopped by the inbox (event_id).

Events: ``payment.created`` / ``payment.updated`` (``data.object.payment``) and
``refund.created`` / ``refund.updated`` (``data.object.refund``); others are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import msgspec

from adapters.base import (
    OperationKind,
    Outcome,
    OutcomeStatus,
    ProviderEvent,
    WebhookFormatError,
    WebhookVerificationError,
)
from adapters.square import mapping as m
from webhooks.errors import SignatureError
from webhooks.hmac_header import HmacHeaderScheme

HEADER = "x-square-hmacsha256-signature"
SCHEME = HmacHeaderScheme(header=HEADER, encoding="base64")


def sign(body: bytes, key: str, url: str) -> dict[str, str]:
    return SCHEME.sign(url.encode() + body, key)


def verify(headers: Mapping[str, str], body: bytes, key: str, url: str) -> None:
    if not key or not url:
        raise WebhookVerificationError("no Square webhook_signature_key / webhook_url configured")
    try:
        SCHEME.verify(headers, url.encode() + body, [key])
    except (SignatureError, ValueError) as exc:
        raise WebhookVerificationError(str(exc)) from exc


def _when(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def parse_events(headers: Mapping[str, str], body: bytes, key: str, url: str) -> list[ProviderEvent]:
    verify(headers, body, key, url)
    try:
        event = msgspec.json.decode(body, type=m.Event)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise WebhookFormatError(f"not a Square event: {exc}") from exc
    return [normalise(event)]


def normalise(event: m.Event) -> ProviderEvent:
    base = ProviderEvent(event_id=event.event_id, type=event.type, occurred_at=_when(event.created_at))
    obj = event.data.object if event.data else None
    if obj is None:
        return base
    if event.type.startswith("payment.") and obj.payment is not None:
        payment = obj.payment
        card = payment.card_details.status if payment.card_details else None
        if payment.status == "CANCELED" or card == "VOIDED":
            kind = OperationKind.VOID
            outcome = Outcome(status=OutcomeStatus.SUCCEEDED, provider_reference=payment.id,
                              summary=m.payment_summary(payment))
        elif payment.status == "COMPLETED" and card == "CAPTURED" and event.type == "payment.updated":
            kind, outcome = OperationKind.CAPTURE, m.capture_outcome(payment)
        else:
            kind, outcome = OperationKind.AUTHORIZE, m.payment_outcome(payment)
        return msgspec.structs.replace(base, kind=kind, outcome=outcome, payment_id=payment.reference_id,
                                       provider_reference=payment.id)
    if event.type.startswith("refund.") and obj.refund is not None:
        refund = obj.refund
        return msgspec.structs.replace(base, kind=OperationKind.REFUND, outcome=m.refund_outcome(refund),
                                       provider_reference=refund.payment_id, operation_reference=refund.id,
                                       refund_id=m.refund_id_of(refund.reason))
    return base
