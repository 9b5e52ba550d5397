"""Fixtures: one simulated PSP per test, reached in-process through httpx.ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from adapters.base import Account
from adapters.simulator import SimulatorAdapter
from adapters.simulator.app import SimulatorState, client_for, create_app, sim_state
from adapters.simulator.testing import API_KEY, Build
from webhooks.standard import generate_secret


@pytest.fixture
def build() -> Build:
    return Build()


@pytest.fixture
def webhook_secret() -> str:
    return generate_secret()


@pytest.fixture
def app(webhook_secret: str) -> Litestar:
    return create_app(hang_seconds=0.3, api_key=API_KEY, webhook_secret=webhook_secret, payout_delay=0.0)


@pytest.fixture
def sim(app: Litestar) -> SimulatorState:
    return sim_state(app)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@pytest.fixture
def account(webhook_secret: str) -> Account:
    return Account(
        id="sandbox",
        adapter="simulator",
        base_url="http://sim",
        credentials={"api_key": API_KEY, "webhook_secret": webhook_secret},
    )


@pytest.fixture
def adapter(account: Account, client: httpx.AsyncClient) -> SimulatorAdapter:
    return SimulatorAdapter(account, client)


@pytest.fixture
def auth_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}
