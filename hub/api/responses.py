"""JSON responses and the Idempotency-Key wrapper every mutating endpoint goes through."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response

from hub.services.payments import Actor, Result
from idempotency.errors import InvalidKey, KeyRequired, KeyTaken
from idempotency.fingerprint import fingerprint, validate_key
from idempotency.store import Scope, Stored

JSON = "application/json"


def json_response(
    body: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body), status_code=status_code, media_type=JSON, headers=headers
    )


async def run_idempotent(
    request: Request[Any, Any, Any],
    actor: Actor,
    *,
    run: Callable[[Scope | None], Awaitable[Result]],
    required: bool = False,
    claim_first: bool = False,
    look_first: bool = True,
) -> Response[bytes]:
    """Run a mutation under the request's Idempotency-Key (if any).

    ``claim_first``: the endpoint has no write-ahead transaction of its own, so the
    key is claimed in a transaction before running and completed after.

    ``look_first=False`` (the payment create hot path): the key is not looked up before
    running; the service's write-ahead statement claims it, and only if the key turns out to
    exist (:class:`KeyTaken`: that statement wrote nothing) or the request fails before
    reaching its claim is it looked up, and answered exactly as a lookup first would have
    (the stored answer, 422 ``idempotency_key_reused``, 409 ``idempotency_key_in_use``).
    Only for services whose first durable write is the one that claims the key.
    """
    hub = request.app.state.hub
    key = request.headers.get("idempotency-key")
    if key is None:
        if required:
            raise KeyRequired("this endpoint requires an Idempotency-Key header")
        result = await run(None)
        return json_response(result.body, result.status_code)
    if not validate_key(key):
        raise InvalidKey("Idempotency-Key must be 1-255 printable ASCII characters without spaces")
    store = hub.idempotency
    fp = fingerprint(request.method, request.url.path, await request.body(), mac=hub.vault.fingerprint)
    if look_first or claim_first:
        stored = await store.check(actor.owner, key, fp)
        if stored is not None:
            return await _answer_from(hub, actor, stored)
    scope = Scope(store, actor.owner, key, fp)
    if claim_first:
        await store.claim_alone(scope)
        try:
            result = await run(scope)
        except BaseException:
            await store.release_alone(scope)
            raise
        body = msgspec.json.encode(result.body)
        await store.complete_alone(scope, result.status_code, body)
        return Response(content=body, status_code=result.status_code, media_type=JSON)
    if look_first:
        result = await run(scope)
    else:
        outcome = await _run_then_look(hub, actor, run, scope)
        if isinstance(outcome, Response):
            return outcome
        result, scope = outcome
    if scope.completed and scope.body is not None:
        return Response(content=scope.body, status_code=scope.status or result.status_code, media_type=JSON)
    return json_response(result.body, result.status_code)


async def _run_then_look(
    hub: Any, actor: Actor, run: Callable[[Scope | None], Awaitable[Result]], scope: Scope
) -> tuple[Result, Scope] | Response[bytes]:
    store = scope.store
    for _ in range(2):
        try:
            return await run(scope), scope
        except KeyTaken:
            stored = await store.check(scope.owner, scope.key, scope.fingerprint)  # raises reused / in use
            if stored is not None:
                return await _answer_from(hub, actor, stored)
            scope = Scope(store, scope.owner, scope.key, scope.fingerprint)  # it had expired: dropped
        except Exception:
            if not scope.tried:  # failed before its claim: a lookup first would have answered
                stored = await store.check(scope.owner, scope.key, scope.fingerprint)
                if stored is not None:
                    return await _answer_from(hub, actor, stored)
            raise
    return await run(scope), scope


async def _answer_from(hub: Any, actor: Actor, stored: Stored) -> Response[bytes]:
    replay = {"Idempotent-Replayed": "true"}
    if stored.status == "completed" and stored.response_body is not None:
        return Response(
            content=stored.response_body,
            status_code=stored.response_status or 200,
            media_type=JSON,
            headers=replay,
        )
    body = await hub.current_state(actor, stored.resource_type, stored.resource_id)
    return json_response(body, 200, headers=replay)
