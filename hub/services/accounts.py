"""Provider accounts: declared in config or created through the admin API; credentials are
stored only as vault ciphertext and shown masked."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.config import AccountConfig, Timeouts
from hub.domain.errors import ConfigError, Conflict, NotFound, ValidationFailed
from hub.providers import Providers
from hub.store import tables as t
from hub.store.repo import Row, iso, utcnow
from vault.envelope import Context
from vault.redaction import mask_secret
from vault.vault import Vault


def _ctx(account_id: str) -> Context:
    return Context(owner="payhub", kind="account.credentials", record_id=account_id)


class Accounts:
    def __init__(self, engine: AsyncEngine, vault: Vault, providers: Providers) -> None:
        self.engine = engine
        self.vault = vault
        self.providers = providers

    def describe(self, row: Row, credentials: dict[str, str]) -> dict[str, Any]:
        return {
            "id": row["id"],
            "object": "account",
            "adapter": row["adapter"],
            "base_url": row["base_url"],
            "credentials": {k: mask_secret(v) for k, v in sorted(credentials.items())},
            "settings": row["settings"] or {},
            "timeouts": {"connect": row["connect_timeout"], "read": row["read_timeout"]},
            "source": row["source"],
            "capabilities": self.providers.get(row["id"]).adapter.capabilities.describe()
            if row["id"] in self.providers
            else None,
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
        }

    async def sync_config(self, configured: list[AccountConfig]) -> None:
        """Store config accounts encrypted (refreshing them), then load API-created ones."""
        now = utcnow()
        for acct in configured:
            blob = await self.vault.encrypt_json(acct.credentials, _ctx(acct.id))
            values = {
                "adapter": acct.adapter,
                "base_url": acct.base_url,
                "credentials": blob,
                "settings": acct.settings,
                "connect_timeout": acct.timeouts.connect,
                "read_timeout": acct.timeouts.read,
                "source": "config",
                "updated_at": now,
            }
            async with self.engine.begin() as conn:
                exists = await conn.scalar(select(t.accounts.c.id).where(t.accounts.c.id == acct.id))
                if exists:
                    await conn.execute(update(t.accounts).where(t.accounts.c.id == acct.id).values(**values))
                else:
                    await conn.execute(insert(t.accounts).values(id=acct.id, created_at=now, **values))
        names = {a.id for a in configured}
        async with self.engine.connect() as conn:
            rows = (
                (await conn.execute(select(t.accounts).where(t.accounts.c.source == "api"))).mappings().all()
            )
        for row in rows:
            if row["id"] in names:
                continue
            cfg = await self._config_of(dict(row))
            try:
                self.providers.add(cfg, where=f"stored account {row['id']}")
            except ConfigError:
                import logging

                logging.getLogger("payhub.accounts").exception(
                    "stored account %s cannot be loaded", row["id"]
                )

    async def _config_of(self, row: Row) -> AccountConfig:
        creds = await self.vault.decrypt_json(row["credentials"], _ctx(row["id"]))
        return AccountConfig(
            id=row["id"],
            adapter=row["adapter"],
            base_url=row["base_url"],
            credentials=creds,
            settings=row["settings"] or {},
            timeouts=Timeouts(connect=row["connect_timeout"], read=row["read_timeout"]),
        )

    async def create(self, raw: dict[str, Any]) -> dict[str, Any]:
        from hub.config import _ACCOUNT_ID

        try:
            cfg = msgspec.convert(raw, AccountConfig)
        except msgspec.ValidationError as exc:
            raise ValidationFailed(str(exc)) from None
        if not _ACCOUNT_ID.match(cfg.id):
            raise ValidationFailed("id must be lower-case letters, digits, - or _", field="id")
        if cfg.id in self.providers:
            raise Conflict(f"account {cfg.id!r} already exists", code="account_exists")
        try:
            self.providers.add(cfg, where="account")
        except ConfigError as exc:
            raise ValidationFailed(str(exc)) from None
        now = utcnow()
        blob = await self.vault.encrypt_json(cfg.credentials, _ctx(cfg.id))
        row = {
            "id": cfg.id,
            "adapter": cfg.adapter,
            "base_url": cfg.base_url,
            "credentials": blob,
            "settings": cfg.settings,
            "connect_timeout": cfg.timeouts.connect,
            "read_timeout": cfg.timeouts.read,
            "source": "api",
            "created_at": now,
            "updated_at": now,
        }
        async with self.engine.begin() as conn:
            await conn.execute(insert(t.accounts).values(**row))
        return self.describe(row, cfg.credentials)

    async def get(self, account_id: str) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (
                (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id)))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"no account {account_id!r}")
        creds = await self.vault.decrypt_json(row["credentials"], _ctx(account_id))
        return self.describe(dict(row), creds)

    async def list(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            ids = (await conn.execute(select(t.accounts.c.id).order_by(t.accounts.c.id))).scalars().all()
        return [await self.get(i) for i in ids]

    async def rotate_credentials(self, account_id: str, credentials: dict[str, str]) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (
                (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id)))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"no account {account_id!r}")
        cfg = await self._config_of(dict(row))
        cfg.credentials.update(credentials)
        try:
            self.providers.add(cfg, where="account")
        except ConfigError as exc:
            raise ValidationFailed(str(exc)) from None
        blob = await self.vault.encrypt_json(cfg.credentials, _ctx(account_id))
        async with self.engine.begin() as conn:
            await conn.execute(
                update(t.accounts)
                .where(t.accounts.c.id == account_id)
                .values(credentials=blob, updated_at=utcnow())
            )
        return await self.get(account_id)
