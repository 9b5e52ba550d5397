from __future__ import annotations

from pathlib import Path

import pytest

from vault import Context, DataKeyCache, RetiredKeyError, UnknownKeyError, Vault, VaultError
from vault.envelope import parse
from vault.kms.local import LocalKms
from vault.kms.memory import MemoryKms


async def test_rotation_new_writes_old_reads_rewrap_retire(tmp_path: Path, ctx: Context) -> None:
    kms = LocalKms(tmp_path / "kek.json")
    vault = Vault(kms)
    old = await vault.encrypt(b"card-1", ctx)
    assert vault.key_version_of(old) == (kms.key_id, 1)
    assert not vault.needs_rewrap(old)

    assert await vault.rotate() == 2
    new = await vault.encrypt(b"card-2", ctx)
    assert vault.key_version_of(new)[1] == 2  # new writes use the new version at once
    assert vault.needs_rewrap(old) and not vault.needs_rewrap(new)
    assert await vault.decrypt(old, ctx) == b"card-1"  # old version keeps decrypting

    moved = await vault.rewrap(old, ctx)
    assert vault.key_version_of(moved)[1] == 2
    assert not vault.needs_rewrap(moved)
    before, after = parse(old), parse(moved)
    assert (after.nonce, after.ciphertext) == (before.nonce, before.ciphertext)  # payload untouched
    assert after.wrapped_dek != before.wrapped_dek
    assert await vault.decrypt(moved, ctx) == b"card-1"

    vault.retire(1)
    with pytest.raises(RetiredKeyError):
        await vault.decrypt(old, ctx)  # even though its data key was cached a moment ago
    assert await vault.decrypt(moved, ctx) == b"card-1"

    # the retirement is persisted: a fresh process refuses too
    again = Vault(LocalKms(tmp_path / "kek.json"))
    with pytest.raises(RetiredKeyError):
        await again.decrypt(old, ctx)
    assert await again.decrypt(moved, ctx) == b"card-1"


async def test_retire_directly_on_backend_beats_the_cache(ctx: Context) -> None:
    kms = MemoryKms()
    vault = Vault(kms, cache=DataKeyCache())
    old = await vault.encrypt(b"x", ctx)
    assert await vault.decrypt(old, ctx) == b"x"  # now cached
    await kms.rotate()
    kms.retire(1)
    with pytest.raises(RetiredKeyError):
        await vault.decrypt(old, ctx)


async def test_rewrap_checks_context_and_is_noop_when_current(ctx: Context) -> None:
    vault = Vault(MemoryKms())
    ct = await vault.encrypt(b"x", ctx)
    assert await vault.rewrap(ct, ctx) == ct
    await vault.rotate()
    with pytest.raises(VaultError):
        await vault.rewrap(ct, Context("other", "card", "pm_123"))


async def test_current_version_cannot_be_retired(ctx: Context) -> None:
    vault = Vault(MemoryKms())
    with pytest.raises(VaultError, match="current"):
        vault.retire(1)
    with pytest.raises(UnknownKeyError):
        vault.retire(9)


async def test_migrating_between_backends(tmp_path: Path, ctx: Context) -> None:
    local = MemoryKms("local-dev")
    ct = await Vault(local).encrypt(b"secret", ctx)
    production = MemoryKms("aws-prod")
    vault = Vault(production, decrypt_only=[local])
    assert vault.needs_rewrap(ct)
    assert await vault.decrypt(ct, ctx) == b"secret"
    moved = await vault.rewrap(ct, ctx)
    assert vault.key_version_of(moved) == ("aws-prod", 1)
    assert await Vault(production).decrypt(moved, ctx) == b"secret"
