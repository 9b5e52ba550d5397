"""Status mismatches and hub payouts through the simulator's books."""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.simulator.books import TxnIn
from tests.conftest import HubHarness
from tests.reconciliation.conftest import CARD, books, items, pay, reconcile, verify


async def test_a_failed_payment_the_provider_settled_is_a_status_mismatch(harness: HubHarness) -> None:
    h = harness
    declined = (
        await h.post(
            "/v1/payments",
            pay(payment_method={"type": "card", "card": {**CARD, "number": "4000000000000002"}}),
        )
    ).json()
    assert declined["status"] == "failed", declined
    books(h).inject(
        TxnIn(type="charge", amount=1000, metadata={"payment_id": declined["id"]}, source="ch_sim_ghost")
    )
    run = await reconcile(h)
    assert run["summary"]["status_mismatch"] == 1, run["summary"]
    [item] = await items(h, run["id"], "status_mismatch")
    assert (item["resource"], item["hub_amount"], item["provider_amount"]) == (declined["id"], 0, 1000)
    assert "failed" in item["detail"]


async def _wait_payout(h: HubHarness, payout_id: str, want: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    async with asyncio.timeout(15):
        while body.get("status") != want:
            await asyncio.sleep(0.3)
            await h.hub.notifications.poll_all()
            body = (await h.get(f"/v1/payouts/{payout_id}")).json()
    return body


async def test_a_hub_payout_paid_from_the_balance_is_matched(harness: HubHarness) -> None:
    h = harness
    await h.post("/v1/payments", pay(amount=9000))
    r = await h.post(
        "/v1/payouts",
        {"amount": 2500, "currency": "EUR",
         "destination": {"type": "bank_account", "iban": "DE89370400440532013000", "name": "Zoë Müller", "country": "DE"}},
    )  # fmt: skip
    assert r.status_code in (200, 201, 202), r.text
    po = await _wait_payout(h, r.json()["id"], "succeeded")
    run = await reconcile(h)
    assert run["summary"]["matched"] == 2, (run["summary"], await items(h, run["id"]))
    [line] = [i for i in await items(h, run["id"]) if i["resource"] == po["id"]]
    assert (line["type"], line["hub_amount"], line["provider_amount"]) == ("bank_payout", -2500, -2500)
    await verify(h)
