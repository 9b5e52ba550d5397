"""InProcessRunner: delay, dedupe by job_id while queued, errors logged, clean stop, periodic."""

from __future__ import annotations

import asyncio

import pytest

from hub.jobs.inprocess import InProcessRunner


async def test_delay_dedupe_and_errors() -> None:
    runner = InProcessRunner()
    seen: list[str] = []

    async def task(value: str) -> None:
        if value == "boom":
            raise RuntimeError("boom")
        seen.append(value)

    runner.register("t", task)
    await runner.start()
    await runner.enqueue("t", delay=0.1, job_id="j", value="a")
    await runner.enqueue("t", delay=0.1, job_id="j", value="b")  # queued: deduped
    await runner.enqueue("t", value="boom")  # logged, not raised
    await runner.enqueue("t", value="c")
    async with asyncio.timeout(2):
        await runner.join()
    assert sorted(seen) == ["a", "c"]
    await runner.enqueue("t", job_id="j", value="d")  # ran already: the id is free again
    async with asyncio.timeout(2):
        await runner.join()
    assert "d" in seen
    with pytest.raises(LookupError):
        await runner.enqueue("nope")
    await runner.stop()


async def test_stop_cancels_queued_and_periodic() -> None:
    runner = InProcessRunner()
    ran: list[int] = []

    async def tick() -> None:
        ran.append(1)

    runner.register("tick", tick)
    runner.every("tick", 0.05)
    await runner.start()
    await runner.enqueue("tick", delay=10)
    await asyncio.sleep(0.2)
    assert len(ran) >= 2 and runner.pending == 1
    await runner.stop()
    assert runner.pending == 0
    n = len(ran)
    await runner.enqueue("tick")  # after stop: dropped (the sweeper recovers real work)
    await asyncio.sleep(0.1)
    assert len(ran) == n
