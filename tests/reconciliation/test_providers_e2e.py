"""Reconciliation end to end, per provider (DESIGN §14): the hub makes real payments through the
Stripe and Adyen fakes; the fakes' own books (Stripe balance transactions, Adyen's Settlement
details report) are then given exactly three discrepancies — a line the hub never saw, an
amount changed, a hub capture missing — and a run must report exactly those, every other line
matched, fees and the provider's payout posted once, however often the window is re-run.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests.fakes.adyen import Fake as AdyenFake
from contract_tests.fakes.adyen_reports import major
from contract_tests.fakes.stripe import Fake as StripeFake
from contract_tests.fakes.stripe_balance import charge_fee
from tests.conftest import start_harness
from tests.reconciliation.conftest import entries, items, verify
from tests.reconciliation.conftest import reconcile_polled as reconcile
from tests.webhooks_inbound.conftest import World, _route_through_faults, adyen_signed


def _toml(stripe: StripeFake, adyen: AdyenFake) -> str:
    s = stripe.account("https://stripe.fake").credentials
    a = adyen.account("https://adyen.fake.invalid")
    return f"""
default_account = "stripe-eu"

[[accounts]]
id = "stripe-eu"
adapter = "stripe"
base_url = "https://stripe.fake"
[accounts.credentials]
secret_key = "{s["secret_key"]}"
webhook_secret = "{s["webhook_secret"]}"

[[accounts]]
id = "adyen-eu"
adapter = "adyen"
base_url = "https://adyen.fake.invalid"
[accounts.credentials]
api_key = "{a.credentials["api_key"]}"
merchant_account = "{a.credentials["merchant_account"]}"
hmac_key = "{a.credentials["hmac_key"]}"
report_username = "{a.credentials["report_username"]}"
report_password = "{a.credentials["report_password"]}"
[accounts.settings]
report_base_url = "https://adyen.fake.invalid"

