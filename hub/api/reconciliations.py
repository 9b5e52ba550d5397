"""/v1/reconciliations: the providers' books against the hub's (DESIGN §14).

``POST`` (role admin) validates and writes the run ``running``, hands it to the job runner and
answers 202 (``Idempotency-Key``: the same run and its recorded answer again, DESIGN §5); ``GET /{id}`` reads it; ``GET /{id}/items`` lists its items (filter ``kind``),
in a stable order (by item id), cursor paged.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter

from hub.api.auth import actor_of
from hub.api.responses import json_response, run_idempotent
from hub.services.api_keys import Permission
from hub.services.payments import Result
from idempotency.store import Scope

ItemKindName = Literal[
    "matched", "missing_in_hub", "missing_at_provider", "amount_mismatch", "currency_mismatch",
    "status_mismatch", "fee", "settlement",
]  # fmt: skip


class ReconciliationIn(msgspec.Struct, forbid_unknown_fields=True):
    account: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    from_: dt.datetime = msgspec.field(name="from")
    to: dt.datetime


class ReconciliationController(Controller):
    path = "/v1/reconciliations"
    tags = ["reconciliations"]

    @post("/", opt={"permission": Permission.ADMIN}, status_code=202)
    async def create(self, request: Request[Any, Any, Any], data: ReconciliationIn) -> Response[bytes]:
        service = request.app.state.hub.reconciliation
        actor = actor_of(request)

        async def run(idem: Scope | None) -> Result:
            started = await service.start(
                owner=actor.owner,
                account=data.account,
                start=data.from_,
                end=data.to,
                trigger="api",
                idem=idem,
            )
            return Result(202, started)

        return await run_idempotent(request, actor, run=run)

    @get("/{reconciliation_id:str}", opt={"permission": Permission.LEDGER_READ})
    async def retrieve(self, request: Request[Any, Any, Any], reconciliation_id: str) -> Response[bytes]:
        return json_response(await request.app.state.hub.reconciliation.get(reconciliation_id))

    @get("/{reconciliation_id:str}/items", opt={"permission": Permission.LEDGER_READ})
    async def items(
        self,
        request: Request[Any, Any, Any],
        reconciliation_id: str,
        kind: ItemKindName | None = None,
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> Response[bytes]:
        page = await request.app.state.hub.reconciliation.items(
            reconciliation_id, kind=kind, cursor=cursor, limit=limit
        )
        return json_response(page)
