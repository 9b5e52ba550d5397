"""Migration 0020 on SQLite and PostgreSQL: the reconciliation tables appear on upgrade from 0019
(rows written as the service writes them) and go on downgrade."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from hub.store.db import alembic_config
from hub.store.reconciliation_tables import reconciliation_items, reconciliation_runs
from tests.conftest import _create_pg_db, _drop_pg_db, pg_url

TABLES = {"reconciliation_runs", "reconciliation_items", "reconciliation_cursors"}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_0020_creates_and_drops_the_reconciliation_tables(backend: str, tmp_path: Path) -> None:
    name = await _create_pg_db() if backend == "postgres" else None
    url = pg_url(name) if name else f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    engine = create_async_engine(url)

    def upgrade(conn: sa.Connection, revision: str) -> None:
        command.upgrade(alembic_config(conn), revision)

    def downgrade(conn: sa.Connection, revision: str) -> None:
        command.downgrade(alembic_config(conn), revision)

    def tables(conn: sa.Connection) -> set[str]:
        return set(sa.inspect(conn).get_table_names())

    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade, "0019")
            assert not TABLES & await conn.run_sync(tables)
        async with engine.begin() as conn:
            await conn.run_sync(upgrade, "0020")
            assert TABLES <= await conn.run_sync(tables)
            now = dt.datetime.now(dt.UTC)
            await conn.execute(
                sa.insert(reconciliation_runs).values(
                    id="rec_1", owner="default", account_id="a", window_from=now, window_to=now, status="running",
                    summary={}, trigger="api", created_at=now, updated_at=now,
                )
            )  # fmt: skip
            row = {"run_id": "rec_1", "id": "rli_1", "kind": "matched", "type": "charge"}
            await conn.execute(sa.insert(reconciliation_items).values(**row))
            with pytest.raises(sa.exc.IntegrityError):  # (run, id) is the key: the same item once per run
                async with conn.begin_nested():
                    await conn.execute(sa.insert(reconciliation_items).values(**row))
            lines = await conn.scalar(sa.select(reconciliation_runs.c.lines))
            assert lines == 0
        async with engine.begin() as conn:
            await conn.run_sync(downgrade, "0019")
            assert not TABLES & await conn.run_sync(tables)
    finally:
        await engine.dispose()
        if name:
            await _drop_pg_db(name)
