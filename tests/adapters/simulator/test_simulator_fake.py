"""The contract-suite fake around the simulator behaves as the ProviderFake protocol says."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.base import DeclineCode, OperationKind, OutcomeStatus, ThreeDS, WebhookVerificationError
from adapters.simulator import SimulatorAdapter
from adapters.simulator.testing import Build
from contract_tests.fakes.simulator import Fake


@pytest.fixture
async def world() -> AsyncIterator[tuple[Fake, SimulatorAdapter]]:
    fake = Fake(hang_seconds=0.2, payout_delay=1.0)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fake.app), base_url="http://sim"
    ) as client:
        yield fake, SimulatorAdapter(fake.account("http://sim"), client)


async def test_fake_instruments(world: tuple[Fake, SimulatorAdapter], build: Build) -> None:
    fake, adapter = world
    assert fake.adapter_name == "simulator" and fake.supports_stale_check
    assert (await adapter.authorize(build.authorize(payment_method=fake.approve_method()))).status is (
        OutcomeStatus.SUCCEEDED
    )
    for code, method in fake.decline_methods().items():
        out = await adapter.authorize(build.authorize(payment_method=method))
        assert out.failure is not None and out.failure.decline_code == code
    assert fake.count(OperationKind.AUTHORIZE) == 1 + len(fake.decline_methods())
    assert DeclineCode.INSUFFICIENT_FUNDS in fake.decline_methods()


async def test_fake_challenge(world: tuple[Fake, SimulatorAdapter], build: Build) -> None:
    fake, adapter = world
    method = fake.three_ds_method()
    assert method is not None
    req = build.authorize(payment_method=method, three_ds=ThreeDS(return_url="https://shop/r"))
    out = await adapter.authorize(req)
    assert out.next_action is not None
    params = fake.complete_challenge(out.next_action, succeed=True)
    done = await adapter.authenticate(build.authenticate(req, out.provider_reference, params))
    assert done.status is OutcomeStatus.SUCCEEDED
    assert fake.count(OperationKind.AUTHENTICATE) == 1


async def test_fake_payouts_and_advance(world: tuple[Fake, SimulatorAdapter], build: Build) -> None:
    fake, adapter = world
    good, bad = fake.payout_destinations()
    assert good is not None and bad is not None
    ok = build.payout(good.iban)
    rejected = build.payout(bad.iban)
    assert (await adapter.payout(ok)).status is OutcomeStatus.PENDING
    assert (await adapter.payout(rejected)).status is OutcomeStatus.PENDING
    await fake.advance(1.5)
    assert (await adapter.lookup(build.lookup(ok, OperationKind.PAYOUT))).status is OutcomeStatus.SUCCEEDED
    assert (await adapter.lookup(build.lookup(rejected, OperationKind.PAYOUT))).status is OutcomeStatus.FAILED
    assert fake.count(OperationKind.PAYOUT) == 2


async def test_fake_notifications_sign_and_resign(world: tuple[Fake, SimulatorAdapter], build: Build) -> None:
    fake, adapter = world
    await adapter.authorize(build.authorize(payment_method=fake.approve_method()))
    [note] = fake.notifications()
    assert note.event_type == "charge.authorized"
    assert adapter.parse_webhook(note.headers, note.body)[0].kind is OperationKind.AUTHORIZE
    assert adapter.parse_webhook(fake.sign(note.body), note.body)
    stale = fake.resign(note.body, timestamp=int(time.time()) - 3600)
    with pytest.raises(WebhookVerificationError):
        adapter.parse_webhook(stale.headers, stale.body)
