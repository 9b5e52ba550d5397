"""Events recorded by the simulator, signed per Standard Webhooks, parsed by the adapter."""

from __future__ import annotations

import time

import httpx
import pytest

from adapters.base import (
    Account,
    OperationKind,
    OutcomeStatus,
    ThreeDS,
    WebhookFormatError,
    WebhookVerificationError,
)
from adapters.simulator import SimulatorAdapter
from adapters.simulator.app import SimulatorState, client_for, create_app, sim_state
from adapters.simulator.testing import Build


def _headers(signed: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in signed.items()}


async def test_events_for_each_state_change_parse_to_provider_events(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    auth = build.authorize(amount=1000)
    ref = (await adapter.authorize(auth)).provider_reference
    assert ref
    await adapter.capture(build.capture(auth, ref, 400, final=False))
    refund = build.refund(auth, ref, 100)
    await adapter.refund(refund)
    await adapter.void(build.void(auth, ref))
    await adapter.authorize(build.authorize("4000000000000002"))
    types = [e.type for e in sim.events]
    assert types == [
        "charge.authorized",
        "charge.captured",
        "charge.refunded",
        "charge.voided",
        "charge.failed",
    ]

    parsed = []
    for e in sim.signed_events():
        [event] = adapter.parse_webhook(_headers(e.headers), e.body.encode())
        assert event.event_id == e.id
        parsed.append(event)
    kinds = [(p.kind, p.outcome.status if p.outcome else None) for p in parsed]
    assert kinds == [
        (OperationKind.AUTHORIZE, OutcomeStatus.SUCCEEDED),
        (OperationKind.CAPTURE, OutcomeStatus.SUCCEEDED),
        (OperationKind.REFUND, OutcomeStatus.SUCCEEDED),
        (OperationKind.VOID, OutcomeStatus.SUCCEEDED),
        (OperationKind.AUTHORIZE, OutcomeStatus.FAILED),
    ]
    assert parsed[0].payment_id == auth.payment_id and parsed[0].provider_reference == ref
    assert parsed[1].outcome is not None and parsed[1].outcome.amount == 400
    assert parsed[2].refund_id == refund.refund_id
    assert parsed[4].outcome is not None and parsed[4].outcome.failure is not None
    assert parsed[4].outcome.failure.decline_code == "do_not_honor"


async def test_three_ds_events_are_about_authenticate(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    auth = build.authorize("4000000000003220", three_ds=ThreeDS(return_url="https://s/r"))
    out = await adapter.authorize(auth)
    params = sim.complete_challenge(out.provider_reference or "", True)
    assert params is not None
    await adapter.authenticate(build.authenticate(auth, out.provider_reference, params))
    first, second = (
        adapter.parse_webhook(_headers(e.headers), e.body.encode())[0] for e in sim.signed_events()
    )
    assert first.type == "charge.requires_action" and first.outcome is not None
    assert first.outcome.status is OutcomeStatus.REQUIRES_ACTION
    assert second.kind is OperationKind.AUTHENTICATE
    assert second.outcome is not None and second.outcome.status is OutcomeStatus.SUCCEEDED


async def test_payout_events(adapter: SimulatorAdapter, build: Build, sim: SimulatorState) -> None:
    await adapter.payout(build.payout("DE24370400440000000404"))
    await sim.advance(0)
    [event] = sim.signed_events()
    [parsed] = adapter.parse_webhook(_headers(event.headers), event.body.encode())
    assert parsed.type == "payout.failed" and parsed.kind is OperationKind.PAYOUT
    assert parsed.outcome is not None and parsed.outcome.status is OutcomeStatus.FAILED


async def test_flipped_byte_is_rejected(adapter: SimulatorAdapter, build: Build, sim: SimulatorState) -> None:
    await adapter.authorize(build.authorize())
    [event] = sim.signed_events()
    body = bytearray(event.body.encode())
    body[len(body) // 2] ^= 0x01
    with pytest.raises(WebhookVerificationError):
        adapter.parse_webhook(_headers(event.headers), bytes(body))


async def test_stale_signature_is_rejected(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    await adapter.authorize(build.authorize())
    [event] = sim.signed_events()
    old = sim.sign(event.id, event.body.encode(), timestamp=int(time.time()) - 600)
    with pytest.raises(WebhookVerificationError):
        adapter.parse_webhook(_headers(old), event.body.encode())
    fresh = sim.sign(event.id, event.body.encode(), timestamp=int(time.time()) - 60)
    assert adapter.parse_webhook(_headers(fresh), event.body.encode())


async def test_missing_headers_and_wrong_secret_are_rejected(
    adapter: SimulatorAdapter, build: Build, account: Account, client: httpx.AsyncClient
) -> None:
    await adapter.authorize(build.authorize())
    app = create_app()  # another account: another secret
    other = sim_state(app)
    body = b'{"id":"evt_x"}'
    with pytest.raises(WebhookVerificationError):
        adapter.parse_webhook({}, body)
    with pytest.raises(WebhookVerificationError):
        adapter.parse_webhook(_headers(other.sign("evt_x", body)), body)
    no_secret = SimulatorAdapter(type(account)(id="a", adapter="simulator", base_url="http://sim"), client)
    with pytest.raises(WebhookVerificationError):
        no_secret.parse_webhook(_headers(other.sign("evt_x", body)), body)


async def test_signed_garbage_is_a_format_error(adapter: SimulatorAdapter, sim: SimulatorState) -> None:
    body = b'{"hello": "world"}'
    with pytest.raises(WebhookFormatError):
        adapter.parse_webhook(_headers(sim.sign("evt_x", body)), body)


async def test_events_endpoint_and_standardwebhooks_library_agree(
    adapter: SimulatorAdapter,
    build: Build,
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    webhook_secret: str,
) -> None:
    standardwebhooks = pytest.importorskip("standardwebhooks")
    await adapter.authorize(build.authorize(capture=True))
    r = await client.get("/_sim/events", headers=auth_headers)
    [event] = r.json()["data"]
    assert event["type"] == "charge.captured"
    verified = standardwebhooks.Webhook(webhook_secret).verify(event["body"], event["headers"])
    assert verified["id"] == event["id"]
    after = await client.get("/_sim/events", params={"after": event["id"]}, headers=auth_headers)
    assert after.json()["data"] == []


async def test_events_are_posted_to_webhook_url(account: Account, build: Build, webhook_secret: str) -> None:
    received: list[httpx.Request] = []

    def hub(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200 if len(received) > 1 else 503)  # first attempt fails, retried

    app = create_app(
        webhook_secret=webhook_secret,
        api_key="sk_sim_unit",
        webhook_url="https://hub.example/v1/webhooks/sandbox",
        webhook_transport=httpx.MockTransport(hub),
    )
    sim = sim_state(app)
    async with client_for(app) as c:
        adapter = SimulatorAdapter(account, c)
        await adapter.authorize(build.authorize())
        await sim.drain()
    assert len(received) == 2
    delivered = received[-1]
    [event] = adapter.parse_webhook({k.lower(): v for k, v in delivered.headers.items()}, delivered.content)
    assert event.type == "charge.authorized"
    assert [d.get("status") for d in sim.events[0].deliveries] == [503, 200]
    await sim.close()