[resolution]
schedule = [3600.0]
sweep_interval = 3600.0
"""


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    stripe, adyen = StripeFake(), AdyenFake()
    h = await start_harness(db_url, tmp_path, config_toml=_toml(stripe, adyen))
    w = World(h, stripe, adyen)
    w.faults["stripe-eu"] = _route_through_faults(h, "stripe-eu", httpx.ASGITransport(app=stripe.app))
    w.faults["adyen-eu"] = _route_through_faults(h, "adyen-eu", httpx.ASGITransport(app=adyen.app))
    h.hub.inbox.retry_schedule = [0.05, 0.05, 0.1]
    try:
        yield w
    finally:
        await w.h.client.aclose()
        await w.hub.stop()


def _by_kind(found: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for item in found:
        out.setdefault(item["kind"], []).append(item)
    return out


async def _same_again(w: World, account: str, run: dict[str, Any], fees: int, settlements: int) -> None:
    """Re-running the window: the same items, nothing posted twice, the books still verify."""
    again = await reconcile(w.h, account, **{"from": run["from"], "to": run["to"]})
    assert again["summary"] == run["summary"]
    first = sorted((i["kind"], i["line_id"], i["resource"]) for i in await items(w.h, run["id"]))
    assert sorted((i["kind"], i["line_id"], i["resource"]) for i in await items(w.h, again["id"])) == first
    assert len(await entries(w.h, "fee")) == fees
    assert len(await entries(w.h, "settlement")) == settlements
    await verify(w.h)


async def test_stripe_balance_transactions_against_the_hub(world: World) -> None:
    w = world
    p1 = await w.pay("stripe-eu", amount=1000, capture="automatic")
    p2 = await w.pay("stripe-eu", amount=2000, capture="automatic")
    p3 = await w.pay("stripe-eu", amount=3000, capture="automatic")
    assert [p["status"] for p in (p1, p2, p3)] == ["captured"] * 3
    r = await w.h.post(f"/v1/payments/{p1['id']}/refunds", {"amount": 400})
    assert r.status_code == 201, r.text
    refund = r.json()

    balance = w.stripe.balance
    charges = {t["source"]: t for t in balance.transactions if t["type"] == "charge"}
    by_pi = {balance._sources[txn_id]["payment_intent"]: src for src, t in charges.items()
             for txn_id in [t["id"]]}  # fmt: skip
    balance.alter(by_pi[p2["provider_reference"]], 1999)  # Stripe's books say 19.99
    balance.drop(by_pi[p3["provider_reference"]])  # a capture Stripe's books lack
    stranger = balance.add("charge", 777, "eur", {"id": "ch_stranger", "object": "charge", "metadata": {}},
                           fee=charge_fee(777))  # fmt: skip

    run = await reconcile(w.h, "stripe-eu")
    assert run["status"] == "completed", run
    s = run["summary"]
    assert (s["matched"], s["amount_mismatch"], s["missing_at_provider"], s["missing_in_hub"]) == (2, 1, 1, 1), s
    assert s["currency_mismatch"] == s["status_mismatch"] == 0
    kinds = _by_kind(await items(w.h, run["id"]))
    assert sorted(i["resource"] for i in kinds["matched"]) == sorted([p1["id"], refund["id"]])
    [wrong] = kinds["amount_mismatch"]
    assert (wrong["resource"], wrong["hub_amount"], wrong["provider_amount"]) == (p2["id"], 2000, 1999)
    [lacking] = kinds["missing_at_provider"]
    assert (lacking["resource"], lacking["hub_amount"], lacking["provider_amount"]) == (p3["id"], 3000, None)
    [unknown] = kinds["missing_in_hub"]
    assert (unknown["provider_reference"], unknown["resource"], unknown["line_id"]) == (
        "ch_stranger", None, stranger["id"])  # fmt: skip
    # each charge line's fee is posted once: p1's, p2's (its line is there, amount aside), the stranger's
    fees = await entries(w.h, "fee")
    posted = sorted(sum(p["amount"] for p in e["postings"] if p["account"] == "fees") for e in fees)
    assert posted == sorted([charge_fee(1000), charge_fee(2000), charge_fee(777)])
    await verify(w.h)
    await _same_again(w, "stripe-eu", run, fees=3, settlements=0)


async def _adyen_captured(w: World, amount: int) -> dict[str, Any]:
    p = await w.pay("adyen-eu", amount=amount, payment_method=w.adyen_card())
    assert p["status"] == "authorized", p
    r = await w.h.post(f"/v1/payments/{p['id']}/capture", {})
    assert r.json()["status"] == "processing", r.text  # Adyen: "received"
    await w.adyen.advance(0)
    note = w.adyen_notes("CAPTURE")[-1]
    r = await w.webhook("adyen-eu", adyen_signed(note, w.adyen.world.hmac_key), {"content-type": "application/json"})
    assert r.status_code == 200
    await w.settle()
    paid = await w.payment(p["id"])
    assert paid["status"] == "captured", paid
    return paid


async def test_adyen_settlement_details_report_against_the_hub(world: World) -> None:
    w = world
    p1 = await _adyen_captured(w, 1000)
    p2 = await _adyen_captured(w, 2000)
    p3 = await _adyen_captured(w, 3000)

    reports = w.adyen.reports
    [rec2] = [r for r in reports.open_records if r["Psp Reference"] == p2["provider_reference"]]
    reports.drop(p2["provider_reference"])
    reports.book("Settled", True, rec2["Psp Reference"], rec2["Merchant Reference"],
                 rec2["Modification Reference"], rec2["Modification Merchant Reference"], 1999, "EUR")  # fmt: skip
    reports.drop(p3["provider_reference"])  # a capture Adyen's report lacks
    reports.book("Settled", True, "STRANGER0000000A", None, "STRANGER0000000A", None, 777, "EUR")
    assert major(777, "EUR") == "7.77"
    w.adyen.close_books()  # batch 1 published: records, the batch's Fee and the MerchantPayout

    run = await reconcile(w.h, "adyen-eu")
    assert run["status"] == "completed", run
    s = run["summary"]
    assert (s["matched"], s["amount_mismatch"], s["missing_at_provider"], s["missing_in_hub"]) == (1, 1, 1, 1), s
    assert (s["fee"], s["settlement"]) == (1, 1), s  # the batch's Fee line; the payout to the bank
    kinds = _by_kind(await items(w.h, run["id"]))
    assert [i["resource"] for i in kinds["matched"]] == [p1["id"]]
    [wrong] = kinds["amount_mismatch"]
    assert (wrong["resource"], wrong["hub_amount"], wrong["provider_amount"]) == (p2["id"], 2000, 1999)
    [lacking] = kinds["missing_at_provider"]
    assert lacking["resource"] == p3["id"]
    [unknown] = kinds["missing_in_hub"]
    assert (unknown["provider_reference"], unknown["resource"]) == ("STRANGER0000000A", None)
    settlements = await entries(w.h, "settlement")
    assert len(settlements) == 1
    fees = len(await entries(w.h, "fee"))
    assert fees >= 2  # the Settled records' own fees and the batch's Fee line
    await verify(w.h)
    await _same_again(w, "adyen-eu", run, fees=fees, settlements=1)
