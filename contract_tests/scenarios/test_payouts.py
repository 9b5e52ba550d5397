"""Payouts to a bank account: one that succeeds, one the bank rejects."""

from __future__ import annotations

import pytest

from adapters.base import Capability, FailureCode, OperationKind, OutcomeStatus
from contract_tests.harness import Harness, describe, expect


def _destinations(h: Harness):
    h.require(Capability.PAYOUT)
    fake = h.require_fake("uses the fake's payout destinations")
    return fake.payout_destinations()


async def test_payout_success(h: Harness) -> None:
    ok, _ = _destinations(h)
    if ok is None:
        pytest.skip(f"{h.target.id}: the fake offers no succeeding payout destination")
    req = h.payout_request(ok)
    out = await h.settle(OperationKind.PAYOUT, await h.adapter.payout(req), req)
    expect(out, OutcomeStatus.SUCCEEDED, "payout to the good destination")
    assert out.failure is None, describe(out)


async def test_payout_failure(h: Harness) -> None:
    _, bad = _destinations(h)
    if bad is None:
        pytest.skip(f"{h.target.id}: the fake offers no rejected payout destination")
    req = h.payout_request(bad)
    out = await h.settle(OperationKind.PAYOUT, await h.adapter.payout(req), req)
    expect(out, (OutcomeStatus.FAILED, OutcomeStatus.RETURNED), "payout to the rejected destination")
    assert out.failure is not None, f"a rejected payout carries a failure: {describe(out)}"
    assert out.failure.code in (FailureCode.PAYOUT_REJECTED, FailureCode.PAYOUT_RETURNED), describe(out)
