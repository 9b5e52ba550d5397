"""The simulator's books as settlement lines (``Capability.RECONCILIATION``, DESIGN §14).

Reads ``GET /v1/balance_transactions`` for ``[start, end)`` (``created`` is whole seconds:
``created[gte]`` = ceil(start), ``created[lt]`` = ceil(end)), newest first, paged with
``starting_after``, and normalises each transaction. The hub's ids come from ``metadata``:
``payment_id`` / ``refund_id`` / ``payout_id`` (the resource) and ``operation_id`` (a capture).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime

import httpx
import msgspec

from adapters.settlement import (
    LineType,
    ReportError,
    ReportErrorCode,
    SettlementLine,
    SettlementPage,
    SettlementRequest,
)
from adapters.simulator.books import BalanceTransaction, BalanceTransactionList

TYPES: Mapping[str, LineType] = {
    "charge": LineType.CHARGE,
    "refund": LineType.REFUND,
    "refund_failure": LineType.REFUND_FAILURE,
    "transfer": LineType.BANK_PAYOUT,  # a hub payout to a beneficiary, paid from the balance
    "transfer_reversal": LineType.BANK_PAYOUT_RETURN,
    "payout": LineType.PAYOUT,  # the balance paid out to the merchant's own bank
    "payout_failure": LineType.PAYOUT_REVERSAL,
    "dispute": LineType.DISPUTE,
    "dispute_reversal": LineType.DISPUTE_REVERSAL,
    "fee": LineType.FEE,
    "adjustment": LineType.ADJUSTMENT,
}


def to_line(txn: BalanceTransaction) -> SettlementLine:
    meta = txn.metadata
    type_ = TYPES.get(txn.type, LineType.OTHER)
    resource = meta.get("refund_id") if type_ in (LineType.REFUND, LineType.REFUND_FAILURE) else None
    if type_ in (LineType.BANK_PAYOUT, LineType.BANK_PAYOUT_RETURN):
        resource = meta.get("payout_id")
    resource = resource or meta.get("payment_id")
    return SettlementLine(
        line_id=txn.id,
        type=type_,
        provider_type=txn.type,
        gross=txn.amount,
        fee=txn.fee,
        net=txn.net,
        currency=txn.currency.upper(),
        created_at=datetime.fromtimestamp(txn.created, UTC),
        provider_reference=txn.source,
        resource_id=resource,
        operation_id=meta.get("operation_id"),
        parent_reference=meta.get("charge"),
        status=txn.status,
        description=txn.description,
        summary={"type": txn.type, "source": txn.source},
    )


async def read_lines(
    client: httpx.AsyncClient, headers: Mapping[str, str], request: SettlementRequest
) -> AsyncIterator[SettlementPage]:
    params = {
        "created[gte]": str(math.ceil(request.start.timestamp())),
        "created[lt]": str(math.ceil(request.end.timestamp())),
        "limit": str(max(1, min(100, request.page_size))),
    }
    after: str | None = None
    while True:
        query = dict(params, starting_after=after) if after else params
        try:
            response = await client.get("/v1/balance_transactions", params=query, headers=dict(headers))
        except httpx.HTTPError as exc:
            raise ReportError(
                ReportErrorCode.UNAVAILABLE, f"balance transactions unreachable: {exc!r}"
            ) from exc
        if response.status_code in (401, 403):
            raise ReportError(
                ReportErrorCode.UNAUTHORIZED, f"balance transactions: HTTP {response.status_code}"
            )
        if response.status_code >= 500:
            raise ReportError(
                ReportErrorCode.UNAVAILABLE, f"balance transactions: HTTP {response.status_code}"
            )
        if response.status_code != 200:
            raise ReportError(
                ReportErrorCode.MALFORMED,
                f"balance transactions: HTTP {response.status_code} {response.text[:200]}",
            )
        try:
            page = msgspec.json.decode(response.content, type=BalanceTransactionList)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise ReportError(ReportErrorCode.MALFORMED, f"balance transactions: not a list ({exc})") from exc
        yield SettlementPage(lines=[to_line(t) for t in page.data])
        if not page.has_more or not page.data:
            return
        after = page.data[-1].id
