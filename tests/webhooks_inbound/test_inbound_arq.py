"""Inbound webhooks on the split deployment: jobs through arq + Redis (PAYHUB_REDIS_URL), a worker
applying them, and a Redis flush that loses the job but not the event."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest

from hub.jobs.arq_runner import ArqRunner, create_worker, worker_settings
from tests.conftest import IN_CI, flush_test_redis, redis_test_url
from tests.webhooks_inbound.conftest import close_world, make_world, sim_events, standard_signed

pytestmark = pytest.mark.redis


async def _redis_or_skip() -> None:
    from redis.asyncio import Redis

    r = Redis.from_url(redis_test_url())
    try:
        await r.ping()
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"Redis is required in CI and is unreachable: {exc}")
        pytest.skip(f"Redis unreachable: {exc}")
    finally:
        await r.aclose()


async def _wait_status(world: Any, payment_id: str, want: str, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while (await world.payment(payment_id))["status"] != want:
            await asyncio.sleep(0.05)


async def test_worker_applies_webhooks_and_sweep_recovers_a_flushed_job(db_url: str, tmp_path: Path) -> None:
    await _redis_or_skip()
    flush_test_redis()
    world = await make_world(db_url, tmp_path, env={"PAYHUB_REDIS_URL": redis_test_url()})
    assert isinstance(world.hub.jobs, ArqRunner)
    settings = worker_settings(lambda: world.hub)
    assert "cron:sweep_webhook_inbox" in [c.name for c in settings["cron_jobs"]]
    world.hub.inbox.lost_job_after = 0.0
    worker = None
    run: asyncio.Task[Any] | None = None
    try:
        p = await world.pay()
        world.faults["sandbox"].drop_after_processing(method="POST", path=r"/capture$")
        assert (await world.h.post(f"/v1/payments/{p['id']}/capture", {})).json()["status"] == "processing"
        [(body, msg_id)] = sim_events(world, "charge.captured")
        assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
        await world.hub.inbox.dispatcher.join()  # enqueued after the answer...
        flush_test_redis()  # ...and gone with Redis' contents

        worker = create_worker(settings, handle_signals=False, cron_jobs=[])
        run = asyncio.create_task(worker.async_run())
        await asyncio.sleep(0.5)
        assert (await world.payment(p["id"]))["status"] == "processing"  # nothing left to run
        [row] = await world.inbox()
        assert await world.hub.inbox.sweep() == [row["id"]]
        await _wait_status(world, p["id"], "captured")

        # the provider delivers the event again: acknowledged, not applied twice
        assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
        await asyncio.sleep(0.3)
        rows = await world.inbox()
        assert len(rows) == 1 and rows[0]["status"] == "processed"
        paid = await world.payment(p["id"])
        assert paid["status"] == "captured" and paid["amount_captured"] == 1099
    finally:
        if worker is not None:
            with contextlib.suppress(BaseException):
                await worker.close()
        if run is not None:
            run.cancel()
            with contextlib.suppress(BaseException):
                await run
        await close_world(world)
        flush_test_redis()
