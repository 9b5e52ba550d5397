"""ASGI middleware that audits every mutating ``/v1`` request, so no handler has to remember.

For each non-GET request under ``/v1`` (except inbound provider webhooks) it
writes one audit record after the handler ran and before the response leaves:
the actor (API key id and owner, from ``scope["state"]["actor"]`` set by the auth
check in the app's ``before_request``; null when authentication or authorisation failed), the action (from
:mod:`hub.api.audit_routes`), the resource, its representation before (routes on
an existing resource) and after (the response body, without one-time secrets),
the request id (``X-Request-ID`` or generated), the source address, success
(status < 400) and, on failure, the problem code. An idempotent replay is
recorded with detail ``idempotent_replay``.

If writing the record fails the response still goes out (the change already
happened) and the record is logged at ERROR instead.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any, cast

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.audit_routes import EXEMPT, RouteAudit, is_audited, param_names, route_key, spec_for
from hub.api.audit_snapshots import Snapshot, snapshot
from hub.services.audit import AuditEntry

log = logging.getLogger("payhub.audit")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
REPLAY_DETAIL = "idempotent_replay"


def request_id_of(scope: dict[str, Any]) -> str:
    """The request id already given to this request (telemetry middleware), else the caller's
    sane X-Request-ID, else a new one (stored in ``scope["state"]`` for the auth check)."""
    state = scope.setdefault("state", {})
    existing = state.get("request_id")
    if isinstance(existing, str) and existing:
        return existing[:64]
    rid = uuid.uuid4().hex
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1").strip()
            if _REQUEST_ID.match(candidate):
                rid = candidate
            break
    state["request_id"] = rid
    return rid


def _has_credentials(scope: dict[str, Any]) -> bool:
    return any(name == b"authorization" for name, _ in scope.get("headers", ()))


def _header(message: dict[str, Any], name: bytes) -> str | None:
    for key, value in message.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _json(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body) if body else None  # ~3x the json module's speed
    except msgspec.DecodeError:
        return None


class _Captured:
    """The response as the inner app sent it (held back until the record is written)."""

    def __init__(self) -> None:
        self.start: dict[str, Any] | None = None
        self.chunks: list[bytes] = []
        self.messages: list[Message] = []

    @property
    def status(self) -> int:
        return int(self.start["status"]) if self.start else 500

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


def build_entry(
    scope: dict[str, Any],
    spec: RouteAudit,
    captured: _Captured,
    before: Snapshot | None,
    request_id: str,
) -> AuditEntry:
    actor = scope.get("state", {}).get("actor")
    status = captured.status
    success = status < 400
    body = _json(captured.body)
    params = scope.get("path_params") or {}
    names = param_names(scope.get("path_template") or "")
    resource_id: str | None = None
    if spec.id_param is not None and spec.id_param < len(names):
        resource_id = str(params.get(names[spec.id_param], "")) or None
    if resource_id is None and success and isinstance(body, dict) and isinstance(body.get("id"), str):
        resource_id = body["id"]
    after = None
    if success and isinstance(body, dict):
        after = {k: v for k, v in body.items() if k not in spec.hide}
    detail: str | None = None
    if not success:
        code = body.get("code") if isinstance(body, dict) else None
        detail = str(code) if code else f"http_{status}"
    elif captured.start is not None and (_header(captured.start, b"idempotent-replayed") or "") == "true":
        detail = REPLAY_DETAIL
    owner = getattr(actor, "owner", None)
    before_view = None
    if before is not None and actor is not None and before.owner in (None, owner):
        before_view = before.view
    client = scope.get("client")
    return AuditEntry(
        action=spec.action,
        success=success,
        actor_key_id=getattr(actor, "key_id", None),
        actor_owner=owner,
        resource_type=spec.resource_type,
        resource_id=resource_id,
        before=before_view,
        after=after,
        request_id=request_id,
        source_ip=client[0] if client else None,
        detail=detail,
    )


def _recorded_elsewhere(hub: Any, spec: RouteAudit, entry: AuditEntry) -> bool:
    """The service already audited this success inside its transaction (admin settle)."""
    if not (spec.recorded_by_service and entry.success and entry.detail != REPLAY_DETAIL):
        return False
    resolver = getattr(hub, "resolver", None)
    return getattr(resolver, "audit", None) is not None


async def _write(hub: Any, spec: RouteAudit, entry: AuditEntry) -> None:
    audit = getattr(hub, "audit", None)
    if audit is None or _recorded_elsewhere(hub, spec, entry):
        return
    try:
        await audit.append(entry)
    except Exception:
        log.exception(
            "audit record NOT written: %s %s %s/%s actor=%s request=%s success=%s",
            entry.action,
            entry.detail or "",
            entry.resource_type,
            entry.resource_id,
            entry.actor_key_id,
            entry.request_id,
            entry.success,
        )


def audit_middleware(app: ASGIApp) -> ASGIApp:
    """Litestar middleware factory (``middleware=[audit_middleware]``)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        sc = cast(dict[str, Any], scope)
        if sc["type"] != "http" or not is_audited(sc["method"], sc["path"]):
            await app(scope, receive, send)
            return
        template = sc.get("path_template") or sc["path"]
        if route_key(sc["method"], template) in EXEMPT:
            await app(scope, receive, send)
            return
        spec = spec_for(sc["method"], template)
        request_id = request_id_of(sc)
        hub = sc["app"].state.hub
        before: Snapshot | None = None
        names = param_names(template)
        if spec.id_param is not None and spec.id_param < len(names) and _has_credentials(sc):
            resource_id = (sc.get("path_params") or {}).get(names[spec.id_param])
            if resource_id:
                before = await snapshot(hub, spec.resource_type, str(resource_id))

        captured = _Captured()

        async def capture(message: Message) -> None:
            msg = cast(dict[str, Any], message)
            if msg["type"] == "http.response.start":
                captured.start = msg
            elif msg["type"] == "http.response.body":
                captured.chunks.append(bytes(msg.get("body", b"")))
            captured.messages.append(message)

        try:
            await app(scope, receive, capture)
        finally:
            entry = build_entry(sc, spec, captured, before, request_id)
            await _write(hub, spec, entry)
            for message in captured.messages:
                await send(message)

    return middleware
