"""Stripe objects, status tables, decline codes and currency rules.

Everything here is a pure function of Stripe's documented API shapes
(https://docs.stripe.com/api): no HTTP. The msgspec structs keep only the
fields the adapter reads; unknown fields are ignored, so newer API versions
that add fields keep decoding.
"""

from __future__ import annotations

from typing import Any

import msgspec

from adapters.base import (
    DeclineCode,
    Failure,
    FailureCode,
    InvalidRequest,
    NextAction,
    Outcome,
    OutcomeStatus,
)

# --------------------------------------------------------------------------- structs


class StripeErrorBody(msgspec.Struct, kw_only=True):
    type: str = "api_error"  # api_error | card_error | idempotency_error | invalid_request_error
    code: str | None = None
    decline_code: str | None = None
    message: str | None = None
    param: str | None = None
    payment_intent: PaymentIntent | None = None


class StripeErrorEnvelope(msgspec.Struct, kw_only=True):
    error: StripeErrorBody


class RedirectToUrl(msgspec.Struct, kw_only=True):
    url: str | None = None
    return_url: str | None = None


class PINextAction(msgspec.Struct, kw_only=True):
    type: str
    redirect_to_url: RedirectToUrl | None = None


class LastPaymentError(msgspec.Struct, kw_only=True):
    type: str | None = None
    code: str | None = None
    decline_code: str | None = None
    message: str | None = None


class PaymentIntent(msgspec.Struct, kw_only=True):
    id: str
    object: str = "payment_intent"
    amount: int
    amount_capturable: int = 0
    amount_received: int = 0
    currency: str
    status: str
    capture_method: str = "automatic"
    cancellation_reason: str | None = None
    client_secret: str | None = None
    last_payment_error: LastPaymentError | None = None
    latest_charge: str | dict[str, Any] | None = None
    next_action: PINextAction | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    created: int | None = None
    livemode: bool = False


class PaymentMethodCard(msgspec.Struct, kw_only=True):
    brand: str | None = None
    last4: str | None = None


class StripePaymentMethod(msgspec.Struct, kw_only=True):
    """POST /v1/payment_methods: only what the hub keeps (the id; brand and last four)."""

    id: str
    object: str = "payment_method"
    card: PaymentMethodCard | None = None


class Refund(msgspec.Struct, kw_only=True):
    id: str
    object: str = "refund"
    amount: int
    currency: str
    status: str | None = None  # pending | requires_action | succeeded | failed | canceled
    payment_intent: str | None = None
    charge: str | None = None
    failure_reason: str | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    created: int | None = None


class RefundList(msgspec.Struct, kw_only=True):
    data: list[Refund]
    has_more: bool = False


class Payout(msgspec.Struct, kw_only=True):
    id: str
    object: str = "payout"
    amount: int
    currency: str
    status: str  # pending | in_transit | paid | failed | canceled
    failure_code: str | None = None
    failure_message: str | None = None
    destination: str | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    created: int | None = None
    arrival_date: int | None = None


class PayoutList(msgspec.Struct, kw_only=True):
    data: list[Payout]
    has_more: bool = False


class SearchResult(msgspec.Struct, kw_only=True):
    data: list[PaymentIntent]
    has_more: bool = False


class EventData(msgspec.Struct, kw_only=True):
    object: dict[str, Any]
    previous_attributes: dict[str, Any] | None = None


class Event(msgspec.Struct, kw_only=True):
    id: str
    object: str = "event"
    type: str
    created: int | None = None
    api_version: str | None = None
    livemode: bool = False
    data: EventData


# --------------------------------------------------------------------------- currencies

