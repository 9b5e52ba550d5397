"""Standard Webhooks (https://www.standardwebhooks.com/) signing and verification.

signed content = ``{webhook-id}.{webhook-timestamp}.{body}``; signature =
base64(HMAC-SHA256(secret, signed content)); header ``webhook-signature`` holds
space-separated ``v1,<sig>`` entries (several during secret rotation). Secrets
are ``whsec_`` + base64 of the key bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _secrets
import time
from collections.abc import Iterable, Mapping, Sequence

from webhooks._util import header_value, parse_timestamp, same
from webhooks.errors import MissingSignature, SignatureError, StaleSignature

PREFIX = "whsec_"
DEFAULT_TOLERANCE = 300
VERSION = "v1"


def generate_secret(nbytes: int = 24) -> str:
    return PREFIX + base64.b64encode(_secrets.token_bytes(nbytes)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(PREFIX) :] if secret.startswith(PREFIX) else secret
    raw = raw.strip()
    try:
        # tolerate unpadded base64, as the reference libraries do
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("webhook secret is not whsec_<base64>") from exc
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def _digest(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    return VERSION + "," + base64.b64encode(_digest(_key(secret), msg_id, timestamp, body)).decode()


def sign_headers(
    secret: str | Sequence[str], msg_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers; several secrets give several ``v1,`` entries (rotation)."""
    ts = int(time.time()) if timestamp is None else timestamp
    keys = [secret] if isinstance(secret, str) else list(secret)
    if not keys:
        raise ValueError("no webhook secret to sign with")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": " ".join(signature(s, msg_id, ts, body) for s in keys),
    }


def _offered(sig_header: str) -> list[bytes]:
    out: list[bytes] = []
    for entry in sig_header.split():
        version, sep, value = entry.partition(",")
        if not sep or version != VERSION:
            continue  # unknown versions (e.g. v1a asymmetric) are skipped, as the spec asks
        try:
            out.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    return out


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Iterable[str],
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> str:
    """Check the headers against any of ``secrets``; return the webhook id.

    Header names are matched case-insensitively.
    """
    msg_id = header_value(headers, "webhook-id")
    ts_raw = header_value(headers, "webhook-timestamp")
    sig_header = header_value(headers, "webhook-signature")
    if not msg_id or not ts_raw or not sig_header:
        raise MissingSignature("webhook-id, webhook-timestamp and webhook-signature are required")
    try:
        ts = parse_timestamp(ts_raw)
    except ValueError as exc:
        raise SignatureError("webhook-timestamp is not an integer") from exc
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        raise StaleSignature("webhook-timestamp outside the tolerance window")
    offered = _offered(sig_header)
    if not offered:
        raise SignatureError("webhook-signature holds no v1 signature")
    keys = [_key(secrets)] if isinstance(secrets, str) else [_key(s) for s in secrets]
    if not keys:
        raise ValueError("no webhook secret configured")
    matched = False
    for key in keys:
        expected = _digest(key, msg_id, ts, body)
        for candidate in offered:
            matched |= same(expected, candidate)
    if matched:
        return msg_id
    raise SignatureError("no matching webhook signature")
