"""DEBUG logging of provider HTTP traffic, scrubbed before it is formatted.

The hooks go on every provider ``httpx.AsyncClient`` (hub.providers). Headers
pass through :func:`vault.redaction.redact_obj` (``Authorization``, API-key and
secret headers masked whole), URLs and bodies through :func:`vault.redaction.redact`
(card numbers, CVC fields, registered secrets) and only then are bodies cut to
:data:`MAX_BODY` characters, so a truncation can never leave half a card number
unrecognised. Nothing is read or formatted unless DEBUG is enabled.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from vault.redaction import redact, redact_obj

log = logging.getLogger("payhub.providers.http")
MAX_BODY = 2048


def scrub_headers(headers: httpx.Headers) -> dict[str, Any]:
    scrubbed: dict[str, Any] = redact_obj(dict(headers.items()))
    return scrubbed


def scrub_body(raw: bytes) -> str:
    text = redact(raw.decode("utf-8", errors="replace"))
    return text if len(text) <= MAX_BODY else text[:MAX_BODY] + "...[truncated]"


async def log_request(request: httpx.Request) -> None:
    if not log.isEnabledFor(logging.DEBUG):
        return
    try:
        body = scrub_body(request.content)
    except httpx.RequestNotRead:
        body = "<stream>"
    log.debug(
        "provider request %s %s headers=%s body=%s",
        request.method,
        redact(str(request.url)),
        scrub_headers(request.headers),
        body,
    )


async def log_response(response: httpx.Response) -> None:
    if not log.isEnabledFor(logging.DEBUG):
        return
    await response.aread()
    log.debug(
        "provider response %s %s -> %d headers=%s body=%s",
        response.request.method,
        redact(str(response.request.url)),
        response.status_code,
        scrub_headers(response.headers),
        scrub_body(response.content),
    )


def event_hooks() -> dict[str, list[Any]]:
    """``httpx.AsyncClient(event_hooks=...)`` for a provider client."""
    return {"request": [log_request], "response": [log_response]}
