"""Ledger tests: a migrated engine on its own (`engine`), or a hub with the simulator (`sandbox`)
and the sepa bank fake (`bank`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.payouts.conftest import PayoutWorld, close_world, open_world

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}


def pay(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": 1000,
        "currency": "EUR",
        "capture": "manual",
        "payment_method": {"type": "card", "card": CARD},
    }
    body.update(kw)
    return body


async def balances(world: PayoutWorld) -> dict[str, dict[str, int]]:
    """account -> currency -> balance, from GET /v1/ledger/accounts."""
    r = await world.h.get("/v1/ledger/accounts")
    assert r.status_code == 200, r.text
    return {a["name"]: {b["currency"]: b["balance"] for b in a["balances"]} for a in r.json()["data"]}


async def verify(world: PayoutWorld) -> str:
    from hub.services.ledger_verify import verify as check

    verdict = await check(world.hub.engine)
    assert verdict.ok, verdict.message
    return verdict.describe()


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[PayoutWorld]:
    w = await open_world(db_url, tmp_path)
    try:
        yield w
    finally:
        await close_world(w)
