"""An admin settles provider news that was flagged for review (:mod:`hub.services.adoption`).

``POST /v1/admin/operations/{id}/settle`` on a flagged operation with ``origin: "provider"``
(the news disagreed with the payment, so nothing was applied):

* ``failed`` dismisses it: the operation becomes ``failed`` (``resolved_manually``) and
  nothing moves;
* ``succeeded`` says the provider's figure is true: it is applied as an adopted change if it
  fits the payment now (the state table allows it, the currency is the payment's, the amount
  is capturable / refundable), through :func:`hub.services.outcomes.apply` like any adoption
  (a refund gets its ``re_`` row); otherwise 409 ``provider_news_disagrees`` and nothing
  changes (correct it at the provider, or dismiss it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.base import Outcome, OutcomeStatus
from hub.domain import states
from hub.domain.errors import InvalidState
from hub.domain.operations import OpStatus
from hub.domain.states import Op, Status
from hub.services import adoption
from hub.store import tables as t
from hub.store.repo import Row, add_attempt, load, update_row


async def before_settle(
    conn: AsyncConnection, op: Row, outcome: str, reason: str, now: dt.datetime
) -> Row | None:
    """The operation to apply the admin's outcome to: ``op`` itself unless it is flagged
    provider news; for that, ``None`` when dismissed (done here) or the operation made ready
    to be applied (raises :class:`InvalidState` when the figure still does not fit)."""
    if not adoption.flagged(op):
        return op
    if outcome != "succeeded":
        failure = {
            "code": "resolved_manually",
            "decline_code": None,
            "message": reason,
            "provider_code": None,
        }
        await update_row(conn, t.operations, op["id"], {
            "status": OpStatus.FAILED.value, "failure": failure, "resolved_at": now, "updated_at": now,
            "next_check_at": None, "reason": f"dismissed by an admin: {reason}",
        })  # fmt: skip
        await add_attempt(conn, operation_id=op["id"], action="settle", outcome="failed",
                          detail={"reason": reason}, duration_ms=None, now=now)  # fmt: skip
        return None
    payment = await load(conn, t.payments, op["resource_id"], what="payment")
    status, kind = Status(payment["status"]), Op(op["kind"])
    if not states.allowed(status, kind):
        raise _refused(op, f"a {kind.value} cannot apply to a payment that is {status.value}")
    claim = Outcome(status=OutcomeStatus.SUCCEEDED, amount=op["amount"], currency=op["currency"])
    values: dict[str, Any] = {
        "from_status": status.value,
        "status": OpStatus.PENDING.value,
        "updated_at": now,
    }
    if kind == Op.CAPTURE:
        capturable = payment["amount"] - payment["amount_captured"]
        problem = adoption.disagreement(payment, claim, op["amount"], capturable, "capturable")
        values["request"] = {**(op["request"] or {}), "final": op["amount"] >= capturable}
    elif kind == Op.REFUND:
        room = await adoption.refundable_now(conn, payment)
        problem = adoption.disagreement(payment, claim, op["amount"], room, "refundable")
    else:
        problem = None
    if problem:
        raise _refused(op, problem)
    if kind == Op.REFUND:
        refund = await adoption.new_refund(conn, payment, op["amount"], op["operation_reference"], now)
        values["refund_id"] = refund["id"]
    await update_row(conn, t.operations, op["id"], values)
    return {**op, **values}


def _refused(op: Row, problem: str) -> InvalidState:
    return InvalidState(
        f"operation {op['id']} (provider news) still disagrees with its payment ({problem}): "
        "settle it failed to dismiss it",
        code="provider_news_disagrees",
    )
