"""PayPal webhooks: verified by PayPal itself, then normalised to ProviderEvents.

``POST /v1/notifications/verify-webhook-signature`` takes the five ``PAYPAL-*``
transmission headers, the account's ``webhook_id`` and the event, and answers
``{"verification_status": "SUCCESS" | "FAILURE"}`` (notifications_webhooks_v1). PayPal
signs the exact bytes it sent (its CRC32 is part of the signed string), so the event is
passed on as the raw body, spliced into the request unchanged, never re-serialised.

Anything other than SUCCESS (FAILURE, a missing header, PayPal unreachable) refuses the
notification: the hub answers 401, stores nothing, and PayPal delivers it again later.

Events (resource types from PayPal's webhook event names):

* ``PAYMENT.AUTHORIZATION.CREATED`` / ``.VOIDED`` -> authorize succeeded / void succeeded
* ``PAYMENT.CAPTURE.COMPLETED`` / ``.PENDING`` / ``.DECLINED`` / ``.DENIED`` -> capture news
  (authorize news for an intent=CAPTURE order: no authorization behind the capture)
* ``PAYMENT.CAPTURE.REFUNDED`` / ``.REVERSED``, ``PAYMENT.REFUND.*`` (resource: the refund)
  -> refund news, matched by the hub's refund id in ``custom_id``
* anything else: stored and ignored

A refund PayPal made without the hub names no hub id; its capture (one GET) names the payment
and the order, so the hub adopts it (DESIGN §11).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from adapters.base import (
    InvalidRequest,
    OperationKind,
    Outcome,
    ProviderEvent,
    WebhookFormatError,
    WebhookVerificationError,
)
from adapters.paypal import mapping as m
from adapters.paypal.calls import PayPalCalls, error_outcome, safe_id

VERIFY_PATH = "/v1/notifications/verify-webhook-signature"
HEADERS = {
    "auth_algo": "paypal-auth-algo",
    "cert_url": "paypal-cert-url",
    "transmission_id": "paypal-transmission-id",
    "transmission_sig": "paypal-transmission-sig",
    "transmission_time": "paypal-transmission-time",
}


def verification_body(headers: Mapping[str, str], webhook_id: str, body: bytes) -> bytes:
    """The verify-webhook-signature request, with the raw event bytes as ``webhook_event``."""
    fields: dict[str, str] = {}
    for name, header in HEADERS.items():
        value = headers.get(header)
        if not value:
            raise WebhookVerificationError(f"missing {header} header")
        fields[name] = value
    fields["webhook_id"] = webhook_id
    head = msgspec.json.encode(fields)
    return head[:-1] + b',"webhook_event":' + body.strip() + b"}"


async def verify_and_parse(
    calls: PayPalCalls, webhook_id: str, headers: Mapping[str, str], body: bytes
) -> list[ProviderEvent]:
    if not webhook_id:
        raise WebhookVerificationError("no PayPal webhook_id configured for this account")
    try:
        event = msgspec.json.decode(body, type=m.WebhookEvent)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise WebhookFormatError(f"not a PayPal webhook event: {exc}") from exc
    request = verification_body(headers, webhook_id, body)
    result = await calls.call("POST", VERIFY_PATH, body=request, paypal_request_id=None)
    if isinstance(result, Outcome):
        raise WebhookVerificationError(f"PayPal could not be asked to verify the event: {result.reason}")
    if not result.is_success:
        out = error_outcome(result)
        raise WebhookVerificationError(f"PayPal refused the verification request ({result.status_code}, "
                                       f"{out.summary.get('issue') or out.summary.get('name')})")
    try:
        reply = msgspec.json.decode(result.content, type=m.VerifyReply)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise WebhookVerificationError(f"unreadable verification reply: {exc}") from exc
    if reply.verification_status != "SUCCESS":
        raise WebhookVerificationError(f"PayPal says the signature is invalid ({reply.verification_status})")
    try:
        normalised = normalise(event)
    except (msgspec.ValidationError, TypeError, KeyError) as exc:
        raise WebhookFormatError(f"unexpected {event.event_type} payload: {exc}") from exc
    return [await _tie_refund(calls, event, normalised)]


async def _tie_refund(calls: PayPalCalls, event: m.WebhookEvent, normalised: ProviderEvent) -> ProviderEvent:
    """A refund PayPal made without the hub (dashboard, support) names no hub id: its capture
    (the refund's ``up`` link) names the payment (``custom_id``) and the order, so the hub can
    adopt it (DESIGN §11). Best effort: without it the event is stored unmatched."""
    if normalised.kind is not OperationKind.REFUND or normalised.refund_id or normalised.payment_id:
        return normalised
    capture_id = m.capture_of_refund(msgspec.convert(event.resource, type=m.Refund))
    if not capture_id:
        return normalised
    try:
        path = f"/v2/payments/captures/{safe_id(capture_id, 'capture')}"
    except InvalidRequest:
        return normalised
    capture = calls.decode(await calls.get(path), m.Capture)
    if isinstance(capture, Outcome):
        return normalised
    order_id = _related(capture).order_id
    outcome = normalised.outcome
    if outcome is not None and order_id:
        outcome = msgspec.structs.replace(outcome, provider_reference=order_id)
    return msgspec.structs.replace(normalised, payment_id=capture.custom_id, provider_reference=order_id,
                                   outcome=outcome)


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _related(resource: m.Authorization | m.Capture) -> m.RelatedIds:
    data = resource.supplementary_data
    return data.related_ids if data and data.related_ids else m.RelatedIds()


def normalise(event: m.WebhookEvent) -> ProviderEvent:
    base = ProviderEvent(event_id=event.id, type=event.event_type, occurred_at=_when(event.create_time))
    etype = event.event_type
    obj: dict[str, Any] = event.resource
    if etype.startswith("PAYMENT.AUTHORIZATION."):
        auth = msgspec.convert(obj, type=m.Authorization)
        order_id = _related(auth).order_id
        if etype == "PAYMENT.AUTHORIZATION.VOIDED":
            kind, outcome = OperationKind.VOID, m.void_outcome(auth, order_id)
        else:
            order = m.Order(id=order_id or auth.id, status="COMPLETED", intent="AUTHORIZE",
                            purchase_units=[m.PurchaseUnit(payments=m.Payments(authorizations=[auth]))])
            kind, outcome = OperationKind.AUTHORIZE, m.order_outcome(order)
        return msgspec.structs.replace(base, kind=kind, outcome=outcome, payment_id=auth.custom_id,
                                       provider_reference=order_id, operation_reference=auth.id)
    if etype in ("PAYMENT.CAPTURE.REFUNDED", "PAYMENT.CAPTURE.REVERSED") or etype.startswith("PAYMENT.REFUND."):
        refund = msgspec.convert(obj, type=m.Refund)
        return msgspec.structs.replace(base, kind=OperationKind.REFUND, outcome=m.refund_outcome(refund, None),
                                       operation_reference=refund.id, refund_id=refund.custom_id)
    if etype.startswith("PAYMENT.CAPTURE."):
        capture = msgspec.convert(obj, type=m.Capture)
        related = _related(capture)
        outcome = m.capture_outcome(capture, related.order_id)
        kind = OperationKind.CAPTURE if related.authorization_id else OperationKind.AUTHORIZE
        return msgspec.structs.replace(base, kind=kind, outcome=outcome, payment_id=capture.custom_id,
                                       provider_reference=related.order_id, operation_reference=capture.id)
    return base
