"""The interface every KMS backend implements.

A backend holds one logical key-encryption key (KEK), named by ``key_id``, in one
or more numbered *versions*. Exactly one version is current: it wraps every new
data key. Older versions keep unwrapping until they are retired.

Contract (what :class:`vault.Vault` relies on):

* ``key_id`` is stable for the life of the KEK and is written into every
  ciphertext. Two different key files / KMS keys must not share an id.
* ``wrap(dek, aad)`` encrypts a 32-byte data key under the *current* version with
  an authenticated scheme that binds ``aad``, and returns ``(version, wrapped)``.
* ``unwrap(version, wrapped, aad)`` returns the data key, or raises
  :class:`~vault.errors.DecryptionError` when ``wrapped``/``aad`` do not
  authenticate, :class:`~vault.errors.UnknownKeyError` for a version it does not
  know, :class:`~vault.errors.RetiredKeyError` for a retired version and
  :class:`~vault.errors.KmsError` when the service itself failed.
* ``check_version(version)`` raises like ``unwrap`` does for unknown or retired
  versions, without a remote call. The vault calls it before using a cached data
  key, so retiring a version takes effect even for keys already in the cache.
* ``rotate()`` creates a new version, makes it current and returns its number;
  new writes use it at once. ``retire(version)`` stops a non-current version from
  unwrapping (after every ciphertext was re-wrapped away from it).

Writing another backend:

* **GCP Cloud KMS**: ``key_id`` = a logical name; versions map to
  ``CryptoKey`` resource names (or to ``CryptoKeyVersion`` numbers of one key, as
  GCP decrypts with whichever version encrypted). ``wrap`` = ``encrypt`` with
  ``additional_authenticated_data=aad``; ``unwrap`` = ``decrypt`` with the same
  AAD; ``rotate`` = create a version and make it primary (or create a key);
  ``retire`` = disable/destroy the old version. Run the blocking client in
  ``asyncio.to_thread`` or use the async client.
* **HashiCorp Vault Transit**: versions are Transit key versions; ``wrap`` =
  ``POST transit/encrypt/<name>`` (``associated_data`` = base64 of ``aad`` with an
  ``aes256-gcm96`` key), the ``vault:vN:`` prefix of the answer gives the version;
  ``unwrap`` = ``transit/decrypt``; ``rotate`` = ``transit/keys/<name>/rotate``;
  ``retire`` = raise ``min_decryption_version``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class KmsBackend(ABC):
    """One logical KEK with numbered versions. See the module docstring."""

    @property
    @abstractmethod
    def key_id(self) -> str:
        """Stable id written into every ciphertext."""

    @property
    @abstractmethod
    def current_version(self) -> int:
        """The version that wraps new data keys."""

    @abstractmethod
    def check_version(self, version: int) -> None:
        """Raise UnknownKeyError / RetiredKeyError if ``version`` cannot unwrap."""

    @abstractmethod
    async def wrap(self, dek: bytes, aad: bytes) -> tuple[int, bytes]:
        """Wrap ``dek`` under the current version: ``(version, wrapped)``."""

    @abstractmethod
    async def unwrap(self, version: int, wrapped: bytes, aad: bytes) -> bytes:
        """Unwrap a data key wrapped under ``version`` with ``aad``."""

    @abstractmethod
    async def rotate(self) -> int:
        """Create a new version, make it current, return its number."""

    @abstractmethod
    def retire(self, version: int) -> None:
        """Stop ``version`` from unwrapping. The current version cannot be retired."""
