"""Ambiguity and idempotency: faults after the provider processed a request, faults
before it did, resolution by the declared strategies, retries reaching the provider once.

The faulted operation is the adapter's primary one: authorize, or payout for a
payout-only adapter (a bank rail).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.base import Capability, OperationKind, Outcome, OutcomeStatus, Strategy
from contract_tests.faults import Fault
from contract_tests.harness import Harness, Target, describe, expect

AMBIGUOUS = (OutcomeStatus.UNKNOWN, OutcomeStatus.PENDING)


@dataclass
class Primary:
    kind: OperationKind
    request: Any
    call: Callable[[], Awaitable[Outcome]]


def primary(h: Harness) -> Primary:
    """A fresh request of the adapter's primary operation and how to send it."""
    if h.supports(Capability.AUTHORIZE):
        req = h.authorize_request(h.approve_method(), capture=not h.supports(Capability.CAPTURE))
        return Primary(OperationKind.AUTHORIZE, req, lambda: h.adapter.authorize(req))
    if h.supports(Capability.PAYOUT):
        fake = h.require_fake("uses the fake's payout destinations")
        ok, _ = fake.payout_destinations()
        if ok is None:
            pytest.skip(f"{h.target.id}: the fake offers no succeeding payout destination")
        preq = h.payout_request(ok)
        return Primary(OperationKind.PAYOUT, preq, lambda: h.adapter.payout(preq))
    pytest.skip(f"{h.target.adapter} declares neither authorize nor payout")


_probe_cache: dict[str, tuple[int, str]] = {}


async def creating_request(target: Target) -> tuple[int, str]:
    """Index (among the requests of one primary operation) of the request that creates the
    payment/payout: the last non-GET one. Probed once per target in a separate fake world."""
    if target.id in _probe_cache:
        return _probe_cache[target.id]
    probe = await Harness.open(target)
    try:
        await primary(probe).call()
        assert probe.faults is not None
        log = probe.faults.requests
    finally:
        await probe.close()
    writes = [i for i, r in enumerate(log) if r.method != "GET"]
    if not writes:
        raise AssertionError(f"the operation sent no request: {log}")
    idx = writes[-1]
    _probe_cache[target.id] = (idx, f"{log[idx].method} {log[idx].path}")
    return _probe_cache[target.id]


async def _faulted(h: Harness, target: Target, fault: Fault) -> tuple[Any, Primary, Outcome, str]:
    fake = h.require_fake("injects transport faults")
    op = primary(h)
    assert h.faults is not None
    idx, where = await creating_request(target)
    h.faults.arm(fault, skip=idx)
    out = await op.call()
    hit = [r for r in h.faults.requests if r.fault is fault]
    assert hit, f"the fault did not hit {where}: {h.faults.requests}"
    return fake, op, out, where


@pytest.mark.parametrize("strategy", ["chain", *(s.value for s in Strategy)])
async def test_timeout_resolved(h: Harness, target: Target, strategy: str) -> None:
    """timeout after processing -> UNKNOWN/PENDING -> resolved -> SUCCEEDED, and the provider
    performed the operation exactly once. ``chain``: the declared strategies in order (what the
    hub does); otherwise that strategy alone."""
    op = primary(h)
    declared = h.strategies(op.kind)
    if not declared:
        pytest.fail(f"no resolution strategy declared for {op.kind.value}")
    chain = declared if strategy == "chain" else (Strategy(strategy),)
    if strategy != "chain" and Strategy(strategy) not in declared:
        pytest.skip(f"{target.adapter} does not declare {strategy} for {op.kind.value}")
    fake, op, first, where = await _faulted(h, target, Fault.TIMEOUT_AFTER_PROCESSING)
    expect(first, AMBIGUOUS, f"{op.kind.value} whose reply timed out after {where} was processed")
    assert fake.count(op.kind) == 1, f"the provider did not perform the {op.kind.value}"

    out = await h.resolve_by(chain, op.kind, op.request, first, op.call)
    if strategy != "chain" and not out.definite and len(declared) > 1:
        pytest.skip(f"{strategy} alone leaves the {op.kind.value} {out.status.value}; "
                    "the declared chain resolves it (timeout_resolved[chain])")
    expect(out, OutcomeStatus.SUCCEEDED, f"resolution by {'/'.join(s.value for s in chain)}")
    assert fake.count(op.kind) == 1, (
        f"resolution made the provider perform the {op.kind.value} {fake.count(op.kind)} times"
    )