# https://docs.stripe.com/currencies#zero-decimal : amounts are whole units, sent as-is
ZERO_DECIMAL: frozenset[str] = frozenset(
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF",
        "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    }
)  # fmt: skip
# https://docs.stripe.com/currencies#three-decimal : minor units, last digit must be 0
THREE_DECIMAL: frozenset[str] = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# Special cases (docs "special cases"): ISK stays two-decimal in the API (100 = 1 krona) but
# Stripe rejects fractional kronur (invalid_charge_amount_no_decimal_compatible); UGX is
# zero-decimal in the API but was two-decimal for backwards compatibility: the hub speaks
# ISO 4217 minor units, where UGX has exponent 0 and ISK exponent 0.
_ISO_ZERO_EXPONENT_SENT_AS_TWO_DECIMAL: frozenset[str] = frozenset({"ISK"})


def to_stripe_amount(amount: int, currency: str, *, field: str = "amount") -> int:
    """The hub's ISO 4217 minor units -> Stripe's ``amount`` for ``currency``.

    Raises InvalidRequest for amounts Stripe documents as impossible (before sending).
    """
    code = currency.upper()
    if amount <= 0:
        raise InvalidRequest(f"{field} must be a positive integer", code="invalid_amount", field=field)
    if code in THREE_DECIMAL and amount % 10 != 0:
        raise InvalidRequest(
            f"Stripe accepts {code} amounts only in multiples of 10 (the last digit must be 0)",
            code="invalid_amount",
            field=field,
        )
    if code in _ISO_ZERO_EXPONENT_SENT_AS_TWO_DECIMAL:
        # ISO 4217 gives ISK exponent 0; Stripe keeps it two-decimal: 1 krona = 100
        return amount * 100
    return amount


# Stripe treats these as zero-decimal for payouts: the (two-decimal) amount must be a
# multiple of 100 (docs "special cases": HUF, TWD)
PAYOUT_WHOLE_UNITS: frozenset[str] = frozenset({"HUF", "TWD"})


def to_stripe_payout_amount(amount: int, currency: str) -> int:
    value = to_stripe_amount(amount, currency)
    code = currency.upper()
    if code in PAYOUT_WHOLE_UNITS and value % 100 != 0:
        raise InvalidRequest(
            f"Stripe pays out {code} in whole units only: the amount must be a multiple of 100",
            code="invalid_amount",
            field="amount",
        )
    return value


def from_stripe_amount(amount: int, currency: str) -> int:
    """Stripe's amount -> the hub's ISO minor units (inverse of :func:`to_stripe_amount`)."""
    if currency.upper() in _ISO_ZERO_EXPONENT_SENT_AS_TWO_DECIMAL:
        return amount // 100
    return amount


# --------------------------------------------------------------------------- declines

