"""Ambiguous operations become certain: lookup after a hang / a 500, deadline -> review, sweeper."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import select

from adapters.base import Outcome, OutcomeStatus
from adapters.simulator.app import sim_state
from hub.domain.errors import InvalidState
from hub.store import tables as t
from tests.resolution.conftest import HANG, OK, SERVER_ERROR, op_by_id, op_of, pay, set_op, wait_status


def sim(h: Any) -> Any:
    return sim_state(h.simulator)


async def test_hang_card_is_processing_then_authorized_with_one_charge(rh) -> None:
    r = await rh.post("/v1/payments", pay(HANG))
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["status"] == "processing"
    op = await op_of(rh.hub, p["id"])
    assert op["status"] == "unknown" and op["next_check_at"] is not None

    # the in-process job (enqueued by on_unknown) resolves it by lookup
    done = await wait_status(rh, p["id"], "authorized")
    assert done["provider_reference"] and done["requires_review"] is False
    op = await op_of(rh.hub, p["id"])
    assert op["status"] == "succeeded" and op["resolved_at"] is not None and op["next_check_at"] is None
    assert sim(rh).count("authorize") == 1

    r = await rh.get(f"/v1/admin/operations/{op['id']}")
    assert r.status_code == 200
    actions = [(a["action"], a["outcome"]) for a in r.json()["attempts"]]
    assert actions[0] == ("call", "unknown") and ("lookup", "succeeded") in actions

    # resolving again changes nothing and calls nobody
    requests = sim(rh).requests
    await rh.hub.resolver.resolve_operation(op["id"])
    assert sim(rh).requests == requests


async def test_500_card_resolves_failed_never_authorized(rh) -> None:
    r = await rh.post("/v1/payments", pay(SERVER_ERROR))
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["status"] == "processing"
    op = await op_of(rh.hub, p["id"])
    await rh.hub.resolver.resolve_operation(op["id"])  # directly, racing the job: both are safe
    done = await wait_status(rh, p["id"], "failed")
    assert done["failure"]["code"] == "provider_error"
    await rh.hub.jobs.join()
    async with rh.hub.engine.connect() as conn:
        types = (
            (await conn.execute(select(t.events.c.type).where(t.events.c.resource_id == p["id"])))
            .scalars()
            .all()
        )
    assert "payment.authorized" not in types and "payment.failed" in types
    assert sim(rh).count("authorize") == 0
    assert (await op_of(rh.hub, p["id"]))["status"] == "failed"


async def test_backoff_then_deadline_flags_review_and_admin_settles(rh, monkeypatch) -> None:
    provider = rh.hub.providers.get("sandbox")
    lookups: list[str] = []

    async def lookup_down(request: Any) -> Outcome:
        lookups.append(request.operation_id)
        return Outcome(status=OutcomeStatus.UNKNOWN, reason="lookup endpoint unavailable")

    monkeypatch.setattr(provider.adapter, "lookup", lookup_down)
    r = await rh.post("/v1/payments", pay(HANG))
    p = r.json()
    assert p["status"] == "processing"
    op = await op_of(rh.hub, p["id"])

    # the schedule is followed: each still-unknown check enqueues the next one
    async with asyncio.timeout(10):
        while len(lookups) < 2 or (await op_by_id(rh.hub, op["id"]))["attempts"] < 3:
            await asyncio.sleep(0.05)  # the second check has called and recorded its answer
    op = await op_by_id(rh.hub, op["id"])
    assert op["status"] == "unknown" and op["attempts"] >= 3 and op["requires_review"] is False

    # the deadline passes
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    await set_op(rh.hub, op["id"], deadline_at=past)
    await rh.hub.resolver.resolve_operation(op["id"])
    op = await op_by_id(rh.hub, op["id"])
    assert op["requires_review"] is True and op["status"] == "unknown" and op["next_check_at"] is None
    r = await rh.get(f"/v1/payments/{p['id']}")
    assert r.json()["requires_review"] is True and r.json()["status"] == "processing"
    async with rh.hub.engine.connect() as conn:
        events = (
            (await conn.execute(select(t.events).where(t.events.c.type == "operation.requires_review")))
            .mappings()
            .all()
        )
    assert len(events) == 1 and events[0]["resource_id"] == op["id"]
    assert events[0]["data"]["payment"]["id"] == p["id"]
    # review stops the automatic checks: nothing due, the sweeper leaves it alone
    assert await rh.hub.resolver.sweep() == []

    # the review queue
    r = await rh.get("/v1/admin/operations", status="requires_review")
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "list" and [o["id"] for o in body["data"]] == [op["id"]]
    assert body["has_more"] is False and body["next_cursor"] is None
    r = await rh.get("/v1/admin/operations", status="unknown")
    assert [o["id"] for o in r.json()["data"]] == [op["id"]]

    # not for non-admins
    reader = await rh.new_key("payments")
    r = await rh.get("/v1/admin/operations", key=reader)
    assert r.status_code == 403

    # settle: the admin checked with the provider, it was authorized
    r = await rh.post(
        f"/v1/admin/operations/{op['id']}/settle",
        {"outcome": "succeeded", "reason": "confirmed in the provider dashboard"},
    )
    assert r.status_code == 200, r.text
    settled = r.json()
    assert settled["status"] == "succeeded" and settled["requires_review"] is False
    assert settled["payment"]["status"] == "authorized" and settled["payment"]["requires_review"] is False
    r = await rh.get(f"/v1/payments/{p['id']}")
    assert r.json()["status"] == "authorized" and r.json()["requires_review"] is False
    r = await rh.get(f"/v1/admin/operations/{op['id']}")
    assert r.json()["attempts"][-1]["action"] == "settle"
    r = await rh.get("/v1/admin/operations", status="requires_review")
    assert r.json()["data"] == []

    # settling twice is refused
    r = await rh.post(f"/v1/admin/operations/{op['id']}/settle", {"outcome": "failed", "reason": "oops"})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "operation_resolved"
    r = await rh.post(f"/v1/admin/operations/{op['id']}/settle", {"outcome": "maybe", "reason": "x"})
    assert r.status_code in (400, 422)


async def test_settle_failed_marks_failure_resolved_manually(rh, monkeypatch) -> None:
    provider = rh.hub.providers.get("sandbox")

    async def lookup_down(request: Any) -> Outcome:
        return Outcome(status=OutcomeStatus.UNKNOWN, reason="down")

    monkeypatch.setattr(provider.adapter, "lookup", lookup_down)
    p = (await rh.post("/v1/payments", pay(SERVER_ERROR))).json()
    op = await op_of(rh.hub, p["id"])
    r = await rh.post(
        f"/v1/admin/operations/{op['id']}/settle", {"outcome": "failed", "reason": "no charge found"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["payment"]["status"] == "failed"
    assert r.json()["payment"]["failure"]["code"] == "resolved_manually"
    assert r.json()["failure"]["message"] == "no charge found"
    await rh.hub.jobs.join()  # the job that was queued finds it certain and does nothing
    assert (await op_of(rh.hub, p["id"]))["status"] == "failed"
    try:
        await rh.hub.resolver.settle(op["id"], "succeeded", "again", None)
    except InvalidState:
        pass
    else:
        raise AssertionError("settle of a certain operation must be refused")


async def test_sweeper_recovers_crashed_call_and_lost_job(rh, monkeypatch) -> None:
    hub = rh.hub
    payments = hub.payments

    # 1. the process "dies" right after the provider charged: txn B never runs
    async def crash_after_call(
        op: Any, provider: Any, call: Any, idem: Any, status_code: int, **_: Any
    ) -> Any:
        await call()
        raise RuntimeError("process killed after the call")

    monkeypatch.setattr(payments, "_run", crash_after_call)
    r = await rh.post("/v1/payments", pay(OK))
    assert r.status_code == 500
    monkeypatch.undo()
    async with hub.engine.connect() as conn:
        crashed = dict((await conn.execute(select(t.operations))).mappings().one())
    assert crashed["status"] == "pending" and crashed["lease_until"] is not None
    assert await hub.resolver.sweep() == []  # lease still running: the call may be alive
    await set_op(hub, crashed["id"], lease_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))

    # 2. an unknown operation whose job was lost (never enqueued)
    payments.on_unknown = None
    p2 = (await rh.post("/v1/payments", pay(SERVER_ERROR))).json()
    assert p2["status"] == "processing"
    payments.on_unknown = hub.resolver.on_unknown
    lost = await op_of(hub, p2["id"])
    assert lost["status"] == "unknown"
    await set_op(hub, lost["id"], next_check_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    assert hub.jobs.pending == 0

    swept = await hub.resolver.sweep()
    assert sorted(swept) == sorted([crashed["id"], lost["id"]])
    await hub.jobs.join()
    r = await rh.get(f"/v1/payments/{crashed['resource_id']}")
    assert r.json()["status"] == "authorized"
    r = await rh.get(f"/v1/payments/{p2['id']}")
    assert r.json()["status"] == "failed"
    assert sim(rh).count("authorize") == 1
    assert await hub.resolver.sweep() == []


async def test_refresh_resolves_on_the_fly(rh) -> None:
    rh.hub.payments.on_unknown = None  # no job: only the on-the-fly resolution
    p = (await rh.post("/v1/payments", pay(SERVER_ERROR))).json()
    assert p["status"] == "processing"
    r = await rh.get(f"/v1/payments/{p['id']}", refresh="true")
    assert r.json()["status"] == "failed"


async def test_webhook_strategy_waits_then_falls_back(rh, monkeypatch) -> None:
    from adapters.base import Capabilities, OperationKind, Strategy

    provider = rh.hub.providers.get("sandbox")
    caps = provider.adapter.capabilities
    webhook_first = Capabilities(
        features=caps.features,
        currencies=caps.currencies,
        resolution={k: (Strategy.WEBHOOK, Strategy.LOOKUP) for k in OperationKind},
    )
    monkeypatch.setattr(provider.adapter, "capabilities", webhook_first)
    p = (await rh.post("/v1/payments", pay(HANG))).json()
    await wait_status(rh, p["id"], "authorized")
    r = await rh.get(f"/v1/admin/operations/{(await op_of(rh.hub, p['id']))['id']}")
    actions = [a["action"] for a in r.json()["attempts"]]
    assert actions[:3] == ["call", "webhook", "webhook"] and actions[3] == "lookup"


async def test_replay_resends_the_same_parameters_under_the_same_key(rh, monkeypatch) -> None:
    """A `replay` strategy resends the original authorization — description included — under
    the operation's provider idempotency key: the simulator (Stripe's semantics) answers with
    the charge it already made instead of refusing a key reused with other parameters.

    A vaulted card without CVC: a CVC is never kept (PCI DSS 3.3.1), so an authorization sent
    with one cannot be replayed byte for byte — that is why adapters prefer `lookup`."""
    from adapters.base import Capabilities, OperationKind, Strategy

    provider = rh.hub.providers.get("sandbox")
    caps = provider.adapter.capabilities
    monkeypatch.setattr(
        provider.adapter,
        "capabilities",
        Capabilities(
            features=caps.features,
            currencies=caps.currencies,
            resolution={k: (Strategy.REPLAY,) for k in OperationKind},
        ),
    )
    pm = await rh.post(
        "/v1/payment-methods", {"type": "card", "card": {"number": HANG, "exp_month": 12, "exp_year": 2031}}
    )
    assert pm.status_code == 201, pm.text
    body = pay(HANG, description="order 1001, blue mug")
    body["payment_method"] = {"type": "card", "token": pm.json()["id"]}
    p = (await rh.post("/v1/payments", body)).json()
    assert p["status"] == "processing"
    done = await wait_status(rh, p["id"], "authorized")
    assert done["provider_reference"]
    assert sim(rh).count("authorize") == 1  # the replay was recognised, not charged again
    assert sim(rh).replays >= 1
    r = await rh.get(f"/v1/admin/operations/{(await op_of(rh.hub, p['id']))['id']}")
    assert ("replay", "succeeded") in [(a["action"], a["outcome"]) for a in r.json()["attempts"]]
