"""ASGI middleware that scrubs ``application/problem+json`` error bodies.

Error messages sometimes echo what the caller sent (``no payment method
'4000...'``); DESIGN §7 says no PAN, CVC or secret reaches a response. Every
problem body passes through the vault's redaction before it leaves; other
responses pass untouched and unbuffered.
"""

from __future__ import annotations

import json
from typing import Any, cast

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from vault.redaction import redact_obj

PROBLEM = b"application/problem+json"


def scrub_problem(body: bytes) -> bytes:
    """The problem body with card numbers, CVCs and secrets redacted (unchanged if clean)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    clean = redact_obj(doc)
    if clean == doc:
        return body
    return json.dumps(clean, separators=(",", ":"), ensure_ascii=False).encode()


def _is_problem(message: dict[str, Any]) -> bool:
    return any(
        k.lower() == b"content-type" and bytes(v).startswith(PROBLEM) for k, v in message.get("headers", ())
    )


def problem_redaction_middleware(app: ASGIApp) -> ASGIApp:
    """Litestar middleware factory (``middleware=[problem_redaction_middleware]``)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if cast(dict[str, Any], scope)["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Any] | None = None
        chunks: list[bytes] = []

        async def scrubbing_send(message: Message) -> None:
            nonlocal start
            msg = cast(dict[str, Any], message)
            if msg["type"] == "http.response.start" and _is_problem(msg):
                start = msg
                return
            if start is None or msg["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(bytes(msg.get("body", b"")))
            if msg.get("more_body", False):
                return
            body = scrub_problem(b"".join(chunks))
            headers = [(k, v) for k, v in start.get("headers", ()) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send(cast(Message, {**start, "headers": headers}))
            await send(cast(Message, {"type": "http.response.body", "body": body, "more_body": False}))

        await app(scope, receive, scrubbing_send)

    return middleware
