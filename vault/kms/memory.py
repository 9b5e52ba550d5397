"""An in-process KEK ring: the engine of :class:`~vault.kms.local.LocalKms`, and a
ready-made backend for tests. Keys live only in memory (nothing persisted)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.errors import DecryptionError, RetiredKeyError, UnknownKeyError, VaultError
from vault.kms.base import KmsBackend

KEK_BYTES = 32
_NONCE = 12
_TAG = 16


class KeyVersion(msgspec.Struct):
    key: bytes
    created_at: str
    retired_at: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_version() -> KeyVersion:
    return KeyVersion(key=secrets.token_bytes(KEK_BYTES), created_at=_now())


class MemoryKms(KmsBackend):
    """KEK versions held in memory; wrapping is AES-256-GCM with ``aad`` bound.

    A wrapped key is ``nonce(12) || AES-GCM(kek, dek, aad)`` -- 60 bytes for a
    32-byte data key. Random nonces under one KEK are safe far beyond any
    realistic number of secrets (NIST's 2**32 invocation bound); rotate long
    before that.
    """

    def __init__(
        self,
        key_id: str = "memory",
        versions: Mapping[int, KeyVersion] | None = None,
        current: int | None = None,
    ) -> None:
        if not key_id:
            raise ValueError("key_id must not be empty")
        self._key_id = key_id
        self._versions: dict[int, KeyVersion] = dict(versions) if versions else {1: new_version()}
        self._set_state(self._versions, current if current is not None else max(self._versions))

    def _set_state(self, versions: dict[int, KeyVersion], current: int) -> None:
        for number, version in versions.items():
            if number < 1 or len(version.key) != KEK_BYTES:
                raise VaultError(f"KEK version {number} is invalid (needs number >= 1 and a 32-byte key)")
        if current not in versions or versions[current].retired_at is not None:
            raise VaultError(f"current KEK version {current} is missing or retired")
        self._versions = versions
        self._current = current

    @property
    def key_id(self) -> str:
        return self._key_id

    @property
    def current_version(self) -> int:
        return self._current

    @property
    def versions(self) -> Mapping[int, KeyVersion]:
        return dict(self._versions)

    def check_version(self, version: int) -> None:
        entry = self._versions.get(version)
        if entry is None:
            raise UnknownKeyError(f"KEK {self._key_id!r} has no version {version}")
        if entry.retired_at is not None:
            raise RetiredKeyError(f"KEK {self._key_id!r} version {version} is retired")

    async def wrap(self, dek: bytes, aad: bytes) -> tuple[int, bytes]:
        version = self._current
        nonce = os.urandom(_NONCE)
        return version, nonce + AESGCM(self._versions[version].key).encrypt(nonce, dek, aad)

    async def unwrap(self, version: int, wrapped: bytes, aad: bytes) -> bytes:
        self.check_version(version)
        if len(wrapped) < _NONCE + _TAG:
            raise DecryptionError("wrapped data key is truncated")
        try:
            return AESGCM(self._versions[version].key).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], aad)
        except InvalidTag:
            raise DecryptionError("wrapped data key failed authentication") from None

    async def rotate(self) -> int:
        versions = dict(self._versions)
        number = max(versions) + 1
        versions[number] = new_version()
        self._set_state(versions, number)
        return number

    def retire(self, version: int) -> None:
        versions = dict(self._versions)
        self._retire_in(versions, version)
        self._set_state(versions, self._current)

    def _retire_in(self, versions: dict[int, KeyVersion], version: int) -> None:
        if version not in versions:
            raise UnknownKeyError(f"KEK {self._key_id!r} has no version {version}")
        if version == self._current:
            raise VaultError("the current KEK version cannot be retired; rotate first")
        if versions[version].retired_at is None:
            versions[version] = KeyVersion(
                key=versions[version].key, created_at=versions[version].created_at, retired_at=_now()
            )
