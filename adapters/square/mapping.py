"""Square (Payments API, Refunds API): wire structs, status and error tables. No I/O.

Shapes follow Square's published OpenAPI document (github.com/square/connect-api-
specification, ``api.json``): ``CreatePaymentRequest``, ``Payment``, ``PaymentRefund``,
``Error`` (``category`` + ``code``). Amounts are ``Money`` in the currency's smallest
denomination, which is the hub's ISO 4217 minor unit, so they pass unchanged.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from adapters.base import DeclineCode, Failure, FailureCode, InvalidRequest, Outcome, OutcomeStatus

# --------------------------------------------------------------------------- structs


class Money(msgspec.Struct, kw_only=True):
    amount: int
    currency: str


class SquareError(msgspec.Struct, kw_only=True):
    category: str
    code: str
    detail: str | None = None
    field: str | None = None


class Card(msgspec.Struct, kw_only=True):
    card_brand: str | None = None
    last_4: str | None = None


class CardDetails(msgspec.Struct, kw_only=True):
    status: str | None = None  # AUTHORIZED | CAPTURED | VOIDED | FAILED
    card: Card | None = None
    cvv_status: str | None = None
    avs_status: str | None = None
    auth_result_code: str | None = None
    errors: list[SquareError] = msgspec.field(default_factory=list)


class Payment(msgspec.Struct, kw_only=True):
    id: str
    status: str  # APPROVED | PENDING | COMPLETED | CANCELED | FAILED
    amount_money: Money | None = None
    approved_money: Money | None = None
    total_money: Money | None = None
    refunded_money: Money | None = None
    reference_id: str | None = None
    note: str | None = None
    location_id: str | None = None
    refund_ids: list[str] = msgspec.field(default_factory=list)
    capabilities: list[str] = msgspec.field(default_factory=list)
    card_details: CardDetails | None = None
    created_at: str | None = None


class Refund(msgspec.Struct, kw_only=True):
    id: str
    status: str | None = None  # PENDING | COMPLETED | REJECTED | FAILED
    amount_money: Money | None = None
    payment_id: str | None = None
    reason: str | None = None
    created_at: str | None = None


class PaymentReply(msgspec.Struct, kw_only=True):
    payment: Payment | None = None
    errors: list[SquareError] = msgspec.field(default_factory=list)


class PaymentList(msgspec.Struct, kw_only=True):
    payments: list[Payment] = msgspec.field(default_factory=list)
    cursor: str | None = None
    errors: list[SquareError] = msgspec.field(default_factory=list)


class RefundReply(msgspec.Struct, kw_only=True):
    refund: Refund | None = None
    errors: list[SquareError] = msgspec.field(default_factory=list)


class EventObject(msgspec.Struct, kw_only=True):
    payment: Payment | None = None
    refund: Refund | None = None


class EventData(msgspec.Struct, kw_only=True):
    type: str | None = None
    id: str | None = None
    object: EventObject | None = None


class Event(msgspec.Struct, kw_only=True):
    event_id: str
    type: str
    merchant_id: str | None = None
    created_at: str | None = None
    data: EventData | None = None


# --------------------------------------------------------------------------- request fields

IDEMPOTENCY_KEY_MAX = 45  # CreatePaymentRequest.idempotency_key maxLength
REFERENCE_MAX = 40  # Payment.reference_id maxLength
REFUND_TAG = "payhub refund"


def idempotency_key(key: str, step: str | None = None) -> str:
    """Square's key for one call of an operation: the hub's key, or a stable digest of it
    when it does not fit Square's 45 characters (the same on every retry)."""
    value = key if step is None else f"{key}-{step}"
    if len(value) <= IDEMPOTENCY_KEY_MAX:
        return value
    return "ph-" + hashlib.sha256(value.encode()).hexdigest()[:42]


def reference_id(payment_id: str) -> str:
    if len(payment_id) > REFERENCE_MAX:
        raise InvalidRequest("the payment id is longer than Square's reference_id (40 characters)")
    return payment_id


def payment_note(payment_id: str, operation_id: str, reference: str | None) -> str:
    note = f"payhub {payment_id} {operation_id}"
    return f"{note} {reference}"[:500] if reference else note


def refund_reason(refund_id: str, operation_id: str) -> str:
    return f"{REFUND_TAG} {refund_id} {operation_id}"[:192]


def refund_id_of(reason: str | None) -> str | None:
    """The hub's refund id written into ``reason`` by :func:`refund_reason`."""
    if not reason or not reason.startswith(REFUND_TAG + " "):
        return None
    parts = reason.split()
    return parts[2] if len(parts) > 2 else None


# --------------------------------------------------------------------------- errors

