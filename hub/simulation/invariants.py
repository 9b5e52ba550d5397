"""The invariants of DESIGN §18, checked against the hub's database and the PSP's books.

:func:`during` is cheap (the PSP's books only) and runs after every step; :func:`after`
runs once resolution is done. Each returns the broken invariants, one line each, named
``invariant: detail`` (the name is what shrinking keeps failing).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from adapters.simulator.app import SimulatorState
from hub.services.ledger_verify import verify
from hub.store import tables as t

MONEY_MOVED = ("authorized", "captured")
ONCE_PER_RESOURCE = ("payment.authorized", "payment.failed", "payment.voided", "refund.succeeded", "refund.failed")
OPEN_OPS = ("pending", "unknown")


def during(sim: SimulatorState) -> list[str]:
    """The provider never moved money twice for one operation."""
    out: list[str] = []
    charges = Counter(c.out.reference for c in sim.charges.values() if c.out.reference)
    out += [f"double_charge: {n} charges for payment {ref}" for ref, n in sorted(charges.items()) if n > 1]
    refunds = Counter(r.reference for r in sim.refunds.values() if r.reference)
    out += [f"double_refund: {n} refunds for refund {ref}" for ref, n in sorted(refunds.items()) if n > 1]
    captures = Counter(
        cap.reference for c in sim.charges.values() for cap in c.out.captures if cap.reference
    )
    out += [f"double_capture: {n} captures for operation {ref}" for ref, n in sorted(captures.items()) if n > 1]
    payouts = Counter(p.out.reference for p in sim.payouts.values() if p.out.reference)
    out += [f"double_payout: {n} payouts for payout {ref}" for ref, n in sorted(payouts.items()) if n > 1]
    return out


# hub payout status -> the PSP statuses it may stand for
_PAYOUT: dict[str, tuple[str | None, ...]] = {"succeeded": ("paid",), "failed": ("failed", None), "returned": ("returned",)}


def _payouts(rows: Any, sim: SimulatorState) -> list[str]:
    out: list[str] = []
    by_ref = {p.out.reference: p.out for p in sim.payouts.values() if p.out.reference}
    for row in rows:
        if row["requires_review"]:
            continue
        psp = by_ref.get(row["id"])
        status, theirs = row["status"], psp.status if psp else None
        if status in ("processing", "new"):
            out.append(f"not_resolved: payout {row['id']} still {status} after resolution")
        elif status == "failed" and theirs in ("paid", "returned", "pending"):
            out.append(f"failed_while_moved: payout {row['id']} failed, the provider's payout is {theirs}")
        elif theirs not in _PAYOUT.get(status, ()):
            out.append(f"succeeded_while_not: payout {row['id']} {status}, the provider has {theirs or 'no payout'}")
    known = {row["id"] for row in rows}
    out += [f"payout_not_booked: provider payout for {ref} unknown to the hub" for ref in sorted(by_ref) if ref not in known]
    return out


async def after(engine: Any, sim: SimulatorState) -> list[str]:
    out = during(sim)
    by_ref = {c.out.reference: c.out for c in sim.charges.values() if c.out.reference}
    psp_refunds = {r.reference: r for r in sim.refunds.values() if r.reference}
    async with engine.connect() as conn:
        payments = (await conn.execute(select(t.payments).order_by(t.payments.c.id))).mappings().all()
        refunds = (await conn.execute(select(t.refunds).order_by(t.refunds.c.id))).mappings().all()
        payouts = (await conn.execute(select(t.payouts).order_by(t.payouts.c.id))).mappings().all()
        open_ops = (
            await conn.execute(
                select(t.operations.c.id, t.operations.c.kind, t.operations.c.status)
                .where(t.operations.c.status.in_(OPEN_OPS), t.operations.c.requires_review.is_(False))
                .order_by(t.operations.c.id)
            )
        ).all()
        events = (
            await conn.execute(select(t.events.c.resource_id, t.events.c.type).order_by(t.events.c.seq))
        ).all()
    review = {p["id"] for p in payments if p["requires_review"]}
    counts: Counter[tuple[str, str]] = Counter((rid, typ) for rid, typ in events)
    last: dict[str, str] = {}
    for p in payments:
        out += _payment(p, by_ref.get(p["id"]), counts)
    for r in refunds:
        if r["payment_id"] in review:
            continue
        seen = psp_refunds.get(r["id"])
        if r["status"] == "failed" and seen is not None:
            out.append(f"failed_while_moved: refund {r['id']} failed, the provider refunded {seen.amount}")
        if r["status"] == "succeeded" and seen is None:
            out.append(f"succeeded_while_not: refund {r['id']} succeeded, the provider has no refund")
        if r["status"] == "pending":
            out.append(f"not_resolved: refund {r['id']} still pending after resolution")
    out += _payouts(payouts, sim)
    known = {r["id"] for r in refunds}
    out += [
        f"refund_not_booked: provider refund {ref} ({r.amount}) unknown to the hub"
        for ref, r in sorted(psp_refunds.items()) if ref not in known
    ]
    out += [f"not_resolved: {kind} operation {op_id} still {status}, not in review" for op_id, kind, status in open_ops]
    for rid, typ in events:  # once per state change: never the same news twice in a row
        if typ in ONCE_PER_RESOURCE and last.get(rid) == typ:
            out.append(f"event_duplicated: {typ} emitted twice in a row for {rid}")
        last[rid] = typ
    verdict = await verify(engine)
    if not verdict.ok:
        out.append(f"ledger: {verdict.message}")
    return out


def _payment(p: Any, charge: Any, counts: Counter[tuple[str, str]]) -> list[str]:
    out: list[str] = []
    pid, status = p["id"], p["status"]
    moved = charge is not None and charge.status in MONEY_MOVED
    if p["requires_review"]:
        return out
    if status == "failed" and moved:
        out.append(f"failed_while_moved: payment {pid} failed, the provider's charge is {charge.status}")
    if status in ("authorized", "captured", "refunded") and not (charge is not None and charge.status in (*MONEY_MOVED, "voided")):
        out.append(f"succeeded_while_not: payment {pid} {status}, the provider has {charge.status if charge else 'no charge'}")
    if status in ("processing", "new"):
        out.append(f"not_resolved: payment {pid} still {status} after resolution")
    if charge is not None and status not in ("failed", "processing", "requires_action"):
        if p["amount_captured"] != charge.amount_captured:
            out.append(f"amount_mismatch: payment {pid} captured {p['amount_captured']}, provider {charge.amount_captured}")
        if p["amount_refunded"] != charge.amount_refunded:
            out.append(f"amount_mismatch: payment {pid} refunded {p['amount_refunded']}, provider {charge.amount_refunded}")
    if status == "voided" and charge is not None and charge.status != "voided":
        out.append(f"succeeded_while_not: payment {pid} voided, the provider's charge is {charge.status}")
    for typ, want in (("payment.failed", "failed"), ("payment.voided", "voided")):
        if status == want and counts.get((pid, typ), 0) < 1:
            out.append(f"event_missing: payment {pid} is {status} with {counts.get((pid, typ), 0)} {typ} events")
    return out
