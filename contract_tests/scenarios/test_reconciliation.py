"""Reconciliation (DESIGN §14): what the adapter moved shows up in the provider's books.

For adapters that declare ``reconciliation``: after a capture, a refund or a payout, the
settlement lines read for a window around now hold exactly one line about it, of the right type,
amount and sign (as seen from the merchant's balance), naming it by the provider's reference or
by the hub's ids; every line keeps ``net == gross - fee``. A fake whose provider publishes its
books later (Adyen closes payable batches) offers ``close_books()``: the scenario calls it before
reading. Fakes only: a sandbox's books lag by hours or days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.base import Capability, OperationKind
from adapters.settlement import LineType, SettlementLine, SettlementRequest
from contract_tests.harness import Harness, Payment


async def _books(h: Harness) -> list[SettlementLine]:
    fake = h.require_fake("reads the provider's books right after the operations")
    close = getattr(fake, "close_books", None)
    if close is not None:
        close()
    now = datetime.now(UTC)
    # wide: the fakes' clocks run ahead while the harness lets provider time pass
    request = SettlementRequest(start=now - timedelta(days=1), end=now + timedelta(days=8), page_size=7)
    lines = [line async for page in h.adapter.settlement_lines(request) for line in page.lines]
    ids = [line.line_id for line in lines]
    assert len(ids) == len(set(ids)), f"line ids repeat: {ids}"
    for line in lines:
        assert line.net == line.gross - line.fee, f"net != gross - fee: {line!r}"
        assert line.created_at.tzinfo is not None, f"naive created_at: {line!r}"
        assert len(line.currency) == 3 and line.currency.isupper(), line
    return lines


def _about_payment(line: SettlementLine, p: Payment) -> bool:
    return line.resource_id == p.request.payment_id or p.provider_reference in (
        line.provider_reference, line.parent_reference,
    )  # fmt: skip


async def test_capture_in_books(h: Harness) -> None:
    h.require(Capability.RECONCILIATION, Capability.AUTHORIZE)
    p = await h.captured()
    lines = await _books(h)
    charges = [x for x in lines if x.type is LineType.CHARGE and _about_payment(x, p)]
    assert len(charges) == 1, f"one charge line for {p.provider_reference}, got {charges} in {lines}"
    assert (charges[0].gross, charges[0].currency) == (p.request.amount, p.request.currency), charges[0]


async def test_refund_in_books(h: Harness) -> None:
    h.require(Capability.RECONCILIATION, Capability.REFUND)
    p = await h.captured()
    req = h.refund_request(p, p.request.amount // 2 or p.request.amount)
    h.expect_settled(await h.settle(OperationKind.REFUND, await h.adapter.refund(req), req), "refund")
    lines = await _books(h)
    refunds = [x for x in lines if x.type is LineType.REFUND and (x.resource_id == req.refund_id or _about_payment(x, p))]
    assert len(refunds) == 1, f"one refund line, got {refunds} in {lines}"
    assert refunds[0].gross == -req.amount, refunds[0]


async def test_payout_in_books(h: Harness) -> None:
    h.require(Capability.RECONCILIATION, Capability.PAYOUT)
    ok, _ = h.require_fake("uses the fake's payout destinations").payout_destinations()
    if ok is None:
        pytest.skip(f"{h.target.id}: the fake offers no succeeding payout destination")
    req = h.payout_request(ok)
    h.expect_settled(await h.settle(OperationKind.PAYOUT, await h.adapter.payout(req), req), "payout")
    lines = await _books(h)
    payouts = [x for x in lines if x.type in (LineType.BANK_PAYOUT, LineType.PAYOUT) and x.resource_id == req.payment_id]
    assert len(payouts) == 1, f"one payout line for {req.payment_id}, got {payouts} in {lines}"
    assert payouts[0].gross == -req.amount, payouts[0]
