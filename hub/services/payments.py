"""The payments lifecycle: create (authorize/purchase), authenticate, capture, void, refund."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.base import (
    AuthenticateRequest,
    AuthorizeRequest,
    Capability,
    CaptureRequest,
    Outcome,
    PaymentMethod,
    RefundRequest,
    ThreeDS,
    VoidRequest,
)
from adapters.base import OperationKind as K
from hub.config import Settings
from hub.domain import states
from hub.domain.errors import Conflict, InvalidState, NotSupportedByAccount, Unprocessable
from hub.domain.ids import new_id
from hub.domain.money import validate_amount, validate_currency
from hub.domain.operations import OpStatus, ResourceKind
from hub.domain.states import Op, RefundStatus, Status
from hub.providers import ProviderAccount, Providers
from hub.routing.plan import Plan, Router
from hub.routing.rules import PaymentFacts
from hub.services import outcomes, provider_news, replayable
from hub.services import representations as rep
from hub.services.cascade import run_cascade
from hub.services.write_ahead import account_for, call_or_undo, insert_operation
from hub.store import fast, gather
from hub.store import tables as t
from hub.store.repo import Row, insert_row, load, load_with_operation, update_row, utcnow
from hub.telemetry.context import log_context, operation_log_ids
from vault.redaction import redact

log = logging.getLogger("payhub.payments")

# unresolved operations the hub started on a payment (provider news flagged for review is not a call)
_UNRESOLVED = "SELECT id FROM operations WHERE resource_id = $1 AND status = $2 AND origin = 'hub'"
_UNRESOLVED_CORE = select(t.operations.c.id).where(
    t.operations.c.resource_id == bindparam("payment_id"),
    t.operations.c.status == OpStatus.UNKNOWN.value,
    t.operations.c.origin == "hub",
)


class IdempotencyScope(Protocol):
    """Written by ``idempotency``: the key row joins the transactions that create things."""

    async def claim(self, conn: AsyncConnection, resource_type: str, resource_id: str) -> None: ...
    async def complete(self, conn: AsyncConnection, status: int, body: bytes) -> None: ...
    async def release(self, conn: AsyncConnection) -> None: ...


@dataclass(frozen=True)
class Actor:
    key_id: str | None
    owner: str
    role: str
    request_id: str | None = None
    source_ip: str | None = None


@dataclass
class ResolvedMethod:
    """A payment method ready for the adapter (card decrypted in memory) + its masked view."""

    for_adapter: PaymentMethod
    masked: dict[str, Any]
    # a card tokenized on the way in: its vault row, written in the payment's transaction
    new_row: dict[str, Any] | None = None


class MethodResolver(Protocol):
    async def resolve(self, owner: str, raw: dict[str, Any], provider: ProviderAccount) -> ResolvedMethod: ...

    async def card_facts(self, owner: str, raw: dict[str, Any]) -> tuple[str | None, str | None]: ...


class Resolver(Protocol):
    async def resolve_operation(self, operation_id: str) -> None: ...


@dataclass
class Result:
    status_code: int
    body: dict[str, Any]


def encode(body: dict[str, Any]) -> bytes:
    return msgspec.json.encode(body)


class PaymentService:
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
        """txn B: apply the outcome, complete the idempotency key with the exact response."""
        now = self.clock()
        async with gather.transaction(self.engine) as conn:
            payment, current = await load_with_operation(
                conn, t.payments, op["resource_id"], op["id"], lock=True, what="payment"
            )
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
        if applied.operation_status == OpStatus.UNKNOWN and self.on_unknown is not None:
            self.on_unknown(op["id"])
        return Result(status_code, body)

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

    # ------------------------------------------------------------------ create
    async def plan(self, actor: Actor, req: dict[str, Any]) -> Plan:
        """The accounts this payment would be tried on, in order (DESIGN §15)."""
        currency = validate_currency(req["currency"])
        amount = validate_amount(req["amount"], currency)
        raw_method = req.get("payment_method") or {}
        brand, number = await self.methods.card_facts(actor.owner, raw_method)
        facts = PaymentFacts(
            currency=currency,
            amount=amount,
            card_brand=brand,
            card_country=self.router.bins.country(number),
            metadata=req.get("metadata") or {},
        )
        return self.router.plan(facts, explicit=req.get("account"), method_type=str(raw_method.get("type")))

    async def create(self, actor: Actor, req: dict[str, Any], idem: IdempotencyScope | None) -> Result:
        plan = await self.plan(actor, req)
        provider = self._account_for(plan.accounts[0])
        provider.require(K.AUTHORIZE)
        currency = validate_currency(req["currency"])
        amount = validate_amount(req["amount"], currency)
        caps = provider.adapter.capabilities
        if caps.currencies is not None and currency not in caps.currencies:
            raise NotSupportedByAccount(
                f"account {provider.id!r} does not support {currency}", field="currency"
            )
        capture_mode = req.get("capture", "automatic")
        three_ds_raw = req.get("three_ds")
        three_ds = ThreeDS(**three_ds_raw) if three_ds_raw else None
        if three_ds is not None and three_ds.mode == "always" and not provider.supports(Capability.THREE_DS):
            raise NotSupportedByAccount(
                f"account {provider.id!r} does not support 3-D Secure", field="three_ds"
            )
        method = await self.methods.resolve(actor.owner, req["payment_method"], provider)

        now = self.clock()
        payment: Row = {
            "id": new_id("pay"),
            "owner": actor.owner,
            "account_id": provider.id,
            "status": Status.PROCESSING.value,
            "amount": amount,
            "currency": currency,
            "capture_mode": capture_mode,
            "amount_captured": 0,
            "amount_refunded": 0,
            "provider_reference": None,
            "payment_method": method.masked,
            "three_ds": three_ds_raw,
            "next_action": None,
            "failure": None,
            "reference": req.get("reference"),
            "metadata": req.get("metadata") or {},
            "requires_review": False,
            "multicapture_open": False,
            "created_at": now,
            "updated_at": now,
        }
        # scrubbed once, so what is stored for a replay is exactly what is sent
        description = redact(req["description"]) if req.get("description") else None
        request_summary = {
            "capture": capture_mode == "automatic",
            "payment_method": method.masked,
            "three_ds": three_ds_raw,
            "reference": req.get("reference"),
            # a replay must resend the SAME parameters (Stripe refuses a key reused with others)
            "description": description,
            **replayable.request_flags(method.for_adapter),
        }
        async with gather.atomic(self.engine) as conn:  # PostgreSQL: one statement
            if method.new_row is not None:
                await insert_row(conn, t.payment_methods, method.new_row)
            await insert_row(conn, t.payments, payment)
            op = await self._new_operation(
                conn,
                kind=K.AUTHORIZE,
                payment=payment,
                provider=provider,
                amount=amount,
                from_status=Status.NEW,
                now=now,
                request=request_summary,
            )
            if idem is not None:
                await idem.claim(conn, "payment", payment["id"])
        areq = AuthorizeRequest(
            operation_id=op["id"],
            idempotency_key=op["provider_idempotency_key"],
            payment_id=payment["id"],
            amount=amount,
            currency=currency,
            reference=req.get("reference"),
            metadata=req.get("metadata") or {},
            capture=capture_mode == "automatic",
            payment_method=method.for_adapter,
            three_ds=three_ds,
            description=description,
        )
        created_method = method.new_row["id"] if method.new_row is not None else None
        if plan.cascades and self.settings.routing.cascade:
            return await run_cascade(self, op, provider, plan, areq, idem, created_method)
        prepared = await replayable.tokenize_first(
            self.engine,
            provider,
            op,
            areq,
            undo=lambda: self._undo(op, idem, created_payment=True, created_method=created_method),
            lease_margin=self.settings.resolution.lease_margin,
            now=self.clock,
        )
        if isinstance(prepared, Outcome):  # no token, so no payment was attempted
            return await self._finish(op, prepared, 0, idem, 201)
        return await self._run(
            op,
            provider,
            lambda: provider.adapter.authorize(prepared),
            idem,
            201,
            created_payment=True,
            created_method=created_method,
        )

    # ------------------------------------------------------------------ authenticate
    async def authenticate(
        self, actor: Actor, payment_id: str, params: dict[str, str], idem: IdempotencyScope | None
    ) -> Result:
        now = self.clock()
        async with gather.transaction(self.engine) as conn:
            payment = await self._lock_for_op(conn, payment_id, actor.owner)
            _, provider = self._allowed(payment, Op.AUTHENTICATE, K.AUTHENTICATE)
            op = await self._new_operation(
                conn,
                kind=K.AUTHENTICATE,
                payment=payment,
                provider=provider,
                amount=payment["amount"],
                from_status=Status.REQUIRES_ACTION,
                now=now,
                request={"params": sorted(params)},
            )
            await self._mark_in_flight(conn, payment_id, now, idem)
        areq = AuthenticateRequest(
            operation_id=op["id"],
            idempotency_key=op["provider_idempotency_key"],
            payment_id=payment_id,
            amount=payment["amount"],
            currency=payment["currency"],
            reference=payment["reference"],
            metadata=payment["metadata"] or {},
            provider_reference=payment["provider_reference"],
            params=params,
            capture=payment["capture_mode"] == "automatic",
        )
        return await self._run(op, provider, lambda: provider.adapter.authenticate(areq), idem, 200)

    # ------------------------------------------------------------------ capture
    async def capture(
        self, actor: Actor, payment_id: str, amount: int | None, final: bool, idem: IdempotencyScope | None
    ) -> Result:
        await self._resolve_first(payment_id, actor.owner)
        now = self.clock()
        async with gather.transaction(self.engine) as conn:
            payment = await self._lock_for_op(conn, payment_id, actor.owner)
            status = Status(payment["status"])
            if status == Status.CAPTURED and not payment["multicapture_open"]:
                raise InvalidState(
                    f"cannot capture a payment that is {status.value} (no further captures open)"
                )
            _, provider = self._allowed(payment, Op.CAPTURE, K.CAPTURE)
            capturable = payment["amount"] - payment["amount_captured"]
            amt = capturable if amount is None else validate_amount(amount, payment["currency"])
            if amt > capturable:
                raise Unprocessable(
                    f"amount {amt} exceeds the capturable amount {capturable}",
                    code="amount_exceeds_capturable",
                    field="amount",
                )
            if amt < capturable and not provider.supports(Capability.PARTIAL_CAPTURE):
                raise NotSupportedByAccount(f"account {provider.id!r} does not support partial capture")
            if not final and not provider.supports(Capability.MULTIPLE_CAPTURES):
                raise NotSupportedByAccount(f"account {provider.id!r} does not support multiple captures")
            op = await self._new_operation(
                conn,
                kind=K.CAPTURE,
                payment=payment,
                provider=provider,
                amount=amt,
                from_status=status,
                now=now,
                request={"final": final or amt == capturable},
            )
            await self._mark_in_flight(conn, payment_id, now, idem)
        creq = CaptureRequest(
            operation_id=op["id"],
            idempotency_key=op["provider_idempotency_key"],
            payment_id=payment_id,
            amount=amt,
            currency=payment["currency"],
            reference=payment["reference"],
            provider_reference=payment["provider_reference"] or "",
            final=final or amt == capturable,
        )
        return await self._run(op, provider, lambda: provider.adapter.capture(creq), idem, 200)

    # ------------------------------------------------------------------ void
    async def void(self, actor: Actor, payment_id: str, idem: IdempotencyScope | None) -> Result:
        await self._resolve_first(payment_id, actor.owner)
        now = self.clock()
        async with gather.transaction(self.engine) as conn:
            payment = await self._lock_for_op(conn, payment_id, actor.owner)
            status, provider = self._allowed(payment, Op.VOID, K.VOID)
            op = await self._new_operation(
                conn,
                kind=K.VOID,
                payment=payment,
                provider=provider,
                amount=payment["amount"],
                from_status=status,
                now=now,
                request={},
            )
            await self._mark_in_flight(conn, payment_id, now, idem)
        vreq = VoidRequest(
            operation_id=op["id"],
            idempotency_key=op["provider_idempotency_key"],
            payment_id=payment_id,
            amount=payment["amount"],
            currency=payment["currency"],
            reference=payment["reference"],
            provider_reference=payment["provider_reference"] or "",
        )
        return await self._run(op, provider, lambda: provider.adapter.void(vreq), idem, 200)

    # ------------------------------------------------------------------ refund
    async def refund(
        self, actor: Actor, payment_id: str, req: dict[str, Any], idem: IdempotencyScope | None
    ) -> Result:
        await self._resolve_first(payment_id, actor.owner)
        now = self.clock()
        async with gather.transaction(self.engine) as conn:
            payment = await self._lock_for_op(conn, payment_id, actor.owner)
            status, provider = self._allowed(payment, Op.REFUND, K.REFUND)
            pending = await conn.scalar(
                select(func.coalesce(func.sum(t.refunds.c.amount), 0)).where(
                    t.refunds.c.payment_id == payment_id, t.refunds.c.status == RefundStatus.PENDING
                )
            )
            refundable = payment["amount_captured"] - payment["amount_refunded"] - int(pending or 0)
            amount = req.get("amount")
            amt = refundable if amount is None else validate_amount(amount, payment["currency"])
            if amt > refundable or refundable <= 0:
                raise Unprocessable(
                    f"amount {amt} exceeds the refundable amount {max(refundable, 0)}",
                    code="amount_exceeds_refundable",
                    field="amount",
                )
            if amt < payment["amount_captured"] and not provider.supports(Capability.PARTIAL_REFUND):
                raise NotSupportedByAccount(f"account {provider.id!r} does not support partial refunds")
            if payment["amount_refunded"] + int(pending or 0) > 0 and not provider.supports(
                Capability.MULTIPLE_REFUNDS
            ):
                raise NotSupportedByAccount(f"account {provider.id!r} does not support multiple refunds")
            refund: Row = {
                "id": new_id("re"),
                "payment_id": payment_id,
                "owner": payment["owner"],
                "amount": amt,
                "currency": payment["currency"],
                "status": RefundStatus.PENDING.value,
                "provider_reference": None,
                "failure": None,
                "reference": req.get("reference"),
                "metadata": req.get("metadata") or {},
                "created_at": now,
                "updated_at": now,
            }
            await insert_row(conn, t.refunds, refund)
            op = await self._new_operation(
                conn,
                kind=K.REFUND,
                payment=payment,
                provider=provider,
                amount=amt,
                from_status=status,
                now=now,
                request={"refund_id": refund["id"]},
                refund_id=refund["id"],
            )
            if idem is not None:
                await idem.claim(conn, "refund", refund["id"])
        rreq = RefundRequest(
            operation_id=op["id"],
            idempotency_key=op["provider_idempotency_key"],
            payment_id=payment_id,
            amount=amt,
            currency=payment["currency"],
            reference=req.get("reference"),
            metadata=req.get("metadata") or {},
            provider_reference=payment["provider_reference"] or "",
            refund_id=refund["id"],
        )
        return await self._run(op, provider, lambda: provider.adapter.refund(rreq), idem, 201)

    # ------------------------------------------------------------------ reads
    async def get(self, actor: Actor | None, payment_id: str) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = await load(
                conn, t.payments, payment_id, owner=actor.owner if actor else None, what="payment"
            )
        return rep.payment(row)

    async def get_refund(self, actor: Actor | None, refund_id: str) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = await load(conn, t.refunds, refund_id, owner=actor.owner if actor else None, what="refund")
        return rep.refund(row)

    async def refunds_of(self, actor: Actor, payment_id: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            await load(conn, t.payments, payment_id, owner=actor.owner, what="payment")
            rows = (
                (
                    await conn.execute(
                        select(t.refunds).where(t.refunds.c.payment_id == payment_id).order_by(t.refunds.c.id)
                    )
                )
                .mappings()
                .all()
            )
        return [rep.refund(dict(r)) for r in rows]

    async def operations_of(self, actor: Actor, payment_id: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            await load(conn, t.payments, payment_id, owner=actor.owner, what="payment")
            rows = (
                (
                    await conn.execute(
                        select(t.operations)
                        .where(t.operations.c.resource_id == payment_id)
                        .order_by(t.operations.c.id)
                    )
                )
                .mappings()
                .all()
            )
        return [rep.operation(dict(r)) for r in rows]

    async def refresh(self, actor: Actor, payment_id: str) -> dict[str, Any]:
        await self._resolve_first(payment_id, actor.owner)
        # changes made outside the hub, found by a lookup (DESIGN §11)
        await provider_news.refresh(
            self.engine, self.providers, self.settings, payment_id, actor.owner, self.clock
        )
        return await self.get(actor, payment_id)
