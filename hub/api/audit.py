"""GET /v1/admin/audit: read the audit log (role ``auditor``; admins too). Newest first, cursor
paged, filterable. There is deliberately no route that changes or deletes audit records."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import Parameter
from sqlalchemy import ColumnElement

from hub.api.responses import json_response
from hub.services.api_keys import Permission
from hub.services.audit import render
from hub.store import tables as t
from hub.store.lists import list_page


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class AuditController(Controller):
    path = "/v1/admin/audit"
    tags = ["admin"]
    opt = {"permission": Permission.AUDIT_READ}

    @get("/")
    async def list_audit(
        self,
        request: Request[Any, Any, Any],
        actor: Annotated[str | None, Parameter(description="API key id of the actor")] = None,
        owner: str | None = None,
        action: Annotated[str | None, Parameter(description="exact, or a prefix with *: payment.*")] = None,
        resource_type: str | None = None,
        resource_id: str | None = None,
        success: bool | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> Response[bytes]:
        c = t.audit_log.c
        filters: list[ColumnElement[bool]] = []
        if actor:
            filters.append(c.actor_key_id == actor)
        if owner:
            filters.append(c.actor_owner == owner)
        if action:
            filters.append(c.action.like(action.replace("*", "%")) if "*" in action else c.action == action)
        if resource_type:
            filters.append(c.resource_type == resource_type)
        if resource_id:
            filters.append(c.resource_id == resource_id)
        if success is not None:
            filters.append(c.success.is_(success))
        if since:
            filters.append(c.at >= _aware(since))
        if until:
            filters.append(c.at < _aware(until))
        page = await list_page(
            request.app.state.hub.engine, t.audit_log, None, filters, cursor, limit, render, order="seq"
        )
        return json_response(page)
