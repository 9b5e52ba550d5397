"""Stripe's balance transactions as settlement lines (``Capability.RECONCILIATION``, DESIGN §14).

``GET /v1/balance_transactions`` with ``created[gte]`` / ``created[lt]`` (whole seconds:
ceil(start), ceil(end), so the window stays ``[start, end)``), ``limit`` (1-100) and
``expand[]=data.source`` (https://docs.stripe.com/api/balance_transactions/list; ``source`` is
expandable): newest first, paged with ``starting_after`` = the last id while ``has_more``.

Each transaction becomes one line (amount, fee and net are already signed as seen from the
balance: a charge +, a refund -, a payout -, ``net = amount - fee``):

* ``provider_reference``: the ``source`` id (``ch_``, ``py_``, ``re_``, ``po_``, ``du_`` ...);
* ``parent_reference``: the PaymentIntent the source belongs to (a charge's, a refund's or a
  dispute's ``payment_intent``; a refund's ``charge`` when it has none) — the adapter stores
  the PaymentIntent id as the payment's provider reference, so the hub can match by it;
* ``resource_id`` / ``operation_id``: the hub's ids from the expanded source's ``metadata``
  (``payhub_payment_id``, ``payhub_refund_id``, ``payhub_payout_id``, ``payhub_operation_id``).
  A charge's ``operation_id`` is left out: the PaymentIntent's metadata names the *authorize*
  operation, not the capture that settled the charge.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

from adapters.report_http import get_report
from adapters.settlement import (
    LineType,
    ReportError,
    ReportErrorCode,
    SettlementLine,
    SettlementPage,
    SettlementRequest,
)
from adapters.stripe.mapping import from_stripe_amount

PATH = "/v1/balance_transactions"
MAX_LIMIT = 100

# Stripe ``type`` -> LineType (https://docs.stripe.com/reports/balance-transaction-types)
TYPES: Mapping[str, LineType] = {
    "charge": LineType.CHARGE,
    "payment": LineType.CHARGE,  # a non-card payment (py_)
    "refund": LineType.REFUND,
    "payment_refund": LineType.REFUND,
    "refund_failure": LineType.REFUND_FAILURE,
    "payment_failure_refund": LineType.REFUND_FAILURE,
    "payout": LineType.PAYOUT,
    "payout_failure": LineType.PAYOUT_REVERSAL,
    "payout_cancel": LineType.PAYOUT_REVERSAL,
    "stripe_fee": LineType.FEE,
    "stripe_fx_fee": LineType.FEE,
    "tax_fee": LineType.FEE,
    "application_fee": LineType.FEE,
    "application_fee_refund": LineType.FEE,
    "payment_reversal": LineType.DISPUTE,  # a bank debit / ACH payment reversed by the payer
    "adjustment": LineType.ADJUSTMENT,  # disputes are adjustments: see line_type()
}
# ``reporting_category`` of a dispute's adjustment (a withdrawal, a reinstatement)
DISPUTE_CATEGORIES: Mapping[str, LineType] = {
    "dispute": LineType.DISPUTE,
    "dispute_reversal": LineType.DISPUTE_REVERSAL,
}

MD_KEYS = ("payhub_payment_id", "payhub_refund_id", "payhub_payout_id", "payhub_operation_id")


class FeeDetail(msgspec.Struct, kw_only=True):
    amount: int
    type: str | None = None


class BalanceTransaction(msgspec.Struct, kw_only=True):
    id: str
    amount: int
    currency: str
    created: int
    type: str
    fee: int = 0
    net: int
    source: str | dict[str, Any] | None = None
    status: str | None = None
    available_on: int | None = None
    description: str | None = None
    reporting_category: str | None = None
    fee_details: list[FeeDetail] = msgspec.field(default_factory=list)


class BalanceTransactionList(msgspec.Struct, kw_only=True):
    data: list[BalanceTransaction]
    has_more: bool
    object: str = "list"


def line_type(txn: BalanceTransaction, source_id: str | None) -> LineType:
    base = TYPES.get(txn.type, LineType.OTHER)
    if base is LineType.ADJUSTMENT:
        category = DISPUTE_CATEGORIES.get(txn.reporting_category or "")
        if category is not None:
            return category
        if source_id and source_id.startswith(("du_", "dp_")):
            return LineType.DISPUTE if txn.amount < 0 else LineType.DISPUTE_REVERSAL
    return base


def _ref(value: Any) -> str | None:
    """An expandable reference: the id string, or the expanded object's ``id``."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        ident = value.get("id")
        return ident if isinstance(ident, str) and ident else None
    return None


