"""A hub with two accounts: `sandbox` (the in-process simulator, the default) and `bank`
(the sepa adapter talking to the stateful bank fake, served in-process behind a
FaultTransport so a test can make the bank time out after it processed a file).

Resolution runs on a short schedule; the notification poller's periodic job is slow
(tests call ``hub.notifications.poll_all()`` themselves)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests.fakes import sepa as bank
from contract_tests.faults import FaultTransport
from tests.conftest import HubHarness, start_harness

BANK_URL = "https://bank.test"

TOML = f"""
default_account = "sandbox"

[[accounts]]
id = "sandbox"
adapter = "simulator"
[accounts.timeouts]
connect = 0.5
read = 0.5

[[accounts]]
id = "bank"
adapter = "sepa"
base_url = "{BANK_URL}"
[accounts.credentials]
debtor_name = "{bank.DEBTOR_NAME}"
debtor_iban = "{bank.DEBTOR_IBAN}"
debtor_bic = "{bank.DEBTOR_BIC}"
[accounts.timeouts]
connect = 0.5
read = 0.5

[resolution]
schedule = [0.2, 0.3, 0.5, 1.0]
lease_margin = 0.5
sweep_interval = 3600.0

[notifications]
poll_interval = 3600.0
"""

# simulator test IBANs
SIM_PAID = "DE89370400440532013000"
SIM_REJECTED_AC04 = "DE24370400440000000404"


@dataclass
class PayoutWorld:
    h: HubHarness
    bank: bank.Fake
    faults: FaultTransport

    @property
    def hub(self) -> Any:
        return self.h.hub

    async def pay_out(
        self, iban: str, *, account: str | None = None, key: str | None = None, **extra: Any
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "amount": extra.pop("amount", 2500),
            "currency": extra.pop("currency", "EUR"),
            "destination": extra.pop(
                "destination", {"type": "bank_account", "iban": iban, "name": "Zoë Müller", "country": "DE"}
            ),
            **extra,
        }
        if account is not None:
            body["account"] = account
        headers = {"Idempotency-Key": key} if key else {}
        return await self.h.post("/v1/payouts", body, **headers)

    async def wait_status(self, payout_id: str, want: str, timeout: float = 10.0) -> dict[str, Any]:
        body: dict[str, Any] = {}
        try:
            async with asyncio.timeout(timeout):
                while True:
                    body = (await self.h.get(f"/v1/payouts/{payout_id}")).json()
                    if body["status"] == want:
                        return body
                    await asyncio.sleep(0.05)
        except TimeoutError:
            raise AssertionError(f"payout {payout_id} never became {want}: {body}") from None

    async def settle_bank(self, payout_id: str, want: str) -> dict[str, Any]:
        """Let the bank process its files while resolution keeps looking, until ``want``."""
        async with asyncio.timeout(10.0):
            while True:
                await self.bank.advance()
                body = (await self.h.get(f"/v1/payouts/{payout_id}")).json()
                if body["status"] == want:
                    return body
                await asyncio.sleep(0.1)

    async def event_types(self, payout_id: str) -> list[str]:
        r = await self.h.get("/v1/events", limit=100)
        assert r.status_code == 200, r.text
        events = [e for e in r.json()["data"] if e["data"]["object"].get("id") == payout_id]
        return [e["type"] for e in reversed(events)]  # oldest first


def serve_bank(hub: Any, fake: bank.Fake) -> FaultTransport:
    """Point the `bank` account's HTTP client at the fake (in-process, with faults)."""
    faults = FaultTransport(httpx.ASGITransport(app=fake.app))
    provider = hub.providers.get("bank")
    client = httpx.AsyncClient(base_url=BANK_URL, transport=faults, timeout=httpx.Timeout(0.5, connect=0.5))
    provider.client = client
    provider.adapter.client = client
    return faults


async def open_world(
    db_url: str, tmp_path: Path, *, env: dict[str, str] | None = None, toml: str = TOML
) -> PayoutWorld:
    h = await start_harness(
        db_url, tmp_path, config_toml=toml, simulator_options={"payout_delay": 0.3}, env=env
    )
    fake = bank.Fake()
    await h.hub.providers.get("bank").client.aclose()
    return PayoutWorld(h=h, bank=fake, faults=serve_bank(h.hub, fake))


async def close_world(world: PayoutWorld) -> None:
    hub = world.hub
    await hub.jobs.stop()
    await asyncio.gather(*list(hub.resolver._background), return_exceptions=True)
    await world.h.client.aclose()
    await hub.stop()


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[PayoutWorld]:
    w = await open_world(db_url, tmp_path)
    try:
        yield w
    finally:
        await close_world(w)
