"""Standard Webhooks (https://www.standardwebhooks.com/) signing and verification.

signed content = ``{webhook-id}.{webhook-timestamp}.{body}``; signature =
base64(HMAC-SHA256(secret, signed content)); header ``webhook-signature`` holds
space-separated ``v1,<sig>`` entries (several during secret rotation). Secrets
are ``whsec_`` + base64 of the key bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as _secrets
import time
from collections.abc import Iterable, Mapping

from webhooks.errors import MissingSignature, SignatureError, StaleSignature

PREFIX = "whsec_"
DEFAULT_TOLERANCE = 300


def generate_secret(nbytes: int = 24) -> str:
    return PREFIX + base64.b64encode(_secrets.token_bytes(nbytes)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(PREFIX) :] if secret.startswith(PREFIX) else secret
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ValueError("webhook secret is not whsec_<base64>") from exc


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_headers(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature(secret, msg_id, ts, body),
    }


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Iterable[str],
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> str:
    """Check the headers (lower-case keys) against any of ``secrets``; return the webhook id."""
    msg_id = headers.get("webhook-id")
    ts_raw = headers.get("webhook-timestamp")
    sig_header = headers.get("webhook-signature")
    if not msg_id or not ts_raw or not sig_header:
        raise MissingSignature("webhook-id, webhook-timestamp and webhook-signature are required")
    try:
        ts = int(ts_raw)
    except ValueError as exc:
        raise SignatureError("webhook-timestamp is not an integer") from exc
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        raise StaleSignature("webhook-timestamp outside the tolerance window")
    offered = [p.strip() for p in sig_header.split(" ") if p.strip()]
    for secret in secrets:
        expected = signature(secret, msg_id, ts, body)
        for candidate in offered:
            if hmac.compare_digest(candidate.encode(), expected.encode()):
                return msg_id
    raise SignatureError("no matching webhook signature")
