"""POST /v1/admin/routing/explain: which rule a payment would match and where it would go."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post

from hub.api.auth import actor_of
from hub.api.payments import PaymentCreate, _builtins
from hub.api.responses import json_response
from hub.services.api_keys import Permission


@post("/v1/admin/routing/explain", tags=["admin"], status_code=200, opt={"permission": Permission.ADMIN})
async def explain_routing(request: Request[Any, Any, Any], data: PaymentCreate) -> Response[bytes]:
    """The body of a ``POST /v1/payments`` in; the rule that matched (or why none did) and the
    accounts in the order they would be tried, with each skipped account and why. Nothing
    is stored and no provider is called."""
    hub = request.app.state.hub
    plan = await hub.payments.plan(actor_of(request), _builtins(data))
    return json_response({"object": "routing_explanation", **plan.describe()})
