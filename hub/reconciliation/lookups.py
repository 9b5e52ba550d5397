"""The hub's records a page of settlement lines may be about, loaded in bulk (hub.reconciliation.matcher).

Every query uses an index: by primary key first (the hub's ids the provider echoed), then by the
provider's reference only for the lines those ids did not resolve.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.settlement import LineType, SettlementLine
from hub.store import tables as t
from hub.store.dispute_tables import disputes

Row = dict[str, Any]

_FAMILY = {
    LineType.CHARGE: "charge",
    LineType.REFUND: "refund",
    LineType.REFUND_FAILURE: "refund",
    LineType.BANK_PAYOUT: "payout",
    LineType.BANK_PAYOUT_RETURN: "payout",
    LineType.DISPUTE: "dispute",
    LineType.DISPUTE_REVERSAL: "dispute",
}


def _chunks(values: Iterable[str | None], size: int = 500) -> list[list[str]]:
    out = sorted({v for v in values if v})
    return [out[i : i + size] for i in range(0, len(out), size)]


class Lookups:
    """The hub's records a page may be about, loaded in bulk."""

    def __init__(self) -> None:
        self.payments: dict[str, Row] = {}
        self.payments_by_ref: dict[str, Row] = {}
        self.refunds: dict[str, Row] = {}
        self.refunds_by_ref: dict[str, Row] = {}
        self.payouts: dict[str, Row] = {}
        self.payouts_by_ref: dict[str, Row] = {}
        self.operations: dict[str, Row] = {}
        self.disputes_by_ref: dict[str, Row] = {}
        self.captures: dict[str, list[Row]] = {}  # payment id -> its succeeded capture operations
        self.claimed: set[str] = set()  # capture operations a line of this page matched

    @classmethod
    async def load(cls, conn: AsyncConnection, account_id: str, lines: Sequence[SettlementLine]) -> Lookups:
        """Every query uses an index: by primary key first, then by provider reference only for
        the lines the hub's ids did not resolve."""
        self = cls()
        by_type: dict[str, list[SettlementLine]] = {}
        for line in lines:
            by_type.setdefault(_FAMILY.get(line.type, "other"), []).append(line)
        charges, refunds = by_type.get("charge", []), by_type.get("refund", [])
        payouts, chargebacks = by_type.get("payout", []), by_type.get("dispute", [])
        p, r, po, o, d = t.payments.c, t.refunds.c, t.payouts.c, t.operations.c, disputes.c
        pay_cols = (p.id, p.status, p.amount, p.amount_captured, p.currency, p.provider_reference)
        ref_cols = (r.id, r.payment_id, r.status, r.amount, r.currency, r.provider_reference)
        po_cols = (po.id, po.status, po.amount, po.currency, po.provider_reference)

        def keep(table: dict[str, Row], by_ref: dict[str, Row], rows: Any) -> None:
            for row in rows.mappings():
                table[row["id"]] = dict(row)
                if row["provider_reference"]:
                    by_ref[row["provider_reference"]] = dict(row)

        # payments: by id (charges, refunds' and chargebacks' payments), then by reference
        for chunk in _chunks(x.resource_id for x in (*charges, *refunds, *chargebacks) if x.resource_id):
            keep(
                self.payments,
                self.payments_by_ref,
                await conn.execute(select(*pay_cols).where(p.id.in_(chunk))),
            )
        refs = [
            ref for x in charges if x.resource_id not in self.payments
            for ref in (x.provider_reference, x.parent_reference) if ref
        ] + [x.parent_reference for x in refunds if x.parent_reference]  # fmt: skip
        for chunk in _chunks(refs):
            stmt = select(*pay_cols).where(p.account_id == account_id, p.provider_reference.in_(chunk))
            keep(self.payments, self.payments_by_ref, await conn.execute(stmt))
        # refunds, payouts: by id, then by reference
        for chunk in _chunks(x.resource_id for x in refunds if x.resource_id):
            keep(
                self.refunds,
                self.refunds_by_ref,
                await conn.execute(select(*ref_cols).where(r.id.in_(chunk))),
            )
        for chunk in _chunks(
            x.provider_reference
            for x in refunds
            if x.provider_reference and x.resource_id not in self.refunds
        ):
            keep(
                self.refunds,
                self.refunds_by_ref,
                await conn.execute(select(*ref_cols).where(r.provider_reference.in_(chunk))),
            )
        for chunk in _chunks(x.resource_id for x in payouts if x.resource_id):
            keep(
                self.payouts,
                self.payouts_by_ref,
                await conn.execute(select(*po_cols).where(po.id.in_(chunk))),
            )
        for chunk in _chunks(
            x.provider_reference
            for x in payouts
            if x.provider_reference and x.resource_id not in self.payouts
        ):
            stmt = select(*po_cols).where(po.account_id == account_id, po.provider_reference.in_(chunk))
            keep(self.payouts, self.payouts_by_ref, await conn.execute(stmt))
        # disputes: by the provider's dispute reference, or the disputed payment's
        for chunk in _chunks(
            ref for x in chargebacks for ref in (x.provider_reference, x.parent_reference) if ref
        ):
            rows = await conn.execute(
                select(
                    d.id,
                    d.payment_id,
                    d.status,
                    d.amount,
                    d.currency,
                    d.provider_reference,
                    d.payment_reference,
                )
                .where(d.account_id == account_id)
                .where(or_(d.provider_reference.in_(chunk), d.payment_reference.in_(chunk)))
            )
            for row in rows.mappings():
                self.disputes_by_ref.setdefault(row["provider_reference"], dict(row))
                if row["payment_reference"]:
                    self.disputes_by_ref.setdefault(row["payment_reference"], dict(row))
        for chunk in _chunks(x.operation_id for x in charges if x.operation_id):
            rows = await conn.execute(
                select(o.id, o.resource_id, o.kind, o.status, o.amount, o.currency).where(o.id.in_(chunk))
            )
            self.operations.update({row["id"]: dict(row) for row in rows.mappings()})
        # a payment captured in parts, reported one line per capture without the hub's op id:
        # its capture operations, for the lines whose amount is not the payment's total
        parts = [
            pay["id"] for x in charges
            if x.operation_id not in self.operations and (pay := self.payment(x)) is not None
            and pay["amount_captured"] != x.gross
        ]  # fmt: skip
        for chunk in _chunks(parts):
            rows = await conn.execute(
                select(o.id, o.resource_id, o.kind, o.status, o.amount, o.currency)
                .where(o.resource_id.in_(chunk), o.kind == "capture", o.status == "succeeded")
                .order_by(o.id)
            )
            for row in rows.mappings():
                self.captures.setdefault(row["resource_id"], []).append(dict(row))
        return self

    def payment(self, line: SettlementLine) -> Row | None:
        if line.resource_id and line.resource_id in self.payments:
            return self.payments[line.resource_id]
        for ref in (line.provider_reference, line.parent_reference):
            if ref and ref in self.payments_by_ref:
                return self.payments_by_ref[ref]
        return None

    def refund(self, line: SettlementLine) -> Row | None:
        if line.resource_id and line.resource_id in self.refunds:
            return self.refunds[line.resource_id]
        if line.provider_reference and line.provider_reference in self.refunds_by_ref:
            return self.refunds_by_ref[line.provider_reference]
        return None

    def payout(self, line: SettlementLine) -> Row | None:
        if line.resource_id and line.resource_id in self.payouts:
            return self.payouts[line.resource_id]
        if line.provider_reference and line.provider_reference in self.payouts_by_ref:
            return self.payouts_by_ref[line.provider_reference]
        return None

    def dispute(self, line: SettlementLine) -> Row | None:
        for ref in (line.provider_reference, line.parent_reference):
            if ref and ref in self.disputes_by_ref:
                return self.disputes_by_ref[ref]
        return None
