from __future__ import annotations

from typing import Any

import pytest

from vault import Context, DataKeyCache, Vault
from vault.envelope import parse


async def test_repeat_decrypts_hit_the_cache(cached_vault: Vault, kms: Any, ctx: Context) -> None:
    ct = await cached_vault.encrypt(b"12345", ctx)
    assert await cached_vault.decrypt(ct, ctx) == b"12345"
    assert await cached_vault.decrypt(ct, ctx) == b"12345"
    assert kms.unwraps == 1


async def test_max_age(cached_vault: Vault, kms: Any, clock: Any, ctx: Context) -> None:
    ct = await cached_vault.encrypt(b"x", ctx)
    await cached_vault.decrypt(ct, ctx)
    clock.advance(59)
    await cached_vault.decrypt(ct, ctx)
    assert kms.unwraps == 1
    clock.advance(1)  # 60 s after the unwrap: expired
    await cached_vault.decrypt(ct, ctx)
    assert kms.unwraps == 2


async def test_max_uses(cached_vault: Vault, kms: Any, ctx: Context) -> None:
    ct = await cached_vault.encrypt(b"x", ctx)
    for _ in range(3):  # max_uses=3: the unwrap counts as the first use
        await cached_vault.decrypt(ct, ctx)
    assert kms.unwraps == 1
    await cached_vault.decrypt(ct, ctx)
    assert kms.unwraps == 2


async def test_max_bytes(cached_vault: Vault, kms: Any, ctx: Context) -> None:
    ct = await cached_vault.encrypt(b"a" * 40, ctx)  # max_bytes=100
    await cached_vault.decrypt(ct, ctx)  # 40
    await cached_vault.decrypt(ct, ctx)  # 80
    assert kms.unwraps == 1
    await cached_vault.decrypt(ct, ctx)  # would be 120: back to the KMS
    assert kms.unwraps == 2
    big = await cached_vault.encrypt(b"b" * 101, ctx)  # larger than max_bytes: never cached
    await cached_vault.decrypt(big, ctx)
    await cached_vault.decrypt(big, ctx)
    assert kms.unwraps == 4


async def test_failed_decrypt_does_not_poison_cache(cached_vault: Vault, kms: Any, ctx: Context) -> None:
    ct = await cached_vault.encrypt(b"x", ctx)
    with pytest.raises(Exception):  # noqa: B017 - any VaultError
        await cached_vault.decrypt(ct, Context("other", "card", "pm_123"))
    assert await cached_vault.decrypt(ct, ctx) == b"x"


def test_cache_unit_limits(clock: Any) -> None:
    cache = DataKeyCache(max_age=10, max_uses=2, max_bytes=10, max_entries=2, clock=clock)
    cache.put_decrypt_key("k", 1, b"w1", b"d1", 1)
    assert cache.get_decrypt_key("k", 1, b"w1", 1) == b"d1"
    assert cache.get_decrypt_key("k", 1, b"w1", 1) is None  # third use
    cache.put_decrypt_key("k", 1, b"w1", b"d1", 1)
    assert cache.get_decrypt_key("k", 2, b"w1", 1) is None  # other version, other key
    assert cache.get_decrypt_key("k", 1, b"w2", 1) is None
    cache.put_decrypt_key("k", 1, b"w2", b"d2", 1)
    cache.put_decrypt_key("k", 1, b"w3", b"d3", 1)  # max_entries=2 evicts the oldest
    assert cache.get_decrypt_key("k", 1, b"w1", 1) is None
    assert cache.get_decrypt_key("k", 1, b"w3", 1) == b"d3"
    cache.evict_version("k", 1)
    assert len(cache) == 0
    with pytest.raises(ValueError):
        DataKeyCache(max_age=0)


async def test_encryption_reuse_is_off_by_default(cached_vault: Vault, kms: Any, ctx: Context) -> None:
    a = parse(await cached_vault.encrypt(b"x", ctx))
    b = parse(await cached_vault.encrypt(b"x", ctx))
    assert a.wrapped_dek != b.wrapped_dek
    assert kms.wraps == 2


async def test_encryption_reuse_within_limits(kms: Any, clock: Any, ctx: Context) -> None:
    cache = DataKeyCache(max_age=60, max_uses=3, max_bytes=1000, reuse_for_encryption=True, clock=clock)
    vault = Vault(kms, cache=cache)
    cts = [await vault.encrypt(b"s", ctx) for _ in range(4)]
    wrapped = [parse(c).wrapped_dek for c in cts]
    assert wrapped[0] == wrapped[1] == wrapped[2] != wrapped[3]  # 3 uses, then a fresh key
    assert len({parse(c).nonce for c in cts}) == 4
    assert kms.wraps == 2
    clock.advance(60)
    c5 = await vault.encrypt(b"s", ctx)
    assert parse(c5).wrapped_dek not in wrapped  # aged out
    for c in [*cts, c5]:
        assert await vault.decrypt(c, ctx) == b"s"
    await vault.rotate()
    c6 = await vault.encrypt(b"s", ctx)
    assert vault.key_version_of(c6)[1] == 2  # rotation is not hidden by the reuse cache
