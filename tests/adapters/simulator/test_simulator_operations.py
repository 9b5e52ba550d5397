"""Capture, void, refund and their lookups."""

from __future__ import annotations

from adapters.base import AuthorizeRequest, FailureCode, OperationKind, OutcomeStatus
from adapters.simulator import SimulatorAdapter
from adapters.simulator.app import SimulatorState
from adapters.simulator.testing import Build


async def _authorized(
    adapter: SimulatorAdapter, build: Build, amount: int = 1000, capture: bool = False
) -> tuple[AuthorizeRequest, str]:
    req = build.authorize(amount=amount, capture=capture)
    out = await adapter.authorize(req)
    assert out.status is OutcomeStatus.SUCCEEDED and out.provider_reference
    return req, out.provider_reference


async def test_full_capture(adapter: SimulatorAdapter, build: Build, sim: SimulatorState) -> None:
    auth, ref = await _authorized(adapter, build)
    out = await adapter.capture(build.capture(auth, ref, 1000))
    assert out.status is OutcomeStatus.SUCCEEDED
    assert out.amount == 1000 and out.captured is True
    assert out.provider_reference == ref
    assert out.operation_reference and out.operation_reference.startswith("cap_sim_")
    charge = sim.charges[ref].out
    assert (charge.status, charge.amount_captured, charge.amount_capturable) == ("captured", 1000, 0)


