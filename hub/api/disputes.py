"""/v1/disputes: list, get, answer with evidence, accept (DESIGN §12)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter

from hub.api.auth import actor_of
from hub.api.responses import json_response, run_idempotent
from hub.services.api_keys import Permission

DisputeStatusName = Literal["inquiry", "needs_response", "under_review", "won", "lost", "accepted"]


class EvidenceIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=150_000)]
    submit: bool = False


class DisputeController(Controller):
    path = "/v1/disputes"
    tags = ["disputes"]

    @get("/", opt={"permission": Permission.READ})
    async def list_disputes(
        self,
        request: Request[Any, Any, Any],
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        status: DisputeStatusName | None = None,
        payment: str | None = None,
        account: str | None = None,
    ) -> Response[bytes]:
        page = await request.app.state.hub.disputes.list(
            actor_of(request), cursor=cursor, limit=limit, status=status, payment=payment, account=account
        )
        return json_response(page)

    @get("/{dispute_id:str}", opt={"permission": Permission.READ})
    async def retrieve(
        self, request: Request[Any, Any, Any], dispute_id: str, refresh: bool = False
    ) -> Response[bytes]:
        service, actor = request.app.state.hub.disputes, actor_of(request)
        body = await (service.refresh(actor, dispute_id) if refresh else service.get(actor, dispute_id))
        return json_response(body)

    @post("/{dispute_id:str}/evidence", opt={"permission": Permission.PAYMENTS_WRITE}, status_code=200)
    async def evidence(self, request: Request[Any, Any, Any], dispute_id: str, data: EvidenceIn) -> Response[bytes]:
        hub, actor = request.app.state.hub, actor_of(request)
        return await run_idempotent(
            request,
            actor,
            claim_first=True,
            run=lambda idem: hub.disputes.submit_evidence(actor, dispute_id, data.text, data.submit),
        )

    @post("/{dispute_id:str}/accept", opt={"permission": Permission.PAYMENTS_WRITE}, status_code=200)
    async def accept(self, request: Request[Any, Any, Any], dispute_id: str) -> Response[bytes]:
        hub, actor = request.app.state.hub, actor_of(request)
        return await run_idempotent(
            request, actor, claim_first=True, run=lambda idem: hub.disputes.accept(actor, dispute_id)
        )
