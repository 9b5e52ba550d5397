"""PayPal declines and refusals: processor response codes and 422 issues -> unified codes.

``processor_response.response_code`` values are PayPal's ProcessorResponseCode enumeration
(the reason a card authorization or capture was DENIED / DECLINED); ``details[].issue``
values come from the 422 bodies of Orders v2 (``orders.authorize-422``,
``orders.capture-422``, ``orders.confirm-422`` in the OpenAPI document).
"""

from __future__ import annotations

from adapters.base import DeclineCode, Failure, FailureCode

# --------------------------------------------------------------------------- declines

# processor_response.response_code -> unified (PayPal's ProcessorResponseCode enumeration)
RESPONSE_CODES: dict[str, DeclineCode] = {
    "00N7": DeclineCode.INCORRECT_CVC,  # CVV2_FAILURE_POSSIBLE_RETRY_WITH_CVV
    "0100": DeclineCode.DO_NOT_HONOR,  # REFERRAL
    "0390": DeclineCode.INCORRECT_NUMBER,  # ACCOUNT_NOT_FOUND
    "0500": DeclineCode.DO_NOT_HONOR,  # DO_NOT_HONOR
    "0580": DeclineCode.DO_NOT_HONOR,  # UNAUTHORIZED_TRANSACTION
    "0880": DeclineCode.PROCESSING_ERROR,  # CRYPTOGRAPHIC_FAILURE
    "0960": DeclineCode.PROCESSING_ERROR,  # SYSTEM_MALFUNCTION
    "10BR": DeclineCode.DO_NOT_HONOR,  # ISSUER_REJECTED
    "1300": DeclineCode.PROCESSING_ERROR,  # INVALID_DATA_FORMAT
    "1310": DeclineCode.INVALID_AMOUNT,  # INVALID_AMOUNT
    "1320": DeclineCode.CARD_NOT_SUPPORTED,  # INVALID_CURRENCY_CODE
    "1330": DeclineCode.INCORRECT_NUMBER,  # INVALID_ACCOUNT
    "1352": DeclineCode.DO_NOT_HONOR,  # RESTRICTED_OR_INACTIVE_ACCOUNT
    "1380": DeclineCode.EXPIRED_CARD,  # INVALID_EXPIRATION
    "1382": DeclineCode.INCORRECT_CVC,  # INVALID_CARD_VERIFICATION_VALUE
    "5100": DeclineCode.DO_NOT_HONOR,  # GENERIC_DECLINE
    "5110": DeclineCode.INCORRECT_CVC,  # CVV2_FAILURE
    "5120": DeclineCode.INSUFFICIENT_FUNDS,  # INSUFFICIENT_FUNDS
    "5130": DeclineCode.DO_NOT_HONOR,  # INVALID_PIN
    "5135": DeclineCode.LIMIT_EXCEEDED,  # DECLINED_PIN_TRY_EXCEEDED
    "5140": DeclineCode.DO_NOT_HONOR,  # CARD_CLOSED
    "5150": DeclineCode.LOST_OR_STOLEN,  # PICKUP_CARD_SPECIAL_CONDITIONS
    "5160": DeclineCode.FRAUD_SUSPECTED,  # UNAUTHORIZED_USER
    "5170": DeclineCode.DO_NOT_HONOR,  # AVS_FAILURE
    "5180": DeclineCode.CARD_NOT_SUPPORTED,  # INVALID_OR_RESTRICTED_CARD
    "5200": DeclineCode.DO_NOT_HONOR,  # DUPLICATE_TRANSACTION
    "5400": DeclineCode.EXPIRED_CARD,  # EXPIRED_CARD
    "5650": DeclineCode.AUTHENTICATION_REQUIRED,  # DECLINED_SCA_REQUIRED
    "5700": DeclineCode.DO_NOT_HONOR,  # TRANSACTION_NOT_PERMITTED
    "5710": DeclineCode.LIMIT_EXCEEDED,  # TX_ATTEMPTS_EXCEED_LIMIT
    "5910": DeclineCode.PROCESSING_ERROR,  # ISSUER_NOT_AVAILABLE_NOT_RETRIABLE
    "5920": DeclineCode.PROCESSING_ERROR,  # ISSUER_NOT_AVAILABLE_RETRIABLE
    "5930": DeclineCode.CARD_NOT_SUPPORTED,  # CARD_NOT_ACTIVATED
    "9100": DeclineCode.PROCESSING_ERROR,  # DECLINED_PLEASE_RETRY
    "9500": DeclineCode.FRAUD_SUSPECTED,  # SUSPECTED_FRAUD
    "9510": DeclineCode.FRAUD_SUSPECTED,  # SECURITY_VIOLATION
    "9520": DeclineCode.LOST_OR_STOLEN,  # LOST_OR_STOLEN
    "9540": DeclineCode.DO_NOT_HONOR,  # REFUSED_CARD
    "PCVV": DeclineCode.INCORRECT_CVC,  # CVV_FAILURE
    "PPAX": DeclineCode.LIMIT_EXCEEDED,  # AMOUNT_EXCEEDED
    "PPCT": DeclineCode.CARD_NOT_SUPPORTED,  # CARD_TYPE_UNSUPPORTED
    "PPD3": DeclineCode.AUTHENTICATION_REQUIRED,  # SECURE_ERROR_3DS
    "PPEF": DeclineCode.EXPIRED_CARD,  # EXPIRED_FUNDING_INSTRUMENT
    "PPEL": DeclineCode.LIMIT_EXCEEDED,  # EXCEEDS_FREQUENCY_LIMIT
    "PPEX": DeclineCode.EXPIRED_CARD,  # EXPIRY_DATE
    "PPFI": DeclineCode.INCORRECT_NUMBER,  # INVALID_FUNDING_INSTRUMENT
    "PPNL": DeclineCode.LIMIT_EXCEEDED,  # EXCEEDED_NETWORK_LIMIT
}

