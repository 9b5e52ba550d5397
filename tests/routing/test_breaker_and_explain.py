"""The circuit breaker seen from outside (payments skip a failing account, one probe closes it,
GET /v1/admin/stats and /metrics show it) and POST /v1/admin/routing/explain."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.routing.conftest import RoutingWorld, make_routing_world


@pytest.fixture
async def touchy(db_url: str, tmp_path: Path) -> AsyncIterator[RoutingWorld]:
    w = await make_routing_world(
        db_url, tmp_path, "breaker_failures = 2\nbreaker_window = 60.0\nbreaker_cooldown = 3.0\n"
    )
    try:
        yield w
    finally:
        await w.h.client.aclose()
        await w.h.hub.stop()


async def _breaker(w: RoutingWorld, account: str) -> dict[str, object]:
    r = await w.h.get("/v1/admin/stats")
    assert r.status_code == 200, r.text
    state: dict[str, object] = r.json()["routing"]["breakers"][account]
    return state


async def test_a_failing_account_is_skipped_until_one_probe_succeeds(touchy: RoutingWorld) -> None:
    w = touchy
    w.fa.rate_limited(method="POST", times=None)
    for _ in range(2):
        p = (await w.pay("EUR")).json()
        assert p["account"] == "stripe-b" and p["status"] == "authorized"
    assert (await _breaker(w, "stripe-a"))["state"] == "open"
    calls_to_a = w.fa.count()

    p = (await w.pay("EUR")).json()
    assert p["account"] == "stripe-b" and [x["account"] for x in p["attempts"]] == ["stripe-b"]
    assert w.fa.count() == calls_to_a, "an open breaker must keep payments away from the account"
    explained = (await w.h.post("/v1/admin/routing/explain", {
        "amount": 1500, "currency": "EUR", "payment_method": {"type": "card", "token": "pm_x"},
    })).json()  # fmt: skip
    assert explained["accounts"] == ["stripe-b"]
    assert explained["skipped"] == [{"account": "stripe-a", "reason": "breaker_open"}]
    metrics = (await w.h.client.get("/metrics")).text
    assert 'payhub_routing_breaker_state{account="stripe-a"} 2.0' in metrics

    await asyncio.sleep(3.1)
    assert (await _breaker(w, "stripe-a"))["state"] == "half_open"
    w.fa.disarm()
    p = (await w.pay("EUR")).json()
    assert p["account"] == "stripe-a" and p["status"] == "authorized"
    assert (await _breaker(w, "stripe-a"))["state"] == "closed"


async def test_explain_names_the_rule_and_the_order(world: RoutingWorld) -> None:
    body = {"amount": 2500, "currency": "GBP", "payment_method": {"type": "card", "card": {
        "number": "4000008260000000", "exp_month": 1, "exp_year": 2030}}}  # fmt: skip
    r = await world.h.post("/v1/admin/routing/explain", body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["source"] == "rule"
    assert out["rule"]["index"] == 1 and out["rule"]["name"] == "sterling"
    assert out["rule"]["conditions"] == {"currency": "GBP"}
    assert out["accounts"] == ["stripe-down", "stripe-b"]
    nothing = await world.h.get("/v1/payments")
    assert nothing.json()["data"] == [], "explain stores nothing"

    usd = dict(body, currency="USD")
    assert (await world.h.post("/v1/admin/routing/explain", usd)).json()["source"] == "default_account"
    named = dict(body, account="stripe-b")
    out = (await world.h.post("/v1/admin/routing/explain", named)).json()
    assert out["source"] == "explicit" and out["accounts"] == ["stripe-b"]


async def test_explain_is_for_admins_and_checks_its_input(world: RoutingWorld) -> None:
    body = {"amount": 100, "currency": "EUR", "payment_method": {"type": "card", "token": "pm_x"}}
    payments_key = await world.h.new_key("payments")
    assert (await world.h.post("/v1/admin/routing/explain", body, key=payments_key)).status_code == 403
    assert (await world.h.client.post("/v1/admin/routing/explain", json=body)).status_code == 401
    bad = await world.h.post("/v1/admin/routing/explain", {"amount": 100})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["code"] == "validation_error"
