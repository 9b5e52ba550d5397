"""The OpenAPI 3.1 document the hub serves at /schema/openapi.json.

Litestar describes the requests (parameters and msgspec request bodies); this module finishes
the document from what Litestar cannot see, because every handler answers pre-encoded bytes:
operationIds, the success answer's schema (``catalog``), every problem+json answer with its
stable codes (``problems``), the bearer security scheme, the ``Idempotency-Key`` header, request
examples, and the outbound webhook events (the 3.1 ``webhooks`` section). It walks every route,
so a new route is documented (generically) without being listed anywhere.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
from typing import Any

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from hub.api.openapi import admin_models
from hub.api.openapi import models as m
from hub.api.openapi.catalog import CATALOG, EXAMPLES, Op
from hub.api.openapi.problems import PROBLEM_REF, Shape, problem_answer, responses_for
from hub.services.webhook_endpoints import KNOWN_EVENT_TYPES

REF = "#/components/schemas/{name}"
_METHODS = ("get", "put", "post", "delete", "patch")

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes the call safe to retry (1-255 printable ASCII characters, scoped to the API key's "
        "owner, kept 24h). A repeat with the same request replays the first answer with "
        "`Idempotent-Replayed: true`; a different request with the same key answers 422 "
        "`idempotency_key_reused`; a repeat while the first still runs answers 409 "
        "`idempotency_key_in_use`."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "examples": ["order-1001-pay"]},
}
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when this answer is the replay of an earlier request with the same key",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
WEBHOOK_HEADERS = [
    {"name": n, "in": "header", "required": True, "schema": {"type": "string"}, "description": d}
    for n, d in (
        ("webhook-id", "The event id; the same on every retry of one delivery (dedupe on it)"),
        ("webhook-timestamp", "Unix seconds when this attempt was signed"),
        ("webhook-signature", "`v1,<base64 HMAC-SHA256>` of `id.timestamp.body` (Standard Webhooks)"),
    )
]


class _Route(msgspec.Struct, frozen=True):
    method: str
    path: str
    handler: HTTPRouteHandler


def _routes(app: Litestar) -> list[_Route]:
    out = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            for method in sorted(handler.http_methods):
                if method in ("HEAD", "OPTIONS"):
                    continue
                out.append(_Route(method, route.path_format, handler))
    return out


def _camel(name: str) -> str:
    head, *rest = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    return head[:1].lower() + head[1:] + "".join(p[:1].upper() + p[1:] for p in rest)


def _goes_through_idempotency(handler: HTTPRouteHandler) -> bool:
    """Whether the handler honours Idempotency-Key (it runs under ``run_idempotent``)."""
    try:
        return "run_idempotent(" in inspect.getsource(handler.fn)
    except (OSError, TypeError):
        return False


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value, never JSON null: drop null from its schema."""
    out = dict(schema)
    for key in ("oneOf", "anyOf"):
        if key in out:
            rest = [s for s in out.pop(key) if s != {"type": "null"}]
            if len(rest) == 1:
                out |= rest[0]
            else:
                out[key] = rest
    if isinstance(out.get("type"), list):
        types = [t for t in out["type"] if t != "null"]
        out["type"] = types[0] if len(types) == 1 else types
    if "enum" in out:
        out["enum"] = [v for v in out["enum"] if v is not None]
    return out


def _op_of(route: _Route) -> Op:
    known = CATALOG.get((route.method, route.path))
    if known is not None:
        return known
    return Op(_camel(route.handler.handler_name), m.Resource, "")


def _success(route: _Route, op: Op, idempotent: bool) -> dict[str, Any]:
    status = str(route.handler.status_code)
    body: dict[str, Any] = {"application/json": {"schema": {"$ref": REF.format(name=op.model.__name__)}}}
    if op.model is m.WebhookReceipt:
        body["text/plain"] = {"schema": {"type": "string", "examples": ["[accepted]"]}}
    ok: dict[str, Any] = {"description": op.summary or "OK", "content": body}
    if idempotent:
        ok["headers"] = REPLAYED
    out = {status: ok}
    if idempotent and status != "200":
        out["200"] = {
            "description": "A retry with the same Idempotency-Key whose first attempt ended mid-flight: "
            "the current state of what it created",
            "content": body,
            "headers": REPLAYED,
        }
    return out