def to_line(txn: BalanceTransaction) -> SettlementLine:
    source = txn.source if isinstance(txn.source, Mapping) else {}
    source_id = _ref(txn.source)
    type_ = line_type(txn, source_id)
    raw_md = source.get("metadata")
    md: Mapping[str, Any] = raw_md if isinstance(raw_md, Mapping) else {}
    parent = _ref(source.get("payment_intent")) or (
        _ref(source.get("charge")) if type_ in (LineType.REFUND, LineType.REFUND_FAILURE) else None
    )
    resource: str | None = None
    operation: str | None = md.get("payhub_operation_id")
    if type_ in (LineType.REFUND, LineType.REFUND_FAILURE):
        resource = md.get("payhub_refund_id")
    elif type_ in (LineType.PAYOUT, LineType.PAYOUT_REVERSAL):
        resource = md.get("payhub_payout_id")
    else:
        resource = md.get("payhub_payment_id")
        operation = None  # the PaymentIntent's metadata names the authorize operation
    currency = txn.currency.upper()
    gross = from_stripe_amount(txn.amount, currency)
    fee = from_stripe_amount(txn.fee, currency)
    summary: dict[str, Any] = {"type": txn.type, "source": source_id}
    if txn.reporting_category:
        summary["reporting_category"] = txn.reporting_category
    if txn.fee_details:
        summary["fee_details"] = [{"type": f.type, "amount": f.amount} for f in txn.fee_details]
    if source.get("object"):
        summary["source_object"] = source["object"]
    return SettlementLine(
        line_id=txn.id,
        type=type_,
        provider_type=txn.type,
        gross=gross,
        fee=fee,
        net=gross - fee,
        currency=currency,
        created_at=datetime.fromtimestamp(txn.created, UTC),
        provider_reference=source_id,
        resource_id=str(resource) if resource else None,
        operation_id=str(operation) if operation else None,
        parent_reference=parent if parent != source_id else None,
        available_on=datetime.fromtimestamp(txn.available_on, UTC) if txn.available_on else None,
        status=txn.status,
        description=txn.description,
        summary=summary,
    )


def query(request: SettlementRequest, after: str | None) -> list[tuple[str, str]]:
    params = [
        ("created[gte]", str(math.ceil(request.start.timestamp()))),
        ("created[lt]", str(math.ceil(request.end.timestamp()))),
        ("limit", str(max(1, min(MAX_LIMIT, request.page_size)))),
        ("expand[]", "data.source"),
    ]
    if after:
        params.append(("starting_after", after))
    return params


def _error_message(response: httpx.Response) -> str:
    try:
        err = msgspec.json.decode(response.content).get("error") or {}
        return f"{err.get('code') or err.get('type')}: {err.get('message')}"
    except (msgspec.DecodeError, AttributeError):
        return response.text[:200]


async def read_lines(
    client: httpx.AsyncClient, url: str, headers: Mapping[str, str], request: SettlementRequest
) -> AsyncIterator[SettlementPage]:
    after: str | None = None
    while True:
        response = await get_report(
            client, url, "Stripe balance transactions", accept=range(200, 500),
            params=query(request, after), headers=dict(headers),
        )  # fmt: skip
        if response.status_code != 200:
            raise ReportError(
                ReportErrorCode.MALFORMED,
                f"Stripe refused the balance transactions request (HTTP {response.status_code} "
                f"{_error_message(response)})",
            )
        try:
            page = msgspec.json.decode(response.content, type=BalanceTransactionList)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise ReportError(
                ReportErrorCode.MALFORMED, f"not a Stripe list of balance transactions: {exc}"
            ) from exc
        yield SettlementPage(lines=[to_line(t) for t in page.data])
        if not page.has_more or not page.data:
            return
        after = page.data[-1].id
