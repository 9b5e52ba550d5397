"""What the suite knows about each provider's real sandbox.

A sandbox target is enabled when its credentials are in the environment; it
runs the scenarios that need no fake internals (approve, decline, capture
without 3DS, void, refund, idempotent replay) with the provider's documented
test instruments. Without credentials every sandbox scenario is SKIPPED with
the reason naming the missing variables (a skip is never a pass).

Add a provider: one :class:`SandboxProfile` in :data:`PROFILES`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from adapters.base import Account, Card, DeclineCode, PaymentMethod

__all__ = ["PROFILES", "SandboxProfile", "profile"]


def _token(token: str) -> PaymentMethod:
    return PaymentMethod(type="provider_token", token=token)


def _card(number: str, *, holder: str = "John Smith", exp_month: int = 3, exp_year: int = 2030,
          cvc: str = "737") -> PaymentMethod:
    return PaymentMethod(
        type="card",
        card=Card(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc, holder_name=holder),
    )


@dataclass(frozen=True)
class SandboxProfile:
    adapter: str
    base_url: str
    credentials_env: Mapping[str, str]  # credential -> env var (required)
    approve: PaymentMethod
    declines: Mapping[DeclineCode, PaymentMethod]
    optional_env: Mapping[str, str] = field(default_factory=dict)  # credential -> env var
    defaults: Mapping[str, str] = field(default_factory=dict)  # credential -> placeholder when unset
    currency: str = "EUR"
    amount: int = 1099
    notes: str = ""

    def missing(self, environ: Mapping[str, str] | None = None) -> list[str]:
        env = os.environ if environ is None else environ
        return [var for var in self.credentials_env.values() if not env.get(var)]

    def skip_reason(self, environ: Mapping[str, str] | None = None) -> str | None:
        missing = self.missing(environ)
        return f"credentials not set: {', '.join(missing)}" if missing else None

    def account(self, environ: Mapping[str, str] | None = None) -> Account:
        env = os.environ if environ is None else environ
        creds: dict[str, str] = dict(self.defaults)
        for cred, var in {**self.credentials_env, **self.optional_env}.items():
            if env.get(var):
                creds[cred] = env[var]
        return Account(
            id=f"{self.adapter}-sandbox",
            adapter=self.adapter,
            base_url=env.get(f"PAYHUB_SANDBOX_{self.adapter.upper()}_BASE_URL", self.base_url),
            credentials=creds,
            connect_timeout=5.0,
            read_timeout=30.0,
        )


PROFILES: dict[str, SandboxProfile] = {
    # https://docs.stripe.com/testing (PaymentMethod test tokens; raw card numbers need
    # the raw-card-data permission, tokens do not)
    "stripe": SandboxProfile(
        adapter="stripe",
        base_url="https://api.stripe.com",
        credentials_env={"secret_key": "PAYHUB_SANDBOX_STRIPE_SECRET_KEY"},
        optional_env={"webhook_secret": "PAYHUB_SANDBOX_STRIPE_WEBHOOK_SECRET"},
        defaults={"webhook_secret": "whsec_contract_suite_unused"},
        approve=_token("pm_card_visa"),
        declines={
            DeclineCode.INSUFFICIENT_FUNDS: _token("pm_card_visa_chargeDeclinedInsufficientFunds"),
            DeclineCode.EXPIRED_CARD: _token("pm_card_chargeDeclinedExpiredCard"),
            DeclineCode.INCORRECT_CVC: _token("pm_card_chargeDeclinedIncorrectCvc"),
            DeclineCode.LOST_OR_STOLEN: _token("pm_card_chargeDeclinedLostCard"),
            DeclineCode.FRAUD_SUSPECTED: _token("pm_card_chargeDeclinedFraudulent"),
            DeclineCode.PROCESSING_ERROR: _token("pm_card_chargeDeclinedProcessingError"),
        },
        notes="test-mode secret key (sk_test_...); webhooks are not exercised on the sandbox",
    ),
    # https://docs.adyen.com/development-resources/testing/test-card-numbers and
    # .../testing/result-codes (refusals triggered by holderName). Raw card data needs
    # the API credential to have the PCI payments role on the test account.
    "adyen": SandboxProfile(
        adapter="adyen",
        base_url="https://checkout-test.adyen.com",
        credentials_env={
            "api_key": "PAYHUB_SANDBOX_ADYEN_API_KEY",
            "merchant_account": "PAYHUB_SANDBOX_ADYEN_MERCHANT_ACCOUNT",
        },
        optional_env={"hmac_key": "PAYHUB_SANDBOX_ADYEN_HMAC_KEY"},
        defaults={"hmac_key": "00" * 32},
        approve=_card("4111111111111111"),
        declines={
            DeclineCode.DO_NOT_HONOR: _card("4111111111111111", holder="DECLINED"),
            DeclineCode.INSUFFICIENT_FUNDS: _card("4111111111111111", holder="NOT_ENOUGH_BALANCE"),
            DeclineCode.EXPIRED_CARD: _card("4111111111111111", holder="CARD_EXPIRED"),
            DeclineCode.INCORRECT_CVC: _card("4111111111111111", holder="CVC_DECLINED"),
            DeclineCode.FRAUD_SUSPECTED: _card("4111111111111111", holder="FRAUD"),
            DeclineCode.INVALID_AMOUNT: _card("4111111111111111", holder="INVALID_AMOUNT"),
        },
        notes="captures/refunds answer [received]: without webhooks they stay PENDING on the sandbox",
    ),
    # https://developer.paypal.com/tools/sandbox/card-testing/ (negative testing: the card
    # holder name CCREJECT-* selects the processor response); REST app credentials of a
    # sandbox business account with advanced card processing
    "paypal": SandboxProfile(
        adapter="paypal",
        base_url="https://api-m.sandbox.paypal.com",
        credentials_env={
            "client_id": "PAYHUB_SANDBOX_PAYPAL_CLIENT_ID",
            "client_secret": "PAYHUB_SANDBOX_PAYPAL_CLIENT_SECRET",
        },
        optional_env={"webhook_id": "PAYHUB_SANDBOX_PAYPAL_WEBHOOK_ID"},
        defaults={"webhook_id": "WH-CONTRACT-SUITE-UNUSED"},
        approve=_card("4111111111111111", holder="Jane Shopper", cvc="123"),
        declines={
            DeclineCode.DO_NOT_HONOR: _card("4111111111111111", holder="CCREJECT-REFUSED", cvc="123"),
            DeclineCode.INSUFFICIENT_FUNDS: _card("4111111111111111", holder="CCREJECT-IF", cvc="123"),
            DeclineCode.EXPIRED_CARD: _card("4111111111111111", holder="CCREJECT-EC", cvc="123"),
            DeclineCode.LOST_OR_STOLEN: _card("4111111111111111", holder="CCREJECT-LS", cvc="123"),
            DeclineCode.FRAUD_SUSPECTED: _card("4111111111111111", holder="CCREJECT-SF", cvc="123"),
        },
        currency="USD",
        notes="webhooks are not exercised on the sandbox (they need a public URL)",
    ),
    # https://developer.squareup.com/docs/devtools/sandbox/payments (sandbox test values:
    # card nonces that approve or fail with a given error code); a sandbox access token and
    # the sandbox location's id; sandbox locations are in USD
    "square": SandboxProfile(
        adapter="square",
        base_url="https://connect.squareupsandbox.com",
        credentials_env={
            "access_token": "PAYHUB_SANDBOX_SQUARE_ACCESS_TOKEN",
            "location_id": "PAYHUB_SANDBOX_SQUARE_LOCATION_ID",
        },
        optional_env={
            "webhook_signature_key": "PAYHUB_SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY",
            "webhook_url": "PAYHUB_SANDBOX_SQUARE_WEBHOOK_URL",
        },
        defaults={"webhook_signature_key": "contract-suite-unused", "webhook_url": "https://payhub.invalid/unused"},
        approve=_token("cnon:card-nonce-ok"),
        declines={
            DeclineCode.DO_NOT_HONOR: _token("cnon:card-nonce-declined"),
            DeclineCode.INCORRECT_CVC: _token("cnon:card-nonce-rejected-cvv"),
            DeclineCode.EXPIRED_CARD: _token("cnon:card-nonce-rejected-expiration"),
        },
        currency="USD",
        notes="webhooks are not exercised on the sandbox (they need a public URL)",
    ),
}


def profile(adapter: str) -> SandboxProfile | None:
    return PROFILES.get(adapter)
