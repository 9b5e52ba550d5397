"""What a resolution check sends and flags (``hub.services.resolution``): the lookup and replay
requests built from what the hub stored, and the review flags of an operation past its deadline.
Also the collaborators the resolver is handed (the card source, the audit hook, the payout replay)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.base import (
    AuthorizeRequest,
    Capability,
    CaptureRequest,
    Card,
    LookupRequest,
    PaymentMethod,
    PayoutRequest,
    RefundRequest,
    ThreeDS,
    VoidRequest,
)
from adapters.base import OperationKind as K
from hub.domain.errors import ProblemError, ValidationFailed
from hub.domain.operations import OpStatus, ResourceKind
from hub.providers import ProviderAccount
from hub.services import replayable
from hub.services import representations as rep
from hub.services import resolution_proof as proof
from hub.store import tables as t
from hub.store.repo import Row, add_event, load, update_row

log = logging.getLogger("payhub.resolution")

CERTAIN = (OpStatus.SUCCEEDED.value, OpStatus.FAILED.value, OpStatus.REQUIRES_ACTION.value)


class CardSource(Protocol):
    """hub.services.payment_methods.PaymentMethods: the vaulted card, decrypted for one call."""

    async def card_of(self, row: Row, cvc: str | None = None) -> Card: ...


@runtime_checkable
class SupportsPeriodic(Protocol):
    def every(self, name: str, seconds: float) -> None: ...


class AuditHook(Protocol):
    """Written by the audit-log work: called INSIDE the settle transaction."""

    async def record(
        self,
        conn: AsyncConnection,
        *,
        actor: Any,
        action: str,
        resource_type: str,
        resource_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        detail: str | None = None,
    ) -> None: ...


class PayoutReplay(Protocol):
    """hub.services.payouts.PayoutService: a payout's transfer rebuilt for a replay."""

    async def replay_request(self, op: Row, payout: Row) -> PayoutRequest: ...


def _table_of(op: Row) -> Any:
    return t.payouts if op["resource_kind"] == ResourceKind.PAYOUT else t.payments


def _render(op: Row, resource: Row) -> dict[str, Any]:
    return rep.payout(resource) if op["resource_kind"] == ResourceKind.PAYOUT else rep.payment(resource)


def _certain(op: Row) -> bool:
    return op["status"] in CERTAIN


