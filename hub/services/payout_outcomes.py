"""Applying a provider Outcome to a payout operation and its payout (the payout branch of
:func:`hub.services.outcomes.apply`).

The payout moves through :data:`hub.domain.states.PAYOUT_TRANSITIONS` from where it
stands: ``processing`` -> ``succeeded`` / ``failed``, and ``succeeded`` -> ``returned``
when the bank later reports a return — even though the operation itself was already
certain (a return is news about the payout, not a different answer to the call).
News that would move a payout backwards changes nothing. Every move writes its
``payout.*`` event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.base import Outcome, OutcomeStatus
from hub.domain.operations import OpStatus
from hub.domain.states import PayoutResult, PayoutStatus, payout_transition
from hub.services import postings
from hub.services import representations as rep
from hub.services.outcomes import (
    Applied,
    failure_dict,
    next_check_at,
    not_sent_failure,
    op_status_for,
    still_needs_review,
)
from hub.store import tables as t
from hub.store.repo import Row, add_event, load, update_row

log = logging.getLogger("payhub.payouts")

EVENT_FOR_STATUS = {
    PayoutStatus.PROCESSING: "payout.processing",
    PayoutStatus.SUCCEEDED: "payout.succeeded",
    PayoutStatus.FAILED: "payout.failed",
    PayoutStatus.RETURNED: "payout.returned",
}
_CERTAIN = (OpStatus.SUCCEEDED, OpStatus.FAILED)


def payout_result(outcome: Outcome) -> PayoutResult:
    return {
        OutcomeStatus.SUCCEEDED: PayoutResult.SUCCEEDED,
        OutcomeStatus.FAILED: PayoutResult.FAILED,
        OutcomeStatus.RETRY: PayoutResult.FAILED,  # proven not processed
        OutcomeStatus.RETURNED: PayoutResult.RETURNED,
        OutcomeStatus.PENDING: PayoutResult.UNKNOWN,
        OutcomeStatus.UNKNOWN: PayoutResult.UNKNOWN,
        OutcomeStatus.REQUIRES_ACTION: PayoutResult.UNKNOWN,  # meaningless for a transfer
    }[outcome.status]


def _failure_of(outcome: Outcome) -> dict[str, Any] | None:
    if outcome.status == OutcomeStatus.RETRY:
        return msgspec.to_builtins(not_sent_failure(outcome.reason))  # type: ignore[no-any-return]
    return failure_dict(outcome)


async def _record_operation(
    conn: AsyncConnection,
    op: Row,
    current_op: Row,
    outcome: Outcome,
    now: dt.datetime,
    schedule: list[float] | None,
) -> OpStatus:
    """The operation record, unless it is already certain (then only the payout may move)."""
    if OpStatus(current_op["status"]) in _CERTAIN and current_op["resolved_at"] is not None:
        return OpStatus(current_op["status"])
    op_status = op_status_for(outcome)
    if op_status == OpStatus.REQUIRES_ACTION:
        op_status = OpStatus.UNKNOWN
    values: dict[str, Any] = {
        "status": op_status.value,
        "updated_at": now,
        "attempts": (current_op["attempts"] or 0) + 1,
        "provider_reference": outcome.provider_reference or current_op["provider_reference"],
        "operation_reference": outcome.operation_reference or current_op["operation_reference"],
        "response": outcome.summary or None,
        "failure": _failure_of(outcome),
        "reason": outcome.reason,
        "lease_until": None,
    }
    if op_status in _CERTAIN:
        values["resolved_at"] = now
        values["next_check_at"] = None
    else:
        values["next_check_at"] = next_check_at(current_op, now, schedule)
    await update_row(conn, t.operations, op["id"], values)
    return op_status


async def apply_payout(
    conn: AsyncConnection,
    op: Row,
    outcome: Outcome,
    *,
    now: dt.datetime,
    schedule: list[float] | None,
) -> Applied:
    """Record ``outcome`` for payout operation ``op`` (whose payout row the caller has locked)."""
    payout = await load(conn, t.payouts, op["resource_id"], what="payout")
    current_op = await load(conn, t.operations, op["id"], what="operation")
    op_status = await _record_operation(conn, op, current_op, outcome, now, schedule)

    current = PayoutStatus(payout["status"])
    # the payout row shows `processing` from the start (money may move); until its
    # operation has had an answer, the transition starts where the operation did
    first_answer = current == PayoutStatus.PROCESSING and current_op["status"] == OpStatus.PENDING
    state = PayoutStatus(op["from_status"] or PayoutStatus.NEW) if first_answer else current
    result = payout_result(outcome)
    new_status = payout_transition(state, result)
    if new_status == state and result != PayoutResult.UNKNOWN:
        contradicts = current == PayoutStatus.FAILED and result != PayoutResult.FAILED
        log.log(
            logging.WARNING if contradicts else logging.INFO,
            "news %s for %s changes nothing: payout %s is %s",
            result.value,
            op["id"],
            payout["id"],
            current.value,
        )

    values: dict[str, Any] = {}
    if outcome.provider_reference and not payout["provider_reference"]:
        values["provider_reference"] = outcome.provider_reference
    if new_status in (PayoutStatus.FAILED, PayoutStatus.RETURNED) and new_status != current:
        values["failure"] = _failure_of(outcome)
    if new_status != current:
        values["status"] = new_status.value
    if op_status in _CERTAIN and payout["requires_review"]:
        values["requires_review"] = await still_needs_review(conn, payout["id"], op["id"])
    if values:
        values["updated_at"] = now
        await update_row(conn, t.payouts, payout["id"], values)
        payout.update(values)
        await postings.payout_moved(conn, current, payout, now=now)  # the ledger, same transaction
    changed = new_status != state
    if changed and new_status in EVENT_FOR_STATUS:
        await add_event(
            conn,
            owner=payout["owner"],
            type=EVENT_FOR_STATUS[new_status],
            resource_id=payout["id"],
            data={"object": rep.payout(payout)},
            now=now,
        )
    return Applied(resource=payout, changed=new_status != current, operation_status=op_status)
