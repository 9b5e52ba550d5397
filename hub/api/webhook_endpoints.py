"""/v1/webhook-endpoints: subscribe URLs to events; see every delivery and attempt; redeliver."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.params import Parameter

from hub.api.auth import actor_of
from hub.api.responses import json_response, run_idempotent
from hub.domain.errors import ValidationFailed
from hub.services.api_keys import Permission
from hub.services.payments import Result
from hub.services.webhook_endpoints import describe, describe_delivery
from hub.store import tables as t
from hub.store.lists import list_page

_DELIVERY_STATUSES = ("pending", "delivered", "failed")


class WebhookEndpointCreate(msgspec.Struct, forbid_unknown_fields=True):
    url: str
    event_types: list[str]
    description: str | None = None


class WebhookEndpointController(Controller):
    path = "/v1/webhook-endpoints"
    tags = ["webhook endpoints"]

    @post("/", opt={"permission": Permission.WEBHOOK_ENDPOINTS_WRITE}, status_code=201)
    async def create(self, request: Request[Any, Any, Any], data: WebhookEndpointCreate) -> Response[bytes]:
        """The endpoint with its signing ``secret``: shown here only. An Idempotency-Key replay
        answers the endpoint without it (the secret is never stored in plaintext)."""
        hub = request.app.state.hub
        actor = actor_of(request)
        shown: dict[str, str] = {}

        async def run(_: Any) -> Result:
            row, secret = await hub.webhook_endpoints.create(
                actor.owner, url=data.url, event_types=data.event_types, description=data.description
            )
            shown["secret"] = secret
            return Result(201, describe(row))

        response = await run_idempotent(request, actor, run=run, claim_first=True)
        if "secret" not in shown:  # a replay: the secret was shown to the first request only
            return response
        body = msgspec.json.decode(response.content)
        return json_response({**body, "secret": shown["secret"]}, 201)

    @get("/", opt={"permission": Permission.READ})
    async def list_endpoints(
        self,
        request: Request[Any, Any, Any],
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> Response[bytes]:
        page = await list_page(
            request.app.state.hub.engine,
            t.webhook_endpoints,
            actor_of(request).owner,
            [],
            cursor,
            limit,
            describe,
        )
        return json_response(page)

    @get("/{endpoint_id:str}", opt={"permission": Permission.READ})
    async def retrieve(self, request: Request[Any, Any, Any], endpoint_id: str) -> Response[bytes]:
        row = await request.app.state.hub.webhook_endpoints.get(actor_of(request).owner, endpoint_id)
        return json_response(describe(row))

    @delete("/{endpoint_id:str}", opt={"permission": Permission.WEBHOOK_ENDPOINTS_WRITE}, status_code=200)
    async def remove(self, request: Request[Any, Any, Any], endpoint_id: str) -> Response[bytes]:
        row = await request.app.state.hub.webhook_endpoints.delete(actor_of(request).owner, endpoint_id)
        return json_response({**describe(row), "deleted": True})

    @post(
        "/{endpoint_id:str}/enable", opt={"permission": Permission.WEBHOOK_ENDPOINTS_WRITE}, status_code=200
    )
    async def enable(self, request: Request[Any, Any, Any], endpoint_id: str) -> Response[bytes]:
        hub = request.app.state.hub
        actor = actor_of(request)

        async def run(_: Any) -> Result:
            return Result(200, describe(await hub.webhook_endpoints.enable(actor.owner, endpoint_id)))

        return await run_idempotent(request, actor, run=run, claim_first=True)

    @get("/{endpoint_id:str}/deliveries", opt={"permission": Permission.READ})
    async def list_deliveries(
        self,
        request: Request[Any, Any, Any],
        endpoint_id: str,
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        status: str | None = None,
    ) -> Response[bytes]:
        hub = request.app.state.hub
        await hub.webhook_endpoints.get(actor_of(request).owner, endpoint_id)
        filters = [t.webhook_deliveries.c.endpoint_id == endpoint_id]
        if status is not None:
            if status not in _DELIVERY_STATUSES:
                raise ValidationFailed(
                    f"status must be one of {', '.join(_DELIVERY_STATUSES)}", field="status"
                )
            filters.append(t.webhook_deliveries.c.status == status)
        page = await list_page(
            hub.engine, t.webhook_deliveries, None, filters, cursor, limit, describe_delivery
        )
        return json_response(page)

    @get("/{endpoint_id:str}/deliveries/{delivery_id:str}", opt={"permission": Permission.READ})
    async def retrieve_delivery(
        self, request: Request[Any, Any, Any], endpoint_id: str, delivery_id: str
    ) -> Response[bytes]:
        row = await request.app.state.hub.webhook_endpoints.delivery(
            actor_of(request).owner, endpoint_id, delivery_id
        )
        return json_response(describe_delivery(row))

    @get("/{endpoint_id:str}/deliveries/{delivery_id:str}/attempts", opt={"permission": Permission.READ})
    async def list_attempts(
        self, request: Request[Any, Any, Any], endpoint_id: str, delivery_id: str
    ) -> Response[bytes]:
        attempts = await request.app.state.hub.webhook_endpoints.attempts(
            actor_of(request).owner, endpoint_id, delivery_id
        )
        return json_response({"object": "list", "data": attempts, "has_more": False, "next_cursor": None})

    @post(
        "/{endpoint_id:str}/deliveries/{delivery_id:str}/redeliver",
        opt={"permission": Permission.WEBHOOK_ENDPOINTS_WRITE},
        status_code=202,
    )
    async def redeliver(
        self, request: Request[Any, Any, Any], endpoint_id: str, delivery_id: str
    ) -> Response[bytes]:
        hub = request.app.state.hub
        actor = actor_of(request)

        async def run(_: Any) -> Result:
            row = await hub.deliveries.redeliver(actor.owner, endpoint_id, delivery_id)
            return Result(202, describe_delivery(row))

        return await run_idempotent(request, actor, run=run, claim_first=True)
