"""Prefixed, time-ordered ids (``pay_``, ``re_``, ``po_``, ``pm_``, ``evt_``, ``op_``...).

48 bits of milliseconds then 80 random bits, Crockford base32: ids sort by
creation time, which keeps cursor paging and index locality simple.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]  # 10 bits -> 2 characters


def _b32(value: int, length: int) -> str:
    """``value`` as ``length`` (even) base32 characters, most significant first."""
    return "".join(_PAIRS[(value >> shift) & 1023] for shift in range(5 * length - 10, -1, -10))


def new_id(prefix: str) -> str:
    ms = int(time.time() * 1000)
    rand = secrets.randbits(80)
    return f"{prefix}_{_b32(ms, 10)}{_b32(rand, 16)}"


def provider_idempotency_key(operation_id: str) -> str:
    """The key sent to the provider for an operation: stable across retries of it."""
    return f"payhub-{operation_id}"