class ResolverSupport:
    engine: AsyncEngine
    methods: CardSource | None
    audit: AuditHook | None
    payouts: PayoutReplay | None

    # ------------------------------------------------------------------ requests
    def _lookup_call(self, op: Row, resource: Row, provider: ProviderAccount) -> Callable[[], Any]:
        req = self._lookup_request(op, resource)
        return lambda: provider.adapter.lookup(req)

    def _lookup_request(self, op: Row, resource: Row) -> LookupRequest:
        return LookupRequest(
            operation_id=op["id"],
            idempotency_key=op["provider_idempotency_key"],
            payment_id=op["resource_id"],
            amount=op["amount"],
            currency=op["currency"],
            reference=resource.get("reference"),
            metadata=dict(resource.get("metadata") or {}),
            kind=K(op["kind"]),
            provider_reference=op["provider_reference"] or resource.get("provider_reference"),
            operation_reference=op["operation_reference"],
            refund_id=op["refund_id"],
            created_at=op["created_at"],
        )

    async def _replay_call(self, op: Row, payment: Row, provider: ProviderAccount) -> Callable[[], Any]:
        """The original request again, with the same provider idempotency key."""
        if op["resource_kind"] == ResourceKind.PAYOUT:
            if self.payouts is None:
                raise proof.CannotUse("no payout service to rebuild the transfer from")
            try:
                preq = await self.payouts.replay_request(op, payment)
            except (ValueError, ProblemError) as exc:  # destination gone (card deleted, ...)
                raise proof.CannotUse(f"the transfer cannot be rebuilt: {exc}") from exc
            return lambda: provider.adapter.payout(preq)
        kind = K(op["kind"])
        req = op["request"] or {}
        common: dict[str, Any] = {
            "operation_id": op["id"],
            "idempotency_key": op["provider_idempotency_key"],
            "payment_id": payment["id"],
            "amount": op["amount"],
            "currency": op["currency"],
        }
        provider_reference = op["provider_reference"] or payment["provider_reference"]
        adapter = provider.adapter
        if kind == K.AUTHORIZE:
            areq = AuthorizeRequest(
                **common,
                reference=payment["reference"],
                metadata=dict(payment["metadata"] or {}),
                capture=bool(req.get("capture", payment["capture_mode"] == "automatic")),
                payment_method=await self._payment_method(payment, req, provider),
                three_ds=ThreeDS(**req["three_ds"]) if req.get("three_ds") else None,
                description=req.get("description"),
            )
            return lambda: adapter.authorize(areq)
        if not provider_reference:
            raise proof.CannotUse(f"no provider reference to replay the {kind.value} against")
        if kind == K.CAPTURE:
            creq = CaptureRequest(
                **common,
                reference=payment["reference"],
                provider_reference=provider_reference,
                final=bool(req.get("final", True)),
            )
            return lambda: adapter.capture(creq)
        if kind == K.VOID:
            vreq = VoidRequest(
                **common, reference=payment["reference"], provider_reference=provider_reference
            )
            return lambda: adapter.void(vreq)
        if kind == K.REFUND:
            async with self.engine.connect() as conn:
                refund = await load(conn, t.refunds, op["refund_id"], what="refund")
            rreq = RefundRequest(
                **common,
                reference=refund["reference"],
                metadata=dict(refund["metadata"] or {}),
                provider_reference=provider_reference,
                refund_id=refund["id"],
            )
            return lambda: adapter.refund(rreq)
        raise proof.CannotUse(f"{kind.value} cannot be replayed (what the shopper brought back is not kept)")

    async def _payment_method(
        self, payment: Row, req: dict[str, Any], provider: ProviderAccount
    ) -> PaymentMethod:
        """The payment method exactly as the original request carried it (or why not)."""
        if req.get(replayable.PROVIDER_PM):  # the provider's token the card was turned into
            return PaymentMethod(type="provider_token", token=str(req[replayable.PROVIDER_PM]))
        masked: dict[str, Any] = req.get("payment_method") or {}
        if masked.get("type") == "provider_token" and masked.get("token"):
            return PaymentMethod(type="provider_token", token=masked["token"])
        token = masked.get("token")
        if masked.get("type") == "card" and provider.supports(Capability.TOKENIZE):
            raise proof.CannotUse("the card was never turned into the provider's token for this request")
        if masked.get("type") == "card" and req.get(replayable.CVC_SENT):
            raise proof.CannotUse("the request carried a CVC, which is never kept: a replay would differ")
        if masked.get("type") == "card" and isinstance(token, str) and token.startswith("pm_"):
            if self.methods is None:
                raise proof.CannotUse("no card source configured to replay a card authorization")
            async with self.engine.connect() as conn:
                row = (
                    (
                        await conn.execute(
                            select(t.payment_methods).where(
                                t.payment_methods.c.id == token, t.payment_methods.c.owner == payment["owner"]
                            )
                        )
                    )
                    .mappings()
                    .first()
                )
            if row is None:
                raise proof.CannotUse(f"payment method {token} is gone")
            try:
                card = await self.methods.card_of(dict(row))  # no CVC: it was never stored
            except ValidationFailed as exc:  # crypto-shredded
                raise proof.CannotUse(str(exc)) from exc
            return PaymentMethod(type="card", card=card)
        raise proof.CannotUse("the payment method cannot be rebuilt for a replay")

    # ------------------------------------------------------------------ review
    async def _flag_review(self, conn: AsyncConnection, op: Row, now: dt.datetime) -> None:
        table = _table_of(op)
        await update_row(
            conn, t.operations, op["id"], {"requires_review": True, "next_check_at": None, "updated_at": now}
        )
        await update_row(conn, table, op["resource_id"], {"requires_review": True, "updated_at": now})
        op = {**op, "requires_review": True, "next_check_at": None, "updated_at": now}
        resource = await load(conn, table, op["resource_id"], what=op["resource_kind"])
        await add_event(
            conn,
            owner=resource["owner"],
            type="operation.requires_review",
            resource_id=op["id"],
            data={"object": rep.operation(op), op["resource_kind"]: _render(op, resource)},
            now=now,
        )
        log.warning(
            "operation %s (%s of %s) is past its deadline: requires review",
            op["id"],
            op["kind"],
            op["resource_id"],
        )

    async def _recompute_review(self, conn: AsyncConnection, op: Row, now: dt.datetime) -> None:
        """The resource needs review while any of its unresolved operations does."""
        n = await conn.scalar(
            select(func.count())
            .select_from(t.operations)
            .where(
                t.operations.c.resource_id == op["resource_id"],
                t.operations.c.requires_review.is_(True),
                t.operations.c.id != op["id"],
            )
        )
        await update_row(
            conn, _table_of(op), op["resource_id"], {"requires_review": bool(n), "updated_at": now}
        )

    async def _acknowledge(
        self, conn: AsyncConnection, op: Row, table: Any, reason: str, actor: Any, now: dt.datetime
    ) -> dict[str, Any]:
        await update_row(conn, t.operations, op["id"], {"requires_review": False, "updated_at": now})
        after = await load(conn, t.operations, op["id"], what="operation")
        await self._recompute_review(conn, after, now)
        resource = await load(conn, table, op["resource_id"], what=op["resource_kind"])
        if self.audit is not None:
            await self.audit.record(
                conn, actor=actor, action="operation.settle", resource_type="operation",
                resource_id=op["id"], before=rep.operation(op), after=rep.operation(after),
                detail=f"acknowledged {op['status']}: {reason}",
            )  # fmt: skip
        return {**rep.operation(after), op["resource_kind"]: _render(op, resource)}
