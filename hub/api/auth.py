"""Bearer API keys: one permission per endpoint, checked before the handler; deny by default.

Every route handler the hub defines declares either ``opt={"permission": ...}`` or
``opt=public("why it needs no key")``. A handler that declares neither is refused (403
``permission_undeclared``) rather than served without authentication, and
:func:`undeclared_routes` lets ``create_app`` refuse to start with one. Handlers Litestar
generates itself (CORS ``OPTIONS``, the OpenAPI document and its viewers) are public by
construction: they serve no data of ours.

The check (:func:`authorize`) runs first in the app's ``before_request`` hook, not as a
Litestar guard: Litestar ``copy()``s the route handler for every guard call, ~20 µs a request.
A hook is only as strong as its coverage, so :func:`unenforced_routes` lets ``create_app``
refuse to start where it would not run: a handler whose ``before_request`` (its own, its
controller's or router's) replaces the app's, a non-public cached handler (the cache answers
before the hook), and an ASGI or websocket handler that declares a permission (the hook never
runs for those; they must be public).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers import HTTPRouteHandler, WebsocketRouteHandler
from litestar.handlers.base import BaseRouteHandler

from hub.domain.errors import Forbidden, Unauthorized
from hub.services.api_keys import KeyInfo, Permission
from hub.services.payments import Actor

PUBLIC = "public"


def public(reason: str) -> dict[str, str]:
    """The ``opt`` of a route that needs no API key, with the reviewed reason why."""
    if not reason.strip():
        raise ValueError("a public route says why it needs no API key")
    return {PUBLIC: reason}


def is_framework_handler(handler: BaseRouteHandler) -> bool:
    """Litestar's own handlers (OPTIONS for CORS, the OpenAPI schema routes)."""
    fn = getattr(handler, "fn", None)
    module = getattr(fn, "__module__", "") or ""
    return module.startswith("litestar.") or handler.handler_name == "options_handler"


def is_public(handler: BaseRouteHandler) -> bool:
    return bool(handler.opt.get(PUBLIC)) or is_framework_handler(handler)


def route_handlers(route: Any) -> list[BaseRouteHandler]:
    """The handlers of an HTTP route, or the one of an ASGI mount."""
    handlers = getattr(route, "route_handlers", None)
    if handlers is None:
        one = getattr(route, "route_handler", None)
        handlers = [one] if one is not None else []
    return list(handlers)


def undeclared_routes(routes: Any) -> list[str]:
    """``METHOD path`` of every handler that declares neither a permission nor public."""
    found: list[str] = []
    for route in routes:
        for handler in route_handlers(route):
            if handler.opt.get("permission") is None and not is_public(handler):
                methods = ",".join(sorted(getattr(handler, "http_methods", None) or ["ASGI"]))
                found.append(f"{methods} {route.path}")
    return found


def unenforced_routes(routes: Any, hook: Any) -> list[str]:
    """``METHOD path: why`` of every handler whose permission ``hook`` (the app's
    ``before_request``, which runs :func:`authorize`) would not check."""
    found: list[str] = []
    for route in routes:
        for handler in route_handlers(route):
            if isinstance(handler, HTTPRouteHandler):
                where = f"{','.join(sorted(handler.http_methods))} {route.path}"
                if handler.resolve_before_request() is not hook:
                    found.append(
                        f"{where}: its own before_request replaces the app's, which checks the permission"
                    )
                elif handler.cache and (handler.opt.get("permission") is not None or not is_public(handler)):
                    found.append(f"{where}: a cached response would be served before the permission check")
            elif handler.opt.get("permission") is not None:
                kind = "WEBSOCKET" if isinstance(handler, WebsocketRouteHandler) else "ASGI"
                found.append(
                    f"{kind} {route.path}: declares a permission, checked for HTTP handlers only (make it public)"
                )
    return found


def refuse_unenforced(routes: Any, hook: Any) -> None:
    """``create_app``'s startup check: RuntimeError naming every route :func:`unenforced_routes`
    finds."""
    unenforced = unenforced_routes(routes, hook)
    if unenforced:  # the permission is checked in the app's before_request: it must run for each route
        raise RuntimeError(f"routes whose permission would not be checked: {'; '.join(unenforced)}")


async def require_permission(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    permission = handler.opt.get("permission")
    if permission is None:
        if is_public(handler):
            return
        raise Forbidden(
            "this route declares no permission and is refused (deny by default)",
            code="permission_undeclared",
        )
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


async def authorize(request: Request[Any, Any, Any]) -> None:
    """The permission check of the app's ``before_request`` hook: :func:`require_permission`
    for the handler the request was routed to."""
    await require_permission(request, request.route_handler)


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    actor: Actor = connection.state.actor
    return actor
