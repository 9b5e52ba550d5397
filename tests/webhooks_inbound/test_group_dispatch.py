"""Concurrent deliveries share their processing job (hub.services.inbox_dispatch), and the job is
only a hint: a delivery acknowledged whose job is never enqueued (the hub killed right after the
2xx, Redis down) is applied all the same, by the sweeper, from the database."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hub.services.inbox import BATCH_JOB, PROCESS_JOB
from tests.webhooks_inbound.conftest import World, sim_events, standard_signed


class Recording:
    """The hub's job runner, recording what is enqueued (and failing it when told to)."""

    def __init__(self, inner: Any, *, fail: bool = False) -> None:
        self.inner, self.fail = inner, fail
        self.jobs: list[dict[str, Any]] = []

    def register(self, name: str, task: Any) -> None:
        self.inner.register(name, task)

    async def enqueue(self, name: str, *, delay: float = 0.0, job_id: str | None = None, **kw: Any) -> None:
        self.jobs.append({"name": name, "job_id": job_id, **kw})
        if self.fail:
            raise ConnectionError("Redis is down")
        await self.inner.enqueue(name, delay=delay, job_id=job_id, **kw)

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def _variants(world: World, n: int) -> list[tuple[bytes, str]]:
    """``n`` deliveries of the simulator's charge.authorized event under new event ids."""
    [(body, msg_id)] = sim_events(world, "charge.authorized")
    out = []
    for i in range(n):
        doc = json.loads(body)
        doc["id"] = f"{msg_id}_copy{i}"
        out.append((json.dumps(doc).encode(), doc["id"]))
    return out


async def test_concurrent_deliveries_share_jobs_and_every_row_is_in_exactly_one(world: World) -> None:
    await world.pay()
    runner = world.hub.inbox.jobs
    recording = world.hub.inbox.jobs = Recording(runner)
    deliveries = _variants(world, 30)
    answers = await asyncio.gather(
        *(world.webhook("sandbox", body, standard_signed(body, msg_id)) for body, msg_id in deliveries)
    )
    assert [a.status_code for a in answers] == [200] * 30
    await world.hub.inbox.dispatcher.join()
    world.hub.inbox.jobs = runner
    rows = await world.inbox()
    assert len(rows) == 30
    queued = [j.get("inbox_ids") or [j["inbox_id"]] for j in recording.jobs]
    assert sorted(i for ids in queued for i in ids) == sorted(r["id"] for r in rows)  # each once
    assert len(recording.jobs) < 30  # deliveries shared jobs
    assert any(j["name"] == BATCH_JOB for j in recording.jobs)
    assert all(j["name"] in (BATCH_JOB, PROCESS_JOB) for j in recording.jobs)
    await world.settle()
    assert {r["status"] for r in await world.inbox()} == {"processed"}


async def _ambiguous_capture(world: World) -> tuple[dict[str, Any], bytes, str]:
    p = await world.pay()
    world.faults["sandbox"].drop_after_processing(method="POST", path=r"/capture$")
    assert (await world.h.post(f"/v1/payments/{p['id']}/capture", {})).json()["status"] == "processing"
    [(body, msg_id)] = sim_events(world, "charge.captured")
    return p, body, msg_id


async def test_hub_killed_after_the_2xx_before_the_enqueue_the_sweeper_applies_it(world: World) -> None:
    inbox = world.hub.inbox
    inbox.lost_job_after = 0.0  # due for the sweeper at once (30 s in production)
    p, body, msg_id = await _ambiguous_capture(world)
    enqueued: list[list[str]] = []
    dropped = asyncio.get_running_loop().create_future()
    dropped.set_result(None)

    def dies_before_enqueue(ids: list[str]) -> asyncio.Future[None]:
        enqueued.append(ids)  # handed in, and the process is gone before its job is enqueued
        return dropped

    inbox.dispatcher.submit = dies_before_enqueue  # type: ignore[method-assign]
    assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
    [row] = await world.inbox()
    assert enqueued == [[row["id"]]] and row["status"] == "received"  # stored, no job
    await asyncio.sleep(0.2)
    assert (await world.payment(p["id"]))["status"] == "processing"

    inbox._open.clear()  # a fresh process knows nothing of it: only the database does
    assert await inbox.sweep() == [row["id"]]
    await world.settle()
    paid = await world.payment(p["id"])
    assert paid["status"] == "captured" and paid["amount_captured"] == 1099


async def test_redis_down_at_enqueue_the_delivery_is_acknowledged_and_swept_later(world: World) -> None:
    inbox = world.hub.inbox
    inbox.lost_job_after = 0.0
    p, body, msg_id = await _ambiguous_capture(world)
    runner = inbox.jobs
    failing = inbox.jobs = Recording(runner, fail=True)
    try:
        assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
        await inbox.dispatcher.join()
    finally:
        inbox.jobs = runner
    [row] = await world.inbox()
    assert [j["name"] for j in failing.jobs] == [PROCESS_JOB] and row["status"] == "received"
    assert await inbox.sweep() == [row["id"]]
    await world.settle()
    assert (await world.payment(p["id"]))["status"] == "captured"
