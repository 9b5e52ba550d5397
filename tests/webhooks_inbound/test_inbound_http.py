"""POST /v1/webhooks/{account_id}: signature vectors made by the providers' official SDKs through
the real endpoint; what is answered; refused requests change nothing."""

from __future__ import annotations

import json
import time

from hub.telemetry.metrics import WEBHOOK_VERIFICATION_FAILURES
from tests.webhooks_inbound.conftest import (
    ADYEN_OLD_KEY,
    STRIPE_OLD_SECRET,
    World,
    adyen_signed,
    sim_events,
    standard_signed,
    stripe_signed,
)


def _flip(body: bytes, old: bytes, new: bytes) -> bytes:
    flipped = body.replace(old, new, 1)
    assert flipped != body and len(flipped) == len(body)
    return flipped


def _refusals(account: str, reason: str) -> float:
    return WEBHOOK_VERIFICATION_FAILURES.labels(account, reason)._value.get()


def _stripe_ignored_event(n: int) -> bytes:
    return json.dumps(
        {
            "id": f"evt_customer_{n}",
            "object": "event",
            "created": int(time.time()),
            "type": "customer.created",
            "data": {"object": {"id": "cus_NffrFeUfNV2Hib", "object": "customer", "email": "j@example.com"}},
        }
    ).encode()


def _adyen_report(psp: str) -> bytes:
    item = {
        "amount": {"currency": "EUR", "value": 0},
        "eventCode": "REPORT_AVAILABLE",
        "eventDate": "2025-01-15T10:20:30+01:00",
        "merchantAccountCode": "PayhubTestECOM",
        "merchantReference": "report",
        "pspReference": psp,
        "reason": "https://ca-test.adyen.com/reports/download/settlement_detail_report_batch_1.csv",
        "success": "true",
    }
    return json.dumps({"live": "false", "notificationItems": [{"NotificationRequestItem": item}]}).encode()


async def test_stripe_sdk_signatures(world: World) -> None:
    secret = world.stripe.world.webhook_secret
    body = _stripe_ignored_event(1)
    refused = _refusals("stripe-eu", "signature")

    ok = await world.webhook("stripe-eu", body, stripe_signed(body, secret))
    assert ok.status_code == 200
    flipped = await world.webhook(
        "stripe-eu", _flip(body, b"j@example", b"k@example"), stripe_signed(body, secret)
    )
    assert flipped.status_code == 401
    assert flipped.headers["content-type"].startswith("application/problem+json")
    assert flipped.json()["code"] == "invalid_signature"
    stale_body = _stripe_ignored_event(2)
    stale = await world.webhook(
        "stripe-eu", stale_body, stripe_signed(stale_body, secret, timestamp=int(time.time()) - 3600)
    )
    assert stale.status_code == 401
    rotated_body = _stripe_ignored_event(3)
    rotated = await world.webhook("stripe-eu", rotated_body, stripe_signed(rotated_body, STRIPE_OLD_SECRET))
    assert rotated.status_code == 200  # the previous secret is still accepted while rolling
    unsigned = await world.webhook("stripe-eu", stale_body, {"content-type": "application/json"})
    assert unsigned.status_code == 401

    rows = await world.inbox()
    assert sorted(r["provider_event_id"] for r in rows) == ["evt_customer_1", "evt_customer_3"]
    assert all(r["status"] == "ignored" for r in rows)  # unknown types are stored, never applied
    assert _refusals("stripe-eu", "signature") == refused + 3


async def test_adyen_sdk_signatures(world: World) -> None:
    key = world.adyen.world.hmac_key
    headers = {"content-type": "application/json"}
    ok = await world.webhook("adyen-eu", adyen_signed(_adyen_report("A1"), key), headers)
    assert ok.status_code == 200 and ok.text == "[accepted]"
    signed = adyen_signed(_adyen_report("A2"), key)
    flipped = await world.webhook("adyen-eu", _flip(signed, b'"report"', b'"reporu"'), headers)
    assert flipped.status_code == 401 and flipped.json()["code"] == "invalid_signature"
    rotated = await world.webhook("adyen-eu", adyen_signed(_adyen_report("A3"), ADYEN_OLD_KEY), headers)
    assert rotated.status_code == 200
    wrong = await world.webhook("adyen-eu", adyen_signed(_adyen_report("A4"), "AB" * 32), headers)
    assert wrong.status_code == 401
    ids = sorted(r["provider_event_id"].split(":")[2] for r in await world.inbox())
    assert ids == ["A1", "A3"]


async def test_standard_webhooks_sdk_signatures(world: World) -> None:
    p = await world.pay()
    [(body, msg_id)] = sim_events(world, "charge.authorized")
    flipped = await world.webhook(
        "sandbox", _flip(body, b'"amount":1099', b'"amount":1098'), standard_signed(body, msg_id)
    )
    assert flipped.status_code == 401
    stale = await world.webhook("sandbox", body, standard_signed(body, msg_id, at=time.time() - 3600))
    assert stale.status_code == 401
    other = await world.webhook("sandbox", body, standard_signed(body, msg_id, secret="whsec_" + "QUJD" * 8))
    assert other.status_code == 401
    assert await world.inbox() == []
    ok = await world.webhook("sandbox", body, standard_signed(body, msg_id))
    assert ok.status_code == 200
    await world.settle()
    [row] = await world.inbox()
    assert row["provider_event_id"] == msg_id and row["status"] == "processed"
    assert (await world.payment(p["id"]))["status"] == "authorized"


async def test_refused_requests_change_nothing(world: World) -> None:
    p = await world.pay()
    world.faults["sandbox"].drop_after_processing(method="POST", path=r"/capture$")
    assert (await world.h.post(f"/v1/payments/{p['id']}/capture", {})).json()["status"] == "processing"
    [(body, msg_id)] = sim_events(world, "charge.captured")
    good = standard_signed(body, msg_id)

    bad_sig = await world.webhook(
        "sandbox", body, {**good, "webhook-signature": "v1,AAAA" + good["webhook-signature"][7:]}
    )
    assert bad_sig.status_code == 401 and bad_sig.json()["code"] == "invalid_signature"
    unknown = await world.webhook("nope", body, good)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    huge = b'{"pad":"' + b"x" * (1024 * 1024) + b'"}'
    too_large = await world.webhook("sandbox", huge, standard_signed(huge, msg_id))
    assert too_large.status_code == 413 and too_large.json()["code"] == "payload_too_large"
    garbage = b"this is not an event"
    malformed = await world.webhook("sandbox", garbage, standard_signed(garbage, "msg_garbage"))
    assert malformed.status_code == 400 and malformed.json()["code"] == "invalid_payload"

    assert await world.inbox() == []
    assert (await world.payment(p["id"]))["status"] == "processing"

    # the same event, properly signed, is what moves the payment
    assert (await world.webhook("sandbox", body, good)).status_code == 200
    await world.settle()
    assert (await world.payment(p["id"]))["status"] == "captured"
