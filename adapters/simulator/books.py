"""The simulated PSP's own books: balance transactions, Stripe-like (DESIGN §14).

Every money movement at the simulator writes one balance transaction (``txn_sim_...``):

* ``charge``   a capture (or a purchase) settled into the balance: ``amount`` > 0, with a
  fee of 1.4% + 25 minor units (``fee_for``), ``net = amount - fee``;
* ``refund``   a refund paid out of the balance: ``amount`` < 0, no fee (and none given back);
* ``transfer`` a payout to a beneficiary (a hub payout) when it is paid: ``amount`` < 0;
  ``transfer_reversal`` when it is returned: ``amount`` > 0;
* ``payout``   the simulator paying the merchant's balance out to the merchant's bank
  (``_sim`` helper :meth:`Books.pay_out_balance`): ``amount`` < 0;
* ``adjustment`` / anything injected by a test (:meth:`Books.inject`).

Each carries ``source`` (the charge / refund / payout id) and ``metadata`` with the hub's ids the
simulator knows: ``payment_id`` (a charge's reference), ``operation_id`` (a capture's reference),
``refund_id``, ``payout_id``. Read with ``GET /v1/balance_transactions`` (newest first, paged
with ``starting_after``, filtered by ``created[gte]`` / ``created[lt]``).

Test instruments (the ``_sim`` helpers): :meth:`inject` (a line the hub never saw),
:meth:`set_amount` (change a line's amount), :meth:`drop` (remove a line), ``corrupt`` (the
endpoint answers a body that is not JSON).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import msgspec

FEE_RATE_BP = 140  # 1.4% in basis points
FEE_FIXED = 25  # minor units per charge


def fee_for(amount: int) -> int:
    """The simulator's fee on a charge of ``amount`` minor units (half up)."""
    return (amount * FEE_RATE_BP + 5_000) // 10_000 + FEE_FIXED


class BalanceTransaction(msgspec.Struct, kw_only=True, tag_field="object", tag="balance_transaction"):
    id: str
    type: str  # charge | refund | transfer | transfer_reversal | payout | adjustment
    source: str | None
    amount: int  # signed, as the merchant's balance sees it
    fee: int
    net: int
    currency: str
    created: int  # unix seconds, the simulated clock
    status: str = "available"
    description: str | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)


class BalanceTransactionList(msgspec.Struct, kw_only=True, tag_field="object", tag="list"):
    data: list[BalanceTransaction]
    has_more: bool
    url: str = "/v1/balance_transactions"


class TxnIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``POST /_sim/balance_transactions``: a line the hub never saw."""

    type: str = "charge"
    amount: int
    currency: str = "EUR"
    fee: int | None = None
    source: str | None = None
    description: str | None = None
    created: int | None = None
    metadata: dict[str, str] = msgspec.field(default_factory=dict)


class TxnAmountIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    amount: int


class BalancePayoutIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``POST /_sim/balance/payouts``: pay ``amount`` (default: the whole balance) to the bank."""

    currency: str = "EUR"
    amount: int | None = None
    description: str | None = None


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


