"""payhub vault: envelope encryption, KMS backends, card helpers and redaction.

A pure library: it imports nothing from ``hub``, ``adapters``, ``idempotency`` or
``webhooks``.
"""

from vault.cache import DataKeyCache
from vault.envelope import Context
from vault.errors import (
    DecryptionError,
    KeyFileError,
    KmsError,
    MalformedCiphertext,
    RetiredKeyError,
    UnknownKeyError,
    VaultError,
)
from vault.kms.base import KmsBackend
from vault.vault import Vault

__all__ = [
    "Context",
    "DataKeyCache",
    "DecryptionError",
    "KeyFileError",
    "KmsBackend",
    "KmsError",
    "MalformedCiphertext",
    "RetiredKeyError",
    "UnknownKeyError",
    "Vault",
    "VaultError",
]