# Stripe decline_code / error code -> unified code (https://docs.stripe.com/declines/codes)
DECLINE_CODES: dict[str, DeclineCode] = {
    "insufficient_funds": DeclineCode.INSUFFICIENT_FUNDS,
    "do_not_honor": DeclineCode.DO_NOT_HONOR,
    "generic_decline": DeclineCode.DO_NOT_HONOR,
    "call_issuer": DeclineCode.DO_NOT_HONOR,
    "do_not_try_again": DeclineCode.DO_NOT_HONOR,
    "no_action_taken": DeclineCode.DO_NOT_HONOR,
    "not_permitted": DeclineCode.DO_NOT_HONOR,
    "restricted_card": DeclineCode.DO_NOT_HONOR,
    "revocation_of_authorization": DeclineCode.DO_NOT_HONOR,
    "revocation_of_all_authorizations": DeclineCode.DO_NOT_HONOR,
    "security_violation": DeclineCode.DO_NOT_HONOR,
    "service_not_allowed": DeclineCode.DO_NOT_HONOR,
    "stop_payment_order": DeclineCode.DO_NOT_HONOR,
    "transaction_not_allowed": DeclineCode.DO_NOT_HONOR,
    "new_account_information_available": DeclineCode.DO_NOT_HONOR,
    "try_again_later": DeclineCode.DO_NOT_HONOR,
    "approve_with_id": DeclineCode.DO_NOT_HONOR,
    "expired_card": DeclineCode.EXPIRED_CARD,
    "invalid_expiry_month": DeclineCode.EXPIRED_CARD,
    "invalid_expiry_year": DeclineCode.EXPIRED_CARD,
    "incorrect_cvc": DeclineCode.INCORRECT_CVC,
    "invalid_cvc": DeclineCode.INCORRECT_CVC,
    "incorrect_number": DeclineCode.INCORRECT_NUMBER,
    "invalid_number": DeclineCode.INCORRECT_NUMBER,
    "invalid_account": DeclineCode.INCORRECT_NUMBER,
    "lost_card": DeclineCode.LOST_OR_STOLEN,
    "stolen_card": DeclineCode.LOST_OR_STOLEN,
    "pickup_card": DeclineCode.LOST_OR_STOLEN,
    "fraudulent": DeclineCode.FRAUD_SUSPECTED,
    "merchant_blacklist": DeclineCode.FRAUD_SUSPECTED,
    "card_not_supported": DeclineCode.CARD_NOT_SUPPORTED,
    "currency_not_supported": DeclineCode.CARD_NOT_SUPPORTED,
    "authentication_required": DeclineCode.AUTHENTICATION_REQUIRED,
    "authentication_not_handled": DeclineCode.AUTHENTICATION_REQUIRED,
    "offline_pin_required": DeclineCode.AUTHENTICATION_REQUIRED,
    "online_or_offline_pin_required": DeclineCode.AUTHENTICATION_REQUIRED,
    "processing_error": DeclineCode.PROCESSING_ERROR,
    "issuer_not_available": DeclineCode.PROCESSING_ERROR,
    "reenter_transaction": DeclineCode.PROCESSING_ERROR,
    "card_velocity_exceeded": DeclineCode.LIMIT_EXCEEDED,
    "withdrawal_count_limit_exceeded": DeclineCode.LIMIT_EXCEEDED,
    "invalid_amount": DeclineCode.INVALID_AMOUNT,
    "amount_too_large": DeclineCode.INVALID_AMOUNT,
    "amount_too_small": DeclineCode.INVALID_AMOUNT,
}

# top-level error ``code`` values of a 402 card_error that say which family it is even
# when no decline_code is given (https://docs.stripe.com/error-codes)
_CARD_ERROR_CODES: dict[str, DeclineCode] = {
    "expired_card": DeclineCode.EXPIRED_CARD,
    "incorrect_cvc": DeclineCode.INCORRECT_CVC,
    "invalid_cvc": DeclineCode.INCORRECT_CVC,
    "incorrect_number": DeclineCode.INCORRECT_NUMBER,
    "invalid_number": DeclineCode.INCORRECT_NUMBER,
    "invalid_expiry_month": DeclineCode.EXPIRED_CARD,
    "invalid_expiry_year": DeclineCode.EXPIRED_CARD,
    "processing_error": DeclineCode.PROCESSING_ERROR,
    "authentication_required": DeclineCode.AUTHENTICATION_REQUIRED,
    "card_decline_rate_limit_exceeded": DeclineCode.LIMIT_EXCEEDED,
}

# payout failure_code -> unified (https://docs.stripe.com/api/payouts/failures)
PAYOUT_FAILURES: dict[str, DeclineCode] = {
    "account_closed": DeclineCode.INVALID_ACCOUNT,
    "account_frozen": DeclineCode.INVALID_ACCOUNT,
    "bank_account_restricted": DeclineCode.INVALID_ACCOUNT,
    "bank_ownership_changed": DeclineCode.INVALID_ACCOUNT,
    "invalid_account_number": DeclineCode.INVALID_ACCOUNT,
    "no_account": DeclineCode.INVALID_ACCOUNT,
    "incorrect_account_holder_name": DeclineCode.INVALID_ACCOUNT,
    "incorrect_account_holder_address": DeclineCode.INVALID_ACCOUNT,
    "incorrect_account_holder_tax_id": DeclineCode.INVALID_ACCOUNT,
    "invalid_currency": DeclineCode.INVALID_ACCOUNT,
    "unsupported_card": DeclineCode.CARD_NOT_SUPPORTED,
    "insufficient_funds": DeclineCode.INSUFFICIENT_FUNDS,
    "debit_not_authorized": DeclineCode.DO_NOT_HONOR,
    "declined": DeclineCode.DO_NOT_HONOR,
    "could_not_process": DeclineCode.PROCESSING_ERROR,
}

