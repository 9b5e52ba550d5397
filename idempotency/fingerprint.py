"""Request fingerprint: a keyed MAC of the method, path and canonical JSON body.

The fingerprint is stored beside the Idempotency-Key for the key's lifetime (and in every
backup), so it must not let anyone recover what the request carried. An unkeyed hash of a body
holding a card number and CVC can be brute-forced: BIN, last four, expiry, amount and currency
are readable elsewhere, which leaves about 10^8 candidates. So:

- every field that carries card data (:data:`CARD_FIELDS`, at any depth) is first replaced by a
  keyed MAC of its value (for the card number this is the vault's card fingerprint), and
- the canonical form is then MAC'd as a whole under the same secret key.

``mac`` is the vault's keyed HMAC (:meth:`vault.Vault.fingerprint`); nothing derived from a PAN
or CVC without that key is computed here. Equal requests still get equal fingerprints, which is
all idempotency needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces

Mac = Callable[[bytes], str]

# JSON fields that hold card data in the hub's API (and common spellings of them).
CARD_FIELDS: frozenset[str] = frozenset(
    {"number", "cvc", "cvv", "card_number", "security_code", "pan", "encrypted_card_number"}
)

# A stored fingerprint written before fingerprints were keyed (migration 0014 replaced the
# unkeyed digests by this marker). It matches any request: see :func:`matches`.
LEGACY = "legacy-unkeyed-erased"


def validate_key(key: str) -> bool:
    return bool(_KEY.match(key))


def _masked(value: Any, mac: Mac) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k in CARD_FIELDS and isinstance(v, (str, int)):
                out[k] = "mac:" + mac(f"{k}\x00{v}".encode())
            else:
                out[k] = _masked(v, mac)
        return out
    if isinstance(value, list):
        return [_masked(v, mac) for v in value]
    return value


def canonical_body(body: bytes, mac: Mac) -> bytes:
    """Sorted-key compact JSON with card fields replaced by keyed MACs (non-JSON: as sent)."""
    if not body.strip():
        return b""
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return body
    return msgspec.json.encode(_masked(decoded, mac), order="sorted")


def fingerprint(method: str, path: str, body: bytes, *, mac: Mac) -> str:
    """64 hex characters: ``mac`` over method, path and the masked canonical body."""
    data = b"payhub-idempotency-v2\n" + method.upper().encode() + b"\n" + path.encode() + b"\n"
    return mac(data + canonical_body(body, mac))


def matches(stored: str, current: str) -> bool:
    """Whether a stored fingerprint names the same request as ``current``.

    A :data:`LEGACY` row (a key used before the upgrade, at most one key lifetime old) cannot
    be compared any more; it is taken as the same request, so a client's retry across the
    upgrade gets the stored answer instead of a second charge."""
    return stored == LEGACY or stored == current
