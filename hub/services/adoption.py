"""Provider truth (DESIGN §11): changes the hub did not start, adopted as operations.

A capture, refund or cancellation made outside the hub (the provider's dashboard, a support
agent, the provider's own automation) reaches the hub as provider news that matches no
operation the hub made. :func:`consider` runs inside the inbox job's transaction (the
payment row already locked by :func:`hub.services.inbox_match.decide`) and decides:

* **adopt** - the news is a change the state table allows from where the payment stands:
  an operation with ``origin: "provider"`` is inserted (a refund gets its ``re_`` row, with
  the provider's refund id as ``provider_reference``) and the news' outcome is applied to it
  by :func:`hub.services.outcomes.apply`, the one way a payment moves: same transitions,
  same events (``payment.captured``, ``refund.succeeded``, ...), same ledger postings
  (:func:`hub.services.postings.payment_moved`).
* **already known** - the same news again (an adopted operation carries the provider's id
  of the change as ``operation_reference``, so it is found before this runs, and late or
  duplicate news about a certain operation changes nothing).
* **backwards** - the news would move the payment back (a capture of a voided or failed
  payment, a cancellation of a captured one): recorded on the inbox row with a note, logged,
  never applied.
* **disagrees** - its amount or currency does not fit the payment (more than is capturable
  or refundable, another currency): an operation with ``origin: "provider"`` is recorded
  ``unknown`` and flagged ``requires_review`` (so is the payment; ``operation.requires_review``
  is emitted), and nothing is applied. It is never checked with the provider by resolution
  (it is not the hub's call); an admin settles it (:mod:`hub.services.adoption_review`).
* **not yet** - refund news for a payment not captured yet (news out of order), or any news
  while the payment's own operation is uncertain: ``None``, and the inbox retries as before.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.base import OperationKind as K
from adapters.base import Outcome, OutcomeStatus, ProviderEvent
from hub.domain.ids import new_id
from hub.domain.operations import OpStatus, ResourceKind
from hub.domain.states import RefundStatus, Status
from hub.services import representations as rep
from hub.services.inbox_match import IGNORED, PROCESSED, Decision
from hub.store import tables as t
from hub.store.repo import Row, add_attempt, add_event, insert_row, update_row

log = logging.getLogger("payhub.adoption")

HUB, PROVIDER = "hub", "provider"
_ADOPTABLE = frozenset({K.CAPTURE, K.REFUND, K.VOID})
_UNRESOLVED = frozenset({OpStatus.PENDING.value, OpStatus.UNKNOWN.value})
_WAITING = frozenset({Status.NEW, Status.REQUIRES_ACTION, Status.PROCESSING})


def flagged(op: Row) -> bool:
    """A provider-origin operation waiting for review: not the hub's, never resolved or matched."""
    return op.get("origin") == PROVIDER and bool(op["requires_review"]) and op["resolved_at"] is None


def usable(ops: list[Row]) -> list[Row]:
    """The operations news may be matched to (flagged provider news is not one)."""
    return [o for o in ops if not flagged(o)]


async def consider(
    conn: AsyncConnection,
    payment: Row,
    ops: list[Row],
    event: ProviderEvent,
    outcome: Outcome,
    picked: Row | None,
    now: dt.datetime,
) -> Decision | None:
    """What to do with news that may be a change the hub did not start (see the module doc);
    ``None``: not such news, match it to ``picked`` (or retry) as for the hub's own calls."""
    kind = event.kind
    if kind not in _ADOPTABLE or "capture_mode" not in payment or outcome.status != OutcomeStatus.SUCCEEDED:
        return None
    again = _flagged_before(ops, event, outcome)
    if again is not None:
        return Decision(
            status=PROCESSED,
            note=f"already flagged for review as {again['id']}; nothing applied",
            operation=again,
        )
    if picked is not None and not _outside(picked, ops, event, outcome):
        return None
    status = Status(payment["status"])
    if status in _WAITING:
        return None  # the payment's own operation is uncertain: news waits (inbox retry)
    if kind == K.CAPTURE:
        return await _capture(conn, payment, event, outcome, status, further=picked is not None, now=now)
    if kind == K.REFUND:
        return await _refund(conn, payment, event, outcome, status, now)
    return await _void(conn, payment, event, outcome, status, now)


# --------------------------------------------------------------------------- which news


