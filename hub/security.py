"""The hub's vault: the KMS backend from configuration and the fingerprint key kept under it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.config import KmsConfig
from hub.store import tables as t
from vault.kms.base import KmsBackend
from vault.vault import Vault

FINGERPRINT_KEY = "card_fingerprint_key"


def build_kms(cfg: KmsConfig) -> KmsBackend:
    if cfg.backend == "aws-kms":
        from vault.kms.aws import AwsKms

        assert cfg.key_id is not None
        versions = {i + 1: arn for i, arn in enumerate(cfg.aws_key_ids)}
        return AwsKms(cfg.key_id, versions, region_name=cfg.region, endpoint_url=cfg.endpoint_url)
    from vault.kms.local import LocalKms

    return LocalKms(cfg.key_file)


def build_vault(cfg: KmsConfig) -> Vault:
    return Vault(build_kms(cfg))


async def init_vault(vault: Vault, engine: AsyncEngine) -> None:
    """Load the card fingerprint key (create it, encrypted under the KEK, on first start)."""
    async with engine.connect() as conn:
        blob = await conn.scalar(
            select(t.vault_keys.c.ciphertext).where(t.vault_keys.c.name == FINGERPRINT_KEY)
        )
    if blob is None:
        blob = await vault.create_fingerprint_key()
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    insert(t.vault_keys).values(
                        name=FINGERPRINT_KEY, ciphertext=blob, created_at=dt.datetime.now(dt.UTC)
                    )
                )
        except IntegrityError:  # another process won the race: use its key
            async with engine.connect() as conn:
                blob = await conn.scalar(
                    select(t.vault_keys.c.ciphertext).where(t.vault_keys.c.name == FINGERPRINT_KEY)
                )
    assert blob is not None
    await vault.load_fingerprint_key(blob)
