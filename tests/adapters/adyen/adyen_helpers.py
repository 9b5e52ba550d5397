"""Shared helpers for the Adyen adapter tests (transcripts, requests, accounts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from adapters.adyen import AdyenAdapter
from adapters.base import (
    Account,
    AuthorizeRequest,
    Card,
    PaymentMethod,
    ThreeDS,
)

TRANSCRIPTS = Path(__file__).parent / "transcripts"
BASE_URL = "https://checkout-test.adyen.com"
API_KEY = "AQEyhmfxK_test_api_key"
MERCHANT = "PayhubECOM"
HMAC_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
HMAC_KEY_OLD = "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90"


def transcript(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((TRANSCRIPTS / f"{name}.json").read_text())
    return doc


def response(name: str) -> httpx.Response:
    doc = transcript(name)
    headers = dict(doc.get("headers", {}))
    if "raw" in doc:
        return httpx.Response(doc["status"], content=doc["raw"].encode(), headers=headers)
    return httpx.Response(doc["status"], json=doc["body"], headers=headers)


def account(**settings: Any) -> Account:
    return Account(
        id="adyen-eu",
        adapter="adyen",
        base_url=BASE_URL,
        credentials={
            "api_key": API_KEY,
            "merchant_account": MERCHANT,
            "hmac_key": HMAC_KEY,
            "hmac_key_previous": HMAC_KEY_OLD,
        },
        settings=settings,
    )


def adapter(client: httpx.AsyncClient | None = None, **settings: Any) -> AdyenAdapter:
    return AdyenAdapter(account(**settings), client or httpx.AsyncClient(base_url=BASE_URL))


def card(holder: str | None = "J. Smith") -> PaymentMethod:
    return PaymentMethod(
        type="card",
        card=Card(number="4111111111111111", exp_month=3, exp_year=2030, cvc="737", holder_name=holder),
    )


def authorize_request(
    *,
    capture: bool = False,
    amount: int = 1099,
    currency: str = "EUR",
    method: PaymentMethod | None = None,
    three_ds: ThreeDS | None = None,
    metadata: dict[str, str] | None = None,
) -> AuthorizeRequest:
    return AuthorizeRequest(
        operation_id="op_1",
        idempotency_key="payhub-op_1",
        payment_id="pay_test_1",
        amount=amount,
        currency=currency,
        reference="order-1001",
        metadata=metadata if metadata is not None else {"cart": "c-77"},
        capture=capture,
        payment_method=method or card(),
        three_ds=three_ds or ThreeDS(mode="if_required", return_url="https://shop.example/return"),
    )
