"""/v1/payments: create, capture, void, refunds, authenticate, get, list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter

from hub.api.auth import actor_of
from hub.api.responses import json_response, run_idempotent
from hub.services.api_keys import Permission
from hub.store import tables as t
from hub.store.lists import list_page

Str255 = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
Metadata = Annotated[
    dict[Annotated[str, msgspec.Meta(max_length=40)], Annotated[str, msgspec.Meta(max_length=500)]],
    msgspec.Meta(max_length=50),
]


class CardIn(msgspec.Struct, forbid_unknown_fields=True):
    number: Annotated[str, msgspec.Meta(min_length=12, max_length=23)]
    exp_month: Annotated[int, msgspec.Meta(ge=1, le=12)]
    exp_year: Annotated[int, msgspec.Meta(ge=2000, le=2100)]
    cvc: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{3,4}$")] | None = None
    holder_name: Annotated[str, msgspec.Meta(max_length=128)] | None = None


class PaymentMethodIn(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal["card", "provider_token"]
    token: Str255 | None = None
    card: CardIn | None = None


class ThreeDSIn(msgspec.Struct, forbid_unknown_fields=True):
    mode: Literal["if_required", "always", "never"] = "if_required"
    return_url: Annotated[str, msgspec.Meta(max_length=2048, pattern=r"^https?://")] | None = None


class PaymentCreate(msgspec.Struct, forbid_unknown_fields=True):
    amount: int
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)]
    payment_method: PaymentMethodIn
    capture: Literal["automatic", "manual"] = "automatic"
    account: Str255 | None = None
    three_ds: ThreeDSIn | None = None
    reference: Str255 | None = None
    description: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)


class CaptureIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: int | None = None
    final: bool = True


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: int | None = None
    reference: Str255 | None = None
    reason: Annotated[str, msgspec.Meta(max_length=255)] | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)


class AuthenticateIn(msgspec.Struct, forbid_unknown_fields=True):
    params: dict[str, str]


class EmptyIn(msgspec.Struct, forbid_unknown_fields=True):
    pass


def _builtins(data: msgspec.Struct) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(data)
    return out


class PaymentController(Controller):
    path = "/v1/payments"
    tags = ["payments"]

    @post("/", opt={"permission": Permission.PAYMENTS_WRITE}, status_code=201)
    async def create(self, request: Request[Any, Any, Any], data: PaymentCreate) -> Response[bytes]:
        hub = request.app.state.hub
        actor = actor_of(request)
        body = _builtins(data)
        return await run_idempotent(
            request,
            actor,
            required=hub.settings.idempotency.required,
            run=lambda idem: hub.payments.create(actor, body, idem),
            look_first=False,  # its write-ahead statement claims the key (one statement fewer)
        )

    @post("/{payment_id:str}/capture", opt={"permission": Permission.PAYMENTS_WRITE}, status_code=200)
    async def capture(
        self, request: Request[Any, Any, Any], payment_id: str, data: CaptureIn | None = None
    ) -> Response[bytes]:
        hub = request.app.state.hub
        actor = actor_of(request)
        body = data or CaptureIn()
        return await run_idempotent(
            request,
            actor,
            run=lambda idem: hub.payments.capture(actor, payment_id, body.amount, body.final, idem),
        )

    @post("/{payment_id:str}/void", opt={"permission": Permission.PAYMENTS_WRITE}, status_code=200)
    async def void(
        self, request: Request[Any, Any, Any], payment_id: str, data: EmptyIn | None = None
    ) -> Response[bytes]:
        hub = request.app.state.hub
        actor = actor_of(request)
        return await run_idempotent(
            request, actor, run=lambda idem: hub.payments.void(actor, payment_id, idem)
        )

    @post("/{payment_id:str}/refunds", opt={"permission": Permission.REFUNDS_WRITE}, status_code=201)
    async def refund(
        self, request: Request[Any, Any, Any], payment_id: str, data: RefundIn | None = None
    ) -> Response[bytes]:
        hub = request.app.state.hub
        actor = actor_of(request)
        body = _builtins(data or RefundIn())
        return await run_idempotent(
            request, actor, run=lambda idem: hub.payments.refund(actor, payment_id, body, idem)
        )

    @get("/{payment_id:str}/refunds", opt={"permission": Permission.READ})
    async def list_refunds(self, request: Request[Any, Any, Any], payment_id: str) -> Response[bytes]:
        hub = request.app.state.hub
        data = await hub.payments.refunds_of(actor_of(request), payment_id)
        return json_response({"data": data, "has_more": False, "next_cursor": None})

    @get("/{payment_id:str}/operations", opt={"permission": Permission.READ})
    async def list_operations(self, request: Request[Any, Any, Any], payment_id: str) -> Response[bytes]:
        hub = request.app.state.hub
        data = await hub.payments.operations_of(actor_of(request), payment_id)
        return json_response({"data": data, "has_more": False, "next_cursor": None})

    @post("/{payment_id:str}/authenticate", opt={"permission": Permission.PAYMENTS_WRITE}, status_code=200)
    async def authenticate(
        self, request: Request[Any, Any, Any], payment_id: str, data: AuthenticateIn
    ) -> Response[bytes]:
        hub = request.app.state.hub
        actor = actor_of(request)
        return await run_idempotent(
            request, actor, run=lambda idem: hub.payments.authenticate(actor, payment_id, data.params, idem)
        )

    @get("/{payment_id:str}", opt={"permission": Permission.READ})
    async def retrieve(
        self, request: Request[Any, Any, Any], payment_id: str, refresh: bool = False
    ) -> Response[bytes]:
        hub = request.app.state.hub
        actor = actor_of(request)
        body = await (
            hub.payments.refresh(actor, payment_id) if refresh else hub.payments.get(actor, payment_id)
        )
        return json_response(body)

    @get("/", opt={"permission": Permission.READ})
    async def list_payments(
        self,
        request: Request[Any, Any, Any],
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        status: Literal[
            "requires_action", "processing", "authorized", "captured", "voided", "refunded", "failed"
        ]
        | None = None,
        account: str | None = None,
        reference: str | None = None,
        created_gte: Annotated[dt.datetime | None, Parameter(query="created[gte]")] = None,
        created_lt: Annotated[dt.datetime | None, Parameter(query="created[lt]")] = None,
    ) -> Response[bytes]:
        from hub.services import representations as rep

        filters = []
        if status:
            filters.append(t.payments.c.status == status)
        if account:
            filters.append(t.payments.c.account_id == account)
        if reference:
            filters.append(t.payments.c.reference == reference)
        if created_gte:
            filters.append(t.payments.c.created_at >= _aware(created_gte))
        if created_lt:
            filters.append(t.payments.c.created_at < _aware(created_lt))
        page = await list_page(
            request.app.state.hub.engine,
            t.payments,
            actor_of(request).owner,
            filters,
            cursor,
            limit,
            rep.payment,
        )
        return json_response(page)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