async def test_dropped_connection_is_ambiguous(h: Harness, target: Target) -> None:
    fake, op, first, where = await _faulted(h, target, Fault.DROP_AFTER_PROCESSING)
    expect(first, AMBIGUOUS, f"{op.kind.value} whose connection dropped after {where} was processed")
    assert fake.count(op.kind) == 1
    out = await h.resolve_by(h.strategies(op.kind), op.kind, op.request, first, op.call)
    expect(out, OutcomeStatus.SUCCEEDED, "resolution by the declared strategies")
    assert fake.count(op.kind) == 1


async def test_server_error_is_ambiguous(h: Harness, target: Target) -> None:
    fake, op, first, where = await _faulted(h, target, Fault.SERVER_ERROR)
    expect(first, AMBIGUOUS, f"{op.kind.value} answered 500 at {where}")
    assert fake.count(op.kind) == 0


async def test_connect_error_is_retry(h: Harness, target: Target) -> None:
    fake, op, first, where = await _faulted(h, target, Fault.CONNECT_ERROR)
    expect(first, OutcomeStatus.RETRY, f"{op.kind.value} whose connection to {where} was refused")
    assert fake.count(op.kind) == 0


@pytest.mark.parametrize("kind", ["authorize", "capture", "refund", "payout"])
async def test_idempotent_retry(h: Harness, kind: str) -> None:
    """The same operation sent twice with the same idempotency key reaches the provider once."""
    op = OperationKind(kind)
    req: Any
    if op is OperationKind.AUTHORIZE:
        h.require(Capability.AUTHORIZE)
        req = h.authorize_request(h.approve_method(), capture=not h.supports(Capability.CAPTURE))
        first = await h.adapter.authorize(req)
        second = await h.adapter.authorize(req)
    elif op is OperationKind.CAPTURE:
        h.require(Capability.CAPTURE)
        p = await h.authorized()
        req = h.capture_request(p)
        first = await h.adapter.capture(req)
        second = await h.adapter.capture(req)
    elif op is OperationKind.REFUND:
        h.require(Capability.REFUND)
        p = await h.captured()
        req = h.refund_request(p, 500 if h.supports(Capability.PARTIAL_REFUND) else None)
        first = await h.adapter.refund(req)
        second = await h.adapter.refund(req)
    else:
        h.require(Capability.PAYOUT)
        fake = h.require_fake("uses the fake's payout destinations")
        ok, _ = fake.payout_destinations()
        if ok is None:
            pytest.skip(f"{h.target.id}: the fake offers no succeeding payout destination")
        req = h.payout_request(ok)
        first = await h.adapter.payout(req)
        second = await h.adapter.payout(req)
    ok_statuses = (OutcomeStatus.SUCCEEDED, *AMBIGUOUS)
    expect(first, ok_statuses, f"first {kind}")
    expect(second, ok_statuses, f"same {kind} again with the same idempotency key")
    if first.provider_reference and second.provider_reference:
        assert first.provider_reference == second.provider_reference, (
            f"replay answered another object: {describe(first)} vs {describe(second)}"
        )
    if first.operation_reference and second.operation_reference:
        assert first.operation_reference == second.operation_reference, "replay created a second operation"
    if h.is_fake:
        assert h.count(op) == 1, f"the provider performed the {kind} {h.count(op)} times"
    final = await h.settle(op, second, req)
    h.expect_settled(final, f"{kind} after the replay")
