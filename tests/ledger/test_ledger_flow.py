"""Captures, partial captures, refunds and SEPA payouts (one returned) leave every balance
exactly as the chart implies, every entry balanced, and verify green (SQLite and PostgreSQL)."""

from __future__ import annotations

from contract_tests.fakes import sepa as bank
from tests.ledger.conftest import balances, pay, verify
from tests.payouts.conftest import PayoutWorld


async def test_a_day_of_business_balances_as_the_chart_says(world: PayoutWorld) -> None:
    h = world.h
    # a purchase (automatic capture) of 1000, refunded 250
    p1 = (await h.post("/v1/payments", pay(capture="automatic"))).json()
    assert p1["status"] == "captured", p1
    assert (await h.post(f"/v1/payments/{p1['id']}/refunds", {"amount": 250})).status_code == 201
    # an authorization of 2000 captured in two parts (300 then 700), then refunded in full
    p2 = (await h.post("/v1/payments", pay(amount=2000))).json()
    r = await h.post(f"/v1/payments/{p2['id']}/capture", {"amount": 300, "final": False})
    assert r.status_code == 200, r.text
    r = await h.post(f"/v1/payments/{p2['id']}/capture", {"amount": 700})
    assert r.json()["amount_captured"] == 1000, r.text
    assert (await h.post(f"/v1/payments/{p2['id']}/refunds", {})).json()["status"] == "succeeded"
    # an authorization that is voided and a decline: no money moves, nothing is posted
    p3 = (await h.post("/v1/payments", pay(amount=5000))).json()
    assert (await h.post(f"/v1/payments/{p3['id']}/void")).status_code == 200
    declined = pay(
        payment_method={
            "type": "card",
            "card": {**pay()["payment_method"]["card"], "number": "4000000000000002"},
        }
    )
    assert (await h.post("/v1/payments", declined)).json()["status"] == "failed"
    # a SEPA payout of 2500 that goes through and one of 400 the beneficiary bank returns
    sent = (await world.pay_out(bank.SUCCEED_IBAN, account="bank")).json()
    await world.settle_bank(sent["id"], "succeeded")
    back = (await world.pay_out(bank.RETURN_CLOSED_IBAN, account="bank", amount=400)).json()
    await world.bank.advance()
    await world.wait_status(back["id"], "succeeded")
    await world.hub.notifications.poll_all()
    await world.bank.advance()
    await world.hub.notifications.poll_all()
    await world.wait_status(back["id"], "returned")

    books = await balances(world)
    assert books["sales"] == {"EUR": -2000}  # 1000 + 300 + 700 captured
    assert books["refunds"] == {"EUR": 1250}  # 250 + 1000
    assert books["provider:sandbox"] == {"EUR": 750}  # 2000 - 1250
    assert books["payouts"] == {"EUR": 2500}  # 2500 + 400 - 400
    assert books["provider:bank"] == {"EUR": -2500}
    assert books["fees"] == {} and books["disputes"] == {} and books["bank"] == {}
    assert "OK" in await verify(world)

    # each resource's entries, as the API shows them
    def lines(body):
        return [(e["kind"], sorted((p["account"], p["amount"]) for p in e["postings"])) for e in body["data"]]

    r = await h.get("/v1/ledger/entries", resource=p2["id"])
    assert lines(r.json()) == [
        ("capture", [("provider:sandbox", 700), ("sales", -700)]),
        ("capture", [("provider:sandbox", 300), ("sales", -300)]),
    ]
    assert all(e["id"].startswith("je_") and e["resource"] == p2["id"] for e in r.json()["data"])
    r = await h.get("/v1/ledger/entries", resource=back["id"])
    assert lines(r.json()) == [
        ("payout_return", [("payouts", -400), ("provider:bank", 400)]),
        ("payout", [("payouts", 400), ("provider:bank", -400)]),
    ]
    assert (await h.get("/v1/ledger/entries", resource=p3["id"])).json()["data"] == []
    r = await h.get("/v1/ledger/accounts/provider%3Abank")
    assert r.status_code == 200, r.text
    assert r.json()["balances"] == [{"currency": "EUR", "debits": 400, "credits": 2900, "balance": -2500}]
