"""A capture and a refund made in the Stripe dashboard, each reported by a correctly signed
webhook delivered five times: adopted once each, as operations with ``origin: "provider"``."""

from __future__ import annotations

import json

import pytest

from contract_tests.fakes.dashboard import stripe_cancel, stripe_capture, stripe_refund
from tests.adoption.conftest import (
    VISA,
    cli_verify,
    events_of,
    ledger_green,
    operations_of,
    refunds_of,
    send_stripe_times,
)
from tests.webhooks_inbound.conftest import World


async def _authorized(w: World) -> dict[str, object]:
    p = await w.pay("stripe-eu", payment_method=VISA)  # capture: manual
    assert p["status"] == "authorized", p
    return p


async def test_dashboard_capture_then_dashboard_refund_five_times_each(
    aw: World, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    p = await _authorized(aw)
    pid, pi = str(p["id"]), str(p["provider_reference"])

    stripe_capture(aw.stripe, pi)
    [captured] = aw.stripe_notes("payment_intent.succeeded")
    await send_stripe_times(aw, captured)
    pay = await aw.payment(pid)
    assert (pay["status"], pay["amount_captured"], pay["amount_refunded"]) == ("captured", 1099, 0)
    assert len(await events_of(aw, "payment.captured", pid)) == 1

    refund = stripe_refund(aw.stripe, pi, 300)
    [charge_refunded] = aw.stripe_notes("charge.refunded")
    assert "payhub" not in json.dumps(refund["metadata"])  # made in the dashboard: no hub ids
    await send_stripe_times(aw, charge_refunded)
    pay = await aw.payment(pid)
    assert (pay["status"], pay["amount_captured"], pay["amount_refunded"]) == ("captured", 1099, 300)
    [listed] = await refunds_of(aw, pid)
    assert (listed["provider_reference"], listed["amount"], listed["status"]) == (
        refund["id"],
        300,
        "succeeded",
    )
    assert listed["id"].startswith("re_") and listed["id"] != refund["id"]
    assert len(await events_of(aw, "refund.succeeded", listed["id"])) == 1
    assert len(await events_of(aw, "payment.captured", pid)) == 1

    # Stripe's refund.created about the same refund is the same news: nothing changes
    [created] = aw.stripe_notes("refund.created")
    await send_stripe_times(aw, created, times=2)
    assert len(await refunds_of(aw, pid)) == 1
    assert (await aw.payment(pid))["amount_refunded"] == 300

    ops = await operations_of(aw, pid)
    assert [(o["kind"], o["origin"], o["status"]) for o in ops] == [
        ("authorize", "hub", "succeeded"),
        ("capture", "provider", "succeeded"),
        ("refund", "provider", "succeeded"),
    ]
    await ledger_green(aw)
    await cli_verify(db_url, monkeypatch, capsys)
    replayed = await aw.hub.inbox.replay(account_id="stripe-eu")
    assert replayed and all(r.after in ("processed", "ignored") for r in replayed)
    assert (await aw.payment(pid))["amount_refunded"] == 300 and len(await refunds_of(aw, pid)) == 1
    await ledger_green(aw)


async def test_a_hub_refund_reported_by_charge_refunded_is_not_adopted_again(aw: World) -> None:
    p = await aw.pay("stripe-eu", payment_method=VISA, capture="automatic")
    r = await aw.h.post(f"/v1/payments/{p['id']}/refunds", {"amount": 400})
    assert r.status_code == 201, r.text
    for body in aw.stripe_notes("charge.refunded", "refund.created"):
        await send_stripe_times(aw, body, times=2)
    [only] = await refunds_of(aw, str(p["id"]))
    assert only["id"] == r.json()["id"]
    assert (await aw.payment(str(p["id"])))["amount_refunded"] == 400
    assert [o["origin"] for o in await operations_of(aw, str(p["id"]))] == ["hub", "hub"]
    await ledger_green(aw)


async def test_a_dashboard_refund_larger_than_what_is_left_is_flagged_not_applied(aw: World) -> None:
    p = await _authorized(aw)
    pid, pi = str(p["id"]), str(p["provider_reference"])
    r = await aw.h.post(f"/v1/payments/{pid}/capture", {"amount": 500})
    assert r.status_code == 200, r.text
    refund = stripe_refund(aw.stripe, pi, 400)
    [created] = aw.stripe_notes("refund.created")
    doc = json.loads(created)
    doc["data"]["object"]["amount"] = 900  # more than the 500 captured: not this payment's truth
    tampered = json.dumps(doc).encode()
    await send_stripe_times(aw, tampered, times=3)
    pay = await aw.payment(pid)
    assert (pay["amount_refunded"], pay["requires_review"]) == (0, True)
    assert await refunds_of(aw, pid) == []
    [flagged] = [o for o in await operations_of(aw, pid) if o["origin"] == "provider"]
    assert (flagged["kind"], flagged["status"], flagged["requires_review"]) == ("refund", "unknown", True)
    review = await aw.h.get("/v1/admin/operations", status="requires_review")
    assert [o["id"] for o in review.json()["data"]] == [flagged["id"]]
    assert len(await events_of(aw, "operation.requires_review", flagged["id"])) == 1
    assert refund["amount"] == 400
    # a refresh of the payment never asks Stripe about provider news under review
    assert (await aw.h.get(f"/v1/payments/{pid}", refresh="true")).json()["amount_refunded"] == 0
    settle = f"/v1/admin/operations/{flagged['id']}/settle"
    r = await aw.h.post(settle, {"outcome": "succeeded", "reason": "Stripe says so"})
    assert r.status_code == 409 and r.json()["code"] == "provider_news_disagrees", r.text
    assert (await aw.payment(pid))["amount_refunded"] == 0
    r = await aw.h.post(settle, {"outcome": "failed", "reason": "tampered figure; dashboard shows 400"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["requires_review"]) == ("failed", False)
    pay = await aw.payment(pid)
    assert (pay["amount_refunded"], pay["requires_review"]) == (0, False)
    assert await refunds_of(aw, pid) == []
    await ledger_green(aw)


async def test_capture_news_for_a_voided_payment_is_recorded_and_ignored(aw: World) -> None:
    p = await _authorized(aw)
    pid = str(p["id"])
    r = await aw.h.post(f"/v1/payments/{pid}/void")
    assert r.status_code == 200 and r.json()["status"] == "voided", r.text
    [canceled] = aw.stripe_notes("payment_intent.canceled")
    doc = json.loads(canceled)
    doc["id"] += "_late_capture"
    doc["type"] = "payment_intent.succeeded"
    doc["data"]["object"].update(status="succeeded", amount_received=1099, amount_capturable=0)
    late = json.dumps(doc).encode()
    await send_stripe_times(aw, late, times=2)
    pay = await aw.payment(pid)
    assert (pay["status"], pay["amount_captured"]) == ("voided", 0)
    [row] = [r for r in await aw.inbox() if r["provider_event_id"] == doc["id"]]
    assert row["status"] == "ignored" and "backwards" in (row["error"] or "")
    assert [o["origin"] for o in await operations_of(aw, pid)] == ["hub", "hub"]


async def test_a_refresh_finds_a_dashboard_capture_and_refund_whose_webhooks_never_came(aw: World) -> None:
    p = await _authorized(aw)
    pid, pi = str(p["id"]), str(p["provider_reference"])
    stripe_capture(aw.stripe, pi, 800)  # a partial capture in the dashboard
    refund = stripe_refund(aw.stripe, pi, 200)
    assert (await aw.payment(pid))["status"] == "authorized"  # no webhook delivered
    r = await aw.h.get(f"/v1/payments/{pid}", refresh="true")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["amount_captured"], body["amount_refunded"]) == ("captured", 800, 200)
    [listed] = await refunds_of(aw, pid)
    assert listed["provider_reference"] == refund["id"]
    again = (await aw.h.get(f"/v1/payments/{pid}", refresh="true")).json()
    assert (again["amount_captured"], again["amount_refunded"]) == (800, 200)
    # the webhooks arriving late are the same news
    for body_ in aw.stripe_notes("payment_intent.succeeded", "charge.refunded", "refund.created"):
        await send_stripe_times(aw, body_, times=2)
    assert len(await refunds_of(aw, pid)) == 1
    assert len(await events_of(aw, "payment.captured", pid)) == 1
    assert len(await events_of(aw, "refund.succeeded", listed["id"])) == 1
    assert [o["origin"] for o in await operations_of(aw, pid)] == ["hub", "provider", "provider"]
    await ledger_green(aw)


async def test_a_dashboard_cancellation_voids_the_payment_once(aw: World) -> None:
    p = await _authorized(aw)
    pid = str(p["id"])
    stripe_cancel(aw.stripe, str(p["provider_reference"]))
    [canceled] = aw.stripe_notes("payment_intent.canceled")
    await send_stripe_times(aw, canceled)
    assert (await aw.payment(pid))["status"] == "voided"
    assert len(await events_of(aw, "payment.voided", pid)) == 1
    assert [(o["kind"], o["origin"]) for o in await operations_of(aw, pid)] == [
        ("authorize", "hub"), ("void", "provider"),
    ]  # fmt: skip
    r = await aw.h.post(f"/v1/payments/{pid}/capture")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"


async def test_a_dashboard_capture_after_the_hub_s_capture_certainly_failed_is_adopted(aw: World) -> None:
    p = await _authorized(aw)
    pid = str(p["id"])
    aw.faults["stripe-eu"].connect_error(method="POST", path=r"/capture$")  # never reached Stripe
    r = await aw.h.post(f"/v1/payments/{pid}/capture")
    assert r.status_code in (200, 502), r.text
    assert (await aw.payment(pid))["status"] == "authorized"
    assert [(o["kind"], o["status"]) for o in await operations_of(aw, pid)][-1] == ("capture", "failed")
    stripe_capture(aw.stripe, str(p["provider_reference"]))
    [captured] = aw.stripe_notes("payment_intent.succeeded")
    await send_stripe_times(aw, captured)
    pay = await aw.payment(pid)
    assert (pay["status"], pay["amount_captured"]) == ("captured", 1099)
    assert [(o["kind"], o["origin"], o["status"]) for o in await operations_of(aw, pid)] == [
        ("authorize", "hub", "succeeded"), ("capture", "hub", "failed"), ("capture", "provider", "succeeded"),
    ]  # fmt: skip
    await ledger_green(aw)
