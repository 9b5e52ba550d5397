"""The hub with a PayPal account on the PayPal fake: payments, captures, refunds, webhooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests.fakes.paypal import Fake
from tests.conftest import HubHarness, start_harness

CARD = {"number": "4111111111111111", "exp_month": 12, "exp_year": 2034, "cvc": "123", "holder_name": "Jane Shopper"}


def toml(fake: Fake) -> str:
    c = fake.account("https://paypal.fake.invalid").credentials
    return f"""
default_account = "paypal-eu"

[[accounts]]
id = "paypal-eu"
adapter = "paypal"
base_url = "https://paypal.fake.invalid"
[accounts.credentials]
client_id = "{c["client_id"]}"
client_secret = "{c["client_secret"]}"
webhook_id = "{c["webhook_id"]}"
"""


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[HubHarness, Fake]]:
    fake = Fake()
    h = await start_harness(db_url, tmp_path, config_toml=toml(fake))
    provider = h.hub.providers.get("paypal-eu")
    old = provider.client
    provider.client = httpx.AsyncClient(base_url=old.base_url, timeout=old.timeout,
                                        transport=httpx.ASGITransport(app=fake.app))
    provider.adapter = type(provider.adapter)(provider.account, provider.client)
    try:
        yield h, fake
    finally:
        await h.client.aclose()
        await h.hub.stop()
        await old.aclose()


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def test_card_payment_partial_captures_and_refund_through_the_hub(world) -> None:
    h, fake = world
    pay = await _ok(await h.post("/v1/payments", {"amount": 1099, "currency": "EUR", "capture": "manual",
                                                  "payment_method": {"type": "card", "card": CARD}}))
    assert pay["status"] == "authorized" and pay["provider_reference"] in fake.world.orders
    first = await _ok(await h.post(f"/v1/payments/{pay['id']}/capture", {"amount": 600, "final": False}))
    assert first["amount_captured"] == 600
    second = await _ok(await h.post(f"/v1/payments/{pay['id']}/capture", {"amount": 300}))
    assert second["amount_captured"] == 900
    refund = await _ok(await h.post(f"/v1/payments/{pay['id']}/refunds", {"amount": 500}))
    assert refund["status"] == "succeeded"
    assert fake.token_requests == 1  # one OAuth token for every call of the account
    order = fake.world.orders[pay["provider_reference"]]
    assert order["unit"]["custom_id"] == pay["id"]


async def test_inbound_webhook_is_verified_by_paypal_before_it_is_stored(world) -> None:
    h, fake = world
    await _ok(await h.post("/v1/payments", {"amount": 1099, "currency": "EUR", "capture": "manual",
                                            "payment_method": {"type": "card", "card": CARD}}))
    note = fake.notifications()[-1]
    ok = await h.client.post("/v1/webhooks/paypal-eu", content=note.body, headers=note.headers)
    assert ok.status_code == 200, ok.text
    forged = note.body.replace(b"EUR", b"USD")
    refused = await h.client.post("/v1/webhooks/paypal-eu", content=forged, headers=note.headers)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_signature"