# 422 ``details[].issue`` values that are declines of the instrument (no money moved)
DECLINE_ISSUES: dict[str, DeclineCode] = {
    "INSTRUMENT_DECLINED": DeclineCode.DO_NOT_HONOR,
    "TRANSACTION_REFUSED": DeclineCode.DO_NOT_HONOR,
    "PAYER_CANNOT_PAY": DeclineCode.DO_NOT_HONOR,
    "PAYER_ACCOUNT_RESTRICTED": DeclineCode.DO_NOT_HONOR,
    "PAYER_ACCOUNT_LOCKED_OR_CLOSED": DeclineCode.DO_NOT_HONOR,
    "PAYEE_BLOCKED_TRANSACTION": DeclineCode.DO_NOT_HONOR,
    "TRANSACTION_BLOCKED_BY_PAYEE": DeclineCode.FRAUD_SUSPECTED,
    "COMPLIANCE_VIOLATION": DeclineCode.FRAUD_SUSPECTED,
    "PAYMENT_SOURCE_DECLINED_BY_PROCESSOR": DeclineCode.DO_NOT_HONOR,
    "PAYMENT_SOURCE_INFO_CANNOT_BE_VERIFIED": DeclineCode.DO_NOT_HONOR,
    "PAYMENT_SOURCE_CANNOT_BE_USED": DeclineCode.CARD_NOT_SUPPORTED,
    "CARD_EXPIRED": DeclineCode.EXPIRED_CARD,
    "REFERENCED_CARD_EXPIRED": DeclineCode.EXPIRED_CARD,
    "INVALID_EXPIRY_DATE": DeclineCode.EXPIRED_CARD,
    "INVALID_SECURITY_CODE_LENGTH": DeclineCode.INCORRECT_CVC,
    "CARD_TYPE_NOT_SUPPORTED": DeclineCode.CARD_NOT_SUPPORTED,
    "CARD_BRAND_NOT_SUPPORTED": DeclineCode.CARD_NOT_SUPPORTED,
    "CURRENCY_NOT_SUPPORTED_FOR_CARD_TYPE": DeclineCode.CARD_NOT_SUPPORTED,
    "TRANSACTION_LIMIT_EXCEEDED": DeclineCode.LIMIT_EXCEEDED,
    "TRANSACTION_RECEIVING_LIMIT_EXCEEDED": DeclineCode.LIMIT_EXCEEDED,
    "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED": DeclineCode.LIMIT_EXCEEDED,
}

# 422 issues that prove the state moved on elsewhere (the operation may already be done)
STATE_ISSUES: frozenset[str] = frozenset(
    {
        "ORDER_ALREADY_AUTHORIZED", "ORDER_ALREADY_CAPTURED", "ORDER_COMPLETED_OR_VOIDED",
        "AUTHORIZATION_ALREADY_CAPTURED", "AUTHORIZATION_VOIDED", "AUTHORIZATION_EXPIRED",
        "PREVIOUSLY_VOIDED", "CAPTURE_FULLY_REFUNDED", "ORDER_CANNOT_BE_CONFIRMED",
        "PAYMENT_ALREADY_APPROVED",
    }
)  # fmt: skip

# the issue PayPal gives a PayPal-Request-Id reused with another body
DUPLICATE_REQUEST = "DUPLICATE_REQUEST_ID"


def decline_failure(response_code: str | None, issue: str | None, message: str | None) -> Failure:
    """A card_declined Failure from a processor response code and/or a 422 issue."""
    unified = DeclineCode.UNKNOWN
    if response_code and response_code in RESPONSE_CODES:
        unified = RESPONSE_CODES[response_code]
    elif issue and issue in DECLINE_ISSUES:
        unified = DECLINE_ISSUES[issue]
    return Failure(
        code=FailureCode.CARD_DECLINED,
        decline_code=unified,
        message=message or "the card was declined",
        provider_code=response_code or issue or "DECLINED",
    )