def _finish_operation(raw: dict[str, Any], route: _Route) -> dict[str, Any]:
    op = _op_of(route)
    idempotent = route.method == "POST" and _goes_through_idempotency(route.handler)
    secured = route.handler.opt.get("permission") is not None
    params = [
        {**p, "schema": _without_null(p["schema"])} if p.get("in") == "query" and "schema" in p else p
        for p in raw.get("parameters", [])
        if p.get("name", "").lower() != "idempotency-key"
    ]
    shape = Shape(
        method=route.method,
        secured=secured,
        has_body="requestBody" in raw,
        has_path_params=any(p.get("in") == "path" for p in params),
        has_query=any(p.get("in") == "query" for p in params),
        idempotent=idempotent,
        inbound_webhook=route.path.startswith("/v1/webhooks/"),
    )
    if idempotent:
        params.append(IDEMPOTENCY_KEY)
    done: dict[str, Any] = {
        k: v for k, v in raw.items() if k not in ("responses", "operationId", "parameters")
    }
    done["operationId"] = op.operation_id
    if op.summary:
        done["summary"] = op.summary
    if params:
        done["parameters"] = params
    if route.handler.opt.get("permission") is not None:
        done["description"] = (
            done.get("description", "") + "\n\n"
        ).lstrip() + f"Needs an API key with the `{route.handler.opt['permission']}` permission."
    done["security"] = [{"apiKey": []}] if secured else []
    example = EXAMPLES.get(op.operation_id)
    if example is not None and "requestBody" in done:
        for media in done["requestBody"].get("content", {}).values():
            media["example"] = copy.deepcopy(example)  # the catalog's stays as written
    responses = _success(route, op, idempotent) | responses_for(shape, op.problems)
    if route.path == "/ready":
        responses |= problem_answer("503", ["not_ready"])
    done["responses"] = dict(sorted(responses.items()))
    return done


def _webhooks() -> dict[str, Any]:
    event = {"$ref": REF.format(name="Event")}
    return {
        event_type: {
            "post": {
                "operationId": _camel(f"on {event_type}"),
                "summary": f"`{event_type}`, delivered to your subscribed endpoint",
                "description": "Signed per Standard Webhooks; retried with backoff until you answer 2xx. "
                "`data.object` is the resource as it was when the event happened.",
                "parameters": WEBHOOK_HEADERS,
                "requestBody": {"required": True, "content": {"application/json": {"schema": event}}},
                "responses": {"200": {"description": "Received (any 2xx acknowledges the delivery)"}},
                "security": [],
            }
        }
        for event_type in sorted(KNOWN_EVENT_TYPES)
    }


def _model_components() -> dict[str, Any]:
    models = {
        v
        for module in (m, admin_models)
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, msgspec.Struct)
    }
    _, components = msgspec.json.schema_components(sorted(models, key=lambda c: c.__name__), ref_template=REF)
    return components


def build_document(app: Litestar) -> dict[str, Any]:
    """The finished document, as a plain dict (deterministic: same app, same document)."""
    raw: dict[str, Any] = json.loads(json.dumps(app.openapi_schema.to_schema(), default=str))
    paths: dict[str, Any] = {}
    for route in _routes(app):
        raw_op = copy.deepcopy(raw["paths"].get(route.path, {}).get(route.method.lower(), {}))
        paths.setdefault(route.path, {})[route.method.lower()] = _finish_operation(raw_op, route)
    components = raw.get("components", {})
    schemas = dict(components.get("schemas", {}))
    for name, schema in _model_components().items():
        if name in schemas and schemas[name] != schema:
            raise RuntimeError(f"response model {name} collides with a request schema of the same name")
        schemas[name] = schema
    components["schemas"] = dict(sorted(schemas.items()))
    components["securitySchemes"] = {
        "apiKey": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (`payhub api-keys create --role R`): `Authorization: Bearer <key>`",
        }
    }
    document = {
        "openapi": "3.1.0",
        "info": raw["info"],
        "servers": [{"url": "/"}],
        "paths": {p: dict(sorted(ops.items())) for p, ops in sorted(paths.items())},
        "webhooks": _webhooks(),
        "components": components,
        "security": [{"apiKey": []}],
        "tags": raw.get("tags", []),
    }
    if not document["tags"]:
        del document["tags"]
    assert PROBLEM_REF["$ref"].rsplit("/", 1)[1] in schemas
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
