"""GET /v1/admin/stats: per-account health over a window, the review queue, the resolution backlog."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from hub.domain.errors import ValidationFailed
from hub.services.stats import parse_window, percentile
from hub.store import tables as t
from tests.telemetry.conftest import DECLINE, HANG, OK, pay


async def _op_of(h, payment_id: str) -> dict:
    async with h.hub.engine.connect() as conn:
        row = (
            (await conn.execute(select(t.operations).where(t.operations.c.resource_id == payment_id)))
            .mappings()
            .first()
        )
    return dict(row)


async def _set_op(h, op_id: str, **values) -> None:
    async with h.hub.engine.begin() as conn:
        await conn.execute(update(t.operations).where(t.operations.c.id == op_id).values(**values))


async def test_success_rate_latency_and_counts_per_account(th):
    for number in (OK, OK, OK, DECLINE):
        assert (await th.post("/v1/payments", pay(number))).status_code == 201
    r = await th.get("/v1/admin/stats")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["window_seconds"] == 3600
    (sandbox,) = [a for a in body["accounts"] if a["account"] == "sandbox"]
    assert sandbox["operations"] == 4
    assert sandbox["by_status"] == {"failed": 1, "succeeded": 3}
    assert sandbox["success_rate"] == 0.75
    assert sandbox["unknown"] == 0
    latency = sandbox["latency_ms"]
    assert latency["samples"] == 4
    assert latency["p50"] is not None and 0 <= latency["p50"] <= latency["p95"]
    assert body["requires_review"] == {"count": 0, "operations": []}
    assert body["resolution_backlog"] == {"unknown": 0, "pending_overdue": 0, "requires_review": 0}


async def test_unknown_and_review_are_counted_and_listed(slow_th):
    ok = (await slow_th.post("/v1/payments", pay(OK))).json()
    hang = (await slow_th.post("/v1/payments", pay(HANG))).json()
    assert hang["status"] == "processing"
    body = (await slow_th.get("/v1/admin/stats")).json()
    (sandbox,) = body["accounts"]
    assert sandbox["unknown"] == 1
    assert sandbox["success_rate"] == 1.0  # an unknown is not (yet) a failure
    assert body["resolution_backlog"]["unknown"] == 1

    op = await _op_of(slow_th, hang["id"])
    await _set_op(slow_th, op["id"], requires_review=True, next_check_at=None)
    body = (await slow_th.get("/v1/admin/stats")).json()
    assert body["requires_review"]["count"] == 1
    assert [o["id"] for o in body["requires_review"]["operations"]] == [op["id"]]
    assert body["requires_review"]["operations"][0]["resource_id"] == hang["id"]
    assert body["resolution_backlog"] == {"unknown": 0, "pending_overdue": 0, "requires_review": 1}
    assert ok["id"] not in str(body["requires_review"])


async def test_a_pending_call_past_its_lease_is_overdue_backlog(slow_th):
    pid = (await slow_th.post("/v1/payments", pay(OK))).json()["id"]
    op = await _op_of(slow_th, pid)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    await _set_op(slow_th, op["id"], status="pending", lease_until=past, resolved_at=None)
    body = (await slow_th.get("/v1/admin/stats")).json()
    assert body["resolution_backlog"]["pending_overdue"] == 1
    assert body["accounts"][0]["success_rate"] is None  # nothing definite in the window


async def test_the_window_decides_which_operations_count(th):
    old = (await th.post("/v1/payments", pay(DECLINE))).json()
    await th.post("/v1/payments", pay(OK))
    op = await _op_of(th, old["id"])
    await _set_op(th, op["id"], created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    last_hour = (await th.get("/v1/admin/stats")).json()["accounts"][0]
    assert (last_hour["operations"], last_hour["success_rate"]) == (1, 1.0)
    three_hours = (await th.get("/v1/admin/stats", window="3h")).json()
    assert three_hours["window_seconds"] == 10800
    assert (three_hours["accounts"][0]["operations"], three_hours["accounts"][0]["success_rate"]) == (2, 0.5)


async def test_stats_are_for_admins_only(th):
    for role in ("payments", "read", "auditor"):
        r = await th.get("/v1/admin/stats", key=await th.new_key(role))
        assert r.status_code == 403, role
        assert r.json()["code"] == "forbidden"
    assert (await th.client.get("/v1/admin/stats")).status_code == 401


async def test_a_bad_window_is_a_validation_error(th):
    for bad in ("forever", "0", "-5m", "40d"):
        r = await th.get("/v1/admin/stats", window=bad)
        assert r.status_code == 422, bad
        assert r.json()["code"] == "validation_error"


def test_window_parsing():
    assert parse_window(None) == 3600
    assert [parse_window(w) for w in ("90", "90s", "15m", "1h", "7d")] == [90, 90, 900, 3600, 604800]
    with pytest.raises(ValidationFailed):
        parse_window("1w")


def test_nearest_rank_percentiles():
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.95)) == (50, 95)
    assert percentile([7], 0.95) == 7
    assert percentile([], 0.5) is None
