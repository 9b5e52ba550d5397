"""The vault's exception hierarchy.

Everything the vault raises on purpose derives from :class:`VaultError`, so a caller
can catch one class. Decryption never returns garbage: it either returns the exact
plaintext that was encrypted under that context or raises one of these.

```
VaultError
├── MalformedCiphertext   the string is not a well-formed vault ciphertext
├── UnknownKeyError       the KEK id or KEK version is not known to this vault
│   └── RetiredKeyError   the KEK version is known but retired: it refuses to unwrap
├── DecryptionError       authentication failed: tampered bytes or wrong context
├── KmsError              the KMS backend failed (network, permissions): may be retried
└── KeyFileError          the local key file is unusable (permissions, format)
```
"""

from __future__ import annotations


class VaultError(Exception):
    """Base class of every error the vault raises on purpose."""


class MalformedCiphertext(VaultError):
    """The value is not a well-formed ciphertext of a supported format version."""


class UnknownKeyError(VaultError):
    """The ciphertext names a KEK id or version this vault cannot use."""


class RetiredKeyError(UnknownKeyError):
    """The KEK version exists but has been retired: it no longer unwraps data keys."""


class DecryptionError(VaultError):
    """Authentication failed: a byte was changed, or the context does not match."""


class KmsError(VaultError):
    """The KMS backend could not be reached or refused the call (not a tampering signal)."""


class KeyFileError(VaultError):
    """The local key file is unsafe or unreadable."""
