"""News that contradicts what the hub knows, made visible: a failure after success, or news a
payment cannot take. Never a log line only (issue 13, gap 5).

*A failure after success* is provider news that an operation which had succeeded has since
failed or been undone (``Outcome.supersedes``: Adyen CAPTURE_FAILED, REFUND_FAILED,
REFUNDED_REVERSED). :func:`undo_success` makes the hub's records say what is now true, in the
transaction that applies the news, with the payment row locked by the caller:

* a capture: ``amount_captured`` goes down by the capture's amount; a payment with nothing
  captured left is ``authorized`` again (the authorization stands; Adyen may re-capture it, or
  the merchant captures again). The operation becomes ``failed`` with the provider's failure.
* a purchase's capture (automatic capture, no capture operation of the hub's: the news is about
  the authorization that captured): as a capture, the operation stays ``succeeded`` (the
  authorization happened) and carries the failure.
* a refund: the refund becomes ``failed`` (``refund.failed``), ``amount_refunded`` goes down; a
  ``refunded`` payment is ``captured`` again.

*A success after that failure* (Adyen CAPTURE "Transaction Recaptured": Adyen re-captured a
capture the scheme had rejected) is applied by :func:`redo_success`: the capture is counted again,
the payment is ``captured`` again (``payment.captured``), the operation ``succeeded`` and its
review flag cleared (the re-capture is the documented resolution).

The ledger is corrected through :func:`hub.services.postings.payment_moved` (a decrease of
``amount_captured`` / ``amount_refunded`` posts the reversal of what the increase posted).
The operation and the payment are flagged ``requires_review`` and ``operation.requires_review``
is emitted (with the payment) beside the payment's or refund's own event, so an operator and
the merchant's systems both see it. An admin clears the flag with
``POST /v1/admin/operations/{id}/settle`` stating the operation's current outcome.

:func:`flag_review` is the same flag and event for news the payment cannot take (the payment is
in no state the operation could be waiting in).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.base import Failure, Outcome, OutcomeStatus
from hub.domain.operations import OpStatus
from hub.domain.states import Op, RefundStatus, Status
from hub.services import postings
from hub.services import representations as rep
from hub.store import gather
from hub.store import tables as t
from hub.store.repo import Row, add_event, load, update_row

PAYMENT_EVENTS = {
    Status.AUTHORIZED: "payment.authorized",
    Status.CAPTURED: "payment.captured",
}


def _failure(outcome: Outcome) -> dict[str, Any]:
    failure = outcome.failure or Failure(
        code="provider_error", message=outcome.reason or "the provider reports a failure after success"
    )
    return msgspec.to_builtins(failure)  # type: ignore[no-any-return]


async def flag_review(conn: AsyncConnection, op: Row, payment: Row, reason: str, *, now: dt.datetime) -> None:
    """Flag ``op`` and its payment ``requires_review`` and emit ``operation.requires_review``."""
    op_values = {"requires_review": True, "updated_at": now, "reason": reason[:500]}
    await update_row(conn, t.operations, op["id"], op_values)
    await update_row(conn, t.payments, payment["id"], {"requires_review": True, "updated_at": now})
    payment.update(requires_review=True, updated_at=now)
    after = {**op, **op_values}
    await add_event(
        conn,
        owner=payment["owner"],
        type="operation.requires_review",
        resource_id=op["id"],
        data={"object": rep.operation(after), "payment": rep.payment(payment)},
        now=now,
    )


async def supersede(
    conn: AsyncConnection, op: Row, payment: Row, outcome: Outcome, *, now: dt.datetime
) -> tuple[Row, OpStatus]:
    """News that replaces the certain operation ``op``'s outcome (``Outcome.supersedes``).
    Each kind of such news (a failure, a success) is applied once per operation: a replay of
    the failure after the re-capture (``payhub webhooks replay``) flips nothing back."""
    if await _seen_before(conn, op, outcome):
        return payment, OpStatus(op["status"])
    if outcome.status == OutcomeStatus.FAILED:
        return await undo_success(conn, op, payment, outcome, now=now)
    return await redo_success(conn, op, payment, outcome, now=now)


async def _seen_before(conn: AsyncConnection, op: Row, outcome: Outcome) -> bool:
    """Whether news of this kind superseded ``op`` before (the attempt just recorded aside)."""
    a = t.operation_attempts.c
    await gather.flush(conn)  # Core: after the writes gathered before it
    rows = await conn.execute(
        select(a.detail).where(a.operation_id == op["id"], a.outcome == outcome.status.value)
    )
    return sum(1 for (detail,) in rows if (detail or {}).get("supersedes")) > 1


async def _cause(conn: AsyncConnection, op: Row) -> str:
    """A ledger cause of its own for each time news moves this operation's amounts again."""
    o = t.operation_attempts.c
    await gather.flush(conn)  # Core: after the writes gathered before it
    n = await conn.scalar(
        select(func.count()).select_from(t.operation_attempts).where(o.operation_id == op["id"])
    )
    return f"{op['id']}:{int(n or 0)}"


async def _event(
    conn: AsyncConnection, payment: Row, type_: str, resource_id: str, obj: Any, now: dt.datetime
) -> None:
    await add_event(
        conn, owner=payment["owner"], type=type_, resource_id=resource_id, data={"object": obj}, now=now
    )


