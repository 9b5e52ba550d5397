from __future__ import annotations

import pytest

from vault import Context, DataKeyCache, Vault
from vault.kms.memory import MemoryKms


class CountingKms(MemoryKms):
    """MemoryKms that counts KMS round trips."""

    def __init__(self, key_id: str = "test-kek") -> None:
        super().__init__(key_id)
        self.wraps = 0
        self.unwraps = 0

    async def wrap(self, dek: bytes, aad: bytes) -> tuple[int, bytes]:
        self.wraps += 1
        return await super().wrap(dek, aad)

    async def unwrap(self, version: int, wrapped: bytes, aad: bytes) -> bytes:
        self.unwraps += 1
        return await super().unwrap(version, wrapped, aad)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def ctx() -> Context:
    return Context(owner="merchant_1", kind="card", record_id="pm_123")


@pytest.fixture
def kms() -> CountingKms:
    return CountingKms()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def vault(kms: CountingKms) -> Vault:
    return Vault(kms, use_cache=False, fingerprint_key=b"k" * 32)


@pytest.fixture
def cached_vault(kms: CountingKms, clock: FakeClock) -> Vault:
    cache = DataKeyCache(max_age=60, max_uses=3, max_bytes=100, clock=clock)
    return Vault(kms, cache=cache)
