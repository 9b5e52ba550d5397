"""A hub with three accounts whose webhooks come through POST /v1/webhooks/{account}:

* ``sandbox``: the simulator PSP (Standard Webhooks, signed here with the official
  ``standardwebhooks`` SDK);
* ``stripe-eu``: the Stripe fake (``Stripe-Signature`` made by the official ``stripe`` SDK);
* ``adyen-eu``: the Adyen fake (HMAC in the body, made by the official ``Adyen`` SDK).

Each account's HTTP client goes through a ``FaultTransport`` so a test can make one provider
call ambiguous (processed by the provider, reply lost) and let the webhook tell the outcome.
Resolution is slowed down to an hour so only webhooks settle anything here; inbox retries
are fast.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from Adyen.util import generate_notification_sig
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from adapters.base import Adapter
from contract_tests.fakes.adyen import Fake as AdyenFake
from contract_tests.fakes.stripe import Fake as StripeFake
from contract_tests.faults import FaultTransport
from hub.store import tables as t
from tests.conftest import HubHarness, start_harness

SIM_SECRET = "whsec_" + base64.b64encode(b"payhub-inbound-webhook-tests-key").decode()
STRIPE_OLD_SECRET = "whsec_previous_0123456789abcdef"
ADYEN_OLD_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}


def hub_toml(stripe_fake: StripeFake, adyen_fake: AdyenFake) -> str:
    s = stripe_fake.account("https://stripe.fake").credentials
    a = adyen_fake.account("https://adyen.fake.invalid").credentials
    return f"""
default_account = "sandbox"

[[accounts]]
id = "sandbox"
adapter = "simulator"
[accounts.credentials]
webhook_secret = "{SIM_SECRET}"
[accounts.timeouts]
connect = 1.0
read = 1.0

[[accounts]]
id = "stripe-eu"
adapter = "stripe"
base_url = "https://stripe.fake"
[accounts.credentials]
secret_key = "{s["secret_key"]}"
webhook_secret = "{s["webhook_secret"]}"
webhook_secret_previous = "{STRIPE_OLD_SECRET}"
[accounts.settings.payout_destinations]
DE89370400440532013000 = "ba_test"

[[accounts]]
id = "adyen-eu"
adapter = "adyen"
base_url = "https://adyen.fake.invalid"
[accounts.credentials]
api_key = "{a["api_key"]}"
merchant_account = "{a["merchant_account"]}"
hmac_key = "{a["hmac_key"]}"
hmac_key_previous = "{ADYEN_OLD_KEY}"

