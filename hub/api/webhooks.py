"""``POST /v1/webhooks/{account_id}``: inbound provider webhooks (DESIGN §6).

No API key: the account's adapter verifies the signature over the RAW body. The path is
kept short: verify, store in the inbox (a transaction shared with concurrent deliveries:
``hub.services.inbox_writer``), answer the adapter's acknowledgement at once; the events are
applied by a job, enqueued after the answer for a batch of deliveries (``inbox_dispatch``). Nothing here calls a provider.

Answers: 404 unknown account (or one that receives no webhooks), 413 body over 1 MiB,
401 bad / missing / stale signature (``invalid_signature``), 400 malformed body
(``invalid_payload``). None of them stores an event or changes a payment; a refused
signature leaves a counter and one log line (never the body).
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, post
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from adapters.base import NotSupported, WebhookFormatError, WebhookVerificationError
from hub.api.auth import public
from hub.domain.errors import BadRequest, NotFound, ProblemError, Unauthorized
from hub.telemetry.metrics import WEBHOOK_VERIFICATION_FAILURES

log = logging.getLogger("payhub.webhooks")

MAX_BODY = 1024 * 1024


class PayloadTooLarge(ProblemError):
    status = 413
    code = "payload_too_large"
    title = "Payload too large"


@post(
    "/v1/webhooks/{account_id:str}",
    tags=["webhooks"],
    request_max_body_size=MAX_BODY,
    summary="Inbound provider webhook",
    description="Verified by the account's adapter; answered at once; applied by a job.",
    opt=public("providers authenticate by the payload signature, verified by the adapter"),
)
async def receive_webhook(request: Request[Any, Any, Any], account_id: str) -> Response[bytes]:
    hub = request.app.state.hub
    provider = hub.providers.get(account_id)  # 404 account_not_found
    try:
        body = await request.body()
    except RequestEntityTooLarge:
        WEBHOOK_VERIFICATION_FAILURES.labels(account_id, "too_large").inc()
        raise PayloadTooLarge(f"webhook bodies are limited to {MAX_BODY} bytes") from None
    # ASGI header names are lower-case already; the last of a repeated header wins, as before
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.scope["headers"]}
    try:
        events = await provider.adapter.verify_webhook(headers, body)
    except WebhookVerificationError as exc:
        WEBHOOK_VERIFICATION_FAILURES.labels(account_id, "signature").inc()
        log.warning("webhook for %s refused: %s (%d bytes)", account_id, exc, len(body))
        raise Unauthorized(
            "the webhook signature is missing, invalid or stale", code="invalid_signature"
        ) from None
    except WebhookFormatError as exc:
        WEBHOOK_VERIFICATION_FAILURES.labels(account_id, "malformed").inc()
        log.warning("webhook for %s refused: malformed body: %s", account_id, exc)
        raise BadRequest(
            f"the webhook body is not what {provider.adapter.name} sends", code="invalid_payload"
        ) from None
    except NotSupported:
        raise NotFound(f"account {account_id!r} does not receive webhooks", code="not_found") from None
    stored = await hub.inbox.store(account_id, events)  # durable before we answer
    hub.inbox.dispatch_soon(stored)  # one job per batch of deliveries, enqueued after the answer
    ack = provider.adapter.webhook_ack(events)
    return Response(content=ack.body, status_code=ack.status_code, media_type=ack.content_type)
