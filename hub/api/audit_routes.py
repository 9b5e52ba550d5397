"""Which audit action each mutating route is: one table, (method, route template) -> action.

Every non-GET route under ``/v1`` is audited; a route missing from the table is
still recorded, under a derived name (tests/security checks that every mutating
route has an entry). Inbound provider webhooks are exempt: they carry no API key
(no actor); what providers report is recorded in operation attempts and events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PARAM = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class RouteAudit:
    """How to audit one route.

    ``id_param``: index of the path parameter naming the resource (None: the resource
    is new and its id comes from the response body); ``hide``: response fields never
    written to the log (one-time secrets); ``recorded_by_service``: the service audits
    a success inside its own transaction, so the API layer records only failures/replays.
    """

    action: str
    resource_type: str | None
    id_param: int | None = None
    hide: tuple[str, ...] = ()
    recorded_by_service: bool = False


def route_key(method: str, template: str) -> str:
    """``"POST /v1/payments/{}/capture"``: path parameters anonymised, no trailing slash."""
    path = _PARAM.sub("{}", template).rstrip("/") or "/"
    return f"{method.upper()} {path}"


def param_names(template: str) -> list[str]:
    """Path parameter names in template order (``{payment_id:str}`` -> ``payment_id``)."""
    return [m.group()[1:-1].split(":", 1)[0] for m in _PARAM.finditer(template)]


ROUTE_ACTIONS: dict[str, RouteAudit] = {
    "POST /v1/payments": RouteAudit("payment.create", "payment"),
    "POST /v1/payments/{}/capture": RouteAudit("payment.capture", "payment", 0),
    "POST /v1/payments/{}/void": RouteAudit("payment.void", "payment", 0),
    "POST /v1/payments/{}/authenticate": RouteAudit("payment.authenticate", "payment", 0),
    "POST /v1/payments/{}/refunds": RouteAudit("refund.create", "payment", 0),
    "POST /v1/disputes/{}/evidence": RouteAudit("dispute.evidence", "dispute", 0),
    "POST /v1/disputes/{}/accept": RouteAudit("dispute.accept", "dispute", 0),
    "POST /v1/payment-methods": RouteAudit("payment_method.create", "payment_method"),
    "DELETE /v1/payment-methods/{}": RouteAudit("payment_method.delete", "payment_method", 0),
    "POST /v1/payouts": RouteAudit("payout.create", "payout"),
    "POST /v1/reconciliations": RouteAudit("reconciliation.create", "reconciliation"),
    "POST /v1/webhook-endpoints": RouteAudit("webhook_endpoint.create", "webhook_endpoint", hide=("secret",)),
    "DELETE /v1/webhook-endpoints/{}": RouteAudit(
        "webhook_endpoint.delete", "webhook_endpoint", 0, hide=("secret",)
    ),
    "POST /v1/webhook-endpoints/{}/enable": RouteAudit(
        "webhook_endpoint.enable", "webhook_endpoint", 0, hide=("secret",)
    ),
    "POST /v1/webhook-endpoints/{}/deliveries/{}/redeliver": RouteAudit(
        "webhook_delivery.redeliver", "webhook_delivery", 1
    ),
    "POST /v1/admin/accounts": RouteAudit("account.create", "account"),
    "POST /v1/admin/accounts/{}/credentials": RouteAudit("account.rotate_credentials", "account", 0),
    "POST /v1/admin/api-keys": RouteAudit("api_key.create", "api_key", hide=("key",)),
    "DELETE /v1/admin/api-keys/{}": RouteAudit("api_key.revoke", "api_key", 0),
    "POST /v1/admin/routing/explain": RouteAudit("routing.explain", None),
    "POST /v1/admin/operations/{}/settle": RouteAudit(
        "operation.settle", "operation", 0, recorded_by_service=True
    ),
}

# Routes that are not audited at the API layer (no API-key actor).
EXEMPT: frozenset[str] = frozenset({"POST /v1/webhooks/{}"})


def is_audited(method: str, path: str) -> bool:
    return method.upper() not in READ_METHODS and (path == "/v1" or path.startswith("/v1/"))


def derive(method: str, template: str) -> RouteAudit:
    """A name for a mutating route missing from the table: ``POST /v1/foo/{}/bar`` -> ``foo.bar``."""
    parts = [p for p in route_key(method, template).split(" ", 1)[1].split("/") if p and p != "{}"]
    parts = [p.replace("-", "_") for p in parts if p not in ("v1", "admin")]
    name = ".".join(parts) or "root"
    if method.upper() != "POST":
        name += "." + method.lower()
    has_param = "{}" in route_key(method, template)
    return RouteAudit(name, parts[0] if parts else None, 0 if has_param else None)


def spec_for(method: str, template: str) -> RouteAudit:
    return ROUTE_ACTIONS.get(route_key(method, template)) or derive(method, template)
