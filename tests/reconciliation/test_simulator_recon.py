"""Reconciling the simulator's books against the hub (DESIGN §14), on SQLite and PostgreSQL."""

from __future__ import annotations

from adapters.simulator.books import TxnIn, fee_for
from tests.conftest import HubHarness
from tests.reconciliation.conftest import books, entries, items, pay, reconcile, verify


async def _day_of_business(h: HubHarness) -> dict[str, str]:
    """A purchase, an authorization captured in part, a refund: three lines at the simulator."""
    p1 = (await h.post("/v1/payments", pay(amount=1000))).json()
    assert p1["status"] == "captured", p1
    p2 = (await h.post("/v1/payments", pay(amount=2000, capture="manual"))).json()
    r = await h.post(f"/v1/payments/{p2['id']}/capture", {"amount": 1500})
    assert r.status_code == 200, r.text
    r = await h.post(f"/v1/payments/{p1['id']}/refunds", {"amount": 400})
    assert r.status_code == 201, r.text
    return {"p1": p1["id"], "p2": p2["id"], "re": r.json()["id"]}


async def test_a_clean_window_is_all_matched_and_fees_are_posted_once(harness: HubHarness) -> None:
    h = harness
    ids = await _day_of_business(h)
    run = await reconcile(h)
    assert run["status"] == "completed", run
    assert run["reason"] is None and run["completed_at"]
    assert run["summary"]["matched"] == 3
    assert sum(v for k, v in run["summary"].items() if k != "matched") == 0, run["summary"]
    found = await items(h, run["id"])
    assert sorted(i["resource"] for i in found) == sorted([ids["p1"], ids["p2"], ids["re"]])
    by_resource = {i["resource"]: i for i in found}
    assert by_resource[ids["p2"]]["provider_amount"] == 1500 == by_resource[ids["p2"]]["hub_amount"]
    assert by_resource[ids["re"]]["provider_amount"] == -400 == by_resource[ids["re"]]["hub_amount"]
    fees = await entries(h, "fee")
    assert sorted(sum(p["amount"] for p in e["postings"] if p["account"] == "fees") for e in fees) == sorted(
        [fee_for(1000), fee_for(1500)]
    )
    await verify(h)

    # the same window again: the same items, nothing posted twice
    again = await reconcile(h, **{"from": run["from"], "to": run["to"]})
    assert again["id"] != run["id"] and again["summary"] == run["summary"]
    assert [(i["id"], i["kind"], i["resource"]) for i in await items(h, again["id"])] == [
        (i["id"], i["kind"], i["resource"]) for i in found
    ]
    assert len(await entries(h, "fee")) == 2
    await verify(h)


async def test_injected_discrepancies_are_exactly_the_exceptions(harness: HubHarness) -> None:
    h = harness
    ids = await _day_of_business(h)
    p3 = (await h.post("/v1/payments", pay(amount=3000))).json()
    b = books(h)
    # a line the hub never saw; p2's capture settled for a different amount; p3's capture dropped
    stranger = b.inject(TxnIn(type="charge", amount=777, currency="EUR", source="ch_sim_stranger"))
    [p2_line] = [t for t in b.txns if t.metadata.get("payment_id") == ids["p2"]]
    b.set_amount(p2_line.id, 1499)
    [p3_line] = [t for t in b.txns if t.metadata.get("payment_id") == p3["id"]]
    assert b.drop(p3_line.id)

    run = await reconcile(h)
    assert run["status"] == "completed", run
    s = run["summary"]
    assert (s["matched"], s["missing_in_hub"], s["amount_mismatch"], s["missing_at_provider"]) == (
        2,
        1,
        1,
        1,
    ), s
    assert s["currency_mismatch"] == s["status_mismatch"] == 0
    [missing] = await items(h, run["id"], "missing_in_hub")
    assert (missing["provider_reference"], missing["resource"], missing["provider_amount"]) == (
        "ch_sim_stranger",
        None,
        777,
    )
    assert missing["line_id"] == stranger.id
    [wrong] = await items(h, run["id"], "amount_mismatch")
    assert (wrong["resource"], wrong["hub_amount"], wrong["provider_amount"]) == (ids["p2"], 1500, 1499)
    [lacking] = await items(h, run["id"], "missing_at_provider")
    assert (lacking["resource"], lacking["hub_amount"], lacking["line_id"], lacking["type"]) == (
        p3["id"],
        3000,
        None,
        "capture",
    )
    assert lacking["provider_reference"] == p3["provider_reference"] and lacking["provider_reference"]
    matched = {i["resource"] for i in await items(h, run["id"], "matched")}
    assert matched == {ids["p1"], ids["re"]}
    # the event carries the counts
    r = await h.get("/v1/events", resource=run["id"])
    [event] = r.json()["data"]
    assert event["type"] == "reconciliation.exceptions"
    assert event["data"]["counts"]["missing_in_hub"] == 1
    await verify(h)

    again = await reconcile(h, **{"from": run["from"], "to": run["to"]})
    assert again["summary"] == s
    assert sorted(i["id"] for i in await items(h, again["id"])) == sorted(
        i["id"] for i in await items(h, run["id"])
    )
    await verify(h)


