"""One page of settlement lines against the hub's records (DESIGN §14).

Per page, a handful of bulk queries load every hub record a line could be about — payments,
refunds, payouts, operations and disputes named by the hub's ids the provider echoed
(``resource_id`` / ``operation_id``) or by the provider's references (``provider_reference``,
``parent_reference``) — then each line becomes exactly one :class:`Item` plus the ledger
movements it causes (:class:`Movement`: fees, settlements). Nothing is written here.

Matching, by line type:

* ``charge``: the operation the provider echoed (a capture's ``op_``) when the hub knows it,
  else the payment (hub amount: its ``amount_captured``, or one of its succeeded captures of the
  line's amount not matched yet: a payment captured in parts). Not captured / operation failed
  at the hub -> ``status_mismatch``.
* ``refund`` / ``refund_failure``: the refund (hub amount ``-amount``); it must be succeeded
  (failed for a refund failure).
* ``bank_payout`` / ``bank_payout_return``: a hub payout (succeeded or returned; returned).
* ``dispute`` / ``dispute_reversal``: the dispute, by the provider's dispute or payment reference.
* ``fee``: a ``fee`` item, posted; ``payout`` / ``payout_reversal``: a ``settlement`` item, posted
  (debit ``bank``, credit ``provider:{a}``; the reversal the other way).
* ``deposit`` (a bank statement credit): matched to a provider payout already reconciled as a
  ``settlement`` of the same amount and currency (its reference in the description when the
  bank gives one), never posted again; none -> ``missing_in_hub``.
* ``adjustment`` / ``other`` and any line naming nothing the hub knows: ``missing_in_hub``.

Every line's own fee (``line.fee``) is posted as a ``fee`` entry, whatever its item's kind.
Comparison order: currency, then status, then amount.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.settlement import LineType, SettlementLine
from hub.domain.states import PayoutStatus, RefundStatus
from hub.reconciliation.kinds import ItemKind
from hub.reconciliation.lookups import Lookups
from hub.store.reconciliation_tables import reconciliation_items as ri


@dataclass(frozen=True)
class Movement:
    """A ledger entry a line causes: ``fee`` (amount may be < 0: a fee given back),
    ``settlement`` or ``settlement_reversal``; ``cause`` derives from the line."""

    kind: str
    currency: str
    amount: int
    cause: str
    resource: str | None


@dataclass
class Item:
    kind: ItemKind
    type: str
    line: SettlementLine | None = None
    resource: str | None = None
    hub_amount: int | None = None
    provider_amount: int | None = None
    currency: str | None = None
    provider_reference: str | None = None
    detail: str = ""
    matched_line: str | None = None
    fee: int | None = None


@dataclass
class PageResult:
    items: list[Item] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)


def item_id(account_id: str, start: dt.datetime, end: dt.datetime, key: str) -> str:
    """Deterministic per (account, window, line or hub record): a re-run gives the same ids."""
    raw = f"{account_id}|{start.isoformat()}|{end.isoformat()}|{key}".encode()
    return "rli_" + hashlib.sha256(raw).hexdigest()[:26]


def cause_of(account_id: str, line_id: str) -> str:
    """The ledger cause of a line's movements: the provider line id (scoped by account)."""
    return f"rec:{account_id}:{line_id}"


def _item(line: SettlementLine, kind: ItemKind, **kw: Any) -> Item:
    return Item(
        kind=kind, type=line.type.value, line=line, provider_amount=line.gross, currency=line.currency,
        provider_reference=line.provider_reference, fee=line.fee or None, **kw,
    )  # fmt: skip


