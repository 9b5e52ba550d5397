"""Outbound webhooks end to end: a payment flow's events reach a real HTTP subscriber,
signed per Standard Webhooks (verified with the reference ``standardwebhooks`` package),
retried, disabled by 410, redelivered on demand — on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from sqlalchemy import select, text, update
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from hub.store import tables as t

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}


def verified(secret: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(body, headers)
    return payload


async def test_payment_events_reach_the_subscriber_signed_and_filtered(wh, kit, subscriber) -> None:
    payments_ep = await kit.subscribe(subscriber.url("payments"), ["payment.*"])
    refunds_ep = await kit.subscribe(subscriber.url("refunds"), ["refund.succeeded"])
    assert payments_ep["id"].startswith("we_") and payments_ep["status"] == "enabled"
    assert payments_ep["event_types"] == ["payment.*"]

    p = await kit.pay()
    r = await wh.post(f"/v1/payments/{p['id']}/capture", {})
    assert r.status_code == 200, r.text
    r = await wh.post(f"/v1/payments/{p['id']}/refunds", {"amount": 300})
    assert r.status_code == 201, r.text

    got = await subscriber.wait("payments", 2)
    events = [verified(payments_ep["secret"], g.body, g.headers) for g in got]
    assert sorted(e["type"] for e in events) == ["payment.authorized", "payment.captured"]
    for g, event in zip(got, events, strict=True):
        assert g.headers["webhook-id"] == event["id"]  # stable id: receivers dedupe on it
        feed = (await wh.get(f"/v1/events/{event['id']}")).json()
        assert event == feed  # the body is the event exactly as the feed shows it
        assert event["data"]["object"]["id"] == p["id"]
        # signed with this endpoint's secret, not another one
        with pytest.raises(WebhookVerificationError):
            Webhook(refunds_ep["secret"]).verify(g.body, g.headers)

    (refund,) = await subscriber.wait("refunds", 1)
    assert verified(refunds_ep["secret"], refund.body, refund.headers)["type"] == "refund.succeeded"

    delivered = await kit.settled(payments_ep["id"], 2)
    assert {d["status"] for d in delivered} == {"delivered"}
    assert {d["event_type"] for d in delivered} == {"payment.authorized", "payment.captured"}
    assert all(d["attempts"] == 1 and d["id"].startswith("wd_") for d in delivered)
    (attempt,) = await kit.attempts(payments_ep["id"], delivered[0]["id"])
    assert attempt["status_code"] == 200 and attempt["succeeded"] and attempt["error"] is None
    await asyncio.sleep(0.3)
    assert len(subscriber.got("refunds")) == 1  # payment events never went to the refunds endpoint


async def test_secret_is_shown_once_and_stored_encrypted(wh, kit, subscriber) -> None:
    created = await kit.subscribe(subscriber.url("a"), ["*"], **{"Idempotency-Key": "sub-1"})
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) >= len("whsec_") + 32  # 24+ random bytes

    shown = (await wh.get(f"/v1/webhook-endpoints/{created['id']}")).json()
    assert "secret" not in shown and shown["url"] == subscriber.url("a")
    listed = (await wh.get("/v1/webhook-endpoints")).json()["data"]
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]

    replay = await wh.post(
        "/v1/webhook-endpoints",
        {"url": subscriber.url("a"), "event_types": ["*"]},
        **{"Idempotency-Key": "sub-1"},
    )
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == created["id"] and "secret" not in replay.json()

    async with wh.hub.engine.connect() as conn:
        stored = (
            await conn.execute(
                select(t.webhook_endpoints.c.secret).where(t.webhook_endpoints.c.id == created["id"])
            )
        ).scalar_one()
        dumps = []
        for table in ("webhook_endpoints", "idempotency_keys"):
            rows = (await conn.execute(text(f"SELECT * FROM {table}"))).all()
            dumps.append(repr(rows))
    key_b64 = secret.removeprefix("whsec_")
    assert stored.startswith("phv1.") and key_b64 not in stored
    assert all(key_b64 not in dump for dump in dumps)
    row = await wh.hub.webhook_endpoints.get("default", created["id"])
    assert await wh.hub.webhook_endpoints.secret_of(row) == secret  # the vault gives it back to the hub


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/hook", "event_types": ["*"]}, "url"),
        ({"url": "/relative/hook", "event_types": ["*"]}, "url"),
        ({"url": "https://example.com/hook", "event_types": ["payment.exploded"]}, "event_types"),
        ({"url": "https://example.com/hook", "event_types": []}, "event_types"),
        ({"url": "https://example.com/hook", "event_types": ["nope.*"]}, "event_types"),
    ],
)
async def test_invalid_subscriptions_are_422_naming_the_field(wh, body, field) -> None:
    r = await wh.post("/v1/webhook-endpoints", body)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "validation_error" and r.json()["field"] == field
    assert (await wh.get("/v1/webhook-endpoints")).json()["data"] == []


async def test_endpoints_are_scoped_to_the_owner_and_role(wh, kit, subscriber) -> None:
    ep = await kit.subscribe(subscriber.url("a"), ["*"])
    reader = await wh.new_key("read")
    other = await wh.new_key("payments", owner="someone-else")
    r = await wh.post("/v1/webhook-endpoints", {"url": subscriber.url("b"), "event_types": ["*"]}, key=reader)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert (await wh.get(f"/v1/webhook-endpoints/{ep['id']}", key=reader)).status_code == 200
    assert (await wh.get(f"/v1/webhook-endpoints/{ep['id']}", key=other)).status_code == 404
    assert (await wh.get("/v1/webhook-endpoints", key=other)).json()["data"] == []
    gone = await wh.client.delete(f"/v1/webhook-endpoints/{ep['id']}", headers=wh.headers(other))
    assert gone.status_code == 404

    # another owner's payments do not reach this owner's endpoint
    r = await wh.post(
        "/v1/payments",
        {"amount": 500, "currency": "EUR", "payment_method": {"type": "card", "card": CARD}},
        key=other,
    )
    assert r.status_code == 201, r.text
    await asyncio.sleep(0.4)
    assert subscriber.got("a") == [] and await kit.deliveries(ep["id"]) == []


async def test_a_500_is_retried_until_the_endpoint_answers_200(wh, kit, subscriber) -> None:
    subscriber.statuses["flaky"] = [500, 200]
    ep = await kit.subscribe(subscriber.url("flaky"), ["payment.authorized"])
    await kit.pay()

    (delivery,) = await kit.settled(ep["id"])
    assert delivery["status"] == "delivered" and delivery["attempts"] == 2
    first, second = subscriber.got("flaky")
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery["event_id"]
    assert second.at - first.at >= 0.15  # waited per the retry schedule (0.2 s)
    verified(ep["secret"], second.body, second.headers)
    attempts = await kit.attempts(ep["id"], delivery["id"])
    assert [a["status_code"] for a in attempts] == [500, 200]
    assert attempts[0]["error"] == "HTTP 500" and not attempts[0]["succeeded"]
    assert [a["number"] for a in attempts] == [1, 2]


async def test_410_disables_the_endpoint_and_enable_brings_it_back(wh, kit, subscriber) -> None:
    subscriber.statuses["gone"] = [410]
    ep = await kit.subscribe(subscriber.url("gone"), ["payment.*"])
    p = await kit.pay()

    (delivery,) = await kit.settled(ep["id"])
    assert (
        delivery["status"] == "failed" and delivery["attempts"] == 1 and delivery["last_status_code"] == 410
    )
    assert (await wh.get(f"/v1/webhook-endpoints/{ep['id']}")).json()["status"] == "disabled"

    # no new deliveries while disabled, and no redelivery
    await wh.post(f"/v1/payments/{p['id']}/capture", {})
    await asyncio.sleep(0.4)
    assert len(subscriber.got("gone")) == 1 and len(await kit.deliveries(ep["id"])) == 1
    r = await wh.post(f"/v1/webhook-endpoints/{ep['id']}/deliveries/{delivery['id']}/redeliver")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"

    subscriber.statuses["gone"] = [200]
    r = await wh.post(f"/v1/webhook-endpoints/{ep['id']}/enable")
    assert r.status_code == 200 and r.json()["status"] == "enabled"
    await kit.pay()
    got = await subscriber.wait("gone", 2)
    assert verified(ep["secret"], got[1].body, got[1].headers)["type"] == "payment.authorized"


async def test_exhausted_retries_fail_and_manual_redelivery_sends_again(wh, kit, subscriber) -> None:
    subscriber.statuses["down"] = [503]
    ep = await kit.subscribe(subscriber.url("down"), ["payment.authorized"])
    await kit.pay()

    (delivery,) = await kit.settled(ep["id"])
    assert delivery["status"] == "failed" and delivery["attempts"] == 4  # first try + 3 retries
    assert "gave up after 4 attempts" in delivery["last_error"]
    assert len(subscriber.got("down")) == 4

    subscriber.statuses["down"] = [200]
    r = await wh.post(f"/v1/webhook-endpoints/{ep['id']}/deliveries/{delivery['id']}/redeliver")
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "pending"
    got = await subscriber.wait("down", 5)
    verified(ep["secret"], got[-1].body, got[-1].headers)
    (again,) = await kit.settled(ep["id"])
    assert again["status"] == "delivered" and again["attempts"] == 5
    assert [a["status_code"] for a in await kit.attempts(ep["id"], delivery["id"])] == [503] * 4 + [200]


HANG_TOML = """
[webhooks]
dispatch_interval = 0.1
timeout = 8.0  # outlasts the checks made while it hangs, even on a loaded machine (4 s did not)
retry_schedule = [0.2]
per_endpoint_concurrency = 2
"""


async def test_a_hanging_endpoint_delays_neither_the_api_nor_other_endpoints(
    make_harness, subscriber
) -> None:
    _, kit = await make_harness(HANG_TOML)
    subscriber.hang.add("slow")
    slow = await kit.subscribe(subscriber.url("slow"), ["payment.authorized"])
    fast = await kit.subscribe(subscriber.url("fast"), ["payment.authorized"])

    await kit.pay()
    await subscriber.wait("slow", 1)  # the slow endpoint now holds an attempt open
    for _ in range(2):
        before = time.monotonic()
        await kit.pay()
        assert time.monotonic() - before < 2.0  # the API does not wait for deliveries
    await subscriber.wait("fast", 3)
    # every event reached the fast endpoint while the slow one still holds its attempts open
    in_flight = await kit.deliveries(slow["id"])
    assert [(d["status"], d["attempts"]) for d in in_flight] == [("pending", 0)] * 3
    assert await kit.attempts(slow["id"], in_flight[-1]["id"]) == []  # recorded when the attempt ends
    assert {d["status"] for d in await kit.deliveries(fast["id"])} == {"delivered"}
    await subscriber.wait("slow", 2)  # the second attempt may start a dispatch later
    await asyncio.sleep(0.5)  # several dispatches (every 0.1 s) while both still hang
    assert len(subscriber.got("slow")) == 2  # per_endpoint_concurrency: the third waits its turn

    async with asyncio.timeout(20):
        while (oldest := (await kit.deliveries(slow["id"]))[-1])["attempts"] < 1:
            await asyncio.sleep(0.05)
    assert oldest["status"] == "pending"  # to be retried
    assert oldest["last_status_code"] is None and oldest["last_error"].startswith("timeout after 8s")
    (attempt,) = await kit.attempts(slow["id"], oldest["id"])
    assert attempt["duration_ms"] >= 7900 and not attempt["succeeded"]


async def test_a_lost_job_is_recovered_by_the_dispatcher(make_harness, subscriber) -> None:
    # no periodic dispatch during the test: the explicit dispatch() below is the recovery
    h, kit = await make_harness("[webhooks]\ndispatch_interval = 3600\ntimeout = 2.0\n")
    ep = await kit.subscribe(subscriber.url("a"), ["payment.authorized"])
    await kit.pay()
    (delivery,) = await kit.deliveries(ep["id"])
    assert delivery["status"] == "pending"

    # a worker claimed it and died: while its lease runs, nobody sends it again
    later = h.hub.deliveries.clock().replace(year=2999)
    async with h.hub.engine.begin() as conn:
        await conn.execute(
            update(t.webhook_deliveries)
            .where(t.webhook_deliveries.c.id == delivery["id"])
            .values(lease_until=later)
        )
    assert await h.hub.deliveries.dispatch() == []
    assert await h.hub.deliveries.deliver(delivery["id"]) is None  # a stray job cannot claim it either

    # the lease ran out: the dispatcher hands it out again and it is delivered once
    earlier = h.hub.deliveries.clock().replace(year=2000)
    async with h.hub.engine.begin() as conn:
        await conn.execute(
            update(t.webhook_deliveries)
            .where(t.webhook_deliveries.c.id == delivery["id"])
            .values(lease_until=earlier)
        )
    assert await h.hub.deliveries.dispatch() == [delivery["id"]]
    (got,) = await subscriber.wait("a", 1)
    verified(ep["secret"], got.body, got.headers)
    (done,) = await kit.settled(ep["id"])
    assert done["status"] == "delivered" and done["attempts"] == 1


async def test_delete_stops_deliveries(wh, kit, subscriber) -> None:
    ep = await kit.subscribe(subscriber.url("a"), ["*"])
    r = await wh.client.delete(f"/v1/webhook-endpoints/{ep['id']}", headers=wh.headers())
    assert r.status_code == 200 and r.json()["deleted"] is True
    assert (await wh.get(f"/v1/webhook-endpoints/{ep['id']}")).status_code == 404
    await kit.pay()
    await asyncio.sleep(0.4)
    assert subscriber.got("a") == []


async def test_events_feed_pages_and_filters_by_type(wh, kit) -> None:
    for _ in range(3):
        p = await kit.pay()
        assert (await wh.post(f"/v1/payments/{p['id']}/capture", {})).status_code == 200

    first = (await wh.get("/v1/events", limit=4)).json()
    assert len(first["data"]) == 4 and first["has_more"] and first["next_cursor"] == first["data"][-1]["id"]
    rest = (await wh.get("/v1/events", limit=4, cursor=first["next_cursor"])).json()
    assert len(rest["data"]) == 2 and not rest["has_more"] and rest["next_cursor"] is None
    ids = [e["id"] for e in first["data"] + rest["data"]]
    assert len(set(ids)) == 6

    captured = (await wh.get("/v1/events", type="payment.captured")).json()["data"]
    assert len(captured) == 3 and {e["type"] for e in captured} == {"payment.captured"}
    wildcard = (await wh.get("/v1/events", type="payment.*")).json()["data"]
    assert len(wildcard) == 6
    assert json.loads(json.dumps(captured[0]))["data"]["object"]["status"] == "captured"
