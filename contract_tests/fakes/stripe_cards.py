"""Stripe's documented test instruments (https://docs.stripe.com/testing), as data.

Each test PaymentMethod (``pm_card_...``) and test card number maps to one
behaviour: approve, decline with Stripe's ``code``/``decline_code``, require 3D
Secure, or approve and later fail a refund.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Behaviour:
    brand: str
    last4: str
    three_ds: str = "supported"  # supported | required | not_supported
    decline: tuple[str, str | None, str] | None = None  # (code, decline_code, message)
    decline_after_3ds: tuple[str, str | None, str] | None = None
    refund_fails: bool = False


_DECLINED = ("card_declined", "generic_decline", "Your card was declined.")
_FUNDS = ("card_declined", "insufficient_funds", "Your card has insufficient funds.")
_LOST = ("card_declined", "lost_card", "Your card was declined.")
_STOLEN = ("card_declined", "stolen_card", "Your card was declined.")
_EXPIRED = ("expired_card", "expired_card", "Your card has expired.")
_CVC = ("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.")
_PROCESSING = (
    "processing_error",
    "processing_error",
    "An error occurred while processing your card. Try again in a little bit.",
)
_FRAUD = ("card_declined", "fraudulent", "Your card was declined.")
_VELOCITY = (
    "card_declined",
    "card_velocity_exceeded",
    "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
)
_NUMBER = ("incorrect_number", None, "Your card number is incorrect.")

BY_NUMBER: dict[str, Behaviour] = {
    "4242424242424242": Behaviour("visa", "4242"),
    "4000056655665556": Behaviour("visa", "5556"),
    "5555555555554444": Behaviour("mastercard", "4444"),
    "378282246310005": Behaviour("amex", "0005"),
    "4000000000000002": Behaviour("visa", "0002", decline=_DECLINED),
    "4000000000009995": Behaviour("visa", "9995", decline=_FUNDS),
    "4000000000009987": Behaviour("visa", "9987", decline=_LOST),
    "4000000000009979": Behaviour("visa", "9979", decline=_STOLEN),
    "4000000000000069": Behaviour("visa", "0069", decline=_EXPIRED),
    "4000000000000127": Behaviour("visa", "0127", decline=_CVC),
    "4000000000000119": Behaviour("visa", "0119", decline=_PROCESSING),
    "4100000000000019": Behaviour("visa", "0019", decline=_FRAUD),
    "4000000000006975": Behaviour("visa", "6975", decline=_VELOCITY),
    "4242424242424241": Behaviour("visa", "4241", decline=_NUMBER),
    "4000002760003184": Behaviour("visa", "3184", three_ds="required"),
    "4000000000003220": Behaviour("visa", "3220", three_ds="required"),
    "4000000000003063": Behaviour("visa", "3063", three_ds="required"),
    "4000000000003055": Behaviour("visa", "3055", three_ds="supported"),
    "4000008260003178": Behaviour("visa", "3178", three_ds="required", decline_after_3ds=_FUNDS),
    "4000000000005126": Behaviour("visa", "5126", refund_fails=True),
}

# test PaymentMethod ids -> card number (both the pm_card_* and pm_card_visa_* spellings)
PAYMENT_METHODS: dict[str, str] = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_visa_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_visa_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_chargeDeclinedFraudulent": "4100000000000019",
    "pm_card_visa_chargeDeclinedFraudulent": "4100000000000019",
    "pm_card_visa_chargeDeclinedVelocityLimitExceeded": "4000000000006975",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_threeDSecure2Required": "4000000000003220",
    "pm_card_threeDSecureRequired": "4000000000003063",
    "pm_card_threeDSecureOptional": "4000000000003055",
    "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds": "4000008260003178",
    "pm_card_refundFail": "4000000000005126",
    # disputed once the charge succeeds (contract_tests.fakes.stripe_disputes)
    "pm_card_createDispute": "4000000000000259",
    "pm_card_createDisputeProductNotReceived": "4000000000002685",
    "pm_card_createDisputeInquiry": "4000000000001976",
}


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def behaviour_for_number(number: str) -> Behaviour:
    if number in BY_NUMBER:
        return BY_NUMBER[number]
    if not luhn_ok(number):
        return Behaviour("unknown", number[-4:], decline=_NUMBER)
    brand = {"4": "visa", "5": "mastercard", "3": "amex"}.get(number[:1], "unknown")
    return Behaviour(brand, number[-4:])
