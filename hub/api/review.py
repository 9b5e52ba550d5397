"""/v1/admin/operations: the operations resolution could not make certain, and admin settle.

``GET  /v1/admin/operations?status=requires_review|unknown|pending``  list (newest first, cursor paged)
``GET  /v1/admin/operations/{id}``                                  one operation with its attempts
``POST /v1/admin/operations/{id}/settle``  ``{"outcome": "succeeded"|"failed", "reason": "..."}``

Audit: settle goes through ``hub.resolver.settle``, which calls ``hub.resolver.audit.record(...)``
(if set) inside the settle transaction; the audit-log work plugs in there.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from sqlalchemy import ColumnElement, select

from hub.api.auth import actor_of
from hub.api.responses import json_response, run_idempotent
from hub.domain.errors import NotFound
from hub.services import representations as rep
from hub.services.api_keys import Permission
from hub.services.payments import Result
from hub.store import tables as t
from hub.store.lists import list_page
from hub.store.repo import iso, load


class SettleIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Literal["succeeded", "failed"]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


def _attempt(row: Any) -> dict[str, Any]:
    return {
        "action": row["action"],
        "outcome": row["outcome"],
        "detail": row["detail"],
        "duration_ms": row["duration_ms"],
        "at": iso(row["at"]),
    }


class OperationReviewController(Controller):
    path = "/v1/admin/operations"
    tags = ["admin"]
    opt = {"permission": Permission.ADMIN}

    @get("/")
    async def list_operations(
        self,
        request: Request[Any, Any, Any],
        status: Literal["requires_review", "unknown", "pending"] | None = None,
        account: str | None = None,
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> Response[bytes]:
        o = t.operations.c
        filters: list[ColumnElement[bool]] = []
        if status == "requires_review":
            filters.append(o.requires_review.is_(True))  # unresolved past deadline, or contradicted
        elif status is not None:
            filters.append(o.status == status)
        if account:
            filters.append(o.account_id == account)
        page = await list_page(
            request.app.state.hub.engine, t.operations, None, filters, cursor, limit, rep.operation
        )
        return json_response(page)

    @get("/{operation_id:str}")
    async def get_operation(self, request: Request[Any, Any, Any], operation_id: str) -> Response[bytes]:
        async with request.app.state.hub.engine.connect() as conn:
            row = await load(conn, t.operations, operation_id, what="operation")
            attempts = (
                (
                    await conn.execute(
                        select(t.operation_attempts)
                        .where(t.operation_attempts.c.operation_id == operation_id)
                        .order_by(t.operation_attempts.c.id)
                    )
                )
                .mappings()
                .all()
            )
        return json_response({**rep.operation(row), "attempts": [_attempt(a) for a in attempts]})

    @post("/{operation_id:str}/settle", status_code=200)
    async def settle(
        self, request: Request[Any, Any, Any], operation_id: str, data: SettleIn
    ) -> Response[bytes]:
        hub = request.app.state.hub
        resolver = getattr(hub, "resolver", None)
        if resolver is None:
            raise NotFound("operation resolution is not enabled on this hub")
        actor = actor_of(request)

        async def run(_: Any) -> Result:
            return Result(200, await resolver.settle(operation_id, data.outcome, data.reason, actor))

        return await run_idempotent(request, actor, run=run, claim_first=True)
