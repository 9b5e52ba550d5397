"""Applying a provider Outcome to an operation and its resource, through the state table.

Used by the request path (right after the call), by resolution (lookup, replay)
and by inbound webhooks — so there is one way a payment moves.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.base import Failure, Outcome, OutcomeStatus
from hub.domain import states
from hub.domain.operations import OpStatus, ResourceKind
from hub.domain.states import Op, RefundStatus, Result, Status
from hub.services import postings, reversals
from hub.services import representations as rep
from hub.store import gather
from hub.store import tables as t
from hub.store.repo import Row, add_attempt, add_event, load, update_row

log = logging.getLogger("payhub.outcomes")


def failure_dict(outcome: Outcome) -> dict[str, Any] | None:
    if outcome.failure is None:
        return None
    return msgspec.to_builtins(outcome.failure)  # type: ignore[no-any-return]


def not_sent_failure(reason: str | None) -> Failure:
    return Failure(
        code="provider_unavailable",
        decline_code="processing_error",
        message=f"the provider could not be reached; nothing was processed ({reason or 'not sent'})",
    )


def op_status_for(outcome: Outcome) -> OpStatus:
    return {
        OutcomeStatus.SUCCEEDED: OpStatus.SUCCEEDED,
        OutcomeStatus.FAILED: OpStatus.FAILED,
        OutcomeStatus.RETRY: OpStatus.FAILED,  # proven not processed
        OutcomeStatus.REQUIRES_ACTION: OpStatus.REQUIRES_ACTION,
        OutcomeStatus.PENDING: OpStatus.UNKNOWN,
        OutcomeStatus.UNKNOWN: OpStatus.UNKNOWN,
        OutcomeStatus.RETURNED: OpStatus.SUCCEEDED,
    }[outcome.status]


class Applied(msgspec.Struct):
    resource: Row
    changed: bool
    operation_status: OpStatus


async def apply(
    conn: AsyncConnection,
    op: Row,
    outcome: Outcome,
    *,
    action: str,
    now: dt.datetime,
    duration_ms: int | None = None,
    schedule: list[float] | None = None,
    locked: Row | None = None,
    current: Row | None = None,
) -> Applied:
    """Record ``outcome`` for operation ``op`` (whose resource row the caller has locked;
    ``locked`` is that row as the caller read it under the lock, to save reading it again, and
    ``current`` the operation's row read under that lock)."""
    detail = {"reason": outcome.reason, **outcome.summary} if (outcome.reason or outcome.summary) else None
    if outcome.supersedes:  # hub.services.reversals applies such news once per operation
        detail = {**(detail or {}), "supersedes": True}
    kind = op["resource_kind"]
    if kind not in (ResourceKind.PAYOUT, ResourceKind.PAYMENT):
        raise ValueError(f"operation {op['id']} is on a {kind}, not a payment")
    # a payment's operation is read before the attempt is written: the attempt then rides with
    # the writes that follow (one statement on PostgreSQL, hub.store.gather)
    current_op = None
    if kind == ResourceKind.PAYMENT:
        current_op = current or await load(conn, t.operations, op["id"], what="operation")
    await add_attempt(
        conn,
        operation_id=op["id"],
        action=action,
        outcome=outcome.status.value,
        detail=detail,
        duration_ms=duration_ms,
        now=now,
    )
    if current_op is None:
        from hub.services.payout_outcomes import apply_payout  # imports this module: import here

        return await apply_payout(conn, op, outcome, now=now, schedule=schedule)
    return await _apply_payment(
        conn, op, current_op, outcome, action=action, now=now, schedule=schedule, locked=locked
    )


def next_check_at(op: Row, now: dt.datetime, schedule: list[float] | None) -> dt.datetime:
    sched = schedule or [2.0, 10.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0]
    n = min(int(op["attempts"] or 0), len(sched) - 1)
    return now + dt.timedelta(seconds=sched[n])


def waiting_states(op_kind: Op, from_status: Status) -> frozenset[Status]:
    """The states a payment can be in while operation ``op_kind`` (started from ``from_status``)
    waits for its outcome: where it started, ``processing``, and ``requires_action`` for the
    authorization family (the shopper may finish 3DS without coming back)."""
    states_ = {from_status, Status.PROCESSING}
    if op_kind in (Op.AUTHORIZE, Op.AUTHENTICATE):
        states_.add(Status.REQUIRES_ACTION)
    return frozenset(states_)


def _result(op_kind: Op, outcome: Outcome, payment: Row, refund_amount: int) -> Result:
    s = outcome.status
    if s in (OutcomeStatus.FAILED, OutcomeStatus.RETRY):
        return Result.FAILED
    if s in (OutcomeStatus.PENDING, OutcomeStatus.UNKNOWN):
        return Result.UNKNOWN
    if s == OutcomeStatus.REQUIRES_ACTION:
        if op_kind in (Op.AUTHORIZE, Op.AUTHENTICATE):
            return Result.REQUIRES_ACTION
        return Result.UNKNOWN
    # succeeded
    if op_kind in (Op.AUTHORIZE, Op.AUTHENTICATE) and (
        outcome.captured or payment["capture_mode"] == "automatic"
    ):
        return Result.CAPTURED if outcome.captured else Result.SUCCEEDED
    if op_kind == Op.REFUND and payment["amount_refunded"] + refund_amount >= payment["amount_captured"]:
        return Result.FULLY_REFUNDED
    return Result.SUCCEEDED


_EVENT_FOR_STATUS = {
    Status.REQUIRES_ACTION: "payment.requires_action",
    Status.PROCESSING: "payment.processing",
    Status.AUTHORIZED: "payment.authorized",
    Status.CAPTURED: "payment.captured",
    Status.VOIDED: "payment.voided",
    Status.REFUNDED: "payment.refunded",
    Status.FAILED: "payment.failed",
}


async def _apply_payment(
    conn: AsyncConnection,
    op: Row,
    current_op: Row,
    outcome: Outcome,
    *,
    action: str,
    now: dt.datetime,
    schedule: list[float] | None,
    locked: Row | None = None,
) -> Applied:
    if locked is not None and locked["id"] == op["resource_id"]:
        payment = dict(locked)
    else:
        payment = await load(conn, t.payments, op["resource_id"], what="payment")
    op_kind = Op(op["kind"])
    if (
        current_op["status"] in (OpStatus.SUCCEEDED, OpStatus.FAILED)
        and current_op["resolved_at"] is not None
    ):
        if outcome.supersedes and outcome.status in (OutcomeStatus.FAILED, OutcomeStatus.SUCCEEDED):
            # a failure after success (Adyen CAPTURE_FAILED, ...) or a success after it (a
            # re-capture): corrected and evented by hub.services.reversals
            before = payment["status"]
            payment, now_status = await reversals.supersede(conn, current_op, payment, outcome, now=now)
            return Applied(resource=payment, changed=payment["status"] != before, operation_status=now_status)
        # already certain: late or duplicate news never moves anything
        return Applied(resource=payment, changed=False, operation_status=OpStatus(current_op["status"]))

    refund_row: Row | None = None
    if op_kind == Op.REFUND:
        refund_row = await load(conn, t.refunds, op["refund_id"], what="refund")

    from_status = Status(op["from_status"])
    current = Status(payment["status"])
    # the payment's state is checked before the operation is written: news moves the payment
    # only from a state this operation can be waiting in; a refund's outcome is kept whatever
    # the payment is doing (it moves the payment's status only from `captured`)
    waiting = current in waiting_states(op_kind, from_status) or op_kind == Op.REFUND
    result = _result(op_kind, outcome, payment, op["amount"])
    new_status = states.transition(from_status, op_kind, result)
    op_status = op_status_for(outcome)
    definite = op_status in (OpStatus.SUCCEEDED, OpStatus.FAILED, OpStatus.REQUIRES_ACTION)

    # --- the operation record
    op_values: dict[str, Any] = {
        "status": op_status.value,
        "updated_at": now,
        "attempts": (current_op["attempts"] or 0) + 1,
        "provider_reference": outcome.provider_reference or current_op["provider_reference"],
        "operation_reference": outcome.operation_reference or current_op["operation_reference"],
        "response": outcome.summary or None,
        "lease_until": None,
    }
    if outcome.status == OutcomeStatus.RETRY:
        op_values["failure"] = msgspec.to_builtins(not_sent_failure(outcome.reason))
        op_values["reason"] = outcome.reason
    else:
        op_values["failure"] = failure_dict(outcome)
        op_values["reason"] = outcome.reason
    if definite:
        op_values["resolved_at"] = now
        op_values["next_check_at"] = None
        op_values["requires_review"] = False  # certain now (an admin's flag of a past deadline)
    else:
        op_values["next_check_at"] = next_check_at(current_op, now, schedule)
    await update_row(conn, t.operations, op["id"], op_values)

    # --- the payment (only if this operation is still the one it waits for)
    if not waiting:
        if definite:  # true news the payment cannot take: visible, never a log line
            await reversals.flag_review(
                conn, {**current_op, **op_values}, payment,
                f"{op_kind.value} news ({outcome.status.value}) for a payment that is {current.value}",
                now=now,
            )  # fmt: skip
        return Applied(resource=payment, changed=False, operation_status=op_status)
    if op_kind == Op.REFUND and current != Status.CAPTURED:
        new_status = current  # e.g. `processing` while a further capture is in flight

    values: dict[str, Any] = {"updated_at": now}
    if outcome.provider_reference and not payment["provider_reference"]:
        values["provider_reference"] = outcome.provider_reference
    if op_kind in (Op.AUTHORIZE, Op.AUTHENTICATE):
        values["next_action"] = msgspec.to_builtins(outcome.next_action) if outcome.next_action else None
        if new_status == Status.CAPTURED:
            values["amount_captured"] = outcome.amount or payment["amount"]
    if new_status == Status.FAILED:
        failure = (
            failure_dict(outcome)
            if outcome.status != OutcomeStatus.RETRY
            else msgspec.to_builtins(not_sent_failure(outcome.reason))
        )
        values["failure"] = failure
        values["next_action"] = None
    if op_kind == Op.CAPTURE and result == Result.SUCCEEDED:
        values["amount_captured"] = payment["amount_captured"] + op["amount"]
        values["multicapture_open"] = not bool((op["request"] or {}).get("final", True))
    if op_kind == Op.REFUND and refund_row is not None and result != Result.UNKNOWN:
        refund_values: dict[str, Any] = {"updated_at": now}
        if result in (Result.SUCCEEDED, Result.FULLY_REFUNDED):
            values["amount_refunded"] = payment["amount_refunded"] + op["amount"]
            refund_values["status"] = RefundStatus.SUCCEEDED.value
        else:
            refund_values["status"] = RefundStatus.FAILED.value
            refund_values["failure"] = op_values["failure"]
        refund_values["provider_reference"] = outcome.operation_reference or refund_row["provider_reference"]
        await update_row(conn, t.refunds, refund_row["id"], refund_values)
        refund_row.update(refund_values)
        await add_event(
            conn,
            owner=payment["owner"],
            type=f"refund.{refund_values['status']}",
            resource_id=refund_row["id"],
            data={"object": rep.refund(refund_row)},
            now=now,
        )
    if (
        new_status == Status.CAPTURED
        and values.get("amount_captured", payment["amount_captured"]) > 0
        and values.get("amount_refunded", payment["amount_refunded"])
        >= values.get("amount_captured", payment["amount_captured"])
    ):
        new_status = Status.REFUNDED  # e.g. a further capture failed after the rest was refunded
    if definite and payment["requires_review"]:  # flagged for this operation only: cleared
        values["requires_review"] = await still_needs_review(conn, payment["id"], op["id"])
    if new_status != current or len(values) > 1:
        values["status"] = new_status.value
        await update_row(conn, t.payments, payment["id"], values)
        await postings.payment_moved(conn, payment, values, op, now=now)  # the ledger, same transaction
        payment.update(values)
    changed = new_status != current
    # a payment that only waited in `processing` for this operation (no event said so) and is
    # back where it started has not changed for subscribers: no second event of that status
    back = current == Status.PROCESSING and new_status == from_status and op_kind != Op.AUTHORIZE
    emit = (changed and not back) or (op_kind == Op.CAPTURE and result == Result.SUCCEEDED)
    if emit and new_status in _EVENT_FOR_STATUS:
        await add_event(
            conn,
            owner=payment["owner"],
            type=_EVENT_FOR_STATUS[new_status],
            resource_id=payment["id"],
            data={"object": rep.payment(payment)},
            now=now,
        )
    return Applied(resource=payment, changed=changed, operation_status=op_status)


async def still_needs_review(conn: AsyncConnection, payment_id: str, resolved_op: str) -> bool:
    await gather.flush(conn)  # Core: after the writes gathered before it
    n = await conn.scalar(
        select(func.count())
        .select_from(t.operations)
        .where(
            t.operations.c.resource_id == payment_id,
            t.operations.c.requires_review.is_(True),
            t.operations.c.id != resolved_op,
        )
    )
    return bool(n)
