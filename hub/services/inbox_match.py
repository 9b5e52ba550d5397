"""Which operation a provider event is news about, and whether its outcome may be applied.

:func:`decide` runs inside the inbox job's transaction: it finds the resource (payment or
payout), LOCKS its row (every change to a resource's operations happens under that lock:
the request path, resolution, webhooks), then picks the operation and says what to do.

Finding the resource, first hit wins:

1. the provider's id of this operation (``operation_reference``: refund id, capture id);
2. the hub's refund id echoed back (``refund_id``) -> its payment;
3. the hub's own id echoed back (``payment_id``: ``pay_`` / ``po_``), sent with every call,
   so an event that arrives before the hub knows the provider reference still matches;
4. the provider's reference of the payment / payout.

Picking the operation among the resource's operations of the event's kind (authorize and
authenticate are one family: a provider does not always tell them apart): the one with the
same ``operation_reference`` / ``refund_id``, else the latest unresolved one, else the latest.

Applying: only final outcomes (succeeded, failed, requires_action for the authorization
family, returned); never to an operation already certain (late or duplicate news; a payout
``returned`` excepted, it comes after success by nature); never to a ``requires_action``
step the payment has moved past. A capture notification for a payment whose authorization
is still uncertain proves the authorization: it is applied to the authorization (with the
capture for an automatic-capture payment).

News that matches no operation the hub made may be a change made outside the hub: see
:mod:`hub.services.adoption` (adopted with ``origin: "provider"``, or ignored, or flagged).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import msgspec
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.base import OperationKind as K
from adapters.base import Outcome, OutcomeStatus, ProviderEvent
from hub.domain.operations import OpStatus, ResourceKind
from hub.domain.states import Status
from hub.store import fast
from hub.store import tables as t
from hub.store.repo import Row, load, lock_many_with_operations, locked_with_operations, utcnow

log = logging.getLogger("payhub.webhooks")

PROCESSED, IGNORED, RETRY = "processed", "ignored", "retry"

_FINAL = frozenset(
    {OutcomeStatus.SUCCEEDED, OutcomeStatus.FAILED, OutcomeStatus.REQUIRES_ACTION, OutcomeStatus.RETURNED}
)
_UNRESOLVED = frozenset({OpStatus.PENDING.value, OpStatus.UNKNOWN.value})
_CERTAIN = frozenset({OpStatus.SUCCEEDED.value, OpStatus.FAILED.value})
_AUTH = frozenset({K.AUTHORIZE.value, K.AUTHENTICATE.value})


class Decision(msgspec.Struct, kw_only=True):
    status: str  # processed | ignored | retry
    note: str | None = None
    operation: Row | None = None  # the operation the event is about
    apply: Outcome | None = None  # what to apply to it (None: nothing)
    nudge: list[str] = msgspec.field(default_factory=list)  # unresolved operations to check now


def family(kind: K) -> frozenset[str]:
    return _AUTH if kind in (K.AUTHORIZE, K.AUTHENTICATE) else frozenset({kind.value})


# resources a batch locked ahead (:func:`prefetch`), by (table, row id, account id); valid as
# long as nothing in the transaction wrote to them: whoever writes clears it
Locked = dict[tuple[str, str, str], tuple[Row, list[Row]]]


async def decide(
    conn: AsyncConnection,
    account_id: str,
    event: ProviderEvent,
    now: dt.datetime | None = None,
    *,
    locked: Locked | None = None,
) -> Decision:
    from hub.services import adoption  # changes the hub did not start; it imports this module

    kind = event.kind
    if kind is None:
        return Decision(status=IGNORED, note="event type not applied by the hub")
    got = await _locked(conn, account_id, event, locked)
    if got is None:
        return Decision(status=RETRY, note=f"no {_what(kind)} of account {account_id} matches this event yet")
    resource, every_op = got
    ops = adoption.usable(every_op)  # flagged provider news is matched to nothing
    outcome = event.outcome
    if outcome is None:  # news that something changed, without saying what: let resolution look
        unresolved = [o["id"] for o in ops if o["kind"] in family(kind) and o["status"] in _UNRESOLVED]
        if unresolved:
            return Decision(
                status=PROCESSED, note="no outcome in the event: resolution asked to check", nudge=unresolved
            )
        return Decision(status=IGNORED, note="no outcome in the event and nothing unresolved")
    if outcome.status not in _FINAL:
        return Decision(
            status=IGNORED, note=f"{outcome.status.value} is not a final outcome; nothing to apply"
        )
    op = pick(ops, event)
    # news that corrects an earlier outcome (a failure after success, a re-capture) is about the
    # hub's own operation (hub.services.reversals), never a change made outside the hub
    adopted = (
        None
        if outcome.supersedes
        else await adoption.consider(conn, resource, every_op, event, outcome, op, now or utcnow())
    )
    if adopted is not None:
        if locked is not None:  # adopting wrote to the resource: what was read ahead is stale
            locked.clear()
        return adopted
    if op is None:
        return _without_operation(resource, ops, event, outcome)
    return _verdict(op, ops, outcome)


async def prefetch(conn: AsyncConnection, events: list[tuple[str, ProviderEvent]]) -> Locked:
    """Lock ahead, in one statement per table, the resources of a batch's (account id, event)
    pairs that match by the hub's own id echoed back; what :func:`decide` then reads instead of
    locking each one in its own statement. PostgreSQL only (``{}`` elsewhere)."""
    keys: dict[Any, list[tuple[str, str]]] = {}
    for account_id, event in events:
        echoed = _echoed(event)
        if echoed is not None:
            keys.setdefault(echoed[0], []).append((echoed[1], account_id))
    locked: Locked = {}
    for table, wanted in sorted(keys.items(), key=lambda kv: kv[0].name):
        found = await lock_many_with_operations(conn, table, wanted)
        locked.update({(table.name, *key): got for key, got in found.items()})
    return locked


def _echoed(event: ProviderEvent) -> tuple[Any, str] | None:
    """(table, the hub's id) when the event matches by the hub's own id echoed back: no
    provider operation reference and no refund id to look up first."""
    if event.kind is None:
        return None
    payout = event.kind == K.PAYOUT
    first = event.operation_reference or (event.kind == K.REFUND and event.refund_id)
    echoed = event.payment_id or ""
    if first or not echoed.startswith("po_" if payout else "pay_"):
        return None
    return (t.payouts if payout else t.payments), echoed


async def _locked(
    conn: AsyncConnection, account_id: str, event: ProviderEvent, locked: Locked | None = None
) -> tuple[Row, list[Row]] | None:
    """The resource the event is about, LOCKED, and its operations (oldest first); None when
    the hub has no such resource. PostgreSQL, when the hub's own id echoed back is the way
    the event matches (no provider operation reference, no refund id first): one statement,
    or none when the batch locked it ahead (``locked``)."""
    assert event.kind is not None
    payout = event.kind == K.PAYOUT
    table, what = (t.payouts, ResourceKind.PAYOUT) if payout else (t.payments, ResourceKind.PAYMENT)
    echoed = _echoed(event)
    if echoed is not None:
        ahead = locked.get((table.name, echoed[1], account_id)) if locked else None
        if ahead is not None:  # copies: a caller may change what it is given
            return dict(ahead[0]), [dict(op) for op in ahead[1]]
        got = await locked_with_operations(conn, table, echoed[1], account_id)
        if got is not None:
            return got
    found = await find_resource(conn, account_id, event)
    if found is None:
        return None
    return await load(conn, table, found, lock=True, what=what.value), await _operations(conn, found)


async def find_resource(conn: AsyncConnection, account_id: str, event: ProviderEvent) -> str | None:
    """The id of the payment (or payout) the event is about, if the hub has it."""
    assert event.kind is not None
    payout = event.kind == K.PAYOUT
    table = t.payouts if payout else t.payments
    if event.operation_reference:
        kinds = list(family(event.kind))
        rid = await _scalar(
            conn,
            _BY_OPERATION_REFERENCE,
            {"account_id": account_id, "reference": event.operation_reference, "kinds": kinds},
            _PG_BY_OPERATION_REFERENCE,
            (account_id, event.operation_reference, kinds),
        )
        if rid:
            return str(rid)
    if event.kind == K.REFUND and event.refund_id:
        rid = await conn.scalar(select(t.refunds.c.payment_id).where(t.refunds.c.id == event.refund_id))
        if rid and await _owned(conn, table, str(rid), account_id):
            return str(rid)
    prefix = "po_" if payout else "pay_"
    if event.payment_id and event.payment_id.startswith(prefix):
        if await _owned(conn, table, event.payment_id, account_id):
            return event.payment_id
    if event.provider_reference:
        rid = await conn.scalar(
            select(table.c.id)
            .where(table.c.account_id == account_id, table.c.provider_reference == event.provider_reference)
            .limit(1)
        )
        if rid:
            return str(rid)
    return None


# the statements every event runs, built once (building one costs more than running it)
_o = t.operations.c
_BY_OPERATION_REFERENCE = (
    select(_o.resource_id)
    .where(
        _o.account_id == bindparam("account_id"),
        _o.operation_reference == bindparam("reference"),
        _o.kind.in_(bindparam("kinds", expanding=True)),
    )
    .limit(1)
)
_OWNED = {
    table.name: select(table.c.id).where(
        table.c.id == bindparam("resource_id"), table.c.account_id == bindparam("account_id")
    )
    for table in (t.payments, t.payouts)
}
_OPERATIONS = (
    select(t.operations).where(_o.resource_id == bindparam("resource_id")).order_by(_o.created_at, _o.id)
)


# PostgreSQL: the same statements sent through asyncpg directly (hub.store.fast), as text
_PG_BY_OPERATION_REFERENCE = (
    "SELECT resource_id FROM operations"
    " WHERE account_id = $1 AND operation_reference = $2 AND kind = ANY($3::varchar[]) LIMIT 1"
)
_PG_OWNED = {name: f'SELECT id FROM "{name}" WHERE id = $1 AND account_id = $2' for name in _OWNED}
_OPERATION_COLUMNS = ", ".join(f'"{c.name}"' for c in t.operations.c)
_PG_OPERATIONS = f"SELECT {_OPERATION_COLUMNS} FROM operations WHERE resource_id = $1 ORDER BY created_at, id"


async def _scalar(
    conn: AsyncConnection, stmt: Any, params: dict[str, Any], pg_sql: str, pg_args: tuple[Any, ...]
) -> Any:
    drv = await fast.driver(conn)
    if drv is None:
        return await conn.scalar(stmt, params)
    found = await fast.fetchrow(conn, drv, pg_sql, pg_args)
    return None if found is None else next(iter(found.values()))


async def _owned(conn: AsyncConnection, table: Any, resource_id: str, account_id: str) -> bool:
    params = {"resource_id": resource_id, "account_id": account_id}
    found = await _scalar(conn, _OWNED[table.name], params, _PG_OWNED[table.name], (resource_id, account_id))
    return found is not None


async def _operations(conn: AsyncConnection, resource_id: str) -> list[Row]:
    drv = await fast.driver(conn)
    if drv is not None:
        return await fast.fetch(conn, drv, _PG_OPERATIONS, (resource_id,))
    rows = await conn.execute(_OPERATIONS, {"resource_id": resource_id})
    return [dict(r) for r in rows.mappings().all()]


def pick(ops: list[Row], event: ProviderEvent) -> Row | None:
    """The operation (of ``ops``, oldest first) the event is about."""
    assert event.kind is not None
    candidates = [o for o in ops if o["kind"] in family(event.kind)]
    if event.kind == K.REFUND and event.refund_id:
        mine = [o for o in candidates if o["refund_id"] == event.refund_id]
        return mine[-1] if mine else None
    if event.operation_reference:
        same = [o for o in candidates if o["operation_reference"] == event.operation_reference]
        if same:
            return same[-1]
    unresolved = [o for o in candidates if o["status"] in _UNRESOLVED]
    if event.kind == K.REFUND:  # several refunds may be open: only an unambiguous one
        return unresolved[0] if len(unresolved) == 1 else None
    if unresolved:
        return unresolved[-1]
    return candidates[-1] if candidates else None


def _verdict(op: Row, ops: list[Row], outcome: Outcome) -> Decision:
    status = op["status"]
    if status in _CERTAIN:
        if outcome.status == OutcomeStatus.RETURNED and op["resource_kind"] == ResourceKind.PAYOUT:
            return Decision(status=PROCESSED, operation=op, apply=outcome)
        if outcome.supersedes and outcome.status in (OutcomeStatus.SUCCEEDED, OutcomeStatus.FAILED):
            return Decision(  # hub.services.reversals: corrected, evented (a failure flagged for review)
                status=PROCESSED,
                note=f"{op['id']} is now {outcome.status.value} (news after it was {status})"
                + (": review it" if outcome.status == OutcomeStatus.FAILED else ""),
                operation=op, apply=outcome,
            )  # fmt: skip
        note = f"operation {op['id']} is already {status}; nothing to apply"
        if (status == OpStatus.SUCCEEDED) != (outcome.status == OutcomeStatus.SUCCEEDED):
            note += f" (the provider now says {outcome.status.value}: review it)"
            log.warning(
                "provider news for %s (%s) contradicts its outcome %s", op["id"], outcome.status, status
            )
        return Decision(status=PROCESSED, note=note, operation=op)
    if outcome.status == OutcomeStatus.REQUIRES_ACTION and op["kind"] not in _AUTH:
        return Decision(
            status=IGNORED, note=f"requires_action is not an outcome of a {op['kind']}", operation=op
        )
    if status == OpStatus.REQUIRES_ACTION:
        index = next(i for i, o in enumerate(ops) if o["id"] == op["id"])
        later = [o for o in ops[index + 1 :] if o["kind"] != K.REFUND]
        if later:
            return Decision(
                status=PROCESSED,
                note=f"operation {op['id']} was followed by {later[-1]['id']}: stale news, nothing to apply",
                operation=op,
            )
    return Decision(status=PROCESSED, operation=op, apply=outcome)


def _without_operation(resource: Row, ops: list[Row], event: ProviderEvent, outcome: Outcome) -> Decision:
    assert event.kind is not None
    if event.kind == K.CAPTURE and outcome.status == OutcomeStatus.SUCCEEDED and "capture_mode" in resource:
        auth = [o for o in ops if o["kind"] in _AUTH]
        last = auth[-1] if auth else None
        automatic = resource["capture_mode"] == "automatic"
        if last is not None and (last["status"] in _UNRESOLVED or last["status"] == OpStatus.REQUIRES_ACTION):
            implied = Outcome(
                status=OutcomeStatus.SUCCEEDED,
                provider_reference=outcome.provider_reference,
                amount=outcome.amount if automatic else None,
                captured=automatic,
                reason="proven by the provider's capture notification",
                summary=outcome.summary,
            )
            if automatic:
                return Decision(
                    status=PROCESSED,
                    note="capture notification: the purchase is authorized and captured",
                    operation=last,
                    apply=implied,
                )
            return Decision(
                status=RETRY,
                note="the capture notification proves the authorization (applied); "
                "no capture made by the hub matches it yet",
                operation=last,
                apply=implied,
            )
        if resource["status"] in (Status.CAPTURED, Status.REFUNDED):
            return Decision(
                status=PROCESSED, note=f"{resource['id']} is already {resource['status']}; nothing to apply"
            )
    if event.kind == K.CAPTURE and outcome.supersedes and resource.get("capture_mode") == "automatic":
        # a purchase's capture failed after it succeeded, or was re-captured after that (the hub
        # made no capture; its authorization captured): news about that authorization
        auth = [o for o in ops if o["kind"] in _AUTH and o["status"] == OpStatus.SUCCEEDED]
        if auth:
            return Decision(
                status=PROCESSED, note=f"the purchase's capture is now {outcome.status.value}",
                operation=auth[-1], apply=outcome,
            )  # fmt: skip
    return Decision(
        status=RETRY, note=f"no {event.kind.value} operation on {resource['id']} matches this event yet"
    )


def _what(kind: K) -> str:
    return "payout" if kind == K.PAYOUT else "payment"
