"""The answers the hub really sends (status, content type, body) are the ones its OpenAPI
document describes, over the main flows and their errors, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from hub.api.openapi.serve import finished_document
from tests.api.openapi_check import Conformance

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}


def _pay(**kw: Any) -> dict[str, Any]:
    return {
        "amount": 1099,
        "currency": "EUR",
        "capture": "manual",
        "payment_method": {"type": "card", "card": CARD},
        **kw,
    }


async def test_main_flows_answer_as_documented(harness: Any) -> None:
    app = harness.client._transport.app
    check = Conformance(finished_document(app))
    harness.client.event_hooks["response"].append(check.hook)
    h = harness

    pm = (await h.post("/v1/payment-methods", {"type": "card", "card": CARD})).json()
    await h.get(f"/v1/payment-methods/{pm['id']}")
    paid = (
        await h.post(
            "/v1/payments",
            _pay(payment_method={"type": "card", "token": pm["id"]}),
            **{"Idempotency-Key": "conf-1"},
        )
    ).json()
    replay = await h.post(
        "/v1/payments",
        _pay(payment_method={"type": "card", "token": pm["id"]}),
        **{"Idempotency-Key": "conf-1"},
    )
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json()["id"] == paid["id"]
    await h.post(f"/v1/payments/{paid['id']}/capture", {"amount": 600})
    await h.post(f"/v1/payments/{paid['id']}/refunds", {"amount": 100})
    await h.get(f"/v1/payments/{paid['id']}/refunds")
    await h.get(f"/v1/payments/{paid['id']}/operations")
    await h.get(f"/v1/payments/{paid['id']}")
    other = (await h.post("/v1/payments", _pay(capture="automatic"))).json()
    voidable = (await h.post("/v1/payments", _pay())).json()
    await h.post(f"/v1/payments/{voidable['id']}/void")
    declined = await h.post(
        "/v1/payments", _pay(payment_method={"type": "card", "card": {**CARD, "number": "4000000000009995"}})
    )
    assert declined.status_code in (201, 200)
    page = (await h.get("/v1/payments", limit=1)).json()
    assert page["has_more"] is True
    await h.get("/v1/payments", limit=2, cursor=page["next_cursor"], status="captured")

    payout = await h.post(
        "/v1/payouts",
        {
            "amount": 500,
            "currency": "EUR",
            "destination": {"type": "bank_account", "iban": "DE89370400440532013000", "name": "Ada"},
        },
    )
    if payout.status_code == 201:
        await h.get(f"/v1/payouts/{payout.json()['id']}")
    await h.get("/v1/payouts")
    endpoint = (
        await h.post(
            "/v1/webhook-endpoints", {"url": "https://shop.example/hooks", "event_types": ["payment.*"]}
        )
    ).json()
    await h.get("/v1/webhook-endpoints")
    await h.get(f"/v1/webhook-endpoints/{endpoint['id']}")
    await h.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries")
    events = (await h.get("/v1/events")).json()
    await h.get(f"/v1/events/{events['data'][0]['id']}")
    await h.get("/v1/disputes")
    await h.get("/v1/admin/operations")
    await h.get("/v1/admin/accounts")

    # the errors, each as documented
    assert (await h.client.get("/v1/payments")).status_code == 401
    reader = await h.new_key("read")
    assert (await h.post("/v1/payments", _pay(), key=reader)).status_code == 403
    assert (await h.get("/v1/payments/pay_missing")).status_code == 404
    assert (await h.post(f"/v1/payments/{voidable['id']}/capture", {})).json()["code"] == "invalid_state"
    assert (await h.post(f"/v1/payments/{other['id']}/capture", {"amount": 1})).status_code == 409
    assert (await h.post("/v1/payments", {"currency": "EUR"})).json()["code"] == "validation_error"
    reused = await h.post("/v1/payments", _pay(amount=5), **{"Idempotency-Key": "conf-1"})
    assert reused.json()["code"] == "idempotency_key_reused"
    bad = await h.client.post(
        "/v1/payments", content=b"{not json", headers=h.headers(**{"Content-Type": "application/json"})
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_json"
    too_much = await h.post(f"/v1/payments/{paid['id']}/refunds", {"amount": 10_000})
    assert too_much.status_code in (409, 422)

    assert not check.failures, "\n".join(check.failures)
    statuses = {s for _, _, s in check.checked}
    assert {200, 201, 400, 401, 403, 404, 409, 422} <= statuses
    assert len(check.checked) >= 35
