"""Payouts: send money to a bank account (or a card) — create, get, list, refresh.

The same write-ahead discipline as payments (DESIGN §4, §5):

1. txn A: the payout row (``processing``: money may move from here on), its ``payout``
   operation (``pending``, provider idempotency key derived from the operation id) and
   the Idempotency-Key claim, committed together *before* the provider call;
2. the adapter call through :func:`hub.services.write_ahead.call_or_undo` (a refusal
   before sending takes all of txn A back and becomes a 422);
3. txn B: the outcome applied through :func:`hub.services.outcomes.apply` (payout
   branch: :mod:`hub.services.payout_outcomes`) and the key completed with the exact
   response. A pending or ambiguous answer goes to the resolver (``on_unknown``);
   the bank's later news (status reports, camt.054 debits and returns) arrives via
   resolution and the inbox and moves the payout through the same function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import OperationKind, Outcome, PayoutRequest
from hub.config import Settings
from hub.domain.errors import NotSupportedByAccount, ValidationFailed
from hub.domain.ids import new_id
from hub.domain.money import validate_amount, validate_currency
from hub.domain.operations import OpStatus, ResourceKind
from hub.domain.states import PayoutStatus
from hub.providers import Providers
from hub.services import outcomes, payout_destinations
from hub.services import representations as rep
from hub.services.payments import Actor, IdempotencyScope, Resolver, Result, encode
from hub.services.payout_destinations import CardSource, ResolvedDestination
from hub.services.write_ahead import account_for, call_or_undo, insert_operation
from hub.store import tables as t
from hub.store.lists import list_page
from hub.store.repo import Row, load, utcnow
from hub.telemetry.context import log_context, operation_log_ids
from vault.vault import Vault

K = OperationKind


def _validated_money(req: dict[str, Any]) -> tuple[int, str]:
    """Amount and currency, every problem a 422 ``validation_error`` naming the field."""
    try:
        currency = validate_currency(str(req["currency"]))
        amount = validate_amount(req["amount"], currency)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, field=exc.field, extra={"reason": exc.code}) from None
    return amount, currency


class PayoutService:
    def __init__(
        self,
        engine: AsyncEngine,
        providers: Providers,
        settings: Settings,
        vault: Vault,
        cards: CardSource,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        on_unknown: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.providers = providers
        self.settings = settings
        self.vault = vault
        self.cards = cards
        self.clock = clock
        self.on_unknown = on_unknown  # called with an operation id that needs resolution
        self.resolver: Resolver | None = None

    # ------------------------------------------------------------------ create
    async def create(self, actor: Actor, req: dict[str, Any], idem: IdempotencyScope | None) -> Result:
        provider = account_for(self.providers, self.settings, req.get("account"))
        provider.require(K.PAYOUT)
        amount, currency = _validated_money(req)
        currencies = provider.adapter.capabilities.currencies
        if currencies is not None and currency not in currencies:
            raise NotSupportedByAccount(
                f"account {provider.id!r} does not pay out in {currency}", field="currency"
            )
        destination = await payout_destinations.resolve(actor.owner, req["destination"], provider, self.cards)

        now = self.clock()
        payout_id = new_id("po")
        payout: Row = {
            "id": payout_id,
            "owner": actor.owner,
            "account_id": provider.id,
            "status": PayoutStatus.PROCESSING.value,
            "amount": amount,
            "currency": currency,
            "destination": destination.masked,
            "destination_ciphertext": await payout_destinations.seal(
                self.vault, actor.owner, payout_id, destination
            ),
            "provider_reference": None,
            "failure": None,
            "reference": req.get("reference"),
            "metadata": req.get("metadata") or {},
            "requires_review": False,
            "created_at": now,
            "updated_at": now,
        }
        request_summary = {
            "destination": destination.masked,
            "reference": req.get("reference"),
            "description": req.get("description"),
        }
        async with self.engine.begin() as conn:
            await conn.execute(insert(t.payouts).values(**payout))
            op = await insert_operation(
                conn,
                settings=self.settings,
                resource_kind=ResourceKind.PAYOUT,
                resource_id=payout_id,
                provider=provider,
                kind=K.PAYOUT,
                from_status=PayoutStatus.NEW.value,
                amount=amount,
                currency=currency,
                request=request_summary,
                now=now,
            )
            if idem is not None:
                await idem.claim(conn, "payout", payout_id)
        preq = self.request_for(op, payout, destination)
        with log_context(**operation_log_ids(op)):  # payout_id and operation_id on every line
            try:
                outcome, ms = await call_or_undo(
                    provider,
                    lambda: provider.adapter.payout(preq),
                    lambda: self._undo(op, idem),
                    operation=K.PAYOUT.value,
                )
            except ValidationFailed as exc:  # the adapter's words for the destination: ours
                if exc.field and exc.field.startswith(("bank_account.", "card.")):
                    exc.field = "destination." + exc.field.split(".", 1)[1]
                raise
            return await self._finish(op, outcome, ms, idem)

    def request_for(self, op: Row, payout: Row, destination: ResolvedDestination) -> PayoutRequest:
        """The adapter's request for payout operation ``op`` (the same for a replay)."""
        return PayoutRequest(
            operation_id=op["id"],
            idempotency_key=op["provider_idempotency_key"],
            payment_id=payout["id"],
            amount=op["amount"],
            currency=op["currency"],
            reference=payout["reference"],
            metadata=dict(payout["metadata"] or {}),
            bank_account=destination.bank_account,
            card=destination.card,
            description=(op["request"] or {}).get("description"),
            requested_at=op["created_at"],  # a replay embeds the same instant (SEPA CreDtTm)
        )

    async def replay_request(self, op: Row, payout: Row) -> PayoutRequest:
        """For the resolver's ``replay``: the original transfer, same operation, same key."""
        destination = await payout_destinations.unseal(payout, self.vault, self.cards)
        return self.request_for(op, payout, destination)

    async def _finish(
        self, op: Row, outcome: Outcome, duration_ms: int, idem: IdempotencyScope | None
    ) -> Result:
        """txn B: apply the outcome, complete the idempotency key with the exact response."""
        now = self.clock()
        async with self.engine.begin() as conn:
            await load(conn, t.payouts, op["resource_id"], lock=True, what="payout")
            applied = await outcomes.apply(
                conn,
                op,
                outcome,
                action="call",
                now=now,
                duration_ms=duration_ms,
                schedule=self.settings.resolution.schedule,
            )
            body = rep.payout(applied.resource)
            if idem is not None:
                await idem.complete(conn, 201, encode(body))
        if applied.operation_status == OpStatus.UNKNOWN and self.on_unknown is not None:
            self.on_unknown(op["id"])
        return Result(201, body)

    async def _undo(self, op: Row, idem: IdempotencyScope | None) -> None:
        """The adapter refused before sending anything: take back what txn A wrote."""
        async with self.engine.begin() as conn:
            await load(conn, t.payouts, op["resource_id"], lock=True, what="payout")
            await conn.execute(delete(t.operations).where(t.operations.c.id == op["id"]))
            await conn.execute(delete(t.payouts).where(t.payouts.c.id == op["resource_id"]))
            if idem is not None:
                await idem.release(conn)

    # ------------------------------------------------------------------ reads
    async def get(self, actor: Actor | None, payout_id: str) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = await load(conn, t.payouts, payout_id, owner=actor.owner if actor else None, what="payout")
        return rep.payout(row)

    async def refresh(self, actor: Actor, payout_id: str) -> dict[str, Any]:
        """On-the-fly resolution: an unresolved operation on this payout gets one check now."""
        await self.get(actor, payout_id)  # 404 for someone else's payout
        if self.resolver is not None:
            async with self.engine.connect() as conn:
                ops = (
                    (
                        await conn.execute(
                            select(t.operations.c.id).where(
                                t.operations.c.resource_id == payout_id,
                                t.operations.c.status == OpStatus.UNKNOWN.value,
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
            for op_id in ops:
                await self.resolver.resolve_operation(op_id)
        return await self.get(actor, payout_id)

    async def list(
        self,
        actor: Actor,
        *,
        cursor: str | None,
        limit: int,
        status: str | None = None,
        account: str | None = None,
        reference: str | None = None,
        created_gte: dt.datetime | None = None,
        created_lt: dt.datetime | None = None,
    ) -> dict[str, Any]:
        c = t.payouts.c
        filters: list[ColumnElement[bool]] = []
        if status:
            filters.append(c.status == status)
        if account:
            filters.append(c.account_id == account)
        if reference:
            filters.append(c.reference == reference)
        if created_gte:
            filters.append(c.created_at >= created_gte)
        if created_lt:
            filters.append(c.created_at < created_lt)
        return await list_page(self.engine, t.payouts, actor.owner, filters, cursor, limit, rep.payout)
