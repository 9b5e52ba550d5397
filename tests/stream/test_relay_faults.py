"""Nothing lost: the broker paused or unreachable for a while, a relay killed mid-batch, two
relays at once (DESIGN §16). Outages are simulated without restarting the broker."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from hub.stream.config import KafkaConfig
from hub.stream.outbox import lag
from hub.stream.publisher import Delivery, KafkaPublisher
from hub.stream.relay import Relay
from tests.conftest import start_harness
from tests.stream.kafka_kit import CutProxy, create_topic, read_topic, start_broker
from tests.stream.test_relay_order import (
    events_in_order,
    expected_order,
    first_seen_order,
    pay_capture_refund,
    streaming_harness,
    wait_lag_zero,
)


async def outbox_lag(hub) -> int:
    async with hub.engine.connect() as conn:
        return await lag(conn)


async def wait_outbox_empty(hub, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while (n := await outbox_lag(hub)) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert n == 0, f"{n} events still unpublished after {timeout}s"


async def assert_all_arrived(h, bootstrap: str, topic: str, *, duplicates_allowed: bool) -> int:
    events = await events_in_order(h.hub)
    records = await asyncio.to_thread(read_topic, bootstrap, topic, want=len(events))
    assert {r.event_id for r in records} == {e["id"] for e in events}  # nothing lost
    if not duplicates_allowed:
        assert len(records) == len(events)
    assert first_seen_order(records) == expected_order(events)  # per resource, in the order written
    return len(records) - len(events)


async def test_broker_paused_while_payments_are_made_then_everything_arrives(
    db_url, tmp_path, broker, topic
) -> None:
    h = await streaming_harness(db_url, tmp_path, broker.bootstrap, topic)
    try:
        await pay_capture_refund(h, 2)
        await wait_lag_zero(h)
        before = len(await events_in_order(h.hub))
        broker.pause()
        try:
            await pay_capture_refund(h, 5)  # the API does not wait for Kafka
            await asyncio.sleep(2.0)
            written = len(await events_in_order(h.hub)) - before
            assert written >= 15
            assert (await h.get("/v1/admin/stats")).json()["event_stream"]["lag"] == written
        finally:
            broker.resume()
        took = await wait_lag_zero(h, timeout=30.0)
        assert took < 30.0
        await assert_all_arrived(h, broker.bootstrap, topic, duplicates_allowed=False)
    finally:
        await h.client.aclose()
        await h.hub.stop()


async def test_broker_unreachable_then_back_nothing_lost(db_url, tmp_path: Path) -> None:
    proxy = CutProxy(target=0)
    own = start_broker(tmp_path, advertised_port=proxy.port)  # clients only ever reach it via the proxy
    proxy.target = own.port
    proxy.open()
    h = None
    try:
        topic = create_topic(own.bootstrap)
        h = await streaming_harness(db_url, tmp_path, own.bootstrap, topic)
        await pay_capture_refund(h, 2)
        await wait_lag_zero(h)
        proxy.cut()
        await pay_capture_refund(h, 4)
        await asyncio.sleep(2.0)
        assert (await h.get("/v1/admin/stats")).json()["event_stream"]["lag"] >= 12
        proxy.open()
        await wait_lag_zero(h, timeout=30.0)
        await assert_all_arrived(h, own.bootstrap, topic, duplicates_allowed=True)
    finally:
        if h is not None:
            await h.client.aclose()
            await h.hub.stop()
        proxy.cut()
        own.kill()


class StallAfterFive:
    """A real producer whose relay sees only the first five acknowledgements, then hangs:
    the broker has the whole batch, the outbox marks five of it."""

    def __init__(self, cfg: KafkaConfig) -> None:
        self.inner = KafkaPublisher(cfg)
        self.fatal: str | None = None
        self.handed = 0
        self.buffered: list[Delivery] = []

    def produce(self, message) -> None:
        self.inner.produce(message)

    async def poll(self, wait: float) -> list[Delivery]:
        self.buffered += await self.inner.poll(wait)
        if self.handed >= 5:
            await asyncio.Event().wait()  # the process "dies" here
        out, self.buffered = self.buffered[: 5 - self.handed], self.buffered[5 - self.handed :]
        self.handed += len(out)
        return out

    async def close(self) -> None:
        await self.inner.close()


async def test_relay_killed_mid_batch_the_next_one_publishes_the_rest(
    db_url, tmp_path, broker, topic
) -> None:
    h = await start_harness(db_url, tmp_path)  # no [events.kafka]: the relays run by hand
    cfg = KafkaConfig(bootstrap_servers=broker.bootstrap, topic=topic, batch_size=40, lease_seconds=1.0)
    try:
        await pay_capture_refund(h, 10)
        total = await outbox_lag(h.hub)
        assert total >= 30
        dying = Relay(h.hub.engine, cfg, publisher_factory=StallAfterFive, holder="dying")
        task = asyncio.create_task(dying.run())
        deadline = time.monotonic() + 20
        while dying.published < 5 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # the rest of the batch reaches the broker, unmarked
        assert dying.published == 5 and await outbox_lag(h.hub) == total - 5

        async def killed() -> None:  # a killed process releases nothing and flushes nothing
            return None

        dying.close = killed  # type: ignore[method-assign]
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

        successor = Relay(h.hub.engine, cfg, holder="successor")
        task2 = asyncio.create_task(successor.run())
        try:
            await wait_outbox_empty(h.hub)  # after the dead relay's lease ran out
        finally:
            task2.cancel()
            await asyncio.gather(task2, return_exceptions=True)
        dupes = await assert_all_arrived(h, broker.bootstrap, topic, duplicates_allowed=True)
        # exactly the acknowledged-but-unmarked part of the dead relay's batch came twice
        assert dupes == min(40, total) - 5
        assert successor.published == total - 5
    finally:
        await h.client.aclose()
        await h.hub.stop()


async def test_two_relays_at_once_publish_each_event_once(db_url, tmp_path, broker, topic) -> None:
    h = await start_harness(db_url, tmp_path)
    cfg = KafkaConfig(bootstrap_servers=broker.bootstrap, topic=topic, batch_size=7, poll_interval=0.02)
    relays = [Relay(h.hub.engine, cfg, holder=f"relay-{i}") for i in range(2)]
    tasks = [asyncio.create_task(r.run()) for r in relays]
    try:
        await pay_capture_refund(h, 8)
        await wait_outbox_empty(h.hub)
        await assert_all_arrived(h, broker.bootstrap, topic, duplicates_allowed=False)
        assert sorted(r.published for r in relays)[0] == 0  # the lease: one relay published it all
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await h.client.aclose()
        await h.hub.stop()
