"""Lost jobs, retries, replay (API and `payhub webhooks replay`): nothing lost, nothing applied twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path

import pytest

from hub.cli import main as payhub
from tests.conftest import ADMIN_KEY
from tests.webhooks_inbound.conftest import (
    LostJobs,
    World,
    count_events,
    sim_events,
    standard_signed,
    stripe_signed,
)


async def _captured_by_webhook_lost_job(world: World) -> tuple[dict[str, object], str]:
    """An ambiguous capture whose webhook was stored but whose processing job was lost."""
    p = await world.pay()
    world.faults["sandbox"].drop_after_processing(method="POST", path=r"/capture$")
    assert (await world.h.post(f"/v1/payments/{p['id']}/capture", {})).json()["status"] == "processing"
    [(body, msg_id)] = sim_events(world, "charge.captured")
    runner, lost = world.hub.inbox.jobs, LostJobs()
    world.hub.inbox.jobs = lost
    try:
        assert (await world.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
        await world.hub.inbox.dispatcher.join()  # the job is enqueued after the answer
    finally:
        world.hub.inbox.jobs = runner
    assert [j["name"] for j in lost.lost] == ["process_webhook"]
    [row] = await world.inbox()
    assert row["status"] == "received"
    assert (await world.payment(p["id"]))["status"] == "processing"
    return p, row["id"]


async def test_sweep_recovers_a_lost_job(world: World) -> None:
    world.hub.inbox.lost_job_after = 0.0  # the row is due for the sweeper at once
    p, inbox_id = await _captured_by_webhook_lost_job(world)
    assert await world.hub.inbox.sweep() == [inbox_id]
    await world.settle()
    assert (await world.payment(p["id"]))["status"] == "captured"
    assert await world.hub.inbox.sweep() == []  # nothing left to do


async def test_sweep_leaves_a_fresh_row_to_its_job(world: World) -> None:
    p, _inbox_id = await _captured_by_webhook_lost_job(world)  # lost_job_after: 30 s
    assert await world.hub.inbox.sweep() == []
    assert (await world.payment(p["id"]))["status"] == "processing"


async def test_replay_by_account_and_time_applies_then_never_double_applies(world: World) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    p, inbox_id = await _captured_by_webhook_lost_job(world)
    inbox = world.hub.inbox

    before = await inbox.replay(account_id="sandbox", since=start - dt.timedelta(hours=1), until=start)
    assert before == []  # outside the range: untouched
    [first] = await inbox.replay(account_id="sandbox", since=start, until=dt.datetime.now(dt.UTC))
    assert (first.inbox_id, first.before, first.after) == (inbox_id, "received", "processed")
    paid = await world.payment(p["id"])
    assert paid["status"] == "captured" and paid["amount_captured"] == 1099

    [again] = await inbox.replay(ids=[inbox_id])
    assert again.after == "processed" and "already succeeded" in (again.note or "")
    assert (await world.payment(p["id"]))["amount_captured"] == 1099
    assert await count_events(world, "payment.captured", p["id"]) == 1
    capture = next(o for o in await world.operations(p["id"]) if o["kind"] == "capture")
    assert len([a for a in await world.attempts(capture["id"]) if a["action"] == "webhook"]) == 1


async def test_unmatched_event_is_retried_then_failed_and_visible(world: World) -> None:
    world.hub.inbox.max_attempts = 3
    doc = {
        "id": "evt_foreign_1",
        "object": "event",
        "created": int(time.time()),
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": "pi_not_ours",
                "object": "payment_intent",
                "amount": 500,
                "amount_received": 500,
                "currency": "eur",
                "status": "succeeded",
                "capture_method": "automatic",
                "metadata": {"payhub_payment_id": "pay_unknown"},
            }
        },
    }
    body = json.dumps(doc).encode()
    r = await world.webhook("stripe-eu", body, stripe_signed(body, world.stripe.world.webhook_secret))
    assert r.status_code == 200  # stored and acknowledged: the provider must not retry for ever
    await world.settle()
    [row] = await world.inbox()
    assert row["status"] == "failed" and row["attempts"] == 3
    assert "no payment" in row["error"]
    listed = [r["id"] for r in await world.hub.inbox.rows(status="failed")]
    assert listed == [row["id"]]


@pytest.fixture
def cli_env(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment `payhub` runs with against the test's database."""
    monkeypatch.setenv("PAYHUB_DATABASE_URL", world.hub.settings.database_url)
    monkeypatch.setenv("PAYHUB_MASTER_KEY_FILE", str(tmp_path / "payhub.key"))
    monkeypatch.setenv("PAYHUB_BOOTSTRAP_API_KEY", ADMIN_KEY)
    monkeypatch.setenv("PAYHUB_LOG_FORMAT", "text")
    return tmp_path / "payhub.toml"


async def test_cli_replay_by_id(world: World, cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p, inbox_id = await _captured_by_webhook_lost_job(world)
    code = await asyncio.to_thread(payhub, ["--config", str(cli_env), "webhooks", "replay", "--id", inbox_id])
    out = capsys.readouterr().out
    assert code == 0
    assert f"{inbox_id} sandbox charge.captured received -> processed" in out
    assert "1 event(s) replayed" in out
    assert (await world.payment(p["id"]))["status"] == "captured"

    code = await asyncio.to_thread(
        payhub, ["--config", str(cli_env), "webhooks", "replay", "--id", "whin_nope"]
    )
    assert code == 1 and "no such inbox row" in capsys.readouterr().out
