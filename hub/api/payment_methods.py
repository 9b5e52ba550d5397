"""/v1/payment-methods: tokenize a card into the vault; read masked; delete = crypto-shred."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post

from hub.api.auth import actor_of
from hub.api.payments import CardIn
from hub.api.responses import json_response, run_idempotent
from hub.services.api_keys import Permission
from hub.services.payment_methods import describe
from hub.services.payments import Result


class PaymentMethodCreate(msgspec.Struct, forbid_unknown_fields=True):
    type: str
    card: CardIn


class PaymentMethodController(Controller):
    path = "/v1/payment-methods"
    tags = ["payment methods"]

    @post("/", opt={"permission": Permission.PAYMENT_METHODS_WRITE}, status_code=201)
    async def create(self, request: Request[Any, Any, Any], data: PaymentMethodCreate) -> Response[bytes]:
        from hub.domain.errors import ValidationFailed

        if data.type != "card":
            raise ValidationFailed("type must be card", field="type")
        hub = request.app.state.hub
        actor = actor_of(request)
        card = msgspec.to_builtins(data.card)

        async def run(_: Any) -> Result:
            row = await hub.payment_methods.tokenize(actor.owner, card)
            return Result(201, describe(row))

        return await run_idempotent(request, actor, run=run, claim_first=True)

    @get("/{pm_id:str}", opt={"permission": Permission.READ})
    async def retrieve(self, request: Request[Any, Any, Any], pm_id: str) -> Response[bytes]:
        row = await request.app.state.hub.payment_methods.get(actor_of(request).owner, pm_id)
        return json_response(describe(row))

    @delete("/{pm_id:str}", opt={"permission": Permission.PAYMENT_METHODS_WRITE}, status_code=200)
    async def remove(self, request: Request[Any, Any, Any], pm_id: str) -> Response[bytes]:
        row = await request.app.state.hub.payment_methods.delete(actor_of(request).owner, pm_id)
        return json_response(describe(row))
