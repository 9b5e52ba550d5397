"""The payments API end to end on the in-process simulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import urllib.parse
from typing import Any

import httpx
import pytest

from adapters.simulator.app import sim_state

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}


def pay(number: str = "4242424242424242", **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": 1099,
        "currency": "EUR",
        "capture": "manual",
        "payment_method": {"type": "card", "card": {**CARD, "number": number}},
    }
    body.update(kw)
    return body


async def test_authorize_capture_refund(harness) -> None:
    r = await harness.post("/v1/payments", pay(reference="order-1", metadata={"cart": "c-77"}))
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["id"].startswith("pay_") and p["status"] == "authorized"
    assert p["amount"] == 1099 and p["currency"] == "EUR" and p["account"] == "sandbox"
    assert p["provider_reference"] and p["reference"] == "order-1" and p["metadata"] == {"cart": "c-77"}
    assert p["payment_method"]["last4"] == "4242" and "number" not in p["payment_method"]

    r = await harness.post(f"/v1/payments/{p['id']}/capture", {"amount": 600})
    assert r.status_code == 200 and r.json()["status"] == "captured" and r.json()["amount_captured"] == 600

    r = await harness.post(f"/v1/payments/{p['id']}/refunds", {"amount": 100})
    assert r.status_code == 201 and r.json()["status"] == "succeeded" and r.json()["id"].startswith("re_")
    r = await harness.post(f"/v1/payments/{p['id']}/refunds", {"amount": 500})
    assert r.status_code == 201
    r = await harness.get(f"/v1/payments/{p['id']}")
    assert r.json()["status"] == "refunded" and r.json()["amount_refunded"] == 600

    r = await harness.post(f"/v1/payments/{p['id']}/refunds", {"amount": 1})
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"

    types = [e["type"] for e in (await harness.get("/v1/events")).json()["data"]]
    assert types[::-1] == [
        "payment.authorized",
        "payment.captured",
        "refund.succeeded",
        "refund.succeeded",
        "payment.refunded",
    ]


async def test_automatic_capture_purchase(harness) -> None:
    r = await harness.post("/v1/payments", pay(capture="automatic"))
    assert r.json()["status"] == "captured" and r.json()["amount_captured"] == 1099


@pytest.mark.parametrize(
    ("card", "decline"),
    [
        ("4000000000000002", "do_not_honor"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000000069", "expired_card"),
        ("4000000000000127", "incorrect_cvc"),
    ],
)
async def test_decline_is_a_failed_payment_not_an_http_error(harness, card: str, decline: str) -> None:
    r = await harness.post("/v1/payments", pay(card))
    assert r.status_code == 201
    p = r.json()
    assert p["status"] == "failed"
    assert p["failure"]["decline_code"] == decline and p["failure"]["provider_code"]
    assert p["failure"]["code"] == "card_declined"


async def test_three_ds_challenge_then_authenticate(harness) -> None:
    r = await harness.post(
        "/v1/payments",
        pay(
            "4000000000003220", three_ds={"mode": "if_required", "return_url": "https://shop.example/return"}
        ),
    )
    p = r.json()
    assert p["status"] == "requires_action", p
    assert p["next_action"]["type"] == "redirect" and p["next_action"]["url"]
    # the shopper's browser completes the challenge on the simulator page
    url = urllib.parse.urlsplit(p["next_action"]["url"])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=harness.simulator), base_url=f"{url.scheme}://{url.netloc}"
    ) as browser:
        page = await browser.get(url.path)
        assert page.status_code == 200
        done = await browser.post(url.path, data={"result": "success"})
        assert done.status_code in (302, 303)
        back = urllib.parse.urlsplit(done.headers["location"])
    assert back.netloc == "shop.example"
    params = dict(urllib.parse.parse_qsl(back.query))
    r = await harness.post(f"/v1/payments/{p['id']}/authenticate", {"params": params})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "authorized" and r.json()["next_action"] is None


async def test_void(harness) -> None:
    p = (await harness.post("/v1/payments", pay())).json()
    r = await harness.post(f"/v1/payments/{p['id']}/void")
    assert r.status_code == 200 and r.json()["status"] == "voided"
    r = await harness.post(f"/v1/payments/{p['id']}/capture")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_over_capture_and_over_refund(harness) -> None:
    p = (await harness.post("/v1/payments", pay())).json()
    r = await harness.post(f"/v1/payments/{p['id']}/capture", {"amount": 5000})
    assert r.status_code == 422 and r.json()["code"] == "amount_exceeds_capturable"
    assert (await harness.get(f"/v1/payments/{p['id']}")).json()["status"] == "authorized"
    await harness.post(f"/v1/payments/{p['id']}/capture")
    r = await harness.post(f"/v1/payments/{p['id']}/refunds", {"amount": 1100})
    assert r.status_code == 422 and r.json()["code"] == "amount_exceeds_refundable"


async def test_multiple_captures(harness) -> None:
    p = (await harness.post("/v1/payments", pay())).json()
    r = await harness.post(f"/v1/payments/{p['id']}/capture", {"amount": 300, "final": False})
    assert r.json()["status"] == "captured" and r.json()["amount_captured"] == 300
    r = await harness.post(f"/v1/payments/{p['id']}/capture", {"amount": 799})
    assert r.status_code == 200 and r.json()["amount_captured"] == 1099
    r = await harness.post(f"/v1/payments/{p['id']}/capture", {"amount": 1})
    assert r.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 10.5}, "amount"),
        ({"amount": -5}, "amount"),
        ({"currency": "eur"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"surprise": 1}, None),
        ({"capture": "sometimes"}, "capture"),
        ({"payment_method": {"type": "card", "card": {**CARD, "number": "4242424242424241"}}}, None),
    ],
)
async def test_bad_input_is_a_clear_422_and_changes_nothing(
    harness, body: dict[str, Any], field: str | None
) -> None:
    r = await harness.post("/v1/payments", {**pay(), **body})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["status"] == 422 and problem["code"] and problem["detail"]
    if field:
        assert field in (problem.get("field") or "") or field in problem["detail"]
    assert (await harness.get("/v1/payments")).json()["data"] == []
    assert sim_state(harness.simulator).count("authorize") == 0


async def test_malformed_json_is_400(harness) -> None:
    r = await harness.client.post(
        "/v1/payments", content=b"{nope", headers={**harness.headers(), "content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_json"


async def test_unknown_payment_is_404(harness) -> None:
    r = await harness.get("/v1/payments/pay_doesnotexist")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


async def test_auth_and_roles(harness) -> None:
    r = await harness.client.get("/v1/payments")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    r = await harness.client.get("/v1/payments", headers={"Authorization": "Bearer phk_wrong"})
    assert r.status_code == 401
    read_key = await harness.new_key("read")
    assert (await harness.get("/v1/payments", key=read_key)).status_code == 200
    r = await harness.post("/v1/payments", pay(), key=read_key)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    refunds_key = await harness.new_key("refunds")
    p = (await harness.post("/v1/payments", pay(capture="automatic"))).json()
    assert (await harness.post(f"/v1/payments/{p['id']}/capture", key=refunds_key)).status_code == 403
    assert (
        await harness.post(f"/v1/payments/{p['id']}/refunds", {"amount": 10}, key=refunds_key)
    ).status_code == 201
    payments_key = await harness.new_key("payments")
    assert (
        await harness.post(f"/v1/payments/{p['id']}/refunds", {"amount": 10}, key=payments_key)
    ).status_code == 403
    assert (await harness.get("/v1/admin/accounts", key=payments_key)).status_code == 403


async def test_list_filters_and_cursor_paging(harness) -> None:
    ids = []
    for i in range(5):
        ids.append((await harness.post("/v1/payments", pay(reference=f"r{i % 2}"))).json()["id"])
    await harness.post("/v1/payments", pay("4000000000000002"))
    page1 = (await harness.get("/v1/payments", limit=2)).json()
    assert len(page1["data"]) == 2 and page1["has_more"] is True
    page2 = (await harness.get("/v1/payments", limit=2, cursor=page1["next_cursor"])).json()
    seen = [p["id"] for p in page1["data"] + page2["data"]]
    assert len(set(seen)) == 4
    failed = (await harness.get("/v1/payments", status="failed")).json()["data"]
    assert len(failed) == 1 and failed[0]["status"] == "failed"
    r1 = (await harness.get("/v1/payments", reference="r1")).json()["data"]
    assert {p["id"] for p in r1} == {ids[1], ids[3]}
    assert (await harness.get("/v1/payments", account="sandbox", limit=100)).json()["has_more"] is False
    assert (await harness.get("/v1/payments", cursor="garbage")).status_code == 422


async def test_health_ready_schema(harness) -> None:
    assert (await harness.client.get("/health")).json()["status"] == "ok"
    assert (await harness.client.get("/ready")).status_code == 200
    schema = (await harness.client.get("/schema")).json()
    assert "/v1/payments" in schema["paths"]


async def test_a_request_the_adapter_refuses_before_sending_changes_nothing(harness, monkeypatch) -> None:
    """The card is tokenized in the payment's own transaction, so an adapter that refuses the
    request before sending anything leaves no payment, no operation, no vaulted card and no
    idempotency key behind: the request can be fixed and retried under the same key."""
    from sqlalchemy import func, select

    from adapters.base import InvalidRequest
    from hub.store import tables as t
    from idempotency.tables import idempotency_keys

    adapter = harness.hub.providers.get("sandbox").adapter

    async def refuse(request: Any) -> Any:
        raise InvalidRequest("the provider cannot express this", field="payment_method.card")

    monkeypatch.setattr(adapter, "authorize", refuse)
    r = await harness.post("/v1/payments", pay(), **{"Idempotency-Key": "fix-and-retry"})
    assert r.status_code == 422, r.text
    async with harness.hub.engine.connect() as conn:
        for table in (t.payments, t.operations, t.payment_methods, idempotency_keys):
            assert await conn.scalar(select(func.count()).select_from(table)) == 0, table.name
    monkeypatch.undo()
    again = await harness.post("/v1/payments", pay(), **{"Idempotency-Key": "fix-and-retry"})
    assert again.status_code == 201 and again.json()["status"] == "authorized"