async def test_partial_and_multiple_captures_and_over_capture(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    auth, ref = await _authorized(adapter, build, 1000)
    first = await adapter.capture(build.capture(auth, ref, 300, final=False))
    second = await adapter.capture(build.capture(auth, ref, 200, final=False))
    assert first.status is second.status is OutcomeStatus.SUCCEEDED
    assert first.operation_reference != second.operation_reference
    assert sim.charges[ref].out.amount_capturable == 500

    over = await adapter.capture(build.capture(auth, ref, 501))
    assert over.status is OutcomeStatus.FAILED
    assert over.failure is not None
    assert over.failure.code == FailureCode.INVALID_REQUEST
    assert over.failure.provider_code == "amount_exceeds_capturable"

    last = await adapter.capture(build.capture(auth, ref, 500))
    assert last.status is OutcomeStatus.SUCCEEDED
    charge = sim.charges[ref].out
    assert charge.amount_captured == 1000 and len(charge.captures) == 3
    assert sim.count("capture") == 3

    more = await adapter.capture(build.capture(auth, ref, 1))
    assert more.status is OutcomeStatus.FAILED
    assert more.failure is not None and more.failure.provider_code == "charge_not_capturable"


async def test_final_partial_capture_releases_the_rest(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    auth, ref = await _authorized(adapter, build, 1000)
    out = await adapter.capture(build.capture(auth, ref, 400, final=True))
    assert out.status is OutcomeStatus.SUCCEEDED
    assert sim.charges[ref].out.amount_capturable == 0
    again = await adapter.capture(build.capture(auth, ref, 100))
    assert again.status is OutcomeStatus.FAILED


async def test_capture_replay_is_one_capture(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    auth, ref = await _authorized(adapter, build)
    req = build.capture(auth, ref, 400, final=False)
    a = await adapter.capture(req)
    b = await adapter.capture(req)
    assert a.operation_reference == b.operation_reference
    assert sim.count("capture") == 1
    assert sim.charges[ref].out.amount_captured == 400


async def test_void(adapter: SimulatorAdapter, build: Build, sim: SimulatorState) -> None:
    auth, ref = await _authorized(adapter, build)
    out = await adapter.void(build.void(auth, ref))
    assert out.status is OutcomeStatus.SUCCEEDED
    assert sim.charges[ref].out.status == "voided"
    capture = await adapter.capture(build.capture(auth, ref, 100))
    assert capture.status is OutcomeStatus.FAILED
    again = await adapter.void(build.void(auth, ref))
    assert again.status is OutcomeStatus.FAILED
    assert again.failure is not None and again.failure.provider_code == "charge_not_voidable"
    assert sim.count("void") == 1


async def test_void_after_partial_capture_releases_remainder(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    auth, ref = await _authorized(adapter, build, 1000)
    await adapter.capture(build.capture(auth, ref, 300, final=False))
    out = await adapter.void(build.void(auth, ref))
    assert out.status is OutcomeStatus.SUCCEEDED and out.amount == 700
    charge = sim.charges[ref].out
    assert (charge.status, charge.amount_captured, charge.amount_capturable) == ("captured", 300, 0)


async def test_void_of_captured_charge_is_rejected(adapter: SimulatorAdapter, build: Build) -> None:
    auth, ref = await _authorized(adapter, build, capture=True)
    out = await adapter.void(build.void(auth, ref))
    assert out.status is OutcomeStatus.FAILED


async def test_partial_and_multiple_refunds_and_over_refund(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    auth, ref = await _authorized(adapter, build, 1000, capture=True)
    r1 = await adapter.refund(build.refund(auth, ref, 250))
    r2 = await adapter.refund(build.refund(auth, ref, 250))
    assert r1.status is r2.status is OutcomeStatus.SUCCEEDED
    assert r1.amount == 250
    assert r1.operation_reference and r1.operation_reference.startswith("re_sim_")
    assert r1.operation_reference != r2.operation_reference

    over = await adapter.refund(build.refund(auth, ref, 501))
    assert over.status is OutcomeStatus.FAILED
    assert over.failure is not None and over.failure.provider_code == "amount_exceeds_refundable"

    rest = await adapter.refund(build.refund(auth, ref, 500))
    assert rest.status is OutcomeStatus.SUCCEEDED
    charge = sim.charges[ref].out
    assert charge.amount_refunded == 1000 and charge.refunded is True
    assert sim.count("refund") == 3
    nothing_left = await adapter.refund(build.refund(auth, ref, 1))
    assert nothing_left.status is OutcomeStatus.FAILED


async def test_refund_carries_the_hub_refund_id(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    auth, ref = await _authorized(adapter, build, capture=True)
    req = build.refund(auth, ref, 100)
    out = await adapter.refund(req)
    assert out.operation_reference
    assert sim.refunds[out.operation_reference].reference == req.refund_id


async def test_refund_of_uncaptured_charge_is_rejected(adapter: SimulatorAdapter, build: Build) -> None:
    auth, ref = await _authorized(adapter, build)
    out = await adapter.refund(build.refund(auth, ref, 100))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.provider_code == "charge_not_captured"


async def test_unknown_charge_is_invalid_request(adapter: SimulatorAdapter, build: Build) -> None:
    auth, _ = await _authorized(adapter, build)
    out = await adapter.capture(build.capture(auth, "ch_sim_nope", 100))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.provider_code == "resource_missing"


# --------------------------------------------------------------------------- lookups by key


async def test_lookup_capture_refund_void_by_idempotency_key(adapter: SimulatorAdapter, build: Build) -> None:
    auth, ref = await _authorized(adapter, build, 1000)
    cap = build.capture(auth, ref, 600, final=False)
    cap_out = await adapter.capture(cap)  # pretend the reply was lost
    looked = await adapter.lookup(build.lookup(cap, OperationKind.CAPTURE, provider_reference=ref))
    assert looked.status is OutcomeStatus.SUCCEEDED
    assert looked.operation_reference == cap_out.operation_reference and looked.amount == 600
    assert looked.summary["lookup"] == "idempotency_key"

    void = build.void(auth, ref)
    await adapter.void(void)
    looked_void = await adapter.lookup(build.lookup(void, OperationKind.VOID, provider_reference=ref))
    assert looked_void.status is OutcomeStatus.SUCCEEDED

    refund = build.refund(auth, ref, 100)
    refund_out = await adapter.refund(refund)
    looked_refund = await adapter.lookup(build.lookup(refund, OperationKind.REFUND, provider_reference=ref))
    assert looked_refund.status is OutcomeStatus.SUCCEEDED
    assert looked_refund.operation_reference == refund_out.operation_reference
    by_id = await adapter.lookup(
        build.lookup(
            refund,
            OperationKind.REFUND,
            provider_reference=ref,
            operation_reference=refund_out.operation_reference,
        )
    )
    assert by_id.status is OutcomeStatus.SUCCEEDED and by_id.amount == 100


async def test_lookup_of_rejected_capture_is_failed(adapter: SimulatorAdapter, build: Build) -> None:
    auth, ref = await _authorized(adapter, build, 1000)
    cap = build.capture(auth, ref, 5000)
    await adapter.capture(cap)
    looked = await adapter.lookup(build.lookup(cap, OperationKind.CAPTURE, provider_reference=ref))
    assert looked.status is OutcomeStatus.FAILED
    assert looked.failure is not None and looked.failure.provider_code == "amount_exceeds_capturable"


async def test_lookup_of_capture_never_sent_seals_key_and_late_request_does_nothing(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    auth, ref = await _authorized(adapter, build, 1000)
    cap = build.capture(auth, ref, 1000)
    looked = await adapter.lookup(build.lookup(cap, OperationKind.CAPTURE, provider_reference=ref))
    assert looked.status is OutcomeStatus.FAILED
    assert looked.failure is not None and looked.failure.code == FailureCode.PROVIDER_ERROR
    late = await adapter.capture(cap)
    assert late.status is OutcomeStatus.FAILED
    assert sim.count("capture") == 0 and sim.charges[ref].out.amount_captured == 0


async def test_lookup_while_key_in_flight_is_unknown(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    auth, ref = await _authorized(adapter, build, 1000)
    cap = build.capture(auth, ref, 1000)
    from adapters.simulator.app import _IdemRecord

    sim.idempotency[cap.idempotency_key] = _IdemRecord(
        key=cap.idempotency_key,
        status="in_flight",
        fingerprint="x",
        method="POST",
        path=f"/v1/charges/{ref}/capture",
        created=0,
    )
    looked = await adapter.lookup(build.lookup(cap, OperationKind.CAPTURE, provider_reference=ref))
    assert looked.status is OutcomeStatus.UNKNOWN
