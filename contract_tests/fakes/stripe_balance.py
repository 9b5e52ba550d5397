"""The Stripe fake's balance: balance transactions made by its charges, refunds, payouts and
disputes (https://docs.stripe.com/api/balance_transactions), served by
``GET /v1/balance_transactions`` as Stripe documents it:

* parameters ``created`` (``gt``/``gte``/``lt``/``lte`` or an integer), ``limit`` (1-100,
  default 10), ``starting_after`` / ``ending_before`` (an unknown id -> 400
  ``resource_missing``), ``type``, ``source``, ``currency``, ``payout``, ``expand[]``
  (only ``data.source`` is expandable; anything else -> 400); unknown parameters are refused
  by the fake's query check (400 ``parameter_unknown``);
* newest first; ``has_more`` when more follow; ``source`` is the id, or the object when
  ``expand[]=data.source``.

Tests inject discrepancies with :meth:`StripeBalance.add` (a line the hub never saw),
:meth:`StripeBalance.alter` and :meth:`StripeBalance.drop`.

Fees: a charge pays 2.9 % + 30 minor units (``fee_details`` type ``stripe_fee``); refunds,
payouts, disputes (the transactions the dispute lists, same ids) and reversals pay none.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from contract_tests.fakes.stripe_world import StripeError


def charge_fee(amount: int) -> int:
    return (amount * 29 + 500) // 1000 + 30


class StripeBalance:
    def __init__(self, now: Callable[[], int]) -> None:
        self._now = now
        self.transactions: list[dict[str, Any]] = []  # oldest first
        self._sources: dict[str, dict[str, Any]] = {}  # txn id -> the source object
        self._charged: set[str] = set()

    # ---------------------------------------------------------------- recording

    def add(
        self,
        type_: str,
        amount: int,
        currency: str,
        source: dict[str, Any],
        *,
        fee: int = 0,
        txn_id: str | None = None,
        reporting_category: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        now = self._now()
        txn: dict[str, Any] = {
            "id": txn_id or "txn_" + secrets.token_hex(12),
            "object": "balance_transaction",
            "amount": amount,
            "available_on": now + 2 * 86400 if amount > 0 else now,
            "created": now,
            "currency": currency,
            "description": description,
            "exchange_rate": None,
            "fee": fee,
            "fee_details": [
                {"amount": fee, "application": None, "currency": currency,
                 "description": "Stripe processing fees", "type": "stripe_fee"}
            ] if fee else [],
            "net": amount - fee,
            "reporting_category": reporting_category or type_,
            "source": source["id"],
            "status": "pending" if amount > 0 else "available",
            "type": type_,
        }
        self.transactions.append(txn)
        self._sources[txn["id"]] = source
        return txn

    def watch(self, emit: Callable[..., None]) -> Callable[..., None]:
        """Wrap the world's event recorder: each money movement books its transaction."""

        def emit_and_book(type_: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> None:
            emit(type_, obj, previous)
            self.on_event(type_, obj)

        return emit_and_book

    def on_event(self, type_: str, obj: dict[str, Any]) -> None:
        cur = obj.get("currency", "")
        if type_ == "payment_intent.succeeded" and obj.get("latest_charge") not in self._charged:
            charge_id = obj["latest_charge"]
            self._charged.add(charge_id)
            charge = {
                "id": charge_id, "object": "charge", "amount": obj["amount"],
                "amount_captured": obj["amount_received"], "currency": cur,
                "metadata": dict(obj.get("metadata") or {}), "payment_intent": obj["id"],
                "status": "succeeded",
            }  # fmt: skip
            amount = obj["amount_received"]
            self.add("charge", amount, cur, charge, fee=charge_fee(amount), description=obj.get("description"))
        elif type_ == "refund.created" and obj.get("status") in ("succeeded", "pending"):
            self.add("refund", -obj["amount"], cur, obj, txn_id=obj.get("balance_transaction"))
        elif type_ == "refund.failed":
            self.add("refund_failure", obj["amount"], cur, obj, reporting_category="refund_failure")
        elif type_ == "payout.created":
            self.add("payout", -obj["amount"], cur, obj, txn_id=obj.get("balance_transaction"),
                     description=obj.get("description") or "STRIPE PAYOUT")  # fmt: skip
        elif type_ == "payout.failed":
            self.add("payout_failure", obj["amount"], cur, obj, description="Payout failure")
        elif type_ in ("charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated"):
            txn = (obj.get("balance_transactions") or [{}])[-1]  # the one the dispute just listed
            self.add("adjustment", txn.get("amount", 0), cur, obj, txn_id=txn.get("id"),
                     reporting_category=txn.get("reporting_category"),
                     description=f"Chargeback {'withdrawal' if txn.get('amount', 0) < 0 else 'reversal'}")  # fmt: skip

    # ---------------------------------------------------------------- discrepancies (tests)

    def _of(self, source_id: str) -> list[dict[str, Any]]:
        found = [t for t in self.transactions if t["source"] == source_id]
        if not found:
            raise KeyError(f"no balance transaction for {source_id}")
        return found

    def drop(self, source_id: str) -> None:
        """Stripe's books lose the transactions of ``source_id`` (a capture the hub has, Stripe not)."""
        for txn in self._of(source_id):
            self.transactions.remove(txn)

    def alter(self, source_id: str, amount: int) -> None:
        """The transaction of ``source_id`` says another amount (fee kept, net follows)."""
        for txn in self._of(source_id):
            txn["amount"], txn["net"] = amount, amount - txn["fee"]

    # ---------------------------------------------------------------- listing

    @staticmethod
    def _window(query: dict[str, str]) -> Callable[[int], bool]:
        bounds: list[Callable[[int], bool]] = []
        for key, value in query.items():
            m = re.fullmatch(r"created(?:\[(gt|gte|lt|lte)\])?", key)
            if not m:
                continue
            if not re.fullmatch(r"\d+", value):
                raise StripeError(400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=key)
            v, op = int(value), m.group(1)
            bounds.append({
                None: lambda c, v=v: c == v, "gt": lambda c, v=v: c > v, "gte": lambda c, v=v: c >= v,
                "lt": lambda c, v=v: c < v, "lte": lambda c, v=v: c <= v,
            }[op])  # fmt: skip
        return lambda created: all(b(created) for b in bounds)

    def list(self, query: dict[str, str]) -> dict[str, Any]:
        expand = [v for k, v in query.items() if re.fullmatch(r"expand\[\d*\]", k)]
        for path in expand:
            if path != "data.source":
                raise StripeError(400, f"This property cannot be expanded ({path}).", param="expand")
        limit = int(query.get("limit", "10"))
        inside = self._window(query)
        data = [
            t for t in reversed(self.transactions)
            if inside(t["created"])
            and all(query.get(k) in (None, t[k]) for k in ("type", "source", "currency"))
        ]  # fmt: skip
        data.sort(key=lambda t: t["created"], reverse=True)  # stable: newest first, then latest
        ids = [t["id"] for t in data]
        for cursor in ("starting_after", "ending_before"):
            ident = query.get(cursor)
            if ident is None:
                continue
            if not any(t["id"] == ident for t in self.transactions):
                raise StripeError(
                    400, f"No such balance transaction: '{ident}'", code="resource_missing", param=cursor
                )
            if ident in ids:
                i = ids.index(ident)
                data = data[i + 1 :] if cursor == "starting_after" else data[max(0, i - limit) : i]
            else:
                data = []
        page = [dict(t) for t in data[:limit]]
        if expand:
            for t in page:
                t["source"] = dict(self._sources[t["id"]])
        return {"object": "list", "data": page, "has_more": len(data) > limit, "url": "/v1/balance_transactions"}