def _compare(
    line: SettlementLine, resource: str, hub_amount: int, currency: str, settled: bool, what: str
) -> Item:
    """Currency, then status (``settled``: the hub agrees the money moved), then amount."""
    if currency != line.currency:
        return _item(
            line, ItemKind.CURRENCY_MISMATCH, resource=resource, hub_amount=hub_amount,
            detail=f"the hub's {what} is in {currency}, the provider's line in {line.currency}",
        )  # fmt: skip
    if not settled:
        return _item(
            line, ItemKind.STATUS_MISMATCH, resource=resource, hub_amount=hub_amount,
            detail=f"the provider settled it; the hub's {what}",
        )  # fmt: skip
    if hub_amount != line.gross:
        return _item(
            line, ItemKind.AMOUNT_MISMATCH, resource=resource, hub_amount=hub_amount,
            detail=f"the hub recorded {hub_amount}, the provider {line.gross} {line.currency}",
        )  # fmt: skip
    return _item(line, ItemKind.MATCHED, resource=resource, hub_amount=hub_amount, detail=f"matches {what}")


def _missing(line: SettlementLine, why: str, resource: str | None = None) -> Item:
    return _item(line, ItemKind.MISSING_IN_HUB, resource=resource, detail=why)


def _charge(line: SettlementLine, look: Lookups) -> Item:
    op = look.operations.get(line.operation_id or "")
    pay = look.payment(line)
    if (
        op is not None
        and op["kind"] in ("capture", "authorize")
        and (pay is None or op["resource_id"] == pay["id"])
    ):
        settled = op["status"] == "succeeded"
        what = f"operation {op['id']} ({op['kind']}, {op['status']})"
        return _compare(
            line, op["resource_id"], op["amount"] if settled else 0, op["currency"], settled, what
        )
    if pay is None:
        return _missing(line, "a charge the hub has no payment for")
    if pay["amount_captured"] != line.gross:
        for part in look.captures.get(pay["id"], ()):
            if (
                part["amount"] == line.gross
                and part["currency"] == line.currency
                and part["id"] not in look.claimed
            ):
                look.claimed.add(part["id"])
                return _compare(
                    line, pay["id"], part["amount"], part["currency"], True, f"capture {part['id']}"
                )
    settled = pay["amount_captured"] > 0
    what = f"payment {pay['id']} ({pay['status']}, captured {pay['amount_captured']})"
    return _compare(line, pay["id"], pay["amount_captured"], pay["currency"], settled, what)


def _refund(line: SettlementLine, look: Lookups) -> Item:
    ref = look.refund(line)
    if ref is None:
        pay = look.payment(line) if line.parent_reference or line.resource_id else None
        return _missing(line, "a refund the hub has no record of", resource=pay["id"] if pay else None)
    sign, want = (-1, RefundStatus.SUCCEEDED) if line.type == LineType.REFUND else (1, RefundStatus.FAILED)
    what = f"refund {ref['id']} ({ref['status']})"
    return _compare(line, ref["id"], sign * ref["amount"], ref["currency"], ref["status"] == want.value, what)


def _payout(line: SettlementLine, look: Lookups) -> Item:
    po = look.payout(line)
    if po is None:
        return _missing(line, "a payout the hub has no record of")
    if line.type == LineType.BANK_PAYOUT:
        sign, ok = -1, po["status"] in (PayoutStatus.SUCCEEDED.value, PayoutStatus.RETURNED.value)
    else:
        sign, ok = 1, po["status"] == PayoutStatus.RETURNED.value
    return _compare(
        line, po["id"], sign * po["amount"], po["currency"], ok, f"payout {po['id']} ({po['status']})"
    )


def _dispute(line: SettlementLine, look: Lookups) -> Item:
    dp = look.dispute(line)
    if dp is None:
        return _missing(line, "a chargeback the hub has no dispute for")
    sign = -1 if line.type == LineType.DISPUTE else 1
    what = f"dispute {dp['id']} ({dp['status']})"
    return _compare(line, dp["id"], sign * dp["amount"], dp["currency"], True, what)


