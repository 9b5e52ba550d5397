"""Every /v1/events event reaches Kafka with the documented shape, in order per resource (DESIGN §16)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict

import msgspec
from sqlalchemy import select

from hub.store import tables as t
from tests.conftest import SANDBOX_TOML, start_harness
from tests.stream.kafka_kit import kafka_toml as ktoml
from tests.stream.kafka_kit import read_topic

CARD = {"number": "4242424242424242", "exp_month": 1, "exp_year": 2032, "cvc": "999"}
BODY = {
    "amount": 2500,
    "currency": "EUR",
    "capture": "manual",
    "payment_method": {"type": "card", "card": CARD},
}


async def streaming_harness(db_url, tmp_path, bootstrap: str, topic: str):
    """A hub with [events.kafka] whose relay runs in-process (as in `payhub serve`, embedded)."""
    h = await start_harness(db_url, tmp_path, config_toml=SANDBOX_TOML + ktoml(bootstrap, topic))
    h.hub.stream.start()
    return h


async def pay_capture_refund(h, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        r = await h.post("/v1/payments", BODY)
        assert r.status_code == 201, r.text
        pid = r.json()["id"]
        assert (await h.post(f"/v1/payments/{pid}/capture", {})).status_code == 200
        assert (await h.post(f"/v1/payments/{pid}/refunds", {"amount": 500})).status_code in (200, 201)
        ids.append(pid)
    return ids


async def events_in_order(hub) -> list[dict]:
    async with hub.engine.connect() as conn:
        rows = (await conn.execute(select(t.events).order_by(t.events.c.seq))).mappings().all()
    return [dict(r) for r in rows]


async def wait_lag_zero(h, timeout: float = 30.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        body = (await h.get("/v1/admin/stats")).json()["event_stream"]
        if body["lag"] == 0:
            return time.monotonic() - start
        await asyncio.sleep(0.1)
    raise AssertionError(f"lag still {body['lag']} after {timeout}s")


def first_seen_order(records) -> dict[bytes, list[str]]:
    """Per key, event ids in partition order, each id at its first occurrence (consumer dedupe)."""
    seen: set[str] = set()
    by_key: dict[bytes, list[str]] = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        if r.event_id not in seen:
            seen.add(r.event_id)
            by_key[r.key].append(r.event_id)
    return by_key


def expected_order(events) -> dict[bytes, list[str]]:
    by_key: dict[bytes, list[str]] = defaultdict(list)
    for e in events:
        by_key[e["resource_id"].encode()].append(e["id"])
    return by_key


async def test_twenty_payments_every_event_in_the_topic_in_order_with_key_headers_value(
    db_url, tmp_path, broker, topic
) -> None:
    h = await streaming_harness(db_url, tmp_path, broker.bootstrap, topic)
    try:
        await pay_capture_refund(h, 20)
        await wait_lag_zero(h)
        events = await events_in_order(h.hub)
        records = await asyncio.to_thread(read_topic, broker.bootstrap, topic, want=len(events))

        assert len(events) >= 20 * 3
        assert sorted(r.event_id for r in records) == sorted(
            e["id"] for e in events
        )  # none missing, none twice
        for r in records:
            api = await h.get(f"/v1/events/{r.event_id}")
            assert r.value == api.content  # the event JSON exactly as /v1/events shows it
            body = json.loads(r.value)
            assert r.headers == {"event-id": body["id"].encode(), "event-type": body["type"].encode()}
        by_id = {e["id"]: e for e in events}
        assert all(r.key == by_id[r.event_id]["resource_id"].encode() for r in records)
        # one resource's events on one partition, in the order they were written
        parts: dict[bytes, set[int]] = defaultdict(set)
        for r in records:
            parts[r.key].add(r.partition)
        assert all(len(p) == 1 for p in parts.values())
        assert first_seen_order(records) == expected_order(events)
        # a payment's own events: authorized, captured, refunded, in that order
        pid = events[0]["resource_id"]
        assert [by_id[i]["type"] for i in expected_order(events)[pid.encode()]][:2] == [
            "payment.authorized",
            "payment.captured",
        ]

        stats = (await h.get("/v1/admin/stats")).json()["event_stream"]
        assert stats == {"enabled": True, "topic": topic, "lag": 0}
        metrics = (await h.client.get("/metrics")).text
        assert "payhub_event_stream_lag 0.0" in metrics
        assert msgspec.json.decode(records[0].value)["object"] == "event"
    finally:
        await h.client.aclose()
        await h.hub.stop()


async def test_without_kafka_configured_stats_say_the_stream_is_off(harness) -> None:
    assert (await harness.get("/v1/admin/stats")).json()["event_stream"] == {
        "enabled": False,
        "topic": None,
        "lag": None,
    }
    assert harness.hub.stream.task is None
