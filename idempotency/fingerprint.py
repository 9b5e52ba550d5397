"""Request fingerprint: method, path and the canonical JSON body (keys sorted, no spaces)."""

from __future__ import annotations

import hashlib
import re

import msgspec

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces


def validate_key(key: str) -> bool:
    return bool(_KEY.match(key))


def canonical_body(body: bytes) -> bytes:
    if not body.strip():
        return b""
    try:
        return msgspec.json.encode(msgspec.json.decode(body), order="sorted")
    except msgspec.DecodeError:
        return body


def fingerprint(method: str, path: str, body: bytes) -> str:
    h = hashlib.sha256()
    h.update(method.upper().encode())
    h.update(b"\n")
    h.update(path.encode())
    h.update(b"\n")
    h.update(canonical_body(body))
    return h.hexdigest()