# Error.code of a PAYMENT_METHOD_ERROR -> unified (Square's ErrorCode enumeration)
DECLINE_CODES: dict[str, DeclineCode] = {
    "CARD_DECLINED": DeclineCode.DO_NOT_HONOR,
    "GENERIC_DECLINE": DeclineCode.DO_NOT_HONOR,
    "CARD_DECLINED_CALL_ISSUER": DeclineCode.DO_NOT_HONOR,
    "VOICE_FAILURE": DeclineCode.DO_NOT_HONOR,
    "ADDRESS_VERIFICATION_FAILURE": DeclineCode.DO_NOT_HONOR,
    "VERIFY_AVS_FAILURE": DeclineCode.DO_NOT_HONOR,
    "INVALID_POSTAL_CODE": DeclineCode.DO_NOT_HONOR,
    "INVALID_PIN": DeclineCode.DO_NOT_HONOR,
    "READER_DECLINED": DeclineCode.DO_NOT_HONOR,
    "ACCOUNT_UNUSABLE": DeclineCode.DO_NOT_HONOR,
    "BUYER_REFUSED_PAYMENT": DeclineCode.DO_NOT_HONOR,
    "INSUFFICIENT_FUNDS": DeclineCode.INSUFFICIENT_FUNDS,
    "GIFT_CARD_AVAILABLE_AMOUNT": DeclineCode.INSUFFICIENT_FUNDS,
    "CVV_FAILURE": DeclineCode.INCORRECT_CVC,
    "VERIFY_CVV_FAILURE": DeclineCode.INCORRECT_CVC,
    "CARD_EXPIRED": DeclineCode.EXPIRED_CARD,
    "INVALID_EXPIRATION": DeclineCode.EXPIRED_CARD,
    "INVALID_EXPIRATION_YEAR": DeclineCode.EXPIRED_CARD,
    "INVALID_EXPIRATION_DATE": DeclineCode.EXPIRED_CARD,
    "EXPIRATION_FAILURE": DeclineCode.EXPIRED_CARD,
    "BAD_EXPIRATION": DeclineCode.EXPIRED_CARD,
    "INVALID_ACCOUNT": DeclineCode.INCORRECT_NUMBER,
    "INVALID_CARD": DeclineCode.INCORRECT_NUMBER,
    "INVALID_CARD_DATA": DeclineCode.INCORRECT_NUMBER,
    "PAN_FAILURE": DeclineCode.INCORRECT_NUMBER,
    "CARD_NOT_SUPPORTED": DeclineCode.CARD_NOT_SUPPORTED,
    "UNSUPPORTED_CARD_BRAND": DeclineCode.CARD_NOT_SUPPORTED,
    "UNSUPPORTED_ENTRY_METHOD": DeclineCode.CARD_NOT_SUPPORTED,
    "MANUALLY_ENTERED_PAYMENT_NOT_SUPPORTED": DeclineCode.CARD_NOT_SUPPORTED,
    "CHIP_INSERTION_REQUIRED": DeclineCode.CARD_NOT_SUPPORTED,
    "CARD_DECLINED_VERIFICATION_REQUIRED": DeclineCode.AUTHENTICATION_REQUIRED,
    "MISSING_PIN": DeclineCode.AUTHENTICATION_REQUIRED,
    "TRANSACTION_LIMIT": DeclineCode.LIMIT_EXCEEDED,
    "PAYMENT_LIMIT_EXCEEDED": DeclineCode.LIMIT_EXCEEDED,
    "ALLOWABLE_PIN_TRIES_EXCEEDED": DeclineCode.LIMIT_EXCEEDED,
    "AMOUNT_TOO_HIGH": DeclineCode.INVALID_AMOUNT,
    "TEMPORARY_ERROR": DeclineCode.PROCESSING_ERROR,
}
# the payment source itself is unusable (a spent or expired nonce): a definite refusal
SOURCE_CODES = frozenset({"CARD_TOKEN_USED", "CARD_TOKEN_EXPIRED", "SOURCE_USED", "SOURCE_EXPIRED"})
AUTH_CODES = frozenset({
    "UNAUTHORIZED", "ACCESS_TOKEN_EXPIRED", "ACCESS_TOKEN_REVOKED", "CLIENT_DISABLED", "FORBIDDEN",
    "INSUFFICIENT_SCOPES", "APPLICATION_DISABLED", "CARD_PROCESSING_NOT_ENABLED", "INVALID_LOCATION",
    "LOCATION_MISMATCH",
})


def decline_failure(error: SquareError) -> Failure:
    return Failure(
        code=FailureCode.CARD_DECLINED,
        decline_code=DECLINE_CODES.get(error.code, DeclineCode.UNKNOWN),
        message=error.detail or "the card was declined",
        provider_code=error.code,
    )


_GENERIC = frozenset({"GENERIC_DECLINE", "CARD_DECLINED"})


def first_decline(errors: list[SquareError]) -> SquareError | None:
    """The most specific decline among the errors: Square may send GENERIC_DECLINE first and
    the reason (CVV_FAILURE, ...) after it."""
    declines = [e for e in errors if e.category == "PAYMENT_METHOD_ERROR" or e.code in DECLINE_CODES]
    specific = [e for e in declines if e.code not in _GENERIC]
    chosen = specific or declines
    return chosen[0] if chosen else None


