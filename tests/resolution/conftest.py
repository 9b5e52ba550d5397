"""A harness on the hub as hub/runtime.py and hub/api/app.py wire it (no hand wiring)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from hub.api.app import create_app
from hub.store import tables as t
from tests.conftest import IN_CI, HubHarness, redis_test_url, start_harness

REDIS_URL = redis_test_url()  # this run's own db index

# read timeout 0.5 s -> the hang card is ambiguous after ~2 s (connect + read + 1)
FAST_TOML = """
[[accounts]]
id = "sandbox"
adapter = "simulator"
[accounts.timeouts]
connect = 0.5
read = 0.5

[resolution]
schedule = [0.3, 0.5, 1.0, 2.0]
lease_margin = 0.5
sweep_interval = 3600.0
"""

CARD = {"exp_month": 12, "exp_year": 2031, "cvc": "123"}
HANG = "4000000000000259"
SERVER_ERROR = "4000000000000341"
OK = "4242424242424242"


def pay(number: str, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": 1099,
        "currency": "EUR",
        "capture": "manual",
        "payment_method": {"type": "card", "card": {**CARD, "number": number}},
    }
    body.update(kw)
    return body


async def wired_harness(
    db_url: str, tmp_path: Path, toml: str = FAST_TOML, *, redis_url: str | None = None
) -> HubHarness:
    """The hub exactly as ``payhub serve`` wires it (runtime ``Hub`` + ``create_app``): its
    own job runner (arq when ``redis_url`` is given, in-process otherwise), its resolver,
    the review routes of the app. Nothing is replaced, so a broken wiring fails here."""
    env = {"PAYHUB_REDIS_URL": redis_url} if redis_url else {}
    h = await start_harness(
        db_url, tmp_path, config_toml=toml, simulator_options={"hang_seconds": 5.0}, env=env
    )
    assert any(r.path.startswith("/v1/admin/operations") for r in create_app(h.hub, manage_lifecycle=False).routes)
    return h


async def close_harness(h: HubHarness) -> None:
    await h.hub.jobs.stop()  # Hub.stop, before the providers and the engine
    await asyncio.gather(*list(h.hub.resolver._background), return_exceptions=True)
    await h.client.aclose()
    await h.hub.stop()


@pytest.fixture
async def rh(db_url: str, tmp_path: Path) -> AsyncIterator[HubHarness]:
    h = await wired_harness(db_url, tmp_path)
    try:
        yield h
    finally:
        await close_harness(h)


async def op_of(hub: Any, payment_id: str) -> dict[str, Any]:
    async with hub.engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    select(t.operations)
                    .where(t.operations.c.resource_id == payment_id)
                    .order_by(t.operations.c.created_at.desc())
                )
            )
            .mappings()
            .first()
        )
    assert row is not None
    return dict(row)


async def set_op(hub: Any, op_id: str, **values: Any) -> None:
    async with hub.engine.begin() as conn:
        await conn.execute(update(t.operations).where(t.operations.c.id == op_id).values(**values))


async def wait_status(h: HubHarness, payment_id: str, want: str, timeout: float = 15.0) -> dict[str, Any]:
    body: dict[str, Any] = {}
    async with asyncio.timeout(timeout):
        while True:
            r = await h.get(f"/v1/payments/{payment_id}")
            body = r.json()
            if body["status"] == want:
                return body
            await asyncio.sleep(0.05)


def redis_required(exc: Exception) -> None:
    if IN_CI:
        pytest.fail(f"Redis is required in CI and is unreachable at {REDIS_URL}: {exc}")
    pytest.skip(f"Redis unreachable at {REDIS_URL}: {exc}")


async def op_by_id(hub: Any, op_id: str) -> dict[str, Any]:
    async with hub.engine.connect() as conn:
        row = (await conn.execute(select(t.operations).where(t.operations.c.id == op_id))).mappings().one()
    return dict(row)
