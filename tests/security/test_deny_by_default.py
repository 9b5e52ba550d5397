"""Issue 14: deny by default. Every route of the app either declares a permission — and then
refuses a request without a key (401) and one whose role lacks it (403) — or is public with a
reviewed reason; the set of public routes is exactly the reviewed list."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar, get

from hub.api.app import create_app
from hub.api.auth import is_framework_handler, public, require_permission, route_handlers, undeclared_routes
from hub.services.api_keys import ROLE_PERMISSIONS, Permission, Role

# Reviewed: each needs no API key, and says why in its opt.
PUBLIC_ROUTES = {
    "GET /health",
    "GET /ready",
    "GET /metrics",
    "POST /v1/webhooks/{account_id:str}",
    "ASGI /3ds",
}


def _handlers(app: Litestar) -> list[tuple[str, str, Any]]:
    out = []
    for route in app.routes:
        for h in route_handlers(route):
            methods = sorted(getattr(h, "http_methods", None) or ["ASGI"])
            for m in methods:
                out.append((m, route.path, h))
    return out


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x_unknown_1", path)


def _role_without(permission: Permission) -> Role | None:
    return next((r for r, perms in ROLE_PERMISSIONS.items() if permission not in perms), None)


def test_public_routes_are_exactly_the_reviewed_ones(harness: Any) -> None:
    app = create_app(harness.hub, manage_lifecycle=False)
    found = {
        f"{m} {p}" for m, p, h in _handlers(app) if h.opt.get("public") and not is_framework_handler(h)
    }
    assert found == PUBLIC_ROUTES
    for _, _, h in _handlers(app):
        if h.opt.get("public"):
            assert len(h.opt["public"]) > 10  # a reason, not a flag


async def test_every_protected_route_refuses_no_key_and_a_weaker_role(harness: Any) -> None:
    app = create_app(harness.hub, manage_lifecycle=False)
    keys: dict[Role, str] = {}
    checked = 0
    for method, path, h in _handlers(app):
        permission = h.opt.get("permission")
        if permission is None:
            assert h.opt.get("public") or is_framework_handler(h), f"{method} {path} declares nothing"
            continue
        if method == "ASGI":
            continue
        url = _concrete(path)
        bare = await harness.client.request(method, url)
        assert bare.status_code == 401, f"{method} {path} without a key: {bare.status_code}"
        assert bare.headers["content-type"].startswith("application/problem+json")
        weaker = _role_without(Permission(permission))
        if weaker is not None:
            if weaker not in keys:
                keys[weaker] = await harness.new_key(weaker.value)
            r = await harness.client.request(method, url, headers=harness.headers(keys[weaker]), json={})
            assert r.status_code == 403, f"{method} {path} as {weaker.value}: {r.status_code} {r.text}"
        checked += 1
    assert checked >= 40  # every /v1 and admin route was walked


def test_a_route_that_declares_nothing_stops_the_app() -> None:
    @get("/v1/forgotten")
    async def forgotten() -> dict[str, str]:
        return {}

    app = Litestar(route_handlers=[forgotten], guards=[require_permission])
    assert undeclared_routes(app.routes) == ["GET /v1/forgotten"]


async def test_a_route_that_declares_nothing_is_refused_not_served() -> None:
    from litestar.testing import AsyncTestClient

    @get("/v1/forgotten", sync_to_thread=False)
    def forgotten() -> dict[str, str]:
        return {"secret": "data"}

    @get("/open", opt=public("a test route that needs no key"), sync_to_thread=False)
    def open_route() -> dict[str, str]:
        return {"ok": "yes"}

    from hub.api.problems import on_problem
    from hub.domain.errors import ProblemError

    app = Litestar(
        route_handlers=[forgotten, open_route],
        guards=[require_permission],
        exception_handlers={ProblemError: on_problem},
    )
    async with AsyncTestClient(app) as client:
        refused = await client.get("/v1/forgotten")
        assert refused.status_code == 403 and refused.json()["code"] == "permission_undeclared"
        assert "secret" not in refused.text
        assert (await client.get("/open")).status_code == 200


def test_public_needs_a_reason() -> None:
    with pytest.raises(ValueError):
        public("  ")
