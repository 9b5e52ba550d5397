"""Changes made outside the hub (a provider's dashboard) reaching the hub by webhook, against the
Stripe and Adyen fakes (``contract_tests.fakes.dashboard`` makes the change at the provider)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hub.services.ledger_verify import verify
from tests.webhooks_inbound.conftest import World, adyen_signed, close_world, make_world, stripe_signed

VISA = {"type": "provider_token", "token": "pm_card_visa"}


@pytest.fixture
async def aw(db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(db_url, tmp_path)
    try:
        yield w
    finally:
        await close_world(w)


async def send_stripe_times(w: World, body: bytes, times: int = 5) -> None:
    """Deliver ``body`` ``times`` times, each correctly signed (official ``stripe`` SDK)."""
    for _ in range(times):
        r = await w.webhook("stripe-eu", body, stripe_signed(body, w.stripe.world.webhook_secret))
        assert r.status_code == 200, r.text
    await w.settle()


async def send_adyen_times(w: World, body: bytes, times: int = 5) -> None:
    """Deliver ``body`` ``times`` times, its HMAC made by the official ``Adyen`` SDK."""
    signed = adyen_signed(body, w.adyen.world.hmac_key)
    for _ in range(times):
        r = await w.webhook("adyen-eu", signed, {"content-type": "application/json"})
        assert r.status_code == 200 and r.text == "[accepted]", r.text
    await w.settle()


async def events_of(w: World, type_: str, resource: str) -> list[dict[str, Any]]:
    r = await w.h.get("/v1/events", type=type_, resource=resource, limit=100)
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


async def refunds_of(w: World, payment_id: str) -> list[dict[str, Any]]:
    r = await w.h.get(f"/v1/payments/{payment_id}/refunds")
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


async def operations_of(w: World, payment_id: str) -> list[dict[str, Any]]:
    r = await w.h.get(f"/v1/payments/{payment_id}/operations")
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


async def ledger_green(w: World) -> None:
    verdict = await verify(w.hub.engine)
    assert verdict.ok, verdict.message
    assert verdict.entries > 0


async def cli_verify(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``payhub ledger verify`` on the hub's database exits 0 (the CLI runs its own loop: a thread)."""
    from hub.cli import main

    monkeypatch.setenv("PAYHUB_DATABASE_URL", db_url)
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["ledger", "verify"])
    out = capsys.readouterr().out
    assert code == 0, out
