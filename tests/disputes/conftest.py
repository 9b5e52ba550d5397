"""Disputes against the three providers of the inbound-webhook world (simulator, Stripe fake,
Adyen fake), through the real webhook endpoint and the API. Every dispute movement of money
is recorded by replacing the ledger call site (``post_dispute_movement``) with a recorder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.store.dispute_tables import disputes
from tests.webhooks_inbound.conftest import World, close_world, make_world, stripe_signed

Movements = list[tuple[str, str, int]]


@pytest.fixture
def movements(monkeypatch: pytest.MonkeyPatch) -> Movements:
    """(dispute id, kind, amount) of every ledger posting, in order."""
    recorded: Movements = []

    async def record(conn: Any, dispute: dict[str, Any], kind: str, amount: int) -> None:
        assert conn.in_transaction()  # posted inside the dispute change's transaction
        recorded.append((dispute["id"], kind, amount))

    monkeypatch.setattr("hub.services.dispute_outcomes.post_dispute_movement", record)
    return recorded


@pytest.fixture
async def dw(db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(db_url, tmp_path)
    try:
        yield w
    finally:
        await close_world(w)


async def dispute_rows(w: World) -> list[dict[str, Any]]:
    async with w.hub.engine.connect() as conn:
        rows = await conn.execute(select(disputes).order_by(disputes.c.created_at))
        return [dict(r) for r in rows.mappings().all()]


async def only_dispute(w: World) -> dict[str, Any]:
    r = await w.h.get("/v1/disputes")
    assert r.status_code == 200, r.text
    [d] = r.json()["data"]
    return d  # type: ignore[no-any-return]


async def event_types(w: World, resource: str) -> list[str]:
    r = await w.h.get("/v1/events", resource=resource, limit=100)
    assert r.status_code == 200, r.text
    return [e["type"] for e in reversed(r.json()["data"])]  # oldest first


async def send_stripe(w: World, *types: str) -> None:
    """Deliver (signed) every Stripe fake event of ``types`` not delivered yet, oldest first."""
    sent: set[bytes] = getattr(w, "_sent_stripe", set())
    for body in w.stripe_notes(*types):
        if body in sent:
            continue
        r = await w.webhook("stripe-eu", body, stripe_signed(body, w.stripe.world.webhook_secret))
        assert r.status_code == 200, r.text
        sent.add(body)
    w._sent_stripe = sent  # type: ignore[attr-defined]
    await w.settle()


async def send_adyen(w: World, *codes: str) -> None:
    sent: set[bytes] = getattr(w, "_sent_adyen", set())
    for body in w.adyen_notes(*codes):
        if body in sent:
            continue
        r = await w.webhook("adyen-eu", body, {"content-type": "application/json"})
        assert r.status_code == 200 and r.text == "[accepted]", r.text
        sent.add(body)
    w._sent_adyen = sent  # type: ignore[attr-defined]
    await w.settle()
