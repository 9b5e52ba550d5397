from __future__ import annotations

import base64
from typing import Any

import pytest

from vault import (
    Context,
    DecryptionError,
    MalformedCiphertext,
    UnknownKeyError,
    Vault,
    VaultError,
)
from vault.envelope import parse
from vault.kms.memory import MemoryKms

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def test_round_trip(vault: Vault, ctx: Context) -> None:
    secret = b"4111111111111111"
    ct = await vault.encrypt(secret, ctx)
    assert ct.startswith("phv1.")
    assert b"4111" not in ct.encode() and "4111" not in ct
    assert await vault.decrypt(ct, ctx) == secret


async def test_round_trip_empty_and_large(vault: Vault, ctx: Context) -> None:
    for payload in (b"", bytes(range(256)) * 1000):
        assert await vault.decrypt(await vault.encrypt(payload, ctx), ctx) == payload


async def test_fresh_data_key_and_nonce_per_secret(vault: Vault, ctx: Context) -> None:
    a = parse(await vault.encrypt(b"same", ctx))
    b = parse(await vault.encrypt(b"same", ctx))
    assert a.wrapped_dek != b.wrapped_dek
    assert a.nonce != b.nonce
    assert a.ciphertext != b.ciphertext
    assert len(a.nonce) == 12


async def test_ciphertext_is_self_describing(vault: Vault, ctx: Context) -> None:
    ct = await vault.encrypt(b"x", ctx)
    fmt, kid, version, wrapped, nonce, body = ct.split(".")
    assert fmt == "phv1"
    assert _b64d(kid).decode() == "test-kek"
    assert version == "1"
    assert vault.key_version_of(ct) == ("test-kek", 1)
    assert len(_b64d(nonce)) == 12
    assert len(_b64d(body)) == 1 + 16  # plaintext + GCM tag
    assert len(_b64d(wrapped)) > 32


@pytest.mark.parametrize("field", [1, 2, 3, 4, 5])
async def test_flipping_a_byte_in_any_field_fails(vault: Vault, ctx: Context, field: int) -> None:
    ct = await vault.encrypt(b"secret payload", ctx)
    parts = ct.split(".")
    if field == 2:  # decimal version: a different version
        parts[2] = "2"
        with pytest.raises(UnknownKeyError):
            await vault.decrypt(".".join(parts), ctx)
        return
    raw = bytearray(_b64d(parts[field]))
    for index in (0, len(raw) // 2, len(raw) - 1):
        tampered = bytearray(raw)
        tampered[index] ^= 0x01
        parts_t = list(parts)
        parts_t[field] = _b64e(bytes(tampered))
        with pytest.raises(VaultError) as info:
            await vault.decrypt(".".join(parts_t), ctx)
        expected = UnknownKeyError if field == 1 else DecryptionError
        assert isinstance(info.value, expected)


async def test_changing_any_character_fails(vault: Vault, ctx: Context) -> None:
    ct = await vault.encrypt(b"pan", ctx)
    for i, ch in enumerate(ct):
        replacement = "B" if ch != "B" else "C"
        if ch == ".":
            continue
        tampered = ct[:i] + replacement + ct[i + 1 :]
        with pytest.raises(VaultError):
            await vault.decrypt(tampered, ctx)


async def test_non_canonical_base64_is_rejected(vault: Vault, ctx: Context) -> None:
    # 17 ciphertext bytes -> 23 base64 chars whose last char carries 2 unused bits
    ct = await vault.encrypt(b"x", ctx)
    parts = ct.split(".")
    last = parts[5][-1]
    idx = B64.index(last)
    parts[5] = parts[5][:-1] + B64[idx ^ 0x01]
    with pytest.raises(MalformedCiphertext):
        await vault.decrypt(".".join(parts), ctx)


@pytest.mark.parametrize(
    "other",
    [
        Context(owner="merchant_2", kind="card", record_id="pm_123"),
        Context(owner="merchant_1", kind="provider_credentials", record_id="pm_123"),
        Context(owner="merchant_1", kind="card", record_id="pm_124"),
        # field boundaries are unambiguous: moving characters between fields fails
        Context(owner="merchant_1c", kind="ard", record_id="pm_123"),
    ],
)
async def test_wrong_context_fails(vault: Vault, ctx: Context, other: Context) -> None:
    ct = await vault.encrypt(b"secret", ctx)
    with pytest.raises(DecryptionError, match="context"):
        await vault.decrypt(ct, other)


async def test_unknown_key_id_fails(ctx: Context) -> None:
    writer = Vault(MemoryKms("kek-a"), use_cache=False)
    reader = Vault(MemoryKms("kek-b"), use_cache=False)
    ct = await writer.encrypt(b"s", ctx)
    with pytest.raises(UnknownKeyError, match="kek-a"):
        await reader.decrypt(ct, ctx)


async def test_same_key_id_different_key_material_fails(ctx: Context) -> None:
    writer = Vault(MemoryKms("kek"), use_cache=False)
    reader = Vault(MemoryKms("kek"), use_cache=False)
    with pytest.raises(DecryptionError):
        await reader.decrypt(await writer.encrypt(b"s", ctx), ctx)


async def test_unknown_version_fails(vault: Vault, ctx: Context) -> None:
    ct = await vault.encrypt(b"s", ctx)
    parts = ct.split(".")
    parts[2] = "7"
    with pytest.raises(UnknownKeyError, match="version 7"):
        await vault.decrypt(".".join(parts), ctx)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "hello",
        "phv2.a.1.a.a.a",
        "phv1.a.1.a.a",
        "phv1.dGVzdC1rZWs.0.AAAA.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "phv1.dGVzdC1rZWs.01.AAAA.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "phv1.dGVzdC1rZWs.1.AAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA",  # short nonce
        "phv1.dGVzdC1rZWs.1.AAAA.AAAAAAAAAAAAAAAA.AAAA",  # shorter than a tag
        "phv1.dGVzdC1rZWs.1.AA+A.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",  # not base64url
        "phv1..1.AAAA.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",  # empty key id
    ],
)
async def test_malformed_ciphertexts(vault: Vault, ctx: Context, bad: str) -> None:
    with pytest.raises(MalformedCiphertext):
        await vault.decrypt(bad, ctx)
    with pytest.raises(MalformedCiphertext):
        vault.needs_rewrap(bad)


