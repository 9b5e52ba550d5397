"""The payments service's shared half: its collaborators and the steps every operation takes
(a write-ahead operation, the provider call, its outcome or its undo, the payment's lock)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.base import OperationKind as K
from adapters.base import (
    Outcome,
)
from hub.config import Settings
from hub.domain import states
from hub.domain.errors import Conflict
from hub.domain.operations import OpStatus, ResourceKind
from hub.domain.states import Op, Status
from hub.providers import ProviderAccount, Providers
from hub.routing.plan import Router
from hub.services import outcomes
from hub.services import representations as rep
from hub.services.payment_types import IdempotencyScope, MethodResolver, Resolver, Result, encode
from hub.services.write_ahead import account_for, call_or_undo, insert_operation
from hub.store import fast, gather, optimistic
from hub.store import tables as t
from hub.store.repo import Row, load, load_with_operation, update_row, utcnow
from hub.telemetry.context import log_context, operation_log_ids

# unresolved operations the hub started on a payment (provider news flagged for review is not a call)
_UNRESOLVED = "SELECT id FROM operations WHERE resource_id = $1 AND status = $2 AND origin = 'hub'"
_UNRESOLVED_CORE = select(t.operations.c.id).where(
    t.operations.c.resource_id == bindparam("payment_id"),
    t.operations.c.status == OpStatus.UNKNOWN.value,
    t.operations.c.origin == "hub",
)


class PaymentCore:
    def __init__(
        self,
        engine: AsyncEngine,
        providers: Providers,
        settings: Settings,
        methods: MethodResolver,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        on_unknown: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.providers = providers
        self.settings = settings
        self.methods = methods
        self.clock = clock
        self.on_unknown = on_unknown  # called with an operation id that needs resolution
        self.resolver: Resolver | None = None
        self.router = Router(settings.routing, providers, settings.default_account)

    # ------------------------------------------------------------------ helpers
    def _account_for(self, account_id: str | None) -> ProviderAccount:
        return account_for(self.providers, self.settings, account_id)

    async def _new_operation(
        self,
        conn: AsyncConnection,
        *,
        kind: K,
        payment: Row,
        provider: ProviderAccount,
        amount: int,
        from_status: Status,
        now: dt.datetime,
        request: dict[str, Any],
        refund_id: str | None = None,
    ) -> Row:
        return await insert_operation(
            conn,
            settings=self.settings,
            resource_kind=ResourceKind.PAYMENT,
            resource_id=payment["id"],
            provider=provider,
            kind=kind,
            from_status=from_status.value,
            amount=amount,
            currency=payment["currency"],
            request=request,
            now=now,
            provider_reference=payment.get("provider_reference"),
            refund_id=refund_id,
        )

    async def _finish(
        self, op: Row, outcome: Outcome, duration_ms: int, idem: IdempotencyScope | None, status_code: int
    ) -> Result:
        """txn B: apply the outcome, complete the idempotency key with the exact response.

        PostgreSQL tries the optimistic way first (hub.store.optimistic: an unlocked read and
        one guarded statement); whenever it cannot end so, nothing of it was written and the
        locked way runs (the payment read under its lock), as on SQLite."""
        now = self.clock()
        written: tuple[outcomes.Applied, dict[str, Any]] | None = None
        if optimistic.available(self.engine) and op["kind"] != K.REFUND:  # a refund reads its row
            try:
                async with optimistic.outcome(self.engine, t.payments, op["resource_id"], op["id"]) as read:
                    conn, payment, current = read
                    written = await self._record(
                        conn, op, outcome, now, duration_ms, idem, status_code, payment, current
                    )
            except optimistic.Stale:
                written = None
        if written is None:
            async with gather.transaction(self.engine) as conn:
                payment, current = await load_with_operation(
                    conn, t.payments, op["resource_id"], op["id"], lock=True, what="payment"
                )
                written = await self._record(
                    conn, op, outcome, now, duration_ms, idem, status_code, payment, current
                )
        applied, body = written
        if applied.operation_status == OpStatus.UNKNOWN and self.on_unknown is not None:
            self.on_unknown(op["id"])
        return Result(status_code, body)

    async def _record(
        self,
        conn: AsyncConnection,
        op: Row,
        outcome: Outcome,
        now: dt.datetime,
        duration_ms: int,
        idem: IdempotencyScope | None,
        status_code: int,
        payment: Row,
        current: Row,
    ) -> tuple[outcomes.Applied, dict[str, Any]]:
        """The writes of txn B on ``conn``, decided on ``payment`` and its operation ``current``."""
        applied = await outcomes.apply(
            conn,
            op,
            outcome,
            action="call",
            now=now,
            duration_ms=duration_ms,
            schedule=self.settings.resolution.schedule,
            locked=payment,
            current=current,
        )
        body = rep.payment(applied.resource)
        if op["kind"] == K.REFUND:
            refund = await load(conn, t.refunds, op["refund_id"], what="refund")
            body = rep.refund(refund)
        if idem is not None:
            await idem.complete(conn, status_code, encode(body))
        return applied, body

    async def _undo(
        self,
        op: Row,
        idem: IdempotencyScope | None,
        *,
        created_payment: bool,
        created_method: str | None = None,
    ) -> None:
        """The adapter refused before sending anything: take back what txn A wrote."""
        async with self.engine.begin() as conn:
            payment = await load(conn, t.payments, op["resource_id"], lock=True, what="payment")
            await conn.execute(delete(t.operations).where(t.operations.c.id == op["id"]))
            if op["refund_id"]:
                await conn.execute(delete(t.refunds).where(t.refunds.c.id == op["refund_id"]))
            if created_payment:
                await conn.execute(delete(t.payments).where(t.payments.c.id == payment["id"]))
            if created_method is not None:
                await conn.execute(delete(t.payment_methods).where(t.payment_methods.c.id == created_method))
            elif payment["status"] == Status.PROCESSING and op["kind"] != K.REFUND:
                await update_row(conn, t.payments, payment["id"], {"status": op["from_status"]})
            if idem is not None:
                await idem.release(conn)

    async def _run(
        self,
        op: Row,
        provider: ProviderAccount,
        call: Any,
        idem: IdempotencyScope | None,
        status_code: int,
        *,
        created_payment: bool = False,
        created_method: str | None = None,
    ) -> Result:
        with log_context(**operation_log_ids(op)):
            outcome, ms = await call_or_undo(
                provider,
                call,
                lambda: self._undo(op, idem, created_payment=created_payment, created_method=created_method),
                operation=op["kind"],
            )
            self.router.breakers.record(provider.id, outcome)
            return await self._finish(op, outcome, ms, idem, status_code)

    async def _mark_in_flight(
        self, conn: AsyncConnection, payment_id: str, now: dt.datetime, idem: IdempotencyScope | None
    ) -> None:
        """txn A for an operation on an existing payment: it waits in ``processing`` and the
        Idempotency-Key joins the same transaction."""
        await update_row(conn, t.payments, payment_id, {"status": Status.PROCESSING.value, "updated_at": now})
        if idem is not None:
            await idem.claim(conn, "payment", payment_id)

    def _allowed(self, payment: Row, op: Op, kind: K) -> tuple[Status, ProviderAccount]:
        """The state table allows ``op`` from where ``payment`` stands (409 invalid_state
        otherwise) and its account's adapter declares ``kind`` (422 not_supported otherwise)."""
        status = Status(payment["status"])
        states.check(status, op)
        provider = self.providers.get(payment["account_id"])
        provider.require(kind)
        return status, provider

    async def _lock_for_op(self, conn: AsyncConnection, payment_id: str, owner: str | None) -> Row:
        payment = await load(conn, t.payments, payment_id, lock=True, owner=owner, what="payment")
        if payment["status"] == Status.PROCESSING:
            pending = (
                (
                    await conn.execute(
                        select(t.operations)
                        .where(
                            t.operations.c.resource_id == payment_id,
                            t.operations.c.status.in_([OpStatus.PENDING.value, OpStatus.UNKNOWN.value]),
                            t.operations.c.kind != K.REFUND.value,
                        )
                        .order_by(t.operations.c.created_at.desc())
                        .limit(1)
                    )
                )
                .mappings()
                .first()
            )
            if (
                pending is not None
                and pending["status"] == OpStatus.PENDING
                and (pending["lease_until"] is None or pending["lease_until"] > self.clock())
            ):
                raise Conflict(
                    f"payment {payment_id} has a {pending['kind']} in progress; retry shortly",
                    code="operation_in_progress",
                    headers={"Retry-After": "1"},
                )
            raise Conflict(
                f"payment {payment_id} has an unresolved {pending['kind'] if pending else 'operation'}; "
                "its outcome is being resolved with the provider",
                code="operation_unresolved",
                headers={"Retry-After": "5"},
            )
        return payment

    async def _resolve_first(self, payment_id: str, owner: str | None) -> None:
        """On-the-fly resolution: an unresolved operation on this payment gets one try now."""
        if self.resolver is None:
            return
        async with self.engine.connect() as conn:
            drv = await fast.driver(conn, begin=False)
            if drv is not None:  # PostgreSQL: one statement, no transaction around it
                found = await fast.fetch(conn, drv, _UNRESOLVED, (payment_id, OpStatus.UNKNOWN.value))
                rows = [r["id"] for r in found]
            else:
                rows = list((await conn.execute(_UNRESOLVED_CORE, {"payment_id": payment_id})).scalars())
        for op_id in rows:
            await self.resolver.resolve_operation(op_id)
