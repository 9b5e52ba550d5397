"""A configurable "HMAC of the body in a header" scheme for banks and simple providers.

Covers the common shapes: GitHub-style ``X-Hub-Signature-256: sha256=<hex>``,
base64 signatures (Shopify, Adyen platform webhooks with a hex key), and
timestamped variants where a second header carries a Unix timestamp and the
signed content becomes ``"{timestamp}." + body`` (checked against a tolerance).

    scheme = HmacHeaderScheme(header="X-Signature", prefix="sha256=")
    scheme.verify(request.headers, raw_body, ["old-secret", "new-secret"])
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from webhooks._util import check_fresh, header_value, parse_timestamp, same, secret_list
from webhooks.errors import MissingSignature, SignatureError

Algorithm = Literal["sha256", "sha512"]
Encoding = Literal["hex", "base64"]
KeyEncoding = Literal["utf8", "hex", "base64"]

_ALGORITHMS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}


@dataclass(frozen=True, slots=True, kw_only=True)
class HmacHeaderScheme:
    """How one provider signs its webhooks.

    header: the header carrying the signature.
    algorithm: ``sha256`` or ``sha512``.
    encoding: how the digest is written, ``hex`` (either case accepted) or ``base64``.
    prefix: text before the digest, e.g. ``sha256=``; required when set.
    timestamp_header: when set, that header carries a Unix timestamp, the signed
        content is ``"{timestamp}." + body`` and the timestamp must be within
        ``tolerance`` seconds of now.
    key_encoding: how a configured secret becomes key bytes: ``utf8`` (as is),
        ``hex`` or ``base64``.
    separator: when set, the header may hold several signatures split by it
        (providers that sign with old and new secret during a rotation).
    """

    header: str
    algorithm: Algorithm = "sha256"
    encoding: Encoding = "hex"
    prefix: str = ""
    timestamp_header: str | None = None
    tolerance: int = 300
    key_encoding: KeyEncoding = "utf8"
    separator: str | None = None

    def __post_init__(self) -> None:
        if not self.header:
            raise ValueError("header name is required")
        if self.algorithm not in _ALGORITHMS:
            raise ValueError(f"unsupported algorithm {self.algorithm!r} (sha256 or sha512)")
        if self.encoding not in ("hex", "base64"):
            raise ValueError(f"unsupported encoding {self.encoding!r} (hex or base64)")
        if self.key_encoding not in ("utf8", "hex", "base64"):
            raise ValueError(f"unsupported key encoding {self.key_encoding!r}")
        if self.tolerance < 0:
            raise ValueError("tolerance must not be negative")
        if self.separator == "":
            raise ValueError("separator must be None or non-empty")

    # ------------------------------------------------------------------ internals
    def _key(self, secret: str) -> bytes:
        if self.key_encoding == "utf8":
            return secret.encode("utf-8")
        try:
            if self.key_encoding == "hex":
                return binascii.unhexlify(secret.strip())
            return base64.b64decode(secret.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"webhook secret is not valid {self.key_encoding}") from exc

    def _content(self, body: bytes, timestamp: int | None) -> bytes:
        if timestamp is None:
            return body
        return str(timestamp).encode("ascii") + b"." + body

    def _digest(self, key: bytes, content: bytes) -> bytes:
        return hmac.new(key, content, _ALGORITHMS[self.algorithm]).digest()

    def _encode(self, digest: bytes) -> str:
        if self.encoding == "hex":
            return digest.hex()
        return base64.b64encode(digest).decode("ascii")

    def _decode(self, text: str) -> bytes | None:
        """The raw digest a header entry claims, or None when it is not one."""
        text = text.strip()
        if self.prefix:
            if not text.startswith(self.prefix):
                return None
            text = text[len(self.prefix) :].strip()
        try:
            if self.encoding == "hex":
                return bytes.fromhex(text)
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return None

    # ------------------------------------------------------------------ API
    def sign(self, body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
        """The headers a sender adds to ``body`` (the timestamp header only when configured)."""
        headers: dict[str, str] = {}
        ts: int | None = None
        if self.timestamp_header is not None:
            ts = int(time.time()) if timestamp is None else timestamp
            headers[self.timestamp_header] = str(ts)
        digest = self._digest(self._key(secret), self._content(body, ts))
        headers[self.header] = self.prefix + self._encode(digest)
        return headers

    def verify(
        self,
        headers: Mapping[str, str],
        body: bytes,
        secrets: Sequence[str],
        now: float | None = None,
    ) -> int | None:
        """Verify the RAW ``body`` against any of ``secrets``; return the signed timestamp, if any.

        MissingSignature: signature (or configured timestamp) header absent.
        SignatureError: malformed or no match. StaleSignature: authentic but
        outside the tolerance. ValueError: no usable secret configured.
        """
        keys = [self._key(s) for s in secret_list(secrets)]
        raw = header_value(headers, self.header)
        if raw is None or not raw.strip():
            raise MissingSignature(f"{self.header} header is missing")
        ts: int | None = None
        if self.timestamp_header is not None:
            ts_raw = header_value(headers, self.timestamp_header)
            if ts_raw is None or not ts_raw.strip():
                raise MissingSignature(f"{self.timestamp_header} header is missing")
            try:
                ts = parse_timestamp(ts_raw)
            except ValueError as exc:
                raise SignatureError(f"{self.timestamp_header} is not an integer timestamp") from exc
        parts = raw.split(self.separator) if self.separator else [raw]
        offered = [d for d in (self._decode(p) for p in parts) if d is not None]
        if not offered:
            raise SignatureError(f"{self.header} holds no well-formed signature")
        content = self._content(body, ts)
        matched = False
        for key in keys:
            expected = self._digest(key, content)
            for candidate in offered:
                matched |= same(expected, candidate)
        if not matched:
            raise SignatureError(f"{self.header} does not match the body")
        if ts is not None:
            check_fresh(ts, self.tolerance, now)
        return ts