async def test_error_hierarchy() -> None:
    for cls in (DecryptionError, UnknownKeyError, MalformedCiphertext):
        assert issubclass(cls, VaultError)


async def test_json_helpers(vault: Vault, ctx: Context) -> None:
    creds = {"secret_key": "sk_test_abc", "webhook_secret": "whsec_xyz"}
    ct = await vault.encrypt_json(creds, ctx)
    assert "sk_test" not in ct
    assert await vault.decrypt_json(ct, ctx) == creds
    with pytest.raises(TypeError):
        await vault.encrypt_json({"a": 1}, ctx)  # type: ignore[dict-item]
    not_json = await vault.encrypt(b"\x00raw", ctx)
    with pytest.raises(VaultError):
        await vault.decrypt_json(not_json, ctx)


async def test_plaintext_must_be_bytes(vault: Vault, ctx: Context) -> None:
    with pytest.raises(TypeError):
        await vault.encrypt("text", ctx)  # type: ignore[arg-type]


async def test_fingerprint_is_keyed_and_stable(ctx: Context) -> None:
    kms = MemoryKms()
    a = Vault(kms, fingerprint_key=b"a" * 32)
    b = Vault(kms, fingerprint_key=b"b" * 32)
    fp = a.fingerprint(b"4111111111111111")
    assert fp == a.fingerprint(b"4111111111111111")
    assert len(fp) == 64 and int(fp, 16) >= 0
    assert fp != a.fingerprint(b"4111111111111112")
    assert fp != b.fingerprint(b"4111111111111111")
    with pytest.raises(VaultError):
        Vault(kms).fingerprint(b"x")
    with pytest.raises(ValueError):
        Vault(kms, fingerprint_key=b"short")


async def test_fingerprint_key_kept_under_kms_survives_rotation() -> None:
    kms = MemoryKms()
    first = Vault(kms)
    blob = await first.create_fingerprint_key()
    fp = first.fingerprint(b"4242424242424242")
    await first.rotate()
    blob = await first.rewrap(blob, Context("payhub", "vault.fingerprint_key", "hmac-sha256"))
    second = Vault(kms)
    await second.load_fingerprint_key(blob)
    assert second.fingerprint(b"4242424242424242") == fp
    with pytest.raises(VaultError):
        await Vault(MemoryKms()).load_fingerprint_key(blob)


async def test_context_fields_must_be_strings(vault: Vault, kms: Any) -> None:
    with pytest.raises(TypeError):
        await vault.encrypt(b"x", Context(owner="o", kind="card", record_id=123))  # type: ignore[arg-type]
    assert kms.wraps == 0  # rejected before any KMS call
