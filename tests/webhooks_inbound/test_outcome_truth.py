"""Issue 13, gaps 3-5: provider news is applied in every state an operation can wait in, a
refund's outcome is kept whatever the payment is doing, and a failure after success is a
visible, evented state with a review flag (and a correcting ledger entry), never a log line."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from sqlalchemy import update

from adapters.base import Failure, NextAction, OperationKind, Outcome, OutcomeStatus, ProviderEvent
from contract_tests.faults import Fault
from hub.services.ledger_verify import verify
from hub.store import tables as t
from tests.webhooks_inbound.conftest import (
    World,
    adyen_signed,
    count_events,
    sim_events,
    standard_signed,
    stripe_signed,
)


async def _ledger_ok(world: World) -> None:
    verdict = await verify(world.hub.engine)
    assert verdict.ok, verdict.message


async def _refunds(world: World, payment_id: str) -> list[dict[str, Any]]:
    r = await world.h.get(f"/v1/payments/{payment_id}/refunds")
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


async def _stripe_deliver(world: World, *types: str) -> None:
    secret = world.stripe.world.webhook_secret
    for body in world.stripe_notes(*types):
        assert (await world.webhook("stripe-eu", body, stripe_signed(body, secret))).status_code == 200
    await world.settle()


async def _adyen_deliver(world: World, *bodies: bytes) -> None:
    key = world.adyen.world.hmac_key
    for body in bodies:
        r = await world.webhook("adyen-eu", adyen_signed(body, key), {"content-type": "application/json"})
        assert r.status_code == 200, r.text
    await world.settle()


# --------------------------------------------------------------------------- gap 3


async def _stripe_3ds(world: World, capture: str) -> dict[str, Any]:
    p = await world.pay(
        "stripe-eu",
        capture=capture,
        payment_method={"type": "provider_token", "token": "pm_card_authenticationRequired"},
        three_ds={"mode": "if_required", "return_url": "https://shop.example/return"},
    )
    assert p["status"] == "requires_action" and p["next_action"], p
    # the shopper finishes 3DS and closes the tab: the hub is never called back
    world.stripe.complete_challenge(msgspec.convert(p["next_action"], NextAction))
    return p


async def test_purchase_finished_3ds_without_the_shopper_is_captured_by_the_webhook(world: World) -> None:
    p = await _stripe_3ds(world, "automatic")
    await _stripe_deliver(world, "payment_intent.succeeded")
    paid = await world.payment(p["id"])
    assert paid["status"] == "captured" and paid["amount_captured"] == 1099, paid
    assert paid["next_action"] is None and paid["requires_review"] is False
    assert await count_events(world, "payment.captured", p["id"]) == 1
    [row] = [r for r in await world.inbox() if r["event_type"] == "payment_intent.succeeded"]
    assert row["status"] == "processed"
    await _ledger_ok(world)  # the capture is on the books


async def test_manual_capture_finished_3ds_without_the_shopper_is_authorized(world: World) -> None:
    p = await _stripe_3ds(world, "manual")
    await _stripe_deliver(world, "payment_intent.amount_capturable_updated")
    paid = await world.payment(p["id"])
    assert paid["status"] == "authorized" and paid["amount_captured"] == 0, paid
    assert await count_events(world, "payment.authorized", p["id"]) == 1
    r = await world.h.post(f"/v1/payments/{p['id']}/capture", {})
    assert r.status_code == 200 and r.json()["status"] == "captured", r.text


# --------------------------------------------------------------------------- gap 4


async def _refund_then_further_capture(world: World) -> tuple[dict[str, Any], str]:
    """Sandbox: 600 of 1099 captured (more to come), a refund of 200 whose reply is lost, then a
    further capture whose reply is lost too: the payment is `processing`, the refund `pending`."""
    p = await world.pay()
    world.faults["sandbox"].arm(Fault.UNAVAILABLE, method="GET", times=None)  # only news settles
    r = await world.h.post(f"/v1/payments/{p['id']}/capture", {"amount": 600, "final": False})
    assert r.status_code == 200 and r.json()["amount_captured"] == 600, r.text
    world.faults["sandbox"].drop_after_processing(method="POST", path=r"/refunds$")
    r = await world.h.post(f"/v1/payments/{p['id']}/refunds", {"amount": 200})
    assert r.status_code in (200, 201, 202), r.text
    refund = r.json()
    assert refund["status"] == "pending", refund
    world.faults["sandbox"].drop_after_processing(method="POST", path=r"/capture$")
    r = await world.h.post(f"/v1/payments/{p['id']}/capture", {"amount": 300})
    assert r.json()["status"] == "processing", r.text
    return p, refund["id"]


async def test_a_refund_succeeding_while_a_further_capture_is_in_flight_is_kept(world: World) -> None:
    p, refund_id = await _refund_then_further_capture(world)
    [(body, msg_id)] = sim_events(world, "charge.refunded")
    assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
    await world.settle()

    during = await world.payment(p["id"])
    assert during["status"] == "processing" and during["amount_refunded"] == 200, during
    [refund] = await _refunds(world, p["id"])
    assert refund["id"] == refund_id and refund["status"] == "succeeded"
    assert await count_events(world, "refund.succeeded", refund_id) == 1

    body, msg_id = sim_events(world, "charge.captured")[-1]  # the further capture's news
    assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
    await world.settle()
    after = await world.payment(p["id"])
    assert (
        after["status"] == "captured" and after["amount_captured"] == 900 and after["amount_refunded"] == 200
    )
    await _ledger_ok(world)


async def test_a_refund_failing_while_a_further_capture_is_in_flight_releases_its_reserve(
    world: World,
) -> None:
    p, refund_id = await _refund_then_further_capture(world)
    failed = ProviderEvent(  # the simulator has no refund failure: the news as an adapter gives it
        event_id="evt_refund_failed_1",
        type="refund.failed",
        kind=OperationKind.REFUND,
        outcome=Outcome(
            status=OutcomeStatus.FAILED,
            failure=Failure(code="provider_error", message="the refund was rejected", provider_code="x"),
        ),
        payment_id=p["id"],
        refund_id=refund_id,
    )
    await world.hub.inbox.ingest("sandbox", [failed])
    await world.settle()

    during = await world.payment(p["id"])
    assert during["status"] == "processing" and during["amount_refunded"] == 0, during
    [refund] = await _refunds(world, p["id"])
    assert refund["status"] == "failed" and refund["failure"]["message"] == "the refund was rejected"
    assert await count_events(world, "refund.failed", refund_id) == 1

    body, msg_id = sim_events(world, "charge.captured")[-1]
    assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
    await world.settle()
    assert (await world.payment(p["id"]))["amount_captured"] == 900
    # the 200 are no longer reserved: the hub sends a refund of all 900 (the provider, which did
    # refund the 200, declines it; the hub refuses nothing itself: no amount_exceeds_refundable)
    r = await world.h.post(f"/v1/payments/{p['id']}/refunds", {"amount": 900})
    assert r.status_code == 201 and r.json()["amount"] == 900, r.text
    await _ledger_ok(world)


# --------------------------------------------------------------------------- gap 5


def _adyen_card(world: World, holder: str) -> dict[str, Any]:
    method = world.adyen_card()
    method["card"]["holder_name"] = holder
    return method


def _variant(body: bytes, **item: Any) -> bytes:
    """An Adyen notification with fields of its item changed (another notification about it)."""
    doc = json.loads(body)
    doc["notificationItems"][0]["NotificationRequestItem"].update(item)
    return json.dumps(doc).encode()


async def _review_list(world: World) -> list[str]:
    r = await world.h.get("/v1/admin/operations", status="requires_review")
    assert r.status_code == 200, r.text
    return [o["id"] for o in r.json()["data"]]


async def _acknowledge(world: World, op_id: str, outcome: str, payment_id: str) -> None:
    r = await world.h.post(f"/v1/admin/operations/{op_id}/settle", {"outcome": outcome, "reason": "seen"})
    assert r.status_code == 200, r.text
    assert (await world.payment(payment_id))["requires_review"] is False
    assert op_id not in await _review_list(world)


async def test_adyen_capture_failed_after_capture_is_authorized_again_and_flagged(world: World) -> None:
    p = await world.pay("adyen-eu", payment_method=_adyen_card(world, "CAPTURE FAILED"))
    assert p["status"] == "authorized", p
    r = await world.h.post(f"/v1/payments/{p['id']}/capture", {})
    assert r.json()["status"] == "processing", r.text  # Adyen: "received"
    await world.adyen.advance(0)
    [capture] = world.adyen_notes("CAPTURE")
    await _adyen_deliver(world, capture)
    assert (await world.payment(p["id"]))["status"] == "captured"

    [capture_failed] = world.adyen_notes("CAPTURE_FAILED")
    await _adyen_deliver(world, capture_failed)
    paid = await world.payment(p["id"])
    assert paid["status"] == "authorized" and paid["amount_captured"] == 0, paid
    assert paid["requires_review"] is True
    op = next(o for o in await world.operations(p["id"]) if o["kind"] == "capture")
    assert op["status"] == "failed" and op["failure"]["provider_code"] == "CAPTURE_FAILED"
    assert await count_events(world, "payment.authorized", p["id"]) == 2  # authorized again
    assert await count_events(world, "operation.requires_review", op["id"]) == 1
    assert op["id"] in await _review_list(world)
    row = next(r for r in await world.inbox() if r["event_type"] == "CAPTURE_FAILED")
    assert row["status"] == "processed" and "review" in row["error"]
    await _ledger_ok(world)  # the capture's entry is reversed

    await _adyen_deliver(world, _variant(capture_failed, pspReference="REPLAYED0000001"))  # once only
    assert (await world.payment(p["id"]))["amount_captured"] == 0
    await _ledger_ok(world)
    await _acknowledge(world, op["id"], "failed", p["id"])


async def _adyen_refunded(world: World, holder: str) -> tuple[dict[str, Any], dict[str, Any]]:
    p = await world.pay("adyen-eu", capture="automatic", payment_method=_adyen_card(world, holder))
    assert p["status"] == "captured", p
    r = await world.h.post(f"/v1/payments/{p['id']}/refunds", {})
    assert r.status_code in (200, 201, 202), r.text
    await world.adyen.advance(0)
    [refund_news] = world.adyen_notes("REFUND")
    await _adyen_deliver(world, refund_news)
    assert (await world.payment(p["id"]))["status"] == "refunded"
    return p, r.json()


async def _assert_refund_undone(world: World, p: dict[str, Any], refund: dict[str, Any], code: str) -> str:
    paid = await world.payment(p["id"])
    assert paid["status"] == "captured" and paid["amount_refunded"] == 0, paid
    assert paid["requires_review"] is True
    [after] = await _refunds(world, p["id"])
    assert after["status"] == "failed" and after["failure"]["provider_code"] == code, after
    assert await count_events(world, "refund.failed", refund["id"]) == 1
    assert await count_events(world, "payment.captured", p["id"]) == 2  # captured again
    op = next(o for o in await world.operations(p["id"]) if o["kind"] == "refund")
    assert op["status"] == "failed" and op["requires_review"] is True
    assert await count_events(world, "operation.requires_review", op["id"]) == 1
    await _ledger_ok(world)  # the refund's entry is reversed
    return str(op["id"])


async def test_adyen_refund_failed_after_refund_is_captured_again_and_flagged(world: World) -> None:
    p, refund = await _adyen_refunded(world, "REFUND FAILED")
    [refund_failed] = world.adyen_notes("REFUND_FAILED")
    await _adyen_deliver(world, refund_failed)
    op_id = await _assert_refund_undone(world, p, refund, "REFUND_FAILED")
    r = await world.h.post(f"/v1/payments/{p['id']}/refunds", {"amount": 1099})  # refundable again
    assert r.status_code in (200, 201, 202), r.text
    await _acknowledge(world, op_id, "failed", p["id"])


async def test_adyen_refunded_reversed_is_captured_again_and_flagged(world: World) -> None:
    p, refund = await _adyen_refunded(world, "J. Smith")
    [refund_news] = world.adyen_notes("REFUND")
    await _adyen_deliver(world, _variant(refund_news, eventCode="REFUNDED_REVERSED"))
    await _assert_refund_undone(world, p, refund, "REFUNDED_REVERSED")


async def test_adyen_capture_failed_on_an_automatic_purchase_is_applied_not_a_failed_row(
    world: World,
) -> None:
    p = await world.pay("adyen-eu", capture="automatic", payment_method=world.adyen_card())
    assert p["status"] == "captured" and p["amount_captured"] == 1099, p
    [auth] = world.adyen_notes("AUTHORISATION")
    item = json.loads(auth)["notificationItems"][0]["NotificationRequestItem"]
    failed = _variant(
        auth,
        eventCode="CAPTURE_FAILED",
        originalReference=item["pspReference"],
        pspReference="CAPTUREFAIL00001",
        reason="Capture rejected by card scheme because of a technical issue",
        success="true",
        operations=None,
    )
    await _adyen_deliver(world, failed)
    row = next(r for r in await world.inbox() if r["event_type"] == "CAPTURE_FAILED")
    assert row["status"] == "processed", row
    paid = await world.payment(p["id"])
    assert paid["status"] == "authorized" and paid["amount_captured"] == 0, paid
    assert paid["requires_review"] is True
    auth_op = next(o for o in await world.operations(p["id"]) if o["kind"] == "authorize")
    assert auth_op["requires_review"] is True and auth_op["failure"]["provider_code"] == "CAPTURE_FAILED"
    assert await count_events(world, "operation.requires_review", auth_op["id"]) == 1
    await _ledger_ok(world)
    await _acknowledge(world, auth_op["id"], "succeeded", p["id"])

    recaptured = _variant(failed, eventCode="CAPTURE", reason="Transaction Auto-recaptured")
    await _adyen_deliver(world, recaptured)
    again = await world.payment(p["id"])
    assert again["status"] == "captured" and again["amount_captured"] == 1099, again
    await _ledger_ok(world)


async def test_adyen_recapture_after_capture_failed_is_captured_again(world: World) -> None:
    """Adyen re-captures a capture the scheme rejected ("Transaction Recaptured"): the payment
    is captured again, once, with its review flag cleared and the books square."""
    p = await world.pay("adyen-eu", payment_method=_adyen_card(world, "CAPTURE FAILED"))
    await world.h.post(f"/v1/payments/{p['id']}/capture", {})
    await world.adyen.advance(0)
    [capture] = world.adyen_notes("CAPTURE")
    [capture_failed] = world.adyen_notes("CAPTURE_FAILED")
    await _adyen_deliver(world, capture)  # one at a time: the inbox may apply a batch in any order
    await _adyen_deliver(world, capture_failed)
    assert (await world.payment(p["id"]))["status"] == "authorized"

    recaptured = _variant(capture, reason="Transaction Recaptured")
    await _adyen_deliver(world, recaptured, recaptured)  # delivered twice: applied once
    paid = await world.payment(p["id"])
    assert paid["status"] == "captured" and paid["amount_captured"] == 1099, paid
    assert paid["requires_review"] is False
    op = next(o for o in await world.operations(p["id"]) if o["kind"] == "capture")
    assert op["status"] == "succeeded" and op["failure"] is None and op["requires_review"] is False
    assert await count_events(world, "payment.captured", p["id"]) == 2
    assert op["id"] not in await _review_list(world)
    await _ledger_ok(world)  # captured, reversed, captured again


async def test_replaying_the_inbox_after_a_recapture_flips_nothing_back(world: World) -> None:
    p = await world.pay("adyen-eu", payment_method=_adyen_card(world, "CAPTURE FAILED"))
    await world.h.post(f"/v1/payments/{p['id']}/capture", {})
    await world.adyen.advance(0)
    [capture] = world.adyen_notes("CAPTURE")
    [capture_failed] = world.adyen_notes("CAPTURE_FAILED")
    for body in (capture, capture_failed, _variant(capture, reason="Transaction Recaptured")):
        await _adyen_deliver(world, body)
    assert (await world.payment(p["id"]))["status"] == "captured"
    rows = {r["event_type"]: r["id"] for r in await world.inbox() if r["event_type"] == "CAPTURE_FAILED"}
    await world.hub.inbox.replay(ids=[rows["CAPTURE_FAILED"]])  # the failure again, on its own
    await world.hub.inbox.replay(account_id="adyen-eu")  # and everything, oldest first
    paid = await world.payment(p["id"])
    assert paid["status"] == "captured" and paid["amount_captured"] == 1099, paid
    assert paid["requires_review"] is False
    assert await count_events(world, "payment.captured", p["id"]) == 2
    await _ledger_ok(world)


async def test_news_a_payment_cannot_take_is_flagged_not_logged(world: World) -> None:
    """The capture's news arrives for a payment that is in no state the capture could be waiting
    in (here: the record was changed behind the hub's back): recorded and flagged for review."""
    p = await world.pay()
    world.faults["sandbox"].arm(Fault.UNAVAILABLE, method="GET", times=None)  # only news settles
    world.faults["sandbox"].drop_after_processing(method="POST", path=r"/capture$")
    r = await world.h.post(f"/v1/payments/{p['id']}/capture", {})
    assert r.json()["status"] == "processing", r.text
    async with world.hub.engine.begin() as conn:
        await conn.execute(update(t.payments).where(t.payments.c.id == p["id"]).values(status="voided"))
    [(body, msg_id)] = sim_events(world, "charge.captured")
    assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
    await world.settle()

    paid = await world.payment(p["id"])
    assert paid["status"] == "voided" and paid["requires_review"] is True, paid
    op = next(o for o in await world.operations(p["id"]) if o["kind"] == "capture")
    assert op["status"] == "succeeded" and op["requires_review"] is True
    assert "voided" in op["reason"]
    assert await count_events(world, "operation.requires_review", op["id"]) == 1
    assert op["id"] in await _review_list(world)


async def test_stripe_refund_failing_after_it_succeeded_is_undone_and_flagged(world: World) -> None:
    """Stripe's test card 4000 0000 0000 5126: the refund succeeds, then fails (refund.failed,
    the refund's status goes from succeeded to failed): the money is the merchant's again."""
    card = {"number": "4000000000005126", "exp_month": 12, "exp_year": 2031, "cvc": "123"}
    p = await world.pay("stripe-eu", capture="automatic", payment_method={"type": "card", "card": card})
    assert p["status"] == "captured", p
    r = await world.h.post(f"/v1/payments/{p['id']}/refunds", {})
    assert r.status_code == 201 and r.json()["status"] == "succeeded", r.text
    assert (await world.payment(p["id"]))["status"] == "refunded"

    world.stripe.world.advance(1.0)
    await _stripe_deliver(world, "refund.failed")
    paid = await world.payment(p["id"])
    assert paid["status"] == "captured" and paid["amount_refunded"] == 0, paid
    assert paid["requires_review"] is True
    [refund] = await _refunds(world, p["id"])
    assert refund["status"] == "failed" and refund["failure"]["provider_code"] == "expired_or_canceled_card"
    assert await count_events(world, "refund.failed", refund["id"]) == 1
    await _ledger_ok(world)


async def test_news_settling_a_flagged_refund_clears_the_payments_flag(world: World) -> None:
    """A refund past its resolution deadline (flagged requires_review) whose news then comes:
    the refund is settled, and neither it nor the payment still asks for review."""
    p = await world.pay()
    world.faults["sandbox"].arm(Fault.UNAVAILABLE, method="GET", times=None)  # only news settles
    assert (await world.h.post(f"/v1/payments/{p['id']}/capture", {})).status_code == 200
    world.faults["sandbox"].drop_after_processing(method="POST", path=r"/refunds$")
    r = await world.h.post(f"/v1/payments/{p['id']}/refunds", {"amount": 300})
    assert r.json()["status"] == "pending", r.text
    op = next(o for o in await world.operations(p["id"]) if o["kind"] == "refund")
    async with world.hub.engine.begin() as conn:  # what resolution does at the deadline
        await conn.execute(
            update(t.operations).where(t.operations.c.id == op["id"]).values(requires_review=True)
        )
        await conn.execute(update(t.payments).where(t.payments.c.id == p["id"]).values(requires_review=True))
    assert op["id"] in await _review_list(world)

    [(body, msg_id)] = sim_events(world, "charge.refunded")
    assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
    await world.settle()
    paid = await world.payment(p["id"])
    assert paid["amount_refunded"] == 300 and paid["requires_review"] is False, paid
    assert op["id"] not in await _review_list(world)
