"""What became of an ambiguous PayPal operation: the order says (``GET /v2/checkout/orders/{id}``).

The order holds every authorization, capture and refund of the payment, each with the
hub's ids (``invoice_id`` of a capture = its operation id; ``custom_id`` of a refund = the
hub's refund id), so each kind is found exactly:

* authorize / authenticate: the order's state (:func:`mapping.order_outcome`). An order
  still CREATED or APPROVED was not authorized: within PayPal's PayPal-Request-Id window
  the lookup asks for a replay (``summary.needs = "replay"``), after it the operation
  never took effect. Without an order id (the create call's reply was lost) only a replay
  inside the window can find the order again;
* capture / refund: the capture / refund carrying the hub's ids; none after a grace
  period means the request never took effect;
* void: the authorization's status.

A lookup that itself fails proves nothing and answers UNKNOWN.
"""

from __future__ import annotations

import time

import msgspec

from adapters.base import (
    Failure,
    FailureCode,
    LookupRequest,
    OperationKind,
    Outcome,
    OutcomeStatus,
    Strategy,
)
from adapters.paypal import mapping as m
from adapters.paypal.calls import PayPalCalls

# PayPal keeps a PayPal-Request-Id 6 hours; replays are asked for only well inside that
REPLAY_WINDOW_SECONDS = 5 * 3600
# a capture / refund not on the order this long after the request was never made
NOT_FOUND_GRACE_SECONDS = 600


def _age(request: LookupRequest) -> float | None:
    return None if request.created_at is None else time.time() - request.created_at.timestamp()


def _unknown(reason: str, order_id: str | None = None, *, replay: bool = False) -> Outcome:
    summary = {"needs": Strategy.REPLAY.value} if replay else {}
    return Outcome(status=OutcomeStatus.UNKNOWN, provider_reference=order_id, reason=reason, summary=summary)


def _never(what: str, order_id: str | None) -> Outcome:
    return Outcome(
        status=OutcomeStatus.FAILED,
        provider_reference=order_id,
        failure=Failure(code=FailureCode.PROVIDER_ERROR,
                        message=f"PayPal has no {what} for this operation: the request never took effect",
                        provider_code=f"{what}_not_found"),
    )


def lookup_failed(outcome: Outcome) -> Outcome:
    if outcome.status in (OutcomeStatus.FAILED, OutcomeStatus.RETRY):
        return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"lookup not answered: {outcome.reason or ''}"
                       f"{outcome.failure.message if outcome.failure else ''}", summary=outcome.summary)
    return outcome


class Lookups:
    def __init__(self, calls: PayPalCalls) -> None:
        self.calls = calls

    async def lookup(self, request: LookupRequest) -> Outcome:
        order_id = request.provider_reference
        age = _age(request)
        in_window = age is None or age < REPLAY_WINDOW_SECONDS
        if not order_id:
            if request.kind is OperationKind.AUTHORIZE and in_window:
                return _unknown("no PayPal order id known: a replay finds the order again", replay=True)
            return _unknown("no PayPal order id to look up")
        order = await self.calls.order(order_id)
        if isinstance(order, Outcome):
            return lookup_failed(order)
        kind = request.kind
        if kind in (OperationKind.AUTHORIZE, OperationKind.AUTHENTICATE):
            return self._payment(request, order, in_window)
        pays = m.payments_of(order)
        if kind is OperationKind.CAPTURE:
            for capture in pays.captures:
                if capture.invoice_id == request.operation_id or capture.id == request.operation_reference:
                    return m.capture_outcome(capture, order.id)
            return self._not_found("capture", order.id, age)
        if kind is OperationKind.REFUND:
            for refund in pays.refunds:
                if (request.refund_id and refund.custom_id == request.refund_id) or (
                    refund.invoice_id == request.operation_id or refund.id == request.operation_reference
                ):
                    return m.refund_outcome(refund, order.id)
            return self._not_found("refund", order.id, age)
        if kind is OperationKind.VOID:
            if not pays.authorizations:
                return _unknown("the order has no authorization", order.id)
            return m.void_outcome(pays.authorizations[0], order.id, lookup=True)
        return _unknown(f"cannot look up {kind.value}", order.id)

    @staticmethod
    def _payment(request: LookupRequest, order: m.Order, in_window: bool) -> Outcome:
        outcome = m.order_outcome(order)
        if outcome.status is not OutcomeStatus.UNKNOWN or order.status not in ("CREATED", "APPROVED", "SAVED"):
            return outcome
        if request.kind is OperationKind.AUTHORIZE and in_window:
            return msgspec.structs.replace(outcome, summary={**outcome.summary, "needs": Strategy.REPLAY.value})
        age = _age(request)
        if age is not None and age > NOT_FOUND_GRACE_SECONDS:
            return _never("authorization", order.id)
        return outcome

    @staticmethod
    def _not_found(what: str, order_id: str, age: float | None) -> Outcome:
        if age is not None and age > NOT_FOUND_GRACE_SECONDS:
            return _never(what, order_id)
        return _unknown(f"no {what} with the hub's ids on the order (yet)", order_id)