def _outside(picked: Row, ops: list[Row], event: ProviderEvent, outcome: Outcome) -> bool:
    """The operation ``pick`` chose is not what the news is about: the provider names another
    change (its own id for it differs from the one the chosen operation has)."""
    if event.kind in (K.CAPTURE, K.VOID) and picked["status"] == OpStatus.FAILED.value:
        return True  # the hub's own attempt certainly moved nothing: a success is someone else's
    ref = event.operation_reference
    if not ref:
        return False
    if event.kind == K.CAPTURE:
        captures = [
            o for o in ops if o["kind"] == K.CAPTURE.value and o["status"] == OpStatus.SUCCEEDED.value
        ]
        return (
            picked["status"] == OpStatus.SUCCEEDED.value
            and bool(captures)
            and all(o["operation_reference"] and o["operation_reference"] != ref for o in captures)
        )
    if event.kind == K.REFUND and not event.refund_id and picked["status"] in _UNRESOLVED:
        other = picked["operation_reference"]
        return bool(other and other != ref) or (
            outcome.amount is not None and outcome.amount != picked["amount"]
        )
    return False


def _flagged_before(ops: list[Row], event: ProviderEvent, outcome: Outcome) -> Row | None:
    for op in ops:
        if not flagged(op) or op["kind"] != event.kind:
            continue
        if event.operation_reference:
            if op["operation_reference"] == event.operation_reference:
                return op
        elif op["amount"] == (outcome.amount or 0) and (op["request"] or {}).get("type") == event.type:
            return op
    return None


# --------------------------------------------------------------------------- per kind


async def _capture(
    conn: AsyncConnection,
    payment: Row,
    event: ProviderEvent,
    outcome: Outcome,
    status: Status,
    *,
    further: bool,
    now: dt.datetime,
) -> Decision | None:
    if status in (Status.VOIDED, Status.FAILED):
        return _backwards(payment, event, status)
    if status == Status.REFUNDED or (status == Status.CAPTURED and not further):
        return None  # already captured (by the hub's own operation): nothing new
    capturable = payment["amount"] - payment["amount_captured"]
    amount = outcome.amount if outcome.amount is not None else (capturable if not further else None)
    problem = disagreement(payment, outcome, amount, capturable, "capturable")
    if problem:
        return await _flag(conn, payment, event, outcome, status, problem, now)
    assert amount is not None
    request = {"final": amount >= capturable}
    return await _adopt(conn, payment, event, outcome, status, amount, request, now)


async def _refund(
    conn: AsyncConnection,
    payment: Row,
    event: ProviderEvent,
    outcome: Outcome,
    status: Status,
    now: dt.datetime,
) -> Decision | None:
    if status == Status.AUTHORIZED:
        return None  # refund news before the capture news (out of order): the inbox retries
    if status in (Status.VOIDED, Status.FAILED):
        return _backwards(payment, event, status)
    refundable = await refundable_now(conn, payment)
    problem = disagreement(payment, outcome, outcome.amount, refundable, "refundable")
    if problem:
        return await _flag(conn, payment, event, outcome, status, problem, now)
    assert outcome.amount is not None
    refund = await new_refund(
        conn, payment, outcome.amount, event.operation_reference or outcome.operation_reference, now
    )
    return await _adopt(conn, payment, event, outcome, status, outcome.amount, {"refund_id": refund["id"]}, now,
                        refund_id=refund["id"])  # fmt: skip


async def _void(
    conn: AsyncConnection,
    payment: Row,
    event: ProviderEvent,
    outcome: Outcome,
    status: Status,
    now: dt.datetime,
) -> Decision | None:
    if status == Status.VOIDED:
        return Decision(status=PROCESSED, note=f"{payment['id']} is already voided; nothing to apply")
    if status != Status.AUTHORIZED:
        return _backwards(payment, event, status)
    return await _adopt(conn, payment, event, outcome, status, payment["amount"], {}, now)


async def refundable_now(conn: AsyncConnection, payment: Row) -> int:
    """Captured, less refunded, less what pending refunds reserve."""
    pending = await conn.scalar(
        select(func.coalesce(func.sum(t.refunds.c.amount), 0)).where(
            t.refunds.c.payment_id == payment["id"], t.refunds.c.status == RefundStatus.PENDING.value
        )
    )
    return int(payment["amount_captured"] - payment["amount_refunded"] - int(pending or 0))


def disagreement(payment: Row, outcome: Outcome, amount: int | None, room: int, what: str) -> str | None:
    if outcome.currency and outcome.currency.upper() != payment["currency"]:
        return f"the provider reports {outcome.currency.upper()}; the payment is in {payment['currency']}"
    if amount is None:
        return "the provider does not say the amount"
    if amount <= 0 or amount > room:
        return f"the provider reports {amount} {payment['currency']}; {room} is {what}"
    return None


