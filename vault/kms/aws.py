"""AWS KMS backend (needs ``boto3``: ``pip install payhub[aws]``).

Each KEK *version* is a whole KMS key (id, ARN or alias ARN). The data key is
wrapped with ``Encrypt`` and unwrapped with ``Decrypt`` naming the expected KMS
key, and the vault's associated data travels as the KMS ``EncryptionContext``
(``{"payhub:aad": base64url(SHA-256(aad))}``), so KMS itself refuses to unwrap
a key presented with other associated data, and CloudTrail logs the digest.

Rotation: ``rotate()`` creates a new symmetric KMS key (or ``add_version`` registers
one created elsewhere, e.g. by Terraform) and makes it current; old versions keep
decrypting until ``retire``. The version -> KMS key mapping must be kept in the
hub's configuration: read it back from :attr:`AwsKms.versions` after a rotation.
(AWS's own automatic key rotation is invisible here and needs nothing: the same
KMS key id keeps working.)

boto3 is blocking, so every call runs in ``asyncio.to_thread``; the client is
created lazily and shared (boto3 clients are thread-safe).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from vault.errors import DecryptionError, KmsError, RetiredKeyError, UnknownKeyError, VaultError
from vault.kms.base import KmsBackend

CONTEXT_KEY = "payhub:aad"
_DECRYPT_FAILURES = {"InvalidCiphertextException", "IncorrectKeyException"}
_UNKNOWN_KEY = {"NotFoundException"}


def encryption_context(aad: bytes) -> dict[str, str]:
    digest = hashlib.sha256(aad).digest()
    return {CONTEXT_KEY: base64.urlsafe_b64encode(digest).rstrip(b"=").decode()}


class AwsKms(KmsBackend):
    """A KEK whose versions are AWS KMS keys.

    ``versions`` maps version numbers to KMS key ids/ARNs; ``current_version``
    defaults to the highest. Pass ``client`` (a boto3 KMS client) or let the
    backend build one from ``region_name`` / ``endpoint_url`` and the usual AWS
    credential chain.
    """

    def __init__(
        self,
        key_id: str,
        versions: Mapping[int, str],
        *,
        current_version: int | None = None,
        retired: Iterable[int] = (),
        client: Any = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        key_description: str = "payhub vault key-encryption key",
    ) -> None:
        if not key_id:
            raise ValueError("key_id must not be empty")
        if not versions:
            raise ValueError("at least one KMS key (version) is required")
        self._key_id = key_id
        self._versions = {int(n): str(arn) for n, arn in versions.items()}
        if min(self._versions) < 1:
            raise ValueError("KEK versions start at 1")
        self._retired = set(retired)
        self._current = current_version if current_version is not None else max(self._versions)
        if self._current not in self._versions or self._current in self._retired:
            raise ValueError(f"current version {self._current} is missing or retired")
        self._client = client
        self._client_lock = threading.Lock()
        self._region_name = region_name
        self._endpoint_url = endpoint_url
        self._description = key_description

    @property
    def key_id(self) -> str:
        return self._key_id

    @property
    def current_version(self) -> int:
        return self._current

    @property
    def versions(self) -> dict[int, str]:
        """Version -> KMS key id/ARN; persist this in configuration after a rotation."""
        return dict(self._versions)

    @property
    def retired(self) -> frozenset[int]:
        return frozenset(self._retired)

    def _kms(self) -> Any:
        with self._client_lock:
            if self._client is None:
                try:
                    import boto3  # optional dependency, imported lazily
                except ImportError as exc:  # pragma: no cover
                    raise VaultError("the AWS KMS backend needs boto3: pip install 'payhub[aws]'") from exc
                self._client = boto3.client(
                    "kms", region_name=self._region_name, endpoint_url=self._endpoint_url
                )
            return self._client

    def check_version(self, version: int) -> None:
        if version not in self._versions:
            raise UnknownKeyError(f"KEK {self._key_id!r} has no version {version}")
        if version in self._retired:
            raise RetiredKeyError(f"KEK {self._key_id!r} version {version} is retired")

    async def _call(self, op: str, **kwargs: Any) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                result: dict[str, Any] = getattr(self._kms(), op)(**kwargs)
                return result
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code in _DECRYPT_FAILURES:
                    raise DecryptionError(f"AWS KMS refused to unwrap the data key ({code})") from None
                if code in _UNKNOWN_KEY:
                    raise UnknownKeyError(f"AWS KMS key not found for KEK {self._key_id!r}") from None
                raise KmsError(f"AWS KMS {op} failed: {code or exc}") from exc
            except BotoCoreError as exc:
                raise KmsError(f"AWS KMS {op} failed: {exc}") from exc

        return await asyncio.to_thread(run)

    async def wrap(self, dek: bytes, aad: bytes) -> tuple[int, bytes]:
        version = self._current
        result = await self._call(
            "encrypt",
            KeyId=self._versions[version],
            Plaintext=dek,
            EncryptionContext=encryption_context(aad),
        )
        return version, bytes(result["CiphertextBlob"])

    async def unwrap(self, version: int, wrapped: bytes, aad: bytes) -> bytes:
        self.check_version(version)
        result = await self._call(
            "decrypt",
            KeyId=self._versions[version],
            CiphertextBlob=wrapped,
            EncryptionContext=encryption_context(aad),
        )
        return bytes(result["Plaintext"])

    def add_version(self, kms_key_id: str, *, make_current: bool = True) -> int:
        """Register an existing KMS key as the next version (and make it current)."""
        number = max(self._versions) + 1
        self._versions[number] = kms_key_id
        if make_current:
            self._current = number
        return number

    async def rotate(self) -> int:
        """Create a new symmetric KMS key and make it the current version."""
        result = await self._call(
            "create_key",
            Description=f"{self._description} ({self._key_id} v{max(self._versions) + 1})",
            KeySpec="SYMMETRIC_DEFAULT",
            KeyUsage="ENCRYPT_DECRYPT",
        )
        return self.add_version(str(result["KeyMetadata"]["Arn"]))

    def retire(self, version: int) -> None:
        if version not in self._versions:
            raise UnknownKeyError(f"KEK {self._key_id!r} has no version {version}")
        if version == self._current:
            raise VaultError("the current KEK version cannot be retired; rotate first")
        self._retired.add(version)
