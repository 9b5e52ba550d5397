"""Stripe webhook signatures (``Stripe-Signature``).

Header: ``t=<unix ts>,v1=<hex>[,v1=<hex>...]`` (other schemes such as ``v0`` are
ignored). Signed payload: ``"{t}." + raw body``; signature: hex HMAC-SHA256 keyed
with the endpoint secret (``whsec_...``) used verbatim as UTF-8 bytes, as Stripe
does. Several ``v1`` entries appear while Stripe rolls an endpoint secret, and
the caller may hold several secrets of its own (old and new); any pair matching
is enough. The timestamp must be within ``tolerance`` seconds of now (default
300, Stripe's own), which is checked after the signature so that a stale error
only ever describes a genuine but replayed delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

from webhooks._util import check_fresh, parse_timestamp, same, secret_list
from webhooks.errors import MissingSignature, SignatureError

HEADER = "Stripe-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE = 300


def compute_signature(body: bytes, secret: str, timestamp: int) -> str:
    """Hex HMAC-SHA256 of ``"{timestamp}.{body}"`` keyed with ``secret``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign_header(body: bytes, secret: str | Sequence[str], timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` value for ``body`` (for fakes and tests).

    With several secrets, one ``v1`` entry per secret, like Stripe during a roll.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    entries = [f"t={ts}"] + [f"{SCHEME}={compute_signature(body, s, ts)}" for s in secret_list(secret)]
    return ",".join(entries)


def parse_header(header: str) -> tuple[int, list[str]]:
    """Split a ``Stripe-Signature`` value into its timestamp and its ``v1`` signatures."""
    timestamps: list[str] = []
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.partition("=")
        if not sep:
            continue
        key = key.strip()
        if key == "t":
            timestamps.append(value)
        elif key == SCHEME:
            signatures.append(value.strip())
    if len(timestamps) != 1:
        raise SignatureError("Stripe-Signature must carry exactly one t= timestamp")
    try:
        timestamp = parse_timestamp(timestamps[0])
    except ValueError as exc:
        raise SignatureError("Stripe-Signature timestamp is not an integer") from exc
    if not signatures:
        raise SignatureError("Stripe-Signature carries no v1 signature")
    return timestamp, signatures


def verify(
    body: bytes,
    header: str | None,
    secrets: Sequence[str],
    *,
    tolerance: int | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> int:
    """Verify ``header`` over the RAW ``body`` with any of ``secrets``; return the signed timestamp.

    Raises MissingSignature (no header), SignatureError (malformed or no match),
    StaleSignature (authentic but outside ``tolerance``; ``None`` disables the
    check) and ValueError when no secret is configured.
    """
    keys = secret_list(secrets)
    if not header or not header.strip():
        raise MissingSignature("Stripe-Signature header is missing")
    timestamp, offered = parse_header(header)
    offered_bytes = [sig.encode("utf-8") for sig in offered]
    matched = False
    for secret in keys:
        expected = compute_signature(body, secret, timestamp).encode("ascii")
        # no early exit: the work done does not depend on which entry matched
        for candidate in offered_bytes:
            matched |= same(expected, candidate)
    if not matched:
        raise SignatureError("no Stripe-Signature v1 entry matches the body")
    check_fresh(timestamp, tolerance, now)
    return timestamp