AUTHENTICATION_FAILURE = "payment_intent_authentication_failure"


def decline_code(decline: str | None, code: str | None) -> DeclineCode:
    """The unified decline code for a Stripe ``decline_code`` and/or error ``code``."""
    if decline and decline in DECLINE_CODES:
        return DECLINE_CODES[decline]
    if code and code in _CARD_ERROR_CODES:
        return _CARD_ERROR_CODES[code]
    if code and code in DECLINE_CODES:
        return DECLINE_CODES[code]
    return DeclineCode.UNKNOWN


def card_failure(code: str | None, decline: str | None, message: str | None) -> Failure:
    """A Failure for a card error / last_payment_error."""
    if code == AUTHENTICATION_FAILURE:
        return Failure(
            code=FailureCode.AUTHENTICATION_FAILED,
            decline_code=DeclineCode.AUTHENTICATION_REQUIRED,
            message=message or "3D Secure authentication failed",
            provider_code=code,
        )
    return Failure(
        code=FailureCode.CARD_DECLINED,
        decline_code=decline_code(decline, code),
        message=message or "card declined",
        provider_code=decline or code,
    )


# --------------------------------------------------------------------------- status tables


def pi_summary(pi: PaymentIntent) -> dict[str, Any]:
    return {
        "object": "payment_intent",
        "id": pi.id,
        "status": pi.status,
        "amount": pi.amount,
        "amount_capturable": pi.amount_capturable,
        "amount_received": pi.amount_received,
        "currency": pi.currency,
        "capture_method": pi.capture_method,
    }


def next_action_of(pi: PaymentIntent) -> NextAction | None:
    """Stripe's next_action as the hub's NextAction (no client_secret ever leaves here)."""
    na = pi.next_action
    if na is None:
        return None
    if na.type == "redirect_to_url" and na.redirect_to_url and na.redirect_to_url.url:
        return NextAction(type="redirect", url=na.redirect_to_url.url)
    # use_stripe_sdk and others need Stripe.js in the shopper's browser
    return NextAction(
        type="three_ds_challenge", data={"stripe_next_action": na.type, "payment_intent": pi.id}
    )


def payment_intent_outcome(pi: PaymentIntent) -> Outcome:
    """The outcome an authorize/authenticate/lookup reads from a PaymentIntent."""
    cur = pi.currency
    base: dict[str, Any] = {"provider_reference": pi.id, "currency": cur.upper(), "summary": pi_summary(pi)}
    status = pi.status
    if status == "requires_capture":
        amount = from_stripe_amount(pi.amount_capturable or pi.amount, cur)
        return Outcome(status=OutcomeStatus.SUCCEEDED, amount=amount, **base)
    if status == "succeeded":
        amount = from_stripe_amount(pi.amount_received or pi.amount, cur)
        return Outcome(status=OutcomeStatus.SUCCEEDED, amount=amount, captured=True, **base)
    if status == "requires_action":
        return Outcome(status=OutcomeStatus.REQUIRES_ACTION, next_action=next_action_of(pi), **base)
    if status == "processing":
        return Outcome(status=OutcomeStatus.PENDING, reason="Stripe is processing the payment", **base)
    if status == "requires_payment_method":
        err = pi.last_payment_error
        if err is not None:
            failure = card_failure(err.code, err.decline_code, err.message)
        else:
            failure = Failure(
                code=FailureCode.PROVIDER_ERROR,
                message="PaymentIntent requires a payment method: no attempt succeeded",
                provider_code="requires_payment_method",
            )
        return Outcome(status=OutcomeStatus.FAILED, failure=failure, **base)
    if status == "canceled":
        return Outcome(
            status=OutcomeStatus.FAILED,
            failure=Failure(
                code=FailureCode.PROVIDER_ERROR,
                message=f"PaymentIntent canceled ({pi.cancellation_reason or 'no reason'})",
                provider_code="canceled",
            ),
            **base,
        )
    # requires_confirmation or a status this adapter does not know: not proven either way
    return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"PaymentIntent status {status}", **base)


