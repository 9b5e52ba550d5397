"""The PayPal fake is at least as strict as PayPal: it refuses what PayPal refuses."""

from __future__ import annotations

import httpx
import pytest
from paypal_helpers import authorize_request

from adapters.base import OutcomeStatus
from adapters.paypal import PayPalAdapter
from contract_tests.fakes.paypal import TOKEN_LIFETIME, Fake


@pytest.fixture
async def world():
    fake = Fake()
    account = fake.account("https://paypal.fake.invalid")
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url=account.base_url)
    token = (await client.post("/v1/oauth2/token", content=b"grant_type=client_credentials",
                               auth=(fake.client_id, fake.client_secret))).json()["access_token"]
    yield fake, client, {"Authorization": f"Bearer {token}"}, PayPalAdapter(account, client)
    await client.aclose()


ORDER = {"intent": "AUTHORIZE", "purchase_units": [{"amount": {"currency_code": "EUR", "value": "10.99"}}]}


async def test_unknown_fields_are_refused(world) -> None:
    _, client, auth, _ = world
    body = {**ORDER, "purchase_units": [{**ORDER["purchase_units"][0], "metadata": {"a": "b"}}]}
    r = await client.post("/v2/checkout/orders", json=body, headers={**auth, "PayPal-Request-Id": "r1"})
    assert r.status_code == 400 and r.json()["details"][0]["field"] == "/purchase_units/0/metadata"


async def test_request_id_reused_with_another_body_is_refused(world) -> None:
    _, client, auth, _ = world
    first = await client.post("/v2/checkout/orders", json=ORDER, headers={**auth, "PayPal-Request-Id": "r2"})
    again = await client.post("/v2/checkout/orders", json=ORDER, headers={**auth, "PayPal-Request-Id": "r2"})
    assert first.status_code == 201 and again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = {**ORDER, "intent": "CAPTURE"}
    refused = await client.post("/v2/checkout/orders", json=other, headers={**auth, "PayPal-Request-Id": "r2"})
    assert refused.status_code == 422 and refused.json()["details"][0]["issue"] == "DUPLICATE_REQUEST_ID"


@pytest.mark.parametrize(("value", "currency", "issue"), [
    ("10.999", "EUR", "DECIMAL_PRECISION"), ("10.5", "JPY", "DECIMAL_PRECISION"),
    ("0.00", "EUR", "CANNOT_BE_ZERO_OR_NEGATIVE"), ("ten", "EUR", "INVALID_PARAMETER_SYNTAX"),
])
async def test_amounts_are_validated(world, value: str, currency: str, issue: str) -> None:
    _, client, auth, _ = world
    body = {"intent": "CAPTURE", "purchase_units": [{"amount": {"currency_code": currency, "value": value}}]}
    r = await client.post("/v2/checkout/orders", json=body, headers=auth)
    assert r.json()["details"][0]["issue"] == issue


async def test_tokens_expire_and_the_adapter_fetches_a_new_one(world) -> None:
    fake, client, auth, adapter = world
    assert (await adapter.authorize(authorize_request())).status is OutcomeStatus.SUCCEEDED
    fetched = fake.token_requests
    await fake.advance(TOKEN_LIFETIME + 1)
    r = await client.get("/v2/checkout/orders/ANY", headers=auth)
    assert r.status_code == 401  # the old token is dead at PayPal
    out = await adapter.authorize(authorize_request())  # the adapter still thinks it is valid: 401, refresh
    assert out.status is OutcomeStatus.SUCCEEDED
    assert fake.token_requests == fetched + 1

