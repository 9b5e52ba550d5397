"""The arq runner against a real Redis (this test run's own db index, flushed first).

In CI (CI=true) an unreachable Redis FAILS the test; elsewhere it is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hub.jobs.arq_runner import ArqRunner, create_worker, worker_settings
from tests.conftest import flush_test_redis
from tests.resolution.conftest import (
    FAST_TOML,
    HANG,
    REDIS_URL,
    SERVER_ERROR,
    close_harness,
    op_of,
    pay,
    redis_required,
    wait_status,
    wired_harness,
)

pytestmark = pytest.mark.redis

ARQ_TOML = FAST_TOML.replace("schedule = [0.3, 0.5, 1.0, 2.0]", "schedule = [1.0, 1.0, 2.0]")


@pytest.fixture
async def redis_db() -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    r = Redis.from_url(REDIS_URL)
    try:
        await r.ping()
    except Exception as exc:
        await r.aclose()
        redis_required(exc)
    flush_test_redis()
    try:
        yield r
    finally:
        flush_test_redis()
        await r.aclose()


async def test_arq_enqueue_worker_runs_and_sweep_recovers_after_flushdb(
    db_url: str, tmp_path: Path, redis_db: Any
) -> None:
    seen: list[str] = []

    async def probe(value: str) -> None:
        seen.append(value)

    h = await wired_harness(db_url, tmp_path, ARQ_TOML, redis_url=REDIS_URL)
    jobs = h.hub.jobs
    assert isinstance(jobs, ArqRunner)  # the runtime picked arq because Redis is configured
    jobs.register("probe", probe)
    settings = worker_settings(lambda: h.hub)
    assert "cron:sweep_operations" in [c.name for c in settings["cron_jobs"]]
    assert settings["poll_delay"] == 0.05 and settings["keep_result"] == 0
    # no cron in the test: the sweep below must be the one that recovers the lost job
    worker = create_worker(settings, handle_signals=False, cron_jobs=[])
    run = asyncio.create_task(worker.async_run())
    try:
        # a plain job, deduped by job_id while queued
        await jobs.enqueue("probe", delay=0.2, job_id="probe-1", value="a")
        await jobs.enqueue("probe", delay=0.2, job_id="probe-1", value="b")
        async with asyncio.timeout(5):
            while not seen:
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        assert seen == ["a"]

        # on_unknown enqueues into Redis; the worker resolves it
        p = (await h.post("/v1/payments", pay(HANG))).json()
        assert p["status"] == "processing"
        await wait_status(h, p["id"], "authorized", timeout=15)

        # the job is lost (FLUSHDB) while the operation awaits its check
        p2 = (await h.post("/v1/payments", pay(SERVER_ERROR))).json()
        assert p2["status"] == "processing"
        await asyncio.gather(*list(h.hub.resolver._background))  # the enqueue reached Redis
        assert await redis_db.zcard(jobs.queue_name) == 1
        flush_test_redis()
        await asyncio.sleep(1.5)  # past next_check_at: nothing runs, nothing is queued
        r = await h.get(f"/v1/payments/{p2['id']}")
        assert r.json()["status"] == "processing"
        op = await op_of(h.hub, p2["id"])
        assert await h.hub.resolver.sweep() == [op["id"]]
        await wait_status(h, p2["id"], "failed", timeout=10)
    finally:
        with contextlib.suppress(BaseException):
            await worker.close()
        run.cancel()
        with contextlib.suppress(BaseException):
            await run
        await close_harness(h)
