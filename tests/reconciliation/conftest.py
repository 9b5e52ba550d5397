"""Reconciliation tests: a hub with the in-process simulator (`sandbox`), SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from adapters.simulator.app import sim_state
from adapters.simulator.books import Books
from tests.conftest import HubHarness

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}


def pay(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": 1000,
        "currency": "EUR",
        "capture": "automatic",
        "payment_method": {"type": "card", "card": CARD},
    }
    body.update(kw)
    return body


def books(h: HubHarness) -> Books:
    return sim_state(h.simulator).books


def window(minutes: int = 60) -> tuple[str, str]:
    """[now - minutes, now + 1s): every line written so far (the simulator's clock is whole seconds)."""
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(minutes=minutes)
    return start.isoformat().replace("+00:00", "Z"), (now + dt.timedelta(seconds=0)).isoformat().replace(
        "+00:00", "Z"
    )


async def settle_clock() -> None:
    """Let a second pass so the window end covers lines created in the current second."""
    await asyncio.sleep(1.05)


async def reconcile(h: HubHarness, account: str = "sandbox", **body: Any) -> dict[str, Any]:
    """POST /v1/reconciliations, wait for the background job, return the finished run."""
    if "from" not in body:
        await settle_clock()
        body["from"], body["to"] = window()
    r = await h.post("/v1/reconciliations", {"account": account, **body})
    assert r.status_code == 202, r.text
    run = r.json()
    assert run["status"] == "running"
    async with asyncio.timeout(20):
        await h.hub.jobs.join()
    got = await h.get(f"/v1/reconciliations/{run['id']}")
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


async def reconcile_polled(h: HubHarness, account: str, **body: str) -> dict[str, Any]:
    """POST /v1/reconciliations and poll the run until it is done (for hubs whose in-process
    runner stays busy with other jobs, such as a resolution an hour away: no join)."""
    if not body:
        await settle_clock()
        body["from"], body["to"] = window()
    r = await h.post("/v1/reconciliations", {"account": account, **body})
    assert r.status_code == 202, r.text
    async with asyncio.timeout(30):
        while True:
            run: dict[str, Any] = (await h.get(f"/v1/reconciliations/{r.json()['id']}")).json()
            if run["status"] != "running":
                return run
            await asyncio.sleep(0.05)


async def items(h: HubHarness, run_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if kind:
            params["kind"] = kind
        if cursor:
            params["cursor"] = cursor
        r = await h.get(f"/v1/reconciliations/{run_id}/items", **params)
        assert r.status_code == 200, r.text
        page = r.json()
        out.extend(page["data"])
        if not page["has_more"]:
            return out
        cursor = page["next_cursor"]


async def entries(h: HubHarness, kind: str | None = None) -> list[dict[str, Any]]:
    r = await h.get("/v1/ledger/entries", limit=100)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    return [e for e in data if kind is None or e["kind"] == kind]


async def verify(h: HubHarness) -> None:
    from hub.services.ledger_verify import verify as check

    verdict = await check(h.hub.engine)
    assert verdict.ok, verdict.message
