"""Every mutating route has a named audit action: adding one without an entry fails here."""

from __future__ import annotations

from typing import Any, cast

from litestar.routes import HTTPRoute

from hub.api.app import create_app
from hub.api.audit_routes import EXEMPT, READ_METHODS, ROUTE_ACTIONS, derive, is_audited, route_key, spec_for


def _mutating_routes() -> set[str]:
    app = create_app(cast(Any, object()), manage_lifecycle=False)
    keys = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method in route.route_handler_map:
            if method not in READ_METHODS and is_audited(method, route.path_format):
                keys.add(route_key(method, route.path_format))
    return keys


def test_every_mutating_route_has_an_audit_action() -> None:
    routes = _mutating_routes()
    assert "POST /v1/payments" in routes and "POST /v1/admin/accounts" in routes
    missing = sorted(routes - set(ROUTE_ACTIONS) - EXEMPT)
    assert not missing, f"add these routes to hub/api/audit_routes.py ROUTE_ACTIONS: {missing}"


def test_action_names_are_unique_and_dotted() -> None:
    names = [spec.action for spec in ROUTE_ACTIONS.values()]
    assert len(names) == len(set(names))
    assert all(n.count(".") == 1 and n == n.lower() for n in names)


def test_unknown_mutating_route_still_gets_a_name() -> None:
    assert derive("POST", "/v1/widgets/{widget_id}/polish").action == "widgets.polish"
    assert derive("DELETE", "/v1/admin/widgets/{id}").action == "widgets.delete"
    spec = spec_for("POST", "/v1/payments/{payment_id:str}/capture")
    assert (spec.action, spec.resource_type, spec.id_param) == ("payment.capture", "payment", 0)
    assert not is_audited("GET", "/v1/payments") and not is_audited("POST", "/health")