# --------------------------------------------------------------------------- status tables


def payment_summary(payment: Payment) -> dict[str, Any]:
    return {
        "object": "payment",
        "id": payment.id,
        "status": payment.status,
        "card_status": payment.card_details.status if payment.card_details else None,
        "amount": payment.amount_money.amount if payment.amount_money else None,
        "refunded": payment.refunded_money.amount if payment.refunded_money else 0,
    }


def _amount(payment: Payment) -> int | None:
    money = payment.approved_money or payment.amount_money
    return money.amount if money else None


def payment_outcome(payment: Payment) -> Outcome:
    """What an authorize / lookup reads from a Payment."""
    base: dict[str, Any] = {"provider_reference": payment.id, "summary": payment_summary(payment)}
    status = payment.status
    if status == "APPROVED":
        return Outcome(status=OutcomeStatus.SUCCEEDED, amount=_amount(payment), **base)
    if status == "COMPLETED":
        return Outcome(status=OutcomeStatus.SUCCEEDED, amount=_amount(payment), captured=True, **base)
    if status == "PENDING":
        return Outcome(status=OutcomeStatus.PENDING, reason="Square payment PENDING", **base)
    if status == "FAILED":
        errors = payment.card_details.errors if payment.card_details else []
        decline = first_decline(errors)
        failure = decline_failure(decline) if decline else Failure(
            code=FailureCode.CARD_DECLINED, decline_code=DeclineCode.UNKNOWN,
            message="the payment failed", provider_code=payment.card_details.auth_result_code
            if payment.card_details and payment.card_details.auth_result_code else "FAILED")
        return Outcome(status=OutcomeStatus.FAILED, failure=failure, **base)
    if status == "CANCELED":
        return Outcome(status=OutcomeStatus.FAILED, failure=Failure(
            code=FailureCode.PROVIDER_ERROR, message="the Square payment was canceled", provider_code="CANCELED"),
            **base)
    return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"Square payment status {status}", **base)


def capture_outcome(payment: Payment, *, lookup: bool = False) -> Outcome:
    base: dict[str, Any] = {"provider_reference": payment.id, "summary": payment_summary(payment)}
    if payment.status == "COMPLETED":
        captured = payment.amount_money.amount if payment.amount_money else None
        return Outcome(status=OutcomeStatus.SUCCEEDED, amount=captured, captured=True, **base)
    if lookup and payment.status in ("CANCELED", "FAILED"):
        return Outcome(status=OutcomeStatus.FAILED, failure=Failure(
            code=FailureCode.INVALID_REQUEST, message=f"the payment is {payment.status}: nothing was captured",
            provider_code=payment.status), **base)
    if lookup and payment.status == "APPROVED":
        return Outcome(status=OutcomeStatus.UNKNOWN, reason="payment still APPROVED: not completed (yet)",
                       summary={**base["summary"], "needs": "replay"}, provider_reference=payment.id)
    return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"payment {payment.status} after complete", **base)


def void_outcome(payment: Payment, *, lookup: bool = False) -> Outcome:
    base: dict[str, Any] = {"provider_reference": payment.id, "summary": payment_summary(payment)}
    if payment.status == "CANCELED":
        return Outcome(status=OutcomeStatus.SUCCEEDED, **base)
    if lookup and payment.status in ("COMPLETED", "FAILED"):
        return Outcome(status=OutcomeStatus.FAILED, failure=Failure(
            code=FailureCode.INVALID_REQUEST, message=f"the payment is {payment.status}: it was not canceled",
            provider_code=payment.status), **base)
    if lookup and payment.status == "APPROVED":
        return Outcome(status=OutcomeStatus.UNKNOWN, reason="payment still APPROVED: not canceled (yet)",
                       summary={**base["summary"], "needs": "replay"}, provider_reference=payment.id)
    return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"payment {payment.status} after cancel", **base)


REFUND_STATUS: dict[str, OutcomeStatus] = {
    "COMPLETED": OutcomeStatus.SUCCEEDED,
    "PENDING": OutcomeStatus.PENDING,
    "REJECTED": OutcomeStatus.FAILED,
    "FAILED": OutcomeStatus.FAILED,
}


def refund_outcome(refund: Refund) -> Outcome:
    status = REFUND_STATUS.get(refund.status or "", OutcomeStatus.UNKNOWN)
    failure = None
    if status is OutcomeStatus.FAILED:
        failure = Failure(code=FailureCode.PROVIDER_ERROR, message=f"refund {refund.status}",
                          provider_code=refund.status)
    return Outcome(
        status=status,
        provider_reference=refund.payment_id,
        operation_reference=refund.id,
        amount=refund.amount_money.amount if refund.amount_money else None,
        failure=failure,
        reason=None if status.definite else f"refund status {refund.status}",
        summary={"object": "refund", "id": refund.id, "status": refund.status, "payment_id": refund.payment_id},
    )
