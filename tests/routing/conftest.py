"""A hub with three Stripe accounts for routing tests.

* ``stripe-a`` and ``stripe-b``: two Stripe fakes (two Stripe accounts' worlds), each behind
  a ``FaultTransport`` so a test can refuse, rate-limit, time out or 5xx one of them;
* ``stripe-down``: a Stripe account whose ``base_url`` is a loopback port nobody listens on
  (a real connection refused, through the real HTTP transport).

Rules: EUR goes to a then b; GBP goes to down then b; anything else to default_account (a).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.base import OperationKind
from contract_tests.fakes.stripe import Fake as StripeFake
from contract_tests.faults import FaultTransport
from tests.conftest import HubHarness, start_harness
from tests.webhooks_inbound.conftest import _route_through_faults

APPROVE = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}
SOFT_DECLINE = {**APPROVE, "number": "4000000000000119"}  # processing_error
HARD_DECLINE = {**APPROVE, "number": "4000000000009995"}  # insufficient_funds


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def routing_toml(a: StripeFake, b: StripeFake, down_port: int, routing_extra: str = "") -> str:
    ca = a.account("https://stripe-a.fake").credentials
    cb = b.account("https://stripe-b.fake").credentials
    return f"""
default_account = "stripe-a"

[[accounts]]
id = "stripe-a"
adapter = "stripe"
base_url = "https://stripe-a.fake"
[accounts.credentials]
secret_key = "{ca["secret_key"]}"
webhook_secret = "{ca["webhook_secret"]}"

[[accounts]]
id = "stripe-b"
adapter = "stripe"
base_url = "https://stripe-b.fake"
[accounts.credentials]
secret_key = "{cb["secret_key"]}"
webhook_secret = "{cb["webhook_secret"]}"

[[accounts]]
id = "stripe-down"
adapter = "stripe"
base_url = "http://127.0.0.1:{down_port}"
[accounts.credentials]
secret_key = "{ca["secret_key"]}"
webhook_secret = "{ca["webhook_secret"]}"
[accounts.timeouts]
connect = 1.0
read = 2.0

[routing]
{routing_extra}

[[routing.rules]]
name = "euro"
currency = "EUR"
accounts = ["stripe-a", "stripe-b"]

[[routing.rules]]
name = "sterling"
currency = "GBP"
accounts = ["stripe-down", "stripe-b"]

[resolution]
schedule = [3600.0]
sweep_interval = 3600.0
"""


@dataclass
class RoutingWorld:
    h: HubHarness
    a: StripeFake
    b: StripeFake
    fa: FaultTransport
    fb: FaultTransport

    def charges(self, fake: StripeFake) -> int:
        return fake.count(OperationKind.AUTHORIZE)

    async def pay(
        self, currency: str = "EUR", card: dict[str, Any] | None = None, **extra: Any
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "amount": 1500,
            "currency": currency,
            "capture": "manual",
            "payment_method": {"type": "card", "card": dict(card or APPROVE)},
        }
        headers = extra.pop("headers", {})
        body.update(extra)
        return await self.h.post("/v1/payments", body, **headers)


async def make_routing_world(db_url: str, tmp_path: Path, routing_extra: str = "") -> RoutingWorld:
    a, b = StripeFake(), StripeFake()
    h = await start_harness(db_url, tmp_path, config_toml=routing_toml(a, b, refused_port(), routing_extra))
    fa = _route_through_faults(h, "stripe-a", httpx.ASGITransport(app=a.app))
    fb = _route_through_faults(h, "stripe-b", httpx.ASGITransport(app=b.app))
    return RoutingWorld(h, a, b, fa, fb)


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[RoutingWorld]:
    w = await make_routing_world(db_url, tmp_path)
    try:
        yield w
    finally:
        await w.h.client.aclose()
        await w.h.hub.stop()