async def test_a_clean_run_emits_completed(harness: HubHarness) -> None:
    h = harness
    await h.post("/v1/payments", pay(amount=1200))
    run = await reconcile(h)
    r = await h.get("/v1/events", resource=run["id"])
    [event] = r.json()["data"]
    assert event["type"] == "reconciliation.completed"
    assert event["data"]["counts"]["matched"] == 1 and event["data"]["exceptions"] == 0
    assert event["data"]["object"]["id"] == run["id"]


async def test_a_payout_to_the_bank_is_a_settlement_posted_once(harness: HubHarness) -> None:
    h = harness
    await h.post("/v1/payments", pay(amount=5000))
    b = books(h)
    po = b.pay_out_balance("EUR")
    assert po.amount == -(5000 - fee_for(5000))
    run = await reconcile(h)
    assert run["summary"]["settlement"] == 1 and run["summary"]["matched"] == 1, run["summary"]
    [settled] = await items(h, run["id"], "settlement")
    assert settled["line_id"] == po.id and settled["provider_amount"] == po.amount
    [entry] = await entries(h, "settlement")
    assert sorted((p["account"], p["amount"]) for p in entry["postings"]) == [
        ("bank", -po.amount),
        ("provider:sandbox", po.amount),
    ]
    await reconcile(h, **{"from": run["from"], "to": run["to"]})
    assert len(await entries(h, "settlement")) == 1
    r = await h.get("/v1/ledger/accounts/provider%3Asandbox")
    assert r.json()["balances"][0]["balance"] == 0  # captured - fee - paid out
    await verify(h)


async def test_a_malformed_report_fails_the_run_and_posts_nothing(harness: HubHarness) -> None:
    h = harness
    await h.post("/v1/payments", pay(amount=1000))
    books(h).corrupt = True
    run = await reconcile(h)
    assert run["status"] == "failed", run
    assert run["reason"].startswith("report_malformed"), run["reason"]
    assert await items(h, run["id"]) == []
    assert await entries(h, "fee") == []
    assert sum(run["summary"].values()) == 0


async def test_a_report_refused_401_fails_the_run(harness: HubHarness) -> None:
    from adapters.simulator.app import sim_state

    h = harness
    await h.post("/v1/payments", pay(amount=1000))
    sim_state(h.simulator).api_key = "sk_other"  # the hub's credentials no longer work
    run = await reconcile(h)
    assert run["status"] == "failed" and run["reason"].startswith("report_unauthorized"), run
    assert await entries(h, "fee") == []


async def test_an_endpoint_subscribed_to_reconciliation_events_gets_a_delivery(harness: HubHarness) -> None:
    h = harness
    r = await h.post(
        "/v1/webhook-endpoints", {"url": "https://shop.example/hooks", "event_types": ["reconciliation.*"]}
    )
    assert r.status_code == 201, r.text
    endpoint = r.json()["id"]
    r = await h.post(
        "/v1/webhook-endpoints",
        {"url": "https://shop.example/x", "event_types": ["reconciliation.exceptions"]},
    )
    assert r.status_code == 201, r.text
    run = await reconcile(h)
    r = await h.get(f"/v1/webhook-endpoints/{endpoint}/deliveries")
    assert r.status_code == 200, r.text
    assert [d["event_type"] for d in r.json()["data"]] == ["reconciliation.completed"], (run, r.json())
