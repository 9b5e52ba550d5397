"""``payhub events replay --from EVENT_ID``: that event and every later one are published again."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from hub.stream.outbox import replay_from
from tests.stream.kafka_kit import read_topic
from tests.stream.test_relay_order import (
    events_in_order,
    pay_capture_refund,
    streaming_harness,
    wait_lag_zero,
)


async def test_replay_from_an_event_republishes_it_and_every_later_one(
    db_url, tmp_path, broker, topic
) -> None:
    h = await streaming_harness(db_url, tmp_path, broker.bootstrap, topic)
    try:
        await pay_capture_refund(h, 3)
        await wait_lag_zero(h)
        events = await events_in_order(h.hub)
        start = len(events) // 2
        assert await replay_from(h.hub.engine, events[start]["id"]) == len(events) - start
        await wait_lag_zero(h)
        records = await asyncio.to_thread(read_topic, broker.bootstrap, topic, want=2 * len(events) - start)
        ids = [r.event_id for r in records]
        assert sorted(ids) == sorted([e["id"] for e in events] + [e["id"] for e in events[start:]])
        assert await replay_from(h.hub.engine, "evt_nope") is None
    finally:
        await h.client.aclose()
        await h.hub.stop()


def test_cli_replay_of_an_unknown_event_exits_1(tmp_path) -> None:
    env = {
        **os.environ,
        "PAYHUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
        "PAYHUB_MASTER_KEY_FILE": str(tmp_path / "k"),
    }
    out = subprocess.run(
        [sys.executable, "-m", "hub.cli", "events", "replay", "--from", "evt_nope"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1, out.stderr
    assert "no event 'evt_nope'" in out.stdout
