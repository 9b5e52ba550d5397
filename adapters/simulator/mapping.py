"""Wire shapes of the simulated PSP and the tables that map them to the hub's vocabulary.

Both sides use these structs: the simulator (``app.py``) decodes requests with the
``*Create`` structs (unknown fields rejected, as a PSP rejects unknown parameters)
and encodes its replies with the ``*Out`` structs; the adapter (``flows.py``) encodes
requests with the former and decodes replies with the latter (unknown fields
ignored, so the simulator may grow without breaking the adapter).

The tables at the end are the only place where simulator codes become unified
codes: charge status -> OutcomeStatus, decline code -> DeclineCode, payout status
-> OutcomeStatus, bank reason (ISO 20022) -> DeclineCode.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from adapters.base import DeclineCode, OutcomeStatus

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
CurrencyCode = Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]

# --------------------------------------------------------------------------- requests


class _In(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    pass


class CardIn(_In):
    number: Annotated[str, msgspec.Meta(min_length=12, max_length=23)]
    exp_month: Annotated[int, msgspec.Meta(ge=1, le=12)]
    exp_year: Annotated[int, msgspec.Meta(ge=2000, le=2200)]
    cvc: Annotated[str, msgspec.Meta(pattern="^[0-9]{3,4}$")] | None = None
    holder_name: str | None = None


class ThreeDSIn(_In):
    mode: Literal["if_required", "always", "never"] = "if_required"
    return_url: str | None = None


class ChargeCreate(_In):
    """``POST /v1/charges``: exactly one of ``card`` / ``token``."""

    amount: PositiveInt
    currency: CurrencyCode
    card: CardIn | None = None
    token: str | None = None
    capture: bool = True
    reference: Reference | None = None
    description: str | None = None
    three_ds: ThreeDSIn | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)


class CaptureCreate(_In):
    """``POST /v1/charges/{id}/capture``: ``amount`` defaults to all that is capturable.
    ``final=false`` keeps the rest of the authorization open for further captures."""

    amount: PositiveInt | None = None
    final: bool = True
    reference: Reference | None = None


class AuthenticateCreate(_In):
    """``POST /v1/charges/{id}/authenticate``: finish 3DS with the result the
    shopper produced on the challenge page. ``capture`` overrides the charge's own."""

    capture: bool | None = None


class VoidCreate(_In):
    reason: str | None = None


class RefundCreate(_In):
    """``POST /v1/charges/{id}/refunds``: ``amount`` defaults to all that is refundable."""

    amount: PositiveInt | None = None
    reference: Reference | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)


class DestinationIn(_In):
    type: Literal["bank_account", "card"]
    # bank_account
    iban: str | None = None
    bic: str | None = None
    name: str | None = None
    country: Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$")] | None = None
    # card
    number: str | None = None
    exp_month: Annotated[int, msgspec.Meta(ge=1, le=12)] | None = None
    exp_year: int | None = None
    holder_name: str | None = None


class PayoutCreate(_In):
    amount: PositiveInt
    currency: CurrencyCode
    destination: DestinationIn
    reference: Reference | None = None
    description: str | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)


class TokenCreate(_In):
    card: CardIn


class AdvanceIn(_In):
    seconds: Annotated[float, msgspec.Meta(ge=0)] = 0.0


# --------------------------------------------------------------------------- replies


class CardSummary(msgspec.Struct, kw_only=True):
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class PaymentMethodOut(msgspec.Struct, kw_only=True):
    type: str  # "card" | "token"
    card: CardSummary
    token: str | None = None


class NextActionOut(msgspec.Struct, kw_only=True):
    type: str  # "redirect"
    url: str


class ThreeDSOut(msgspec.Struct, kw_only=True):
    mode: str
    return_url: str | None = None
    result: str | None = None  # None until the shopper acts: "success" | "failure"


class CaptureOut(msgspec.Struct, kw_only=True, tag_field="object", tag="capture"):
    id: str
    charge: str
    charge_reference: str | None = None
    amount: int
    currency: str
    final: bool
    status: str = "succeeded"
    reference: str | None = None
    created: int


class RefundOut(msgspec.Struct, kw_only=True, tag_field="object", tag="refund"):
    id: str
    charge: str
    charge_reference: str | None = None
    amount: int
    currency: str
    status: str = "succeeded"
    reference: str | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    created: int


class ChargeOut(msgspec.Struct, kw_only=True, tag_field="object", tag="charge"):
    id: str
    status: str  # requires_action | authorized | captured | voided | declined
    amount: int
    currency: str
    captured: bool = False
    amount_captured: int = 0
    amount_capturable: int = 0
    amount_refunded: int = 0
    refunded: bool = False
    capture_requested: bool = False  # capture=true at creation (a purchase)
    reference: str | None = None
    description: str | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    payment_method: PaymentMethodOut | None = None
    three_ds: ThreeDSOut | None = None
    next_action: NextActionOut | None = None
    decline_code: str | None = None
    failure_message: str | None = None
    captures: list[CaptureOut] = msgspec.field(default_factory=list)
    refunds: list[RefundOut] = msgspec.field(default_factory=list)
    created: int


class DestinationOut(msgspec.Struct, kw_only=True):
    type: str
    iban_last4: str | None = None
    country: str | None = None
    bic: str | None = None
    name: str | None = None
    card_last4: str | None = None


class PayoutOut(msgspec.Struct, kw_only=True, tag_field="object", tag="payout"):
    id: str
    status: str  # pending | paid | failed | returned
    amount: int
    currency: str
    destination: DestinationOut
    reference: str | None = None
    description: str | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    failure_code: str | None = None  # ISO 20022 reason (AC04, AC01, AM04, ...)
    failure_message: str | None = None
    created: int
    paid_at: int | None = None
    returned_at: int | None = None


