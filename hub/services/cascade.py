"""The cascade (DESIGN §15): try a routed payment's accounts in order, moving on only after
an attempt that was certainly not charged (hub.routing.cascade).

The cascade's one write: an attempt proven not charged is closed and the next begins.

Both happen in ONE transaction, so there is never a moment in which the payment has no
operation that may still move it: either the old attempt is open, or it is closed as
certainly-not-charged and the new one's write-ahead row is committed before its call.
Each attempt has its own operation, hence its own provider idempotency key.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import AuthorizeRequest, Failure, FailureCode, Outcome, OutcomeStatus
from adapters.base import OperationKind as K
from hub.config import Settings
from hub.domain.operations import OpStatus, ResourceKind
from hub.domain.states import Status
from hub.providers import ProviderAccount
from hub.routing.cascade import attempt_outcome, certainly_not_charged
from hub.routing.plan import Plan
from hub.services import replayable
from hub.services.executor import adapter_refusal, call_adapter
from hub.services.outcomes import failure_dict, not_sent_failure
from hub.services.write_ahead import call_or_undo, insert_operation
from hub.store import tables as t
from hub.store.repo import Row, add_attempt, load, update_row
from hub.telemetry.context import log_context, operation_log_ids
from hub.telemetry.metrics import ROUTING_CASCADES

if TYPE_CHECKING:
    from hub.services.payments import IdempotencyScope, PaymentService, Result

log = logging.getLogger("payhub.routing")


def attempt_failure(outcome: Outcome) -> dict[str, Any] | None:
    if outcome.status == OutcomeStatus.RETRY:
        return msgspec.to_builtins(not_sent_failure(outcome.reason))  # type: ignore[no-any-return]
    return failure_dict(outcome)


async def next_attempt(
    engine: AsyncEngine,
    settings: Settings,
    op: Row,
    outcome: Outcome,
    duration_ms: int,
    to: ProviderAccount,
    now: dt.datetime,
) -> Row:
    """Close ``op`` (certainly not charged) and write the next attempt's operation on ``to``."""
    failure = attempt_failure(outcome)
    async with engine.begin() as conn:
        payment = await load(conn, t.payments, op["resource_id"], lock=True, what="payment")
        await add_attempt(
            conn,
            operation_id=op["id"],
            action="call",
            outcome=outcome.status.value,
            detail={"reason": outcome.reason, "cascaded_to": to.id},
            duration_ms=duration_ms,
            now=now,
        )
        await update_row(
            conn,
            t.operations,
            op["id"],
            {
                "status": OpStatus.FAILED.value,
                "failure": failure,
                "reason": outcome.reason,
                "attempts": (op["attempts"] or 0) + 1,
                "provider_reference": outcome.provider_reference or op["provider_reference"],
                "response": outcome.summary or None,
                "lease_until": None,
                "next_check_at": None,
                "resolved_at": now,
                "updated_at": now,
            },
        )
        earlier = [
            *(payment["attempts"] or []),
            {"account": op["account_id"], "outcome": attempt_outcome(outcome), "failure": failure},
        ]
        values = {"account_id": to.id, "attempts": earlier, "updated_at": now}
        await update_row(conn, t.payments, payment["id"], values)
        payment.update(values)
        return await insert_operation(
            conn,
            settings=settings,
            resource_kind=ResourceKind.PAYMENT,
            resource_id=payment["id"],
            provider=to,
            kind=K.AUTHORIZE,
            from_status=Status.NEW.value,
            amount=op["amount"],
            currency=op["currency"],
            request=op["request"],
            now=now,
        )


async def run_cascade(
    svc: PaymentService,
    op: Row,
    provider: ProviderAccount,
    plan: Plan,
    areq: AuthorizeRequest,
    idem: IdempotencyScope | None,
    created_method: str | None,
) -> Result:
    """One client request, at most one charge: every attempt but the last was proven not
    charged before the next one was written."""
    with log_context(**operation_log_ids(op)):
        outcome, ms = await _first_attempt(svc, provider, op, areq, idem, created_method)
    remaining = list(plan.accounts[1:])
    while True:
        svc.router.breakers.record(provider.id, outcome)
        nxt: ProviderAccount | None = None
        if certainly_not_charged(outcome, svc.router.cascade_codes):
            while remaining and nxt is None:
                candidate = remaining.pop(0)
                if svc.router.breakers.allow(candidate):
                    nxt = svc.providers.get(candidate)
        if nxt is None:
            return await svc._finish(op, outcome, ms, idem, 201)
        log.info(
            "payment %s: attempt on %s not charged (%s); cascading to %s",
            op["resource_id"], provider.id, outcome.reason or outcome.status.value, nxt.id,
        )  # fmt: skip
        ROUTING_CASCADES.labels(from_account=provider.id, to_account=nxt.id).inc()
        op = await next_attempt(svc.engine, svc.settings, op, outcome, ms, nxt, svc.clock())
        provider = nxt
        with log_context(**operation_log_ids(op)):
            outcome, ms = await _later_attempt(svc, provider, op, areq)


async def _first_attempt(
    svc: PaymentService,
    provider: ProviderAccount,
    op: Row,
    areq: AuthorizeRequest,
    idem: IdempotencyScope | None,
    created_method: str | None,
) -> tuple[Outcome, int]:
    """The payment's first attempt: an adapter that refuses before sending undoes it all."""

    async def undo() -> None:
        await svc._undo(op, idem, created_payment=True, created_method=created_method)

    prepared = await replayable.tokenize_first(
        svc.engine, provider, op, areq, undo=undo,
        lease_margin=svc.settings.resolution.lease_margin, now=svc.clock,
    )  # fmt: skip
    if isinstance(prepared, Outcome):  # not tokenized: nothing was charged
        return prepared, 0
    return await call_or_undo(
        provider, lambda: provider.adapter.authorize(prepared), undo, operation=op["kind"]
    )


async def _later_attempt(
    svc: PaymentService, provider: ProviderAccount, op: Row, first: AuthorizeRequest
) -> tuple[Outcome, int]:
    """A second or later attempt: the same request under this attempt's own operation and
    provider idempotency key (tokenized first for this provider when its adapter needs it).
    The payment already has history, so an adapter that refuses before sending makes this
    attempt a definite failure, never an undo of the payment."""
    areq = msgspec.structs.replace(
        first, operation_id=op["id"], idempotency_key=op["provider_idempotency_key"]
    )

    async def keep() -> None:
        return None

    try:
        prepared = await replayable.tokenize_first(
            svc.engine, provider, op, areq, undo=keep,
            lease_margin=svc.settings.resolution.lease_margin, now=svc.clock,
        )  # fmt: skip
        if isinstance(prepared, Outcome):
            return prepared, 0
        return await call_adapter(
            provider, lambda: provider.adapter.authorize(prepared), operation="authorize"
        )
    except Exception as exc:
        mapped = adapter_refusal(exc)
        if mapped is exc:
            raise
        failure = Failure(code=FailureCode.INVALID_REQUEST.value, message=str(mapped))
        return Outcome(status=OutcomeStatus.FAILED, failure=failure, reason="refused_before_sending"), 0
