"""/v1/payouts: send money to a bank account or a card; get; list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter

from hub.api.auth import actor_of
from hub.api.responses import json_response, run_idempotent
from hub.services.api_keys import Permission

Str255 = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
Metadata = Annotated[
    dict[Annotated[str, msgspec.Meta(max_length=40)], Annotated[str, msgspec.Meta(max_length=500)]],
    msgspec.Meta(max_length=50),
]
PayoutStatusName = Literal["processing", "succeeded", "failed", "returned"]


class DestinationIn(msgspec.Struct, forbid_unknown_fields=True):
    """``bank_account``: iban, name (bic, country optional); ``card``: token (``pm_...``).
    The details are checked by the service so every error names ``destination.<field>``."""

    type: Literal["bank_account", "card"]
    iban: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    bic: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    name: Annotated[str, msgspec.Meta(max_length=255)] | None = None
    country: Annotated[str, msgspec.Meta(max_length=8)] | None = None
    token: Str255 | None = None


class PayoutCreate(msgspec.Struct, forbid_unknown_fields=True):
    amount: int
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)]
    destination: DestinationIn
    account: Str255 | None = None
    reference: Str255 | None = None
    description: Annotated[str, msgspec.Meta(max_length=140)] | None = None
    metadata: Metadata = msgspec.field(default_factory=dict)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class PayoutController(Controller):
    path = "/v1/payouts"
    tags = ["payouts"]

    @post("/", opt={"permission": Permission.PAYOUTS_WRITE}, status_code=201)
    async def create(self, request: Request[Any, Any, Any], data: PayoutCreate) -> Response[bytes]:
        hub = request.app.state.hub
        actor = actor_of(request)
        body: dict[str, Any] = msgspec.to_builtins(data)
        return await run_idempotent(
            request,
            actor,
            required=hub.settings.idempotency.required,
            run=lambda idem: hub.payouts.create(actor, body, idem),
        )

    @get("/{payout_id:str}", opt={"permission": Permission.READ})
    async def retrieve(
        self, request: Request[Any, Any, Any], payout_id: str, refresh: bool = False
    ) -> Response[bytes]:
        hub = request.app.state.hub
        actor = actor_of(request)
        body = await (hub.payouts.refresh(actor, payout_id) if refresh else hub.payouts.get(actor, payout_id))
        return json_response(body)

    @get("/", opt={"permission": Permission.READ})
    async def list_payouts(
        self,
        request: Request[Any, Any, Any],
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        status: PayoutStatusName | None = None,
        account: str | None = None,
        reference: str | None = None,
        created_gte: Annotated[dt.datetime | None, Parameter(query="created[gte]")] = None,
        created_lt: Annotated[dt.datetime | None, Parameter(query="created[lt]")] = None,
    ) -> Response[bytes]:
        page = await request.app.state.hub.payouts.list(
            actor_of(request),
            cursor=cursor,
            limit=limit,
            status=status,
            account=account,
            reference=reference,
            created_gte=_aware(created_gte),
            created_lt=_aware(created_lt),
        )
        return json_response(page)
