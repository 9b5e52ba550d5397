"""The ciphertext format and the AES-256-GCM layer of envelope encryption.

A vault ciphertext is one ASCII string, safe for a text column, a JSON value or a
TOML value::

    phv1.<kek_id>.<kek_version>.<wrapped_dek>.<nonce>.<ciphertext>

* ``phv1`` -- format version: AES-256-GCM payload, 96-bit random nonce, 128-bit tag.
* ``kek_id`` -- base64url (no padding) of the UTF-8 key-encryption-key id.
* ``kek_version`` -- decimal KEK version, ``1`` or more, no leading zeros.
* ``wrapped_dek`` -- base64url of the data key as wrapped by the KMS backend.
* ``nonce`` -- base64url of the 12-byte GCM nonce.
* ``ciphertext`` -- base64url of the GCM ciphertext followed by its 16-byte tag.

Every base64url field must be canonical (re-encoding gives the same text), so no
character of the string can change without the change being detected.

What authenticates what:

* The payload's associated data is the canonical encoding of the format version
  and the :class:`Context` (owner, kind, record id). A ciphertext copied into
  another record, another kind or another owner fails to decrypt.
* The KEK id, KEK version and wrapped data key are *not* in the payload's
  associated data, on purpose: :meth:`vault.Vault.rewrap` replaces them without
  touching the payload. They are authenticated by the wrap itself -- the KMS
  backend wraps with an AEAD whose associated data names the format and the KEK id
  -- so a changed wrapped key, version or id fails to unwrap (or names an unknown
  key), and a wrong data key fails the payload's tag.
"""

from __future__ import annotations

import base64
import binascii
import os
import re

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.errors import DecryptionError, MalformedCiphertext

FORMAT = "phv1"
DEK_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_KEK_ID_BYTES = 256
MAX_WRAPPED_BYTES = 8192
MAX_VERSION = 2**31 - 1

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_VERSION = re.compile(r"[1-9][0-9]{0,9}")
_FORMAT_LIKE = re.compile(r"phv[0-9]+")


class Context(msgspec.Struct, frozen=True):
    """What a secret belongs to; bound to the ciphertext as associated data.

    ``owner`` -- the tenant / API-key owner or ``"payhub"`` for hub-wide secrets;
    ``kind`` -- what the secret is (``"card"``, ``"provider_credentials"``, ...);
    ``record_id`` -- the id of the row that holds the ciphertext (``pm_...``).
    """

    owner: str
    kind: str
    record_id: str

    def canonical(self) -> bytes:
        """Unambiguous byte encoding (length-prefixed UTF-8 fields)."""
        for name in ("owner", "kind", "record_id"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Context.{name} must be a str")
        return _lp(b"payhub-vault-context", self.owner.encode(), self.kind.encode(), self.record_id.encode())


class Envelope(msgspec.Struct, frozen=True):
    """A parsed ciphertext."""

    kek_id: str
    kek_version: int
    wrapped_dek: bytes
    nonce: bytes
    ciphertext: bytes

    def serialize(self) -> str:
        return ".".join(
            (
                FORMAT,
                _b64e(self.kek_id.encode()),
                str(self.kek_version),
                _b64e(self.wrapped_dek),
                _b64e(self.nonce),
                _b64e(self.ciphertext),
            )
        )


def _lp(*parts: bytes) -> bytes:
    return b"".join(len(p).to_bytes(4, "big") + p for p in parts)


def payload_aad(context: Context) -> bytes:
    """Associated data of the AES-GCM payload: format version + context."""
    return _lp(FORMAT.encode(), context.canonical())


def wrap_aad(kek_id: str) -> bytes:
    """Associated data given to the KMS backend when wrapping a data key."""
    return _lp(b"payhub-vault-dek", FORMAT.encode(), kek_id.encode())


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str, field: str) -> bytes:
    if not _B64URL.fullmatch(text):
        raise MalformedCiphertext(f"ciphertext field {field} is not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedCiphertext(f"ciphertext field {field} is not base64url") from exc
    if _b64e(data) != text:
        raise MalformedCiphertext(f"ciphertext field {field} is not canonical base64url")
    return data


def parse(ciphertext: str) -> Envelope:
    """Parse and structurally validate a ciphertext string (no cryptography yet)."""
    if not isinstance(ciphertext, str):
        raise MalformedCiphertext("a vault ciphertext is a str")
    parts = ciphertext.split(".")
    if not parts or parts[0] != FORMAT:
        if parts and _FORMAT_LIKE.fullmatch(parts[0]):
            raise MalformedCiphertext(f"unsupported ciphertext format version {parts[0]!r}")
        raise MalformedCiphertext("not a vault ciphertext (expected the phv1. prefix)")
    if len(parts) != 6:
        raise MalformedCiphertext(f"a {FORMAT} ciphertext has 6 fields, got {len(parts)}")
    _, kid_b64, version_text, wrapped_b64, nonce_b64, ct_b64 = parts
    kid_raw = _b64d(kid_b64, "kek_id")
    if not 0 < len(kid_raw) <= MAX_KEK_ID_BYTES:
        raise MalformedCiphertext("ciphertext kek_id has a bad length")
    try:
        kek_id = kid_raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedCiphertext("ciphertext kek_id is not UTF-8") from exc
    if not _VERSION.fullmatch(version_text) or int(version_text) > MAX_VERSION:
        raise MalformedCiphertext("ciphertext kek_version is not a positive integer")
    wrapped = _b64d(wrapped_b64, "wrapped_dek")
    if not 0 < len(wrapped) <= MAX_WRAPPED_BYTES:
        raise MalformedCiphertext("ciphertext wrapped_dek has a bad length")
    nonce = _b64d(nonce_b64, "nonce")
    if len(nonce) != NONCE_BYTES:
        raise MalformedCiphertext(f"ciphertext nonce must be {NONCE_BYTES} bytes")
    body = _b64d(ct_b64, "ciphertext")
    if len(body) < TAG_BYTES:
        raise MalformedCiphertext("ciphertext is shorter than its authentication tag")
    return Envelope(kek_id, int(version_text), wrapped, nonce, body)


def seal(dek: bytes, plaintext: bytes, context: Context) -> tuple[bytes, bytes]:
    """Encrypt ``plaintext`` under ``dek`` with a fresh random nonce: ``(nonce, ct||tag)``."""
    if not isinstance(plaintext, bytes | bytearray | memoryview):
        raise TypeError("plaintext must be bytes")
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(dek).encrypt(nonce, bytes(plaintext), payload_aad(context))


def open_payload(dek: bytes, nonce: bytes, body: bytes, context: Context) -> bytes:
    """Decrypt and authenticate a payload; :class:`DecryptionError` if anything is off."""
    if len(dek) != DEK_BYTES:
        raise DecryptionError("data key has the wrong length")
    try:
        return AESGCM(dek).decrypt(nonce, body, payload_aad(context))
    except InvalidTag:
        raise DecryptionError(
            "ciphertext failed authentication: it was altered or belongs to another context"
        ) from None
