"""Issue 14: deny by default. Every route of the app either declares a permission — and then
refuses a request without a key (401) and one whose role lacks it (403) — or is public with a
reviewed reason; the set of public routes is exactly the reviewed list."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar, get

from hub.api.app import create_app
from hub.api.auth import (
    authorize,
    is_framework_handler,
    public,
    refuse_unenforced,
    route_handlers,
    undeclared_routes,
    unenforced_routes,
)
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
    found = {f"{m} {p}" for m, p, h in _handlers(app) if h.opt.get("public") and not is_framework_handler(h)}
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

    app = Litestar(route_handlers=[forgotten], before_request=authorize)
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
        before_request=authorize,
        exception_handlers={ProblemError: on_problem},
    )
    async with AsyncTestClient(app) as client:
        refused = await client.get("/v1/forgotten")
        assert refused.status_code == 403 and refused.json()["code"] == "permission_undeclared"
        assert "secret" not in refused.text
        assert (await client.get("/open")).status_code == 200


async def test_the_permission_is_checked_before_the_input(harness: Any) -> None:
    """401 (with WWW-Authenticate) before strict_input's 422: a bad query without a key."""
    bare = await harness.client.get("/v1/payments?limit=null&limit=null")
    assert bare.status_code == 401, bare.text
    assert bare.headers["www-authenticate"] == "Bearer"
    assert bare.headers["content-type"].startswith("application/problem+json")
    wrong = await harness.client.get("/v1/payments", headers={"Authorization": "Bearer phk_not_a_key"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    key = await harness.new_key(Role.ADMIN.value)
    bad_query = await harness.client.get("/v1/payments?limit=null", headers=harness.headers(key))
    assert bad_query.status_code == 422, bad_query.text


async def test_the_hook_answers_as_the_guard_did_and_sets_the_actor() -> None:
    """authorize in a small app: 401 without a key or with an unknown one, 403 for a role
    without the permission, and the handler sees the key's Actor (request id, client address)."""
    from types import SimpleNamespace

    from litestar import Request
    from litestar.datastructures import State
    from litestar.testing import AsyncTestClient

    from hub.api.auth import actor_of
    from hub.api.problems import on_problem
    from hub.domain.errors import ProblemError
    from hub.services.api_keys import KeyInfo

    keys = {
        "k-read": KeyInfo(id="key_r", owner="acme", name="r", role=Role.READ),
        "k-pay": KeyInfo(id="key_p", owner="acme", name="p", role=Role.PAYMENTS),
    }

    class FakeKeys:
        async def authenticate(self, key: str) -> KeyInfo | None:
            return keys.get(key)

    @get("/v1/who", opt={"permission": Permission.PAYMENTS_WRITE.value}, sync_to_thread=False)
    def who(request: Request[Any, Any, Any]) -> dict[str, Any]:
        a = actor_of(request)
        return {"key_id": a.key_id, "owner": a.owner, "role": a.role, "rid": a.request_id, "ip": a.source_ip}

    app = Litestar(
        route_handlers=[who],
        before_request=authorize,
        exception_handlers={ProblemError: on_problem},
        state=State({"hub": SimpleNamespace(api_keys=FakeKeys())}),
    )
    async with AsyncTestClient(app) as client:
        for headers in (
            {},
            {"Authorization": "Basic k-pay"},
            {"Authorization": "Bearer "},
            {"Authorization": "Bearer nope"},
        ):
            r = await client.get("/v1/who", headers=headers)
            assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", (headers, r.text)
        weaker = await client.get("/v1/who", headers={"Authorization": "Bearer k-read"})
        assert weaker.status_code == 403 and "needs payments.write" in weaker.json()["detail"]
        ok = await client.get(
            "/v1/who", headers={"Authorization": "Bearer  k-pay ", "X-Request-ID": "r" * 70}
        )
        assert ok.status_code == 200, ok.text
        assert ok.json() == {
            "key_id": "key_p",
            "owner": "acme",
            "role": "payments",
            "rid": "r" * 64,
            "ip": "testclient",
        }


def test_every_route_of_the_app_is_checked_by_its_hook(harness: Any) -> None:
    app = create_app(harness.hub, manage_lifecycle=False)
    assert app.before_request is not None
    assert unenforced_routes(app.routes, app.before_request) == []


def test_a_hook_that_replaces_the_apps_stops_the_app() -> None:
    """Litestar runs the nearest layer's before_request only: a controller's or a handler's own
    would serve the route without the permission check."""
    from litestar import Controller

    async def own_hook(request: Any) -> None:
        return None

    class Replacing(Controller):
        path = "/v1/replacing"
        before_request = own_hook

        @get("/", opt={"permission": Permission.READ.value}, sync_to_thread=False)
        def listing(self) -> dict[str, str]:
            return {}

    @get("/v1/own", opt={"permission": Permission.READ.value}, before_request=own_hook, sync_to_thread=False)
    def own() -> dict[str, str]:
        return {}

    @get("/v1/fine", opt={"permission": Permission.READ.value}, sync_to_thread=False)
    def fine() -> dict[str, str]:
        return {}

    app = Litestar(route_handlers=[Replacing, own, fine], before_request=authorize)
    found = unenforced_routes(app.routes, app.before_request)
    assert sorted(found) == [
        "GET /v1/own: its own before_request replaces the app's, which checks the permission",
        "GET /v1/replacing: its own before_request replaces the app's, which checks the permission",
        # the controller owns Litestar's OPTIONS handler of its path too: refused as well
        "OPTIONS /v1/replacing: its own before_request replaces the app's, which checks the permission",
    ]
    with pytest.raises(RuntimeError, match="/v1/own"):
        refuse_unenforced(app.routes, app.before_request)
    # an app without the hook at all: every route, Litestar's own too
    bare = Litestar(route_handlers=[fine])
    assert any(f.startswith("GET /v1/fine:") for f in unenforced_routes(bare.routes, authorize))


def test_an_asgi_or_websocket_handler_with_a_permission_stops_the_app() -> None:
    """The hook never runs for them: they must be public."""
    from litestar import WebSocket, asgi, websocket
    from litestar.types import Receive, Scope, Send

    @asgi("/mounted", is_mount=True, copy_scope=False, opt={"permission": Permission.READ.value})
    async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    @websocket("/v1/stream", opt={"permission": Permission.READ.value})
    async def stream(socket: WebSocket[Any, Any, Any]) -> None:
        return None

    @asgi("/pages", is_mount=True, copy_scope=False, opt=public("a test mount that needs no key"))
    async def pages(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    app = Litestar(route_handlers=[mounted, stream, pages], before_request=authorize)
    assert sorted(unenforced_routes(app.routes, app.before_request)) == [
        "ASGI /mounted: declares a permission, checked for HTTP handlers only (make it public)",
        "WEBSOCKET /v1/stream: declares a permission, checked for HTTP handlers only (make it public)",
    ]
    with pytest.raises(RuntimeError, match="/mounted"):
        refuse_unenforced(app.routes, app.before_request)


def test_a_cached_protected_route_stops_the_app() -> None:
    """Litestar answers from its response cache before before_request runs."""

    @get("/v1/cached", opt={"permission": Permission.READ.value}, cache=60, sync_to_thread=False)
    def cached() -> dict[str, str]:
        return {}

    @get("/cached-public", opt=public("a test route that needs no key"), cache=60, sync_to_thread=False)
    def cached_public() -> dict[str, str]:
        return {}

    app = Litestar(route_handlers=[cached, cached_public], before_request=authorize)
    assert unenforced_routes(app.routes, app.before_request) == [
        "GET /v1/cached: a cached response would be served before the permission check"
    ]


def test_create_app_refuses_to_start_with_an_unchecked_route(harness: Any, monkeypatch: Any) -> None:
    from litestar import asgi
    from litestar.types import Receive, Scope, Send

    import hub.api.app as app_module

    @asgi("/v1/mounted", is_mount=True, copy_scope=False, opt={"permission": Permission.READ.value})
    async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    real = app_module.Litestar

    def with_mount(*args: Any, **kwargs: Any) -> Litestar:
        kwargs["route_handlers"] = [*kwargs["route_handlers"], mounted]
        return real(*args, **kwargs)

    monkeypatch.setattr(app_module, "Litestar", with_mount)
    with pytest.raises(RuntimeError, match="ASGI /v1/mounted: declares a permission"):
        create_app(harness.hub, manage_lifecycle=False)


def test_public_needs_a_reason() -> None:
    with pytest.raises(ValueError):
        public("  ")
