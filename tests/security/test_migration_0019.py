"""Migration 0019 on SQLite and PostgreSQL: an unkeyed fingerprint stored before it is gone
afterwards (the row stays, marked, so its key replays until it expires)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from hub.store.db import alembic_config
from idempotency.fingerprint import LEGACY
from tests.conftest import _create_pg_db, _drop_pg_db, pg_url

UNKEYED = "9f" * 32  # what an old process stored: SHA-256 of the raw body, CVC included


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_0019_forgets_unkeyed_fingerprints(backend: str, tmp_path: Path) -> None:
    name = await _create_pg_db() if backend == "postgres" else None
    url = pg_url(name) if name else f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    engine = create_async_engine(url)

    def upgrade(conn: sa.Connection, revision: str) -> None:
        command.upgrade(alembic_config(conn), revision)

    try:
        now = dt.datetime.now(dt.UTC)
        async with engine.begin() as conn:
            await conn.run_sync(upgrade, "0016")
            await conn.execute(
                sa.text(
                    "INSERT INTO idempotency_keys (owner, key, fingerprint, status, locked_until,"
                    " created_at, expires_at) VALUES ('o', 'k', :fp, 'completed', :t, :t, :t)"
                ),
                {"fp": UNKEYED, "t": now},
            )
        async with engine.begin() as conn:
            await conn.run_sync(upgrade, "0019")
            rows = (await conn.execute(sa.text("SELECT key, fingerprint FROM idempotency_keys"))).all()
        assert [tuple(r) for r in rows] == [("k", LEGACY)]
    finally:
        await engine.dispose()
        if name:
            await _drop_pg_db(name)