class Books:
    """The balance transactions, oldest first (an append-only list plus an index)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.txns: list[BalanceTransaction] = []
        self._index: dict[str, int] = {}
        self.corrupt = False  # the endpoint answers garbage (a malformed report)

    # ---- recording (called by the simulator state as money moves)
    def _add(self, txn: BalanceTransaction) -> BalanceTransaction:
        self._index[txn.id] = len(self.txns)
        self.txns.append(txn)
        return txn

    def _txn(
        self, type_: str, source: str | None, amount: int, fee: int, currency: str, **kw: Any
    ) -> BalanceTransaction:
        created = kw.pop("created", None)
        return self._add(
            BalanceTransaction(
                id=_new_id("txn_sim_"), type=type_, source=source, amount=amount, fee=fee,
                net=amount - fee, currency=currency,
                created=int(self._clock()) if created is None else created, **kw,
            )
        )  # fmt: skip

    def charge(
        self, charge_id: str, amount: int, currency: str, *, payment_id: str | None, operation_id: str | None
    ) -> BalanceTransaction:
        meta = {k: v for k, v in (("payment_id", payment_id), ("operation_id", operation_id)) if v}
        return self._txn("charge", charge_id, amount, fee_for(amount), currency, metadata=meta)

    def refund(
        self, refund_id: str, charge_id: str, amount: int, currency: str, *, hub_refund: str | None,
        payment_id: str | None,
    ) -> BalanceTransaction:  # fmt: skip
        meta = {"charge": charge_id}
        if hub_refund:
            meta["refund_id"] = hub_refund
        if payment_id:
            meta["payment_id"] = payment_id
        return self._txn("refund", refund_id, -amount, 0, currency, metadata=meta)

    def transfer(self, payout_id: str, amount: int, currency: str, *, hub_payout: str | None,
                 returned: bool = False, created: int | None = None) -> BalanceTransaction:  # fmt: skip
        meta = {"payout_id": hub_payout} if hub_payout else {}
        type_, signed = ("transfer_reversal", amount) if returned else ("transfer", -amount)
        return self._txn(type_, payout_id, signed, 0, currency, metadata=meta, created=created)

    def balance(self, currency: str) -> int:
        return sum(t.net for t in self.txns if t.currency == currency)

    def pay_out_balance(
        self, currency: str = "EUR", amount: int | None = None, description: str | None = None
    ) -> BalanceTransaction:
        """The PSP pays the merchant's balance (or ``amount``) out to the merchant's bank."""
        value = self.balance(currency) if amount is None else amount
        po = _new_id("po_bal_")
        return self._txn("payout", po, -value, 0, currency, description=description or f"PAYOUT {po}")

    # ---- test instruments
    def inject(self, req: TxnIn) -> BalanceTransaction:
        fee = fee_for(req.amount) if req.fee is None and req.type == "charge" else (req.fee or 0)
        return self._txn(
            req.type, req.source or _new_id("ch_sim_"), req.amount, fee, req.currency,
            description=req.description, metadata=dict(req.metadata), created=req.created,
        )  # fmt: skip

    def find(self, *, source: str | None = None, type_: str | None = None) -> list[BalanceTransaction]:
        return [
            t
            for t in self.txns
            if (source is None or t.source == source) and (type_ is None or t.type == type_)
        ]

    def get(self, txn_id: str) -> BalanceTransaction | None:
        i = self._index.get(txn_id)
        return None if i is None else self.txns[i]

    def set_amount(self, txn_id: str, amount: int) -> BalanceTransaction | None:
        txn = self.get(txn_id)
        if txn is None:
            return None
        fee = fee_for(amount) if txn.type == "charge" and amount > 0 else txn.fee
        new = msgspec.structs.replace(txn, amount=amount, fee=fee, net=amount - fee)
        self.txns[self._index[txn_id]] = new
        return new

    def drop(self, txn_id: str) -> bool:
        i = self._index.pop(txn_id, None)
        if i is None:
            return False
        del self.txns[i]
        self._index = {t.id: n for n, t in enumerate(self.txns)}
        return True

    # ---- reading
    def page(
        self, *, gte: int | None, lt: int | None, limit: int, starting_after: str | None
    ) -> tuple[list[BalanceTransaction], bool] | None:
        """Newest first, as Stripe lists. None: ``starting_after`` names no transaction."""
        newest = len(self.txns) - 1
        if starting_after is not None:
            i = self._index.get(starting_after)
            if i is None:
                return None
            newest = i - 1
        out: list[BalanceTransaction] = []
        for n in range(newest, -1, -1):
            t = self.txns[n]
            if (gte is not None and t.created < gte) or (lt is not None and t.created >= lt):
                continue
            if len(out) == limit:
                return out, True
            out.append(t)
        return out, False
