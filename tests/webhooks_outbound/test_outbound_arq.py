"""Outbound deliveries through arq on Redis (this test run's own db index): the split deployment.

``payhub worker`` runs the dispatcher as a cron job and the deliveries as jobs. A
Redis flush loses queued jobs but no delivery: the dispatcher re-reads the database.
In CI (CI=true) an unreachable Redis FAILS the test; elsewhere it is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from hub.jobs.arq_runner import ArqRunner, create_worker, worker_settings
from tests.conftest import flush_test_redis

pytestmark = pytest.mark.redis

ARQ_TOML = """
[webhooks]
dispatch_interval = 1.0
timeout = 2.0
retry_schedule = [0.5, 0.5]
"""


async def test_worker_delivers_signed_events_and_recovers_after_flushdb(
    make_harness: Any, subscriber: Any, redis_db: Any, redis_url: str
) -> None:
    h, kit = await make_harness(ARQ_TOML, PAYHUB_REDIS_URL=redis_url)
    assert isinstance(h.hub.jobs, ArqRunner)
    settings = worker_settings(lambda: h.hub)
    assert "cron:dispatch_webhooks" in [c.name for c in settings["cron_jobs"]]
    assert "deliver_webhook" in h.hub.jobs.names

    subscriber.statuses["hook"] = [500, 200]
    ep = await kit.subscribe(subscriber.url("hook"), ["payment.*"])
    p = await kit.pay()

    # the dispatcher hands the delivery to Redis; then Redis loses it before any worker ran
    (delivery_id,) = await h.hub.deliveries.dispatch()
    assert await redis_db.zcard(h.hub.jobs.queue_name) == 1
    flush_test_redis()
    worker = create_worker(settings, handle_signals=False)
    run = asyncio.create_task(worker.async_run())
    try:
        got = await subscriber.wait("hook", 2, timeout=15)  # 500, then retried to 200
        event = Webhook(ep["secret"]).verify(got[1].body, got[1].headers)
        assert event["type"] == "payment.authorized" and event["data"]["object"]["id"] == p["id"]
        (delivery,) = await kit.settled(ep["id"], timeout=10)
        assert delivery["id"] == delivery_id
        assert delivery["status"] == "delivered" and delivery["attempts"] == 2

        assert (await h.post(f"/v1/payments/{p['id']}/capture", {})).status_code == 200
        got = await subscriber.wait("hook", 3, timeout=10)
        assert Webhook(ep["secret"]).verify(got[2].body, got[2].headers)["type"] == "payment.captured"
    finally:
        # arq's close() gathers the job tasks it cancels: a CancelledError there is teardown
        with contextlib.suppress(BaseException):
            await worker.close()
        run.cancel()
        with contextlib.suppress(BaseException):
            await run