REFUND_STATUS: dict[str, OutcomeStatus] = {
    "succeeded": OutcomeStatus.SUCCEEDED,
    "pending": OutcomeStatus.PENDING,
    "requires_action": OutcomeStatus.PENDING,
    "failed": OutcomeStatus.FAILED,
    "canceled": OutcomeStatus.FAILED,
}


def refund_outcome(refund: Refund) -> Outcome:
    status = REFUND_STATUS.get(refund.status or "", OutcomeStatus.UNKNOWN)
    failure = None
    if status is OutcomeStatus.FAILED:
        failure = Failure(
            code=FailureCode.PROVIDER_ERROR,
            message=f"refund {refund.status}: {refund.failure_reason or 'no reason given'}",
            provider_code=refund.failure_reason or refund.status,
        )
    return Outcome(
        status=status,
        provider_reference=refund.payment_intent,
        operation_reference=refund.id,
        amount=from_stripe_amount(refund.amount, refund.currency),
        currency=refund.currency.upper(),
        failure=failure,
        reason=None if status.definite else f"refund status {refund.status}",
        # `failed` / `canceled` are final at Stripe, and a refund reported succeeded can still
        # fail (its failure_balance_transaction reverses the refund): the failure supersedes
        supersedes=status is OutcomeStatus.FAILED,
        summary={
            "object": "refund",
            "id": refund.id,
            "status": refund.status,
            "amount": refund.amount,
            "currency": refund.currency,
            "payment_intent": refund.payment_intent,
        },
    )


def payout_outcome(payout: Payout, *, previous_status: str | None = None) -> Outcome:
    summary = {
        "object": "payout",
        "id": payout.id,
        "status": payout.status,
        "amount": payout.amount,
        "currency": payout.currency,
        "failure_code": payout.failure_code,
    }
    common: dict[str, Any] = {
        "provider_reference": payout.id,
        "operation_reference": payout.id,
        "amount": from_stripe_amount(payout.amount, payout.currency),
        "summary": summary,
    }
    if payout.status == "paid":
        return Outcome(status=OutcomeStatus.SUCCEEDED, **common)
    if payout.status in ("pending", "in_transit"):
        return Outcome(status=OutcomeStatus.PENDING, reason=f"payout {payout.status}", **common)
    if payout.status == "failed":
        code = payout.failure_code
        returned = previous_status == "paid"  # Stripe: a paid payout can later fail (returned)
        return Outcome(
            status=OutcomeStatus.RETURNED if returned else OutcomeStatus.FAILED,
            failure=Failure(
                code=FailureCode.PAYOUT_RETURNED if returned else FailureCode.PAYOUT_REJECTED,
                decline_code=PAYOUT_FAILURES.get(code or "", DeclineCode.UNKNOWN),
                message=payout.failure_message or "payout failed",
                provider_code=code,
            ),
            **common,
        )
    if payout.status == "canceled":
        return Outcome(
            status=OutcomeStatus.FAILED,
            failure=Failure(
                code=FailureCode.PAYOUT_REJECTED, message="payout canceled", provider_code="canceled"
            ),
            **common,
        )
    return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"payout status {payout.status}", **common)