[resolution]
schedule = [3600.0]
sweep_interval = 3600.0
"""


def _route_through_faults(h: HubHarness, account_id: str, inner: httpx.AsyncBaseTransport) -> FaultTransport:
    """Give the account a client whose transport can lose replies (and a fresh adapter on it)."""
    provider = h.hub.providers.get(account_id)
    faults = FaultTransport(inner)
    old = provider.client
    provider.client = httpx.AsyncClient(base_url=old.base_url, timeout=old.timeout, transport=faults)
    adapter: Adapter = type(provider.adapter)(provider.account, provider.client)
    provider.adapter = adapter
    return faults


@dataclass
class World:
    h: HubHarness
    stripe: StripeFake
    adyen: AdyenFake
    faults: dict[str, FaultTransport] = field(default_factory=dict)

    @property
    def hub(self) -> Any:
        return self.h.hub

    @property
    def sim(self) -> Any:
        from adapters.simulator.app import sim_state

        return sim_state(self.h.simulator)

    async def webhook(self, account: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return await self.h.client.post(f"/v1/webhooks/{account}", content=body, headers=headers)

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until no inbox row is waiting to be processed (received / retry)."""
        async with asyncio.timeout(timeout):
            while any(r["status"] in ("received", "retry") for r in await self.inbox()):
                await asyncio.sleep(0.02)

    async def inbox(self) -> list[dict[str, Any]]:
        async with self.hub.engine.connect() as conn:
            rows = await conn.execute(select(t.webhook_inbox).order_by(t.webhook_inbox.c.received_at))
            return [dict(r) for r in rows.mappings().all()]

    async def payment(self, payment_id: str) -> dict[str, Any]:
        r = await self.h.get(f"/v1/payments/{payment_id}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def operations(self, payment_id: str) -> list[dict[str, Any]]:
        async with self.hub.engine.connect() as conn:
            rows = await conn.execute(
                select(t.operations)
                .where(t.operations.c.resource_id == payment_id)
                .order_by(t.operations.c.created_at)
            )
            return [dict(r) for r in rows.mappings().all()]

    async def attempts(self, operation_id: str) -> list[dict[str, Any]]:
        async with self.hub.engine.connect() as conn:
            rows = await conn.execute(
                select(t.operation_attempts).where(t.operation_attempts.c.operation_id == operation_id)
            )
            return [dict(r) for r in rows.mappings().all()]

    def adyen_card(self) -> dict[str, Any]:
        card = self.adyen.approve_method().card
        assert card is not None
        return {
            "type": "card",
            "card": {
                "number": card.number,
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
                "cvc": card.cvc,
                "holder_name": card.holder_name,
            },
        }

    def stripe_notes(self, *types: str) -> list[bytes]:
        """Bodies of the events the Stripe fake emitted (of ``types``), oldest first."""
        return [n.body for n in self.stripe.notifications() if not types or n.event_type in types]

    def adyen_notes(self, *codes: str) -> list[bytes]:
        return [n.body for n in self.adyen.notifications() if not codes or n.event_type in codes]

    async def pay(self, account: str = "sandbox", **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "amount": 1099,
            "currency": "EUR",
            "capture": "manual",
            "account": account,
            "payment_method": {"type": "card", "card": dict(CARD)},
        }
        body.update(extra)
        r = await self.h.post("/v1/payments", body)
        assert r.status_code in (200, 201, 202), r.text
        result: dict[str, Any] = r.json()
        return result


async def make_world(db_url: str, tmp_path: Path, env: dict[str, str] | None = None) -> World:
    stripe_fake, adyen_fake = StripeFake(), AdyenFake()
    h = await start_harness(db_url, tmp_path, config_toml=hub_toml(stripe_fake, adyen_fake), env=env)
    w = World(h, stripe_fake, adyen_fake)
    w.faults["sandbox"] = _route_through_faults(h, "sandbox", httpx.ASGITransport(app=h.simulator))
    w.faults["stripe-eu"] = _route_through_faults(h, "stripe-eu", httpx.ASGITransport(app=stripe_fake.app))
    w.faults["adyen-eu"] = _route_through_faults(h, "adyen-eu", httpx.ASGITransport(app=adyen_fake.app))
    h.hub.inbox.retry_schedule = [0.05, 0.05, 0.1]
    return w


async def close_world(w: World) -> None:
    await w.h.client.aclose()
    await w.hub.stop()


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(db_url, tmp_path)
    try:
        yield w
    finally:
        await close_world(w)


# --------------------------------------------------------------------------- signing with the SDKs


def standard_signed(
    body: bytes, msg_id: str, *, secret: str = SIM_SECRET, at: float | None = None
) -> dict[str, str]:
    """Standard Webhooks headers made by the official ``standardwebhooks`` SDK."""
    when = dt.datetime.fromtimestamp(at if at is not None else time.time(), dt.UTC)
    signature = Webhook(secret).sign(msg_id, when, body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def stripe_signed(body: bytes, secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    """``Stripe-Signature`` made by the official ``stripe`` SDK."""
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=timestamp)
    return {"stripe-signature": header, "content-type": "application/json"}


def adyen_signed(body: bytes, hmac_key: str) -> bytes:
    """The notification with each item's ``hmacSignature`` computed by the official ``Adyen`` SDK."""
    doc = json.loads(body)
    for wrapper in doc["notificationItems"]:
        item = wrapper["NotificationRequestItem"]
        unsigned = copy.deepcopy({k: v for k, v in item.items() if k != "additionalData"})
        item.setdefault("additionalData", {})["hmacSignature"] = generate_notification_sig(
            unsigned, hmac_key
        ).decode()
    return json.dumps(doc).encode()


def sim_events(w: World, *types: str) -> list[tuple[bytes, str]]:
    """The simulator's recorded events (body, id), optionally only of ``types``, oldest first."""
    return [(e.body.encode(), e.id) for e in w.sim.signed_events() if not types or e.type in types]


def stripe_event(pi: dict[str, Any], etype: str) -> bytes:
    """A Stripe event around a PaymentIntent as the fake holds it."""
    n = int(time.time() * 1000)
    return json.dumps(
        {
            "id": f"evt_test_{etype.replace('.', '_')}_{n}",
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "type": etype,
            "livemode": False,
            "pending_webhooks": 1,
            "data": {"object": pi},
        }
    ).encode()


def stripe_variant(body: bytes, etype: str, **pi: Any) -> bytes:
    """The same PaymentIntent event under another id and type, with PaymentIntent fields changed
    (what Stripe would have sent at another moment of the PaymentIntent's life)."""
    doc = json.loads(body)
    doc["id"] = f"{doc['id']}_{etype.replace('.', '_')}"
    doc["type"] = etype
    doc["data"]["object"].update(pi)
    return json.dumps(doc).encode()


async def count_events(w: World, type_: str, resource: str) -> int:
    r = await w.h.get("/v1/events", type=type_, resource=resource, limit=100)
    assert r.status_code == 200, r.text
    return len(r.json()["data"])


class LostJobs:
    """A job runner that loses every job (Redis flushed, worker killed): only the sweeper helps."""

    def __init__(self) -> None:
        self.lost: list[dict[str, Any]] = []

    def register(self, name: str, task: Any) -> None:
        pass

    async def enqueue(
        self, name: str, *, delay: float = 0.0, job_id: str | None = None, **kwargs: Any
    ) -> None:
        self.lost.append({"name": name, **kwargs})

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass
