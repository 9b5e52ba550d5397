"""Adyen dispute notifications (HMAC-signed, from the Adyen fake): request for information ->
notification of chargeback -> chargeback -> reversed (won) / second chargeback (lost); evidence
is not supported (422), acceptance goes through the Disputes API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.disputes.conftest import Movements, event_types, only_dispute, send_adyen
from tests.webhooks_inbound.conftest import World


async def _payment(w: World) -> tuple[dict[str, Any], Any]:
    p = await w.pay("adyen-eu", capture="automatic", payment_method=w.adyen_card())
    assert p["provider_reference"], p
    d = w.adyen.disputes.open(p["provider_reference"], p["id"], 1099, "EUR", reason_code="13.1", reason="Merchandise/Services Not Received")
    return p, d


async def test_chargeback_then_reversed_then_second_chargeback(dw: World, movements: Movements) -> None:
    p, fake = await _payment(dw)
    dw.adyen.disputes.notify(fake, "NOTIFICATION_OF_CHARGEBACK")
    await send_adyen(dw, "NOTIFICATION_OF_CHARGEBACK")
    d = await only_dispute(dw)
    assert (d["status"], d["payment"], d["reason"], d["provider_reason"]) == ("needs_response", p["id"], "product_not_received", "13.1")
    assert d["provider_reference"] == fake.psp and d["evidence_due_by"]
    assert movements == []  # notified, not yet charged back
    dw.adyen.disputes.notify(fake, "CHARGEBACK")
    await send_adyen(dw, "CHARGEBACK")
    assert movements == [(d["id"], "dispute_withdrawal", 1099)]
    assert (await dw.payment(p["id"]))["amount_disputed"] == 1099

    evidence = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", {"text": "proof of delivery", "submit": True})
    assert evidence.status_code == 422 and evidence.json()["code"] == "not_supported"
    assert (await only_dispute(dw))["status"] == "needs_response"  # changed nothing

    dw.adyen.disputes.notify(fake, "CHARGEBACK_REVERSED")
    await send_adyen(dw, "CHARGEBACK_REVERSED")
    assert (await only_dispute(dw))["status"] == "won"
    dw.adyen.disputes.notify(fake, "SECOND_CHARGEBACK")
    await send_adyen(dw, "SECOND_CHARGEBACK")
    d = await only_dispute(dw)
    assert (d["status"], d["amount_withdrawn"]) == ("lost", 1099)
    assert [m[1] for m in movements] == ["dispute_withdrawal", "dispute_reinstatement", "dispute_withdrawal"]
    # the chargeback takes the money: dispute.updated (Adyen's news is delivered in order here)
    assert await event_types(dw, d["id"]) == ["dispute.opened", "dispute.updated", "dispute.won", "dispute.lost"]

    # the same notifications again, and a late stage: nothing moves
    for body in dw.adyen_notes("NOTIFICATION_OF_CHARGEBACK", "CHARGEBACK", "CHARGEBACK_REVERSED"):
        assert (await dw.webhook("adyen-eu", body, {"content-type": "application/json"})).status_code == 200
    await dw.settle()
    await dw.hub.inbox.replay(account_id="adyen-eu")
    assert (await only_dispute(dw))["status"] == "lost" and len(movements) == 3


async def test_request_for_information_then_prearbitration_won(dw: World, movements: Movements) -> None:
    _, fake = await _payment(dw)
    dw.adyen.disputes.notify(fake, "REQUEST_FOR_INFORMATION")
    await send_adyen(dw, "REQUEST_FOR_INFORMATION")
    d = await only_dispute(dw)
    assert (d["status"], d["amount_withdrawn"]) == ("inquiry", 0)
    # one delivery settled before the next: two notifications in flight at once are processed
    # by concurrent jobs in no guaranteed order (the out-of-order case is the next test)
    dw.adyen.disputes.notify(fake, "CHARGEBACK")
    await send_adyen(dw, "CHARGEBACK")
    assert [m[1] for m in movements] == ["dispute_withdrawal"]
    dw.adyen.disputes.notify(fake, "PREARBITRATION_WON")
    await send_adyen(dw, "PREARBITRATION_WON")
    d = await only_dispute(dw)
    assert (d["status"], d["amount_withdrawn"]) == ("won", 0)
    assert [m[1] for m in movements] == ["dispute_withdrawal", "dispute_reinstatement"]


async def test_prearbitration_won_processed_before_its_chargeback_moves_no_money(
    dw: World, movements: Movements
) -> None:
    """The CHARGEBACK processed after the PREARBITRATION_WON (a later stage): stale, recorded,
    nothing withdrawn; the dispute ends won with nothing withdrawn, as in order."""
    _, fake = await _payment(dw)
    dw.adyen.disputes.notify(fake, "REQUEST_FOR_INFORMATION")
    await send_adyen(dw, "REQUEST_FOR_INFORMATION")
    dw.adyen.disputes.notify(fake, "CHARGEBACK")
    dw.adyen.disputes.notify(fake, "PREARBITRATION_WON")
    await send_adyen(dw, "PREARBITRATION_WON")
    await send_adyen(dw, "CHARGEBACK")
    d = await only_dispute(dw)
    assert (d["status"], d["amount_withdrawn"]) == ("won", 0)
    assert movements == []
    [note] = [r["error"] for r in await dw.inbox() if r["event_type"] == "CHARGEBACK"]
    assert "does not follow won" in note


async def test_accept_through_the_disputes_api(dw: World, movements: Movements) -> None:
    p, fake = await _payment(dw)
    dw.adyen.disputes.notify(fake, "CHARGEBACK")
    await send_adyen(dw, "CHARGEBACK")
    d = await only_dispute(dw)
    r = await dw.h.post(f"/v1/disputes/{d['id']}/accept")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted" and fake.status == "Accepted"
    assert movements == [(d["id"], "dispute_withdrawal", 1099)]  # withdrawn once, at the chargeback
    again = await dw.h.post(f"/v1/disputes/{d['id']}/accept")
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    assert (await dw.payment(p["id"]))["amount_disputed"] == 1099


async def test_accept_dispute_endpoint_of_the_fake_is_strict(dw: World) -> None:
    _, fake = await _payment(dw)
    key = {"X-API-Key": dw.adyen.world.api_key}
    path = "/ca/services/DisputeService/v30/acceptDispute"
    good = {"disputePspReference": fake.psp, "merchantAccountCode": dw.adyen.world.merchant_account}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dw.adyen.app), base_url="http://adyen") as c:
        assert (await c.post(path, json=good)).status_code == 401
        extra = await c.post(path, json={**good, "reason": "x"}, headers=key)
        assert extra.status_code == 422
        other = await c.post(path, json={**good, "merchantAccountCode": "Someone"}, headers=key)
        assert other.status_code == 403
        nope = await c.post(path, json={**good, "disputePspReference": "NOPE"}, headers=key)
        assert nope.json() == {"disputeServiceResult": {"success": False, "errorMessage": "Dispute not found"}}
        ok = await c.post(path, json=good, headers=key)
        assert ok.json() == {"disputeServiceResult": {"success": True}}
        twice = await c.post(path, json=good, headers=key)
        assert twice.json()["disputeServiceResult"]["success"] is False


async def test_tampered_notification_is_refused_and_creates_nothing(dw: World, movements: Movements) -> None:
    _, fake = await _payment(dw)
    dw.adyen.disputes.notify(fake, "CHARGEBACK")
    [body] = dw.adyen_notes("CHARGEBACK")
    tampered = body.replace(b'"value": 1099', b'"value": 9099', 1)
    assert tampered != body
    r = await dw.webhook("adyen-eu", tampered, {"content-type": "application/json"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_signature"
    await dw.settle()
    assert (await dw.h.get("/v1/disputes")).json()["data"] == [] and movements == []


async def test_refresh_on_adyen_leaves_the_dispute_as_stored(dw: World) -> None:
    _, fake = await _payment(dw)
    dw.adyen.disputes.notify(fake, "CHARGEBACK")
    await send_adyen(dw, "CHARGEBACK")
    d = await only_dispute(dw)
    r = await dw.h.get(f"/v1/disputes/{d['id']}", refresh="true")  # Adyen has no dispute retrieval
    assert r.status_code == 200 and r.json() == d
