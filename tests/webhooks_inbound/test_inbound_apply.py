"""Provider news applied through the state machine: ambiguous operations settled by webhooks,
duplicates applied once, out-of-order and late news never moving a payment backwards."""

from __future__ import annotations

from tests.webhooks_inbound.conftest import (
    World,
    adyen_signed,
    count_events,
    sim_events,
    standard_signed,
    stripe_signed,
    stripe_variant,
)


async def _ambiguous_capture(world: World) -> dict[str, object]:
    """A sandbox payment whose capture the simulator did, but whose reply the hub lost."""
    p = await world.pay()
    assert p["status"] == "authorized"
    world.faults["sandbox"].drop_after_processing(method="POST", path=r"/capture$")
    r = await world.h.post(f"/v1/payments/{p['id']}/capture", {})
    assert r.json()["status"] == "processing", r.text
    return p


async def test_webhook_settles_an_ambiguous_capture_and_a_duplicate_is_applied_once(world: World) -> None:
    p = await _ambiguous_capture(world)
    [(body, msg_id)] = sim_events(world, "charge.captured")

    first = await world.webhook("sandbox", body, standard_signed(body, msg_id))
    assert first.status_code == 200 and first.json() == {"received": True}
    await world.settle()
    paid = await world.payment(p["id"])
    assert paid["status"] == "captured" and paid["amount_captured"] == 1099

    again = await world.webhook("sandbox", body, standard_signed(body, msg_id))  # the provider retries
    assert again.status_code == 200
    await world.settle()

    rows = [r for r in await world.inbox() if r["provider_event_id"] == msg_id]
    assert len(rows) == 1 and rows[0]["status"] == "processed"
    capture = next(o for o in await world.operations(p["id"]) if o["kind"] == "capture")
    assert capture["status"] == "succeeded"
    by_webhook = [a for a in await world.attempts(capture["id"]) if a["action"] == "webhook"]
    assert len(by_webhook) == 1
    assert await count_events(world, "payment.captured", p["id"]) == 1
    assert (await world.payment(p["id"]))["amount_captured"] == 1099


async def test_capture_news_before_authorization_news_ends_captured(world: World) -> None:
    p = await _ambiguous_capture(world)
    by_type = {e.type: (e.body.encode(), e.id) for e in world.sim.signed_events()}
    for etype in ("charge.captured", "charge.authorized"):  # delivered in the wrong order
        body, msg_id = by_type[etype]
        assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
        await world.settle()

    paid = await world.payment(p["id"])
    assert paid["status"] == "captured" and paid["amount_captured"] == 1099
    late = next(r for r in await world.inbox() if r["event_type"] == "charge.authorized")
    assert late["status"] == "processed" and "already succeeded" in late["error"]
    assert await count_events(world, "payment.authorized", p["id"]) == 1  # the original one only


async def test_stripe_purchase_news_before_the_hub_knew_the_authorization(world: World) -> None:
    """The authorization's reply was lost: the hub knows neither outcome nor PaymentIntent id.
    payment_intent.succeeded (matched by the hub id Stripe echoes in metadata) settles it;
    earlier news arriving later never moves it back."""
    world.faults["stripe-eu"].drop_after_processing(method="POST", path=r"/v1/payment_intents$")
    p = await world.pay(
        "stripe-eu", capture="automatic", payment_method={"type": "provider_token", "token": "pm_card_visa"}
    )
    assert p["status"] == "processing" and p["provider_reference"] is None
    [succeeded] = world.stripe_notes("payment_intent.succeeded")
    secret = world.stripe.world.webhook_secret

    r = await world.webhook("stripe-eu", succeeded, stripe_signed(succeeded, secret))
    assert r.status_code == 200
    await world.settle()
    paid = await world.payment(p["id"])
    assert paid["status"] == "captured" and paid["amount_captured"] == 1099
    assert paid["provider_reference"] and paid["provider_reference"].startswith("pi_")

    processing = stripe_variant(succeeded, "payment_intent.processing", status="processing")
    failed = stripe_variant(
        succeeded, "payment_intent.payment_failed", status="requires_payment_method", amount_received=0
    )
    for late in (processing, failed):
        assert (await world.webhook("stripe-eu", late, stripe_signed(late, secret))).status_code == 200
        await world.settle()
    after = await world.payment(p["id"])
    assert after["status"] == "captured" and after["failure"] is None
    assert await count_events(world, "payment.failed", p["id"]) == 0
    notes = {r["event_type"]: r for r in await world.inbox()}
    assert notes["payment_intent.processing"]["status"] == "ignored"  # not a final outcome
    assert "review" in notes["payment_intent.payment_failed"]["error"]  # contradicting news is flagged


async def test_adyen_news_before_the_provider_reference_and_capture_by_webhook(world: World) -> None:
    """Adyen: the authorisation reply is lost (no pspReference known): the AUTHORISATION webhook is
    matched by the hub id sent as merchantReference. Then Adyen answers the capture "received"
    and only the CAPTURE webhook tells the outcome."""
    world.faults["adyen-eu"].drop_after_processing(method="POST", path=r"/payments$")
    p = await world.pay("adyen-eu", payment_method=world.adyen_card())
    assert p["status"] == "processing" and p["provider_reference"] is None
    key = world.adyen.world.hmac_key
    [auth] = world.adyen_notes("AUTHORISATION")

    r = await world.webhook("adyen-eu", adyen_signed(auth, key), {"content-type": "application/json"})
    assert r.status_code == 200 and r.text == "[accepted]"
    assert r.headers["content-type"].startswith("text/plain")
    await world.settle()
    authorized = await world.payment(p["id"])
    assert authorized["status"] == "authorized" and authorized["provider_reference"]

    r = await world.h.post(f"/v1/payments/{p['id']}/capture", {})
    assert r.json()["status"] == "processing", r.text  # Adyen: "received"
    await world.adyen.advance(0)
    [capture] = world.adyen_notes("CAPTURE")
    r = await world.webhook("adyen-eu", adyen_signed(capture, key), {"content-type": "application/json"})
    assert r.status_code == 200
    await world.settle()
    paid = await world.payment(p["id"])
    assert paid["status"] == "captured" and paid["amount_captured"] == 1099
