"""Small helpers shared by the signature schemes (internal)."""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping, Sequence

from webhooks.errors import StaleSignature


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """``headers[name]`` looked up case-insensitively (plain dicts, httpx/Litestar headers)."""
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    if value is None:
        wanted = name.lower()
        for key, candidate in headers.items():
            if key.lower() == wanted:
                return candidate
    return value


def secret_list(secrets: str | Sequence[str], what: str = "secret") -> list[str]:
    """Normalise one secret or several (rotation) into a non-empty list."""
    items = [secrets] if isinstance(secrets, str) else list(secrets)
    items = [s for s in items if s]
    if not items:
        raise ValueError(f"no webhook {what} configured")
    return items


def same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def check_fresh(timestamp: int, tolerance: float | None, now: float | None) -> None:
    """Reject a timestamp further than ``tolerance`` seconds from now (either way)."""
    if tolerance is None:
        return
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise StaleSignature(f"signed timestamp {timestamp} is outside the {tolerance:g}s tolerance")


def parse_timestamp(raw: str) -> int:
    """An integer Unix timestamp in seconds; raises ValueError otherwise."""
    text = raw.strip()
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"timestamp {raw!r} is not an integer")
    return int(text)
