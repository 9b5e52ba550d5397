"""Stripe disputes through signed ``charge.dispute.*`` webhooks (the Stripe fake, built from Stripe's
docs): opened -> evidence -> won / lost, duplicates once, tampering refused, unknown payments kept."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.disputes.conftest import Movements, dispute_rows, event_types, only_dispute, send_stripe
from tests.webhooks_inbound.conftest import World, stripe_signed

VISA = {"type": "provider_token", "token": "pm_card_visa"}


async def _disputed(w: World, **open_args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    p = await w.pay("stripe-eu", capture="automatic", payment_method=VISA)
    assert p["status"] == "captured", p
    w.stripe.disputes.open(p["provider_reference"], **open_args)
    await send_stripe(w, "charge.dispute.created", "charge.dispute.funds_withdrawn")
    return p, await only_dispute(w)


async def test_opened_evidence_won(dw: World, movements: Movements) -> None:
    p, d = await _disputed(dw, reason="product_not_received")
    assert (d["status"], d["payment"], d["amount"], d["reason"]) == ("needs_response", p["id"], 1099, "product_not_received")
    assert d["provider_reference"].startswith("dp_") and d["evidence_due_by"]
    assert (await dw.payment(p["id"]))["amount_disputed"] == 1099
    assert movements == [(d["id"], "dispute_withdrawal", 1099)]

    r = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", {"text": "winning_evidence", "submit": True})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "under_review"  # Stripe answers under_review; the decision comes later
    [sent] = [m for m in dw.stripe.requests if m[1] == f"/v1/disputes/{d['provider_reference']}"]
    assert sent[2].get("idempotency-key", "").startswith("payhub-")
    await send_stripe(dw, "charge.dispute.updated", "charge.dispute.closed", "charge.dispute.funds_reinstated")
    d = await only_dispute(dw)
    assert (d["status"], d["amount_withdrawn"]) == ("won", 0)
    assert (await dw.payment(p["id"]))["amount_disputed"] == 0
    assert movements == [(d["id"], "dispute_withdrawal", 1099), (d["id"], "dispute_reinstatement", 1099)]
    types = await event_types(dw, d["id"])
    assert (types[0], types[-1], types.count("dispute.opened"), types.count("dispute.won")) == (
        "dispute.opened", "dispute.won", 1, 1,
    )  # fmt: skip


async def test_opened_evidence_lost_and_late_news_changes_nothing(dw: World, movements: Movements) -> None:
    p, d = await _disputed(dw)
    staged = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", {"text": "receipt attached", "submit": False})
    assert staged.json()["status"] == "needs_response"
    [stripe_dispute] = dw.stripe.disputes.disputes.values()
    assert stripe_dispute["evidence"]["uncategorized_text"] == "receipt attached"
    assert stripe_dispute["evidence_details"]["submission_count"] == 0
    r = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", {"text": "losing_evidence", "submit": True})
    assert r.json()["status"] == "under_review"
    await send_stripe(dw, "charge.dispute.closed")
    d = await only_dispute(dw)
    assert (d["status"], d["amount_withdrawn"]) == ("lost", 1099)
    await send_stripe(dw, "charge.dispute.updated")  # late news from before the decision
    assert (await only_dispute(dw))["status"] == "lost"
    assert movements == [(d["id"], "dispute_withdrawal", 1099)]
    assert (await event_types(dw, d["id"]))[-1] == "dispute.lost"
    assert (await dw.payment(p["id"]))["amount_disputed"] == 1099


async def test_accept_closes_the_dispute_at_stripe(dw: World, movements: Movements) -> None:
    _, d = await _disputed(dw)
    r = await dw.h.post(f"/v1/disputes/{d['id']}/accept")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted"
    assert [s["status"] for s in dw.stripe.disputes.disputes.values()] == ["lost"]
    await send_stripe(dw, "charge.dispute.closed")  # Stripe's "lost" after the hub's "accepted"
    assert (await only_dispute(dw))["status"] == "accepted"
    assert len(movements) == 1


async def test_duplicates_are_applied_once(dw: World, movements: Movements) -> None:
    _, d = await _disputed(dw)
    before = await event_types(dw, d["id"])
    assert before.count("dispute.opened") == 1
    for body in dw.stripe_notes("charge.dispute.created", "charge.dispute.funds_withdrawn") * 3:
        r = await dw.webhook("stripe-eu", body, stripe_signed(body, dw.stripe.world.webhook_secret))
        assert r.status_code == 200
    await dw.settle()
    assert len(await dispute_rows(dw)) == 1
    assert movements == [(d["id"], "dispute_withdrawal", 1099)]
    assert await event_types(dw, d["id"]) == before  # nothing new to tell
    replayed = await dw.hub.inbox.replay(account_id="stripe-eu")
    assert all(r.after in ("processed", "ignored") for r in replayed)
    assert len(movements) == 1 and await event_types(dw, d["id"]) == before


async def test_tampered_notification_is_refused_and_creates_nothing(dw: World, movements: Movements) -> None:
    p = await dw.pay("stripe-eu", capture="automatic", payment_method=VISA)
    dw.stripe.disputes.open(p["provider_reference"], amount=500)
    [body] = dw.stripe_notes("charge.dispute.created")
    headers = stripe_signed(body, dw.stripe.world.webhook_secret)
    tampered = body.replace(b'"amount":500', b'"amount":900', 1)
    assert tampered != body
    r = await dw.webhook("stripe-eu", tampered, headers)
    assert r.status_code == 401 and r.json()["code"] == "invalid_signature"
    await dw.settle()
    assert await dispute_rows(dw) == [] and movements == []
    assert (await dw.h.get("/v1/disputes")).json()["data"] == []


async def test_dispute_of_an_unknown_payment_is_kept_unattached(dw: World, movements: Movements) -> None:
    p = await dw.pay("stripe-eu", capture="automatic", payment_method=VISA)
    dw.stripe.disputes.open(p["provider_reference"])
    [body] = dw.stripe_notes("charge.dispute.created")
    doc = json.loads(body)
    doc["id"] = "evt_unknown_payment"
    doc["data"]["object"].update(payment_intent="pi_made_in_the_dashboard", charge="ch_dashboard", id="dp_elsewhere")
    foreign = json.dumps(doc).encode()
    r = await dw.webhook("stripe-eu", foreign, stripe_signed(foreign, dw.stripe.world.webhook_secret))
    assert r.status_code == 200, r.text
    await dw.settle()
    [row] = await dispute_rows(dw)
    assert (row["payment_id"], row["owner"], row["status"]) == (None, None, "needs_response")
    [inbox] = [i for i in await dw.inbox() if i["provider_event_id"] == "evt_unknown_payment"]
    assert inbox["status"] == "processed" and "unattached" in inbox["error"]
    d = await only_dispute(dw)  # admin keys see it, with payment null
    assert (d["payment"], d["provider_reference"]) == (None, "dp_elsewhere")
    read = await dw.h.new_key("read")
    assert (await dw.h.get("/v1/disputes", key=read)).json()["data"] == []
    assert (await dw.h.get(f"/v1/disputes/{d['id']}", key=read)).status_code == 404
    assert (await dw.payment(p["id"]))["disputes"] == []  # attached to nothing
    assert await event_types(dw, d["id"]) == []


async def test_lost_reply_is_a_502_and_the_retry_replays_at_stripe(dw: World, movements: Movements) -> None:
    _, d = await _disputed(dw)
    dw.faults["stripe-eu"].drop_after_processing(method="POST", path=r"/v1/disputes/")
    body = {"text": "signed delivery receipt", "submit": True}
    lost = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", body)
    assert lost.status_code == 502 and lost.json()["code"] == "provider_unavailable"
    assert (await only_dispute(dw))["status"] == "needs_response"  # nothing recorded on a guess
    retry = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", body)
    assert retry.status_code == 200 and retry.json()["status"] == "under_review"
    [stripe_dispute] = dw.stripe.disputes.disputes.values()
    assert stripe_dispute["evidence_details"]["submission_count"] == 1  # the same key: submitted once


async def test_the_fake_is_as_strict_as_stripe(dw: World) -> None:
    p = await dw.pay("stripe-eu", capture="automatic", payment_method=VISA)
    dp = dw.stripe.disputes.open(p["provider_reference"])
    auth = {"Authorization": f"Bearer {dw.stripe.world.secret_key}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dw.stripe.app), base_url="http://stripe") as c:
        unknown = await c.post(f"/v1/disputes/{dp['id']}", data={"evidence[favourite_colour]": "red"}, headers=auth)
        assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "parameter_unknown"
        key = {**auth, "Idempotency-Key": "k-1"}
        first = await c.post(f"/v1/disputes/{dp['id']}", data={"evidence[uncategorized_text]": "a", "submit": "false"}, headers=key)
        assert first.status_code == 200
        other = await c.post(f"/v1/disputes/{dp['id']}", data={"evidence[uncategorized_text]": "b", "submit": "false"}, headers=key)
        assert other.status_code == 400 and other.json()["error"]["type"] == "idempotency_error"
        missing = await c.get("/v1/disputes/dp_nope", headers=auth)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "resource_missing"
        closed = await c.post(f"/v1/disputes/{dp['id']}/close", headers=auth)
        assert closed.status_code == 200 and closed.json()["status"] == "lost"
        late = await c.post(f"/v1/disputes/{dp['id']}", data={"evidence[uncategorized_text]": "c"}, headers=auth)
        assert late.status_code == 400
        listed = await c.get("/v1/disputes", params={"payment_intent": p["provider_reference"]}, headers=auth)
        assert [x["id"] for x in listed.json()["data"]] == [dp["id"]]


async def test_refresh_finds_a_decision_whose_webhook_was_lost(dw: World, movements: Movements) -> None:
    _, d = await _disputed(dw)
    r = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", {"text": "winning_evidence", "submit": True})
    assert r.json()["status"] == "under_review"  # charge.dispute.closed is never delivered
    assert (await dw.h.get(f"/v1/disputes/{d['id']}")).json()["status"] == "under_review"
    fresh = await dw.h.get(f"/v1/disputes/{d['id']}", refresh="true")
    assert fresh.status_code == 200, fresh.text
    assert (fresh.json()["status"], fresh.json()["amount_withdrawn"]) == ("won", 0)
    assert [m[1] for m in movements] == ["dispute_withdrawal", "dispute_reinstatement"]


async def test_stripe_dispute_test_cards_are_disputed_once_captured(dw: World, movements: Movements) -> None:
    card = {"type": "provider_token", "token": "pm_card_createDisputeProductNotReceived"}
    p = await dw.pay("stripe-eu", capture="automatic", payment_method=card)
    inquiry = await dw.pay("stripe-eu", capture="automatic", payment_method={**card, "token": "pm_card_createDisputeInquiry"})
    await send_stripe(dw, "charge.dispute.created", "charge.dispute.funds_withdrawn")
    by_payment = {d["payment"]: d for d in (await dw.h.get("/v1/disputes")).json()["data"]}
    assert (by_payment[p["id"]]["status"], by_payment[p["id"]]["reason"]) == ("needs_response", "product_not_received")
    assert (by_payment[inquiry["id"]]["status"], by_payment[inquiry["id"]]["amount_withdrawn"]) == ("inquiry", 0)
    assert movements == [(by_payment[p["id"]]["id"], "dispute_withdrawal", 1099)]
