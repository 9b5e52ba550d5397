"""Payouts: pending, then paid / failed with a bank reason / paid then returned."""

from __future__ import annotations

import httpx
import pytest

from adapters.base import Account, Card, DeclineCode, FailureCode, OperationKind, OutcomeStatus, PayoutRequest
from adapters.simulator import SimulatorAdapter
from adapters.simulator.app import TEST_IBANS, SimulatorState, client_for, iban_valid
from adapters.simulator.testing import Build


def test_documented_test_ibans_are_valid() -> None:
    assert all(iban_valid(iban) for iban in TEST_IBANS)
    assert not iban_valid("DE89370400440532013001")


async def _pending(adapter: SimulatorAdapter, build: Build, iban: str) -> tuple[PayoutRequest, str]:
    req = build.payout(iban)
    out = await adapter.payout(req)
    assert out.status is OutcomeStatus.PENDING
    assert out.provider_reference and out.provider_reference.startswith("po_sim_")
    return req, out.provider_reference


async def test_payout_paid(adapter: SimulatorAdapter, build: Build, sim: SimulatorState) -> None:
    req, ref = await _pending(adapter, build, "DE89370400440532013000")
    assert sim.payouts[ref].out.reference == req.payment_id
    out = await adapter.lookup(build.lookup(req, OperationKind.PAYOUT, provider_reference=ref))
    assert out.status is OutcomeStatus.SUCCEEDED  # payout_delay=0: paid on the next read
    assert out.amount == 2500
    assert sim.count("payout") == 1


@pytest.mark.parametrize(
    ("iban", "reason", "unified"),
    [
        ("DE24370400440000000404", "AC04", DeclineCode.INVALID_ACCOUNT),
        ("DE57370400440000000101", "AC01", DeclineCode.INVALID_ACCOUNT),
        ("DE89370400440000000204", "AM04", DeclineCode.INSUFFICIENT_FUNDS),
    ],
)
async def test_payout_failed_with_bank_reason(
    adapter: SimulatorAdapter, build: Build, iban: str, reason: str, unified: DeclineCode
) -> None:
    req, ref = await _pending(adapter, build, iban)
    out = await adapter.lookup(build.lookup(req, OperationKind.PAYOUT, provider_reference=ref))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None
    assert out.failure.code == FailureCode.PAYOUT_REJECTED
    assert out.failure.decline_code == unified
    assert out.failure.provider_code == reason


async def test_payout_paid_then_returned(
    build: Build, client: httpx.AsyncClient, account: Account, webhook_secret: str
) -> None:

    from adapters.simulator.app import create_app, sim_state

    app = create_app(webhook_secret=webhook_secret, api_key="sk_sim_unit", payout_delay=5.0)
    sim = sim_state(app)
    async with client_for(app) as c:
        adapter = SimulatorAdapter(account, c)
        req = build.payout("DE61370400440000000999")
        created = await adapter.payout(req)
        lookup = build.lookup(req, OperationKind.PAYOUT, provider_reference=created.provider_reference)
        assert (await adapter.lookup(lookup)).status is OutcomeStatus.PENDING
        await sim.advance(5)
        assert (await adapter.lookup(lookup)).status is OutcomeStatus.SUCCEEDED
        await sim.advance(5)
        returned = await adapter.lookup(lookup)
        assert returned.status is OutcomeStatus.RETURNED
        assert returned.failure is not None
        assert returned.failure.code == FailureCode.PAYOUT_RETURNED
        assert returned.failure.provider_code == "AC04"
        assert [e.type for e in sim.events] == ["payout.paid", "payout.returned"]


async def test_payout_lookup_by_reference_without_provider_reference(
    adapter: SimulatorAdapter, build: Build
) -> None:
    req, ref = await _pending(adapter, build, "DE89370400440532013000")
    out = await adapter.lookup(build.lookup(req, OperationKind.PAYOUT))
    assert out.status is OutcomeStatus.SUCCEEDED and out.provider_reference == ref


async def test_payout_invalid_iban_is_rejected_and_records_nothing(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    out = await adapter.payout(build.payout("DE00370400440532013000"))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.provider_code == "invalid_iban"
    assert sim.payouts == {}


async def test_payout_to_card(adapter: SimulatorAdapter, build: Build) -> None:
    card = Card(number="4242424242424242", exp_month=1, exp_year=2031, holder_name="Ada")
    req = build.payout("", card=card)
    out = await adapter.payout(req)
    assert out.status is OutcomeStatus.PENDING
    assert (await adapter.lookup(build.lookup(req, OperationKind.PAYOUT))).status is OutcomeStatus.SUCCEEDED


async def test_payout_replay_is_one_payout(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    req = build.payout("DE89370400440532013000")
    a = await adapter.payout(req)
    b = await adapter.payout(req)
    assert a.provider_reference == b.provider_reference
    assert sim.count("payout") == 1


async def test_polling_reads_payout_news_only_a_page_at_a_time(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """poll_notifications: payout events (paid, returned) in order, never charge events, paged;
    the cursor is the last event read, and a poll after it reads nothing twice."""
    import adapters.simulator.flows as flows

    monkeypatch.setattr(flows, "POLL_PAGE", 2)
    await adapter.authorize(build.authorize())  # a charge event: not polled
    refs = [(await _pending(adapter, build, "DE61370400440000000999"))[1] for _ in range(2)]
    await sim.advance(60)  # both paid, then returned
    first = await adapter.poll_notifications(None)
    second = await adapter.poll_notifications(first.next_cursor)
    for page, ref in ((first, refs[0]), (second, refs[1])):
        assert [e.type for e in page.events] == ["payout.paid", "payout.returned"]
        assert {e.provider_reference for e in page.events} == {ref}
        assert all(e.kind is OperationKind.PAYOUT and e.outcome is not None for e in page.events)
        assert [e.outcome.status for e in page.events if e.outcome] == [
            OutcomeStatus.SUCCEEDED,
            OutcomeStatus.RETURNED,
        ]
    third = await adapter.poll_notifications(second.next_cursor)
    assert third.events == [] and third.next_cursor == second.next_cursor
