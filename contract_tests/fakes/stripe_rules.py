"""What the Stripe fake's GET routes accept, and how long it keeps an idempotency key.

Stripe refuses parameters an endpoint does not document (400 ``parameter_unknown``, on
GETs as on POSTs) and a ``limit`` outside 1-100 (https://docs.stripe.com/api/pagination).
Idempotency keys are pruned after 24 hours (https://docs.stripe.com/api/idempotent_requests):
the same key later is a new request.
"""

from __future__ import annotations

from typing import Any

IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600.0
MAX_LIMIT = 100

_EXPAND: dict[str, Any] = {str(i): None for i in range(20)}
_RANGE: dict[str, Any] = {"gt": None, "gte": None, "lt": None, "lte": None}
_PAGE: dict[str, Any] = {"limit": None, "starting_after": None, "ending_before": None, "expand": _EXPAND}

RETRIEVE: dict[str, Any] = {"expand": _EXPAND}
RETRIEVE_PI: dict[str, Any] = {"expand": _EXPAND, "client_secret": None}
SEARCH_PI: dict[str, Any] = {"query": None, "limit": None, "page": None, "expand": _EXPAND}
LIST_REFUNDS: dict[str, Any] = {**_PAGE, "payment_intent": None, "charge": None, "created": _RANGE}
LIST_PAYOUTS: dict[str, Any] = {
    **_PAGE,
    "created": _RANGE,
    "arrival_date": _RANGE,
    "destination": None,
    "status": None,
}
LIST_DISPUTES: dict[str, Any] = {**_PAGE, "charge": None, "payment_intent": None, "created": _RANGE}
LIST_EVENTS: dict[str, Any] = {
    **_PAGE,
    "created": _RANGE,
    "type": None,
    "types": {str(i): None for i in range(20)},
    "delivery_success": None,
}
LIST_BALANCE_TRANSACTIONS: dict[str, Any] = {
    **_PAGE,
    "created": _RANGE,
    "currency": None,
    "payout": None,
    "source": None,
    "type": None,
}