def match_line(account_id: str, line: SettlementLine, look: Lookups, out: PageResult) -> None:
    """Append ``line``'s item (and movements) to ``out``; deposits are matched separately."""
    cause = cause_of(account_id, line.line_id)
    typ = line.type
    if typ == LineType.FEE:
        fee = line.fee - line.gross  # what the provider kept: the line's own fee plus its amount
        out.items.append(_item(line, ItemKind.FEE, hub_amount=None, detail="a provider fee, posted as fee"))
        if fee:
            out.movements.append(Movement("fee", line.currency, fee, cause, None))
        return
    if typ in (LineType.PAYOUT, LineType.PAYOUT_REVERSAL):
        amount = -line.gross
        kind = "settlement" if typ == LineType.PAYOUT else "settlement_reversal"
        detail = "paid out to the merchant's bank, posted as settlement"
        if typ == LineType.PAYOUT_REVERSAL:
            detail = "a payout to the merchant's bank came back, reversed"
        out.items.append(_item(line, ItemKind.SETTLEMENT, hub_amount=None, detail=detail))
        if amount:
            out.movements.append(Movement(kind, line.currency, abs(amount), cause, None))
    elif typ == LineType.CHARGE:
        out.items.append(_charge(line, look))
    elif typ in (LineType.REFUND, LineType.REFUND_FAILURE):
        out.items.append(_refund(line, look))
    elif typ in (LineType.BANK_PAYOUT, LineType.BANK_PAYOUT_RETURN):
        out.items.append(_payout(line, look))
    elif typ in (LineType.DISPUTE, LineType.DISPUTE_REVERSAL):
        out.items.append(_dispute(line, look))
    else:
        out.items.append(_missing(line, f"a provider {line.provider_type} line the hub has no record of"))
    if line.fee:
        resource = out.items[-1].resource
        out.movements.append(Movement("fee", line.currency, line.fee, cause, resource))


async def match_deposits(conn: AsyncConnection, lines: Sequence[SettlementLine], out: PageResult) -> None:
    """Bank credits against provider payouts already reconciled as ``settlement`` items (any
    account). A payout line is claimed by one deposit; the same deposit (a re-run) reclaims it."""
    if not lines:
        return
    amounts = sorted({-line.gross for line in lines})
    rows = (
        await conn.execute(
            select(
                ri.c.line_id,
                ri.c.provider_reference,
                ri.c.provider_amount,
                ri.c.currency,
                ri.c.line_created_at,
            )
            .where(ri.c.kind == ItemKind.SETTLEMENT.value, ri.c.type == LineType.PAYOUT.value)
            .where(ri.c.provider_amount.in_(amounts))
            .distinct()
            .order_by(ri.c.line_created_at, ri.c.line_id)
        )
    ).all()
    claims = {
        r.matched_line: r.line_id
        for r in (
            await conn.execute(
                select(ri.c.matched_line, ri.c.line_id).where(
                    ri.c.type == LineType.DEPOSIT.value, ri.c.matched_line.is_not(None)
                )
            )
        ).all()
    }
    for line in lines:
        candidates = [
            r for r in rows
            if r.currency == line.currency and r.provider_amount == -line.gross
            and claims.get(r.line_id, line.line_id) == line.line_id
        ]  # fmt: skip
        text = (line.description or "") + " " + (line.provider_reference or "")
        named = [r for r in candidates if r.provider_reference and r.provider_reference in text]
        pick = named[0] if named else (candidates[0] if candidates else None)
        if pick is None:
            out.items.append(_missing(line, "a bank credit no reconciled provider payout explains"))
            continue
        claims[pick.line_id] = line.line_id
        out.items.append(
            _item(
                line, ItemKind.MATCHED, hub_amount=line.gross, matched_line=pick.line_id,
                detail=f"the provider payout {pick.provider_reference or pick.line_id}, already posted as settlement",
            )
        )  # fmt: skip


async def match_page(conn: AsyncConnection, account_id: str, lines: Sequence[SettlementLine]) -> PageResult:
    out = PageResult()
    deposits = [line for line in lines if line.type == LineType.DEPOSIT]
    others = [line for line in lines if line.type != LineType.DEPOSIT]
    if others:
        look = await Lookups.load(conn, account_id, others)
        for line in others:
            match_line(account_id, line, look, out)
    await match_deposits(conn, deposits, out)
    return out
