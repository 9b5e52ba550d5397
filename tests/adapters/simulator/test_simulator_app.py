"""The simulated PSP's HTTP API itself (what a hand-written client or curl sees)."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import httpx

from adapters.base import Capability, OperationKind, Strategy
from adapters.simulator import SimulatorAdapter
from adapters.simulator.app import TEST_CARDS, SimulatorState, client_for, luhn_valid

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}


def charge_body(**extra: Any) -> dict[str, Any]:
    return {"amount": 1000, "currency": "EUR", "card": CARD, "capture": False, "reference": "pay_1", **extra}


def test_capabilities_and_entry_point() -> None:
    caps = SimulatorAdapter.capabilities
    for feature in (
        "authorize",
        "capture",
        "partial_capture",
        "multiple_captures",
        "void",
        "refund",
        "partial_refund",
        "multiple_refunds",
        "three_ds",
        "raw_card",
        "provider_token",
        "payout",
        "lookup",
        "webhooks",
    ):
        assert caps.supports(Capability(feature))
    assert caps.currencies is None
    assert all(caps.resolution[k] == (Strategy.LOOKUP,) for k in OperationKind)
    assert caps.required_credentials == ()
    names = {ep.name: ep.value for ep in entry_points(group="payhub.adapters")}
    if "simulator" in names:
        assert names["simulator"] == "adapters.simulator:SimulatorAdapter"


def test_all_test_cards_are_luhn_valid() -> None:
    assert all(luhn_valid(n) for n in TEST_CARDS)


async def test_api_key_required(client: httpx.AsyncClient, auth_headers: dict[str, str]) -> None:
    assert (await client.post("/v1/charges", json=charge_body())).status_code == 401
    bad = await client.post("/v1/charges", json=charge_body(), headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["error"]["type"] == "authentication_error"
    assert (await client.post("/v1/charges", json=charge_body(), headers=auth_headers)).status_code == 200


async def test_replay_header_and_reuse_error(
    client: httpx.AsyncClient, auth_headers: dict[str, str], sim: SimulatorState
) -> None:
    h = {**auth_headers, "Idempotency-Key": "k-1"}
    first = await client.post("/v1/charges", json=charge_body(), headers=h)
    again = await client.post("/v1/charges", json=charge_body(), headers=h)
    assert first.status_code == again.status_code == 200
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    # key order and whitespace do not matter: same parameters
    reordered = await client.post(
        "/v1/charges",
        content=b'{"reference":"pay_1","capture":false,"card":'
        + str(CARD).replace("'", '"').encode()
        + b', "currency":"EUR","amount":1000}',
        headers={**h, "content-type": "application/json"},
    )
    assert reordered.status_code == 200 and reordered.json()["id"] == first.json()["id"]
    reused = await client.post("/v1/charges", json=charge_body(amount=5), headers=h)
    assert reused.status_code == 400
    assert reused.json()["error"] == {
        "type": "idempotency_error",
        "code": "idempotency_key_reused",
        "message": reused.json()["error"]["message"],
    }
    other_endpoint = await client.post(f"/v1/charges/{first.json()['id']}/void", json={}, headers=h)
    assert other_endpoint.status_code == 400
    stats = (await client.get("/_sim/stats", headers=auth_headers)).json()
    assert stats["operations"]["authorize"] == 1 and stats["operations"]["void"] == 0
    assert stats["replays"] == 2 and stats["requests"] == 5
    assert sim.stats().operations["authorize"] == 1


async def test_validation_errors_are_not_saved(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    h = {**auth_headers, "Idempotency-Key": "k-2"}
    bad = await client.post("/v1/charges", json=charge_body(unknown_field=1), headers=h)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "parameter_invalid"
    assert (await client.get("/v1/idempotency/k-2", headers=auth_headers)).status_code == 404
    good = await client.post("/v1/charges", json=charge_body(), headers=h)
    assert good.status_code == 200


async def test_decline_is_402_with_charge_id(client: httpx.AsyncClient, auth_headers: dict[str, str]) -> None:
    r = await client.post(
        "/v1/charges", json=charge_body(card={**CARD, "number": "4000000000009995"}), headers=auth_headers
    )
    assert r.status_code == 402
    err = r.json()["error"]
    assert (err["type"], err["code"], err["decline_code"]) == (
        "card_error",
        "card_declined",
        "insufficient_funds",
    )
    charge = (await client.get(f"/v1/charges/{err['charge']}", headers=auth_headers)).json()
    assert charge["status"] == "declined"


async def test_find_by_reference_and_idempotency_record(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    h = {**auth_headers, "Idempotency-Key": "k-3"}
    created = (await client.post("/v1/charges", json=charge_body(reference="pay_ref"), headers=h)).json()
    found = (await client.get("/v1/charges", params={"reference": "pay_ref"}, headers=auth_headers)).json()
    assert [c["id"] for c in found["data"]] == [created["id"]]
    record = (await client.get("/v1/idempotency/k-3", headers=auth_headers)).json()
    assert record["status"] == "completed" and record["path"] == "/v1/charges"
    assert record["response"]["status"] == 200
    sealed = (await client.post("/v1/idempotency/k-new/seal", headers=auth_headers)).json()
    assert sealed["status"] == "sealed"
    refused = await client.post(
        "/v1/charges", json=charge_body(), headers={**auth_headers, "Idempotency-Key": "k-new"}
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "idempotency_key_sealed"
    # sealing a known key changes nothing
    assert (await client.post("/v1/idempotency/k-3/seal", headers=auth_headers)).json()[
        "status"
    ] == "completed"


async def test_500_card_replays_500_and_records_nothing(
    client: httpx.AsyncClient, auth_headers: dict[str, str], sim: SimulatorState
) -> None:
    h = {**auth_headers, "Idempotency-Key": "k-500"}
    body = charge_body(card={**CARD, "number": "4000000000000341"})
    assert (await client.post("/v1/charges", json=body, headers=h)).status_code == 500
    again = await client.post("/v1/charges", json=body, headers=h)
    assert again.status_code == 500 and again.headers["idempotent-replayed"] == "true"
    assert sim.charges == {} and sim.count("authorize") == 0


async def test_challenge_page_unknown_charge_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/3ds/ch_nope")).status_code == 404


async def test_advance_endpoint_settles_payouts(auth_headers: dict[str, str], webhook_secret: str) -> None:

    from adapters.simulator.app import create_app

    app = create_app(api_key="sk_sim_unit", webhook_secret=webhook_secret, payout_delay=60)
    async with client_for(app) as c:
        body = {
            "amount": 100,
            "currency": "EUR",
            "reference": "po_1",
            "destination": {"type": "bank_account", "iban": "DE89 3704 0044 0532 0130 00", "name": "Ada"},
        }
        po = (await c.post("/v1/payouts", json=body, headers=auth_headers)).json()
        assert po["status"] == "pending" and po["destination"]["iban_last4"] == "3000"
        assert (await c.get(f"/v1/payouts/{po['id']}", headers=auth_headers)).json()["status"] == "pending"
        await c.post("/_sim/advance", json={"seconds": 61}, headers=auth_headers)
        assert (await c.get(f"/v1/payouts/{po['id']}", headers=auth_headers)).json()["status"] == "paid"
        found = (await c.get("/v1/payouts", params={"reference": "po_1"}, headers=auth_headers)).json()
        assert [p["id"] for p in found["data"]] == [po["id"]]
