from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest

from vault import Context, KeyFileError, UnknownKeyError, Vault
from vault.kms.local import LocalKms


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_created_0600_with_development_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "keys" / "kek.json"
    with caplog.at_level(logging.WARNING, logger="vault.kms.local"):
        kms = LocalKms(path)
    assert path.exists()
    assert _mode(path) == 0o600
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("created" in r.getMessage() and "development only" in r.getMessage() for r in warnings)
    doc = json.loads(path.read_text())
    assert doc["current"] == 1 and doc["key_id"] == kms.key_id
    assert len(doc["versions"]) == 1


def test_created_0600_even_with_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "kek.json"
        LocalKms(path)
    finally:
        os.umask(old)
    assert _mode(path) == 0o600


def test_reopening_warns_and_keeps_keys(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, ctx: Context
) -> None:
    path = tmp_path / "kek.json"
    first = LocalKms(path)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="vault.kms.local"):
        second = LocalKms(path)
    assert second.key_id == first.key_id
    assert any("development only" in r.getMessage() for r in caplog.records)


async def test_reopened_file_decrypts(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "kek.json"
    ct = await Vault(LocalKms(path)).encrypt(b"pan", ctx)
    assert await Vault(LocalKms(path)).decrypt(ct, ctx) == b"pan"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_refuses_file_readable_by_others(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "kek.json"
    LocalKms(path)
    os.chmod(path, mode)
    with pytest.raises(KeyFileError, match="chmod 600"):
        LocalKms(path)


def test_insecure_file_allowed_explicitly_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "kek.json"
    LocalKms(path)
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="vault.kms.local"):
        LocalKms(path, allow_insecure_permissions=True)
    assert any("group/others" in r.getMessage() for r in caplog.records)


def test_missing_file_without_create(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError):
        LocalKms(tmp_path / "nope.json", create=False)


@pytest.mark.parametrize(
    "content",
    [b"not json", b'{"format": "other", "key_id": "x", "current": 1, "versions": []}', b"{}"],
)
def test_corrupt_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "kek.json"
    path.write_bytes(content)
    os.chmod(path, 0o600)
    with pytest.raises(KeyFileError):
        LocalKms(path)


async def test_rotation_rewrites_atomically_and_keeps_0600(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "kek.json"
    kms = LocalKms(path)
    inode = os.stat(path).st_ino
    assert await kms.rotate() == 2
    assert _mode(path) == 0o600
    assert os.stat(path).st_ino != inode  # replaced, not rewritten in place
    doc = json.loads(path.read_text())
    assert doc["current"] == 2
    assert [v["version"] for v in doc["versions"]] == [1, 2]
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


async def test_other_process_sees_rotation(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "kek.json"
    a, b = LocalKms(path), LocalKms(path)
    await a.rotate()
    ct = await Vault(a).encrypt(b"x", ctx)
    assert Vault(a).key_version_of(ct)[1] == 2
    # b has not seen version 2 yet: meeting it re-reads the file
    assert await Vault(b).decrypt(ct, ctx) == b"x"
    assert b.current_version == 2


async def test_rotations_from_two_instances_do_not_lose_versions(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    a, b = LocalKms(path), LocalKms(path)
    assert await a.rotate() == 2
    assert await b.rotate() == 3  # re-reads under the lock, so version 2 survives
    a.reload()
    assert sorted(a.versions) == [1, 2, 3]


async def test_unknown_version_after_reload(tmp_path: Path, ctx: Context) -> None:
    kms = LocalKms(tmp_path / "kek.json")
    ct = await Vault(kms).encrypt(b"x", ctx)
    parts = ct.split(".")
    parts[2] = "5"
    with pytest.raises(UnknownKeyError):
        await Vault(kms).decrypt(".".join(parts), ctx)
