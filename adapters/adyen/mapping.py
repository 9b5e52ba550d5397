"""Adyen Checkout API v71 shapes and the tables that normalise them.

Sources (Adyen public documentation):

* result codes: ``resultCode`` of ``/payments`` and ``/payments/details``
  (Authorised, Refused, Error, Cancelled, Pending, Received, RedirectShopper,
  IdentifyShopper, ChallengeShopper, PresentToShopper, AuthenticationFinished,
  AuthenticationNotRequired, PartiallyAuthorised);
* refusal reasons: ``refusalReasonCode`` / ``refusalReason``
  (docs.adyen.com/development-resources/refusal-reasons);
* minor units: docs.adyen.com/development-resources/currency-codes. Adyen's
  exponent differs from ISO 4217 for CLP (2, ISO 0), CVE (0, ISO 2), IDR
  (0, ISO 2) and ISK (2, ISO 0); everywhere else they agree.
"""

from __future__ import annotations

from typing import Any

import msgspec

from adapters.base import DeclineCode, FailureCode, InvalidRequest

# --------------------------------------------------------------------------- minor units

# ISO 4217 exponents other than 2 (the hub's amounts are in these minor units)
_ISO_EXPONENT_0 = frozenset("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split())
_ISO_EXPONENT_3 = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
_ISO_EXPONENT_4 = frozenset(["CLF", "UYW"])

#: Where Adyen's exponent differs from ISO 4217 (Adyen's currency-codes page,
#: "differs from standard").
ADYEN_EXPONENT_OVERRIDES: dict[str, int] = {"CLP": 2, "CVE": 0, "IDR": 0, "ISK": 2}


def iso_exponent(currency: str) -> int:
    if currency in _ISO_EXPONENT_0:
        return 0
    if currency in _ISO_EXPONENT_3:
        return 3
    if currency in _ISO_EXPONENT_4:
        return 4
    return 2


def adyen_exponent(currency: str) -> int:
    return ADYEN_EXPONENT_OVERRIDES.get(currency, iso_exponent(currency))


def _pow10(n: int) -> int:
    result = 1
    for _ in range(n):
        result *= 10
    return result


def to_adyen_value(amount: int, currency: str, *, field: str = "amount") -> int:
    """The hub's ISO-minor-unit amount as Adyen's ``amount.value``.

    Raises InvalidRequest when the amount has a precision Adyen cannot take
    (for example IDR 1050 = 10.50 IDR, while Adyen counts IDR in whole rupiah).
    """
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha() or not currency.isupper():
        raise InvalidRequest(f"currency {currency!r} is not an upper-case ISO 4217 code", field="currency")
    if amount < 0:
        raise InvalidRequest(f"{field} must not be negative", field=field)
    diff = adyen_exponent(currency) - iso_exponent(currency)
    if diff >= 0:
        return amount * _pow10(diff)
    factor = _pow10(-diff)
    if amount % factor:
        raise InvalidRequest(
            f"{field} {amount} {currency} cannot be expressed for Adyen, which takes {currency} "
            f"with {adyen_exponent(currency)} decimals: use a multiple of {factor}",
            code="amount_not_supported",
            field=field,
        )
    return amount // factor


def from_adyen_value(value: int, currency: str) -> int | None:
    """Adyen's ``amount.value`` back in ISO minor units (None if not representable)."""
    diff = adyen_exponent(currency) - iso_exponent(currency)
    if diff <= 0:
        return value * _pow10(-diff)
    factor = _pow10(diff)
    if value % factor:
        return None
    return value // factor


# --------------------------------------------------------------------------- requests


class Amount(msgspec.Struct, kw_only=True):
    value: int
    currency: str


class SchemeCard(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """``paymentMethod`` with raw card fields (allowed for PCI DSS compliant merchants)."""

    type: str  # "scheme" (required by Adyen: never omitted)
    number: str
    expiry_month: str
    expiry_year: str
    cvc: str | None = None
    holder_name: str | None = None


class StoredCard(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """``paymentMethod`` referring to a card Adyen stored (a provider token)."""

    type: str  # "scheme"
    stored_payment_method_id: str


class ThreeDSRequestData(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    native_three_d_s: str | None = msgspec.field(default=None, name="nativeThreeDS")


class AuthenticationData(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    attempt_authentication: str | None = None  # "always" | "never"
    three_d_s_request_data: ThreeDSRequestData | None = msgspec.field(default=None, name="threeDSRequestData")


class PaymentRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """``POST /v71/payments``."""

    amount: Amount
    reference: str
    merchant_account: str
    payment_method: SchemeCard | StoredCard
    return_url: str
    channel: str
    shopper_interaction: str
    recurring_processing_model: str | None = None
    shopper_reference: str | None = None
    merchant_order_reference: str | None = None
    capture_delay_hours: int | None = None
    additional_data: dict[str, str] | None = None
    authentication_data: AuthenticationData | None = None
    browser_info: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None


class PaymentDetailsRequest(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``POST /v71/payments/details``."""

    details: dict[str, str]


class ModificationRequest(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """``POST /v71/payments/{pspReference}/captures|refunds|cancels``."""

    merchant_account: str
    reference: str | None = None
    amount: Amount | None = None


#: the keys ``/payments/details`` accepts inside ``details`` (PaymentCompletionDetails)
DETAILS_KEYS = frozenset(
    {
        "MD",
        "PaReq",
        "PaRes",
        "authorization_token",
        "billingToken",
        "cupsecureplus.smscode",
        "facilitatorAccessToken",
        "oneTimePasscode",
        "orderID",
        "payerID",
        "payload",
        "paymentID",
        "paymentStatus",
        "redirectResult",
        "resultCode",
        "returnUrlQueryString",
        "threeDSResult",
        "threeds2.challengeResult",
        "threeds2.fingerprint",
    }
)


# --------------------------------------------------------------------------- responses


class Action(msgspec.Struct, kw_only=True):
    type: str
    url: str | None = None
    method: str | None = None
    data: dict[str, Any] | None = None
    paymentMethodType: str | None = None
    subtype: str | None = None
    token: str | None = None
    authorisationToken: str | None = None
    paymentData: str | None = None


class PaymentResponse(msgspec.Struct, kw_only=True):
    """``/payments`` and ``/payments/details`` answers (the fields we read)."""

    resultCode: str
    pspReference: str | None = None
    merchantReference: str | None = None
    refusalReason: str | None = None
    refusalReasonCode: str | int | None = None
    action: Action | None = None
    amount: Amount | None = None
    additionalData: dict[str, Any] | None = None


class ModificationResponse(msgspec.Struct, kw_only=True):
    """``/captures``, ``/refunds``, ``/cancels`` answers (HTTP 201, status ``received``)."""

    status: str
    pspReference: str
    paymentPspReference: str | None = None
    reference: str | None = None
    merchantAccount: str | None = None
    amount: Amount | None = None


class ServiceError(msgspec.Struct, kw_only=True):
    """Adyen's error body for non-2xx answers."""

    status: int | None = None
    errorCode: str | int | None = None
    message: str | None = None
    errorType: str | None = None
    pspReference: str | None = None


class NotificationAmount(msgspec.Struct, kw_only=True):
    value: int | None = None
    currency: str | None = None


class NotificationItem(msgspec.Struct, kw_only=True):
    """One ``NotificationRequestItem`` of a standard webhook."""

    eventCode: str
    pspReference: str
    success: str | bool
    merchantAccountCode: str | None = None
    merchantReference: str | None = None
    originalReference: str | None = None
    amount: NotificationAmount | None = None
    eventDate: str | None = None
    reason: str | None = None
    paymentMethod: str | None = None
    operations: list[str] | None = None
    additionalData: dict[str, Any] | None = None

    @property
    def succeeded(self) -> bool:
        if isinstance(self.success, bool):
            return self.success
        return self.success.strip().lower() == "true"


# --------------------------------------------------------------------------- result codes

#: resultCode -> how the adapter reads it.
#:
#: * ``Error``: Adyen documents it as a final state ("an error occurred during
#:   processing"; an AUTHORISATION webhook with success=false follows). No money
#:   moved, so it is FAILED (provider_error / processing_error), definite.
#: * ``Received`` / ``Pending``: accepted, final answer by webhook: PENDING.
#: * ``PresentToShopper``: voucher-type methods; treated like Pending.
SUCCEEDED_CODES = frozenset({"Authorised"})
ACTION_CODES = frozenset({"RedirectShopper", "IdentifyShopper", "ChallengeShopper"})
PENDING_CODES = frozenset({"Pending", "Received", "PresentToShopper"})
FAILED_CODES = frozenset({"Refused", "Error", "Cancelled"})

# --------------------------------------------------------------------------- refusal reasons

# code -> (Adyen's refusalReason text, unified decline code, failure family)
_CD = FailureCode.CARD_DECLINED
_AF = FailureCode.AUTHENTICATION_FAILED
_PE = FailureCode.PROVIDER_ERROR
REFUSAL_REASONS: dict[str, tuple[str, DeclineCode, FailureCode]] = {
    "2": ("Refused", DeclineCode.DO_NOT_HONOR, _CD),
    "3": ("Referral", DeclineCode.DO_NOT_HONOR, _CD),
    "4": ("Acquirer Error", DeclineCode.PROCESSING_ERROR, _PE),
    "5": ("Blocked Card", DeclineCode.LOST_OR_STOLEN, _CD),
    "6": ("Expired Card", DeclineCode.EXPIRED_CARD, _CD),
    "7": ("Invalid Amount", DeclineCode.INVALID_AMOUNT, _CD),
    "8": ("Invalid Card Number", DeclineCode.INCORRECT_NUMBER, _CD),
    "9": ("Issuer Unavailable", DeclineCode.PROCESSING_ERROR, _CD),
    "10": ("Not supported", DeclineCode.CARD_NOT_SUPPORTED, _CD),
    "11": ("3D Not Authenticated", DeclineCode.AUTHENTICATION_REQUIRED, _AF),
    "12": ("Not enough balance", DeclineCode.INSUFFICIENT_FUNDS, _CD),
    "14": ("Acquirer Fraud", DeclineCode.FRAUD_SUSPECTED, _CD),
    "15": ("Cancelled", DeclineCode.UNKNOWN, _CD),
    "16": ("Shopper Cancelled", DeclineCode.UNKNOWN, _AF),
    "17": ("Invalid Pin", DeclineCode.DO_NOT_HONOR, _CD),
    "18": ("Pin tries exceeded", DeclineCode.DO_NOT_HONOR, _CD),
    "19": ("Pin validation not possible", DeclineCode.PROCESSING_ERROR, _CD),
    "20": ("FRAUD", DeclineCode.FRAUD_SUSPECTED, _CD),
    "21": ("Not Submitted", DeclineCode.PROCESSING_ERROR, _PE),
    "22": ("FRAUD-CANCELLED", DeclineCode.FRAUD_SUSPECTED, _CD),
    "23": ("Transaction Not Permitted", DeclineCode.CARD_NOT_SUPPORTED, _CD),
    "24": ("CVC Declined", DeclineCode.INCORRECT_CVC, _CD),
    "25": ("Restricted Card", DeclineCode.CARD_NOT_SUPPORTED, _CD),
    "26": ("Revocation Of Auth", DeclineCode.DO_NOT_HONOR, _CD),
    "27": ("Declined Non Generic", DeclineCode.DO_NOT_HONOR, _CD),
    "28": ("Withdrawal amount exceeded", DeclineCode.LIMIT_EXCEEDED, _CD),
    "29": ("Withdrawal count exceeded", DeclineCode.LIMIT_EXCEEDED, _CD),
    "31": ("Issuer Suspected Fraud", DeclineCode.FRAUD_SUSPECTED, _CD),
    "32": ("AVS Declined", DeclineCode.DO_NOT_HONOR, _CD),
    "33": ("Card requires online pin", DeclineCode.CARD_NOT_SUPPORTED, _CD),
    "34": ("No checking account available on Card", DeclineCode.CARD_NOT_SUPPORTED, _CD),
    "35": ("No savings account available on Card", DeclineCode.CARD_NOT_SUPPORTED, _CD),
    "36": ("Mobile pin required", DeclineCode.AUTHENTICATION_REQUIRED, _CD),
    "37": ("Contactless fallback", DeclineCode.CARD_NOT_SUPPORTED, _CD),
    "38": ("Authentication required", DeclineCode.AUTHENTICATION_REQUIRED, _CD),
    "39": ("RReq not received from DS", DeclineCode.PROCESSING_ERROR, _AF),
    "40": ("Current AID is in Penalty Box", DeclineCode.CARD_NOT_SUPPORTED, _CD),
    "41": ("CVM Required Restart Payment", DeclineCode.AUTHENTICATION_REQUIRED, _CD),
    "42": ("3DS Authentication Error", DeclineCode.PROCESSING_ERROR, _AF),
    "43": ("Online PIN required", DeclineCode.AUTHENTICATION_REQUIRED, _CD),
    "44": ("Try another interface", DeclineCode.CARD_NOT_SUPPORTED, _CD),
    "45": ("Chip downgrade mode", DeclineCode.CARD_NOT_SUPPORTED, _CD),
    "46": ("Transaction blocked by Adyen to prevent excessive retry fees", DeclineCode.DO_NOT_HONOR, _CD),
}

_BY_TEXT: dict[str, str] = {text.lower(): code for code, (text, _, _) in REFUSAL_REASONS.items()}
# spellings seen in webhooks' ``reason`` / older APIs
_BY_TEXT.update({"expiredcard": "6", "not enough balance": "12", "cvc declined": "24", "unknown": "0"})


def refusal_code_for(reason: str | None) -> str | None:
    """The refusalReasonCode for a refusalReason text (webhooks carry only the text)."""
    if not reason:
        return None
    text = reason.strip().lower()
    if text in _BY_TEXT:
        return _BY_TEXT[text]
    head = text.split(":", 1)[0].strip()  # "CVC Declined: ..." / raw acquirer suffixes
    return _BY_TEXT.get(head)


def decline_for(
    result_code: str, refusal_code: str | None, refusal_reason: str | None
) -> tuple[FailureCode, DeclineCode]:
    """failure.code and failure.decline_code for a Refused/Error/Cancelled answer."""
    code = refusal_code if refusal_code not in (None, "", "0") else refusal_code_for(refusal_reason)
    entry = REFUSAL_REASONS.get(code) if code else None
    if result_code == "Error":
        # Adyen "Error": processing failed, nothing authorised (final state)
        return FailureCode.PROVIDER_ERROR, entry[1] if entry else DeclineCode.PROCESSING_ERROR
    if entry is None:
        return FailureCode.CARD_DECLINED, DeclineCode.UNKNOWN
    return entry[2], entry[1]


def normalise_refusal_code(value: str | int | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