async def redo_success(
    conn: AsyncConnection, op: Row, payment: Row, outcome: Outcome, *, now: dt.datetime
) -> tuple[Row, OpStatus]:
    """A capture that failed (after success, or plainly) and that the provider re-captured."""
    kind = Op(op["kind"])
    capture = kind == Op.CAPTURE and op["status"] == OpStatus.FAILED
    purchase = kind in (Op.AUTHORIZE, Op.AUTHENTICATE) and op["status"] == OpStatus.SUCCEEDED
    if not (capture or (purchase and op["failure"] is not None)):
        return payment, OpStatus(op["status"])  # nothing was undone: nothing to redo
    amount = op["amount"] if capture else (outcome.amount or payment["amount"])
    values: dict[str, Any] = {"updated_at": now, "amount_captured": payment["amount_captured"] + amount}
    if payment["status"] == Status.AUTHORIZED:
        values["status"] = Status.CAPTURED.value
        if capture:
            values["multicapture_open"] = not bool((op["request"] or {}).get("final", True))
    odd = payment["status"] not in (Status.AUTHORIZED, Status.CAPTURED)  # e.g. voided meanwhile
    op_values = {
        "status": OpStatus.SUCCEEDED.value, "failure": None, "requires_review": False, "updated_at": now,
        "reason": outcome.reason or "the provider re-captured it", "response": outcome.summary or None,
    }  # fmt: skip
    await update_row(conn, t.operations, op["id"], op_values)
    await gather.flush(conn)  # Core: after the writes gathered before it
    others = await conn.scalar(
        select(func.count())
        .select_from(t.operations)
        .where(
            t.operations.c.resource_id == payment["id"],
            t.operations.c.requires_review.is_(True),
            t.operations.c.id != op["id"],
        )
    )
    values["requires_review"] = bool(others)
    await update_row(conn, t.payments, payment["id"], values)
    await postings.payment_moved(conn, payment, values, op, now=now, cause=await _cause(conn, op))
    before = payment["status"]
    payment = {**payment, **values}
    if payment["status"] != before or capture:
        await _event(conn, payment, "payment.captured", payment["id"], rep.payment(payment), now)
    if odd:  # captured all the same: the money moved; a person looks at it
        reason = f"re-captured while the payment is {payment['status']}"
        await flag_review(conn, {**op, **op_values}, payment, reason, now=now)
    return payment, OpStatus.SUCCEEDED


async def undo_success(
    conn: AsyncConnection, op: Row, payment: Row, outcome: Outcome, *, now: dt.datetime
) -> tuple[Row, OpStatus]:
    """Apply news that the succeeded operation ``op`` has failed since (see the module doc).
    Returns the payment as it now is and the operation's status."""
    kind = Op(op["kind"])
    if op["status"] != OpStatus.SUCCEEDED or op["failure"] is not None:  # applied already
        return payment, OpStatus(op["status"])
    failure = _failure(outcome)
    values: dict[str, Any] = {"updated_at": now}
    status = Status(payment["status"])
    op_status = OpStatus.FAILED
    if kind in (Op.CAPTURE, Op.AUTHORIZE, Op.AUTHENTICATE):
        if kind == Op.CAPTURE:
            amount = op["amount"]
        else:  # the purchase's own capture
            op_status = OpStatus.SUCCEEDED
            amount = outcome.amount or payment["amount_captured"]
        captured = max(0, payment["amount_captured"] - amount)
        values["amount_captured"] = captured
        if captured == 0 and status == Status.CAPTURED:
            values["status"] = Status.AUTHORIZED.value
            values["multicapture_open"] = False
    elif kind == Op.REFUND:
        refund = await load(conn, t.refunds, op["refund_id"], what="refund")
        if refund["status"] == RefundStatus.SUCCEEDED:
            values["amount_refunded"] = max(0, payment["amount_refunded"] - op["amount"])
            if status == Status.REFUNDED and values["amount_refunded"] < payment["amount_captured"]:
                values["status"] = Status.CAPTURED.value
        refund_values = {"status": RefundStatus.FAILED.value, "failure": failure, "updated_at": now}
        await update_row(conn, t.refunds, refund["id"], refund_values)
        refund.update(refund_values)
    reason = f"{outcome.failure.provider_code if outcome.failure else 'failure'} after success: " + (
        failure.get("message") or ""
    )
    op_values: dict[str, Any] = {
        "status": op_status.value, "failure": failure, "response": outcome.summary or None, "updated_at": now,
    }  # fmt: skip
    await update_row(conn, t.operations, op["id"], op_values)
    op = {**op, **op_values}
    await update_row(conn, t.payments, payment["id"], values)
    cause = await _cause(conn, op)
    await postings.payment_moved(conn, payment, values, op, now=now, cause=cause)  # correcting entries
    payment = {**payment, **values}
    if kind == Op.REFUND:
        await add_event(
            conn,
            owner=payment["owner"],
            type="refund.failed",
            resource_id=op["refund_id"],
            data={"object": rep.refund(refund)},
            now=now,
        )
    new_status = Status(payment["status"])
    if new_status != status and new_status in PAYMENT_EVENTS:
        await add_event(
            conn,
            owner=payment["owner"],
            type=PAYMENT_EVENTS[new_status],
            resource_id=payment["id"],
            data={"object": rep.payment(payment)},
            now=now,
        )
    await flag_review(conn, op, payment, reason, now=now)
    return payment, op_status
