"""A hub wired as ``payhub serve`` wires it (runtime ``Hub`` + ``create_app``) with one Stripe
account whose HTTP goes to the strict Stripe fake through a FaultTransport."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from contract_tests.fakes.stripe import Fake
from contract_tests.faults import FaultTransport
from tests.conftest import HubHarness, start_harness

BASE = "https://stripe.fake"


def stripe_toml(fake: Fake) -> str:
    return f"""
default_account = "stripe"

[[accounts]]
id = "stripe"
adapter = "stripe"
base_url = "{BASE}"
[accounts.credentials]
secret_key = "{fake.world.secret_key}"
webhook_secret = "{fake.world.webhook_secret}"
[accounts.timeouts]
connect = 0.5
read = 2.0

[resolution]
schedule = [0.3, 0.5, 1.0, 1.0]
lease_margin = 0.5
sweep_interval = 3600.0
"""


@dataclass
class StripeHub:
    h: HubHarness
    fake: Fake
    faults: FaultTransport
    client: httpx.AsyncClient

    @property
    def hub(self) -> Any:
        return self.h.hub

    async def close(self) -> None:
        await self.h.hub.jobs.stop()
        await asyncio.gather(*list(self.h.hub.resolver._background), return_exceptions=True)
        await self.h.client.aclose()
        await self.h.hub.stop()
        await self.client.aclose()


async def stripe_hub(
    db_url: str,
    tmp_path: Path,
    *,
    search_lag: float = 30.0,
    inner: Callable[[Fake], httpx.AsyncBaseTransport] | None = None,
) -> StripeHub:
    """``inner``: the transport to the fake under the faults (default: straight to its app)."""
    fake = Fake(search_lag=search_lag)
    fake.account(BASE)  # the fake's hosted pages and events name this base URL
    h = await start_harness(db_url, tmp_path, config_toml=stripe_toml(fake))
    faults = FaultTransport(inner(fake) if inner else httpx.ASGITransport(app=fake.app))
    provider = h.hub.providers.get("stripe")
    client = httpx.AsyncClient(base_url=BASE, timeout=provider.client.timeout, transport=faults)
    provider.adapter.client = client  # the adapter's HTTP goes to the fake; nothing else changes
    return StripeHub(h, fake, faults, client)


CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}


def card_payment(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": 2599,
        "currency": "EUR",
        "capture": "manual",
        "reference": "order-1001",
        "payment_method": {"type": "card", "card": dict(CARD)},
    }
    body.update(kw)
    return body


async def watch(sh: StripeHub, payment_id: str, want: str, timeout: float) -> list[str]:
    """Poll the payment until it is ``want``; every status seen on the way, in order."""
    seen: list[str] = []
    async with asyncio.timeout(timeout):
        while True:
            body = (await sh.h.get(f"/v1/payments/{payment_id}")).json()
            if not seen or seen[-1] != body["status"]:
                seen.append(body["status"])
            if body["status"] == want or body["status"] == "failed":
                return seen
            await asyncio.sleep(0.05)
