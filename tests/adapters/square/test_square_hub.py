"""The hub with a Square account on the Square fake: tokens only, never a card number."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests.fakes.square import Fake
from tests.conftest import HubHarness, start_harness

PAN = "4111111111111111"


def toml(fake: Fake) -> str:
    c = fake.account("https://square.fake.invalid").credentials
    return f"""
default_account = "square-eu"

[[accounts]]
id = "square-eu"
adapter = "square"
base_url = "https://square.fake.invalid"
[accounts.credentials]
access_token = "{c["access_token"]}"
location_id = "{c["location_id"]}"
webhook_signature_key = "{c["webhook_signature_key"]}"
webhook_url = "{c["webhook_url"]}"
"""


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[HubHarness, Fake]]:
    fake = Fake()
    h = await start_harness(db_url, tmp_path, config_toml=toml(fake))
    provider = h.hub.providers.get("square-eu")
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


async def test_a_raw_card_is_a_clear_422_and_never_reaches_square(world) -> None:
    h, fake = world
    card = {"number": PAN, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    r = await h.post("/v1/payments", {"amount": 1099, "currency": "EUR", "payment_method": {"type": "card", "card": card}})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_supported" and PAN not in r.text
    assert fake.requests == []
    listed = await h.get("/v1/payments")
    assert listed.json()["data"] == []  # nothing was created


async def test_token_payment_capture_refund_and_webhook(world) -> None:
    h, fake = world
    pm = {"type": "provider_token", "token": "cnon:card-nonce-ok"}

    async def ok(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        body: dict[str, Any] = response.json()
        return body

    pay = await ok(await h.post("/v1/payments", {"amount": 1099, "currency": "EUR", "capture": "manual",
                                                 "payment_method": pm}))
    assert pay["status"] == "authorized"
    assert fake.payments[pay["provider_reference"]]["reference_id"] == pay["id"]
    assert (await ok(await h.post(f"/v1/payments/{pay['id']}/capture", {})))["status"] == "captured"
    refund = await ok(await h.post(f"/v1/payments/{pay['id']}/refunds", {"amount": 400}))
    assert refund["status"] == "succeeded"
    note = fake.notifications()[-1]
    accepted = await h.client.post("/v1/webhooks/square-eu", content=note.body, headers=note.headers)
    assert accepted.status_code == 200, accepted.text
    refused = await h.client.post("/v1/webhooks/square-eu", content=note.body + b" ", headers=note.headers)
    assert refused.status_code == 401
