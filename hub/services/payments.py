"""The payments lifecycle: create (authorize/purchase), authenticate, capture, void, refund.

``PaymentService`` is split by what it does: the shared steps (``payment_core``), the operations
on an existing payment (``payment_followups``), and here creating one and reading it. The types
it takes and returns are in ``payment_types`` and re-exported here.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from adapters.base import (
    AuthorizeRequest,
    Capability,
    Outcome,
    ThreeDS,
)
from adapters.base import OperationKind as K
from hub.domain.errors import NotSupportedByAccount
from hub.domain.ids import new_id
from hub.domain.money import validate_amount, validate_currency
from hub.domain.states import Status
from hub.routing.plan import Plan
from hub.routing.rules import PaymentFacts
from hub.services import provider_news, replayable
from hub.services import representations as rep
from hub.services.cascade import run_cascade
from hub.services.payment_followups import PaymentFollowUps
from hub.services.payment_types import (
    Actor,
    IdempotencyScope,
    MethodResolver,
    ResolvedMethod,
    Resolver,
    Result,
    encode,
)
from hub.store import gather
from hub.store import tables as t
from hub.store.repo import Row, insert_row, load
from vault.redaction import redact

log = logging.getLogger("payhub.payments")

__all__ = [
    "Actor",
    "IdempotencyScope",
    "MethodResolver",
    "PaymentService",
    "ResolvedMethod",
    "Resolver",
    "Result",
    "encode",
]


class PaymentService(PaymentFollowUps):
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
