"""The vault facade: envelope encryption of secrets under a KMS-held KEK."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping

import msgspec
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.cache import DataKeyCache
from vault.envelope import (
    DEK_BYTES,
    TAG_BYTES,
    Context,
    Envelope,
    open_payload,
    parse,
    seal,
    wrap_aad,
)
from vault.errors import DecryptionError, UnknownKeyError, VaultError
from vault.kms.base import KmsBackend

FINGERPRINT_KEY_CONTEXT = Context(owner="payhub", kind="vault.fingerprint_key", record_id="hmac-sha256")
MIN_FINGERPRINT_KEY_BYTES = 32


class Vault:
    """Encrypts and decrypts secrets; one instance per process is enough.

    ``kms`` is the backend whose current KEK version wraps new data keys.
    ``decrypt_only`` are other backends (other KEK ids) whose ciphertexts can still
    be decrypted and :meth:`rewrap`-ed onto ``kms`` -- e.g. the local key file
    after moving to AWS KMS.

    ``cache`` bounds reuse of unwrapped data keys (a default :class:`DataKeyCache`
    is created unless ``use_cache=False``).

    ``fingerprint_key`` is the HMAC key of :meth:`fingerprint`. It must stay the
    same across KEK rotations (fingerprints are compared with stored ones), so it
    is *not* derived from a KEK version. Either pass it (from a secret manager), or
    keep it under the KMS: :meth:`create_fingerprint_key` makes a random key and
    returns it encrypted by this vault (store that string in config or the
    database); :meth:`load_fingerprint_key` decrypts it at start-up. Then the key
    is as protected as any other secret, needs one KMS call per process, and
    follows KEK rotation through :meth:`rewrap` like any ciphertext.
    """

    def __init__(
        self,
        kms: KmsBackend,
        *,
        cache: DataKeyCache | None = None,
        use_cache: bool = True,
        fingerprint_key: bytes | None = None,
        decrypt_only: Iterable[KmsBackend] = (),
    ) -> None:
        self._kms = kms
        self._backends: dict[str, KmsBackend] = {b.key_id: b for b in decrypt_only}
        self._backends[kms.key_id] = kms
        self._cache = (cache if cache is not None else DataKeyCache()) if use_cache else None
        self._fingerprint_key: bytes | None = None
        if fingerprint_key is not None:
            self._set_fingerprint_key(fingerprint_key)

    @property
    def kms(self) -> KmsBackend:
        return self._kms

    @property
    def cache(self) -> DataKeyCache | None:
        return self._cache

    # -- encryption -------------------------------------------------------------

    async def encrypt(self, plaintext: bytes, context: Context) -> str:
        """Encrypt ``plaintext`` for ``context``; returns a ``phv1.`` string."""
        if not isinstance(plaintext, bytes | bytearray | memoryview):
            raise TypeError("plaintext must be bytes")
        context.canonical()  # validate before any KMS call
        kms = self._kms
        reused = None
        if self._cache is not None:
            reused = self._cache.get_encrypt_key(kms.key_id, kms.current_version, len(plaintext))
        if reused is not None:
            dek, wrapped = reused
            version = kms.current_version
        else:
            dek = AESGCM.generate_key(bit_length=256)
            version, wrapped = await kms.wrap(dek, wrap_aad(kms.key_id))
            if self._cache is not None:
                self._cache.put_encrypt_key(kms.key_id, version, wrapped, dek, len(plaintext))
        nonce, body = seal(dek, plaintext, context)
        return Envelope(kms.key_id, version, wrapped, nonce, body).serialize()

    async def decrypt(self, ciphertext: str, context: Context) -> bytes:
        """The plaintext, or a :class:`~vault.errors.VaultError` -- never garbage."""
        env = parse(ciphertext)
        context.canonical()
        return await self._open(env, context)

    async def _open(self, env: Envelope, context: Context) -> bytes:
        backend = self._backend(env.kek_id)
        backend.check_version(env.kek_version)  # retired versions refuse, cached or not
        nbytes = len(env.ciphertext) - TAG_BYTES
        dek = None
        if self._cache is not None:
            dek = self._cache.get_decrypt_key(env.kek_id, env.kek_version, env.wrapped_dek, nbytes)
        from_cache = dek is not None
        if dek is None:
            dek = await backend.unwrap(env.kek_version, env.wrapped_dek, wrap_aad(env.kek_id))
            if len(dek) != DEK_BYTES:
                raise DecryptionError("unwrapped data key has the wrong length")
        plaintext = open_payload(dek, env.nonce, env.ciphertext, context)
        if not from_cache and self._cache is not None:
            self._cache.put_decrypt_key(env.kek_id, env.kek_version, env.wrapped_dek, dek, nbytes)
        return plaintext

    def _backend(self, kek_id: str) -> KmsBackend:
        backend = self._backends.get(kek_id)
        if backend is None:
            raise UnknownKeyError(f"unknown KEK id {kek_id!r}")
        return backend

    # -- JSON helpers (provider credentials) ---------------------------------------

    async def encrypt_json(self, data: Mapping[str, str], context: Context) -> str:
        """Encrypt a ``dict[str, str]`` (e.g. provider credentials)."""
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise TypeError("encrypt_json takes a mapping of str to str")
        return await self.encrypt(msgspec.json.encode(dict(data)), context)

    async def decrypt_json(self, ciphertext: str, context: Context) -> dict[str, str]:
        plaintext = await self.decrypt(ciphertext, context)
        try:
            return msgspec.json.decode(plaintext, type=dict[str, str])
        except msgspec.DecodeError as exc:
            raise VaultError("the secret is not a JSON object of strings") from exc

    # -- rotation -------------------------------------------------------------------

    def key_version_of(self, ciphertext: str) -> tuple[str, int]:
        """``(kek_id, kek_version)`` named by a ciphertext (no decryption)."""
        env = parse(ciphertext)
        return env.kek_id, env.kek_version

    def needs_rewrap(self, ciphertext: str) -> bool:
        """True when the ciphertext is not wrapped under the current KEK id and version."""
        return self.key_version_of(ciphertext) != (self._kms.key_id, self._kms.current_version)

    async def rewrap(self, ciphertext: str, context: Context) -> str:
        """Re-wrap the data key under the current KEK version; the payload is unchanged.

        The payload is authenticated first (wrong context or tampering raises), so
        a batch job cannot launder a broken ciphertext. Already-current
        ciphertexts come back unchanged.
        """
        env = parse(ciphertext)
        context.canonical()
        backend = self._backend(env.kek_id)
        backend.check_version(env.kek_version)
        dek = await backend.unwrap(env.kek_version, env.wrapped_dek, wrap_aad(env.kek_id))
        if len(dek) != DEK_BYTES:
            raise DecryptionError("unwrapped data key has the wrong length")
        open_payload(dek, env.nonce, env.ciphertext, context)
        if (env.kek_id, env.kek_version) == (self._kms.key_id, self._kms.current_version):
            return ciphertext
        version, wrapped = await self._kms.wrap(dek, wrap_aad(self._kms.key_id))
        return Envelope(self._kms.key_id, version, wrapped, env.nonce, env.ciphertext).serialize()

    async def rotate(self) -> int:
        """Add a KEK version; new encryptions use it at once. Returns the version."""
        return await self._kms.rotate()

    def retire(self, version: int, kek_id: str | None = None) -> None:
        """Retire a KEK version (of ``kms`` unless ``kek_id`` names a decrypt-only
        backend) and drop its cached data keys. Re-wrap everything first."""
        backend = self._backend(kek_id or self._kms.key_id)
        backend.retire(version)
        if self._cache is not None:
            self._cache.evict_version(backend.key_id, version)

    # -- fingerprints ---------------------------------------------------------------

    def _set_fingerprint_key(self, key: bytes) -> None:
        if len(key) < MIN_FINGERPRINT_KEY_BYTES:
            raise ValueError(f"fingerprint key must be at least {MIN_FINGERPRINT_KEY_BYTES} bytes")
        self._fingerprint_key = bytes(key)

    async def create_fingerprint_key(self) -> str:
        """Make a random fingerprint key, load it, and return it encrypted (to persist)."""
        key = secrets.token_bytes(32)
        blob = await self.encrypt(key, FINGERPRINT_KEY_CONTEXT)
        self._set_fingerprint_key(key)
        return blob

    async def load_fingerprint_key(self, blob: str) -> None:
        """Load a fingerprint key stored by :meth:`create_fingerprint_key`."""
        self._set_fingerprint_key(await self.decrypt(blob, FINGERPRINT_KEY_CONTEXT))

    def fingerprint(self, data: bytes) -> str:
        """Keyed HMAC-SHA256 of ``data`` as hex: equal inputs match, yet the value
        cannot be brute-forced (e.g. over the small PAN space) without the key."""
        if self._fingerprint_key is None:
            raise VaultError("no fingerprint key: pass fingerprint_key= or call load_fingerprint_key()")
        mac = hmac.HMAC(self._fingerprint_key, hashes.SHA256())
        mac.update(bytes(data))
        return mac.finalize().hex()
