"""The Litestar application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request
from litestar.config.app import AppConfig
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig

from hub.api.admin import AdminController
from hub.api.audit import AuditController
from hub.api.audit_hooks import audit_middleware
from hub.api.auth import authorize, refuse_unenforced, undeclared_routes
from hub.api.disputes import DisputeController
from hub.api.events import EventController
from hub.api.health import health, ready
from hub.api.ledger import LedgerController
from hub.api.openapi.serve import DocumentJson, DocumentScalar, DocumentSwagger
from hub.api.payment_methods import PaymentMethodController
from hub.api.payments import PaymentController
from hub.api.payouts import PayoutController
from hub.api.problem_redaction import problem_redaction_middleware
from hub.api.problems import on_http_exception, on_problem, on_unexpected, problem
from hub.api.reconciliations import ReconciliationController
from hub.api.review import OperationReviewController
from hub.api.routing import explain_routing
from hub.api.simulator_pages import simulator_pages
from hub.api.stats import admin_stats, metrics
from hub.api.strict_query import strict_input
from hub.api.webhook_endpoints import WebhookEndpointController
from hub.api.webhooks import receive_webhook
from hub.domain.errors import ProblemError
from hub.runtime import Hub
from hub.telemetry.middleware import install as install_telemetry
from idempotency.errors import IdempotencyError


def _on_idempotency(request: Any, exc: IdempotencyError) -> Any:
    return problem(exc.status, exc.code, exc.detail, instance=request.url.path, headers=exc.headers or None)


async def before_request(request: Request[Any, Any, Any]) -> None:
    """The app's ``before_request``: who may call (``authorize``: 401/403 before anything is
    read), then the query and body exactly as documented (``strict_input``). A hook, not a
    guard: Litestar copies the handler for every guard call."""
    await authorize(request)
    await strict_input(request)


def create_app(hub: Hub, *, manage_lifecycle: bool = True) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if manage_lifecycle and not hub.started:
            await hub.start()
        try:
            yield
        finally:
            if manage_lifecycle:
                await hub.stop()

    def _state(app_config: AppConfig) -> AppConfig:
        app_config.state["hub"] = hub
        return app_config

    app = Litestar(
        route_handlers=[
            health,
            ready,
            PaymentController,
            PayoutController,
            DisputeController,
            PaymentMethodController,
            EventController,
            WebhookEndpointController,
            AdminController,
            OperationReviewController,
            AuditController,
            LedgerController,
            ReconciliationController,
            simulator_pages,
            metrics,
            admin_stats,
            explain_routing,
            receive_webhook,
        ],
        before_request=before_request,  # the permission, then query and body (undecodable: 400 invalid_json)
        middleware=[problem_redaction_middleware, audit_middleware],
        exception_handlers={
            ProblemError: on_problem,
            IdempotencyError: _on_idempotency,
            HTTPException: on_http_exception,
            Exception: on_unexpected,
        },
        lifespan=[lifespan],
        on_app_init=[_state],
        openapi_config=OpenAPIConfig(
            title="payhub",
            version="0.1.0",
            path="/schema",
            description="One payments API for many providers.",
            render_plugins=[
                DocumentJson(path=["/", "/openapi.json"]),  # the finished document: hub/api/openapi
                DocumentScalar(path="/docs"),
                DocumentSwagger(path="/swagger"),
            ],
        ),
        request_max_body_size=1024 * 1024,
        logging_config=None,  # logging is hub.logs.setup_logging's (JSON + redaction); Litestar must not replace it
        debug=False,
    )
    undeclared = undeclared_routes(app.routes)
    if undeclared:  # deny by default: a route must say who may call it, or why anyone may
        raise RuntimeError(f"routes without a permission or public(...): {', '.join(undeclared)}")
    refuse_unenforced(app.routes, app.before_request)  # the hook that checks the permission runs everywhere
    return install_telemetry(app)  # outermost: request id, latency by route template, request span
