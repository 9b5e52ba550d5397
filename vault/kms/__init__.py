"""KMS backends. ``vault.kms.aws`` is not imported here: it needs boto3."""

from vault.kms.base import KmsBackend
from vault.kms.local import LocalKms
from vault.kms.memory import MemoryKms

__all__ = ["KmsBackend", "LocalKms", "MemoryKms"]
