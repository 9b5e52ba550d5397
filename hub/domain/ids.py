"""Prefixed, time-ordered ids (``pay_``, ``re_``, ``po_``, ``pm_``, ``evt_``, ``op_``...).

48 bits of milliseconds then 80 random bits, Crockford base32: ids sort by
creation time, which keeps cursor paging and index locality simple.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        out.append(_ALPHABET[rem])
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    ms = int(time.time() * 1000)
    rand = secrets.randbits(80)
    return f"{prefix}_{_b32(ms, 10)}{_b32(rand, 16)}"


def provider_idempotency_key(operation_id: str) -> str:
    """The key sent to the provider for an operation: stable across retries of it."""
    return f"payhub-{operation_id}"
