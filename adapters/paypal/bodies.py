"""The JSON bodies the adapter sends to PayPal, one function each (so a retry of one
step sends the same bytes). Field names and limits from PayPal's OpenAPI documents.

Where the hub's ids go (DESIGN §11: lookups and webhooks can always be tied back):

* order purchase unit: ``reference_id`` = the operation id, ``custom_id`` = the payment id
  (PayPal copies it onto the authorizations and captures, so their webhooks name the
  payment), ``invoice_id`` = the payment id (unique per payment: PayPal may refuse a
  repeated invoice id);
* capture: ``invoice_id`` = the capture's operation id (found again by lookup);
* refund: ``custom_id`` = the hub's refund id, ``invoice_id`` = the refund's operation id.

PayPal has no free-form metadata: ``metadata`` is not sent.
"""

from __future__ import annotations

from typing import Any

from adapters.base import (
    AuthorizeRequest,
    CaptureRequest,
    InvalidRequest,
    PaymentMethod,
    RefundRequest,
    ThreeDS,
)
from adapters.paypal import mapping as m

_TEXT_MAX = 127


def _clip(value: str | None) -> str | None:
    return value[:_TEXT_MAX] if value else None


def create_order(request: AuthorizeRequest) -> dict[str, Any]:
    """``POST /v2/checkout/orders``: the order alone, no payment source (moves no money)."""
    for name, value in (("payment_id", request.payment_id), ("operation_id", request.operation_id)):
        if len(value) > _TEXT_MAX:
            raise InvalidRequest(f"{name} is longer than PayPal's 127 characters")
    unit: dict[str, Any] = {
        "reference_id": request.operation_id,
        "custom_id": request.payment_id,
        "invoice_id": request.payment_id,
        "amount": m.money(request.amount, request.currency),
    }
    description = _clip(request.description or request.reference)
    if description:
        unit["description"] = description
    return {"intent": "CAPTURE" if request.capture else "AUTHORIZE", "purchase_units": [unit]}


def _verification(three_ds: ThreeDS | None) -> str:
    # PayPal has no opt-out: "never" stays SCA_WHEN_REQUIRED (issuers may still demand 3DS)
    return "SCA_ALWAYS" if three_ds is not None and three_ds.mode == "always" else "SCA_WHEN_REQUIRED"


def payment_source(method: PaymentMethod, three_ds: ThreeDS | None) -> dict[str, Any]:
    """``payment_source`` of ``confirm-payment-source``: the card, or a vaulted card's id."""
    card: dict[str, Any]
    if method.type == "provider_token":
        if not method.token:
            raise InvalidRequest("provider_token payment method without a token", field="payment_method")
        card = {"vault_id": method.token}
    elif method.type == "card" and method.card is not None:
        raw = method.card
        card = {"number": raw.number, "expiry": f"{raw.exp_year:04d}-{raw.exp_month:02d}"}
        if raw.cvc:
            card["security_code"] = raw.cvc
        if raw.holder_name:
            card["name"] = raw.holder_name[:300]
    else:
        raise InvalidRequest(
            f"payment method {method.type!r} cannot be sent to PayPal (a card or a vault id)",
            field="payment_method",
        )
    card["attributes"] = {"verification": {"method": _verification(three_ds)}}
    if three_ds is not None and three_ds.return_url:
        card["experience_context"] = {"return_url": three_ds.return_url, "cancel_url": three_ds.return_url}
    return {"payment_source": {"card": card}}


def capture(request: CaptureRequest) -> dict[str, Any]:
    """``POST /v2/payments/authorizations/{id}/capture``."""
    return {
        "amount": m.money(request.amount, request.currency),
        "final_capture": request.final,
        "invoice_id": request.operation_id,
    }


def refund(request: RefundRequest) -> dict[str, Any]:
    """``POST /v2/payments/captures/{id}/refund``."""
    return {
        "amount": m.money(request.amount, request.currency),
        "custom_id": request.refund_id,
        "invoice_id": request.operation_id,
    }
