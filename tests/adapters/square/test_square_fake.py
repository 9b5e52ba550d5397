"""The Square fake is at least as strict as Square."""

from __future__ import annotations

import httpx
import pytest

from contract_tests.fakes.square import Fake


@pytest.fixture
async def world():
    fake = Fake()
    headers = {"Authorization": f"Bearer {fake.access_token}", "Square-Version": "2025-10-16"}
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url="https://sq.fake")
    yield fake, client, headers
    await client.aclose()


BODY = {"source_id": "cnon:card-nonce-ok", "idempotency_key": "k-1", "amount_money": {"amount": 1099, "currency": "EUR"}}


async def _post(client, headers, body, path="/v2/payments"):
    r = await client.post(path, json=body, headers=headers)
    return r.status_code, r.json()


async def test_idempotency_key_reused_with_other_parameters_is_refused(world) -> None:
    fake, client, headers = world
    status, first = await _post(client, headers, BODY)
    again_status, again = await _post(client, headers, BODY)
    assert status == again_status == 200 and again["payment"]["id"] == first["payment"]["id"]
    status, other = await _post(client, headers, {**BODY, "amount_money": {"amount": 2000, "currency": "EUR"}})
    assert status == 400 and other["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(fake.payments) == 1


@pytest.mark.parametrize(("change", "code"), [
    ({"metadata": {"a": "b"}}, "UNKNOWN_BODY_PARAMETER"),
    ({"amount_money": {"amount": 0, "currency": "EUR"}}, "INVALID_VALUE"),
    ({"amount_money": {"amount": 10.5, "currency": "EUR"}}, "INVALID_VALUE"),
    ({"amount_money": {"amount": 1099, "currency": "USD"}}, "CURRENCY_MISMATCH"),
    ({"idempotency_key": "k" * 46}, "VALUE_TOO_LONG"),
    ({"reference_id": "r" * 41}, "VALUE_TOO_LONG"),
    ({"source_id": "4111 1111 1111 1111"}, "INVALID_CARD_DATA"),
])
async def test_bad_requests_are_refused_and_create_nothing(world, change, code) -> None:
    fake, client, headers = world
    status, body = await _post(client, headers, {**BODY, "idempotency_key": "k-bad", **change})
    assert status == 400 and body["errors"][0]["code"] == code
    assert fake.payments == {}


async def test_requests_without_the_token_or_version_are_refused(world) -> None:
    _, client, headers = world
    assert (await client.get("/v2/payments/x", headers={"Square-Version": "2025-10-16"})).status_code == 401
    r = await client.get("/v2/payments/x", headers={"Authorization": headers["Authorization"]})
    assert r.json()["errors"][0]["code"] == "INVALID_SQUARE_VERSION_FORMAT"


async def test_refunds_cannot_exceed_the_payment(world) -> None:
    _, client, headers = world
    _, created = await _post(client, headers, BODY)
    pay_id = created["payment"]["id"]
    refund = {"idempotency_key": "r-1", "payment_id": pay_id, "amount_money": {"amount": 1000, "currency": "EUR"}}
    assert (await _post(client, headers, refund, "/v2/refunds"))[0] == 200
    status, body = await _post(client, headers, {**refund, "idempotency_key": "r-2"}, "/v2/refunds")
    assert status == 400 and body["errors"][0]["code"] == "REFUND_AMOUNT_INVALID"
