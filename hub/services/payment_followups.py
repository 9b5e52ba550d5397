"""The operations on an existing payment: authenticate (3DS), capture, void, refund."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from adapters.base import (
    AuthenticateRequest,
    Capability,
    CaptureRequest,
    RefundRequest,
    VoidRequest,
)
from adapters.base import OperationKind as K
from hub.domain.errors import InvalidState, NotSupportedByAccount, Unprocessable
from hub.domain.ids import new_id
from hub.domain.money import validate_amount
from hub.domain.states import Op, RefundStatus, Status
from hub.services.payment_core import PaymentCore
from hub.services.payment_types import Actor, IdempotencyScope, Result
from hub.store import gather
from hub.store import tables as t
from hub.store.repo import Row, insert_row


class PaymentFollowUps(PaymentCore):
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
