"""A batch job's rows are applied in one transaction (hub.services.inbox: locked together, each
decided as a lone row would be, marked together), and an error in one row is still that row's
own: the batch falls back to one transaction per row."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from hub.services import inbox as inbox_module
from hub.services import inbox_match
from hub.services.inbox import BATCH_JOB
from tests.webhooks_inbound.conftest import LostJobs, World, sim_events, standard_signed


async def _ambiguous_capture(world: World) -> dict[str, Any]:
    p = await world.pay()
    world.faults["sandbox"].drop_after_processing(method="POST", path=r"/capture$")
    assert (await world.h.post(f"/v1/payments/{p['id']}/capture", {})).json()["status"] == "processing"
    return p


async def _stored_without_jobs(world: World, deliveries: list[tuple[bytes, str]]) -> list[str]:
    """Deliver the events with every job lost, so that only the batch job below applies them."""
    inbox = world.hub.inbox
    runner, inbox.jobs = inbox.jobs, LostJobs()
    try:
        for body, msg_id in deliveries:
            assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
        await inbox.dispatcher.join()
    finally:
        inbox.jobs = runner
    rows = await world.inbox()
    assert {r["status"] for r in rows} == {"received"}
    return [r["id"] for r in rows]


def _copy(body: bytes, msg_id: str, suffix: str) -> tuple[bytes, str]:
    doc = json.loads(body)
    doc["id"] = f"{msg_id}_{suffix}"
    return json.dumps(doc).encode(), doc["id"]


async def _webhook_attempts(world: World, payment_id: str, kind: str) -> int:
    [op] = [o for o in await world.operations(payment_id) if o["kind"] == kind]
    return sum(1 for a in await world.attempts(op["id"]) if a["action"] == "webhook")


async def test_one_batch_applies_each_event_once_as_lone_jobs_would(world: World) -> None:
    a, b = await _ambiguous_capture(world), await _ambiguous_capture(world)
    captured = sim_events(world, "charge.captured")
    assert len(captured) == 2
    [authorized_a, _] = sim_events(world, "charge.authorized")
    # A's capture news twice (a redelivery under a new event id), B's, and old news about A
    deliveries = [captured[0], _copy(*captured[0], "again"), captured[1], authorized_a]
    ids = await _stored_without_jobs(world, deliveries)

    await world.hub.inbox.jobs.enqueue(BATCH_JOB, job_id="inbox-batch:test", inbox_ids=ids)
    await world.settle()

    for p in (a, b):
        paid = await world.payment(p["id"])
        assert paid["status"] == "captured" and paid["amount_captured"] == 1099
    assert await _webhook_attempts(world, a["id"], "capture") == 1  # the redelivery applied nothing
    assert await _webhook_attempts(world, b["id"], "capture") == 1
    rows = {r["id"]: r for r in await world.inbox()}
    assert [rows[i]["status"] for i in ids] == ["processed"] * 4
    assert "already succeeded" in rows[ids[1]]["error"]  # the note says why nothing was applied
    assert all(rows[i]["attempts"] == 1 and rows[i]["processed_at"] is not None for i in ids)


async def test_a_row_that_raises_leaves_the_rest_of_its_batch_applied(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = await _ambiguous_capture(world), await _ambiguous_capture(world)
    ids = await _stored_without_jobs(world, sim_events(world, "charge.captured"))
    decide = inbox_module.decide

    async def breaks_on_b(conn: Any, account_id: str, event: Any, now: Any = None, **kw: Any) -> Any:
        if event.payment_id == b["id"]:
            raise RuntimeError("the database hiccuped")
        return await decide(conn, account_id, event, now, **kw)

    monkeypatch.setattr(inbox_module, "decide", breaks_on_b)
    inbox = world.hub.inbox
    runner, inbox.jobs = inbox.jobs, LostJobs()  # keep B's retry job from running at once
    try:
        with caplog.at_level(logging.WARNING, logger="payhub.webhooks"):
            await inbox._process_batch_job(ids)
    finally:
        inbox.jobs = runner
    assert any("one by one" in r.getMessage() for r in caplog.records)

    assert (await world.payment(a["id"]))["status"] == "captured"
    assert (await world.payment(b["id"]))["status"] == "processing"
    rows = {r["id"]: r for r in await world.inbox()}
    assert rows[ids[0]]["status"] == "processed"
    assert rows[ids[1]]["status"] == "retry" and rows[ids[1]]["attempts"] == 1
    assert "RuntimeError: the database hiccuped" in rows[ids[1]]["error"]

    monkeypatch.setattr(inbox_module, "decide", decide)  # fixed: the retry applies it
    await asyncio.sleep(0.1)  # its retry is due
    assert ids[1] in await inbox.sweep()
    await world.settle()
    assert (await world.payment(b["id"]))["status"] == "captured"
    assert await _webhook_attempts(world, a["id"], "capture") == 1


async def test_a_batch_locks_the_payments_it_echoes_in_one_statement(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redeliveries of news already applied: the batch reads the payments it locked ahead
    (PostgreSQL: one statement for all of them, none per event) and notes each as applied."""
    a, b = await world.pay(), await world.pay()
    news = sim_events(world, "charge.authorized")  # these match by the hub's id echoed back
    assert len(news) == 2
    for body, msg_id in news:
        assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
    await world.settle()
    before = {r["id"] for r in await world.inbox()}

    inbox = world.hub.inbox
    runner, inbox.jobs = inbox.jobs, LostJobs()
    try:
        for body, msg_id in [_copy(*n, "again") for n in news]:
            assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
        await inbox.dispatcher.join()
    finally:
        inbox.jobs = runner
    ids = [r["id"] for r in await world.inbox() if r["id"] not in before]
    assert len(ids) == 2

    one_by_one = []
    lone = inbox_match.locked_with_operations

    async def counted(*args: Any, **kw: Any) -> Any:
        one_by_one.append(args[2])
        return await lone(*args, **kw)

    monkeypatch.setattr(inbox_match, "locked_with_operations", counted)
    await inbox._process_batch_job(ids)

    postgres = world.hub.engine.dialect.name == "postgresql"
    assert sorted(one_by_one) == ([] if postgres else sorted([a["id"], b["id"]]))
    rows = {r["id"]: r for r in await world.inbox()}
    assert [rows[i]["status"] for i in ids] == ["processed", "processed"]
    for p in (a, b):
        assert (await world.payment(p["id"]))["status"] == "authorized"
        assert await _webhook_attempts(world, p["id"], "authorize") == 0
