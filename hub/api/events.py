"""/v1/events: the event feed, newest first, cursor paged, filterable by type."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from hub.api.auth import actor_of
from hub.api.responses import json_response
from hub.services import representations as rep
from hub.services.api_keys import Permission
from hub.store import tables as t
from hub.store.lists import list_page

render_event = rep.event  # the same body is the value of its Kafka message (hub.stream)


class EventController(Controller):
    path = "/v1/events"
    tags = ["events"]

    @get("/", opt={"permission": Permission.READ})
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        type: str | None = None,
        resource: str | None = None,
    ) -> Response[bytes]:
        filters = []
        if type:
            filters.append(
                t.events.c.type.like(type.replace("*", "%")) if "*" in type else t.events.c.type == type
            )
        if resource:
            filters.append(t.events.c.resource_id == resource)
        page = await list_page(
            request.app.state.hub.engine,
            t.events,
            actor_of(request).owner,
            filters,
            cursor,
            limit,
            render_event,
            order="seq",
        )
        return json_response(page)

    @get("/{event_id:str}", opt={"permission": Permission.READ})
    async def retrieve(self, request: Request[Any, Any, Any], event_id: str) -> Response[bytes]:
        from hub.store.repo import load

        async with request.app.state.hub.engine.connect() as conn:
            row = await load(conn, t.events, event_id, owner=actor_of(request).owner, what="event")
        return json_response(render_event(row))