class TokenOut(msgspec.Struct, kw_only=True, tag_field="object", tag="token"):
    id: str
    card: CardSummary


class ErrorDetail(msgspec.Struct, kw_only=True, omit_defaults=True):
    # card_error | invalid_request_error | idempotency_error | authentication_error | api_error
    type: str
    code: str
    message: str = ""
    decline_code: str | None = None
    param: str | None = None
    charge: str | None = None  # the declined charge's id, when one was recorded


class ErrorOut(msgspec.Struct, kw_only=True):
    error: ErrorDetail


class ChargeList(msgspec.Struct, kw_only=True, tag_field="object", tag="list"):
    data: list[ChargeOut]
    has_more: bool = False


class PayoutList(msgspec.Struct, kw_only=True, tag_field="object", tag="list"):
    data: list[PayoutOut]
    has_more: bool = False


class SavedResponse(msgspec.Struct, kw_only=True):
    status: int
    body: str  # the raw JSON text answered the first time


class IdempotencyRecordOut(msgspec.Struct, kw_only=True, tag_field="object", tag="idempotency_record"):
    key: str
    status: str  # in_flight | completed | sealed
    method: str | None = None
    path: str | None = None
    response: SavedResponse | None = None
    created: int


class EventData(msgspec.Struct, kw_only=True, omit_defaults=True):
    object: ChargeOut | PayoutOut
    operation: CaptureOut | RefundOut | None = None  # the capture/refund this event is about


class EventOut(msgspec.Struct, kw_only=True, tag_field="object", tag="event"):
    id: str
    type: str
    created: int
    data: EventData


class SignedEventOut(msgspec.Struct, kw_only=True):
    """``GET /_sim/events`` item: exactly what would be / was POSTed to ``webhook_url``."""

    id: str
    type: str
    created: int
    headers: dict[str, str]
    body: str
    deliveries: list[dict[str, Any]] = msgspec.field(default_factory=list)


class SignedEventList(msgspec.Struct, kw_only=True, tag_field="object", tag="list"):
    data: list[SignedEventOut]
    has_more: bool = False


class StatsOut(msgspec.Struct, kw_only=True):
    operations: dict[str, int]  # distinct operations really performed, by kind
    requests: int  # raw HTTP requests received on /v1
    replays: int  # idempotent replays answered from the saved response


# --------------------------------------------------------------------------- tables

CHARGE_STATUS: dict[str, OutcomeStatus] = {
    # what a charge's status says about the authorize (or authenticate) that made it
    "requires_action": OutcomeStatus.REQUIRES_ACTION,
    "authorized": OutcomeStatus.SUCCEEDED,
    "captured": OutcomeStatus.SUCCEEDED,
    "voided": OutcomeStatus.SUCCEEDED,  # the authorization happened; a later void undid it
    "declined": OutcomeStatus.FAILED,
}

PAYOUT_STATUS: dict[str, OutcomeStatus] = {
    "pending": OutcomeStatus.PENDING,
    "paid": OutcomeStatus.SUCCEEDED,
    "failed": OutcomeStatus.FAILED,
    "returned": OutcomeStatus.RETURNED,
}

DECLINE_CODES: dict[str, DeclineCode] = {
    "do_not_honor": DeclineCode.DO_NOT_HONOR,
    "generic_decline": DeclineCode.DO_NOT_HONOR,
    "insufficient_funds": DeclineCode.INSUFFICIENT_FUNDS,
    "expired_card": DeclineCode.EXPIRED_CARD,
    "incorrect_cvc": DeclineCode.INCORRECT_CVC,
    "invalid_number": DeclineCode.INCORRECT_NUMBER,
    "lost_card": DeclineCode.LOST_OR_STOLEN,
    "stolen_card": DeclineCode.LOST_OR_STOLEN,
    "fraudulent": DeclineCode.FRAUD_SUSPECTED,
    "processing_error": DeclineCode.PROCESSING_ERROR,
    "card_not_supported": DeclineCode.CARD_NOT_SUPPORTED,
    "card_velocity_exceeded": DeclineCode.LIMIT_EXCEEDED,
    "amount_too_large": DeclineCode.INVALID_AMOUNT,
    "authentication_required": DeclineCode.AUTHENTICATION_REQUIRED,
    "authentication_failed": DeclineCode.AUTHENTICATION_REQUIRED,
}

# ISO 20022 reason codes a payout can fail or be returned with
BANK_REASONS: dict[str, DeclineCode] = {
    "AC01": DeclineCode.INVALID_ACCOUNT,  # incorrect account number
    "AC04": DeclineCode.INVALID_ACCOUNT,  # closed account
    "AC06": DeclineCode.INVALID_ACCOUNT,  # blocked account
    "AM04": DeclineCode.INSUFFICIENT_FUNDS,  # insufficient funds
    "AM05": DeclineCode.INVALID_AMOUNT,  # duplication
    "MD07": DeclineCode.INVALID_ACCOUNT,  # end customer deceased
    "MS03": DeclineCode.UNKNOWN,  # reason not specified
}


def decline_code(provider_code: str | None) -> DeclineCode:
    if provider_code is None:
        return DeclineCode.UNKNOWN
    return DECLINE_CODES.get(provider_code, DeclineCode.UNKNOWN)


def bank_reason(reason: str | None) -> DeclineCode:
    if reason is None:
        return DeclineCode.UNKNOWN
    return BANK_REASONS.get(reason, DeclineCode.UNKNOWN)
