"""Bearer API keys: one permission per endpoint, checked by a guard."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from hub.domain.errors import Forbidden, Unauthorized
from hub.services.api_keys import KeyInfo, Permission
from hub.services.payments import Actor


async def require_permission(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    permission = handler.opt.get("permission")
    if permission is None:
        return
    header = connection.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized(
            "an API key is required: Authorization: Bearer <key>", headers={"WWW-Authenticate": "Bearer"}
        )
    hub = connection.app.state.hub
    info: KeyInfo | None = await hub.api_keys.authenticate(key.strip())
    if info is None:
        raise Unauthorized("the API key is not valid", headers={"WWW-Authenticate": "Bearer"})
    if not info.can(Permission(permission)):
        raise Forbidden(f"role {info.role.value!r} may not do this (needs {permission})")
    client = connection.client
    connection.state.actor = Actor(
        key_id=info.id,
        owner=info.owner,
        role=info.role.value,
        # the telemetry middleware's id (a sane X-Request-ID, or a fresh one) comes first
        request_id=connection.scope.get("state", {}).get("request_id")
        or connection.headers.get("x-request-id", "")[:64]
        or None,
        source_ip=client.host if client else None,
    )


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    actor: Actor = connection.state.actor
    return actor