async def new_refund(
    conn: AsyncConnection, payment: Row, amount: int, provider_id: str | None, now: dt.datetime
) -> Row:
    """The ``re_`` row of a refund made outside the hub (``pending`` until its operation applies)."""
    refund: Row = {
        "id": new_id("re"), "payment_id": payment["id"], "owner": payment["owner"], "amount": amount,
        "currency": payment["currency"], "status": RefundStatus.PENDING.value, "provider_reference": provider_id,
        "failure": None, "reference": None, "metadata": {}, "created_at": now, "updated_at": now,
    }  # fmt: skip
    await insert_row(conn, t.refunds, refund)
    return refund


def _backwards(payment: Row, event: ProviderEvent, status: Status) -> Decision:
    note = (
        f"{event.type}: a {event.kind.value if event.kind else 'change'} of {payment['id']}, "
        f"which is {status.value}, would move it backwards: recorded, not applied"
    )
    log.warning("provider news %s for %s ignored: %s", event.event_id, payment["id"], note)
    return Decision(status=IGNORED, note=note)


# --------------------------------------------------------------------------- records


def _operation(
    payment: Row,
    event: ProviderEvent,
    outcome: Outcome,
    status: Status,
    amount: int,
    request: dict[str, Any],
    now: dt.datetime,
    *,
    refund_id: str | None = None,
) -> Row:
    assert event.kind is not None
    ref = event.operation_reference or outcome.operation_reference
    return {
        "id": new_id("op"),
        "resource_kind": ResourceKind.PAYMENT.value,
        "resource_id": payment["id"],
        "refund_id": refund_id,
        "account_id": payment["account_id"],
        "kind": event.kind.value,
        "origin": PROVIDER,
        "status": OpStatus.PENDING.value,
        "from_status": status.value,
        "amount": amount,
        "currency": payment["currency"],
        "provider_idempotency_key": f"provider-{ref or event.event_id}"[:255],
        "provider_reference": outcome.provider_reference or payment["provider_reference"],
        "operation_reference": ref,
        "request": {**request, "origin": PROVIDER, "event": event.event_id, "type": event.type},
        "response": None,
        "failure": None,
        "reason": None,
        "attempts": 0,
        "requires_review": False,
        "lease_until": None,
        "next_check_at": None,
        "deadline_at": None,
        "created_at": now,
        "updated_at": now,
        "resolved_at": None,
    }


async def _adopt(
    conn: AsyncConnection,
    payment: Row,
    event: ProviderEvent,
    outcome: Outcome,
    status: Status,
    amount: int,
    request: dict[str, Any],
    now: dt.datetime,
    *,
    refund_id: str | None = None,
) -> Decision:
    op = _operation(payment, event, outcome, status, amount, request, now, refund_id=refund_id)
    await insert_row(conn, t.operations, op)
    log.info("%s on %s made outside the hub: adopted as %s", op["kind"], payment["id"], op["id"])
    return Decision(
        status=PROCESSED, note=f"a {op['kind']} made outside the hub, adopted as {op['id']}", operation=op,
        apply=outcome,
    )  # fmt: skip


async def _flag(
    conn: AsyncConnection,
    payment: Row,
    event: ProviderEvent,
    outcome: Outcome,
    status: Status,
    problem: str,
    now: dt.datetime,
) -> Decision:
    assert event.kind is not None
    note = f"{event.type}: a {event.kind.value} made outside the hub disagrees with {payment['id']} ({problem}): "
    note += "flagged for review, not applied"
    op = _operation(payment, event, outcome, status, outcome.amount or 0, {}, now)
    op.update(status=OpStatus.UNKNOWN.value, requires_review=True, reason=note,
              currency=(outcome.currency or payment["currency"]).upper()[:3])  # fmt: skip
    await insert_row(conn, t.operations, op)
    await add_attempt(conn, operation_id=op["id"], action="webhook", outcome="requires_review",
                      detail={"reason": note, **outcome.summary}, duration_ms=None, now=now)  # fmt: skip
    await update_row(conn, t.payments, payment["id"], {"requires_review": True, "updated_at": now})
    flagged_payment = {**payment, "requires_review": True, "updated_at": now}
    await add_event(conn, owner=payment["owner"], type="operation.requires_review", resource_id=op["id"],
                    data={"object": rep.operation(op), "payment": rep.payment(flagged_payment)}, now=now)  # fmt: skip
    log.warning("provider news %s flagged for review as %s: %s", event.event_id, op["id"], note)
    return Decision(status=PROCESSED, note=note, operation=op)
