"""PayPal (Orders v2, Payments v2): wire structs, amounts and status tables. No I/O.

Decline and refusal codes are in :mod:`adapters.paypal.declines`.

Shapes follow PayPal's published OpenAPI documents (github.com/paypal/
paypal-rest-api-specifications: ``checkout_orders_v2``, ``payments_payment_v2``,
``notifications_webhooks_v1``). Response structs keep only the fields the adapter
reads; unknown response fields are ignored. Request bodies are plain dicts built
here, so one function owns each body's exact bytes (a replay sends the same ones).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from adapters.base import (
    Failure,
    FailureCode,
    InvalidRequest,
    NextAction,
    Outcome,
    OutcomeStatus,
)
from adapters.paypal.declines import decline_failure

# --------------------------------------------------------------------------- structs


class Money(msgspec.Struct, kw_only=True):
    currency_code: str
    value: str


class Link(msgspec.Struct, kw_only=True):
    href: str
    rel: str
    method: str | None = None


class ProcessorResponse(msgspec.Struct, kw_only=True):
    avs_code: str | None = None
    cvv_code: str | None = None
    response_code: str | None = None
    payment_advice_code: str | None = None


class StatusDetails(msgspec.Struct, kw_only=True):
    reason: str | None = None


class RelatedIds(msgspec.Struct, kw_only=True):
    order_id: str | None = None
    authorization_id: str | None = None
    capture_id: str | None = None


class SupplementaryData(msgspec.Struct, kw_only=True):
    related_ids: RelatedIds | None = None


class Authorization(msgspec.Struct, kw_only=True):
    id: str
    status: str  # CREATED | CAPTURED | DENIED | PARTIALLY_CAPTURED | VOIDED | PENDING
    status_details: StatusDetails | None = None
    amount: Money | None = None
    invoice_id: str | None = None
    custom_id: str | None = None
    processor_response: ProcessorResponse | None = None
    supplementary_data: SupplementaryData | None = None
    links: list[Link] = msgspec.field(default_factory=list)
    create_time: str | None = None


class Capture(msgspec.Struct, kw_only=True):
    id: str
    status: str  # COMPLETED | DECLINED | PARTIALLY_REFUNDED | PENDING | REFUNDED | FAILED
    status_details: StatusDetails | None = None
    amount: Money | None = None
    invoice_id: str | None = None
    custom_id: str | None = None
    final_capture: bool | None = None
    processor_response: ProcessorResponse | None = None
    supplementary_data: SupplementaryData | None = None
    links: list[Link] = msgspec.field(default_factory=list)
    create_time: str | None = None


class Refund(msgspec.Struct, kw_only=True):
    id: str
    status: str  # CANCELLED | FAILED | PENDING | COMPLETED
    status_details: StatusDetails | None = None
    amount: Money | None = None
    invoice_id: str | None = None
    custom_id: str | None = None
    links: list[Link] = msgspec.field(default_factory=list)
    create_time: str | None = None


class Payments(msgspec.Struct, kw_only=True):
    authorizations: list[Authorization] = msgspec.field(default_factory=list)
    captures: list[Capture] = msgspec.field(default_factory=list)
    refunds: list[Refund] = msgspec.field(default_factory=list)


class PurchaseUnit(msgspec.Struct, kw_only=True):
    reference_id: str | None = None
    amount: Money | None = None
    custom_id: str | None = None
    invoice_id: str | None = None
    payments: Payments | None = None


class ThreeDSecure(msgspec.Struct, kw_only=True):
    authentication_status: str | None = None  # Y N U A C R D I (pares_status)
    enrollment_status: str | None = None


class AuthenticationResult(msgspec.Struct, kw_only=True):
    liability_shift: str | None = None  # NO | POSSIBLE | UNKNOWN
    three_d_secure: ThreeDSecure | None = None


class CardResponse(msgspec.Struct, kw_only=True):
    last_digits: str | None = None
    brand: str | None = None
    authentication_result: AuthenticationResult | None = None


class PaymentSourceResponse(msgspec.Struct, kw_only=True):
    card: CardResponse | None = None


class Order(msgspec.Struct, kw_only=True):
    id: str
    status: str  # CREATED | SAVED | APPROVED | VOIDED | COMPLETED | PAYER_ACTION_REQUIRED
    intent: str | None = None
    purchase_units: list[PurchaseUnit] = msgspec.field(default_factory=list)
    payment_source: PaymentSourceResponse | None = None
    links: list[Link] = msgspec.field(default_factory=list)


class ErrorDetail(msgspec.Struct, kw_only=True):
    issue: str
    field: str | None = None
    description: str | None = None


class ErrorBody(msgspec.Struct, kw_only=True):
    name: str | None = None  # INVALID_REQUEST | UNPROCESSABLE_ENTITY | RESOURCE_NOT_FOUND | ...
    message: str | None = None
    debug_id: str | None = None
    details: list[ErrorDetail] = msgspec.field(default_factory=list)
    # OAuth errors (/v1/oauth2/token) use these instead
    error: str | None = None
    error_description: str | None = None


class TokenReply(msgspec.Struct, kw_only=True):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int = 0
    app_id: str | None = None
    scope: str | None = None


class VerifyReply(msgspec.Struct, kw_only=True):
    verification_status: str  # SUCCESS | FAILURE


class WebhookEvent(msgspec.Struct, kw_only=True):
    id: str
    event_type: str
    resource_type: str | None = None
    create_time: str | None = None
    resource: dict[str, Any] = msgspec.field(default_factory=dict)


# --------------------------------------------------------------------------- currencies

# https://developer.paypal.com/api/rest/reference/currency-codes/
CURRENCIES: frozenset[str] = frozenset(
    {
        "AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR",
        "MXN", "TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD",
    }
)  # fmt: skip
# ISO 4217 exponents of those currencies (the hub's minor units)
_ISO_EXPONENT: dict[str, int] = {"JPY": 0}
# PayPal: "HUF, JPY, TWD do not support decimals" (ISO gives HUF and TWD two)
NO_DECIMALS: frozenset[str] = frozenset({"HUF", "JPY", "TWD"})


def to_value(amount: int, currency: str, *, field: str = "amount") -> str:
    """The hub's ISO minor units -> PayPal's ``value`` string ("10.99", "1500")."""
    code = currency.upper()
    if code not in CURRENCIES:
        raise InvalidRequest(f"PayPal does not accept {code}", code="unsupported_currency", field="currency")
    if amount <= 0:
        raise InvalidRequest(f"{field} must be a positive integer", code="invalid_amount", field=field)
    exponent = _ISO_EXPONENT.get(code, 2)
    units = Decimal(amount).scaleb(-exponent)
    if code in NO_DECIMALS:
        if units != units.to_integral_value():
            raise InvalidRequest(
                f"PayPal takes {code} amounts in whole units only", code="invalid_amount", field=field
            )
        return str(units.quantize(Decimal(1)))
    return f"{units:.{exponent}f}"


def from_value(money: Money | None) -> int | None:
    """PayPal's money -> the hub's ISO minor units (None when absent or unreadable)."""
    if money is None:
        return None
    try:
        exponent = _ISO_EXPONENT.get(money.currency_code.upper(), 2)
        return int(Decimal(money.value).scaleb(exponent))
    except (ArithmeticError, ValueError):
        return None


def money(amount: int, currency: str, *, field: str = "amount") -> dict[str, str]:
    return {"currency_code": currency.upper(), "value": to_value(amount, currency, field=field)}


# --------------------------------------------------------------------------- status tables


def first_unit(order: Order) -> PurchaseUnit | None:
    return order.purchase_units[0] if order.purchase_units else None


def payments_of(order: Order) -> Payments:
    unit = first_unit(order)
    return unit.payments if unit is not None and unit.payments is not None else Payments()


def order_summary(order: Order) -> dict[str, Any]:
    pays = payments_of(order)
    return {
        "object": "order",
        "id": order.id,
        "status": order.status,
        "intent": order.intent,
        "authorizations": [{"id": a.id, "status": a.status} for a in pays.authorizations],
        "captures": [{"id": c.id, "status": c.status} for c in pays.captures],
        "refunds": [{"id": r.id, "status": r.status} for r in pays.refunds],
    }


def payer_action(order: Order) -> NextAction | None:
    for link in order.links:
        if link.rel == "payer-action" and link.href:
            return NextAction(type="redirect", url=link.href)
    return None


def _response_code(pr: ProcessorResponse | None) -> str | None:
    return pr.response_code if pr is not None else None


AUTHORIZATION_DONE = frozenset({"CREATED", "CAPTURED", "PARTIALLY_CAPTURED"})
CAPTURE_DONE = frozenset({"COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED"})


def order_outcome(order: Order) -> Outcome:
    """What an authorize / authenticate / lookup reads from an order."""
    base: dict[str, Any] = {"provider_reference": order.id, "summary": order_summary(order)}
    status = order.status
    if status == "PAYER_ACTION_REQUIRED":
        action = payer_action(order)
        if action is None:
            return Outcome(status=OutcomeStatus.UNKNOWN, reason="payer action required but no link", **base)
        return Outcome(status=OutcomeStatus.REQUIRES_ACTION, next_action=action, **base)
    if status == "VOIDED":
        return Outcome(
            status=OutcomeStatus.FAILED,
            failure=Failure(
                code=FailureCode.PROVIDER_ERROR, message="the PayPal order was voided", provider_code="VOIDED"
            ),
            **base,
        )
    if status != "COMPLETED":
        # CREATED / APPROVED / SAVED: nothing authorized or captured (yet)
        return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"order {status}: not yet authorized", **base)
    pays = payments_of(order)
    if pays.captures:
        cap = pays.captures[0]
        if cap.status in CAPTURE_DONE:
            return Outcome(status=OutcomeStatus.SUCCEEDED, amount=from_value(cap.amount), captured=True,
                           operation_reference=cap.id, **base)
        if cap.status in ("DECLINED", "FAILED"):
            return Outcome(status=OutcomeStatus.FAILED, failure=decline_failure(
                _response_code(cap.processor_response), None, f"capture {cap.status.lower()}"), **base)
        return Outcome(status=OutcomeStatus.PENDING, reason=f"capture {cap.status}", **base)
    if pays.authorizations:
        auth = pays.authorizations[0]
        if auth.status in AUTHORIZATION_DONE:
            return Outcome(status=OutcomeStatus.SUCCEEDED, amount=from_value(auth.amount),
                           operation_reference=auth.id, **base)
        if auth.status == "DENIED":
            return Outcome(status=OutcomeStatus.FAILED, failure=decline_failure(
                _response_code(auth.processor_response), None, "authorization denied"), **base)
        if auth.status == "VOIDED":
            return Outcome(status=OutcomeStatus.SUCCEEDED, amount=from_value(auth.amount),
                           operation_reference=auth.id, **base)
        return Outcome(status=OutcomeStatus.PENDING, reason=f"authorization {auth.status}", **base)
    return Outcome(status=OutcomeStatus.UNKNOWN, reason="order COMPLETED without payments", **base)


def capture_outcome(capture: Capture, order_id: str | None) -> Outcome:
    summary = {"object": "capture", "id": capture.id, "status": capture.status,
               "amount": capture.amount.value if capture.amount else None}
    base: dict[str, Any] = {"provider_reference": order_id, "operation_reference": capture.id,
                            "amount": from_value(capture.amount), "summary": summary}
    if capture.status in CAPTURE_DONE:
        return Outcome(status=OutcomeStatus.SUCCEEDED, captured=True, **base)
    if capture.status in ("DECLINED", "FAILED"):
        return Outcome(status=OutcomeStatus.FAILED, failure=decline_failure(
            _response_code(capture.processor_response), None, f"capture {capture.status.lower()}"), **base)
    return Outcome(status=OutcomeStatus.PENDING, reason=f"capture {capture.status}", **base)


def refund_outcome(refund: Refund, order_id: str | None) -> Outcome:
    summary = {"object": "refund", "id": refund.id, "status": refund.status,
               "amount": refund.amount.value if refund.amount else None}
    base: dict[str, Any] = {"provider_reference": order_id, "operation_reference": refund.id,
                            "amount": from_value(refund.amount), "summary": summary}
    if refund.status == "COMPLETED":
        return Outcome(status=OutcomeStatus.SUCCEEDED, **base)
    if refund.status in ("FAILED", "CANCELLED"):
        return Outcome(status=OutcomeStatus.FAILED, failure=Failure(
            code=FailureCode.PROVIDER_ERROR, message=f"refund {refund.status.lower()}",
            provider_code=refund.status), **base)
    reason = refund.status_details.reason if refund.status_details else None
    return Outcome(status=OutcomeStatus.PENDING, reason=f"refund {refund.status} ({reason or 'no reason'})", **base)


def void_outcome(auth: Authorization, order_id: str | None, *, lookup: bool = False) -> Outcome:
    summary = {"object": "authorization", "id": auth.id, "status": auth.status}
    base: dict[str, Any] = {"provider_reference": order_id, "operation_reference": auth.id, "summary": summary}
    if auth.status == "VOIDED":
        return Outcome(status=OutcomeStatus.SUCCEEDED, **base)
    if lookup and auth.status in ("CAPTURED", "PARTIALLY_CAPTURED", "DENIED"):
        return Outcome(status=OutcomeStatus.FAILED, failure=Failure(
            code=FailureCode.INVALID_REQUEST, message=f"the authorization is {auth.status}: it was not voided",
            provider_code=auth.status), **base)
    return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"authorization {auth.status} after void", **base)


def capture_of_refund(refund: Refund) -> str | None:
    up = next((link.href for link in refund.links if link.rel == "up"), None)
    return up.rstrip("/").rsplit("/", 1)[-1] if up else None


def refundable_capture(order: Order, amount: int) -> str | None:
    """The first capture of the order with at least ``amount`` left to refund."""
    pays = payments_of(order)
    refunded: dict[str, int] = {}
    for refund in pays.refunds:
        capture_id = capture_of_refund(refund)
        if capture_id and refund.status not in ("FAILED", "CANCELLED"):
            refunded[capture_id] = refunded.get(capture_id, 0) + (from_value(refund.amount) or 0)
    for capture in pays.captures:
        if capture.status not in ("COMPLETED", "PARTIALLY_REFUNDED"):
            continue
        if (from_value(capture.amount) or 0) - refunded.get(capture.id, 0) >= amount:
            return capture.id
    return None
