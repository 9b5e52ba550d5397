"""Card payments: approve, declines, 3DS, captures, void, refunds."""

from __future__ import annotations

import pytest

from adapters.base import Capability, DeclineCode, FailureCode, OperationKind, OutcomeStatus
from contract_tests.harness import Harness, Target, describe, expect


async def test_approve(h: Harness) -> None:
    h.require(Capability.AUTHORIZE)
    purchase = not h.supports(Capability.CAPTURE)
    p = await h.authorize(capture=purchase)
    out = await h.settle(OperationKind.AUTHORIZE, p.outcome, p.request)
    expect(out, OutcomeStatus.SUCCEEDED, "authorize with the approve method")
    assert out.failure is None, f"a success carries no failure: {describe(out)}"
    assert out.provider_reference, "an approved authorization must carry the provider's reference"
    if not purchase:
        assert not out.captured, "a manual-capture authorization must not report captured funds"
    if out.amount is not None:
        assert out.amount == p.request.amount, f"authorized {out.amount}, asked {p.request.amount}"


async def test_decline(h: Harness, target: Target, decline_code: DeclineCode | None) -> None:
    h.require(Capability.AUTHORIZE)
    if decline_code is None:
        pytest.skip(f"{target.id} offers no decline method")
    method = h.decline_methods()[decline_code]
    p = await h.authorize(method, capture=not h.supports(Capability.CAPTURE))
    out = await h.settle(OperationKind.AUTHORIZE, p.outcome, p.request)
    expect(out, OutcomeStatus.FAILED, f"authorize with the {decline_code.value} method")
    assert out.failure is not None, "a decline carries a failure"
    assert out.failure.code == FailureCode.CARD_DECLINED, f"failure.code: {describe(out)}"
    assert out.failure.decline_code == decline_code.value, (
        f"decline_code: expected {decline_code.value}, got {out.failure.decline_code} "
        f"(provider_code {out.failure.provider_code})"
    )
    assert out.failure.provider_code, "the provider's own code must travel along (provider_code)"


async def _challenge(h: Harness, *, succeed: bool):
    h.require(Capability.THREE_DS)
    fake = h.require_fake("completes a 3DS challenge as the shopper's browser")
    method = fake.three_ds_method()
    if method is None:
        pytest.skip(f"{h.target.id}: the fake offers no 3DS method although three_ds is declared")
    p = await h.authorize(method)
    expect(p.outcome, OutcomeStatus.REQUIRES_ACTION, "authorize with the 3DS method")
    assert p.outcome.next_action is not None, "requires_action must come with next_action"
    assert p.outcome.next_action.type in ("redirect", "three_ds_challenge"), p.outcome.next_action
    params = fake.complete_challenge(p.outcome.next_action, succeed=succeed)
    req = h.authenticate_request(p, dict(params))
    out = await h.adapter.authenticate(req)
    return p, await h.settle(OperationKind.AUTHENTICATE, out, req)


async def test_three_ds_challenge(h: Harness) -> None:
    p, out = await _challenge(h, succeed=True)
    expect(out, OutcomeStatus.SUCCEEDED, "authenticate after a completed challenge")
    assert out.provider_reference in (None, p.outcome.provider_reference), "authenticate changed the reference"
    if h.supports(Capability.CAPTURE):
        p.outcome = out if out.provider_reference else p.outcome
        expect(await h.capture(p), OutcomeStatus.SUCCEEDED, "capture after 3DS")


async def test_three_ds_failed(h: Harness) -> None:
    _, out = await _challenge(h, succeed=False)
    expect(out, OutcomeStatus.FAILED, "authenticate after a failed challenge")
    assert out.failure is not None
    assert out.failure.code in (FailureCode.AUTHENTICATION_FAILED, FailureCode.CARD_DECLINED), describe(out)


async def test_capture_full(h: Harness) -> None:
    h.require(Capability.CAPTURE)
    p = await h.authorized()
    out = await h.capture(p)
    h.expect_settled(out, "full capture")
    if out.amount is not None:
        assert out.amount == p.request.amount


async def test_capture_partial(h: Harness) -> None:
    h.require(Capability.PARTIAL_CAPTURE)
    p = await h.authorized()
    out = await h.capture(p, 600)
    h.expect_settled(out, "partial capture of 600")
    if out.amount is not None:
        assert out.amount == 600, f"captured {out.amount}, asked 600"


async def test_capture_multiple(h: Harness) -> None:
    h.require(Capability.MULTIPLE_CAPTURES)
    p = await h.authorized()
    first = await h.capture(p, 400, final=False)
    h.expect_settled(first, "first of two captures (400, final=False)")
    second = await h.capture(p, 300, final=True)
    h.expect_settled(second, "second capture (300, final=True)")
    if first.operation_reference and second.operation_reference:
        assert first.operation_reference != second.operation_reference, "two captures, one reference"


async def test_void(h: Harness) -> None:
    h.require(Capability.VOID)
    p = await h.authorized()
    req = h.void_request(p)
    out = await h.settle(OperationKind.VOID, await h.adapter.void(req), req)
    h.expect_settled(out, "void of an authorization")


async def test_refund_full(h: Harness) -> None:
    h.require(Capability.REFUND)
    p = await h.captured()
    out = await h.refund(p)
    h.expect_settled(out, "full refund")


async def test_refund_partial(h: Harness) -> None:
    h.require(Capability.PARTIAL_REFUND)
    p = await h.captured()
    out = await h.refund(p, 500)
    h.expect_settled(out, "partial refund of 500")
    if out.amount is not None:
        assert out.amount == 500


async def test_refund_multiple(h: Harness) -> None:
    h.require(Capability.MULTIPLE_REFUNDS)
    p = await h.captured()
    first = await h.refund(p, 300)
    h.expect_settled(first, "first refund (300)")
    second = await h.refund(p, 400)
    h.expect_settled(second, "second refund (400)")
    if first.operation_reference and second.operation_reference:
        assert first.operation_reference != second.operation_reference, "two refunds, one reference"
